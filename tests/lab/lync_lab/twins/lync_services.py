"""Twin of lync_services.ps1: Start-/Stop-CsWindowsService -NoWait (one name per call), then Get-CsWindowsService."""

from .. import cmdlets, model
from ..errors import PSError

PARAMETERS = {
    "State": {"kind": "string", "mandatory": True},
    "Names": {"kind": "list", "mandatory": False, "default": []},
}


def run(ctx, params):
    model.require_lync_shell(ctx.record)
    state = params["State"]
    if state.lower() not in ("started", "stopped", "query"):
        raise PSError("unknown state: %s" % state)
    names = params.get("Names") or []
    before = cmdlets.get_windows_services(ctx.state, ctx.host)
    # `Start-CsWindowsService -NoWait` when no name is given, else one call per name (`-Name $name`).
    for name in (names or ([None] if state.lower() != "query" else [])):
        if state.lower() == "started":
            cmdlets.start_windows_service(ctx.state, ctx.host, name, no_wait=True)
        elif state.lower() == "stopped":
            cmdlets.stop_windows_service(ctx.state, ctx.host, name, no_wait=True)
    ctx.changed = state.lower() != "query"
    return {"Before": before, "Services": cmdlets.get_windows_services(ctx.state, ctx.host)}
