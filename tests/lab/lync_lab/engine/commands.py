"""The command table: Python callables with declared parameters, and the built-in commands
the language needs (Microsoft.PowerShell.Core and Utility: Write-*, Out-Null, ForEach-Object,
Where-Object, Select-Object, Sort-Object, Measure-Object, Start-Sleep, Get-Date, New-Object
for hashtables/PSObject).

To add a command: `table.add(Command("Verb-Noun", [Param(...), ...], function))` where
`function(call)` reads `call.args` (bound values by parameter name), `call.input` (pipeline
objects, for pipeline="all"), writes with `call.write(obj)` or returns an iterable of output,
and reports errors with `call.error(...)` (non-terminating, honours -ErrorAction) or
`call.terminate(...)` (statement-terminating)."""

import functools

from . import operators as O
from . import types as T
from . import values as V
from .binder import Binder, Param
from .errors import ErrorRecord, NetException, PSRuntimeError


class Command:
    """A command implemented in Python. `pipeline` is "item" (called once per input object with
    the ValueFromPipeline parameter bound), "all" (called once with call.input) or None."""

    def __init__(self, name, params, function, should_process=False, pipeline="item", default_set=None, aliases=(),
                 module="Microsoft.PowerShell.Utility"):
        self.name = name
        self.params = params
        self.function = function
        self.should_process = should_process
        self.pipeline = pipeline
        self.aliases = aliases
        self.module = module
        self.binder = Binder(name, params, kind="cmdlet", advanced=True, should_process=should_process,
                             default_set=default_set)


class NativeCommand:
    """An external program (Bootstrapper.exe, setup.exe): no parameter binding — PowerShell passes
    its arguments as strings (arrays flattened, about_Parsing) — `function(engine, argv)` returns
    (output lines, exit code), and the exit code becomes $LASTEXITCODE (about_Automatic_Variables)."""

    def __init__(self, name, function, aliases=()):
        self.name = name
        self.function = function
        self.aliases = aliases


class CommandTable:
    """Commands by case-insensitive name, with aliases."""

    def __init__(self, commands=()):
        self._commands = {}
        for command in commands:
            self.add(command)

    def add(self, command):
        self._commands[command.name.lower()] = command
        for alias in command.aliases:
            self._commands[alias.lower()] = command
        return command

    def get(self, name):
        return self._commands.get(name.lower())

    def copy(self):
        table = CommandTable()
        table._commands = dict(self._commands)
        return table

    def names(self):
        return sorted({c.name for c in self._commands.values()})


class Call:
    """What a Python command sees: bound arguments, pipeline input, and the streams."""

    def __init__(self, engine, command, bound, input_items=None, error_sink=None):
        self.engine = engine
        self.error_sink = error_sink  # -ErrorVariable's list, or None
        self.command = command
        self.args = bound.values
        self.set_name = bound.set_name
        self.input = input_items
        self.output = []

    def arg(self, name, default=None):
        value = self.args.get(name, default)
        return value

    def switch(self, name):
        return V.to_bool(self.args.get(name))

    def write(self, value):
        self.output.append(value)

    def warn(self, text):
        self.engine.write_warning(V.to_string(text), self.args.get("WarningAction"))

    def verbose(self, text):
        if self.args.get("Verbose") is not None:
            if V.to_bool(self.args["Verbose"]):
                self.engine.streams["verbose"].append(V.to_string(text))
            return
        self.engine.write_stream("verbose", V.to_string(text))

    def error(self, message, exception="System.Management.Automation.RuntimeException", error_id=None,
              category="NotSpecified", target=None, net_exception=None):
        """A non-terminating error, handled per -ErrorAction / $ErrorActionPreference (net_exception: the exception
        object itself, when it carries more than a message)."""
        record = ErrorRecord(net_exception or NetException(message, exception),
                             "%s,%s" % (error_id or exception.rsplit(".", 1)[-1], self.command.name), category, target)
        if self.error_sink is not None:
            self.error_sink.append(record)
        self.engine.write_error(record, self.args.get("ErrorAction"))

    def terminate(self, message, exception="System.Management.Automation.RuntimeException", error_id=None,
                  category="NotSpecified", target=None):
        """A statement-terminating error (ThrowTerminatingError)."""
        record = ErrorRecord(NetException(message, exception), "%s,%s" % (error_id or exception.rsplit(".", 1)[-1],
                             self.command.name), category, target)
        if self.error_sink is not None:
            self.error_sink.append(record)
        raise PSRuntimeError(record)

    def should_process(self, target, action=None):
        """ShouldProcess: False (and a "What if:" line) under -WhatIf or $WhatIfPreference."""
        return self.engine.should_process(V.to_string(target), action or self.command.name, self.args.get("WhatIf"))


