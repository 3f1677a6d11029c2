"""The lab engine's command table, parameter binder, built-in cmdlets, .NET members and the
result win_powershell returns, against PowerShell's documentation (Windows PowerShell 5.1)."""

import datetime

import pytest

from lync_lab.engine import Command, Engine, Param, default_table, run_script
from lync_lab.engine import values as V

ABOUT = "https://learn.microsoft.com/powershell/module/microsoft.powershell.core/about/"
PARAMETERS = ABOUT + "about_parameters?view=powershell-5.1"
PARAMETER_SETS = ABOUT + "about_parameter_sets?view=powershell-5.1"
ADVANCED_PARAMETERS = ABOUT + "about_functions_advanced_parameters?view=powershell-5.1"
COMMON = ABOUT + "about_commonparameters?view=powershell-5.1"
PIPELINES = ABOUT + "about_pipelines?view=powershell-5.1"
UTILITY = "https://learn.microsoft.com/powershell/module/microsoft.powershell.utility/"
CORE = "https://learn.microsoft.com/powershell/module/microsoft.powershell.core/"
SELECT = UTILITY + "select-object?view=powershell-5.1"
SORT = UTILITY + "sort-object?view=powershell-5.1"
MEASURE = UTILITY + "measure-object?view=powershell-5.1"
WRITE_OUTPUT = UTILITY + "write-output?view=powershell-5.1"
FOREACH_OBJECT = CORE + "foreach-object?view=powershell-5.1"
WHERE_OBJECT = CORE + "where-object?view=powershell-5.1"
GET_DATE = UTILITY + "get-date?view=powershell-5.1"
DOTNET = "https://learn.microsoft.com/dotnet/api/"
# The binder's messages are PowerShell's own resource strings:
BINDER_STRINGS = ("https://github.com/PowerShell/PowerShell/blob/master/src/System.Management.Automation/resources/"
                  "ParameterBinderStrings.resx")


def out(script, commands=None):
    result = run_script(script, commands=commands)
    assert not result.failed, result
    return result.output


