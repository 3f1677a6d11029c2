"""The lab engine's values, strings, conversions, arrays and hash tables against PowerShell's
documentation (Windows PowerShell 5.1 pages). Each case is an example from the cited page with
the result it documents."""

import pytest

from lync_lab.engine import ParseError, run_script

ABOUT = "https://learn.microsoft.com/powershell/module/microsoft.powershell.core/about/"
QUOTING = ABOUT + "about_quoting_rules?view=powershell-5.1"
BOOLEANS = ABOUT + "about_booleans?view=powershell-5.1"
CONVERSION = ABOUT + "about_type_conversion?view=powershell-5.1"
ARRAYS = ABOUT + "about_arrays?view=powershell-5.1"
HASH = ABOUT + "about_hash_tables?view=powershell-5.1"
NUMERIC = ABOUT + "about_numeric_literals?view=powershell-5.1"
ENUMERATION = ABOUT + "about_member-access_enumeration?view=powershell-5.1"
PSCUSTOMOBJECT = ABOUT + "about_pscustomobject?view=powershell-5.1"
SPECIAL = ABOUT + "about_special_characters?view=powershell-5.1"
VARIABLES = ABOUT + "about_variables?view=powershell-5.1"
AUTOMATIC = ABOUT + "about_automatic_variables?view=powershell-5.1"
ASSIGNMENT = ABOUT + "about_assignment_operators?view=powershell-5.1"
SWITCH_DOC = ABOUT + "about_switch?view=powershell-5.1"  # its examples cast '1 Jan 1970' and call Get-Date 1-Jan-2022


def out(script):
    result = run_script(script)
    assert not result.failed, result
    return result.output


