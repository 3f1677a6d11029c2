"""The lab engine's statements, functions, scopes and errors against PowerShell's documentation
(Windows PowerShell 5.1 pages). Each case is an example from the cited page with the result it
documents."""

import pytest

from lync_lab.engine import Command, Param, default_table, run_script

ABOUT = "https://learn.microsoft.com/powershell/module/microsoft.powershell.core/about/"
SWITCH = ABOUT + "about_switch?view=powershell-5.1"
TRY = ABOUT + "about_try_catch_finally?view=powershell-5.1"
THROW = ABOUT + "about_throw?view=powershell-5.1"
SCOPES = ABOUT + "about_scopes?view=powershell-5.1"
PREFERENCES = ABOUT + "about_preference_variables?view=powershell-5.1"
BREAK = ABOUT + "about_break?view=powershell-5.1"
CONTINUE = ABOUT + "about_continue?view=powershell-5.1"
FOREACH = ABOUT + "about_foreach?view=powershell-5.1"
FOR = ABOUT + "about_for?view=powershell-5.1"
DO = ABOUT + "about_do?view=powershell-5.1"
WHILE = ABOUT + "about_while?view=powershell-5.1"
IF = ABOUT + "about_if?view=powershell-5.1"
FUNCTIONS = ABOUT + "about_functions?view=powershell-5.1"
RETURN = ABOUT + "about_return?view=powershell-5.1"
SCRIPT_BLOCKS = ABOUT + "about_script_blocks?view=powershell-5.1"
PSITEM = ABOUT + "about_psitem?view=powershell-5.1"


def out(script, commands=None):
    result = run_script(script, commands=commands)
    assert not result.failed, result
    return result.output


