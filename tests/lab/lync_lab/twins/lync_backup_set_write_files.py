"""Twin of lync_backup_set_write_files.ps1."""

import hashlib
import re

from .. import fsops
from ..errors import PSError

PARAMETERS = {
    "SetPath": {"kind": "string", "mandatory": True},
    "Files": {"kind": "list", "mandatory": True},
}


def run(ctx, params):
    written = []
    for entry in params["Files"]:
        rel = str(entry.get("Path"))
        if re.search(r"(^[\\/])|(^[A-Za-z]:)|(\.\.)", rel):
            raise PSError("not a path inside the set: %s" % rel)
        target = fsops.join(params["SetPath"], rel.replace("/", "\\"))
        data = str(entry.get("Content")).encode("utf-8")
        fsops.write_bytes(ctx, target + ".tmp", data)
        fsops.remove(ctx, target)
        fsops.locate(ctx, target + ".tmp").real.rename(fsops.locate(ctx, target).real)
        digest = hashlib.sha256(fsops.read_bytes(ctx, target)).hexdigest().upper()
        if entry.get("Sha256") and digest != str(entry["Sha256"]).upper():
            raise PSError("LYNC_WRITE_MISMATCH: %s landed with SHA-256 %s, expected %s" % (rel, digest, entry["Sha256"]))
        written.append({"Path": rel, "Bytes": len(data), "Sha256": digest})
    return {"Files": written}