CASES = [
    (QUOTING, '$i = 5; "The value of $i is $i."', ["The value of 5 is 5."]),
    (QUOTING, '"The value of $(2+3) is 5."', ["The value of 5 is 5."]),
    (QUOTING, '$i = 5; "The value of `$i is $i."', ["The value of $i is 5."]),
    (QUOTING, "$i = 5; 'The value of $i is $i.'", ["The value of $i is $i."]),
    (QUOTING, "'The value of $(2+3) is 5.'", ["The value of $(2+3) is 5."]),
    (QUOTING, "'As they say, \"live and learn.\"'", ['As they say, "live and learn."']),
    (QUOTING, '"As they say, \'live and learn.\'"', ["As they say, 'live and learn.'"]),
    (QUOTING, '"As they say, ""live and learn."""', ['As they say, "live and learn."']),
    (QUOTING, "'don''t'", ["don't"]),
    (QUOTING, '"Use a quotation mark (`") to begin a string."', ['Use a quotation mark (") to begin a string.']),
    (QUOTING, "'Use a quotation mark (`\") to begin a string.'", ['Use a quotation mark (`") to begin a string.']),
    (QUOTING, '@"\nFor help, type "Get-Help"\n"@', ['For help, type "Get-Help"']),
    (QUOTING, "@'\nThe $PROFILE variable contains the path\nof your PowerShell profile.\n'@",
     ["The $PROFILE variable contains the path\nof your PowerShell profile."]),
    (QUOTING, '$PROFILE = "C:\\p.ps1"\n@"\nthe path of the profile file is:\n$PROFILE.\n"@',
     ["the path of the profile file is:\nC:\\p.ps1."]),
    (QUOTING, "\"hashtable: $(@{ key = 'value' })\"", ["hashtable: System.Collections.Hashtable"]),
    (QUOTING, '$x = 1.2; "$x"; "$(Get-Date 2024-03-19)"', ["1.2", "03/19/2024 00:00:00"]),
    (SPECIAL, '"Column1`tColumn2`nLine2"; "a``b"', ["Column1\tColumn2\nLine2", "a`b"]),
    (BOOLEANS, "$false -eq ''; if (\"\") { $true } else { $false }; if ($null) { $true } else { $false }",
     [True, False, False]),
    (BOOLEANS, "if ([int]0) { $true } else { $false }; if ([double]0.0) { $true } else { $false }", [False, False]),
    (BOOLEANS, "[bool]@{value = 0}; if ('hello') { $true } else { $false }; [bool]'False'", [True, True, True]),
    (BOOLEANS, "[bool]@(); $a = @(0); [bool]$a; $b = @(1); [bool]$b; $c = @(0,0); [bool]$c", [False, False, True, True]),
    (CONVERSION, "$var = [int]'43'; $var.GetType().Name", ["Int32"]),
    (CONVERSION, "[boolean]0; [boolean]0.0; [boolean]-1; [boolean]1; [boolean]42.1", [False, False, True, True, True]),
    (CONVERSION, "[boolean]''; [boolean]@(); [boolean]'Hello'; [boolean]@(0); [boolean]@(0,0); [boolean]@{}",
     [False, False, True, False, True, True]),
    (CONVERSION, "[string] @(1, 2, 3)", ["1 2 3"]),
    (CONVERSION, "function Test-String {\n    param([string] $String)\n    $String\n}\nTest-String -String 1, 2", ["1 2"]),
    (CONVERSION, "[int]$foo = '43'; $foo.GetType().Name", ["Int32"]),
    (CONVERSION, "[int]$a = 1; [int]$b = 2; $result = $a / $b; $result; $result.GetType().Name", [0.5, "Double"]),
    (CONVERSION, "10 - ' 9 '; 10 -eq ' 10'; 10 -eq '0xa'", [1, True, True]),
    (CONVERSION, "$result = [int]::MaxValue + 1; $result; $result.GetType().Name", [2147483648.0, "Double"]),
    (CONVERSION, "([int64]::MaxValue + 1).GetType().Name", ["Double"]),
    (CONVERSION, "'10' - '2'; '10' / '2'; '10' + '2'; '10' * '2'", [8, 5, "102", "1010"]),
    (NUMERIC, "[int] '0xF' -eq 0xF", [True]),
    (SWITCH_DOC, "([datetime]'1 Jan 1970').Year; (Get-Date 1-Jan-2022).Year", [1970, 2022]),
    (NUMERIC, "10kb; 1.5mb; 0x10", [10240, 1572864, 16]),
    (ARRAYS, '$a = @("Hello World"); $a.Count; $b = @(); $b.Count', [1, 0]),
    (ARRAYS, "$a = 0..9; $a[0]; $a[2]; $a[1..4]", [0, 2, 1, 2, 3, 4]),
    (ARRAYS, "$a = 0 .. 9; $a[-3..-1]; $a[-1..-3]", [7, 8, 9, 9, 8, 7]),
    (ARRAYS, "$a = 0 .. 9; $a[2..-2]", [2, 1, 0, 9, 8]),
    (ARRAYS, "$a = 0 .. 9; $a[0,2+4..6]", [0, 2, 4, 5, 6]),
    (ARRAYS, "$a = 0..9; $a[+0..2+4..6+8]", [0, 1, 2, 4, 5, 6, 8]),
    (ARRAYS, "$a = 0..9; for ($i = 0; $i -le ($a.Length - 1); $i += 2) { $a[$i] }", [0, 2, 4, 6, 8]),
    (ARRAYS, "$a = 0..9; $i=0; while($i -lt 4) { $a[$i]; $i++ }", [0, 1, 2, 3]),
    (ARRAYS, "$a = 0..9; $a.Count; $a.Length", [10, 10]),
    (ARRAYS, "$B = ,7; $B.Count; $C = 5..8; $C.Count", [1, 4]),
    (ARRAYS, "[Int32[]]$ia = 1500, 2230, 3350, 4000; $ia[1] + 1; [string[]]$s = 1, 2; $s[0].GetType().Name",
     [2231, "String"]),
    (HASH, "$hash = @{ 1 = 'one'; 2 = 'two'; 'three' = 3 }; $hash.Count; $hash['three']; $hash[2]", [3, 3, "two"]),
    (HASH, "$dictionary = [ordered]@{ 1 = 'one'; 2 = 'two'; 'three' = 3 }; $dictionary.Keys; $dictionary.Values",
     [1, 2, "three", "one", "two", 3]),
    (HASH, "$hash = [ordered]@{Number = 1; Shape = 'Square'; Color = 'Blue'}\n"
           "foreach ($Key in $hash.Keys) { \"The value of '$Key' is: $($hash[$Key])\" }",
     ["The value of 'Number' is: 1", "The value of 'Shape' is: Square", "The value of 'Color' is: Blue"]),
    (HASH, "$hash = [ordered]@{Number = 1; Shape = 'Square'}\n"
           "$hash.GetEnumerator() | ForEach-Object { \"The value of '$($_.Key)' is: $($_.Value)\" }",
     ["The value of 'Number' is: 1", "The value of 'Shape' is: Square"]),
    (HASH, "$hash = @{}; $hash['Time'] = 'Now'; $hash.Time; $hash.Remove('Time'); $hash.Count", ["Now", 0]),
    (HASH, "$hash = @{}; $hash.Add('Time', 'Now'); $hash = $hash + @{Zone='UTC'}; $hash.Count; $hash.ContainsKey('zone')",
     [2, True]),
    (ENUMERATION, "$MyString = 'abc'; $MyString.Length; $MyString.ToUpper(); $null -eq $MyString.DoesNotExist",
     [3, "ABC", True]),
    (ENUMERATION, "$items = [pscustomobject]@{DisplayName='Windows Event Log'}, [pscustomobject]@{DisplayName='COM+ Event System'}\n"
                  "$items.DisplayName", ["Windows Event Log", "COM+ Event System"]),
    (PSCUSTOMOBJECT, "$object3 = [pscustomobject]@{one=1; two=2}; $object3.one; $object3.GetType().FullName",
     [1, "System.Management.Automation.PSCustomObject"]),
    (PSCUSTOMOBJECT, "$object2 = New-Object -TypeName psobject -Property @{one=1; two=2}; $object2.two", [2]),
    (VARIABLES, "${save-items} = 'a', 'b', 'c'; ${save-items}", ["a", "b", "c"]),
    (VARIABLES, "$MyVariable = 1, 2, 3; $MyVariable.Count; $Processes = $null; $null -eq $Processes", [3, True]),
    (AUTOMATIC, "$true; $false; $null -eq $null", [True, False, True]),
    (AUTOMATIC, "'a' -match '(?<letter>a)' | Out-Null; $Matches.letter", ["a"]),
    (ASSIGNMENT, "$a = 1, 2, 3; $a += 4; $a", [1, 2, 3, 4]),
    (ASSIGNMENT, '$a = "Windows"; $a += " PowerShell"; $a', ["Windows PowerShell"]),
    (ASSIGNMENT, "$a = 3; $a *= 4; $a; $a -= 2; $a; $a /= 5; $a; $a %= 3; $a", [12, 10, 2, 2]),
    (ASSIGNMENT, "$hash = @{a = 1; b = 2; c = 3}; $hash += @{e = 5}; $hash.Count", [4]),
    (ASSIGNMENT, "$a = $b = $c = 'blue'; $a; $b; $c", ["blue", "blue", "blue"]),
    (ASSIGNMENT, "[int]$a = '10'; $a; $a = 'x' -replace 'x', '11'; $a.GetType().Name", [10, "Int32"]),
]


