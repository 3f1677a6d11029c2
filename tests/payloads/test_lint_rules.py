"""The payload lint rules themselves: each must flag the defect it exists for (including the old
payload lines of issue 9) and leave correct PowerShell alone.

Cases come from Microsoft's pages:
  about_Variables  https://learn.microsoft.com/powershell/module/microsoft.powershell.core/about/about_variables
  about_Quoting_Rules https://learn.microsoft.com/powershell/module/microsoft.powershell.core/about/about_quoting_rules
  language specification, chapter 2 (lexical structure)
                   https://learn.microsoft.com/powershell/scripting/lang-spec/chapter-02
  about_Arrays     https://learn.microsoft.com/powershell/module/microsoft.powershell.core/about/about_arrays
"""

import pytest

from lync_lab import psparse

from test_payloads import should_process_problems  # tests/payloads is on sys.path (rootdir conftest-less dir)

# The line of lync_backup_set_remove.ps1 before issue 9 (InvalidVariableReferenceWithDrive).
OLD_BACKUP_SET_REMOVE_LINE = (
    "    if ($id -notmatch '^lync-\\d{8}T\\d{6}Z-[0-9a-f]{6}$') "
    "{ throw \"refusing to remove $id: not a backup set name\" }\n")


@pytest.mark.parametrize("text", [
    OLD_BACKUP_SET_REMOVE_LINE,
    '"$foo: bar"\n',                           # about_Variables / the parser's own message
    '"Computer $ComputerName: running"\n',
    'Write-Output $foo:\n',                    # also outside a string: a command argument
    '$text = "ends with $name:"\n',
    '$a = @"\nline $name: value\n"@\n',        # here-strings expand the same way
    '"${}"\n',                                 # braced variable with no name
    '$a = ${}\n',
    '$a = "${env:}"\n',                        # a drive and no item
    '$a = @" trailing\ntext\n"@\n',            # text after a here-string header
    '$a = @"\ntext\n  "@\n',                   # closing "@ not at the start of a line
    '$a = "abc\n',                             # unterminated string
    '$a = "it\u201ds"\n',                      # a typographic quote ends a string in PowerShell
    '$a = "$item:name"\n',                     # $item:name reads drive item:, not $item
    'Get-Item -Path $p `  \n    -Force\n',     # backtick then spaces: the line does not continue
])
def test_tokenizer_rules_flag_what_powershell_rejects(text):
    assert psparse.tokenizer_errors(text), text
    assert psparse.syntax_errors(text), text


@pytest.mark.parametrize("text", [
    '"${foo}: bar"\n',                         # the fixes about_Variables gives
    '"$($foo): bar"\n',
    '"$foo`: bar"\n',
    '"$env:ProgramData\\lync.server"\n',       # drives and scopes (spec §2.3.6 variable-scope)
    '"$script:count $global:x $local:y $private:z $using:w $variable:v"\n',
    '"${env:ProgramFiles(x86)}"\n',
    "'$foo: not expanded in single quotes'\n",
    "$a = @'\n$foo: literal\n'@\n",
    '"$foo::bar"\n',                           # :: is not a drive separator
    '"cost: $5 and 100$"\n',                   # a $ not followed by a name is literal
    '"${_}: $($_.Name)"\n',
    "switch ($x) { 'a' { 1 } }\n$h = @{ Key = 'v: w' }\n",
    '# "$foo: in a comment"\n<# $bar: in a block comment #>\n',
    "if ($x) { 1 }# don't: a comment after a brace\n",
    'Get-Item -Path $p `\n    -Force\n',
    '$x = "a""b$c""d"\n',
])
def test_tokenizer_rules_leave_valid_powershell_alone(text):
    assert psparse.tokenizer_errors(text) == [], text


def test_the_fixed_backup_set_remove_line_parses():
    fixed = OLD_BACKUP_SET_REMOVE_LINE.replace("$id:", "${id}:")
    assert psparse.tokenizer_errors(fixed) == []


# lync_deploy_status.ps1 before issue 9: one marker gave a string, not a list of one.
OLD_DEPLOY_STATUS = """$markerFolder = Join-Path -Path $env:ProgramData -ChildPath 'lync.server\\recovery'
$markers = if (Test-Path -LiteralPath $markerFolder) { @(Get-ChildItem -LiteralPath $markerFolder -Filter '*.json' |
        ForEach-Object { $_.BaseName }) } else { @() }
$Ansible.Result = @{ Markers = $markers }
"""