# --- Write-* and Out-Null -------------------------------------------------------------------

def _write_output(call):
    if call.switch("NoEnumerate"):
        call.write(call.args.get("InputObject"))
        return
    for item in V.enumerate_value(call.args.get("InputObject")):
        call.write(item)


def _write_warning(call):
    call.warn(call.args.get("Message"))


def _write_verbose(call):
    call.verbose(call.args.get("Message"))


def _write_host(call):
    sep = V.to_string(call.args.get("Separator", " "))
    value = call.args.get("Object")
    text = sep.join(V.to_string(v) for v in V.enumerate_value(value)) if isinstance(value, list) else V.to_string(value)
    call.engine.streams["host"].append(text)


def _write_error(call):
    message = call.args.get("Message")
    record = call.args.get("ErrorRecord")
    if isinstance(message, ErrorRecord):
        record, message = message, None
    if record is None:
        record = ErrorRecord(NetException(V.to_string(message), "Microsoft.PowerShell.Commands.WriteErrorException"),
                             call.args.get("ErrorId") or "Microsoft.PowerShell.Commands.WriteErrorException",
                             call.args.get("Category") or "NotSpecified", call.args.get("TargetObject"))
    call.engine.write_error(record, call.args.get("ErrorAction"))


def _out_null(call):
    return None


# --- pipeline commands ----------------------------------------------------------------------

def _foreach_object(call):
    engine = call.engine
    begin, process, end = call.args.get("Begin"), call.args.get("Process"), call.args.get("End")
    member = call.args.get("MemberName")
    out = []
    if begin is not None:
        out.extend(engine.run_pipeline_block(begin, None))
    for item in (call.input or []):
        if member is not None:
            name = V.to_string(member)
            arguments = V.enumerate_value(call.args["ArgumentList"]) if call.args.get("ArgumentList") is not None else None
            value = T.get_member(item, name) if arguments is None else None
            if value is None and not isinstance(item, V.Hashtable):
                try:
                    out.extend(V.enumerate_value(T.call_method(engine, item, name, arguments or [])))
                    continue
                except PSRuntimeError:
                    if arguments is not None:
                        raise
            out.extend(V.enumerate_value(value))
            continue
        for block in V.enumerate_value(process):
            out.extend(engine.run_pipeline_block(block, item))
    if end is not None:
        out.extend(engine.run_pipeline_block(end, None))
    return out


def _where_object(call):
    engine = call.engine
    script = call.args.get("FilterScript")
    out = []
    for item in (call.input or []):
        if script is not None:
            keep = V.to_bool(V.collect(engine.run_pipeline_block(script, item)))
        else:
            prop = T.get_member(item, V.to_string(call.args.get("Property")))
            keep = V.to_bool(prop)
            for op in WHERE_OPERATORS:
                if V.to_bool(call.args.get(op)):
                    keep = V.to_bool(O.comparison(op.lower(), prop, call.args.get("Value"), engine))
        if keep:
            out.append(item)
    return out


def _property_value(engine, item, prop):
    if isinstance(prop, V.ScriptBlock):
        return V.collect(engine.run_pipeline_block(prop, item))
    if isinstance(prop, V.Hashtable):
        expression = prop["Expression"] if "Expression" in prop else prop["E"]
        return _property_value(engine, item, expression)
    return T.get_member(item, V.to_string(prop))


def _property_label(prop):
    if isinstance(prop, V.Hashtable):
        for key in ("Name", "N", "Label", "L"):
            if key in prop:
                return V.to_string(prop[key])
    return V.to_string(prop)


def _select_object(call):
    engine = call.engine
    items = list(call.input or [])
    if "InputObject" in call.args and call.input is None:
        items = [call.args["InputObject"]]
    skip = V.to_integer(call.args.get("Skip", 0))
    items = items[skip:]
    if "Last" in call.args:
        last = V.to_integer(call.args["Last"])
        items = items[-last:] if last else []
    if "First" in call.args:
        items = items[:V.to_integer(call.args["First"])]
    if call.switch("Unique"):
        # -First/-Last select before -Unique ("a","a","b","c" | Select-Object -First 2 -Unique -> a)
        unique = []
        for item in items:
            if not any(O.equals(item, u, True) for u in unique):
                unique.append(item)
        items = unique
    expand = call.args.get("ExpandProperty")
    props = call.args.get("Property")
    out = []
    for item in items:
        if expand is not None:
            value = T.get_member(item, V.to_string(expand))
            if value is None and not _has_property(item, V.to_string(expand)):
                call.error("Property \"%s\" cannot be found." % V.to_string(expand),
                           "System.Management.Automation.PSArgumentException", "ExpandPropertyNotFound",
                           "InvalidArgument", item)
                continue
            out.extend(V.enumerate_value(value))
        elif props is not None:
            obj = V.PSObject()
            for prop in V.enumerate_value(props):
                obj.props[_property_label(prop)] = _property_value(engine, item, prop)
            out.append(obj)
        else:
            out.append(item)
    return out


