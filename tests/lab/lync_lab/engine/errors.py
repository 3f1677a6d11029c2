"""Errors and flow control of the engine.

PowerShell has three kinds of failure (about_Try_Catch_Finally, about_Throw,
about_Preference_Variables): a *non-terminating* error (written to the error stream; the
command goes on), a *statement-terminating* error (a failed method call, a binding error: the
statement stops, the script goes on unless `$ErrorActionPreference` is Stop or a `try` is
active) and a *script-terminating* error (`throw`, or any error under `-ErrorAction Stop`).
`PSRuntimeError` carries an `ErrorRecord` and says which of the last two it is.
"""


class NetException:
    """A .NET exception as a script sees it ($_.Exception): Message, InnerException, GetType()."""

    # type name -> base type names, most derived first (what `catch [T]` matches against).
    HIERARCHY = {}  # filled below: type name -> base type names, most derived first

    def __init__(self, message, type_name="System.Management.Automation.RuntimeException", inner=None):
        self.Message = message
        self.InnerException = inner
        self.type_name = type_name
        # Exception.HResult (public since .NET Framework 4.5): the type's default HRESULT unless the thrower set one
        # (IOException's from a Win32 error carry 0x8007xxxx, the error code in the low 16 bits: "Handling I/O errors
        # in .NET", https://learn.microsoft.com/dotnet/standard/io/handling-io-errors). As .NET's Int32: signed.
        self.HResult = DEFAULT_HRESULTS.get(type_name, DEFAULT_HRESULTS["System.SystemException"])
        if type_name == "System.ComponentModel.Win32Exception":
            # Win32Exception.NativeErrorCode (https://learn.microsoft.com/dotnet/api/system.componentmodel.win32exception.nativeerrorcode);
            # set by whoever raises one (0 until then, as new Win32Exception() would have GetLastWin32Error's).
            self.NativeErrorCode = 0

    def type_names(self):
        return [self.type_name] + self.HIERARCHY.get(self.type_name, ["System.SystemException"]) + ["System.Exception", "System.Object"]

    def ToString(self):
        return "%s: %s" % (self.type_name, self.Message)

    def GetBaseException(self):  # pylint: disable=invalid-name
        """Exception.GetBaseException(): the innermost exception of the InnerException chain - the .NET exception
        inside PowerShell's MethodInvocationException (https://learn.microsoft.com/dotnet/api/system.exception.getbaseexception)."""
        found = self
        while getattr(found, "InnerException", None) is not None:
            found = found.InnerException
        return found

    def __repr__(self):
        return "NetException(%r, %r)" % (self.type_name, self.Message)


def signed_hresult(value):
    """An HRESULT as Exception.HResult (Int32) gives it: 0x80070020 -> -2147024864."""
    value &= 0xFFFFFFFF
    return value - 0x100000000 if value & 0x80000000 else value


# The HRESULT each type's constructors set when no other is given (the COR_E_* and HRESULT_FROM_WIN32 constants of
# .NET Framework's exception classes, e.g. IOException "uses the HRESULT COR_E_IO, which has the value 0x80131620",
# https://learn.microsoft.com/dotnet/api/system.io.ioexception; FileNotFoundException COR_E_FILENOTFOUND 0x80070002;
# DirectoryNotFoundException 0x80070003; UnauthorizedAccessException COR_E_UNAUTHORIZEDACCESS 0x80070005).
DEFAULT_HRESULTS = {name: signed_hresult(value) for name, value in {
    "System.SystemException": 0x80131501,
    "System.IO.IOException": 0x80131620,
    "System.IO.FileNotFoundException": 0x80070002,
    "System.IO.DirectoryNotFoundException": 0x80070003,
    "System.IO.PathTooLongException": 0x800700CE,
    "System.UnauthorizedAccessException": 0x80070005,
    "System.ArgumentException": 0x80070057,
}.items()}