CASES = [
    (SWITCH, 'switch (3) {\n 1 { "It\'s one." }\n 2 { "It\'s two." }\n 3 { "It\'s three." }\n 4 { "It\'s four." }\n}',
     ["It's three."]),
    (SWITCH, 'switch (3) {\n 1 { "It\'s one." }\n 3 { "It\'s three." }\n 3 { "Three again." }\n}',
     ["It's three.", "Three again."]),
    (SWITCH, 'switch (1,4,-1,3,"Hello",2,1) {\n    {$_ -lt 0}           { continue }\n'
             '    {$_ -isnot [int32]}  { break }\n    {$_ % 2}             { "$_ is Odd" }\n'
             '    {-not ($_ % 2)}      { "$_ is Even" }\n}', ["1 is Odd", "4 is Even", "3 is Odd"]),
    (SWITCH, "$test = @{ Test = 'test'; Test2 = 'test2' }\n$test.ToString()\nswitch -Exact ($test) {\n"
             "    'System.Collections.Hashtable' { 'Hashtable string coercion' }\n    'test' { 'Hashtable value' }\n}",
     ["System.Collections.Hashtable", "Hashtable string coercion"]),
    (SWITCH, "$var = [ordered]@{A = 10; B = 'abc'}\nforeach ($key in $var.Keys) {\n"
             "    switch ($var[$key].GetType()) {\n        { $_ -eq [int32]  }  { \"$key + 10 = $($var[$key] + 10)\" }\n"
             "        { $_ -eq [string] }  { \"$key = $($var[$key])\" }\n    }\n}", ["A + 10 = 20", "B = abc"]),
    (SWITCH, 'switch ("fourteen") {\n 1 { "It\'s one."; break }\n 4 { "It\'s four."; break }\n "fo*" { "That\'s too many." }\n}',
     []),
    (SWITCH, 'switch ("fourteen") {\n 1 { "It\'s one."; break }\n "fo*" { "That\'s too many." }\n'
             ' default { "No matches" }\n}', ["No matches"]),
    (SWITCH, 'switch -Wildcard ("fourteen") {\n 1 { "It\'s one."; break }\n "fo*" { "That\'s too many." }\n}',
     ["That's too many."]),
    (SWITCH, "$target = 'https://bing.com'\nswitch -Regex ($target) {\n    '^ftp\\://.*$'\n        {\n"
             "            \"$_ is an ftp address\"\n            break\n        }\n    '^\\w+@\\w+\\.com|edu|org$'\n"
             "        {\n            \"$_ is an email address\"\n            break\n        }\n"
             "    '^(http[s]?)\\://.*$'\n        {\n            \"$_ is a web address that uses $($Matches[1])\"\n"
             "            break\n        }\n}", ["https://bing.com is a web address that uses https"]),
    (SWITCH, 'switch ("Test") {\n    { $_ -is [string] } { "Found a string" }\n    "Test" { "This $_ executes as well" }\n}',
     ["Found a string", "This Test executes as well"]),
    # about_Switch, Syntax: clauses `<result-to-be-matched> {<action>}` may share a line (as
    # lync_cms_export.ps1 writes them); the switch statement's value is its output.
    (SWITCH, "$name = switch ('lis') { 'config' { 'config.zip' } 'lis' { 'lis.zip' } 'topology' { 'topology.xml' }\n"
             "    default { throw 'unknown' } }\n$name", ["lis.zip"]),
    (TRY, 'try { NonsenseString }\ncatch { "An error occurred." }', ["An error occurred."]),
    (TRY, "try { NonsenseString }\ncatch { \"$_\" }",
     ["The term 'NonsenseString' is not recognized as the name of a cmdlet, function, script file, or operable program. "
      "Check the spelling of the name, or if a path was included, verify that the path is correct and try again."]),
    (TRY, 'try { NonsenseString }\ncatch [System.Management.Automation.CommandNotFoundException] { "Inherited Exception" }',
     ["Inherited Exception"]),
    (TRY, 'try { NonsenseString }\ncatch [System.SystemException] { "Base Exception" }', ["Base Exception"]),
    (TRY, 'try { NonsenseString }\ncatch [System.IO.IOException] { "io" }\ncatch { "An error occurred that could not be '
          'resolved." }\nfinally { "finally" }', ["An error occurred that could not be resolved.", "finally"]),
    (THROW, 'try { throw "This is an error." } catch { $_.Exception.Message; $_.FullyQualifiedErrorId }',
     ["This is an error.", "This is an error."]),
    (THROW, 'try { throw } catch { $_.Exception.Message }', ["ScriptHalted"]),
    (THROW, 'try { throw @{a=1} } catch { $_.TargetObject.a }', [1]),
    (SCOPES, '$Global:a = "Goodbye"\n$a = "Hello"\nfunction foo {\n    "`$a = $a"\n    "`$Global:a = $Global:a"\n}\nfoo',
     ["$a = Hello", "$Global:a = Goodbye"]),
    (SCOPES, '$ConfirmPreference = "Low"\n"The value of `$ConfirmPreference is $ConfirmPreference."',
     ["The value of $ConfirmPreference is Low."]),
    (SCOPES, '$Global:test = "Global"\n$test = "Local"\n"The local value of `$test is $test."\n'
             '"The global value of `$test is $Global:test."',
     ["The local value of $test is Local.", "The global value of $test is Global."]),
    (SCOPES, "function funcA {\n    \"Setting `$funcAVar1 to 'Value set in funcA'\"\n    $funcAVar1 = \"Value set in funcA\"\n"
             "    funcB\n}\nfunction funcB {\n    \"In funcB before set -> '$funcAVar1'\"\n"
             "    $Private:funcAVar1 = \"Locally overwrite the value - child scopes can't see me!\"\n"
             "    \"In funcB after set  -> '$funcAVar1'\"\n    funcC\n}\nfunction funcC {\n"
             "    \"In funcC before set -> '$funcAVar1' - should be the value set in funcA\"\n"
             "    $funcAVar1 = \"Value set in funcC - Child scopes can see this change.\"\n"
             "    \"In funcC after set  -> '$funcAVar1'\"\n    funcD\n}\nfunction funcD {\n"
             "    \"In funcD before set -> '$funcAVar1' - should be the value from funcC.\"\n"
             "    $funcAVar1 = \"Value set in funcD\"\n    \"In funcD after set  -> '$funcAVar1'\"\n}\nfuncA",
     ["Setting $funcAVar1 to 'Value set in funcA'", "In funcB before set -> 'Value set in funcA'",
      "In funcB after set  -> 'Locally overwrite the value - child scopes can't see me!'",
      "In funcC before set -> 'Value set in funcA' - should be the value set in funcA",
      "In funcC after set  -> 'Value set in funcC - Child scopes can see this change.'",
      "In funcD before set -> 'Value set in funcC - Child scopes can see this change.' - should be the value from funcC.",
      "In funcD after set  -> 'Value set in funcD'"]),
    (FOREACH, '$letterArray = "a","b","c","d"\nforeach ($letter in $letterArray) { "Hello $letter" }',
     ["Hello a", "Hello b", "Hello c", "Hello d"]),
    (FOREACH, "foreach ($x in $null) { 'never' }; 'after'", ["after"]),
    (FOR, "for ($i = 0; $i -le 3; $i++) { $i }", [0, 1, 2, 3]),
    (FOR, "for (($i = 0), ($j = 0); $i -lt 3; $i++) { \"`$i:$i\"; \"`$j:$j\" }",
     ["$i:0", "$j:0", "$i:1", "$j:0", "$i:2", "$j:0"]),
    (DO, "$a = 0; do { $a; $a++ } while ($a -lt 3)", [0, 1, 2]),
    (DO, "$a = 5; do { $a; $a++ } until ($a -gt 3)", [5]),
    (WHILE, "$val = 0\nwhile ($val -ne 3) { $val++; $val }", [1, 2, 3]),
    (IF, "$a = 5\nif ($a -gt 2) { \"The value $a is greater than 2.\" }\nelseif ($a -gt 1) { 'one' } else { 'no' }",
     ["The value 5 is greater than 2."]),
    (BREAK, "$i = 0\nwhile ($true) { $i++; if ($i -ge 3) { break } }\n$i", [3]),
    (BREAK, "$varB = 10, 20, 30, 40\nforeach ($val in $varB) {\n  if ($val -eq 30) { break }\n  $val\n}", [10, 20]),
    (BREAK, "for ($i = 1; $i -le 3; $i++) {\n  for ($j = 1; $j -le 3; $j++) {\n"
            "    if ($j -eq 2) { break }\n    \"$i$j\"\n  }\n}", ["11", "21", "31"]),
    (CONTINUE, "$i = 0\nwhile ($i -lt 10) {\n  $i++\n  if ($i -eq 5) { continue }\n  $i\n}", [1, 2, 3, 4, 6, 7, 8, 9, 10]),
    (FUNCTIONS, "function Get-Pipeline {\n  process {\"The value is: $_\"}\n}\n1,2,4 | Get-Pipeline",
     ["The value is: 1", "The value is: 2", "The value is: 4"]),
    (FUNCTIONS, "function Get-SmallFiles {\n  param ($Size)\n  $Size\n}\nGet-SmallFiles -Size 50; Get-SmallFiles 60", [50, 60]),
    (FUNCTIONS, "function Get-SmallFiles ($Size = 100) {\n  $Size\n}\nGet-SmallFiles", [100]),
    (FUNCTIONS, "function Get-Extension {\n  $name = $args -join '.'\n  $name\n}\nGet-Extension a b", ["a.b"]),
    (FUNCTIONS, "function Switch-Item {\n  param ([switch]$on)\n  if ($on) { 'Switch on' }\n  else { 'Switch off' }\n}\n"
                "Switch-Item -on; Switch-Item; Switch-Item -on:$false", ["Switch on", "Switch off", "Switch off"]),
    (RETURN, "function MultiplyBy2 ($value) {\n  $value *= 2\n  return $value\n  'never'\n}\nMultiplyBy2 5", [10]),
    (RETURN, "function Test { 'a'; return 'b' }\n$r = Test; $r.Count; $r[1]", [2, "b"]),
    (SCRIPT_BLOCKS, "$a = { param($p1, $p2) \"p1: $p1\"; \"p2: $p2\" }\n& $a 'First' 'Second'", ["p1: First", "p2: Second"]),
    (SCRIPT_BLOCKS, "$a = { 1 + 1 }; $a.Invoke(); & $a", [2, 2]),
    (PSITEM, "1, 2, 3 | Where-Object -FilterScript { ($PSItem % 2) -eq 0 }", [2]),
    # (the page chains .ForEach({...}) first; tree-sitter-powershell cannot parse `.ForEach(`)
    (PSITEM, "@('a', 'b', 'c').Where({ $PSItem -ceq 'b' })", ["b"]),
    (PSITEM, "$numbers = 1, 2, 3\nswitch ($numbers) {\n    { ($PSItem % 2) -eq 0 } { \"$PSItem is even\" }\n"
             "    default { \"$PSItem is odd\" }\n}", ["1 is odd", "2 is even", "3 is odd"]),
    (PSITEM, "function Add-One {\n    process { $PSItem + 1 }\n}\n1, 2, 3 | Add-One", [2, 3, 4]),
    (PREFERENCES, "$ErrorActionPreference = 'SilentlyContinue'\nWrite-Error -Message 'Test Error' ; 'Hello World'",
     ["Hello World"]),
]


