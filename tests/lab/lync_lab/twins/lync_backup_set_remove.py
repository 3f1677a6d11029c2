"""Twin of lync_backup_set_remove.ps1."""

from .. import fsops
from ._setpaths import check_set_id

PARAMETERS = {
    "Root": {"kind": "string", "mandatory": True},
    "SetIds": {"kind": "list", "mandatory": True},
}


def run(ctx, params):
    removed, freed = [], 0
    for set_id in params["SetIds"]:
        check_set_id(set_id, "refusing to remove %s: not a backup set name")
        path = "%s\\%s" % (params["Root"], set_id)
        if fsops.exists(ctx, path):
            doomed = fsops.rename(ctx, path, "removing-" + set_id)
            freed += fsops.remove(ctx, doomed)
            removed.append(set_id)
    ctx.changed = bool(removed)
    return {"Removed": removed, "BytesFreed": freed}
