"""Twin of lync_data_import.ps1."""

from .. import cmdlets, fsops, model
from ..errors import PSError

PARAMETERS = {
    "Kind": {"kind": "string", "mandatory": True},
    "SourceFile": {"kind": "string", "mandatory": True},
    "PoolFqdn": {"kind": "string", "mandatory": False, "default": ""},
    "DbInstance": {"kind": "string", "mandatory": False, "default": ""},
    "OverwriteOwner": {"kind": "switch", "mandatory": False},
    "ReplaceExistingRgsSettings": {"kind": "switch", "mandatory": False},
    "StagingPath": {"kind": "string", "mandatory": False, "default": ""},
}


def run(ctx, params):
    model.require_lync_shell(ctx.record)
    data = fsops.read_bytes(ctx, params["SourceFile"])
    kind = params["Kind"]
    if kind == "userdata":
        cmdlets.import_user_data(ctx.state, params.get("PoolFqdn", ""), data)
    elif kind == "lis":
        cmdlets.import_lis(ctx.state, data)
        cmdlets.publish_lis(ctx.state)
    elif kind == "rgs":
        cmdlets.import_rgs(ctx.state, "service:ApplicationServer:%s" % params.get("PoolFqdn", ""), data,
                           bool(params.get("OverwriteOwner")), bool(params.get("ReplaceExistingRgsSettings")))
    elif kind == "persistentchat":
        cmdlets.import_pchat(ctx.state, params.get("DbInstance", ""), data)
    else:
        raise PSError("unknown import kind: %s" % kind)
    return {"Kind": kind, "SourceFile": params["SourceFile"]}