@pytest.mark.parametrize("page,script,expected", CASES, ids=["%d" % i for i in range(len(CASES))])
def test_documented_flow_results(page, script, expected):
    assert out(script) == expected, page


def test_psitem_in_foreach_object_blocks():
    # about_PSItem: in Begin and End $PSItem is empty; in Process it is each object.
    script = ("$parameters = @{\n    Begin   = { Write-Host \"PSItem in Begin is: $PSItem\" }\n    Process = {\n"
              "        Write-Host \"PSItem in Process is: $PSItem\"\n        $PSItem + 1\n    }\n"
              "    End     = { Write-Host \"PSItem in End is: $PSItem\" }\n}\n$result = 1, 2, 3 | ForEach-Object @parameters\n"
              "Write-Host \"Result is: $result\"")
    result = run_script(script)
    assert result.host == ["PSItem in Begin is: ", "PSItem in Process is: 1", "PSItem in Process is: 2",
                           "PSItem in Process is: 3", "PSItem in End is: ", "Result is: 2 3 4"]


def test_error_action_continue_writes_the_error_and_goes_on():
    # about_Preference_Variables, $ErrorActionPreference = 'Continue': Write-Error writes
    # "Test Error" (FullyQualifiedErrorId Microsoft.PowerShell.Commands.WriteErrorException) and
    # 'Hello World' follows.
    result = run_script("$ErrorActionPreference = 'Continue'\nWrite-Error -Message 'Test Error' ; 'Hello World'")
    assert result.output == ["Hello World"] and result.error_messages == ["Test Error"] and not result.failed
    assert result.errors[0].FullyQualifiedErrorId == "Microsoft.PowerShell.Commands.WriteErrorException"


