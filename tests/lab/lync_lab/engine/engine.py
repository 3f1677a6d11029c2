"""The engine: runs a script's text the way win_powershell runs it — parse (a script with a
syntax error runs not at all), bind `parameters` to its param() block, run it in a script scope
under a global scope holding the preference and automatic variables and `$Ansible`, and return
the output, error, warning, verbose and host streams with $Ansible.Result/Changed/Failed."""

import random
import uuid

from .. import psparse
from . import types as T
from . import values as V
from .binder import Argument
from .clock import VirtualClock
from .commands import Call, NativeCommand, default_table
from .errors import BreakSignal, ContinueSignal, ExitSignal, ParseError, PSRuntimeError, ReturnSignal, runtime_error
from .evaluator import Evaluator, PSCmdlet, ScriptFunction
from .scopes import Scope


class RunResult:
    """What win_powershell returns for a script run."""

    def __init__(self):
        self.raw_output = []
        self.errors = []
        self.warnings = []
        self.verbose = []
        self.host = []
        self.result = {}
        self.result_raw = None
        self.changed = True
        self.failed = False
        self.terminating_error = None
        self.exit_code = 0

    @property
    def output(self):
        return [V.to_python(v) for v in self.raw_output]

    @property
    def error_messages(self):
        return [e.Exception.Message for e in self.errors]

    def __repr__(self):
        return "RunResult(failed=%r, output=%r, errors=%r, result=%r)" % (
            self.failed, self.output, self.error_messages, self.result)


class AnsibleObject(V.NetObject):
    """$Ansible as win_powershell defines it: Result, Changed (default $true), Failed, CheckMode..."""

    TYPE_NAME = "Ansible.Windows.WinPowerShell.Result"

    def __init__(self, check_mode, tmpdir):
        self.Result = V.Hashtable()
        self.Changed = True
        self.Failed = False
        self.CheckMode = check_mode
        self.Diff = V.Hashtable()
        self.Verbosity = 0
        self.Tmpdir = tmpdir


def to_ps(value):
    """A Python value from Ansible (parameters) as PowerShell receives it: dicts become hashtables;
    the lab's sensitive values (lync_lab.values Secure, Credential) become SecureString and PSCredential."""
    from .. import values as lab_values
    if isinstance(value, lab_values.Secure):
        return T.SecureString(value.plain)
    if isinstance(value, lab_values.Credential):
        return T.PSCredential(value.username, T.SecureString(value.password.plain))
    if isinstance(value, dict):
        return V.Hashtable([(k, to_ps(v)) for k, v in value.items()])
    if isinstance(value, (list, tuple)):
        return [to_ps(v) for v in value]
    return value


