"""Twin of lync_cms_import.ps1."""

from .. import cmdlets, fsops, model

PARAMETERS = {
    "SqlServerFqdn": {"kind": "string", "mandatory": True},
    "SqlInstanceName": {"kind": "string", "mandatory": False, "default": ""},
    "ConfigurationFile": {"kind": "string", "mandatory": True},
    "StagingPath": {"kind": "string", "mandatory": False, "default": ""},
}


def run(ctx, params):
    model.require_lync_shell(ctx.record)
    data = fsops.read_bytes(ctx, params["ConfigurationFile"])
    # -SqlInstanceName only when an instance is named; left out, Lync uses the default instance.
    cmdlets.set_store_location(ctx.state, params["SqlServerFqdn"], params.get("SqlInstanceName") or None)
    cmdlets.import_configuration(ctx.state, data)
    cmdlets.enable_topology(ctx.state)
    return {"StoreLocation": cmdlets.store_location(ctx.state)}