CASES = [
    (SELECT, '"a","b","c","a","a","a" | Select-Object -Unique', ["a", "b", "c"]),
    (SELECT, '"a","a","b","c" | Select-Object -First 2 -Unique', ["a"]),
    (SELECT, '$object = [pscustomobject]@{Name="CustomObject";List=@(1,2,3,4,5)}\n'
             '$object | Select-Object -ExpandProperty List', [1, 2, 3, 4, 5]),
    (SELECT, '$customObject = 1 | Select-Object -Property MyCustomProperty\n'
             '$customObject.MyCustomProperty = "New Custom Property"\n$customObject.MyCustomProperty', ["New Custom Property"]),
    (SELECT, "1..10 | Select-Object -Last 2; 1..10 | Select-Object -Skip 8", [9, 10, 9, 10]),
    (FOREACH_OBJECT, "30000, 56798, 12432 | ForEach-Object -Process {$_/1024}", [29.296875, 55.466796875, 12.140625]),
    (FOREACH_OBJECT, '1, 2, $null, 4 | ForEach-Object {"Hello"}', ["Hello"] * 4),
    (FOREACH_OBJECT, '"Microsoft.PowerShell.Core", "Microsoft.PowerShell.Host" | ForEach-Object {$_.Split(".")}',
     ["Microsoft", "PowerShell", "Core", "Microsoft", "PowerShell", "Host"]),
    (FOREACH_OBJECT, '"Microsoft.PowerShell.Core", "Microsoft.PowerShell.Host" | ForEach-Object -MemberName Split '
                     '-ArgumentList "."', ["Microsoft", "PowerShell", "Core", "Microsoft", "PowerShell", "Host"]),
    (WHERE_OBJECT, "1..6 | Where-Object { $_ % 2 -eq 0 }", [2, 4, 6]),
    (WHERE_OBJECT, "$c = [pscustomobject]@{Name='a'; OutputType='x'}, [pscustomobject]@{Name='b'; OutputType=$null}\n"
                   "($c | Where-Object OutputType).Name; ($c | Where-Object Name -EQ 'b').Name", ["a", "b"]),
    (WRITE_OUTPUT, "(Write-Output 1,2,3 | Measure-Object).Count; (Write-Output 1,2,3 -NoEnumerate | Measure-Object).Count",
     [3, 1]),
    (MEASURE, "$m = 1, 5, 3 | Measure-Object -Sum -Maximum -Minimum -Average; $m.Count; $m.Sum; $m.Maximum; $m.Minimum; "
              "$m.Average", [3, 9.0, 5.0, 1.0, 3.0]),
    (SORT, "3, 1, 2 | Sort-Object; 'b', 'A', 'c' | Sort-Object -Descending", [1, 2, 3, "c", "b", "A"]),
    (SORT, "$h = [pscustomobject]@{Id=2}, [pscustomobject]@{Id=10}, [pscustomobject]@{Id=7}\n"
           "($h | Sort-Object -Property Id -Descending).Id", [10, 7, 2]),
    (PIPELINES, "1,2,3 | ForEach-Object { $_ * 10 } | Where-Object { $_ -gt 10 }", [20, 30]),
    (GET_DATE, "(Get-Date 2024-03-19).ToString()", ["3/19/2024 12:00:00 AM"]),
    (DOTNET + "system.io.path.combine", "[System.IO.Path]::Combine('C:\\a', 'b', 'c.txt')", ["C:\\a\\b\\c.txt"]),
    (DOTNET + "system.io.path.getextension", "[System.IO.Path]::GetExtension('C:\\mydir.old\\myfile.ext')", [".ext"]),
    (DOTNET + "system.io.path.getfilename", "[System.IO.Path]::GetFileName('C:\\mydir\\myfile.ext')", ["myfile.ext"]),
    (DOTNET + "system.io.path.getfilenamewithoutextension",
     "[System.IO.Path]::GetFileNameWithoutExtension('C:\\mydir\\myfile.ext')", ["myfile"]),
    (DOTNET + "system.io.path.getdirectoryname", "[System.IO.Path]::GetDirectoryName('C:\\MyDir\\MySubDir\\myfile.ext')",
     ["C:\\MyDir\\MySubDir"]),
    (DOTNET + "system.string.isnullorempty", "[string]::IsNullOrEmpty(''); [string]::IsNullOrEmpty($null); "
                                             "[string]::IsNullOrEmpty('a')", [True, True, False]),
    (DOTNET + "system.string.join", "[string]::Join(', ', @('red', 'green', 'blue'))", ["red, green, blue"]),
    (DOTNET + "system.string.format", "[string]::Format('{0} is {1}', 'x', 5)", ["x is 5"]),
    (DOTNET + "system.math.max", "[math]::Max(3, 7); [Math]::Floor(2.7); [math]::Round(2.5)", [7, 2.0, 2.0]),
    (DOTNET + "system.string.substring", "'Hello World'.Substring(6); 'Hello World'.Substring(0, 5)", ["World", "Hello"]),
    (DOTNET + "system.string.split", "'a,b,,c'.Split(','); 'a--b'.Split('--').Count", ["a", "b", "", "c", 3]),
    (DOTNET + "system.string.trim", "'  x  '.Trim(); 'xxhixx'.Trim('x'); 'path\\'.TrimEnd('\\')", ["x", "hi", "path"]),
    (DOTNET + "system.string.replace", "'aAa'.Replace('a', 'b'); 'Hello'.StartsWith('He'); 'Hello'.ToUpperInvariant()",
     ["bAb", True, "HELLO"]),
    (DOTNET + "system.collections.hashtable.containskey", "$h = @{Key = 1}; $h.ContainsKey('KEY'); $h.Keys; $h.Count",
     [True, "Key", 1]),
]


