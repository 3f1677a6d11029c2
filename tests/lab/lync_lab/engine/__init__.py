"""A PowerShell 5.1 language engine for the lab (issue 10): runs payload text itself.

Modules, one job each: values (representation, conversions), operators, types (.NET members),
scopes, binder (parameter binding), commands (the command table and built-ins), clock (virtual
time), evaluator (the tree walker), engine (a session; running a script as win_powershell does).
"""

from .binder import Param
from .commands import Command, CommandTable, NativeCommand, default_table
from .engine import Engine, RunResult, run_script
from .errors import ParseError, PSRuntimeError

__all__ = ["Command", "CommandTable", "NativeCommand", "Engine", "Param", "ParseError", "PSRuntimeError", "RunResult",
           "default_table", "run_script"]
