"""The setup area of the lab boundary (lync_lab/boundary/setup.py): Start-Process and the SQL Server
setup.exe it runs, the registry provider's reads, Get-Content and FileInfo.VersionInfo (boundary/fs.py),
with the payloads lync_sql_install and lync_sql_setup_probe run through the engine.

Pages: Start-Process, Get-ItemProperty, Get-Content, about_Registry_Provider (PowerShell 5.1),
"Install SQL Server from the Command Prompt", "View and read SQL Server setup log files" (cited per test).
Planted defects: each edits a copy of a payload and shows the lab's verdict changing."""

import json
import os
import pathlib
import shutil
import subprocess

import pytest

from lync_lab import boundary, disaster, sqlsetup, winhost, winps
from lync_lab.context import Context

HOST = "sqlbe01.contoso.local"
MEDIA = "\\\\backup01.contoso.local\\LyncMedia\\SQLServer"
CONFIG = MEDIA + "\\ConfigurationFile.ini"
PASSWORD = "lab-Sql-Service-Password-1"
ROOT = pathlib.Path(__file__).parents[2]
KEY = "HKLM:\\SOFTWARE\\Microsoft\\Microsoft SQL Server\\Instance Names\\SQL"


@pytest.fixture
def lab(make_lab, monkeypatch):
    lab = make_lab("enterprise")
    disaster.wipe(lab, HOST)
    monkeypatch.setenv("LYNC_LAB_NET_USER", "CONTOSO\\svc-lyncbackup")  # become runas new_credentials
    return lab


def media_file(lab, name):
    return lab.host_root("backup01.contoso.local").joinpath("D", "LyncMedia", "SQLServer", name)


def session(lab, host=HOST):
    ctx = Context(lab, lab.load(), host, False, [], "test")
    return boundary.open_session(ctx)


def ps(lab, script, host=HOST):
    return session(lab, host).engine.run(script, {})


def run(lab, name, parameters, password=PASSWORD, *, host=HOST, check=False):
    secrets = [{"name": "ServicePassword", "value": password}] if password else None
    args = {"script": winps.payload_text(name), "parameters": parameters, "depth": 12, "sensitive_parameters": secrets}
    return winps.run(args, check, str(lab.state_path), host, [])


def install(lab, instance="RTC", account="CONTOSO\\svc-sqlbe", password=PASSWORD, host=HOST, **extra):
    parameters = {"MediaPath": MEDIA, "ConfigurationFile": CONFIG, "InstanceName": instance, "Quiet": False,
                  "AgentAccount": "NT Service\\" + winhost.sql_service_names(instance)[1]}
    if account:
        parameters["ServiceAccount"] = account
    parameters.update(extra)
    return run(lab, "lync_sql_install", parameters, password, host=host)


def probe(lab, host=HOST):
    return run(lab, "lync_sql_setup_probe", {"MediaPath": MEDIA, "ConfigurationFile": CONFIG}, None, host=host, check=True)


def serve(monkeypatch, tmp_path, name, text):
    """The lab serves `text` as payload `name` (it refuses a script that differs from its payload file)."""
    folder = tmp_path / ("payloads-%d" % len(list(tmp_path.glob("payloads-*"))))
    shutil.copytree(winps.PAYLOAD_DIR, folder)
    (folder / (name + ".ps1")).write_text(text, encoding="utf-8")
    monkeypatch.setattr(winps, "PAYLOAD_DIR", folder)


def planted(monkeypatch, tmp_path, name, old, new):
    text = winps.payload_text(name)
    assert old in text, old
    serve(monkeypatch, tmp_path, name, text.replace(old, new, 1))


def old_payload(name):
    return subprocess.run(["git", "show", "1a7fef5:plugins/plugin_utils/payloads/%s.ps1" % name], capture_output=True,
                          text=True, check=True, cwd=ROOT).stdout