@pytest.mark.parametrize("page,script,expected", CASES, ids=["%d" % i for i in range(len(CASES))])
def test_documented_command_results(page, script, expected):
    assert out(script) == expected, page


# --- binding ------------------------------------------------------------------------------------

def table_with(*commands):
    table = default_table()
    for command in commands:
        table.add(command)
    return table


def echo_args(call):
    return [{k: V.to_python(v) for k, v in call.args.items()}]


ITEM = Command("Get-Thing", [Param("Path", "System.String[]", position=0, mandatory=True, sets=("Path",), pipeline=True),
                             Param("LiteralPath", "System.String[]", mandatory=True, sets=("LiteralPath",)),
                             Param("Filter", "System.String", position=1), Param("Force", switch=True),
                             Param("PassThru", switch=True), Param("Name", "System.String"), Param("Count", "System.Int32")],
               echo_args, default_set="Path")


def bind(line):
    """Run `line` against Get-Thing; the binding failures below are worded as BINDER_STRINGS words them."""
    assert BINDER_STRINGS
    return run_script(line, commands=table_with(ITEM))


def test_named_positional_and_prefix_binding():
    # about_Parameters: named parameters may be given by name (or a unique abbreviation, per
    # about_Functions_Advanced_Parameters "Position argument": "the parameter name, or a parameter
    # name alias or abbreviation, must precede the parameter value") and positional ones by position.
    result = bind("Get-Thing C:\\x *.txt -Fo -Co '5'")
    assert result.output == [{"Path": ["C:\\x"], "Filter": "*.txt", "Force": True, "Count": 5}]


def test_unknown_parameter():
    # about_Parameters / ParameterBindingException NamedParameterNotFound:
    # "A parameter cannot be found that matches parameter name 'Bogus'."
    result = bind("Get-Thing C:\\x -Bogus 1")
    assert result.error_messages == ["A parameter cannot be found that matches parameter name 'Bogus'."]
    assert result.errors[0].FullyQualifiedErrorId == "NamedParameterNotFound,Get-Thing"


def test_ambiguous_prefix():
    # A prefix matching two parameters (-Pa: Path and PassThru) is refused as ambiguous
    # (about_Parameters: parameter names can be abbreviated only as far as they stay unique); the
    # common parameters count too (-P would also match -PipelineVariable).
    result = bind("Get-Thing -Pa C:\\x")
    assert result.error_messages == ["Parameter cannot be processed because the parameter name 'Pa' is ambiguous. "
                                     "Possible matches include: -Path -PassThru."]


def test_parameters_of_two_sets():
    # about_Parameter_Sets, "Error using parameters from multiple sets": -Path with -LiteralPath
    # fails with AmbiguousParameterSet.
    result = bind("Get-Thing -Path a -LiteralPath b")
    assert result.errors[0].FullyQualifiedErrorId == "AmbiguousParameterSet,Get-Thing"
    assert result.error_messages[0].startswith("Parameter set cannot be resolved using the specified named parameters.")


def test_missing_mandatory_parameter_in_a_noninteractive_host():
    # about_Functions_Advanced_Parameters, "Mandatory argument": the parameter is required;
    # win_powershell's host cannot prompt, so binding fails (MissingMandatoryParameter).
    result = bind("Get-Thing -Filter x")
    assert result.error_messages == ["Cannot process command because of one or more missing mandatory parameters: Path."]


def test_array_to_a_scalar_cmdlet_parameter():
    # about_Type_Conversion: for cmdlets and advanced functions, "PowerShell refuses to bind the
    # array to a non-array type".
    result = bind("Get-Thing C:\\x -Name 'a', 'b'")
    assert result.error_messages == ["Cannot convert 'System.Object[]' to the type 'System.String' required by "
                                     "parameter 'Name'. Specified method is not supported."]


