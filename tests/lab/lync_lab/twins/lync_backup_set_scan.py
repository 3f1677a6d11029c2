"""Twin of lync_backup_set_scan.ps1."""

import datetime

from .. import fsops
from ..errors import PSError
from ._setpaths import LOCK_NAME, SET_ID_RE

PARAMETERS = {"Root": {"kind": "string", "mandatory": True}}


def run(ctx, params):
    ctx.changed = False
    root = fsops.locate(ctx, params["Root"])
    if not root.real.is_dir():
        raise PSError("LYNC_ROOT_MISSING: the backup root %s does not exist or cannot be reached" % params["Root"])
    sets = []
    for folder in sorted(p for p in root.real.iterdir() if p.is_dir() and SET_ID_RE.match(p.name)):
        manifest = folder / "manifest.json"
        sets.append({"Name": folder.name,
                     "Manifest": manifest.read_text(encoding="utf-8") if manifest.is_file() else None})
    lock = root.real / LOCK_NAME
    lock_info = None
    if lock.is_file():
        written = datetime.datetime.fromtimestamp(lock.stat().st_mtime, datetime.timezone.utc)
        lock_info = {"Text": lock.read_text(encoding="utf-8"), "Written": written.isoformat()}
    return {"Sets": sets, "Lock": lock_info}