def test_both_payloads_run_through_the_engine():
    assert {"lync_sql_install", "lync_sql_setup_probe"} <= boundary.engine_payloads()
    twins = ROOT / "tests" / "lab" / "lync_lab" / "twins"
    assert not (twins / "lync_sql_install.py").exists() and not (twins / "lync_sql_setup_probe.py").exists()


# --- Start-Process, bound as documented -----------------------------------------------------------
# https://learn.microsoft.com/powershell/module/microsoft.powershell.management/start-process?view=powershell-5.1

@pytest.mark.parametrize("script, message", [
    ("Start-Process -FilePath C:\\x.exe -Bogus", "A parameter cannot be found that matches parameter name 'Bogus'."),
    ("Start-Process", "Cannot process command because of one or more missing mandatory parameters: FilePath."),
    ("Start-Process -FilePath @('a','b')", "Cannot convert 'System.Object[]' to the type 'System.String' required by "
                                           "parameter 'FilePath'. Specified method is not supported."),
    ("Start-Process -FilePath C:\\nope\\setup.exe -Wait",
     "This command cannot be run due to the error: The system cannot find the file specified."),
])
def test_start_process_binds_and_fails_as_documented(lab, script, message):
    assert ps(lab, script).error_messages == [message]


def test_start_process_joins_the_argument_list_with_spaces(lab):
    """"The cmdlet joins the array into a single string with each element of the array separated by a single
    space": a value with a space and no quotes reaches setup as two arguments, and setup refuses the second."""
    script = ("$p = Start-Process -FilePath '%s\\setup.exe' -ArgumentList '/Q', '/INSTANCENAME=A B' -Wait -PassThru; "
              "$p.ExitCode" % MEDIA)
    result = ps(lab, script)
    assert result.output == [sqlsetup_code("INVALID_SETTING")]
    summary = lab.host_root(HOST).joinpath("C", "Program Files", "Microsoft SQL Server", "110", "Setup Bootstrap", "Log",
                                           "Summary.txt").read_text()
    assert "The command line parameter 'B' is not valid." in summary


def sqlsetup_code(name):
    from lync_lab.boundary import setup
    return getattr(setup, name)


def test_without_wait_the_process_has_no_exit_code_yet(lab):
    """Process.ExitCode is known once the process has exited
    (https://learn.microsoft.com/dotnet/api/system.diagnostics.process.exitcode); without -Wait, Start-Process
    returns at once."""
    script = ("$p = Start-Process -FilePath '%s\\setup.exe' -ArgumentList '/Q' -PassThru; "
              "$null -eq $p.ExitCode; $p.HasExited; [void]$p.WaitForExit(); $p.HasExited; $p.ExitCode -ne 0" % MEDIA)
    assert ps(lab, script).output == [True, False, True, True]


def test_without_passthru_start_process_writes_nothing(lab):
    assert ps(lab, "Start-Process -FilePath '%s\\setup.exe' -ArgumentList '/Q' -Wait" % MEDIA).output == []


def test_a_media_share_without_network_credentials_cannot_be_started(lab, monkeypatch):
    monkeypatch.delenv("LYNC_LAB_NET_USER")
    assert ps(lab, "Start-Process -FilePath '%s\\setup.exe' -Wait" % MEDIA).error_messages == [
        "This command cannot be run due to the error: Access is denied."]


# --- the registry provider ------------------------------------------------------------------------
# https://learn.microsoft.com/powershell/module/microsoft.powershell.core/about/about_registry_provider?view=powershell-5.1

def test_registry_reads_follow_the_provider(make_lab):
    lab = make_lab("enterprise")
    result = ps(lab, "Test-Path -LiteralPath '%s'; Test-Path -LiteralPath '%s' -PathType Leaf; "
                     "Test-Path -LiteralPath 'HKLM:\\SOFTWARE\\Nope'; (Get-Item -LiteralPath '%s').Property; "
                     "(Get-ItemProperty -LiteralPath '%s').RTC; "
                     "(Get-ItemProperty -Path 'Registry::HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Microsoft SQL Server\\*"
                     "\\Setup').Version" % (KEY, KEY, KEY, KEY), "sqlbe01.contoso.local")
    assert result.output == [True, False, False, "RTC", "MSSQL11.RTC", "11.0.7001.0"], result.error_messages


