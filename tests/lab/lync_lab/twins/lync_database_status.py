"""Twin of lync_database_status.ps1."""

from .. import databases, model
from ..errors import PSError

PARAMETERS = {
    "Mode": {"kind": "string", "mandatory": True},
    "SqlServerFqdn": {"kind": "string", "mandatory": True},
    "SqlInstanceName": {"kind": "string", "mandatory": False, "default": ""},
}


def run(ctx, params):
    model.require_lync_shell(ctx.record)
    ctx.changed = False
    server = params["SqlServerFqdn"].lower()
    if params["Mode"] == "cms":
        try:
            # -SqlInstanceName only when an instance is named; left out, the default instance.
            present = model.sql_instance(ctx.state, server, params.get("SqlInstanceName") or None)["databases"]
        except PSError:
            present = {}
        found = []
        for name in ("xds", "lis"):
            installed = present[name].get("schema_version", databases.SCHEMA_VERSION) if name in present else None
            found.append({"SqlServerFqdn": server, "SqlInstanceName": params.get("SqlInstanceName", ""),
                          "DatabaseName": name, "Succeed": installed == databases.SCHEMA_VERSION,
                          "ExpectedVersion": databases.SCHEMA_VERSION, "InstalledVersion": installed or ""})
    elif params["Mode"] == "configured":
        found = databases.test_databases(ctx.state, server)
    else:
        raise PSError("unknown mode: %s" % params["Mode"])
    return {"Databases": found}
