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
    failed = []
    # `Start-CsWindowsService -NoWait` when no name is given, else one call per name (`-Name $name`), each with
    # -ErrorAction SilentlyContinue -ErrorVariable +failed: a cmdlet's non-terminating error is collected, the
    # next call still runs (cmdlets.call_collecting_errors); each call is also inside try/catch that adds a
    # terminating error to $failed (caught=True).
    for name in (names or ([None] if state.lower() != "query" else [])):
        if state.lower() == "started":
            cmdlets.call_collecting_errors(failed, cmdlets.start_windows_service, ctx.state, ctx.host, name, no_wait=True,
                                           caught=True)
        elif state.lower() == "stopped":
            cmdlets.call_collecting_errors(failed, cmdlets.stop_windows_service, ctx.state, ctx.host, name, no_wait=True,
                                           caught=True)
    ctx.changed = state.lower() != "query"
    return {"Before": before, "Services": cmdlets.get_windows_services(ctx.state, ctx.host), "Errors": failed}
