"""Twin of lync_backup_set_write_file.ps1."""

import hashlib
import re

from .. import fsops
from ..errors import PSError

PARAMETERS = {
    "SetPath": {"kind": "string", "mandatory": True},
    "RelativePath": {"kind": "string", "mandatory": True},
    "Content": {"kind": "string", "mandatory": True},
}


def run(ctx, params):
    rel = params["RelativePath"]
    if re.search(r"(^[\\/])|(^[A-Za-z]:)|(\.\.)", rel):
        raise PSError("not a path inside the set: %s" % rel)
    target = fsops.join(params["SetPath"], rel.replace("/", "\\"))
    data = params["Content"].encode("utf-8")
    fsops.write_bytes(ctx, target + ".tmp", data)
    fsops.remove(ctx, target)
    fsops.locate(ctx, target + ".tmp").real.rename(fsops.locate(ctx, target).real)
    return {"Path": target, "Bytes": len(data), "Sha256": hashlib.sha256(data).hexdigest().upper()}
