"""Twin of lync_cms_export.ps1."""

from .. import cmdlets, fsops, model
from ..errors import PSError
from ._staging import stage_and_copy

PARAMETERS = {
    "SetPath": {"kind": "string", "mandatory": True},
    "Items": {"kind": "list", "mandatory": True},
    "StagingPath": {"kind": "string", "mandatory": False, "default": ""},
    "LocalStore": {"kind": "switch", "mandatory": False},
}
NAMES = {"config": "config.zip", "lis": "lis.zip", "topology": "topology.xml"}


def run(ctx, params):
    model.require_lync_shell(ctx.record)
    target = fsops.join(params["SetPath"], "cms")
    files = []
    for item in params["Items"]:
        if item not in NAMES:
            raise PSError("unknown CMS export item: %s" % item)
        if item == "config":
            data = cmdlets.export_configuration(ctx.state, local_store=bool(params.get("LocalStore")))
        elif item == "lis":
            data = cmdlets.export_lis(ctx.state)
        else:
            data = cmdlets.topology_xml(ctx.state).encode("utf-8")
        files.append(stage_and_copy(ctx, params.get("StagingPath"), data, NAMES[item], target))
    return {"Files": files}