def test_get_item_property_fails_as_documented(make_lab):
    lab = make_lab("enterprise")
    result = ps(lab, "Get-ItemProperty -LiteralPath 'HKLM:\\SOFTWARE\\Nope'; Get-ItemProperty -LiteralPath '%s' -Name Nope; "
                     "Get-ItemProperty -Path 'HKLM:\\SOFTWARE\\No*'" % KEY)
    assert result.error_messages == [
        "Cannot find path 'HKLM:\\SOFTWARE\\Nope' because it does not exist.",
        "Property Nope does not exist at path HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Microsoft SQL Server\\Instance "
        "Names\\SQL."]
    assert result.output == []


def test_a_default_instance_is_mssqlserver_in_the_registry_and_its_services(lab):
    """A default instance's services are MSSQLSERVER and SQLSERVERAGENT
    (https://learn.microsoft.com/sql/t-sql/functions/servicename-transact-sql); its instance ID MSSQL11.MSSQLSERVER."""
    done = install(lab, instance="MSSQLSERVER", AgentAccount="NT Service\\SQLSERVERAGENT")
    assert not done["failed"], done
    record = lab.load()["hosts"][HOST]
    assert {"MSSQLSERVER", "SQLSERVERAGENT"} <= set(record["services"])
    assert ps(lab, "(Get-ItemProperty -LiteralPath '%s').MSSQLSERVER" % KEY).output == ["MSSQL11.MSSQLSERVER"]
    found = probe(lab)["result"]["Instances"]
    assert found == [{"Name": "MSSQLSERVER", "Id": "MSSQL11.MSSQLSERVER", "Version": "11.0.7001.0",
                      "Edition": "Enterprise Edition"}]


@pytest.mark.parametrize("reason, shown", [
    ("Windows Update", ["Windows Update"]), ("features", ["Component Based Servicing"]),
    ("SQL Server setup", ["pending file rename operations"]), ("domain join", []),
])
def test_a_pending_restart_shows_where_windows_keeps_it(lab, reason, shown):
    """Component Based Servicing\\RebootPending, Auto Update\\RebootRequired, PendingFileRenameOperations
    (https://learn.microsoft.com/troubleshoot/windows-server/installing-updates-features-roles/determine-pending-restart);
    a domain join waits in Netlogon, which the probe does not read (SQL setup's own rule still refuses)."""
    with lab.locked() as state:
        winhost.pending(state["hosts"][HOST], reason)
    assert probe(lab)["result"]["PendingReboot"] == shown
    done = install(lab)
    assert done["failed"] and "Rule RebootRequiredCheck failed" in json.dumps(done)


# --- Get-Content and VersionInfo (boundary/fs.py) -------------------------------------------------

def test_get_content_reads_lines_and_raw(lab):
    """https://learn.microsoft.com/powershell/module/microsoft.powershell.management/get-content?view=powershell-5.1"""
    media_file(lab, "t.txt").write_bytes(b"one\r\ntwo\r\n")
    path = MEDIA + "\\t.txt"
    result = ps(lab, "@(Get-Content -LiteralPath '%s').Count; Get-Content -LiteralPath '%s' -Raw; "
                     "Get-Content -LiteralPath '%s' -TotalCount 1; Get-Content -LiteralPath '%s'" % (path, path, path, MEDIA))
    assert result.output == [2, "one\r\ntwo\r\n", "one"]
    assert result.error_messages == ["Unable to get content because it is a directory: '%s'. Please use 'Get-ChildItem' "
                                     "instead." % MEDIA]