@pytest.mark.parametrize("text", [
    OLD_DEPLOY_STATUS,
    "$names = Get-ChildItem -LiteralPath $p | ForEach-Object { $_.Name }\n$first = $names[0]\n",
    "$rows = switch ($k) { 'a' { @(1) } default { @() } }\nif ($rows.Count -gt 0) { }\n",
    "$items = foreach ($x in $list) { $x }\n$items += 'one more'\n",
    "$wanted = if ($a) { @($a) } else { @($b | Sort-Object) }\nforeach ($w in $wanted) { }\n",
    "function Get-State { @(Get-Service | ForEach-Object { $_.Name }) }\n$before = Get-State\n"
    "$Ansible.Result = @{ Before = $before }\n",
])
def test_unrolled_collection_rule_flags_lists_that_unroll(text):
    assert psparse.unrolled_collections(text), text


@pytest.mark.parametrize("text", [
    OLD_DEPLOY_STATUS.replace("$markers = if", "$markers = @(if").replace("else { @() }", "else { @() })"),
    "$markers = @()\nif ($x) { $markers = @(Get-ChildItem -LiteralPath $p | ForEach-Object { $_.BaseName }) }\n"
    "$Ansible.Result = @{ Markers = $markers }\n",
    "$path = Join-Path -Path $a -ChildPath 'b'\n$Ansible.Result = @{ Path = $path }\n",   # a scalar by nature
    "$names = while ($r.Read()) { $r.GetString(0) }\n$Ansible.Result = @{ Names = @($names) }\n",
    "$module = Get-Module -ListAvailable -Name 'Lync' | Select-Object -First 1\nif ($module) { }\n",
])
def test_unrolled_collection_rule_leaves_wrapped_lists_alone(text):
    assert psparse.unrolled_collections(text) == [], text


# lync_host_probe.ps1 before issue 9: Test-ComputerSecureChannel inherits -WhatIf in check mode.
OLD_HOST_PROBE = """# lync-payload: lync_host_probe
[CmdletBinding(SupportsShouldProcess)]
param()
$ErrorActionPreference = 'Stop'
$Ansible.Changed = $false
$secureChannel = [bool](Test-ComputerSecureChannel)
$Ansible.Result = @{ SecureChannel = $secureChannel }
"""


def test_should_process_rule_flags_the_old_host_probe():
    problems = should_process_problems(OLD_HOST_PROBE)
    assert problems and "Test-ComputerSecureChannel" in problems[0]


@pytest.mark.parametrize("line, flagged", [
    ("$ok = Test-ComputerSecureChannel -WhatIf:$false", False),
    ("$ok = Test-ComputerSecureChannel -WhatIf", True),
    ("$ok = Test-ComputerSecureChannel -WhatIf:$true", True),
    ("$t = Test-CsDatabase -ConfiguredDatabases -SqlServerFqdn $s", True),       # Lync: lync-cmdlets.json
    ("$t = Test-CsDatabase -ConfiguredDatabases -SqlServerFqdn $s -WhatIf:$false", False),
    ("$c = Get-CsCertificate", False),
    ("$x = Get-NoSuchWindowsCommand", True),                                       # not in either table
    ("function Get-Mine { 1 }\n$x = Get-Mine", False),                             # the payload's own function
    # ForEach-Object: [-WhatIf] [-Confirm] on its 5.1 page; only the member form calls ShouldProcess (issue 9 probefix)
    ("$n = @($l | ForEach-Object { $_.Name })", False),
    ("$n = @($l | ForEach-Object -Process { $_.Name })", False),
    ("$n = @($l | ForEach-Object -MemberName Delete)", True),
    ("$n = @($l | ForEach-Object Delete)", True),
    ("$n = @($l | ForEach-Object -MemberName Delete -WhatIf:$false)", False),
])
def test_should_process_rule(line, flagged):
    text = OLD_HOST_PROBE.replace("$secureChannel = [bool](Test-ComputerSecureChannel)", line)
    assert bool(should_process_problems(text)) is flagged, should_process_problems(text)


def test_should_process_rule_ignores_payloads_that_do_not_run_in_check_mode():
    text = OLD_HOST_PROBE.replace("[CmdletBinding(SupportsShouldProcess)]", "[CmdletBinding()]")
    assert should_process_problems(text) == []