def test_conversion_failure_names_the_parameter():
    # about_Type_Conversion ("Cannot convert value ... Input string was not in a correct format.")
    result = bind("Get-Thing C:\\x -Count abc")
    assert result.error_messages == ["Cannot bind parameter 'Count'. Cannot convert value \"abc\" to type "
                                     "\"System.Int32\". Error: \"Input string was not in a correct format.\""]


def test_too_many_positional_arguments():
    # about_Parameters: arguments with no position to go to fail (PositionalParameterNotFound).
    result = bind("Get-Thing a b c")
    assert result.error_messages == ["A positional parameter cannot be found that accepts argument 'c'."]


def test_missing_argument_for_a_parameter():
    # about_Parameter_Binding: a named parameter that is not a switch needs an argument.
    result = bind("Get-Thing C:\\x -Filter")
    assert result.error_messages == ["Missing an argument for parameter 'Filter'. Specify a parameter of type "
                                     "'System.String' and try again."]


def test_mandatory_parameter_refuses_an_empty_string():
    # about_Functions_Advanced_Parameters, "AllowEmptyString validation attribute": without it a
    # mandatory parameter refuses "" ("Cannot bind argument to parameter 'ComputerName' because it
    # is an empty string.").
    script = ("function Test-Empty {\n    param([Parameter(Mandatory)][string]$ComputerName)\n    'ran'\n}\n"
              "Test-Empty -ComputerName ''")
    assert run_script(script).error_messages == [
        "Cannot bind argument to parameter 'ComputerName' because it is an empty string."]


@pytest.mark.parametrize("attribute, type_name, argument, refused", [
    ("", "object[]", "@()", "an empty array"),
    ("[AllowNull()]", "object[]", "@()", "an empty array"),
    ("[AllowEmptyString()]", "object[]", "@()", "an empty array"),
    ("[AllowEmptyCollection()]", "object[]", "@()", None),
    ("[AllowEmptyCollection()]", "string", "''", "an empty string"),
    ("[AllowEmptyString()]", "string", "''", None),
    # A script's [string] turns $null into '' before the checks (review s9main 4): AllowNull does not let it through,
    # AllowEmptyString does, and the plain refusal names the empty string.
    ("[AllowNull()]", "string", "$null", "an empty string"),
    ("[AllowEmptyString()]", "string", "$null", None),
    ("", "string", "$null", "an empty string"),
    # Each element of a collection is checked (review s9main 5); the empty check is for array types only.
    ("", "string[]", "@('a', '')", "an empty string"),
    ("[AllowEmptyString()]", "string[]", "@('a', '')", None),
    ("", "object[]", "@('a', $null)", "null"),
    ("[AllowNull()]", "object[]", "@('a', $null)", None),
    ("", "object", "@()", None),
])
def test_each_allow_attribute_lifts_only_its_own_refusal(attribute, type_name, argument, refused):
    # about_Functions_Advanced_Parameters: "AllowNull validation attribute" (allows $null), "AllowEmptyString"
    # (allows ""), "AllowEmptyCollection" (allows @()) - each one names the one value it lets through.
    script = ("function Test-Empty {\n    param([Parameter(Mandatory)]%s[%s]$Items)\n    'ran'\n}\n"
              "Test-Empty -Items %s" % (attribute, type_name, argument))
    result = run_script(script)
    if refused is None:
        assert result.error_messages == [] and result.output == ["ran"]
    else:
        assert result.error_messages == ["Cannot bind argument to parameter 'Items' because it is %s." % refused]


def test_pipeline_binds_value_from_pipeline():
    # about_Parameter_Binding: pipeline input binds to the ValueFromPipeline parameter, one object at a time.
    result = bind("'a', 'b' | Get-Thing -Force")
    assert result.output == [{"Force": True, "Path": ["a"]}, {"Force": True, "Path": ["b"]}]


