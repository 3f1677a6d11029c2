"""Lint rules of issue 9 (probefix): each flags the old payload text it exists for.

about_Comparison_Operators (https://learn.microsoft.com/powershell/module/microsoft.powershell.core/about/about_comparison_operators):
-match/-notmatch are case-insensitive; -cmatch/-cnotmatch are case-sensitive. In .NET regular expressions '$'
also matches before a final newline, '\\z' only at the very end
(https://learn.microsoft.com/dotnet/standard/base-types/anchors-in-regular-expressions).
"""

import pathlib
import re

import pytest

PAYLOADS = pathlib.Path(__file__).resolve().parents[2] / "plugins" / "plugin_utils" / "payloads"

GUARD_RE = re.compile(r"if\s*\(\s*\$\w+\s+-(?P<op>[ci]?notmatch)\s+'(?P<pattern>[^']*)'\s*\)\s*\{\s*throw", re.IGNORECASE)


def validation_guard_problems(text):
    """A name check that guards a throw must be case-sensitive (-cnotmatch) and end with \\z, not '$'."""
    problems = []
    for match in GUARD_RE.finditer(text):
        if not re.match(r"\^|\\A", match.group("pattern")):
            continue  # not a whole-name check
        line = text.count("\n", 0, match.start()) + 1
        if match.group("op").lower() != "cnotmatch":
            problems.append("line %d: -%s is case-insensitive; use -cnotmatch" % (line, match.group("op")))
        if match.group("pattern").endswith("$"):
            problems.append("line %d: '$' also matches before a trailing newline; end the pattern with \\z" % line)
    return problems


@pytest.mark.parametrize("path", sorted(PAYLOADS.glob("*.ps1")), ids=lambda p: p.stem)
def test_validation_guards_are_case_sensitive_and_end_at_z(path):
    problems = validation_guard_problems(path.read_text(encoding="utf-8"))
    assert problems == [], "%s:\n  %s" % (path.name, "\n  ".join(problems))


def test_validation_guard_rule_flags_the_old_backup_set_remove():
    old = ("    if ($id -notmatch '^lync-\\d{8}T\\d{6}Z-[0-9a-f]{6}$') "
           "{ throw \"refusing to remove ${id}: not a backup set name\" }\n")
    assert len(validation_guard_problems(old)) == 2
    assert validation_guard_problems(old.replace("-notmatch '^", "-cnotmatch '\\A").replace("$')", "\\z')")) == []


OLD_SET_REMOVE = """    $path = Join-Path -Path $Root -ChildPath $id
    if (Test-Path -LiteralPath $path) {
        $freed += (Get-ChildItem -LiteralPath $path -Recurse -File -Force | Measure-Object -Property Length -Sum).Sum
"""


def long_path_problems(text):
    """Payloads that walk a whole backup set (Get-ChildItem/Remove-Item -Recurse) get an extended-length root
    from the controller; Join-Path does not keep the \\\\?\\ prefix usable, and -Path would treat [ ] as wildcards."""
    problems = []
    text = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    if re.search(r"-Recurse", text) and re.search(r"Join-Path", text):
        problems.append("Join-Path in a payload that recurses through a set: build the path by concatenation")
    for match in re.finditer(r"(Get-ChildItem|Remove-Item|Test-Path|Rename-Item)\s+-Path\b", text):
        problems.append("%s -Path: use -LiteralPath" % match.group(1))
    return problems


def test_long_path_rule_flags_the_old_backup_set_remove():
    assert long_path_problems(OLD_SET_REMOVE)


@pytest.mark.parametrize("name", ["lync_backup_set_remove", "lync_file_inventory"])
def test_set_walking_payloads_take_long_paths(name):
    assert long_path_problems((PAYLOADS / (name + ".ps1")).read_text(encoding="utf-8")) == []


def substring_guard_problems(text):
    """A relative path cut with .Substring($base) from FullName must first check FullName starts with the root
    (String.StartsWith with StringComparison.OrdinalIgnoreCase), or a child reported under another spelling
    (8.3 name, other case, junction) is cut at the wrong place."""
    if ".Substring($base)" in text and "StartsWith($rootName" not in text:
        return ["FullName.Substring($base) without a StartsWith(..., OrdinalIgnoreCase) check"]
    if ".Substring($base)" in text and "OrdinalIgnoreCase" not in text:
        return ["StartsWith without OrdinalIgnoreCase"]
    return []


def test_substring_guard_flags_the_old_file_inventory():
    old = ("    $base = (Get-Item -LiteralPath $Path -Force).FullName.TrimEnd('\\').Length + 1\n"
           "        @{ Path = $_.FullName.Substring($base).Replace('\\', '/'); Bytes = $_.Length }\n")
    assert substring_guard_problems(old)


@pytest.mark.parametrize("path", sorted(PAYLOADS.glob("*.ps1")), ids=lambda p: p.stem)
def test_relative_paths_are_cut_under_a_checked_root(path):
    assert substring_guard_problems(path.read_text(encoding="utf-8")) == []


# lync_services.ps1 before issue 9 (probefix): under $ErrorActionPreference = 'Stop' the first service that failed
# to start ended the payload (about_Preference_Variables, $ErrorActionPreference "Stop: Displays the error message
# and stops executing", https://learn.microsoft.com/powershell/module/microsoft.powershell.core/about/about_preference_variables).
OLD_SERVICES = """$ErrorActionPreference = 'Stop'
foreach ($name in $Names) {
    if ($State -eq 'started') { Start-CsWindowsService -Name $name -NoWait -Confirm:$false }
}
"""


