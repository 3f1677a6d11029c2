"""Twin of lync_recovery_markers.ps1."""

from .. import fsops
from ._markers import MARKER_FOLDER

PARAMETERS = {}


def run(ctx, params):
    del params
    ctx.changed = False
    listing = fsops.listing(ctx, MARKER_FOLDER) or []
    markers = [{"Stage": rel[:-5], "Text": fsops.read_bytes(ctx, fsops.join(MARKER_FOLDER, rel)).decode("utf-8")}
               for rel, dummy, dummy2 in listing if rel.endswith(".json") and "/" not in rel]
    return {"Folder": MARKER_FOLDER, "Markers": markers}