def test_script_parameters_bound_from_a_dict():
    # win_powershell binds `parameters` by name to the script's param() block:
    # https://docs.ansible.com/ansible/latest/collections/ansible/windows/win_powershell_module.html
    script = "[CmdletBinding()]\nparam(\n    [Parameter(Mandatory = $true)][string[]]$SetIds,\n    [int]$Count = 2\n)\n" \
             "$Ansible.Result = @{ Ids = $SetIds; Count = $Count; Type = $SetIds.GetType().Name }"
    result = Engine().run(script, {"SetIds": "one"})
    assert result.result == {"Ids": ["one"], "Count": 2, "Type": "Object[]"} and result.changed
    result = Engine().run(script, {"setids": ["a", "b"], "Count": "7", "Extra": 1})
    assert result.failed and result.error_messages == ["A parameter cannot be found that matches parameter name 'Extra'."]


def test_write_warning_refuses_null_but_takes_an_empty_string():
    # Write-Warning's Message: [AllowEmptyString] only (review s9main 6).
    result = run_script("Write-Warning ''\nWrite-Warning $null")
    assert result.warnings == [""]
    assert result.error_messages == ["Cannot bind argument to parameter 'Message' because it is null."]


def test_ansible_result_changed_failed():
    # win_powershell: $Ansible.Changed defaults to $true, $Ansible.Failed to $false; setting Failed
    # fails the task; output and warnings are returned as streams.
    result = run_script("$Ansible.Changed = $false\n$Ansible.Failed = $true\nWrite-Warning 'careful'\n"
                        "Write-Verbose 'hidden'\n'out'")
    assert (result.changed, result.failed, result.warnings, result.verbose, result.output) == (
        False, True, ["careful"], [], ["out"])


def test_an_unknown_property_of_ansible_cannot_be_set():
    # about_Properties: setting a property the object does not have fails ("The property 'Resutl'
    # cannot be found on this object. Verify that the property exists and can be set.")
    # https://learn.microsoft.com/powershell/module/microsoft.powershell.core/about/about_properties?view=powershell-5.1
    result = run_script("$ErrorActionPreference = 'Stop'\n$Ansible.Resutl = @{}")
    assert result.failed and result.error_messages == [
        "The property 'Resutl' cannot be found on this object. Verify that the property exists and can be set."]


def test_output_is_discarded_by_out_null_void_and_null_assignment():
    # about_Redirection / Out-Null: output sent to Out-Null, cast to [void] or assigned to $null is discarded.
    # https://learn.microsoft.com/powershell/module/microsoft.powershell.core/out-null?view=powershell-5.1
    assert out("1 | Out-Null; [void](2); $null = 3; $l = @{}; $l.Add('k', 4); 'kept'") == ["kept"]


def test_verbose_common_parameter_turns_on_the_verbose_stream():
    # about_CommonParameters, -Verbose: displays the messages Write-Verbose writes.
    result = run_script("function Get-It {\n    [CmdletBinding()]\n    param()\n    Write-Verbose 'detail'\n}\n"
                        "Get-It\nGet-It -Verbose")
    assert result.verbose == ["detail"]


def test_virtual_clock():
    # Start-Sleep suspends for the given seconds; Get-Date and [datetime]::UtcNow read the clock, so
    # a 90 s wait costs no real time here.
    # https://learn.microsoft.com/powershell/module/microsoft.powershell.utility/start-sleep?view=powershell-5.1
    engine = Engine()
    result = engine.run("$start = [datetime]::UtcNow\nStart-Sleep -Seconds 90\n((Get-Date) - $start).TotalSeconds")
    assert result.output == [90.0] and engine.clock.slept == 90


def test_new_guid_is_a_guid():
    # System.Guid.NewGuid: a version 4 GUID, 36 characters in the "D" format.
    result = out("$g = [guid]::NewGuid(); $g.GetType().FullName; $g.ToString().Length; ([guid]$g.ToString()) -eq $g")
    assert result == ["System.Guid", 36, True]


