"""Twin of lync_cms_import.ps1."""

from .. import cmdlets, fsops, model

PARAMETERS = {
    "SqlServerFqdn": {"kind": "string", "mandatory": True},
    "SqlInstanceName": {"kind": "string", "mandatory": True},
    "ConfigurationFile": {"kind": "string", "mandatory": True},
    "StagingPath": {"kind": "string", "mandatory": False, "default": ""},
}


def run(ctx, params):
    model.require_lync_shell(ctx.record)
    data = fsops.read_bytes(ctx, params["ConfigurationFile"])
    cmdlets.set_store_location(ctx.state, params["SqlServerFqdn"], params["SqlInstanceName"])
    cmdlets.import_configuration(ctx.state, data)
    cmdlets.enable_topology(ctx.state)
    scp = ctx.state["ad"]["scp"]
    return {"StoreLocation": "%s\\%s" % (scp["sql_fqdn"], scp["instance"])}
