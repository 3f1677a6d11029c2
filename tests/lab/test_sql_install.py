"""lync_sql_install against the lab: SQL Server from the media share onto a wiped database server."""

import pathlib
import shutil
import subprocess

import pytest

from lync_lab import disaster, seed, sqlsetup, winhost, winps

PLAYBOOK = pathlib.Path(__file__).parent / "playbooks" / "sql_install.yml"
TASK = "Install SQL Server"
HOST = "sqlbe01.contoso.local"
MEDIA = ("backup01.contoso.local", "D", "LyncMedia", "SQLServer")


def media_file(lab, name):
    host, drive, *rest = MEDIA
    return lab.host_root(host).joinpath(drive, *rest, name)


@pytest.fixture
def wiped(make_lab):
    lab = make_lab("enterprise")
    disaster.wipe(lab, HOST)
    return lab


def test_installs_the_pinned_instance_then_leaves_it_alone(wiped, run_playbook):
    password = "lab-Sql-Service-Password-1"
    run = run_playbook(wiped, PLAYBOOK, "-vvvv", extra_vars={"target": HOST})
    assert run.rc == 0, run.output
    result = run.result(TASK, HOST)["result"]
    assert result["changed"] is True and result["exit_code"] == 0 and result["release"] == "SQL Server 2012"
    instance = wiped.load()["hosts"][HOST]["sql"]["RTC"]
    assert instance["version"] == seed.SQL_MEDIA["lync2013"] and instance["databases"] == {}
    assert instance["service_account"] == "CONTOSO\\svc-sqlbe"
    assert password not in run.output and password not in str(run.records)
    again = run_playbook(wiped, PLAYBOOK, extra_vars={"target": HOST})
    assert again.rc == 0 and again.result(TASK, HOST)["result"]["changed"] is False


def test_check_mode_changes_nothing(wiped, run_playbook):
    before = seed.snapshot(wiped)
    run = run_playbook(wiped, PLAYBOOK, "--check", extra_vars={"target": HOST})
    assert run.rc == 0 and run.result(TASK, HOST)["result"]["changed"] is True
    assert seed.snapshot(wiped) == before


def _stray_instance(lab):
    with lab.locked() as state:
        state["hosts"][HOST]["sql"]["SQLEXPRESS"] = {"version": "11.0.7001.0", "edition": "Express Edition",
                                                     "service_state": "running", "databases": {}}


def _pending_reboot(lab):
    with lab.locked() as state:
        state["hosts"][HOST]["pending_reboot"] = ["Windows Update"]


def _other_instance_in_file(lab):
    path = media_file(lab, "ConfigurationFile.ini")
    path.write_text(path.read_text().replace("[OPTIONS]\n", '[OPTIONS]\nINSTANCENAME="LYNC"\n'))


def _file_line(line):
    def edit(lab):
        path = media_file(lab, "ConfigurationFile.ini")
        path.write_text(path.read_text().replace("[OPTIONS]\n", "[OPTIONS]\n%s\n" % line))
    return edit


def _no_sysadmins(lab):
    path = media_file(lab, "ConfigurationFile.ini")
    path.write_text("".join(line for line in path.read_text().splitlines(True)
                            if not line.startswith("SQLSYSADMINACCOUNTS")))


def _unsupported_release(lab):
    media_file(lab, "setup.exe").write_bytes(sqlsetup.media_bytes("12.0.6024.0"))


@pytest.mark.parametrize("break_it, extra, message", [
    (_stray_instance, {}, "instance(s) SQLEXPRESS, which the pins do not name"),
    (_pending_reboot, {}, "Windows waits for a restart (Windows Update)"),
    (_other_instance_in_file, {}, "installs instance LYNC, but the pinned instance is RTC"),
    (_unsupported_release, {}, "SQL Server 2014 is not supported for Lync Server 2013 back ends"),
    (_file_line('INSTANCEID="LYNC"'), {}, "the configuration file's INSTANCEID is LYNC, another instance's"),
    (_file_line('AGTSVCACCOUNT="NT Service\\SQLAgent$LYNC"'), {}, "the Agent account of another instance"),
    (_file_line('UIMODE="Normal"'), {}, "the configuration file sets UIMODE"),
    (_no_sysadmins, {}, "the configuration file has no SQLSYSADMINACCOUNTS"),
    (None, {"use_become": False}, "setup.exe was not found in the installation media folder (or this session cannot "
                                  "read it: a media share on another server needs network credentials"),
    (None, {"service_password": ""}, "the service account CONTOSO\\svc-sqlbe needs its password"),
    (None, {"configuration_file": "\\\\backup01.contoso.local\\LyncMedia\\SQLServer\\Missing.ini"},
     "the configuration file was not found"),
])
def test_refuses_with_the_reason_and_changes_nothing(wiped, run_playbook, break_it, extra, message):
    if break_it:
        break_it(wiped)
    before = seed.snapshot(wiped)
    run = run_playbook(wiped, PLAYBOOK, extra_vars=dict({"target": HOST}, **extra))
    assert run.rc != 0
    msg = run.result(TASK, HOST)["result"]["msg"]
    assert msg.startswith("lync_sql_install on %s, instance RTC: " % HOST) and message in msg, msg
    assert seed.snapshot(wiped) == before