def test_error_action_stop_stops_the_script():
    # about_Preference_Variables, $ErrorActionPreference = 'Stop': "Error message is generated and
    # script stops processing".
    result = run_script("$ErrorActionPreference = 'Stop'\nWrite-Error -Message 'Test Error' ; 'Hello World'")
    assert result.output == [] and result.failed and result.error_messages == ["Test Error"]


def test_error_action_parameter_overrides_the_preference():
    # about_CommonParameters, -ErrorAction: "overrides the value of the $ErrorActionPreference
    # variable for the current command"; Stop makes the error terminating, so catch sees it.
    # https://learn.microsoft.com/powershell/module/microsoft.powershell.core/about/about_commonparameters?view=powershell-5.1
    script = ("try { Write-Error 'boom' -ErrorAction Stop; 'not here' } catch { \"caught $_\" }\n"
              "Write-Error 'quiet' -ErrorAction SilentlyContinue; 'after'; $Error.Count")
    result = run_script(script)
    assert result.output == ["caught boom", "after", 2] and result.errors == []


def test_non_terminating_errors_are_not_caught():
    # about_Try_Catch_Finally: "A Try block ... catch ... terminating errors"; a non-terminating
    # error (Write-Error with the default Continue) is written and the try block goes on.
    result = run_script("try { Write-Error 'soft'; 'still running' } catch { 'caught' }")
    assert result.output == ["still running"] and result.error_messages == ["soft"]


def test_statement_terminating_error_without_try_continues_with_the_next_statement():
    # about_Try_Catch_Finally / language specification §8.7 and about_Preference_Variables
    # ($ErrorActionPreference Continue): a failed method call ends its statement only.
    result = run_script("'a'.NoSuch(); 'next'")
    assert result.output == ["next"] and len(result.errors) == 1 and not result.failed


def test_throw_is_terminating_and_finally_runs():
    # about_Throw: throw generates a terminating error; about_Try_Catch_Finally: finally runs
    # even when the error is not caught.
    result = run_script("try { throw 'bad' } finally { 'cleanup' }\n'never'")
    assert result.output == ["cleanup"] and result.failed and result.error_messages == ["bad"]


def test_exit_code():
    # about_Language_Keywords, exit: "Causes PowerShell to exit a script"; the number is $LASTEXITCODE.
    # https://learn.microsoft.com/powershell/module/microsoft.powershell.core/about/about_language_keywords?view=powershell-5.1
    result = run_script("'a'; exit 3; 'b'")
    assert result.output == ["a"] and result.exit_code == 3


