"""The lab's boundary: what a payload's own PowerShell reaches on a lab host.

The engine (lync_lab.engine) runs the payload text; everything outside the script — cmdlets,
.NET types, external programs, SQL Server — is emulated here, one module per area, bound to
the lab state through the lync_lab model rules (fsops, netid, certstore, tsql, cmdlets, ...).

An area module has `PAYLOADS` (the payloads that run through the engine once the area's
commands exist) and `install(session)`, which adds its commands, types and New-Object
factories to one host's session. Adding a command: see docs/testing.md, "The PowerShell engine".
"""

from . import certs, fs, lync, lync_deploy, setup, sql, tasks, windows
from .session import Session

AREAS = (fs, setup, windows, sql, certs, lync, lync_deploy, tasks)


def engine_payloads():
    """Names of the payloads the lab runs (every payload: tests/lab/test_boundary_winpowershell.py)."""
    names = set()
    for area in AREAS:
        names.update(getattr(area, "PAYLOADS", ()))
    return names


def open_session(ctx):
    """A PowerShell session on ctx's host with every area installed."""
    session = Session(ctx)
    for area in AREAS:
        area.install(session)
    return session


def run_payload(ctx, name, parameters=None, check_mode=False, depth=4):
    """Payload `name`'s own text run in a session on ctx's host, as the stand-in win_powershell runs it
    (for tests that call one payload without a playbook): the module result."""
    from .. import netid, winps  # pylint: disable=import-outside-toplevel
    from .winpowershell import run  # pylint: disable=import-outside-toplevel
    ctx.payload = name
    with netid.session(ctx):
        return run(open_session(ctx), winps.payload_text(name), dict(parameters or {}), check_mode, depth, payload=name)
