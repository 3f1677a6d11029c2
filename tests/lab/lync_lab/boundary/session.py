"""One PowerShell session on one lab host: an Engine whose commands, .NET types and New-Object
factories are the boundary areas' emulations, bound to the lab Context (state, host, identity)."""

import datetime

from .. import faults
from ..engine import Engine, default_table
from ..engine import values as V
from ..errors import PSError
from ..engine import types as T
from ..engine.clock import VirtualClock


class Session:
    """`ctx` is the lab Context; `engine` the Engine the payload runs in."""

    def __init__(self, ctx):
        self.ctx = ctx
        record = ctx.state["hosts"].get(ctx.host, {}) if isinstance(ctx.state.get("hosts"), dict) else {}
        short = str(ctx.host).split(".", 1)[0].upper()
        env = {"COMPUTERNAME": short, "USERDNSDOMAIN": str(ctx.host).split(".", 1)[-1].upper(),
               "USERNAME": ctx.session_user.rsplit("\\", 1)[-1], "USERDOMAIN": ctx.session_user.split("\\", 1)[0],
               "ProgramData": "C:\\ProgramData", "ProgramFiles": "C:\\Program Files",
               "SystemRoot": "C:\\Windows", "windir": "C:\\Windows", "TEMP": "C:\\Windows\\TEMP",
               "TMP": "C:\\Windows\\TEMP"}
        env.update(record.get("env") or {})
        # Waits in a payload advance a virtual clock that starts at the lab's real UTC time, so
        # Start-Sleep costs nothing and the times a payload records are still today's.
        clock = VirtualClock(start=datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None))
        self.engine = Engine(commands=default_table(), env=env, clock=clock)
        if record.get("powershell_version"):  # a host with another Windows PowerShell (default 5.1)
            self.engine.global_scope.find("PSVersionTable").value["PSVersion"] = str(record["powershell_version"])
        self.engine.lab_session = self
        self.engine.command_hook = self._command_fault

    def _command_fault(self, command, bound):
        """A `fail` fault naming this command (lab_faults, lync_lab/faults.py) stops it with its message."""
        ctx = self.ctx
        fault = faults.active(ctx.faults or [], ctx.payload, {k: V.to_string(v) for k, v in bound.items()},
                              ctx.state, ctx.host, ("fail",), command=command.name)
        if fault is not None:
            raise PSError(fault.get("message") or "lab fault: %s failed on %s" % (command.name, ctx.host))

    def command(self, command):
        """Add a Command (lync_lab.engine.Command) to this session."""
        return self.engine.commands.add(command)

    def net_type(self, full_name, aliases=()):
        """A .NET type known to this session only: returns the NetType to add members to."""
        return T.NetType(full_name, aliases, registry=self.engine.types)

    def factory(self, type_name, function, aliases=()):
        """New-Object type_name (and aliases): function(engine, *args) returns the new object."""
        for name in (type_name,) + tuple(aliases):
            self.engine.object_factories[name.lower()] = function
