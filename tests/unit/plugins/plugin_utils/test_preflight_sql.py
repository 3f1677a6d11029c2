"""The preflight's SQL Server and free-space judgements (plugins/plugin_utils/preflight.py, sql_records): which
instances are checked, each missing right with its GRANT, the service account's write probe, and free space
against the last complete set or the databases' estimate."""

import pytest

from ansible_collections.lync.server.plugins.filter.preflight import preflight_share_host, preflight_sql_targets
from ansible_collections.lync.server.plugins.plugin_utils import preflight as pf

ROOT = "\\\\backup01.contoso.local\\LyncBackup"
HOST = "sqlmon01.contoso.local"
NAME = HOST + "\\RTC"
USER = "CONTOSO\\svc-lyncbackup"


def facts(instances, fqdn=HOST):
    return {"changed": False, "ansible_facts": {"lync_host": {"fqdn": fqdn, "sql_instances": instances}}}


MON_FACTS = facts([{"name": "RTC", "lync_databases": ["LcsCDR", "QoEMetrics", "LcsLog"],
                    "service_account": "NT Service\\MSSQL$RTC"},
                   {"name": "RTCLOCAL", "lync_databases": ["xds"], "service_account": "NT Service\\MSSQL$RTCLOCAL"},
                   {"name": "MSSQLSERVER", "lync_databases": ["mgc"], "service_account": "CONTOSO\\svc-sql"},
                   {"name": "OTHER", "lync_databases": [], "service_account": None}])


def db(name, can_backup=1, state="ONLINE", size=8192 * 1000, exists=True):
    return {"name": name, "exists": exists, "state": state if exists else None, "can_backup": can_backup,
            "bytes": size if exists else None}


def check(instance="RTC", databases=None, create=True, sysadmin=False, probe=None, login="CONTOSO\\svc-lyncbackup"):
    databases = databases if databases is not None else [db("LcsCDR"), db("QoEMetrics"), db("LcsLog")]
    return {"preflight_sql": {"instance": instance}, "ansible_loop_var": "preflight_sql", "login": login,
            "sysadmin": sysadmin, "create_database": create, "databases": databases,
            "bytes": sum(d["bytes"] or 0 for d in databases), "sizes_known": all(d["bytes"] is not None for d in databases),
            "probe": probe or {"status": "written", "database": "model", "folder": ROOT + "\\.preflight-abc",
                               "removed": True}}


def records(*results, space=None, space_host="backup01.contoso.local", share=None, verify=True, host_facts=None):
    inputs = {"sql": [{"results": list(results)}], "space_host": space_host, "verify": verify,
              "space": space if space is not None else {"free_bytes": 400 * 2 ** 30, "size_bytes": 500 * 2 ** 30,
                                                        "volume": "D:\\"}}
    return pf.sql_records({HOST: host_facts or MON_FACTS}, inputs, ROOT, USER, share or [])


def rec(found, check_name):
    hits = [r for r in found if r["check"] == check_name]
    assert len(hits) == 1, (check_name, found)
    return hits[0]


def test_the_instances_checked_are_those_the_backup_backs_up():
    targets = preflight_sql_targets(MON_FACTS)
    assert targets == [
        {"instance": "RTC", "sql_server": HOST, "sql_instance": "RTC", "databases": ["LcsCDR", "QoEMetrics", "LcsLog"],
         "service_account": "NT Service\\MSSQL$RTC"},
        {"instance": "MSSQLSERVER", "sql_server": HOST, "sql_instance": "", "databases": ["mgc"],
         "service_account": "CONTOSO\\svc-sql"}]
    # An instance holding only databases the backup never takes (transient ones) is not checked: no SQL item.
    transient = facts([{"name": "RTC", "lync_databases": ["rtcdyn", "cpsdyn"], "service_account": "x"}])
    assert preflight_sql_targets(transient) == []
    assert preflight_sql_targets({"unreachable": True}) == [] and preflight_sql_targets({"skipped": True}) == []


def test_a_login_with_every_right_passes_and_sysadmin_is_called_more_than_needed():
    found = records(check(), check(instance="MSSQLSERVER", databases=[db("mgc")], sysadmin=True))
    rights = rec(found, "sql rights %s" % NAME)
    assert rights["status"] == pf.PASS and rights["needs"] == pf.NIGHTLY
    assert rights["detail"] == ("login CONTOSO\\svc-lyncbackup: BACKUP DATABASE in LcsCDR, QoEMetrics, LcsLog; "
                                "CREATE DATABASE in master")
    assert "as sysadmin: more than the backup needs" in rec(found, "sql rights %s\\MSSQLSERVER" % HOST)["detail"]