def test_unknown_type_and_static_method():
    # about_Type_Accelerators / about_Methods: an unknown type fails with "Unable to find type [X]."
    # (TypeNotFound); an unknown static method with "Method invocation failed because [T] does not
    # contain a method named 'M'."
    result = run_script("[System.IO.Nope]::Combine('a'); [System.IO.Path]::Kombine('a', 'b')")
    assert result.error_messages == ["Unable to find type [System.IO.Nope].",
                                     "Method invocation failed because [System.IO.Path] does not contain a method named "
                                     "'Kombine'."]


def test_method_exception_is_wrapped():
    # about_Methods: an exception inside a .NET method surfaces as MethodInvocationException
    # 'Exception calling "Substring" with "1" argument(s): "..."'.
    result = run_script("try { 'abc'.Substring(5) } catch { $_.Exception.Message; $_.Exception.InnerException.GetType() }")
    assert result.output[0].startswith('Exception calling "Substring" with "1" argument(s): "startIndex')  \
        or result.output[0].startswith('Exception calling "Substring" with "1" argument(s): "Index and length')


def test_wrong_argument_count_for_a_method():
    # about_Methods: a call matching no overload: 'Cannot find an overload for "Substring" and the
    # argument count: "3".'
    assert run_script("'abc'.Substring(1, 1, 1)").error_messages == [
        'Cannot find an overload for "Substring" and the argument count: "3".']


def test_command_not_found():
    # about_Command_Precedence: an unknown name is CommandNotFoundException.
    result = run_script("Get-Nothing -Name x")
    assert result.errors[0].Exception.type_name == "System.Management.Automation.CommandNotFoundException"


def test_datetime_members():
    # System.DateTime: AddSeconds, ToUniversalTime, ToString with a custom format.
    result = out("$d = [datetime]'2026-01-15 09:00:00'; $d.AddSeconds(30).ToString('yyyyMMddTHHmmss'); "
                 "$d.ToUniversalTime().Year")
    assert result == ["20260115T090030", 2026]
    assert isinstance(run_script("Get-Date").raw_output[0], datetime.datetime)


def test_splatting_a_hashtable():
    # about_Splatting: "@" with a hashtable passes each key as a parameter name and each value as
    # its argument: Copy-Item @HashArguments.
    # https://learn.microsoft.com/powershell/module/microsoft.powershell.core/about/about_splatting?view=powershell-5.1
    script = "function F {\n    param($Path, $Destination)\n    \"$Path -> $Destination\"\n}\n" \
             "$HashArguments = @{ Path = 'test.txt'; Destination = 'test2.txt' }\nF @HashArguments"
    assert out(script) == ["test.txt -> test2.txt"]


def test_utf8_encoding_and_bitconverter():
    # System.Text.UTF8Encoding(Boolean) / Encoding.UTF8.GetBytes / BitConverter.ToString(Byte[]):
    # https://learn.microsoft.com/dotnet/api/system.bitconverter.tostring ("01-AB" style, upper-case hex)
    script = ("$e = New-Object -TypeName System.Text.UTF8Encoding -ArgumentList $false\n$e.GetPreamble().Count\n"
              "[System.BitConverter]::ToString([System.Text.Encoding]::UTF8.GetBytes('Hi'))")
    assert out(script) == [0, "48-69"]


def test_native_command_sets_lastexitcode():
    # about_Automatic_Variables, $LASTEXITCODE: "Contains the exit code of the last native program
    # ... that was run"; about_Parsing: arguments reach a native program as strings, an array as
    # its elements.
    # https://learn.microsoft.com/powershell/module/microsoft.powershell.core/about/about_automatic_variables?view=powershell-5.1
    from lync_lab.engine import NativeCommand
    seen = []

    def bootstrapper(engine, argv):
        seen.append(argv)
        return ["step done"], 3010
    table = default_table()
    table.add(NativeCommand("Bootstrapper.exe", bootstrapper))
    script = ("$path = 'C:\\Program Files\\Lync\\Bootstrapper.exe'\n$arguments = @('/Bootstrap', '/MediaDir:D:\\x')\n"
              "& $path $arguments | Out-Null\n$LASTEXITCODE")
    assert out(script, table) == [3010] and seen == [["/Bootstrap", "/MediaDir:D:\\x"]]


