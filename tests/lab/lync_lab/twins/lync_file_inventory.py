"""Twin of lync_file_inventory.ps1."""

from .. import fsops
from ..errors import PSError

PARAMETERS = {
    "Path": {"kind": "string", "mandatory": True},
    "Hash": {"kind": "switch", "mandatory": False},
}


def run(ctx, params):
    ctx.changed = False
    path = params["Path"]
    if not fsops.test_path(ctx, path, container=True):
        if path.startswith("\\\\?\\"):
            plain = "\\\\" + path[8:] if path.startswith("\\\\?\\UNC\\") else path[4:]
            if fsops.test_path(ctx, plain, container=True):  # [System.IO.Directory]::Exists: $false on errors
                raise PSError("%s exists but its extended-length form %s does not: this needs .NET Framework 4.6.2 "
                              "or later on %s to read paths past 260 characters" % (plain, path, ctx.host.split(".")[0].upper()))
        return {"Exists": False, "Files": []}
    found = fsops.listing(ctx, path, hash_files=bool(params.get("Hash")))
    return {"Exists": True, "Files": [{"Path": p, "Bytes": b, "Sha256": h} for p, b, h in found]}