def test_version_info_is_the_files_version_resource(lab):
    """FileInfo.VersionInfo (https://learn.microsoft.com/dotnet/api/system.diagnostics.fileversioninfo): a file without
    a version resource has no ProductVersion."""
    media_file(lab, "readme.txt").write_text("no version here")
    result = ps(lab, "(Get-Item -LiteralPath '%s\\setup.exe').VersionInfo.ProductVersion; "
                     "$null -eq (Get-Item -LiteralPath '%s\\readme.txt').VersionInfo.ProductVersion" % (MEDIA, MEDIA))
    assert result.output == ["11.0.7001.0", True]


# --- setup.exe per "Install SQL Server from the Command Prompt" -----------------------------------
# https://learn.microsoft.com/sql/database-engine/install-windows/install-sql-server-from-the-command-prompt

def _ini(lab, *lines, drop=()):
    path = media_file(lab, "ConfigurationFile.ini")
    text = "".join(line for line in path.read_text().splitlines(True) if not line.startswith(tuple(drop)))
    path.write_text(text.replace("[OPTIONS]\n", "[OPTIONS]\n" + "".join(line + "\n" for line in lines)))


@pytest.mark.parametrize("edit, message", [
    (lambda lab: _ini(lab, drop=("IACCEPTSQLSERVERLICENSETERMS",)),
     None),  # the payload passes /IACCEPTSQLSERVERLICENSETERMS itself
    (lambda lab: _ini(lab, 'SQLSVCINSTANTFILEINIT="True"'), "The setting 'SQLSVCINSTANTFILEINIT' specified is not recognized."),
    (lambda lab: _ini(lab, 'SECURITYMODE="SQL"'), "The sa password (SAPWD) is required when SECURITYMODE is SQL."),
    (lambda lab: _ini(lab, 'AGTSVCACCOUNT="NT Service\\SQLAgent$LYNC"', drop=()), None),  # the payload's /AGTSVCACCOUNT wins
    (lambda lab: _ini(lab, 'ACTION="Upgrade"', drop=("ACTION",)), "The setting 'ACTION' must be Install"),
])
def test_setup_applies_its_rules_to_file_and_command_line(lab, edit, message):
    edit(lab)
    done = install(lab)
    if message is None:
        assert not done["failed"], done
        assert lab.load()["hosts"][HOST]["sql"]["RTC"]["service_account"] == "CONTOSO\\svc-sqlbe"
    else:
        assert done["failed"] and message in json.dumps(done), done
        assert "RTC" not in lab.load()["hosts"][HOST].get("sql", {})


def test_setup_2016_and_later_know_instant_file_initialization(lab):
    media_file(lab, "setup.exe").write_bytes(sqlsetup.media_bytes("13.0.5026.0"))
    _ini(lab, 'SQLSVCINSTANTFILEINIT="True"')
    done = install(lab)
    assert not done["failed"], done
    assert lab.load()["hosts"][HOST]["sql"]["RTC"]["data_dir"].startswith(
        "C:\\Program Files\\Microsoft SQL Server\\MSSQL13.RTC\\")


def test_unattended_setup_needs_the_license_accepted(lab, monkeypatch, tmp_path):
    _ini(lab, drop=("IACCEPTSQLSERVERLICENSETERMS",))
    planted(monkeypatch, tmp_path, "lync_sql_install", "    '/IACCEPTSQLSERVERLICENSETERMS'\n", "")
    planted(monkeypatch, tmp_path, "lync_sql_install", "('/INSTANCEID=\"{0}\"' -f $InstanceName),",
            "('/INSTANCEID=\"{0}\"' -f $InstanceName)")
    done = install(lab)
    assert done["failed"] and "The /IAcceptSQLServerLicenseTerms command line parameter is missing" in json.dumps(done)