def test_each_missing_right_is_named_with_its_grant():
    found = records(check(databases=[db("LcsCDR", 0), db("QoEMetrics", None), db("LcsLog")], create=False))
    rights = rec(found, "sql rights %s" % NAME)
    assert rights["status"] == pf.FAIL
    assert rights["detail"] == ("login CONTOSO\\svc-lyncbackup lacks BACKUP DATABASE in LcsCDR, QoEMetrics; CREATE "
                                "DATABASE in master (the backup's RESTORE VERIFYONLY (backup_sql_verify) and "
                                "lync.server.verify_backup's RESTORE VERIFYONLY)")
    assert ("in each of LcsCDR, QoEMetrics on %s: CREATE USER [CONTOSO\\svc-lyncbackup] FOR LOGIN "
            "[CONTOSO\\svc-lyncbackup] (when the login has no user there), then EXEC sp_addrolemember "
            "N'db_backupoperator', N'CONTOSO\\svc-lyncbackup'" % NAME) in rights["fix"]
    assert ("on %s: GRANT CREATE ANY DATABASE TO [CONTOSO\\svc-lyncbackup] (or EXEC sp_addsrvrolemember "
            "N'CONTOSO\\svc-lyncbackup', N'dbcreator')" % NAME) in rights["fix"]


def test_without_verify_create_database_is_the_restore_tests_on_its_own_line():
    found = records(check(create=False), verify=False)
    assert rec(found, "sql rights %s" % NAME)["status"] == pf.PASS
    restore = rec(found, "sql restore test rights %s" % NAME)
    assert (restore["status"], restore["needs"]) == (pf.FAIL, pf.BAD_DAY)
    assert "lacks CREATE DATABASE in master (lync.server.verify_backup's RESTORE VERIFYONLY" in restore["detail"]
    assert "GRANT CREATE ANY DATABASE TO [CONTOSO\\svc-lyncbackup]" in restore["fix"]
    assert rec(records(check(), verify=False), "sql restore test rights %s" % NAME)["status"] == pf.PASS


def test_a_mirror_instance_is_not_judged_and_a_restoring_copy_is_not_told_to_go_online():
    mirror = check(databases=[db("LcsCDR", None, "RESTORING"), db("QoEMetrics", None, "RESTORING")])
    found = rec(records(mirror), "sql rights %s" % NAME)
    assert found["status"] == pf.NOT_CHECKED and "a mirror copy or an unfinished restore" in found["detail"]
    mixed = rec(records(check(databases=[db("LcsCDR"), db("QoEMetrics", None, "RESTORING")])), "sql rights %s" % NAME)
    assert mixed["status"] == pf.PASS and "not judged, RESTORING here" in mixed["detail"]


def test_missing_and_offline_databases_fail():
    rights = rec(records(check(databases=[db("LcsCDR", state="OFFLINE"), db("LcsLog", exists=False)])),
                 "sql rights %s" % NAME)
    assert rights["status"] == pf.FAIL
    assert "LcsLog not found on the instance (sys.databases)" in rights["detail"]
    assert "not ONLINE: LcsCDR (OFFLINE)" in rights["detail"] and "ALTER DATABASE ... SET ONLINE" in rights["fix"]


def test_an_instance_that_refuses_the_login_names_create_login():
    failed = {"preflight_sql": {"instance": "RTC"}, "ansible_loop_var": "preflight_sql", "failed": True,
              "msg": "payload lync_sql_rights on sqlmon01 failed: Login failed for user 'CONTOSO\\svc'."}
    found = records(failed)
    rights = rec(found, "sql rights %s" % NAME)
    assert rights["status"] == pf.FAIL and "CREATE LOGIN [DOMAIN\\account] FROM WINDOWS" in rights["fix"]
    assert rec(found, "sql service account %s" % NAME)["status"] == pf.NOT_CHECKED


