"""Static checks over the Test-CsDatabase / Install-CsDatabase payloads (issue 9, dbfix).

* [bool] of a string is $true for any non-empty string, 'False' included
  (https://learn.microsoft.com/powershell/module/microsoft.powershell.core/about/about_booleans):
  Succeed is compared with $true.
* Install-CsDatabase -ConfiguredDatabases acts on every instance of the server unless -ForInstance or
  -ForDefaultInstance keeps it to one (https://learn.microsoft.com/powershell/module/skype/install-csdatabase).
"""

import pathlib
import re

PAYLOADS = pathlib.Path(__file__).resolve().parents[2] / "plugins" / "plugin_utils" / "payloads"
OLD_STATUS = "DatabaseName = [string]$_.DatabaseName; Succeed = [bool]$_.Succeed }"
OLD_INSTALL = "\n".join([
    "elseif ($Mode -eq 'configured') {",
    "    Install-CsDatabase -ConfiguredDatabases -SqlServerFqdn $SqlServerFqdn -Clean:$Clean -Confirm:$false",
    "}",
])


def bool_cast_succeed(script):
    return bool(re.search(r"\[bool\]\s*\$_\.Succeed", script, re.I))


def configured_without_instance_filter(script):
    lines = [line for line in script.splitlines() if re.search(r"Install-CsDatabase\s+-ConfiguredDatabases", line)]
    return not any("-ForInstance" in line for line in lines) or not any("-ForDefaultInstance" in line for line in lines)


def test_succeed_is_compared_with_true():
    for name in ("lync_database_status", "lync_recovery_check"):
        assert not bool_cast_succeed((PAYLOADS / (name + ".ps1")).read_text(encoding="utf-8")), name


def test_old_bool_cast_is_flagged():
    assert bool_cast_succeed(OLD_STATUS)


def test_configured_install_can_keep_to_one_instance():
    assert not configured_without_instance_filter((PAYLOADS / "lync_database_install.ps1").read_text(encoding="utf-8"))


def test_old_configured_install_is_flagged():
    assert configured_without_instance_filter(OLD_INSTALL)


def test_status_returns_versions():
    text = (PAYLOADS / "lync_database_status.ps1").read_text(encoding="utf-8")
    assert "ExpectedVersion = [string]$_.ExpectedVersion" in text and "InstalledVersion = [string]$_.InstalledVersion" in text
