"""The lab engine's operators against PowerShell's documentation (Windows PowerShell 5.1 pages).

Each case is an example from the cited page with the result the page documents."""

import pytest

from lync_lab.engine import run_script

ABOUT = "https://learn.microsoft.com/powershell/module/microsoft.powershell.core/about/"
COMPARISON = ABOUT + "about_comparison_operators?view=powershell-5.1"
SPLIT = ABOUT + "about_split?view=powershell-5.1"
JOIN = ABOUT + "about_join?view=powershell-5.1"
OPERATORS = ABOUT + "about_operators?view=powershell-5.1"
ARITHMETIC = ABOUT + "about_arithmetic_operators?view=powershell-5.1"
LOGICAL = ABOUT + "about_logical_operators?view=powershell-5.1"
WILDCARDS = ABOUT + "about_wildcards?view=powershell-5.1"
PSSA_NULL = "https://learn.microsoft.com/powershell/utility-modules/psscriptanalyzer/rules/possibleincorrectcomparisonwithnull"


def out(script):
    result = run_script(script)
    assert not result.failed, result
    return result.output


CASES = [
    # (page, script, documented output)
    (COMPARISON, "2 -eq 2", [True]),
    (COMPARISON, "2 -eq 3", [False]),
    (COMPARISON, "'abc' -eq 'abc'", [True]),
    (COMPARISON, "'abc' -eq 'abc', 'def'", [False]),
    (COMPARISON, "'abc' -ne 'def'", [True]),
    (COMPARISON, "'abc' -ne 'abc', 'def'", [True]),
    (COMPARISON, "1,2,3 -eq 2", [2]),
    (COMPARISON, "'abc', 'def' -eq 'abc'", ["abc"]),
    (COMPARISON, "'abc', 'def' -ne 'abc'", ["def"]),
    (COMPARISON, "'zzz', 'def', 'zzz' -eq 'zzz'", ["zzz", "zzz"]),
    (COMPARISON, "$a = (1, 2) -eq 3; $a.GetType().Name; $a.Count", ["Object[]", 0]),
    (COMPARISON, "1 -eq '1.0'", [True]),
    (COMPARISON, "'1.0' -eq 1", [False]),
    (COMPARISON, "$a = 1, 2, $null, 4, $null, 6; $null -ne $a", [True]),
    (COMPARISON, "$a = 1, 2, $null, 4, $null, 6; $a -ne $null", [1, 2, 4, 6]),
    (COMPARISON, "8 -gt 6; 8 -ge 8; 6 -lt 8; 8 -le 8", [True, True, True, True]),
    (COMPARISON, "$a=5, 6, 7, 8, 9; $a -gt 7; $a -le 7", [8, 9, 5, 6, 7]),
    (COMPARISON, "[datetime]'2001-11-12' -lt [datetime]'2020-08-01'", [True]),
    (COMPARISON, "'a' -lt 'z'; 'macOS' -ilt 'MacOS'; 'MacOS' -ilt 'macOS'", [True, False, False]),
    (COMPARISON, "'PowerShell' -like '*shell'; 'PowerShell' -notlike '*shell'", [True, False]),
    (COMPARISON, "'PowerShell' -like 'Power?hell'; 'PowerShell' -like 'Power[p-w]hell'", [True, True]),
    (COMPARISON, "'PowerShell', 'Server' -like '*shell'", ["PowerShell"]),
    (COMPARISON, "'PowerShell', 'Server' -notlike '*shell'", ["Server"]),
    (COMPARISON, "'f??' -like 'f??'; 'for' -like 'f??'; 'f??' -like 'f`?`?'; 'for' -like 'f`?`?'",
     [True, True, True, False]),
    (COMPARISON, "'PowerShell' -match 'shell'; 'PowerShell' -like 'shell'", [True, False]),
    (COMPARISON, "'PowerShell' -match '^Power\\w+'; 'bag' -notmatch 'b[iou]g'", [True, True]),
    (COMPARISON, "'Rhell', 'Chell', 'Mel', 'Smell', 'Shell' -match 'hell'", ["Rhell", "Chell", "Shell"]),
    (COMPARISON, "'Bag', 'Beg', 'Big', 'Bog', 'Bug' -match 'b[iou]g'", ["Big", "Bog", "Bug"]),
    (COMPARISON, "'Bag', 'Beg', 'Big', 'Bog', 'Bug' -notmatch 'b[iou]g'", ["Bag", "Beg"]),
    (COMPARISON, "$string = 'The last logged on user was CONTOSO\\jsmith'\n"
                 "$string -match 'was (?<domain>.+)\\\\(?<user>.+)'\n$Matches.domain\n$Matches.user\n$Matches[0]",
     [True, "CONTOSO", "jsmith", "was CONTOSO\\jsmith"]),
    (COMPARISON, "'book' -ireplace 'B', 'C'; 'book' -creplace 'B', 'C'", ["Cook", "book"]),
    (COMPARISON, "$SearchExp = '^(?<DomainName>[\\w-.]+)\\\\(?<Username>[\\w-.]+)$'\n"
                 "$ReplaceExp = '${Username}@${DomainName}'\n'Contoso.local\\John.Doe' -replace $SearchExp, $ReplaceExp",
     ["John.Doe@Contoso.local"]),
    (COMPARISON, "$1 = 'Goodbye'\n'Hello World' -replace '(\\w+) \\w+', \"$1 Universe\"\n"
                 "'Hello World' -replace '(\\w+) \\w+', '$1 Universe'", ["Goodbye Universe", "Hello Universe"]),
    (COMPARISON, "'5.72' -replace '(.+)', '$ $1'; '5.72' -replace '(.+)', '$$$1'; '5.72' -replace '(.+)', '$$1'",
     ["$ 5.72", "$5.72", "$1"]),
    (COMPARISON, "'B1','B2','B3' -replace 'B', 'a'", ["a1", "a2", "a3"]),
    (COMPARISON, "'abc', 'def' -contains 'def'; 'abc', 'def' -notcontains 'def'", [True, False]),
    (COMPARISON, "'Windows', 'PowerShell' -contains 'Shell'; 'abc', 'def', 'ghi' -contains 'abc', 'def'", [False, False]),
    (COMPARISON, "$a = 'abc', 'def'; 'abc', 'def', 'ghi' -contains $a; $a, 'ghi' -contains $a; "
                 "'abc def', 'ghi' -contains $a", [False, True, True]),
    (COMPARISON, "'def' -in 'abc', 'def'; 'Shell' -notin 'Windows', 'PowerShell'; 'abc', 'def' -in 'abc', 'def', 'ghi'",
     [True, True, False]),
    (COMPARISON, "$a = 'abc', 'def'; $a -in 'abc def', 'ghi'", [True]),
    (PSSA_NULL, "if (@() -eq $null) { 'true' } else { 'false' }", ["false"]),
    (PSSA_NULL, "if ($null -ne @()) { 'true' } else { 'false' }", ["true"]),
    (PSSA_NULL, "(1,2,3,1,2 -eq $null).count; (1,2,$null,3,$null,1,2 -eq $null).count", [0, 2]),
    (SPLIT, '"Lastname:FirstName:Address" -split ":"', ["Lastname", "FirstName", "Address"]),
    (SPLIT, '"Lastname:FirstName:Address" -split "(:)"', ["Lastname", ":", "FirstName", ":", "Address"]),
    (SPLIT, "$c = 'a,b,c','1,2,3,4,5'; $c -split ',', 3", ["a", "b", "c", "1", "2", "3,4,5"]),
    (SPLIT, "'Chocolate-Vanilla-Strawberry-Blueberry' -split '(-)', 3",
     ["Chocolate", "-", "Vanilla", "-", "Strawberry-Blueberry"]),
    (SPLIT, '-split "Windows PowerShell 2.0`nWindows PowerShell with remoting"',
     ["Windows", "PowerShell", "2.0", "Windows", "PowerShell", "with", "remoting"]),
    (SPLIT, '"Mercury,Venus,Earth,Mars,Jupiter,Saturn,Uranus,Neptune" -split \'er\'',
     ["M", "cury,Venus,Earth,Mars,Jupit", ",Saturn,Uranus,Neptune"]),
    (SPLIT, '"Mercury,Venus,Earth,Mars,Jupiter,Saturn,Uranus,Neptune" -csplit \'N\'',
     ["Mercury,Venus,Earth,Mars,Jupiter,Saturn,Uranus,", "eptune"]),
    (SPLIT, '"a,b,c,d,e,f,g,h" -split ",", 3', ["a", "b", "c,d,e,f,g,h"]),
    (SPLIT, '"a,b,c,d,e,f,g,h" -split ",", -3', ["a,b,c,d,e,f", "g", "h"]),
    (SPLIT, '"a,b,c,d", "e,f,g,h" -split ",", 3', ["a", "b", "c,d", "e", "f", "g,h"]),
    (SPLIT, '"This.is.a.test" -split "\\."', ["This", "is", "a", "test"]),
    (SPLIT, '"This.is.a.test" -split ".", 0, "SimpleMatch"', ["This", "is", "a", "test"]),
    (SPLIT, '$i = 1; $c = "LastName, FirstName; Address, City, State, Zip"; $c -split $(if ($i -lt 1) {","} else {";"})',
     ["LastName, FirstName", " Address, City, State, Zip"]),
    (JOIN, '-join ("Windows", "PowerShell", "2.0")', ["WindowsPowerShell2.0"]),
    (JOIN, '"Windows", "PowerShell", "2.0" -join " "', ["Windows PowerShell 2.0"]),
    (JOIN, '$a = "WIND", "S P", "ERSHELL"; $a -join "OW"', ["WINDOWS POWERSHELL"]),
    (JOIN, '-join "a", "b", "c"', ["a", "b", "c"]),
    (JOIN, '$z = "a", "b", "c"; -join $z', ["abc"]),
    (OPERATORS, '"{0} {1,-10} {2:N}" -f 1,"hello",[math]::pi', ["1 hello      3.14"]),
    (OPERATORS, '"{0:00} {1:000} {2:000000}" -f 7, 24, 365', ["07 024 000365"]),
    (OPERATORS, '"{0} vs. {{0}}" -f \'foo\'', ["foo vs. {0}"]),
    (OPERATORS, "$a = 1, 2, 3; $a[0]; $a[-1]; $a[2, 1, 0]", [1, 3, 3, 2, 1]),
    (ARITHMETIC, '6 + 2; "file" + "name"; (@(1, "one") + @(2.0, "two")).Count; (@{"one" = 1} + @{"two" = 2}).Count',
     [8, "filename", 4, 2]),
    (ARITHMETIC, '6 - 2; - -6; 6 * 2; (@("!") * 4).Count; "!" * 3; 6 / 2; 7 % 2', [4, 6, 12, 4, "!!!", 3, 1]),
    (ARITHMETIC, '5 -band 3; -bnot 5; 5 -bor 0x03; 5 -bxor 3', [1, -6, 7, 6]),
    (ARITHMETIC, '3+6/3*4; 3+6/(3*4); (3+6)/3*4', [11, 3.5, 12]),
    (ARITHMETIC, '[int]( 5 / 2 ); [int]( 7 / 2 )', [2, 4]),
    (ARITHMETIC, '2 + 3.1; (2).GetType().FullName; (2 + 3.1).GetType().FullName', [5.1, "System.Int32", "System.Double"]),
    (ARITHMETIC, '$a = 1,2,3; $b = "A","B","C"; $a + $b', [1, 2, 3, "A", "B", "C"]),
    (ARITHMETIC, '(512MB).GetType().FullName; (512MB * 512MB).GetType().FullName', ["System.Int32", "System.Double"]),
    (ARITHMETIC, '"file" + 16; $array = 1,2,3; $array + 16; $array + "file"', ["file16", 1, 2, 3, 16, 1, 2, 3, "file"]),
    (ARITHMETIC, '$hash1 = @{a=1; b=2; c=3}; $hash2 = @{c1="Server01"; c2="Server02"}; ($hash1 + $hash2).Count', [5]),
    (LOGICAL, "(1 -eq 1) -and (1 -eq 2); (1 -eq 1) -or (1 -eq 2); (1 -eq 1) -xor (2 -eq 2); -not (1 -eq 1); !(1 -eq 1)",
     [False, True, False, False, False]),
    (WILDCARDS, "'Apple' -like 'a*'; 'banana' -like 'a*'; 'on' -like '?n'; 'ran' -like '?n'", [True, False, True, False]),
    (WILDCARDS, "'look' -like '[a-l]ook'; 'took' -like '[a-l]ook'; 'cook' -like '[bc]ook'; 'hook' -like '[bc]ook'",
     [True, False, True, False]),
    (WILDCARDS, "'12*4' -like '12`*4'; '1234' -like '12`*4'", [True, False]),
]


