"""lync.server.preflight's SQL Server and free-space checks against the lab (docs/preflight.md, "SQL Server and
free space"): they pass on the seeded labs and leave the lab as they found it (the write probe's scratch folder is
gone), and each injected gap -- a login without BACKUP DATABASE, one without CREATE DATABASE, a SQL Server service
account the share refuses, a full share -- gives its FAIL line with the fix and a non-zero exit."""

import pytest

from tests.lab.test_preflight import PREFLIGHT, failed_checks, fix_after, lines, snapshot

SE = "lyncse01.contoso.local"
BE = "sqlbe01.contoso.local"
MON = "sqlmon01.contoso.local"
BACKUP = "backup01.contoso.local"
ROOT = "\\\\backup01.contoso.local\\LyncBackup"
# The login SQL Server sees: the lab's connection user, as the backup's own lync_sql_backup sees it on the SQL Server.
LOGIN = "CONTOSO\\lyncadmin"
# What the standard lab's Standard Edition server backs up on its RTC instance (the catalog's selection).
SE_DATABASES = ("xds", "lis", "rtcxds", "rtcshared", "rgsconfig")


def line(run, prefix):
    found = [entry for entry in lines(run) if entry.startswith(prefix)]
    assert len(found) == 1, (prefix, lines(run))
    return found[0]


def share_folders(lab):
    """The names in the backup share's folder on backup01's D: drive."""
    path = lab.host_root(BACKUP) / "D" / "LyncBackup"
    assert path.is_dir(), path
    return sorted(p.name for p in path.iterdir())


@pytest.mark.parametrize("topology, instances", [
    ("standard", [(SE, "RTC")]),
    ("enterprise", [(BE, "RTC"), (MON, "RTC"), (MON, "PCHAT")]),
])
def test_sql_checks_pass_on_a_seeded_lab_and_leave_it_as_it_was(make_lab, run_playbook, topology, instances):
    lab = make_lab(topology)
    before = snapshot(lab)
    run = run_playbook(lab, PREFLIGHT)
    assert run.rc == 0, run.output
    assert failed_checks(run) == []
    # The write probe's scratch folder is gone, and nothing else changed, byte for byte.
    assert snapshot(lab) == before
    assert not [name for name in share_folders(lab) if name.startswith(".preflight-")]
    for host, instance in instances:
        name = "%s\\%s" % (host, instance)
        rights = line(run, "PASS  %s  sql rights %s: " % (host, name))
        assert "login %s: BACKUP DATABASE in " % LOGIN in rights and "; CREATE DATABASE in master" in rights
        account = line(run, "PASS  %s  sql service account %s: " % (host, name))
        assert " wrote a COPY_ONLY backup of model into %s\\.preflight-" % ROOT in account
        assert account.endswith(", SQL Server read it back (RESTORE VERIFYONLY), CONTOSO\\svc-lyncbackup read it, "
                                "removed (msdb records it as a copy-only backup, is_copy_only = 1)")
    if topology == "standard":
        assert line(run, "PASS  %s  sql rights %s\\RTC: " % (SE, SE)).split("BACKUP DATABASE in ")[1].startswith(
            ", ".join(sorted(SE_DATABASES, key=str.lower)))
        assert "NT Service\\MSSQL$RTC (the computer account LYNCSE01$ on the network)" in line(
            run, "PASS  %s  sql service account " % SE)
    # The local configuration store replicas (RTCLOCAL, LYNCLOCAL) are not backed up, so not checked.
    assert not [entry for entry in lines(run) if "LOCAL:" in entry and " sql " in entry]
    free = line(run, "PASS  %s  free space: 400.0 GiB free on D:\\ on %s (%s); the next set needs about "
                % (BACKUP, BACKUP, ROOT))
    assert "an estimate from the data files of the Lync databases on %d instance(s)" % len(instances) in free


def _logins(lab, host, instance, record):
    with lab.locked() as state:
        state["hosts"][host]["sql"][instance]["logins"] = {LOGIN: record}


def test_a_login_without_backup_database_in_one_database_fails_with_the_grant(make_lab, run_playbook):
    lab = make_lab("standard")
    # dbcreator (CREATE DATABASE) and db_backupoperator everywhere but rtcshared.
    _logins(lab, SE, "RTC", {"server_roles": ["dbcreator"], "database_roles": {
        db: ["db_backupoperator"] for db in SE_DATABASES + ("model",) if db != "rtcshared"}})
    run = run_playbook(lab, PREFLIGHT)
    assert run.rc != 0
    assert failed_checks(run) == [
        "FAIL  %s  sql rights %s\\RTC: login %s lacks BACKUP DATABASE in rtcshared" % (SE, SE, LOGIN)]
    fix = fix_after(run, "FAIL  %s  sql rights " % SE)
    assert ("in each of rtcshared on %s\\RTC: CREATE USER [%s] FOR LOGIN [%s] (when the login has no user there), then "
            "EXEC sp_addrolemember N'db_backupoperator', N'%s'" % (SE, LOGIN, LOGIN, LOGIN)) in fix
    assert 'docs/backup.md, "SQL Server rights"' in fix
    assert "Fix before the first backup: %s sql rights " % SE in run.output.split("Fail when a check")[-1]
    # db_backupoperator in model: the write probe still runs and proves the service account.
    line(run, "PASS  %s  sql service account %s\\RTC: " % (SE, SE))


