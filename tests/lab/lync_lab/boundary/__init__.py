"""The lab's boundary: what a payload's own PowerShell reaches on a lab host.

The engine (lync_lab.engine) runs the payload text; everything outside the script — cmdlets,
.NET types, external programs, SQL Server — is emulated here, one module per area, bound to
the lab state through the lync_lab model rules (fsops, netid, certstore, tsql, cmdlets, ...).

An area module has `PAYLOADS` (the payloads that run through the engine once the area's
commands exist) and `install(session)`, which adds its commands, types and New-Object
factories to one host's session. Adding a command: see docs/testing.md, "The PowerShell engine".
"""

from . import certs, fs, lync, setup, sql
from .session import Session

AREAS = (fs, setup, sql, certs, lync)


def engine_payloads():
    """Names of the payloads the lab runs through the engine (the others still run their twin)."""
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