def test_the_failure_names_this_runs_summary(lab):
    """Summary.txt under %programfiles%\\Microsoft SQL Server\\<nnn>\\Setup Bootstrap\\Log
    (https://learn.microsoft.com/sql/database-engine/install-windows/view-and-read-sql-server-setup-log-files)."""
    done = install(lab, password="not-the-password")
    text = done["error"][0]["exception"]["message"]
    assert text.startswith("SQL Server setup for instance RTC ended with exit code -2068578304. ")
    assert "Exit facility code:            1204" in text
    assert "The credentials you provided for the SQL Server Database Engine service are invalid" in text
    assert text.endswith("(log: C:\\Program Files\\Microsoft SQL Server\\110\\Setup Bootstrap\\Log\\Summary.txt)")
    assert "not-the-password" not in json.dumps(done) and "RTC" not in lab.load()["hosts"][HOST].get("sql", {})


def test_another_instances_virtual_agent_account_is_refused(lab):
    done = install(lab, AgentAccount="NT Service\\SQLAgent$LYNC")
    assert done["failed"] and "The credentials you provided for the SQL Server Agent service are invalid" in \
        json.dumps(done)


# --- planted defects: the lab sees them -----------------------------------------------------------

@pytest.mark.parametrize("old, new", [
    ("$exitCode = [int]$process.ExitCode", "$exitCode = [int]$process.ExitCod"),              # a misspelled member
    ("-Wait -PassThru -NoNewWindow", "-PassThru -NoNewWindow"),                               # a dropped switch
    ("('/SQLSVCPASSWORD=\"{0}\"' -f [System.Runtime.InteropServices.Marshal]::PtrToStringBSTR($pointer))",
     "'/SQLSVCPASSWORD=\"$ServicePassword\"'"),                                              # a string that is not the secret
])
def test_planted_install_defects_hide_or_cause_a_failure(lab, monkeypatch, tmp_path, old, new):
    planted(monkeypatch, tmp_path, "lync_sql_install", old, new)
    right, wrong = install(lab), None
    if not right["failed"]:  # the defect hides setup's failure: a wrong password "succeeds"
        disaster.wipe(lab, HOST)
        wrong = install(lab, password="not-the-password")
        assert not wrong["failed"] and "RTC" not in lab.load()["hosts"][HOST].get("sql", {})
    else:
        assert "The credentials you provided" in json.dumps(right)


def test_planted_install_defect_a_typo_d_variable_installs_under_the_wrong_account(lab, monkeypatch, tmp_path):
    planted(monkeypatch, tmp_path, "lync_sql_install", "-f $ServiceAccount)", "-f $ServiceAcount)")
    done = install(lab)
    assert not done["failed"], done
    # /SQLSVCACCOUNT="" : setup falls back to the virtual account; test_sql_install's account assertion fails
    assert lab.load()["hosts"][HOST]["sql"]["RTC"]["service_account"] == "NT Service\\MSSQL$RTC"


@pytest.mark.parametrize("defect", [
    (".VersionInfo.ProductVersion", ".VersionInfo.ProductVersoin", lambda r: r["SetupFound"] is False),
    ("(Get-Item -LiteralPath $namesKey).Property", "(Get-Item -LiteralPath $namesKey).Properties",
     lambda r: r["Instances"] == []),
    ("$settings[$key] = $Matches[2]", "$settings[$key] = $Matches[1]", lambda r: r["Settings"]["ACTION"] == "ACTION"),
    ("WindowsUpdate\\Auto Update\\RebootRequired", "WindowsUpdate\\AutoUpdate\\RebootRequired",
     lambda r: r["PendingReboot"] == []),
])
def test_planted_probe_defects_change_what_the_plugin_decides(make_lab, monkeypatch, tmp_path, defect):
    old, new, check = defect
    lab = make_lab("enterprise")  # sqlbe01 has RTC; Windows Update waits for a restart
    with lab.locked() as state:
        winhost.pending(state["hosts"][HOST], "Windows Update")
    monkeypatch.setenv("LYNC_LAB_NET_USER", "CONTOSO\\svc-lyncbackup")
    right = probe(lab)["result"]
    assert right["SetupFound"] and right["Instances"][0]["Name"] == "RTC" and right["Settings"]["ACTION"] == "Install"
    assert right["PendingReboot"] == ["Windows Update"]
    planted(monkeypatch, tmp_path, "lync_sql_setup_probe", old, new)
    assert check(probe(lab)["result"])


