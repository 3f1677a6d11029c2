"""Export to a local staging folder, then copy into the set: what the export payloads do."""

import hashlib
import uuid

from .. import fsops


def stage_and_copy(ctx, staging, data, name, target_folder):
    """Write data under a fresh staging folder, copy it to target_folder\\name, clean up; the payload's file entry."""
    stage = fsops.join(staging or "C:\\Windows\\Temp", "lync-stage-" + uuid.uuid4().hex)
    try:
        fsops.write_bytes(ctx, fsops.join(stage, name), data)
        fsops.make_dirs(ctx, target_folder)
        fsops.write_bytes(ctx, fsops.join(target_folder, name), fsops.read_bytes(ctx, fsops.join(stage, name)))
    finally:
        fsops.remove(ctx, stage)
    return {"Name": name, "Bytes": len(data), "Sha256": hashlib.sha256(data).hexdigest().upper()}