@pytest.mark.parametrize("page,script,expected", CASES, ids=["%d" % i for i in range(len(CASES))])
def test_documented_operator_results(page, script, expected):
    assert out(script) == expected, page


def test_match_does_not_set_matches_on_a_collection_or_a_failed_match():
    # about_Comparison_Operators, "-match and -notmatch": $Matches keeps its previous value.
    assert out("'abc' -match 'b' | Out-Null; 'x','y' -match 'x' | Out-Null; 'q' -match 'z' | Out-Null; $Matches[0]") == ["b"]


def test_comparison_failure_is_reported():
    # about_Comparison_Operators, "-gt, -ge, -lt, and -le": "If the two sides of the operators
    # aren't reasonably comparable, these operators raise a non-terminating error."
    result = run_script("1 -lt 'abc'")
    assert result.error_messages and result.error_messages[0].startswith('Could not compare "1" to "abc"')


def test_hashtables_with_a_common_key_do_not_add():
    # about_Arithmetic_Operators: "Item has already been added. Key in dictionary: 'c'  Key being added: 'c'"
    result = run_script("$ErrorActionPreference = 'Stop'; $hash1 = @{a=1; b=2; c=3}; $hash2 = @{c1='Server01'; c='Server02'}; "
                        "$hash1 + $hash2")
    assert result.error_messages == ["Item has already been added. Key in dictionary: 'c'  Key being added: 'c'"]
    # ... and "A hash table can only be added to another hash table."
    assert run_script("$hash1 = @{a=1}; $hash1 + 2").error_messages == ["A hash table can only be added to another hash table."]


def test_a_number_does_not_add_a_string_that_is_not_a_number():
    # about_Arithmetic_Operators: 16 + "file" -> can't convert value "file" to type "System.Int32".
    result = run_script("16 + 'file'")
    assert result.error_messages[0].startswith('Cannot convert value "file" to type "System.Int32".')


def test_division_by_zero():
    # Language specification §7.6.2 (division): "If the value of the right operand is zero, an
    # exception is raised" -- .NET's DivideByZeroException, "Attempted to divide by zero."
    # https://learn.microsoft.com/powershell/scripting/lang-spec/chapter-07
    result = run_script("$ErrorActionPreference = 'Stop'; 1 / 0")
    assert result.failed and result.error_messages == ["Attempted to divide by zero."]


def test_format_with_missing_argument_fails():
    # about_Operators, "Format operator -f" is .NET composite formatting, where a format item whose
    # index is not in the list throws FormatException:
    # https://learn.microsoft.com/dotnet/standard/base-types/composite-formatting
    result = run_script("$ErrorActionPreference = 'Stop'; '{0} {1}' -f 'a'")
    assert result.failed and "Index (zero based)" in result.error_messages[0]