def test_win_powershell_error_action_option():
    # win_powershell, option error_action: "continue ... errors are present in the error return
    # value but only terminating exceptions will stop the script"; "stop will treat errors like
    # exceptions, will stop the script and set it as failed"; silently_continue ignores them.
    # https://docs.ansible.com/ansible/latest/collections/ansible/windows/win_powershell_module.html
    script = "Write-Error 'soft'\n'after'"
    assert run_script(script).output == ["after"] and not run_script(script).failed
    stopped = run_script(script, error_action="stop")
    assert stopped.failed and stopped.output == [] and stopped.error_messages == ["soft"]
    quiet = run_script(script, error_action="silently_continue")
    assert quiet.output == ["after"] and quiet.errors == []


def test_psobject_properties_by_name():
    # about_Intrinsic_Members, "PSObject": every object has a .psobject member whose Properties can be
    # enumerated or indexed by name (a missing name gives $null).
    # https://learn.microsoft.com/powershell/module/microsoft.powershell.core/about/about_intrinsic_members?view=powershell-5.1
    script = ("$o = [pscustomobject]@{ Role = 'Registrar'; Version = 7 }\n$o.PSObject.Properties['role'].Value\n"
              "$null -eq $o.PSObject.Properties['Missing']\n($o.PSObject.Properties | ForEach-Object { $_.Name }) -join ','")
    assert out(script) == ["Registrar", True, "Role,Version"]


def test_sensitive_parameters_arrive_as_securestring_and_marshal_reads_them():
    # win_powershell sensitive_parameters: "value ... as a SecureString", "username/password ... as a
    # PSCredential"; Marshal.SecureStringToBSTR / PtrToStringBSTR read a SecureString back:
    # https://learn.microsoft.com/dotnet/api/system.runtime.interopservices.marshal.securestringtobstr
    from lync_lab.values import Credential, Secure
    script = ("[CmdletBinding()]\nparam([System.Security.SecureString]$Secret, [pscredential]$Account)\n"
              "$pointer = [System.Runtime.InteropServices.Marshal]::SecureStringToBSTR($Secret)\n"
              "try { [System.Runtime.InteropServices.Marshal]::PtrToStringBSTR($pointer) }\n"
              "finally { [System.Runtime.InteropServices.Marshal]::ZeroFreeBSTR($pointer) }\n"
              "\"$Secret\"; $Account.UserName; $Account.GetNetworkCredential().Password")
    result = Engine().run(script, {"Secret": Secure("p@ss"), "Account": Credential("CONTOSO\\svc", "pw")})
    assert result.output == ["p@ss", "System.Security.SecureString", "CONTOSO\\svc", "pw"]
    assert Engine().run(script, {"Secret": "plain"}).error_messages == [
        "Cannot process argument transformation on parameter 'Secret'. Cannot convert the \"plain\" value of type "
        "\"System.String\" to type \"System.Security.SecureString\"."]


# about_CommonParameters, -ErrorVariable: "stores error messages about the command in the specified
# variable ... To append the error to the variable content, type a plus (+) sign before the
# variable name"; the non-terminating error is still handled per -ErrorAction.
# https://learn.microsoft.com/powershell/module/microsoft.powershell.core/about/about_commonparameters
def test_error_variable_collects_and_plus_appends():
    table = default_table()

    def failing(call):
        call.error("no such item: %s" % call.args["Name"])
        return []
    table.add(Command("Get-Thing", [Param("Name", "System.String", position=0, mandatory=True)], failing))
    result = run_script("$e = New-Object -TypeName System.Collections.ArrayList\n"
                        "Get-Thing a -ErrorAction SilentlyContinue -ErrorVariable +e\n"
                        "Get-Thing b -ErrorAction SilentlyContinue -ErrorVariable +e\n"
                        "Get-Thing c -ErrorAction SilentlyContinue -ErrorVariable f\n"
                        "$Ansible.Result = @{ E = @($e | ForEach-Object { [string]$_ }); F = $f.Count }",
                        commands=table)
    assert not result.failed and result.error_messages == []
    assert result.result == {"E": ["no such item: a", "no such item: b"], "F": 1}


