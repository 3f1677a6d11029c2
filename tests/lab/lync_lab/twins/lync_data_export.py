"""Twin of lync_data_export.ps1."""

import re

from .. import cmdlets, fsops, model
from ..errors import PSError
from ._staging import stage_and_copy

PARAMETERS = {
    "SetPath": {"kind": "string", "mandatory": True},
    "RelativePath": {"kind": "string", "mandatory": True},
    "Kind": {"kind": "string", "mandatory": True},
    "PoolFqdn": {"kind": "string", "mandatory": False, "default": ""},
    "DbInstance": {"kind": "string", "mandatory": False, "default": ""},
    "StagingPath": {"kind": "string", "mandatory": False, "default": ""},
}


def run(ctx, params):
    model.require_lync_shell(ctx.record)
    rel = params["RelativePath"]
    if re.search(r"(^[\\/])|(^[A-Za-z]:)|(\.\.)", rel):
        raise PSError("not a path inside the set: %s" % rel)
    kind = params["Kind"]
    if kind == "userdata":
        data = cmdlets.export_user_data(ctx.state, params.get("PoolFqdn", ""))
    elif kind == "rgs":
        data = cmdlets.export_rgs(ctx.state, "service:ApplicationServer:%s" % params.get("PoolFqdn", ""))
    elif kind == "persistentchat":
        data = cmdlets.export_pchat(ctx.state, params.get("DbInstance", ""))
    else:
        raise PSError("unknown export kind: %s" % kind)
    folder, dummy, name = rel.replace("/", "\\").rpartition("\\")
    return {"Files": [stage_and_copy(ctx, params.get("StagingPath"), data, name, fsops.join(params["SetPath"], folder))]}
