"""lync.server.preflight against the lab: it passes on the seeded labs and changes nothing, and each
missing piece gives its FAIL line with the fix and a non-zero exit (docs/preflight.md)."""

import hashlib

import pytest

from tests.lab.conftest import edit_inventory

PREFLIGHT = "lync.server.preflight"
SE = "lyncse01.contoso.local"
BACKUP = "backup01.contoso.local"
DC = "dc01.contoso.local"


def snapshot(lab):
    """Every file of the lab (state.json, inventory, every host's disks) by its SHA-256; not the lab's own lock
    file (state.json.lock, empty), which its first reader creates, nor SQL Server's backup history
    (sql_history.jsonl, msdb's backupset): the write probe's COPY_ONLY backup is recorded there, as on a real
    server (docs/preflight.md says so)."""
    return {str(p.relative_to(lab.dir)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(lab.dir.rglob("*")) if p.is_file() and p.name not in ("state.json.lock", "sql_history.jsonl")}


def lines(run):
    """The report's lines as the play printed them (the debug task's msg)."""
    shown = run.result("Show every check", run.results("Show every check")[0]["host"])
    return shown["result"]["msg"]


def failed_checks(run):
    return [line for line in lines(run) if line.startswith("FAIL  ")]


def fix_after(run, prefix):
    """The fix line under the FAIL line that starts with prefix."""
    report = lines(run)
    index = next(i for i, line in enumerate(report) if line.startswith(prefix))
    assert report[index + 1].startswith("      fix: "), report[index:index + 2]
    return report[index + 1]


@pytest.mark.parametrize("topology", ["standard", "enterprise"])
def test_preflight_passes_on_a_seeded_lab_and_changes_nothing(make_lab, run_playbook, tmp_path, topology):
    lab = make_lab(topology)
    before = snapshot(lab)
    reports = tmp_path / "reports"
    run = run_playbook(lab, PREFLIGHT, extra_vars={"lync_report_dir": str(reports)})
    assert run.rc == 0, run.output
    assert snapshot(lab) == before
    # Only the report on the controller is written.
    assert {r["task"].split(" : ")[-1] for r in run.records if r["result"].get("changed")} <= {
        "Create the report folder", "Write preflight.txt"}
    report = lines(run)
    assert failed_checks(run) == []
    for expected in ("PASS  inventory  lync_media_path: ", "PASS  inventory  group lync_front_ends: ",
                     "PASS  %s  backup share: CONTOSO\\svc-lyncbackup lists \\\\backup01.contoso.local\\LyncBackup" % BACKUP,
                     "NOT CHECKED  deployment  rights: CONTOSO\\svc-lyncbackup (lync_network_user, not the "
                     "connection's user) in RTCUniversalServerAdmins",
                     "PASS  %s  free space: " % BACKUP, "PASS  %s  secondary logon: " % BACKUP,
                     "PASS  %s  powershell: " % BACKUP, "PASS  %s  .net framework: 4.6.2 or later (Release 528040)" % BACKUP):
        assert any(line.startswith(expected) for line in report), (expected, report)
    front_ends = ["fe01.contoso.local", "fe02.contoso.local"] if topology == "enterprise" else [SE]
    for host in front_ends:
        assert any(line.startswith("PASS  %s  lync shell: Lync Server 2013 build 5.0." % host) for line in report)
        assert any(line.startswith("PASS  %s  dns pins: DNS server 10.0.0.2 answered" % host) for line in report)
        assert any(line.startswith("PASS  %s  dhcp pins: " % host) for line in report)
    if topology == "enterprise":
        # The SQL checks' own lab tests: tests/lab/test_preflight_sql.py.
        assert any(line.startswith("PASS  sqlbe01.contoso.local  sql rights sqlbe01.contoso.local\\RTC: ")
                   for line in report)
    assert (reports / "preflight.txt").read_text(encoding="utf-8").splitlines() == report


def test_preflight_runs_in_check_mode_and_reports_the_last_complete_set(make_lab, run_playbook):
    lab = make_lab("standard")
    assert run_playbook(lab, "lync.server.backup").rc == 0
    before = snapshot(lab)
    run = run_playbook(lab, PREFLIGHT, "--check")
    assert run.rc == 0, run.output
    assert snapshot(lab) == before
    share = next(line for line in lines(run) if line.startswith("PASS  %s  backup share: " % BACKUP))
    assert "1 set(s), the last complete one lync-" in share
    free = next(line for line in lines(run) if line.startswith("PASS  %s  free space: " % BACKUP))
    assert "the next set needs about " in free and ", the last complete set lync-" in free
    # In check mode the SQL rights are read, the write probe does not run (tests/lab/test_preflight_sql.py).
    assert any(line.startswith("PASS  %s  sql rights %s\\RTC: " % (SE, SE)) for line in lines(run))
    probe = next(line for line in lines(run) if line.startswith("NOT CHECKED  %s  sql service account %s\\RTC: "
                                                                % (SE, SE)))
    assert "not proven (check mode (the probe writes a file and removes it))" in probe


def test_an_inventory_without_the_media_path_fails(make_lab, run_playbook):
    lab = make_lab("standard")
    edit_inventory(lab, lambda inventory: inventory["all"]["vars"].pop("lync_media_path"))
    run = run_playbook(lab, PREFLIGHT)
    assert run.rc != 0
    assert failed_checks(run) == ["FAIL  inventory  lync_media_path: not set"]
    assert "set lync_media_path to the folder of the Lync Server" in fix_after(run, "FAIL  inventory  lync_media_path")
    assert "The bad day" in fix_after(run, "FAIL  inventory  lync_media_path")
    assert "inventory lync_media_path" in run.output.split("Fail when a check")[-1]


def test_a_powered_off_host_fails_its_connection(make_lab, run_playbook):
    lab = make_lab("enterprise")
    with lab.locked() as state:
        state["hosts"]["fe02.contoso.local"]["powered_off"] = True
    run = run_playbook(lab, PREFLIGHT)
    assert run.rc != 0
    failed = failed_checks(run)
    assert any(line.startswith("FAIL  fe02.contoso.local  connection: unreachable: ") for line in failed), failed
    fix = fix_after(run, "FAIL  fe02.contoso.local  connection")
    assert "make WinRM answer on fe02.contoso.local" in fix and 'docs/inventory.md, "Connection"' in fix
    # Every other host is still checked.
    assert any(line.startswith("PASS  fe01.contoso.local  lync shell: ") for line in lines(run))
    assert not [line for line in failed if not line.startswith("FAIL  fe02.contoso.local  ")], failed


def test_a_backup_share_that_denies_the_network_user_fails(make_lab, run_playbook):
    lab = make_lab("standard")
    with lab.locked() as state:
        state["hosts"][BACKUP]["shares"]["LyncBackup"]["deny_read"] = ["*"]
    run = run_playbook(lab, PREFLIGHT)
    assert run.rc != 0
    failed = failed_checks(run)
    assert len(failed) == 2 and failed[0].startswith(
        "FAIL  %s  backup share: CONTOSO\\svc-lyncbackup cannot list \\\\backup01.contoso.local\\LyncBackup" % BACKUP)
    # The Front End that writes to the share is refused too (its double hop: tests/lab/test_preflight_host.py).
    assert failed[1].startswith("FAIL  %s  double hop: CONTOSO\\svc-lyncbackup cannot list " % SE)
    fix = fix_after(run, "FAIL  %s  backup share" % BACKUP)
    assert "give CONTOSO\\svc-lyncbackup Change on the share and Modify (NTFS) on the folder of " \
           "\\\\backup01.contoso.local\\LyncBackup" in fix


def test_a_backup_server_with_an_old_dotnet_fails(make_lab, run_playbook):
    """.NET Framework 4.6.1 takes no \\\\?\\ path: the backup's close could not read the set (lync_lab/fsops)."""
    lab = make_lab("standard")
    with lab.locked() as state:
        state["hosts"][BACKUP]["dotnet_framework"] = "4.6.1"
    run = run_playbook(lab, PREFLIGHT)
    assert run.rc != 0
    assert failed_checks(run) == ["FAIL  %s  .net framework: older than 4.6.2 (Release 394254)" % BACKUP]
    assert "install .NET Framework 4.8 (4.6.2 at least) on %s" % BACKUP in fix_after(run, "FAIL  %s  .net" % BACKUP)


def test_a_front_end_without_the_lync_shell_fails(make_lab, run_playbook):
    """The Lync Server Management Shell gone from a Front End (the module the host probe looks for)."""
    lab = make_lab("enterprise")
    with lab.locked() as state:
        state["hosts"]["fe02.contoso.local"]["lync_module"] = None
    run = run_playbook(lab, PREFLIGHT)
    assert run.rc != 0
    shell = [line for line in failed_checks(run) if "  lync shell: " in line]
    assert [line.split(":")[0] for line in shell] == ["FAIL  fe02.contoso.local  lync shell"], failed_checks(run)
    fix = fix_after(run, "FAIL  fe02.contoso.local  lync shell")
    assert "Install Administrative Tools" in fix and "lync_front_ends" in fix


def test_a_pinned_dns_server_that_does_not_answer_fails(make_lab, run_playbook):
    lab = make_lab("standard")
    with lab.locked() as state:
        del state["hosts"][DC]["dns_server"]
    run = run_playbook(lab, PREFLIGHT)
    assert run.rc != 0
    failed = failed_checks(run)
    assert len(failed) == 1 and failed[0].startswith("FAIL  %s  dns pins: " % SE), failed
    assert "DNS server 10.0.0.2 did not answer" in failed[0]
    assert "make DNS server 10.0.0.2 answer DNS queries from %s" % SE in fix_after(run, "FAIL  %s  dns pins" % SE)


def test_a_dhcp_server_that_refuses_the_read_fails(make_lab, run_playbook):
    lab = make_lab("standard")
    with lab.locked() as state:
        state["hosts"][DC]["dhcp_server"]["refuse"] = "access_denied"
    run = run_playbook(lab, PREFLIGHT)
    assert run.rc != 0
    failed = failed_checks(run)
    assert len(failed) == 1 and failed[0].startswith("FAIL  %s  dhcp pins: " % SE), failed
    assert "DHCP Users on %s" % DC in fix_after(run, "FAIL  %s  dhcp pins" % SE)


def test_bad_day_failures_can_be_reported_without_failing_the_run(make_lab, run_playbook):
    lab = make_lab("standard")
    edit_inventory(lab, lambda inventory: inventory["all"]["vars"].pop("lync_rtc_group"))
    run = run_playbook(lab, PREFLIGHT, extra_vars={"preflight_fail_on_bad_day": False})
    assert run.rc == 0, run.output
    assert failed_checks(run) == ["FAIL  inventory  lync_rtc_group: not set"]


@pytest.mark.parametrize("names", [["*"], ["ScheduledTasks"]])
def test_module_logging_of_scheduledtasks_on_a_sql_host_fails_where_backups_run_detached(
        make_lab, run_playbook, names):
    """Module logging would write Register-ScheduledTask -Password (a detached backup's task) to event 4103."""
    lab = make_lab("standard")
    with lab.locked() as state:
        state["hosts"]["lyncse01.contoso.local"]["powershell_module_logging"] = names
    run = run_playbook(lab, PREFLIGHT)
    assert run.rc != 0
    assert [line.split(":")[0] for line in failed_checks(run)] == ["FAIL  lyncse01.contoso.local  module logging"]
    fix = fix_after(run, "FAIL  lyncse01.contoso.local  module logging")
    assert "backup_detached: false" in fix and "ScheduledTasks" in fix
    # Run in session, the backups register no task: nothing to log, the check passes.
    quiet = run_playbook(lab, PREFLIGHT, extra_vars={"backup_detached": False})
    assert not [line for line in failed_checks(quiet) if "module logging" in line], failed_checks(quiet)


def test_module_logging_of_other_modules_passes(make_lab, run_playbook):
    lab = make_lab("standard")
    with lab.locked() as state:
        state["hosts"]["lyncse01.contoso.local"]["powershell_module_logging"] = ["ActiveDirectory"]
    run = run_playbook(lab, PREFLIGHT)
    assert not [line for line in failed_checks(run) if "module logging" in line], failed_checks(run)
