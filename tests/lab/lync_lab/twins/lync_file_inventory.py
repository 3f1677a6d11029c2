"""Twin of lync_file_inventory.ps1."""

from .. import fsops

PARAMETERS = {
    "Path": {"kind": "string", "mandatory": True},
    "Hash": {"kind": "switch", "mandatory": False},
}


def run(ctx, params):
    ctx.changed = False
    found = fsops.listing(ctx, params["Path"], hash_files=bool(params.get("Hash")))
    if found is None:
        return {"Exists": False, "Files": []}
    return {"Exists": True, "Files": [{"Path": p, "Bytes": b, "Sha256": h} for p, b, h in found]}
