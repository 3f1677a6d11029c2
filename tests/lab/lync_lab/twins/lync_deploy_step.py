"""Twin of lync_deploy_step.ps1: what Bootstrapper.exe and the step's cmdlets do to the lab host."""

from .. import certstore, lyncsetup, model
from ..errors import PSError

PARAMETERS = {
    "Step": {"kind": "string", "mandatory": True},
    "BootstrapperPath": {"kind": "string", "mandatory": False, "default": ""},
    "BootstrapperArguments": {"kind": "list", "mandatory": False, "default": []},
    "ConfigurationFile": {"kind": "string", "mandatory": False, "default": ""},
    "Certificates": {"kind": "list", "mandatory": False, "default": []},
}


def _bootstrap(ctx, params):
    record = ctx.record
    if not lyncsetup.has_core(record):
        raise PSError("Bootstrapper.exe not found at %s (install the core components first)" % params.get("BootstrapperPath"))
    args = [a.upper() for a in params.get("BootstrapperArguments", [])]
    if "/BOOTSTRAPLOCALMGMT" in args:
        lyncsetup.bootstrap_local_mgmt(ctx.state, ctx.host)
    elif "/BOOTSTRAPSQLEXPRESS" in args:
        lyncsetup.install_sql_express(ctx.state, ctx.host, "RTC")
    elif any(a.startswith("/BOOTSTRAP") for a in args):
        raise PSError("LYNC_BOOTSTRAPPER_FAILED: Bootstrapper.exe %s exited with 1 (the lab knows no such switch)"
                      % " ".join(params["BootstrapperArguments"]))
    else:
        lyncsetup.bootstrap_components(ctx.state, ctx.host)
    return 0


def run(ctx, params):
    step = params["Step"]
    exit_code = None
    if step in ("local_store", "components", "sql_express"):
        exit_code = _bootstrap(ctx, params)
    elif step != "certificates":
        raise PSError("unknown deployment step: %s" % step)
    if step in ("local_store", "certificates"):
        model.require_lync_shell(ctx.record)
    if step == "local_store":
        if params.get("ConfigurationFile"):
            raise PSError("lab: importing the local store from a file (Edge Servers) is not simulated")
        lyncsetup.import_local_store(ctx.state, ctx.host)
        lyncsetup.enable_replica(ctx.state, ctx.host)
        ctx.record["services"]["REPLICA"]["status"] = "Running"
    elif step == "certificates":
        for entry in params.get("Certificates", []):
            certstore.set_certificate(ctx.record, entry["Types"], entry["Thumbprint"])
        certstore.replicate_global(ctx.state, ctx.host)  # the replica has the CMS's global assignments by now
    return {"Step": step, "ExitCode": exit_code, "RebootPending": bool(ctx.record.get("reboot_pending"))}
