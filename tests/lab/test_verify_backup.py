"""playbooks/verify_backup.yml, the restore test: hashes, RESTORE VERIFYONLY, test restores with DBCC CHECKDB."""

from tests.lab.conftest import backup_manifest

PLAYBOOK = "lync.server.verify_backup"
TEST_SERVER = {"verify_backup_test_server": "sqlmon01.contoso.local", "verify_backup_test_instance": "RTC",
               "verify_backup_scratch_folder": "D:\\RestoreTest"}


def sql_databases(manifest):
    return sorted((item["details"]["sql_fqdn"], db["name"]) for item in manifest["items"] if item["kind"] == "sql"
                  for db in item["details"]["databases"] if db["status"] == "ok")


def set_folder(lab):
    root = lab.host_root("backup01.contoso.local") / "D" / "LyncBackup"
    (folder,) = [p for p in root.iterdir() if p.is_dir() and p.name.startswith("lync-")]
    return folder


def test_a_good_set_passes_and_test_restores_leave_nothing_behind(backed_up_lab, run_playbook):
    lab = backed_up_lab("enterprise")
    before = lab.load()["hosts"]
    run = run_playbook(lab, PLAYBOOK, extra_vars=TEST_SERVER)
    assert run.rc == 0, run.output[-4000:]
    expected = sql_databases(backup_manifest(lab))
    # Archiving, Monitoring and Persistent Chat, and the safety copies of the persistent core databases.
    assert expected == [("sqlbe01.contoso.local", db) for db in ("lis", "rgsconfig", "rtcshared", "rtcxds", "xds")] + \
        [("sqlmon01.contoso.local", db) for db in ("LcsCDR", "LcsLog", "QoEMetrics", "mgc")]
    verified = run.results("RESTORE VERIFYONLY every SQL backup, on the SQL Server that made it")[0]["result"]["results"]
    assert sorted((r["item"]["sql_fqdn"], r["database"]) for r in verified) == expected
    assert all(r["verified"] for r in verified)
    tested = run.results("Restore every SQL backup under a scratch name on the test instance, DBCC CHECKDB, "
                         "drop it")[0]["result"]["results"]
    assert sorted((r["item"]["sql_fqdn"], r["database"]) for r in tested) == expected
    assert all(r["checkdb"] == "ok" for r in tested)
    # Test restores are dropped again: every SQL instance holds exactly the databases it held.
    assert lab.load()["hosts"] == before
    stats = run.results("Publish the outcome for AWX/Tower")[0]["result"]["ansible_stats"]["data"]
    # ansible-core before 2.19 templates numbers into strings (no native types): compare as numbers.
    assert int(stats["lync_verify_sql_backups"]) == len(expected) == int(stats["lync_verify_test_restores"])


def test_a_damaged_backup_file_stops_the_test(backed_up_lab, run_playbook):
    lab = backed_up_lab("enterprise")
    bak = next(set_folder(lab).rglob("LcsCDR*.bak"))
    data = bytearray(bak.read_bytes())
    data[len(data) // 2] ^= 0xFF
    bak.write_bytes(bytes(data))
    run = run_playbook(lab, PLAYBOOK, "-e", "lync_backup_set_id=%s" % set_folder(lab).name)
    assert run.rc != 0
    assert "is damaged" in run.output or "does not match" in run.output, run.output[-3000:]
    assert bak.name in run.output
    assert not run.results("RESTORE VERIFYONLY every SQL backup, on the SQL Server that made it")


def test_checkdb_finds_damage_that_checksums_do_not(make_lab, run_playbook):
    """Logical damage inside a database survives a CHECKSUM backup and VERIFYONLY; only CHECKDB finds it."""
    lab = make_lab("enterprise")
    with lab.locked() as state:
        state["hosts"]["sqlmon01.contoso.local"]["sql"]["RTC"]["databases"]["QoEMetrics"]["content"][
            "consistency_errors"] = 2
    assert run_playbook(lab, "lync.server.backup").rc == 0
    plain = run_playbook(lab, PLAYBOOK)
    assert plain.rc == 0, plain.output[-3000:]
    run = run_playbook(lab, PLAYBOOK, extra_vars=TEST_SERVER)
    assert run.rc != 0
    assert "DBCC CHECKDB of a test restore of QoEMetrics failed" in run.output
    assert "2 consistency errors" in run.output