# --- the payloads as they were at 1a7fef5 (issue 9's defects) -------------------------------------

def test_old_probe_did_not_read_uimode_so_the_plugin_let_setup_fail(lab, monkeypatch, tmp_path):
    """Issue 9: UIMODE and AGTSVCACCOUNT were not read back; the plugin could not refuse a file setup refuses."""
    _ini(lab, 'UIMODE="Normal"')
    assert probe(lab)["result"]["Settings"]["UIMODE"] == "Normal"
    serve(monkeypatch, tmp_path, "lync_sql_setup_probe", old_payload("lync_sql_setup_probe"))
    assert "UIMODE" not in probe(lab)["result"]["Settings"]


def test_old_install_blamed_an_older_summary(lab, monkeypatch, tmp_path):
    """Issue 9: the failure message took the newest Summary.txt even when this run wrote none."""
    log = lab.host_root(HOST).joinpath("C", "Program Files", "Microsoft SQL Server", "110", "Setup Bootstrap", "Log")
    log.mkdir(parents=True)
    (log / "Summary.txt").write_text("  Exit message:                  an earlier run's failure\r\n")
    os.utime(log / "Summary.txt", (1, 1))
    media_file(lab, "setup.exe").write_bytes(b"MZ not SQL Server media")  # exits 1, writes no log
    done = install(lab)
    assert done["failed"] and "no Summary.txt from this run" in json.dumps(done)
    serve(monkeypatch, tmp_path, "lync_sql_install", old_payload("lync_sql_install"))
    parameters = {"MediaPath": MEDIA, "ConfigurationFile": CONFIG, "InstanceName": "RTC", "Quiet": False,
                  "ServiceAccount": "CONTOSO\\svc-sqlbe"}
    done = run(lab, "lync_sql_install", parameters)
    assert done["failed"] and "an earlier run's failure" in json.dumps(done)


def test_old_install_passed_no_agent_account_so_the_files_one_reached_setup(lab, monkeypatch, tmp_path):
    """Issue 9: a shared file naming another instance's Agent account installed this one under it."""
    _ini(lab, 'AGTSVCACCOUNT="NT Service\\SQLAgent$LYNC"')
    assert not install(lab)["failed"]
    disaster.wipe(lab, HOST)
    serve(monkeypatch, tmp_path, "lync_sql_install", old_payload("lync_sql_install"))
    parameters = {"MediaPath": MEDIA, "ConfigurationFile": CONFIG, "InstanceName": "RTC", "Quiet": False,
                  "ServiceAccount": "CONTOSO\\svc-sqlbe"}
    done = run(lab, "lync_sql_install", parameters)
    assert done["failed"] and "SQL Server Agent service are invalid" in json.dumps(done)


def test_setup_leaves_its_log_folder_without_the_passwords(lab):
    """Setup Bootstrap\\Log\\<yyyyMMdd_HHmmss> holds Summary_<machine>_<date>.txt and the ConfigurationFile.ini it ran
    with (https://learn.microsoft.com/sql/database-engine/install-windows/view-and-read-sql-server-setup-log-files);
    the password given on the command line is in no file of the lab."""
    assert not install(lab)["failed"]
    log = lab.host_root(HOST).joinpath("C", "Program Files", "Microsoft SQL Server", "110", "Setup Bootstrap", "Log")
    ini = list(log.rglob("ConfigurationFile.ini"))
    assert len(ini) == 1 and 'INSTANCEID="RTC"' in ini[0].read_text() and 'SQLSVCACCOUNT="CONTOSO\\svc-sqlbe"' in \
        ini[0].read_text()
    assert len(list(log.glob("*/Summary_SQLBE01_*.txt"))) == 1
    for path in lab.fs_root.rglob("*"):  # the hosts' disks (the inventory holds the vaulted value)
        if path.is_file():
            assert PASSWORD.encode() not in path.read_bytes(), path
