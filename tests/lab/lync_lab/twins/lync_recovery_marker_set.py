"""Twin of lync_recovery_marker_set.ps1."""

import re

from .. import fsops
from ..errors import PSError
from ._markers import MARKER_FOLDER

PARAMETERS = {
    "Stage": {"kind": "string", "mandatory": True},
    "Text": {"kind": "string", "mandatory": False, "default": ""},
    "Remove": {"kind": "switch", "mandatory": False},
}


def run(ctx, params):
    if not re.match(r"\A[a-z][a-z0-9_]{0,63}\Z", params["Stage"]):
        raise PSError("invalid stage name: %s" % params["Stage"])
    path = fsops.join(MARKER_FOLDER, params["Stage"] + ".json")
    existed = fsops.exists(ctx, path)
    if params.get("Remove"):
        fsops.remove(ctx, path)
        ctx.changed = existed
    else:
        fsops.write_bytes(ctx, path, params.get("Text", "").encode("utf-8"))
    return {"Path": path, "Existed": existed}