# ArrayList.Add returns the index at which the value was added.
# https://learn.microsoft.com/dotnet/api/system.collections.arraylist.add
def test_arraylist_add_returns_the_index():
    result = run_script("$l = New-Object -TypeName System.Collections.ArrayList\n"
                        "$i = $l.Add('x'); $j = $l.Add('y')\n"
                        "$Ansible.Result = @{ I = $i; J = $j; Count = $l.Count; Type = $l.GetType().FullName }")
    assert result.result == {"I": 0, "J": 1, "Count": 2, "Type": "System.Collections.ArrayList"}


# .NET anchors: \z matches only at the end of the string, \Z also before a final newline.
# https://learn.microsoft.com/dotnet/standard/base-types/anchors-in-regular-expressions
def test_dotnet_end_anchors():
    result = run_script("$Ansible.Result = @{ lower = \"ab`n\" -match 'b\\z'; upper = \"ab`n\" -match 'b\\Z'; whole = 'ab' -cmatch '\\Aab\\z' }")
    assert result.result == {"lower": False, "upper": True, "whole": True}


def test_datetime_kind_decides_the_round_trip_format():
    # DateTime.Kind: UtcNow is Utc, Now and Get-Date are Local, a parsed string without an offset is
    # Unspecified; the round-trip "o" format writes 'Z' for Utc, the offset for Local, nothing for
    # Unspecified (https://learn.microsoft.com/dotnet/api/system.datetime.kind,
    # https://learn.microsoft.com/dotnet/standard/base-types/standard-date-and-time-format-strings#Roundtrip).
    # The lab's hosts run in UTC, so the local offset is +00:00.
    engine = Engine()
    result = engine.run("[datetime]::UtcNow.Kind.ToString(); (Get-Date).Kind.ToString(); ([datetime]'2026-01-15T09:00:00').Kind.ToString()\n"
                        "[datetime]::UtcNow.ToString('o'); (Get-Date).ToString('o'); ([datetime]'2026-01-15T09:00:00').ToString('o')\n"
                        "(Get-Date).ToUniversalTime().ToString('o')")
    assert result.output == ["Utc", "Local", "Unspecified", "2026-01-15T09:00:00.0000000Z",
                             "2026-01-15T09:00:00.0000000+00:00", "2026-01-15T09:00:00.0000000",
                             "2026-01-15T09:00:00.0000000Z"]


def test_datetimes_of_different_kinds_compare_by_their_ticks():
    # DateTime's comparison and subtraction ignore Kind (DateTime.Compare: "compares the Ticks
    # property ... and ignores their Kind property", https://learn.microsoft.com/dotnet/api/system.datetime.compare).
    assert Engine().run("([datetime]::UtcNow -eq (Get-Date)); ((Get-Date) - [datetime]::UtcNow).TotalSeconds").output == [True, 0.0]


def test_a_nested_pipeline_gives_the_outer_object_back_to_dollar_underscore():
    # A script block run for each pipeline object sets $_ for its run and restores the caller's afterwards
    # (about_Automatic_Variables, $_: "the current object in the pipeline object"): after an inner Where-Object,
    # the outer ForEach-Object's $_ is its own object again. The lab changed the saved variable in place.
    result = run_script("1, 2 | ForEach-Object { $inner = @(7, 8 | Where-Object { $_ -gt 7 }); $_ }")
    assert result.output == [1, 2] and result.error_messages == []
    result = run_script("1, 2 | ForEach-Object { switch (9) { default { } }; $_ }")
    assert result.output == [1, 2]
