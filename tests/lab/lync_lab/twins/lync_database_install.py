"""Twin of lync_database_install.ps1."""

from .. import databases, model
from ..errors import PSError

PARAMETERS = {
    "Mode": {"kind": "string", "mandatory": True},
    "SqlServerFqdn": {"kind": "string", "mandatory": True},
    "SqlInstanceName": {"kind": "string", "mandatory": False, "default": ""},
    "ForInstance": {"kind": "string", "mandatory": False, "default": ""},
    "ForDefaultInstance": {"kind": "switch", "mandatory": False},
    "Clean": {"kind": "switch", "mandatory": False},
    "UseDefaultSqlPaths": {"kind": "switch", "mandatory": False},
}


def run(ctx, params):
    model.require_lync_shell(ctx.record)
    server = params["SqlServerFqdn"].lower()
    if params["Mode"] == "cms":
        # -SqlInstanceName only when an instance is named; left out, the default instance.
        databases.install_cms(ctx.state, server, params.get("SqlInstanceName") or None, bool(params.get("Clean")))
    elif params["Mode"] == "configured":
        databases.install_configured(ctx.state, server, clean=bool(params.get("Clean")),
                                     for_instance=params.get("ForInstance") or None,
                                     for_default=bool(params.get("ForDefaultInstance")))
    else:
        raise PSError("unknown mode: %s" % params["Mode"])
    return {"Mode": params["Mode"], "SqlServerFqdn": server}
