"""Twin of lync_backup_set_open.ps1."""

import datetime

from .. import fsops
from ..errors import PSError
from ._setpaths import LOCK_NAME, check_set_id

PARAMETERS = {
    "Root": {"kind": "string", "mandatory": True},
    "SetId": {"kind": "string", "mandatory": True},
    "LockText": {"kind": "string", "mandatory": True},
    "LockMaxAgeHours": {"kind": "int", "mandatory": False, "default": 24},
}


def run(ctx, params):
    root, set_id = params["Root"], params["SetId"]
    check_set_id(set_id)
    loc = fsops.locate(ctx, root)
    if not loc.real.is_dir():
        raise PSError("LYNC_ROOT_MISSING: the backup root %s does not exist or cannot be reached" % root)
    lock = fsops.join(root, LOCK_NAME)
    taken_over = None
    lock_loc = fsops.locate(ctx, lock)
    if lock_loc.real.exists():
        written = datetime.datetime.fromtimestamp(lock_loc.real.stat().st_mtime, datetime.timezone.utc)
        previous = lock_loc.real.read_text(encoding="utf-8")
        age = (datetime.datetime.now(datetime.timezone.utc) - written).total_seconds() / 3600
        if age < params.get("LockMaxAgeHours", 24):
            raise PSError("LYNC_BACKUP_LOCKED: %s is held since %s by %s" % (lock, written.isoformat(), previous))
        fsops.remove(ctx, lock)
        taken_over = previous
    fsops.write_bytes(ctx, lock, params["LockText"].encode("utf-8"))
    set_path = fsops.join(root, set_id)
    if fsops.exists(ctx, set_path):
        raise PSError("An item with the specified name %s already exists." % set_path)
    fsops.make_dirs(ctx, set_path)
    return {"Path": set_path, "LockPath": lock, "TakenOverLock": taken_over}
