"""Twin of lync_deploy_status.ps1."""

from .. import cmdlets, fsops, lyncsetup
from ..errors import PSError
from ._markers import MARKER_FOLDER

PARAMETERS = {"InstallDir": {"kind": "string", "mandatory": False, "default": ""}}


def run(ctx, params):
    ctx.changed = False
    record = ctx.record
    markers = [rel[:-5] for rel, dummy, dummy2 in (fsops.listing(ctx, MARKER_FOLDER) or []) if rel.endswith(".json")]
    assigned, certificate_error = [], None
    if record.get("lync_module"):
        try:  # try { Get-CsCertificate } catch { $certificateError = $_.Exception.Message }
            assigned = cmdlets.get_cs_certificate(record)
        except PSError as exc:
            assigned, certificate_error = [], exc.message
    return {
        "LyncModule": record.get("lync_module"),
        "Products": [dict(p) for p in record.get("products", []) if "Server" in p["Name"]],
        "SqlInstances": sorted(record.get("sql", {})),
        "Services": [{"Name": n, "Status": record["services"][n]["status"]} for n in lyncsetup.lync_services(record)],
        "BootstrapperExists": bool(params.get("InstallDir")) and lyncsetup.has_core(record),
        "Certificates": assigned,
        "CertificateError": certificate_error,
        "Markers": markers,
        "RebootPending": bool(record.get("reboot_pending")),
        # Session Manager's PendingFileRenameOperations: set on many healthy servers, not a pending restart.
        "PendingFileRenames": bool(record.get("pending_file_renames")),
    }