def test_whatif_preference_reaches_every_should_process_command():
    # about_Preference_Variables, $WhatIfPreference: "WhatIf is automatically enabled on any command
    # that supports it. Users can use the WhatIf parameter with a value of False to disable it
    # manually, such as -WhatIf:$false." -> 'What if: Performing the operation "Remove File" on
    # target "C:\Test\test2.txt".'
    removed = []

    def remove_item(call):
        if call.should_process(call.args["Path"], "Remove File"):
            removed.append(call.args["Path"])
    table = default_table()
    table.add(Command("Remove-Item", [Param("Path", "System.String[]", position=0, mandatory=True)], remove_item,
                      should_process=True))
    result = run_script("$WhatIfPreference = 'True'\nRemove-Item -Path C:\\Test\\test2.txt\n"
                        "Remove-Item -Path C:\\Test\\test3.txt -WhatIf:$false", commands=table)
    assert result.host == ['What if: Performing the operation "Remove File" on target "C:\\Test\\test2.txt".']
    assert removed == [["C:\\Test\\test3.txt"]]


def test_script_run_with_whatif_passes_it_to_commands_inside_functions():
    # about_Functions_CmdletBindingAttribute (SupportsShouldProcess) and about_Preference_Variables:
    # -WhatIf on a script sets $WhatIfPreference in its scope, which commands called from it
    # (also inside its functions) inherit unless they pass -WhatIf:$false.
    # https://learn.microsoft.com/powershell/module/microsoft.powershell.core/about/about_functions_cmdletbindingattribute?view=powershell-5.1
    calls = []

    def probe(call):
        calls.append(call.should_process("target", "Probe"))
    table = default_table()
    table.add(Command("Test-Thing", [], probe, should_process=True))
    script = ("[CmdletBinding(SupportsShouldProcess)]\nparam()\nfunction Inner { Test-Thing }\n"
              "Inner\nTest-Thing -WhatIf:$false\n$WhatIfPreference")
    result = run_script(script, commands=table, check_mode=True)
    assert calls == [False, True] and result.output == [True]


def test_pscmdlet_should_process_under_whatif():
    # about_Functions_Advanced_Methods, "ShouldProcess": with [CmdletBinding(SupportsShouldProcess=$true)]
    # the function asks $PSCmdlet.ShouldProcess before it changes anything; under -WhatIf the answer
    # is $false and PowerShell prints "What if: Performing the operation ... on target ...".
    # https://learn.microsoft.com/powershell/module/microsoft.powershell.core/about/about_functions_advanced_methods?view=powershell-5.1
    script = ("function Test-ScriptCmdlet\n{\n[CmdletBinding(SupportsShouldProcess=$true)]\n    param ($Parameter1)\n"
              "    process { if ($PSCmdlet.ShouldProcess($Parameter1, 'Change')) { \"changed $Parameter1\" } }\n}\n"
              "Test-ScriptCmdlet a\nTest-ScriptCmdlet b -WhatIf")
    result = run_script(script)
    assert result.output == ["changed a"]
    assert result.host == ['What if: Performing the operation "Change" on target "b".']


def test_environment_variables():
    # about_Environment_Variables: "$Env:Foo = 'An example'" ... "$Env:Foo += '!'" -> "An example!";
    # names are case-insensitive on Windows.
    # https://learn.microsoft.com/powershell/module/microsoft.powershell.core/about/about_environment_variables?view=powershell-5.1
    script = ("$Env:Foo = 'An example'\n\"The 'Foo' environment variable is set to: $Env:Foo\"\n$Env:Foo += '!'\n"
              "$Env:Foo\n$env:FOO")
    assert out(script) == ["The 'Foo' environment variable is set to: An example", "An example!", "An example!"]


def test_members_are_case_insensitive():
    # about_Properties / about_Methods: member names are not case-sensitive.
    # https://learn.microsoft.com/powershell/module/microsoft.powershell.core/about/about_methods?view=powershell-5.1
    assert out("$h = @{ Name = 'x' }; $h.NAME; 'abc'.toupper(); (1, 2).COUNT; 'abc'.LENGTH") == ["x", "ABC", 2, 3]


def test_hashtable_cast_of_an_ordered_dictionary():
    # about_Hash_Tables: "[hashtable]$newHash = [ordered]@{...}" gives a Hashtable (not ordered).
    assert out("[hashtable]$newHash = [ordered]@{ Number = 1; Shape = 'Square' }; $newHash.GetType().Name; "
               "$newHash.Shape") == ["Hashtable", "Square"]


def test_whatif_is_refused_by_a_script_without_should_process():
    # about_CommonParameters: -WhatIf is a risk-mitigation parameter, present only when the
    # command supports ShouldProcess; otherwise the binder does not know it.
    result = run_script("[CmdletBinding()]\nparam()\n'ran'", check_mode=True)
    assert result.failed and result.error_messages == ["A parameter cannot be found that matches parameter name 'WhatIf'."]