def _has_property(item, name):
    if isinstance(item, V.Hashtable):
        return name in item
    if isinstance(item, V.PSObject):
        return name in item.props
    return T.get_member(item, name) is not None


def _sort_object(call):
    engine = call.engine
    items = list(call.input or [])
    props = V.enumerate_value(call.args.get("Property")) if call.args.get("Property") is not None else [None]
    descending = call.switch("Descending")
    case = call.switch("CaseSensitive")

    def key_values(item):
        return [item if p is None else _property_value(engine, item, p) for p in props]

    def cmp(a, b):
        for x, y in zip(key_values(a), key_values(b)):
            try:
                result = O.compare(x, y, case)
            except PSRuntimeError:
                result = O.compare(V.to_string(x), V.to_string(y), case)
            if result:
                return -result if descending else result
        return 0
    items.sort(key=functools.cmp_to_key(cmp))
    if call.switch("Unique"):
        unique = []
        for item in items:
            if not unique or cmp(unique[-1], item) != 0:
                unique.append(item)
        items = unique
    return items


class MeasureInfo(V.NetObject):
    """Microsoft.PowerShell.Commands.GenericMeasureInfo."""

    TYPE_NAME = "Microsoft.PowerShell.Commands.GenericMeasureInfo"

    def __init__(self, count, prop, total, average, maximum, minimum):
        self.Count = count
        self.Property = prop
        self.Sum = total
        self.Average = average
        self.Maximum = maximum
        self.Minimum = minimum


def _measure_object(call):
    items = list(call.input or [])
    prop = call.args.get("Property")
    values = []
    for item in items:
        value = item if prop is None else T.get_member(item, V.to_string(prop))
        if prop is not None and value is None:
            continue
        values.append(value)
    numbers = []
    if any(call.switch(s) for s in ("Sum", "Average", "Maximum", "Minimum")):
        for value in values:
            try:
                numbers.append(V.to_double(value))
            except PSRuntimeError:
                call.error('Input object "%s" is not numeric.' % V.to_string(value),
                           "System.Management.Automation.PSInvalidOperationException", "NonNumericInputObject",
                           "InvalidType", value)
    total = float(sum(numbers)) if call.switch("Sum") else None
    average = (sum(numbers) / len(numbers) if numbers else None) if call.switch("Average") else None
    maximum = (max(numbers) if numbers else None) if call.switch("Maximum") else None
    minimum = (min(numbers) if numbers else None) if call.switch("Minimum") else None
    return [MeasureInfo(len(values), V.to_string(prop) if prop is not None else None, total, average, maximum, minimum)]


# --- time -----------------------------------------------------------------------------------

def _start_sleep(call):
    if "Milliseconds" in call.args:
        call.engine.clock.sleep(V.to_integer(call.args["Milliseconds"]) / 1000.0)
    else:
        call.engine.clock.sleep(V.to_double(call.args.get("Seconds", 0)))


def _get_date(call):
    date = call.args.get("Date")
    value = V.to_datetime(date) if date is not None else V.with_kind(call.engine.clock.now(), "Local")
    fmt = call.args.get("Format")
    if fmt is not None:
        return [O.format_date(value, V.to_string(fmt))]
    if call.args.get("UFormat") is not None:
        return [value.strftime(V.to_string(call.args["UFormat"]))]
    return [value]


def _new_object(call):
    type_name = V.full_type_name(V.to_string(call.args.get("TypeName")))
    props = call.args.get("Property")
    if type_name.lower() in ("system.management.automation.psobject", "psobject", "system.object", "pscustomobject"):
        obj = V.PSObject(props.items() if isinstance(props, V.Hashtable) else [])
        return [obj]
    if type_name.lower() == "system.collections.hashtable":
        return [V.Hashtable()]
    factory = call.engine.object_factories.get(type_name.lower()) or T.FACTORIES.get(type_name.lower())
    if factory is None:
        call.terminate('Cannot find type [%s]: verify that the assembly containing this type is loaded.'
                       % V.to_string(call.args.get("TypeName")), "System.Management.Automation.PSArgumentException",
                       "TypeNotFound", "InvalidType")
    return [factory(call.engine, *V.enumerate_value(call.args.get("ArgumentList") or []))] if call.args.get(
        "ArgumentList") is not None else [factory(call.engine)]


WHERE_OPERATORS = ("EQ", "NE", "GT", "LT", "GE", "LE", "Like", "NotLike", "Match", "NotMatch", "Contains", "In")