@pytest.mark.parametrize("page,script,expected", CASES, ids=["%d" % i for i in range(len(CASES))])
def test_documented_value_results(page, script, expected):
    assert out(script) == expected, page


def test_ordered_on_a_variable_is_refused():
    # about_Hash_Tables: "[ordered]$orderedHash = @{}" -> "The ordered attribute can be specified
    # only on a hash literal node."
    result = run_script("[ordered]$orderedHash = @{}")
    assert result.failed or result.error_messages == [
        "The ordered attribute can be specified only on a hash literal node."]


def test_hashtable_keys_are_case_insensitive():
    # about_Hash_Tables: keys are looked up case-insensitively (a Hashtable created by PowerShell
    # uses an ordinal-ignore-case comparer).
    assert out("$h = @{Name='x'}; $h.name; $h['NAME']; $h.ContainsKey('nAmE')") == ["x", "x", True]


def test_duplicate_keys_in_a_hash_literal_fail():
    # about_Hash_Tables: each key must be unique; a literal with a duplicate key is an error
    # ("Duplicate keys 'a' are not allowed in hash literals.").
    result = run_script("$ErrorActionPreference = 'Stop'; $h = @{a = 1; A = 2}")
    assert result.failed and result.error_messages == ["Duplicate keys 'A' are not allowed in hash literals."]


def test_unknown_method_fails_as_documented():
    # about_Member-Access_Enumeration: $MyString.DoesNotExist() ->
    # "Method invocation failed because [System.String] does not contain a method named 'DoesNotExist'."
    result = run_script("$MyString = 'abc'; $MyString.DoesNotExist()")
    assert result.error_messages == [
        "Method invocation failed because [System.String] does not contain a method named 'DoesNotExist'."]
    assert result.errors[0].FullyQualifiedErrorId == "MethodNotFound"


def test_advanced_function_refuses_an_array_for_a_string():
    # about_Type_Conversion: with [CmdletBinding()] "Cannot process argument transformation on
    # parameter 'String'. Cannot convert value to type System.String."
    result = run_script("function Test-String {\n    [CmdletBinding()]\n    param([string] $String)\n    $String\n}\n"
                        "Test-String -String 1, 2")
    assert result.error_messages == ["Cannot process argument transformation on parameter 'String'. Cannot "
                                     "convert value to type System.String."]


def test_null_method_call_and_null_index():
    # about_Automatic_Variables ($null) / about_Arrays: calling a method on $null fails with
    # "You cannot call a method on a null-valued expression."; indexing $null with
    # "Cannot index into a null array."
    result = run_script("$x = $null; $x.Trim(); $x[0]")
    assert result.error_messages == ["You cannot call a method on a null-valued expression.",
                                     "Cannot index into a null array."]


def test_a_string_that_ends_in_a_drive_qualified_name_does_not_parse():
    # about_Variables, "Variable names that include special characters": "$id:" is read as a drive
    # qualified name; without a name after the colon PowerShell's parser refuses the script
    # (InvalidVariableReferenceWithDrive), so nothing of it runs.
    with pytest.raises(ParseError):
        run_script('$id = "x"; "before"; throw "refusing to remove $id: not a backup set name"')
    assert out('$id = "x"; "refusing to remove ${id}: not a backup set name"') == [
        "refusing to remove x: not a backup set name"]


def test_an_array_subexpression_keeps_one_element_but_assignment_of_a_pipeline_unrolls():
    # about_Arrays ("@( )" returns an array even of zero or one object) and
    # about_Assignment_Operators (the result of a pipeline of one object is that object).
    script = ("function One { 'only' }\n$a = One; $a.GetType().Name\n$b = @(One); $b.GetType().Name; $b.Count\n"
              "$c = One | Where-Object { $_ }; $c.GetType().Name\n$d = Get-Date | Where-Object { $false }; $null -eq $d")
    assert out(script) == ["String", "Object[]", 1, "String", True]
