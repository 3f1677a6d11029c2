"""Language-core behaviour the SQL payloads rely on (added with boundary/sql.py), each from the page or
the Windows PowerShell 5.1 source that documents it."""

from lync_lab.engine import Engine, run_script
from lync_lab.engine import types as T
from lync_lab.engine import values as V
from lync_lab.engine.errors import NetException

ABOUT = "https://learn.microsoft.com/powershell/module/microsoft.powershell.core/about/"
OPERATORS = ABOUT + "about_operators?view=powershell-5.1"
TRY = ABOUT + "about_try_catch_finally?view=powershell-5.1"
ETS_ERRORS = "https://learn.microsoft.com/powershell/scripting/developer/ets/errors-exceptions"


class _Boom(T.DotNetError):
    """A .NET exception with members of its own (like SqlException's Number)."""

    def __init__(self):
        super().__init__("System.Data.SqlClient.SqlException", "boom")

    def net_exception(self):
        exception = NetException("boom", "System.Data.SqlClient.SqlException")
        exception.Number = 42
        return exception


class _Thing(V.NetObject):
    TYPE_NAME = "Lab.Thing"

    def __init__(self):
        self.Limit = 1

    def Fail(self):
        raise _Boom()

    def set_member(self, name, value):
        if V.to_integer(value) < 0:
            raise T.DotNetError("System.ArgumentException", "negative")
        setattr(self, name, value)


class _Rows(V.NetObject):
    """An object PowerShell writes to the pipeline as its items (a DataTable and its rows)."""

    TYPE_NAME = "Lab.Rows"

    def ps_enumerate(self):
        return [1, 2]


def _engine():
    engine = Engine()
    engine.object_factories["lab.thing"] = lambda engine_: _Thing()
    engine.object_factories["lab.rows"] = lambda engine_: _Rows()
    T.NetType("Lab.Thing", registry=engine.types)
    T.NetType("System.Data.SqlClient.SqlException", registry=engine.types)
    return engine


def test_operators_inside_method_arguments():
    """about_Operators: an expression is an argument like any value: '+' inside a method's argument list."""
    result = run_script("$x = 'b'; $Ansible.Result = [System.IO.Path]::Combine('C:\\a', \"$x\" + '_1' + '.mdf')")
    assert result.result == "C:\\a\\b_1.mdf"


def test_a_typed_catch_matches_the_inner_exception_first():
    """about_Try_Catch_Finally: catch [T] for the .NET exception a method throws. Windows PowerShell 5.1
    (ExceptionHandlingOps.FindMatchingHandler) tries the MethodInvocationException's inner exception first
    and hands the catch block that exception as $_.Exception; an untyped catch sees the wrapper."""
    result = _engine().run("""
$t = New-Object Lab.Thing
try { $t.Fail() } catch [System.Data.SqlClient.SqlException] { $typed = $_.Exception }
try { $t.Fail() } catch { $any = $_.Exception }
$Ansible.Result = @{ Typed = $typed.Message; Number = $typed.Number; Any = $any.Message; Inner = $any.InnerException.Number }""")
    assert result.result == {"Typed": "boom", "Number": 42, "Inner": 42,
                             "Any": 'Exception calling "Fail" with "0" argument(s): "boom"'}


def test_a_property_setter_that_throws():
    """ETS errors: a setter's exception is a SetValueInvocationException, 'Exception setting "P": "..."'."""
    result = _engine().run("$t = New-Object Lab.Thing\ntry { $t.Limit = -1 } catch { $Ansible.Result = @{ M = $_.Exception.Message; "
                           "T = $_.Exception.GetType().FullName; I = $_.Exception.InnerException.Message } }")
    assert result.result == {"M": 'Exception setting "Limit": "negative"', "I": "negative",
                             "T": "System.Management.Automation.SetValueInvocationException"}


def test_an_object_powershell_enumerates_is_unrolled_unless_wrapped():
    """PowerShell writes a DataTable to the pipeline as its rows; the comma operator keeps the object
    (about_Operators, "Comma operator": a one-element array whose element is written as it is)."""
    result = _engine().run("""
function Bare { $r = New-Object Lab.Rows; $r }
function Wrapped { $r = New-Object Lab.Rows; , $r }
function Written { New-Object Lab.Rows }
$Ansible.Result = @{ Bare = @(Bare).Count; Wrapped = @(Wrapped).Count; Type = (Wrapped).GetType().FullName
                     Written = @(Written).Count }""")
    # A cmdlet's WriteObject(obj) does not enumerate: New-Object's output stays one object.
    assert result.result == {"Bare": 2, "Wrapped": 1, "Type": "Lab.Rows", "Written": 1}