_AUTOMATION = "System.Management.Automation."
_RUNTIME = [_AUTOMATION + "RuntimeException", "System.SystemException"]
NetException.HIERARCHY.update({
    _AUTOMATION + "RuntimeException": ["System.SystemException"],
    _AUTOMATION + "ParameterBindingException": _RUNTIME,
    _AUTOMATION + "ActionPreferenceStopException": _RUNTIME,
    _AUTOMATION + "ItemNotFoundException": [_AUTOMATION + "SessionStateException"] + _RUNTIME,
    _AUTOMATION + "CommandNotFoundException": _RUNTIME,
    _AUTOMATION + "MethodInvocationException": [_AUTOMATION + "MethodException"] + _RUNTIME,
    _AUTOMATION + "PSInvalidCastException": ["System.InvalidCastException", "System.SystemException"],
    _AUTOMATION + "PipelineStoppedException": _RUNTIME,
    "System.IO.IOException": ["System.SystemException"],
    "System.IO.FileNotFoundException": ["System.IO.IOException", "System.SystemException"],
    "System.IO.DirectoryNotFoundException": ["System.IO.IOException", "System.SystemException"],
    "System.UnauthorizedAccessException": ["System.SystemException"],
    "System.ArgumentException": ["System.SystemException"],
    "System.ArgumentNullException": ["System.ArgumentException", "System.SystemException"],
    "System.ArgumentOutOfRangeException": ["System.ArgumentException", "System.SystemException"],
    "System.FormatException": ["System.SystemException"],
    "System.InvalidOperationException": ["System.SystemException"],
    # Win32Exception: Exception > SystemException > ExternalException > Win32Exception
    # (https://learn.microsoft.com/dotnet/api/system.componentmodel.win32exception, Inheritance).
    "System.ComponentModel.Win32Exception": ["System.Runtime.InteropServices.ExternalException", "System.SystemException"],
    "System.DivideByZeroException": ["System.ArithmeticException", "System.SystemException"],
})


class CategoryInfo:
    def __init__(self, category="NotSpecified", reason="RuntimeException", target_name=""):
        self.Category = category
        self.Reason = reason
        self.TargetName = target_name

    def ToString(self):
        return "%s: (%s:) [], %s" % (self.Category, self.TargetName, self.Reason)


class ErrorRecord:
    """System.Management.Automation.ErrorRecord: what `$_` is in a catch block and in $Error."""

    TYPE_NAME = "System.Management.Automation.ErrorRecord"

    def __init__(self, exception, error_id=None, category="NotSpecified", target=None):
        self.Exception = exception
        self.FullyQualifiedErrorId = error_id or exception.type_name.rsplit(".", 1)[-1]
        self.CategoryInfo = CategoryInfo(category, exception.type_name.rsplit(".", 1)[-1])
        self.TargetObject = target
        self.ErrorDetails = None
        self.ScriptStackTrace = "at <ScriptBlock>, <No file>"
        self.InvocationInfo = None

    def ToString(self):
        return self.Exception.Message

    def __str__(self):
        return self.Exception.Message

    def __repr__(self):
        return "ErrorRecord(%r)" % self.Exception.Message


class PSRuntimeError(Exception):
    """A terminating error. `script_terminating` is True for throw and -ErrorAction Stop."""

    def __init__(self, record, script_terminating=False):
        super().__init__(record.Exception.Message)
        self.record = record
        self.script_terminating = script_terminating

    @property
    def message(self):
        return self.record.Exception.Message


def runtime_error(message, type_name="System.Management.Automation.RuntimeException", error_id=None,
                  category="NotSpecified", target=None, script_terminating=False):
    """A PSRuntimeError with a fresh ErrorRecord (the usual way the engine fails)."""
    return PSRuntimeError(ErrorRecord(NetException(message, type_name), error_id, category, target), script_terminating)


class ParseError(Exception):
    """The script does not parse: PowerShell runs none of it (ParserError)."""

    def __init__(self, errors):
        super().__init__("; ".join("line %d: %s" % e for e in errors))
        self.errors = errors


class FlowControl(Exception):
    """break/continue/return/exit unwinding through the evaluator."""


class BreakSignal(FlowControl):
    def __init__(self, label=None):
        super().__init__(label)
        self.label = label


class ContinueSignal(FlowControl):
    def __init__(self, label=None):
        super().__init__(label)
        self.label = label


class ReturnSignal(FlowControl):
    pass


class ExitSignal(FlowControl):
    def __init__(self, code):
        super().__init__(code)
        self.code = code


class StopPipeline(FlowControl):
    """Select-Object -First has what it needs: upstream commands stop (PipelineStoppedException)."""


# Setting a property whose .NET setter throws (types.set_member).
NetException.HIERARCHY.setdefault(_AUTOMATION + "SetValueInvocationException",
                                  [_AUTOMATION + "SetValueException"] + _RUNTIME)