@pytest.mark.parametrize("probe, status, detail, fix", [
    ({"status": "written", "database": "model", "folder": ROOT + "\\.preflight-abc", "removed": True,
      "verified_by_sql": True, "read_by_session": True}, pf.PASS,
     "NT Service\\MSSQL$RTC (the computer account SQLMON01$ on the network) wrote a COPY_ONLY backup of model into "
     + ROOT + "\\.preflight-abc, SQL Server read it back (RESTORE VERIFYONLY), CONTOSO\\svc-lyncbackup read it, "
     "removed (msdb records it as a copy-only backup, is_copy_only = 1)", ""),
    ({"status": "written", "database": "model", "folder": "F", "removed": True, "verified_by_sql": True,
      "read_by_session": False, "read_error": "Access to the path is denied."}, pf.FAIL,
     "NT Service\\MSSQL$RTC (the computer account SQLMON01$ on the network) wrote a COPY_ONLY backup of model into F, "
     "but CONTOSO\\svc-lyncbackup could not read it (Access to the path is denied.); the backup hashes every file "
     "it writes", "give CONTOSO\\svc-lyncbackup Modify on the folder " + ROOT),
    ({"status": "error", "database": "model", "folder": "F", "removed": False, "error": "payload failed: boom"},
     pf.FAIL, "the write probe stopped: payload failed: boom; the scratch folder F may be left", "remove F if"),
    ({"status": "refused", "database": "model", "folder": ROOT + "\\.preflight-abc", "removed": True,
      "error": "Cannot open backup device 'x'. Operating system error 5(Access is denied.)"}, pf.FAIL,
     "NT Service\\MSSQL$RTC (the computer account SQLMON01$ on the network) cannot write to " + ROOT
     + ": Cannot open backup device 'x'. Operating system error 5(Access is denied.)",
     "give the computer account SQLMON01$ Change on the share and Modify (NTFS) on the folder " + ROOT),
    ({"status": "refused", "database": "model", "folder": "F", "removed": False, "error": "Msg 3202: 112(disk full)"},
     pf.FAIL, "SQL Server could not write a COPY_ONLY backup of model into F: Msg 3202: 112(disk full); the scratch "
     "folder F is left (not removed): remove it by hand", "read SQL Server's message"),
    ({"status": "written", "database": "model", "folder": "F", "removed": False, "remove_error": "in use"}, pf.FAIL,
     "NT Service\\MSSQL$RTC (the computer account SQLMON01$ on the network) wrote into F; the scratch folder F is left "
     "(in use): remove it by hand", "remove F by hand"),
    ({"status": "share_refused", "folder": "F", "error": "denied", "removed": True}, pf.FAIL,
     "not proven: CONTOSO\\svc-lyncbackup could not create the scratch folder F: denied",
     "give CONTOSO\\svc-lyncbackup Change on the share and Modify (NTFS) on " + ROOT),
    ({"status": "not_run", "why": "check mode"}, pf.NOT_CHECKED,
     "NT Service\\MSSQL$RTC (the computer account SQLMON01$ on the network) may write to " + ROOT
     + ": not proven (check mode)", ""),
])
def test_the_write_probe_outcomes(probe, status, detail, fix):
    found = rec(records(check(probe=probe)), "sql service account %s" % NAME)
    assert (found["status"], found["detail"]) == (status, detail)
    assert fix in found["fix"] and (found["fix"] == "") == (status != pf.FAIL)


def test_a_probe_refused_like_the_failed_share_listing_is_not_a_second_failure():
    probe = {"status": "share_refused", "folder": "F", "error": "denied", "removed": True}
    listing = [{"host": "backup01.contoso.local", "result": {"failed": True, "msg": "Access is denied"}}]
    found = rec(records(check(probe=probe), share=listing), "sql service account %s" % NAME)
    assert found["status"] == pf.NOT_CHECKED and "the backup share line above" in found["detail"]


@pytest.mark.parametrize("account", ["NT AUTHORITY\\LOCAL SERVICE", ".\\sqlsvc", "SQLMON01\\sqlsvc"])
def test_an_account_other_servers_cannot_grant_to_is_told_to_change(account):
    refused = {"status": "refused", "database": "model", "folder": "F", "removed": True,
               "error": "Operating system error 5(Access is denied.)"}
    facts_local = facts([{"name": "RTC", "lync_databases": ["LcsCDR"], "service_account": account}])
    found = rec(records(check(probe=refused), host_facts=facts_local), "sql service account %s" % NAME)
    assert "(no identity other servers can grant rights to)" in found["detail"]
    assert found["fix"].startswith("run the SQL Server service as a domain account, a group managed service account")


def test_a_domain_service_account_is_named_as_itself():
    found = records(check(instance="MSSQLSERVER", databases=[db("mgc")]))
    assert rec(found, "sql service account %s\\MSSQLSERVER" % HOST)["detail"].startswith("CONTOSO\\svc-sql wrote ")


