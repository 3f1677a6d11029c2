"""Twin of lync_backup_set_unlock.ps1."""

from .. import fsops
from ._setpaths import LOCK_NAME

PARAMETERS = {
    "Root": {"kind": "string", "mandatory": True},
    "SetId": {"kind": "string", "mandatory": True},
}


def run(ctx, params):
    lock = fsops.join(params["Root"], LOCK_NAME)
    loc = fsops.locate(ctx, lock)
    holder, released = None, False
    if loc.real.exists():
        holder = loc.real.read_text(encoding="utf-8")
        if params["SetId"] in holder:
            fsops.remove(ctx, lock)
            released = True
    ctx.changed = released
    return {"Released": released, "Holder": holder}
