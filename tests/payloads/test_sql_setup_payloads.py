"""Static checks over the SQL Server setup payloads (lync_sql_install, lync_sql_setup_probe).

Each rule has a regression test over the defective text of 1a7fef5, inline.
Microsoft's pages:
* setup.exe parameters (INSTANCEID, AGTSVCACCOUNT, SQLSYSADMINACCOUNTS, /Q and UIMODE),
  https://learn.microsoft.com/sql/database-engine/install-windows/install-sql-server-from-the-command-prompt
* setup's log files (Summary.txt is rewritten by every run of setup),
  https://learn.microsoft.com/sql/database-engine/install-windows/view-and-read-sql-server-setup-log-files
"""

import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[2]
PAYLOADS = ROOT / "plugins" / "plugin_utils" / "payloads"

OLD_SUMMARY = "\n".join([
    "$process = Start-Process -FilePath $setupExe -ArgumentList $arguments -Wait -PassThru -NoNewWindow",
    "$summary = Get-ChildItem -Path (Join-Path -Path $env:ProgramFiles -ChildPath 'Microsoft SQL Server\\*\\Setup "
    "Bootstrap\\Log\\Summary.txt') -ErrorAction SilentlyContinue |",
    "    Sort-Object -Property LastWriteTime -Descending | Select-Object -First 1",
])
OLD_WANTED = ("$wantedKeys = 'ACTION', 'FEATURES', 'INSTANCENAME', 'INSTANCEID', 'QUIET', 'QUIETSIMPLE', 'SQLSVCACCOUNT',\n"
              "    'SQLSYSADMINACCOUNTS', 'INSTANCEDIR', 'SQLCOLLATION', 'IACCEPTSQLSERVERLICENSETERMS'")
OLD_ARGUMENTS = "\n".join([
    "$arguments = @(",
    "    ('/ConfigurationFile=\"{0}\"' -f $ConfigurationFile),",
    "    ('/INSTANCENAME=\"{0}\"' -f $InstanceName),",
    "    '/IACCEPTSQLSERVERLICENSETERMS'",
    ")",
])


def stale_summary(script):
    """A Summary.txt lookup that does not keep to files written since a time taken before Start-Process."""
    if "Summary.txt" not in script:
        return False
    start = re.search(r"\$(\w+)\s*=\s*Get-Date\b", script)
    launch = re.search(r"=\s*Start-Process\b", script)
    if not start or not launch or start.start() > launch.start():
        return True
    return not re.search(r"LastWriteTime\s+-ge\s+\$%s\b" % re.escape(start.group(1)), script)


def missing_probe_keys(script):
    match = re.search(r"\$wantedKeys\s*=\s*((?:'[A-Z_]+'\s*,?\s*)+)", script)
    keys = set(re.findall(r"'([A-Z_]+)'", match.group(1))) if match else set()
    return {"INSTANCEID", "AGTSVCACCOUNT", "UIMODE", "SQLSYSADMINACCOUNTS", "QUIET", "QUIETSIMPLE"} - keys


def missing_per_instance_arguments(script):
    return [key for key in ("INSTANCEID", "AGTSVCACCOUNT") if "'/%s=\"{0}\"'" % key not in script]


def test_summary_txt_only_from_this_run():
    assert not stale_summary((PAYLOADS / "lync_sql_install.ps1").read_text(encoding="utf-8"))
    assert "no Summary.txt from this run" in (PAYLOADS / "lync_sql_install.ps1").read_text(encoding="utf-8")


def test_old_summary_lookup_is_flagged():
    assert stale_summary(OLD_SUMMARY)


def test_probe_reads_the_per_instance_and_quiet_settings():
    assert not missing_probe_keys((PAYLOADS / "lync_sql_setup_probe.ps1").read_text(encoding="utf-8"))


def test_old_probe_keys_are_flagged():
    assert missing_probe_keys(OLD_WANTED) == {"AGTSVCACCOUNT", "UIMODE"}


def test_install_passes_per_instance_values():
    assert not missing_per_instance_arguments((PAYLOADS / "lync_sql_install.ps1").read_text(encoding="utf-8"))


def test_old_arguments_are_flagged():
    assert missing_per_instance_arguments(OLD_ARGUMENTS) == ["INSTANCEID", "AGTSVCACCOUNT"]