class Engine:
    """One PowerShell session. `commands` is a CommandTable (default: the built-ins); `env` the
    process environment; `object_factories` {lower type name: callable(engine, *args)} for New-Object."""

    def __init__(self, commands=None, env=None, clock=None, seed=0):
        self.commands = commands if commands is not None else default_table()
        env = env or {"ProgramData": "C:\\ProgramData", "TEMP": "C:\\Windows\\TEMP", "SystemRoot": "C:\\Windows",
                      "COMPUTERNAME": "HOST"}
        self.env = {k.lower(): (k, v) for k, v in env.items()}
        self.clock = clock or VirtualClock()
        self.random = random.Random(seed)
        self.functions = {}
        self.object_factories = {}
        self.command_hook = None  # callable(command, bound values) before a command runs
        self.coverage = None  # a set: the script's statement lines that ran (lync_lab/coverage.py)
        self.script_data = None
        self.types = {}  # lower full name -> types.NetType, for this session only
        self.streams = {"error": [], "warning": [], "verbose": [], "host": []}
        self.try_depth = 0
        self.captures = []
        self.global_scope = Scope(kind="global")
        for name, value in (("ErrorActionPreference", "Continue"), ("WarningPreference", "Continue"),
                            ("VerbosePreference", "SilentlyContinue"), ("DebugPreference", "SilentlyContinue"),
                            ("WhatIfPreference", False), ("ConfirmPreference", "High"),
                            ("InformationPreference", "SilentlyContinue"), ("ProgressPreference", "Continue"),
                            ("Error", []), ("LASTEXITCODE", None), ("PSScriptRoot", ""), ("PSCommandPath", ""),
                            ("PSVersionTable", V.Hashtable([("PSVersion", "5.1.17763.1"), ("PSEdition", "Desktop"),
                                                            ("CLRVersion", "4.0.30319.42000")])),
                            ("PSCulture", "en-US"), ("PID", 4242), ("Host", None), ("HOME", "C:\\Users\\Administrator")):
            self.global_scope.set(name, value)
        self.global_scope.vars["error"].constant = False
        self.script_scope = Scope(self.global_scope, "script")
        self.scope = self.script_scope

    # --- environment, clock, guids ---------------------------------------------------------

    def env_get(self, name):
        found = self.env.get(name.lower())
        return found[1] if found else None

    def env_set(self, name, value):
        if value is None or value == "":
            self.env.pop(name.lower(), None)
        else:
            self.env[name.lower()] = (name, V.to_string(value))

    def new_guid(self):
        return uuid.UUID(int=self.random.getrandbits(128), version=4)

    # --- streams and preferences -----------------------------------------------------------

    def preference(self, name):
        var = self.scope.find(name)
        return V.to_string(var.value).lower() if var is not None and var.value is not None else "continue"

    def record_error(self, record, mode):
        """Add to $Error (newest first) and, when mode is 'continue', to the error stream."""
        error_var = self.global_scope.vars["error"]
        error_var.value = [record] + list(error_var.value or [])
        if mode == "continue":
            if self.captures:
                self.captures[-1].append(record)
            else:
                self.streams["error"].append(record)

    def write_error(self, record, action=None):
        """A non-terminating error under -ErrorAction (action) or $ErrorActionPreference
        (about_CommonParameters, about_Preference_Variables)."""
        mode = (V.to_string(action) if action is not None else self.preference("ErrorActionPreference")).lower()
        if mode in ("stop", "inquire", "suspend"):
            raise PSRuntimeError(record, script_terminating=True)
        if mode == "ignore":
            return
        self.record_error(record, "continue" if mode == "continue" else "silentlycontinue")

    def write_warning(self, text, action=None):
        mode = (V.to_string(action) if action is not None else self.preference("WarningPreference")).lower()
        if mode == "stop":
            raise runtime_error('The running command stopped because the preference variable "WarningPreference" or '
                                'common parameter is set to Stop: %s' % text,
                                "System.Management.Automation.ActionPreferenceStopException",
                                "ActionPreferenceStop", "OperationStopped", script_terminating=True)
        if mode in ("continue", "inquire"):
            self.streams["warning"].append(text)

    def write_stream(self, stream, text):
        if stream == "verbose" and self.preference("VerbosePreference") not in ("continue", "inquire"):
            return
        if stream == "warning":
            return self.write_warning(text)
        self.streams[stream].append(text)

    def should_process(self, target, action, whatif=None):
        """-WhatIf given to the command, else $WhatIfPreference as the caller's scope sees it."""
        active = V.to_bool(whatif) if whatif is not None else V.to_bool(self.scope.find("WhatIfPreference").value
                                                                        if self.scope.find("WhatIfPreference") else False)
        if active:
            self.streams["host"].append('What if: Performing the operation "%s" on target "%s".' % (action, target))
            return False
        return True

    def set_matches(self, table):
        self.scope.set("Matches", table)

    # --- commands --------------------------------------------------------------------------

    def resolve_command(self, name):
        found = self.functions.get(name.lower())
        if found is not None:
            return found
        found = self.commands.get(name)
        if found is None and ("\\" in name or "/" in name):
            found = self.commands.get(name.replace("/", "\\").rsplit("\\", 1)[-1])
        return found

    def invoke_command(self, target, args, input_items, redirections=(), dot=False):
        """Run a command (by name, script block or function) with evaluated arguments."""
        if isinstance(target, V.ScriptBlock):
            return self.invoke_scriptblock(target, [a.value for a in args if a.name is None], input_items,
                                           new_scope=not dot, arguments=args)
        name = V.to_string(target)
        command = self.resolve_command(name)
        if command is None:
            raise runtime_error("The term '%s' is not recognized as the name of a cmdlet, function, script file, or "
                                "operable program. Check the spelling of the name, or if a path was included, verify "
                                "that the path is correct and try again." % name,
                                "System.Management.Automation.CommandNotFoundException", "CommandNotFoundException",
                                "ObjectNotFound", name)
        capture = None
        if redirections:
            capture = []
            self.captures.append(capture)
        try:
            if isinstance(command, ScriptFunction):
                output = self.call_function(command, args, input_items)
            elif isinstance(command, NativeCommand):
                output = self.call_native(command, args)
            else:
                output = self.call_command(command, args, input_items)
        finally:
            if capture is not None:
                self.captures.pop()
        if redirections:
            merged = [r.replace(" ", "") for r in redirections]
            if any(r in ("2>&1", "*>&1") for r in merged):
                output = output + capture
            elif not any(r.startswith(("2>", "*>")) for r in merged):
                self.streams["error"].extend(capture)
            if any(r in (">$null", "1>$null", "*>$null") for r in merged):
                output = []
        return output

    def call_command(self, command, args, input_items):
        from ..errors import PSError as LabError
        bound = command.binder.bind(args, pipeline_input=input_items is not None)
        sink = self._error_variable(bound.values.get("ErrorVariable"))
        try:
            if self.command_hook is not None:
                self.command_hook(command, bound.values)  # the lab's faults act here, where Windows fails
            if command.pipeline == "all":
                items = input_items if input_items is not None else (
                    V.enumerate_value(bound.values["InputObject"]) if "InputObject" in bound.values else None)
                call = Call(self, command, bound, items, sink)
                return self._collect(call, command.function(call))
            if input_items is None or not any(p.pipeline or p.by_property for p in command.params):
                if input_items is not None and input_items:
                    command.binder.bind_pipeline_object(bound, input_items[0])  # fails as PowerShell does
                call = Call(self, command, bound, None, sink)
                return self._collect(call, command.function(call))
            output = []
            for item in input_items:
                per_item = command.binder.bind_pipeline_object(bound, item)
                call = Call(self, command, per_item, None, sink)
                output.extend(self._collect(call, command.function(call)))
            return output
        except LabError as exc:
            raise runtime_error(exc.message, error_id="%s,%s" % (exc.error_id, command.name), category=exc.category)

    def _error_variable(self, name):
        """-ErrorVariable name: the command's errors also go to $name, a new ArrayList; with a
        leading '+' they are appended to what $name holds (about_CommonParameters)."""
        if name is None:
            return None
        name = V.to_string(name)
        append = name.startswith("+")
        name = name.lstrip("+")
        found = self.scope.find(name)
        if append and found is not None and isinstance(found.value, V.ArrayList):
            return found.value
        sink = V.ArrayList(list(V.enumerate_value(found.value)) if append and found is not None
                           and found.value is not None else [])
        self.scope.set(name, sink)
        return sink

    def call_native(self, command, args):
        argv = []
        for arg in args:
            if arg.name is not None:
                argv.append("-" + arg.name + (":" + V.to_string(arg.value) if arg.has_value else ""))
            else:
                argv.extend(V.to_string(v) for v in V.enumerate_value(arg.value))
        lines, code = command.function(self, argv)
        self.global_scope.set("LASTEXITCODE", code)
        return list(lines or [])

    @staticmethod
    def _collect(call, returned):
        output = list(call.output)
        if returned is not None:
            output.extend(returned if isinstance(returned, (list, tuple)) else [returned])
        return output

    def _enter(self, function, bound, scope):
        """Bind a function's or script's parameters into its new scope."""
        evaluator = function.evaluator
        previous = self.scope
        self.scope = scope
        try:
            for param in function.params:
                if param.name in bound.values:
                    scope.set(param.name, bound.values[param.name],
                              None if param.type.lower() == "system.object" else param.type)
                elif param.switch:
                    scope.set(param.name, V.SwitchValue(False), param.type)
                elif param.name in function.defaults:
                    value = evaluator.value_of(function.defaults[param.name])
                    scope.set(param.name, value, None if param.type.lower() == "system.object" else param.type)
                else:
                    scope.set(param.name, None if param.type.lower() in ("system.object",) or param.type.endswith("[]")
                              or param.type.lower() in ("system.collections.hashtable",) else V.convert(None, param.type),
                              None if param.type.lower() == "system.object" else param.type)
            scope.set("args", list(bound.extra))
            scope.set("PSBoundParameters", V.Hashtable([(k, v) for k, v in bound.values.items()
                                                        if k.lower() not in ("whatif", "confirm", "erroraction")]
                                                       + [(k, v) for k, v in bound.values.items()
                                                          if k.lower() in ("whatif", "confirm", "erroraction")]))
            if function.advanced:
                scope.set("PSCmdlet", PSCmdlet(self, bound.set_name, function.name))
                if "ErrorAction" in bound.values:
                    scope.set("ErrorActionPreference", bound.values["ErrorAction"])
                if "WarningAction" in bound.values:
                    scope.set("WarningPreference", bound.values["WarningAction"])
                if "WhatIf" in bound.values:
                    scope.set("WhatIfPreference", V.to_bool(bound.values["WhatIf"]))
                if "Verbose" in bound.values:
                    scope.set("VerbosePreference", "Continue" if V.to_bool(bound.values["Verbose"]) else "SilentlyContinue")
        finally:
            self.scope = previous

    def call_function(self, function, args, input_items):
        bound = function.binder.bind(args, pipeline_input=input_items is not None and any(p.pipeline for p in function.params))
        scope = Scope(self.scope, "function")
        self._enter(function, bound, scope)
        if input_items is not None:
            scope.set("input", list(input_items))
        return self._run_in(scope, function.evaluator, function.body, input_items)

    def _run_in(self, scope, evaluator, body, input_items=None, item=None, set_item=False):
        previous = self.scope
        self.scope = scope
        out = []
        try:
            named = [n for n in body if n.type == "named_block_list"] + [
                c for n in body if n.type in ("script_block_body", "script_block") for c in n.children
                if c.type == "named_block_list"]
            if named:
                evaluator.run_named_blocks(named[0], out, input_items)
            else:
                if set_item:
                    scope.set("_", item)
                evaluator.run_body(body, out)
        except ReturnSignal:
            pass
        finally:
            self.scope = previous
        return out

    def _scriptblock_body(self, block):
        node = block.node
        if node.type == "script_block":
            body = []
            for child in node.children:
                if child.type in ("param_block", "comment"):
                    continue
                body.append(child)
            return body
        return [c for c in node.children if c.type not in ("{", "}", "comment", "param_block")]

    def run_pipeline_block(self, block, item):
        """A script block of ForEach-Object/Where-Object/Sort-Object: it runs in the caller's scope
        with $_ set to the pipeline object; `return` ends this object only."""
        scope = self.scope
        saved = scope.vars.pop("_", None)  # the Variable itself: scope.set would change it in place
        scope.set("_", item)
        out = []
        try:
            block.evaluator.run_body(self._scriptblock_body(block), out)
        except ReturnSignal:
            pass
        finally:
            if saved is None:
                scope.remove("_")
            else:
                scope.vars["_"] = saved
        return out

    def invoke_scriptblock(self, block, positional, input_items=None, new_scope=True, arguments=None):
        """`& { }` / `.Invoke()`: a new scope; param() or $args take the arguments. `arguments`: the
        Arguments of `& $block -Name value` / `& $block @splat` (about_Script_Blocks, about_Splatting:
        named arguments bind to the block's param() as they do to a function's)."""
        node = block.node
        param_block = next((c for c in node.children if c.type == "param_block"), None)
        params, defaults, advanced, should_process = block.evaluator.read_params(param_block)
        function = ScriptFunction("<ScriptBlock>", params, self._scriptblock_body(block), advanced, should_process, defaults)
        function.evaluator = block.evaluator
        if arguments is not None and any(a.name is not None for a in arguments):
            bound = function.binder.bind(list(arguments))
        else:
            bound = function.binder.bind([Argument(value=v) for v in positional])
        scope = Scope(self.scope, "scriptblock") if new_scope else self.scope
        self._enter(function, bound, scope)
        if input_items is not None:
            scope.set("input", list(input_items))
        return self._run_in(scope, block.evaluator, function.body, input_items)

    def create_scriptblock(self, text):
        """[scriptblock]::Create(text): the text parsed as a script block (ParseError as PowerShell's
        parser reports it), https://learn.microsoft.com/dotnet/api/system.management.automation.scriptblock.create"""
        text = V.to_string(text)
        errors = psparse.syntax_errors(text)
        if errors:
            raise runtime_error('Exception calling "Create" with "1" argument(s): "At line:%d char:1 %s"' % errors[0],
                                "System.Management.Automation.MethodInvocationException", "ParseException",
                                "NotSpecified")
        tree, data = psparse.parse(text)
        return V.ScriptBlock(tree.root_node, text, Evaluator(self, data))

    # --- running a script ------------------------------------------------------------------

    def run(self, text, parameters=None, check_mode=False, tmpdir="C:\\Windows\\TEMP\\ansible-tmp",
            error_action="continue"):
        """Run a script as win_powershell does; raises ParseError when PowerShell would not parse it.
        `error_action` is win_powershell's option (silently_continue, continue, stop): the initial
        $ErrorActionPreference."""
        errors = psparse.syntax_errors(text)
        if errors:
            raise ParseError(errors)
        tree, data = psparse.parse(text)
        self.script_data = data
        root = tree.root_node
        evaluator = Evaluator(self, data)
        param_block = next((c for c in root.children if c.type == "param_block"), None)
        params, defaults, advanced, should_process = evaluator.read_params(param_block)
        body = [c for c in root.children if c.type not in ("param_block", "comment")]
        script = ScriptFunction("<script>", params, body, advanced, should_process, defaults)
        script.evaluator = evaluator
        ansible = AnsibleObject(check_mode, tmpdir)
        self.global_scope.set("Ansible", ansible)
        self.global_scope.set("ErrorActionPreference", {"silently_continue": "SilentlyContinue", "continue": "Continue",
                                                        "stop": "Stop"}[error_action])
        result = RunResult()
        self.streams = {"error": result.errors, "warning": result.warnings, "verbose": result.verbose, "host": result.host}
        args = [Argument(name, to_ps(value), True) for name, value in (parameters or {}).items()]
        if check_mode:
            args.append(Argument("WhatIf", True, True))
        out = result.raw_output
        try:
            bound = script.binder.bind(args)
            self._enter(script, bound, self.script_scope)
            self.scope = self.script_scope
            try:
                evaluator.run_body(body, out)
            except ReturnSignal:
                pass
            except (BreakSignal, ContinueSignal):
                pass  # break outside a loop stops the script (about_Break)
        except ExitSignal as signal:
            result.exit_code = signal.code
            self.global_scope.set("LASTEXITCODE", signal.code)
        except PSRuntimeError as exc:
            self.record_error(exc.record, "continue")
            result.terminating_error = exc.record
        finally:
            self.scope = self.script_scope
        result.result_raw = ansible.Result
        result.result = V.to_python(ansible.Result)
        result.changed = V.to_bool(ansible.Changed)
        result.failed = V.to_bool(ansible.Failed) or result.terminating_error is not None
        return result


def run_script(text, parameters=None, commands=None, check_mode=False, error_action="continue", **kwargs):
    """Convenience: a fresh Engine runs `text` once."""
    return Engine(commands=commands, **kwargs).run(text, parameters, check_mode, error_action=error_action)