SET = {"sets": [{"set_id": "lync-2", "status": "partial", "bytes": 1},
                {"set_id": "lync-1", "status": "complete", "bytes": 300 * 2 ** 30}]}


def test_free_space_against_the_last_complete_set():
    share = [{"host": "backup01.contoso.local", "result": SET}]
    found = rec(records(check(), share=share), "free space")
    assert found["status"] == pf.PASS and found["host"] == "backup01.contoso.local"
    assert found["detail"] == ("400.0 GiB free on D:\\ on backup01.contoso.local (%s); the next set needs about "
                               "300.0 GiB, the last complete set lync-1" % ROOT)
    full = rec(records(check(), share=share, space={"free_bytes": 100 * 2 ** 30, "volume": "D:\\"}), "free space")
    assert full["status"] == pf.FAIL and full["needs"] == pf.NIGHTLY
    assert full["detail"].endswith(": short by 200.0 GiB")
    assert full["fix"].startswith("free at least 200.0 GiB on D:\\ (%s): a new set is written before retention "
                                  "removes older ones" % ROOT)
    assert "a volume with at least 300.0 GiB free" in full["fix"]


def test_free_space_without_a_complete_set_is_estimated_from_the_databases():
    found = rec(records(check(), space={"free_bytes": 10, "volume": "D:\\"}), "free space")
    assert found["status"] == pf.FAIL
    assert "the next set needs about 23.4 MiB, an estimate from the data files of the Lync databases on 1 " \
           "instance(s) (sys.master_files, allocated size" in found["detail"]
    # Unknown sizes are not counted as nothing: no figure, no verdict.
    unknown = rec(records(check(databases=[db("LcsCDR", size=None)])), "free space")
    assert unknown["status"] == pf.NOT_CHECKED and "1 instance(s) did not show their database sizes" in unknown["detail"]


def test_free_space_not_read():
    assert rec(records(check(), space_host="", space={"skipped": True}), "free space")["status"] == pf.NOT_CHECKED
    failed = rec(records(check(), space={"failed": True, "msg": "has no share named LyncBackup"}), "free space")
    assert failed["status"] == pf.FAIL and failed["detail"] == "not read: has no share named LyncBackup"
    none = pf.sql_records({HOST: {"unreachable": True}}, {"sql": [None], "space_host": "b", "space": {"free_bytes": 1}},
                          ROOT, USER, [])
    assert none[0]["status"] == pf.NOT_CHECKED and "no SQL Server instance's database sizes" in none[0]["detail"]


def test_the_share_host_is_found_by_name_fqdn_or_short_name():
    hosts = ["backup01", "fe01.contoso.local"]
    results = [facts([], fqdn="backup01.contoso.local"), facts([], fqdn="fe01.contoso.local")]
    assert preflight_share_host(ROOT, hosts, results) == "backup01"
    assert preflight_share_host("\\\\BACKUP01\\LyncBackup", hosts, results) == "backup01"
    assert preflight_share_host("\\\\nas01.contoso.local\\x", hosts, results) == ""
    assert preflight_share_host("D:\\LyncBackup", hosts, results) == ""


def test_a_failed_read_back_is_a_bad_day_line_when_the_backup_does_not_verify():
    """backup_sql_verify false: the night never has SQL Server read a .bak, so a share where its service account may
    write but not read passes the nightly line and fails a bad-day one (a restore reads the file as that account);
    with verify on, the same probe fails the nightly line."""
    probe = {"status": "written", "database": "model", "folder": "F", "removed": True, "verified_by_sql": False,
             "verify_error": "Operating system error 5(Access is denied.)", "read_by_session": True}
    found = records(check(probe=probe), verify=False)
    nightly = rec(found, "sql service account %s" % NAME)
    assert nightly["status"] == pf.PASS and "RESTORE VERIFYONLY" not in nightly["detail"]
    restore = rec(found, "sql restore read %s" % NAME)
    assert restore["status"] == pf.FAIL and restore["needs"] == pf.BAD_DAY
    assert "Operating system error 5" in restore["detail"] and "SQLMON01$ Modify" in restore["fix"]
    found = records(check(probe=probe), verify=True)
    assert rec(found, "sql service account %s" % NAME)["status"] == pf.FAIL
    assert not [r for r in found if r["check"].startswith("sql restore read")]
