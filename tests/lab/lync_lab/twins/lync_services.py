"""Twin of lync_services.ps1."""

from .. import cmdlets, lyncsetup, model
from ..errors import PSError

PARAMETERS = {
    "State": {"kind": "string", "mandatory": True},
    "Names": {"kind": "list", "mandatory": False, "default": []},
    "WaitSeconds": {"kind": "int", "mandatory": False, "default": 600},
}


def _states(record):
    return [{"Name": n, "Status": record["services"][n]["status"]} for n in lyncsetup.lync_services(record)]


def run(ctx, params):
    model.require_lync_shell(ctx.record)
    if params["State"] not in ("started", "stopped"):
        raise PSError("unknown state: %s" % params["State"])
    before = _states(ctx.record)
    cmdlets.set_services(ctx.state, ctx.host, params["State"] == "started", params.get("Names") or None)
    after = _states(ctx.record)
    ctx.changed = before != after
    want = "Running" if params["State"] == "started" else "Stopped"
    names = {n.upper() for n in params.get("Names", [])}
    pending = [s["Name"] for s in after if (not names or s["Name"].upper() in names) and s["Status"] != want
               and not (want == "Running" and s["Name"] in ("MASTER", "FTA"))]
    return {"Before": before, "After": after, "NotYet": pending}
