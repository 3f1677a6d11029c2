"""lync_sql_install against the lab: SQL Server from the media share onto a wiped database server."""

import pathlib

import pytest

from lync_lab import disaster, seed, sqlsetup

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


def _unsupported_release(lab):
    media_file(lab, "setup.exe").write_bytes(sqlsetup.media_bytes("12.0.6024.0"))


@pytest.mark.parametrize("break_it, extra, message", [
    (_stray_instance, {}, "instance(s) SQLEXPRESS, which the pins do not name"),
    (_pending_reboot, {}, "Windows waits for a restart (Windows Update)"),
    (_other_instance_in_file, {}, "installs instance LYNC, but the pinned instance is RTC"),
    (_unsupported_release, {}, "SQL Server 2014 is not supported for Lync Server 2013 back ends"),
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