def test_a_login_without_create_database_fails_and_the_probe_uses_a_lync_database(make_lab, run_playbook):
    lab = make_lab("standard")
    before = snapshot(lab)
    # db_backupoperator in every database the backup takes; no dbcreator, no CREATE ANY DATABASE, nothing in model.
    _logins(lab, SE, "RTC", {"server_roles": [], "database_roles": {db: ["db_backupoperator"] for db in SE_DATABASES}})
    run = run_playbook(lab, PREFLIGHT)
    assert run.rc != 0
    assert failed_checks(run) == [
        "FAIL  %s  sql rights %s\\RTC: login %s lacks CREATE DATABASE in master (the backup's RESTORE VERIFYONLY "
        "(backup_sql_verify) and lync.server.verify_backup's RESTORE VERIFYONLY)" % (SE, SE, LOGIN)]
    fix = fix_after(run, "FAIL  %s  sql rights " % SE)
    assert ("on %s\\RTC: GRANT CREATE ANY DATABASE TO [%s] (or EXEC sp_addsrvrolemember N'%s', N'dbcreator')"
            % (SE, LOGIN, LOGIN)) in fix
    # The login may not back up model: the probe takes the smallest database it may back up (all are small in the
    # lab); without CREATE DATABASE SQL Server does not read it back, the network identity still does.
    probe = line(run, "PASS  %s  sql service account %s\\RTC: " % (SE, SE))
    assert "wrote a COPY_ONLY backup of model " not in probe and "wrote a COPY_ONLY backup of " in probe
    assert "RESTORE VERIFYONLY" not in probe and "CONTOSO\\svc-lyncbackup read it, removed" in probe
    with lab.locked() as state:
        del state["hosts"][SE]["sql"]["RTC"]["logins"]
    assert snapshot(lab) == before


def test_with_verify_off_create_database_is_still_named_for_the_restore_test(make_lab, run_playbook):
    lab = make_lab("standard")
    _logins(lab, SE, "RTC", {"server_roles": [], "database_roles": {db: ["db_backupoperator"] for db in SE_DATABASES}})
    run = run_playbook(lab, PREFLIGHT, extra_vars={"backup_sql_verify": False})
    assert run.rc != 0
    # The backup itself does not need it then: its own line, needed by the restore test (not every night).
    assert failed_checks(run) == [
        "FAIL  %s  sql restore test rights %s\\RTC: login %s lacks CREATE DATABASE in master (lync.server."
        "verify_backup's RESTORE VERIFYONLY; backup_sql_verify is false, so the backup itself does not need it)"
        % (SE, SE, LOGIN)]
    line(run, "PASS  %s  sql rights %s\\RTC: " % (SE, SE))
    assert run_playbook(lab, PREFLIGHT, extra_vars={"backup_sql_verify": False, "preflight_fail_on_bad_day": False}).rc == 0


def test_a_sql_service_account_the_share_refuses_fails_naming_the_account(make_lab, run_playbook):
    lab = make_lab("standard")
    with lab.locked() as state:
        state["hosts"][BACKUP]["shares"]["LyncBackup"]["deny_write"] = ["CONTOSO\\LYNCSE01$"]
    before = snapshot(lab)
    run = run_playbook(lab, PREFLIGHT)
    assert run.rc != 0
    failed = failed_checks(run)
    assert len(failed) == 1, failed
    assert failed[0].startswith(
        "FAIL  %s  sql service account %s\\RTC: NT Service\\MSSQL$RTC (the computer account LYNCSE01$ on the network) "
        "cannot write to %s: " % (SE, SE, ROOT))
    assert "Operating system error 5(Access is denied.)" in failed[0]
    assert fix_after(run, "FAIL  %s  sql service account" % SE) == (
        "      fix: give the computer account LYNCSE01$ Change on the share and Modify (NTFS) on the folder %s: SQL "
        "Server writes the backups as its service account (docs/backup.md)" % ROOT)
    # The scratch folder was removed after the refusal too.
    assert snapshot(lab) == before


def test_a_full_share_fails_saying_by_how_much(make_lab, run_playbook):
    lab = make_lab("standard")
    assert run_playbook(lab, "lync.server.backup").rc == 0
    with lab.locked() as state:
        # 40 KiB free: room for the probe's backup of model (a few hundred bytes in the lab), not for another set
        # like the last (about 77 KiB in the lab).
        state["hosts"][BACKUP]["disks"]["D"]["free_bytes"] = 40 * 2 ** 10
    run = run_playbook(lab, PREFLIGHT)
    assert run.rc != 0
    failed = failed_checks(run)
    assert len(failed) == 1 and failed[0].startswith(
        "FAIL  %s  free space: 40.0 KiB free on D:\\ on %s (%s); the next set needs about " % (BACKUP, BACKUP, ROOT)), failed
    assert ", the last complete set lync-" in failed[0] and ": short by " in failed[0]
    short = failed[0].split(": short by ")[1]
    fix = fix_after(run, "FAIL  %s  free space" % BACKUP)
    assert fix.startswith("      fix: free at least %s on D:\\ (%s): a new set is written before retention removes "
                          "older ones" % (short, ROOT))
    assert "%s free space" % BACKUP in run.output.split("Fail when a check")[-1]