def builtin_commands():
    """The commands of the language core."""
    sb = "System.Management.Automation.ScriptBlock"
    # Write-Warning's and Write-Verbose's Message has [AllowEmptyString] only: $null is refused (Write.cs in
    # PowerShell's Microsoft.PowerShell.Commands.Utility; review s9main 6).
    return [
        Command("Write-Output", [Param("InputObject", "System.Management.Automation.PSObject[]", position=0, mandatory=True,
                                       pipeline=True, allow_empty=True), Param("NoEnumerate", switch=True)],
                _write_output, aliases=("echo", "write")),
        Command("Write-Warning", [Param("Message", "System.String", position=0, mandatory=True, pipeline=True,
                                        allow_empty={"string"})], _write_warning),
        Command("Write-Verbose", [Param("Message", "System.String", position=0, mandatory=True, pipeline=True,
                                        allow_empty={"string"})], _write_verbose),
        Command("Write-Host", [Param("Object", position=0, pipeline=True), Param("NoNewline", switch=True),
                               Param("Separator"), Param("ForegroundColor"), Param("BackgroundColor")], _write_host),
        Command("Write-Error", [Param("Message", "System.String", position=0, mandatory=True, pipeline=True,
                                      sets=("NoException",)),
                                Param("ErrorRecord", "System.Management.Automation.ErrorRecord", mandatory=True,
                                      sets=("ErrorRecord",)),
                                Param("Category", "System.String", sets=("NoException",)),
                                Param("ErrorId", "System.String", sets=("NoException",)),
                                Param("TargetObject", sets=("NoException",))], _write_error, default_set="NoException"),
        Command("Out-Null", [Param("InputObject", pipeline=True)], _out_null, pipeline="all", module="Microsoft.PowerShell.Core"),
        Command("ForEach-Object", [Param("InputObject", pipeline=True), Param("Begin", sb, sets=("ScriptBlockSet",)),
                                   Param("Process", sb + "[]", position=0, mandatory=True, sets=("ScriptBlockSet",)),
                                   Param("End", sb, sets=("ScriptBlockSet",)),
                                   Param("MemberName", "System.String", position=0, mandatory=True,
                                         sets=("PropertyAndMethodSet",)),
                                   Param("ArgumentList", "System.Object[]", sets=("PropertyAndMethodSet",))],
                _foreach_object, pipeline="all", aliases=("%", "foreach"), default_set="ScriptBlockSet",
                module="Microsoft.PowerShell.Core"),
        Command("Where-Object", [Param("InputObject", pipeline=True),
                                 Param("FilterScript", sb, position=0, mandatory=True, sets=("ScriptBlockSet",)),
                                 Param("Property", "System.String", position=0, mandatory=True, sets=("EqualSet",)),
                                 Param("Value", position=1, sets=("EqualSet",))]
                + [Param(op, switch=True, sets=("EqualSet",)) for op in WHERE_OPERATORS],
                _where_object, pipeline="all", aliases=("?", "where"), default_set="ScriptBlockSet",
                module="Microsoft.PowerShell.Core"),
        Command("Select-Object", [Param("InputObject", pipeline=True), Param("Property", "System.Object[]", position=0),
                                  Param("ExpandProperty", "System.String"), Param("First", "System.Int32"),
                                  Param("Last", "System.Int32"), Param("Skip", "System.Int32"), Param("Unique", switch=True)],
                _select_object, pipeline="all", aliases=("select",)),
        Command("Sort-Object", [Param("InputObject", pipeline=True), Param("Property", "System.Object[]", position=0),
                                Param("Descending", switch=True), Param("Unique", switch=True),
                                Param("CaseSensitive", switch=True)], _sort_object, pipeline="all", aliases=("sort",)),
        Command("Measure-Object", [Param("InputObject", pipeline=True), Param("Property", "System.String[]", position=0),
                                   Param("Sum", switch=True), Param("Average", switch=True), Param("Maximum", switch=True),
                                   Param("Minimum", switch=True)], _measure_object, pipeline="all", aliases=("measure",)),
        Command("Start-Sleep", [Param("Seconds", "System.Double", position=0, mandatory=True, sets=("Seconds",)),
                                Param("Milliseconds", "System.Int32", mandatory=True, sets=("Milliseconds",))],
                _start_sleep, default_set="Seconds", aliases=("sleep",)),
        Command("Get-Date", [Param("Date", "System.DateTime", position=0, pipeline=True), Param("Format", "System.String"),
                             Param("UFormat", "System.String")], _get_date),
        Command("New-Object", [Param("TypeName", "System.String", position=0, mandatory=True),
                               Param("ArgumentList", "System.Object[]", position=1), Param("Property")], _new_object),
    ]


def default_table():
    return CommandTable(builtin_commands())