def service_call_problems(text):
    problems = []
    for number, line in enumerate(text.splitlines(), 1):
        if line.lstrip().startswith("#"):
            continue
        for call in re.findall(r"(?:Start|Stop)-CsWindowsService[^}\n]*", line):
            if not re.search(r"-ErrorVariable\s+\+?\w+", call) or not re.search(r"-ErrorAction\s+(SilentlyContinue|Continue)", call):
                problems.append("line %d: %s without -ErrorAction SilentlyContinue -ErrorVariable: one failing "
                                "service ends the payload" % (number, call.split()[0]))
    return problems


def test_service_call_rule_flags_the_old_services_payload():
    assert service_call_problems(OLD_SERVICES)


def test_service_calls_collect_their_errors():
    """lync_services.ps1 asks several services in a row. (lync_deploy_step.ps1 starts REPLICA alone: there an
    error must fail the step, so it is not held to this rule.)"""
    assert service_call_problems((PAYLOADS / "lync_services.ps1").read_text(encoding="utf-8")) == []


# lync_deploy_status.ps1 before issue 9 (probefix). -ErrorAction "has no effect on terminating errors"
# (about_CommonParameters, https://learn.microsoft.com/powershell/module/microsoft.powershell.core/about/about_commonparameters);
# Join-Path resolves the drive of -Path and throws "Cannot find drive" when the drive does not exist
# (https://learn.microsoft.com/powershell/module/microsoft.powershell.management/join-path: -Resolve aside, the
# FileSystem provider checks the drive), [System.IO.Path]::Combine only joins strings.
OLD_DEPLOY_STATUS = """$bootstrapper = if ($InstallDir) { Join-Path -Path $InstallDir -ChildPath 'Deployment\\Bootstrapper.exe' } else { '' }
$assigned = @()
if ($module) {
    Import-Module $module
    $assigned = @(Get-CsCertificate -ErrorAction SilentlyContinue | ForEach-Object {
        @{ Use = [string]$_.Use; Thumbprint = ([string]$_.Thumbprint).ToUpperInvariant() }
    })
}
"""


def status_probe_problems(text):
    problems = []
    code = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    if "Join-Path" in code:
        problems.append("Join-Path throws 'Cannot find drive' for a missing drive: use [System.IO.Path]::Combine")
    for match in re.finditer(r"Get-Cs\w+[^|\n]*-ErrorAction\s+SilentlyContinue", code):
        problems.append("%s -ErrorAction SilentlyContinue does not silence a terminating error: use try/catch"
                        % match.group(0).split()[0])
    if "Get-CsCertificate" in code and not re.search(r"try\s*\{[^}]*Get-CsCertificate", code, re.S):
        problems.append("Get-CsCertificate outside try/catch")
    return problems


def test_status_probe_rule_flags_the_old_deploy_status():
    assert len(status_probe_problems(OLD_DEPLOY_STATUS)) >= 2


def test_deploy_status_survives_a_missing_drive_and_a_failing_get_cscertificate():
    assert status_probe_problems((PAYLOADS / "lync_deploy_status.ps1").read_text(encoding="utf-8")) == []


# lync_host_probe.ps1 before issue 9 (probefix): the FQDN from Win32_ComputerSystem.Domain, which is the workgroup
# name outside a domain (https://learn.microsoft.com/windows/win32/cimwin32prov/win32-computersystem).
OLD_HOST_PROBE_FQDN = "    Fqdn = ('{0}.{1}' -f $system.DNSHostName, $system.Domain).ToLowerInvariant()\n"


def fqdn_problems(text):
    if re.search(r"Fqdn\s*=.*\$system\.Domain", text):
        return ["Fqdn built from Win32_ComputerSystem.Domain: use the primary DNS suffix"]
    return []


def test_fqdn_rule_flags_the_old_host_probe():
    assert fqdn_problems(OLD_HOST_PROBE_FQDN)


def test_host_probe_builds_the_fqdn_from_the_primary_dns_suffix():
    assert fqdn_problems((PAYLOADS / "lync_host_probe.ps1").read_text(encoding="utf-8")) == []


# lync_dhcp_probe.ps1 before issue 9 (probefix): -ErrorAction SilentlyContinue turned access denied, a stopped
# service or an RPC error into "option absent" and so into false drift.
OLD_DHCP_PROBE = ("            $value = Get-DhcpServerv4OptionValue -ScopeId $scopeId -OptionId $optionId "
                  "-ErrorAction SilentlyContinue\n")


def dhcp_probe_problems(text):
    return ["line %d: a DhcpServer read with -ErrorAction SilentlyContinue hides a refusing server" % n
            for n, line in enumerate(text.splitlines(), 1)
            if re.search(r"Get-DhcpServerv4\w+.*-ErrorAction\s+SilentlyContinue", line)
            and "Get-Command" not in line]  # the module guard (Get-Command -Name ...) may stay silent


def test_dhcp_rule_flags_the_old_probe():
    assert dhcp_probe_problems(OLD_DHCP_PROBE)


def test_dhcp_probe_reads_with_error_action_stop():
    assert dhcp_probe_problems((PAYLOADS / "lync_dhcp_probe.ps1").read_text(encoding="utf-8")) == []