def test_second_pinned_instance_beside_the_first(wiped, run_playbook):
    host = "sqlmon01.contoso.local"
    disaster.wipe(wiped, host)
    for instance in ("RTC", "PCHAT"):
        run = run_playbook(wiped, PLAYBOOK, extra_vars={"target": host, "instance": instance, "allowed": ["RTC", "PCHAT"]})
        assert run.rc == 0, run.output
    assert set(wiped.load()["hosts"][host]["sql"]) == {"RTC", "PCHAT"}


def test_a_service_password_ending_in_a_backslash_reaches_setup_unchanged(wiped, run_playbook):
    """setup.exe splits its command line by the C runtime rules: "p@ss\\" would make the closing quote
    literal (https://learn.microsoft.com/cpp/c-language/parsing-c-command-line-arguments). The lab's setup
    splits the joined -ArgumentList the same way and checks the password it reads with the domain."""
    password = "p@ss\\"
    with wiped.locked() as state:
        state["ad"]["accounts"]["svc-sqlbe"]["password_sha256"] = winhost.password_hash(password)
    run = run_playbook(wiped, PLAYBOOK, extra_vars={"target": HOST, "service_password": password})
    assert run.rc == 0, run.output
    assert wiped.load()["hosts"][HOST]["sql"]["RTC"]["service_account"] == "CONTOSO\\svc-sqlbe"


def _run_payload(lab, script, host, **parameters):
    args = {"script": script, "parameters": parameters, "depth": 12, "sensitive_parameters": None}
    return winps.run(args, False, str(lab.state_path), host, [])


OLD_PAYLOAD = "plugins/plugin_utils/payloads/lync_sql_install.ps1"


def _serve(monkeypatch, tmp_path, text):
    """The lab serves `text` as lync_sql_install.ps1 (it refuses a script that differs from its payload)."""
    folder = tmp_path / "payloads"
    shutil.copytree(winps.PAYLOAD_DIR, folder)
    (folder / "lync_sql_install.ps1").write_text(text, encoding="utf-8")
    monkeypatch.setattr(winps, "PAYLOAD_DIR", folder)
    return text


def test_lab_setup_refuses_a_second_instance_with_another_instances_id(wiped, run_playbook, monkeypatch, tmp_path):
    """A wizard-made ConfigurationFile.ini holds INSTANCEID; the payload before issue 9 did not override it,
    so the second instance installed from the shared file took the first one's ID. The instance ID names the
    instance's folders and registry key and must be unique
    (https://learn.microsoft.com/sql/database-engine/install-windows/install-sql-server-from-the-command-prompt)."""
    host = "sqlmon01.contoso.local"
    disaster.wipe(wiped, host)
    run = run_playbook(wiped, PLAYBOOK, extra_vars={"target": host, "instance": "RTC", "allowed": ["RTC", "PCHAT"]})
    assert run.rc == 0, run.output
    _file_line('INSTANCEID="RTC"')(wiped)
    monkeypatch.setenv("LYNC_LAB_NET_USER", "CONTOSO\\svc-lyncbackup")
    old = subprocess.run(["git", "show", "1a7fef5:" + OLD_PAYLOAD], capture_output=True, text=True, check=True,
                         cwd=pathlib.Path(__file__).parents[2]).stdout
    params = {"MediaPath": "\\\\backup01.contoso.local\\LyncMedia\\SQLServer", "InstanceName": "PCHAT",
              "ConfigurationFile": "\\\\backup01.contoso.local\\LyncMedia\\SQLServer\\ConfigurationFile.ini",
              "Quiet": False, "ServiceAccount": "NT Service\\MSSQL$PCHAT"}
    result = _run_payload(wiped, _serve(monkeypatch, tmp_path / "old", old), host, **params)
    assert result.get("failed"), result
    assert "The instance ID 'RTC' is already in use" in str(result), result
    new = (pathlib.Path(__file__).parents[2] / OLD_PAYLOAD).read_text(encoding="utf-8")
    result = _run_payload(wiped, _serve(monkeypatch, tmp_path / "new", new), host, AgentAccount="NT Service\\SQLAgent$PCHAT", **params)
    assert not result.get("failed"), result
    assert set(wiped.load()["hosts"][host]["sql"]) == {"RTC", "PCHAT"}


def test_lab_setup_refuses_uimode_with_quiet(wiped, monkeypatch):
    _file_line('UIMODE="Normal"')(wiped)
    monkeypatch.setenv("LYNC_LAB_NET_USER", "CONTOSO\\svc-lyncbackup")
    script = (pathlib.Path(__file__).parents[2] / OLD_PAYLOAD).read_text(encoding="utf-8")
    result = _run_payload(wiped, script, HOST, MediaPath="\\\\backup01.contoso.local\\LyncMedia\\SQLServer",
                             ConfigurationFile="\\\\backup01.contoso.local\\LyncMedia\\SQLServer\\"  # noqa: E127
                                               "ConfigurationFile.ini",
                             InstanceName="RTC", Quiet=True, ServiceAccount="NT Service\\MSSQL$RTC")  # noqa: E127
    assert "The setting 'UIMODE' is not allowed when the value of setting 'QUIET' is 'True'" in str(result), result
