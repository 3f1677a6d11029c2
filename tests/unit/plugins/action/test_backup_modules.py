"""Backup action plugins: validation, check mode, and what they make of payload results."""

import base64
import hashlib
import importlib
import json
import os

import pytest
from ansible.errors import AnsibleActionFail

from ansible_collections.lync.server.plugins.plugin_utils import backup_plan, collection_info, report_html
from ansible_collections.lync.server.plugins.plugin_utils import backup_set as bs

from ansible_collections.lync.server.plugins.action import lync_backup_set
from ansible_collections.lync.server.plugins.action.lync_backup_set import share_elsewhere, share_warning
from ansible_collections.lync.server.plugins.plugin_utils import facts

from ...conftest import Recorder, make_action, minimal_manifest, ok
from ..plugin_utils.test_backup_plan import deployment, hosts, ok_results
from ..plugin_utils.test_facts import raw_host

SET = "\\\\backup01.contoso.local\\LyncBackup\\lync-20261124T020000Z-abcdef"
ROOT = "\\\\backup01.contoso.local\\LyncBackup"
VARS = {"inventory_hostname": "sql01.contoso.local"}


def action(name, args, answers=(), check_mode=False):
    module = importlib.import_module("ansible_collections.lync.server.plugins.action." + name)
    recorder = Recorder(list(answers))
    return make_action(module.ActionModule, args, recorder, check_mode=check_mode), recorder


def run(name, args, answers=(), check_mode=False):
    act, recorder = action(name, args, answers, check_mode)
    return act.run(task_vars=VARS), recorder


def payload_names(recorder):
    return [c["module_args"]["script"].splitlines()[0].split(": ")[1] for c in recorder.calls]


@pytest.mark.parametrize("name, args, message", [
    ("lync_cms_export", {"set_path": "\\\\b\\s\\not-a-set"}, "is not a backup set name"),
    ("lync_cms_export", {"set_path": SET, "staging_path": "\\\\x\\y"}, "must be a local folder"),
    ("lync_data_export", {"set_path": SET, "kind": "userdata"}, "pool_fqdn"),
    ("lync_data_export", {"set_path": SET, "kind": "userdata", "pool_fqdn": "pool01"}, "not a fully qualified"),
    ("lync_data_export", {"set_path": SET, "kind": "persistentchat", "db_instance": "sql01.contoso.local\\bad name"},
     "not a SQL Server instance name"),
    ("lync_sql_backup", {"set_path": SET, "file_count": 0}, "file_count must be between 1 and 64"),
    ("lync_sql_backup", {"set_path": SET}, "databases=auto needs store_roles"),
    ("lync_sql_backup", {"set_path": SET, "databases": ["rtcab"]}, "transient data"),
    ("lync_sql_backup", {"set_path": SET, "store_roles": ["UserDatabase"], "exclude_databases": ["rtcxds", "rtcshared"]},
     "no database left"),
    ("lync_cert_export", {"set_path": SET, "password": "short"}, "at least 8 characters"),
    ("lync_cert_export", {"set_path": SET, "password": "long-enough", "thumbprints": ["XYZ"]}, "not certificate thumbprints"),
    ("lync_backup_set", {"root": "relative", "state": "opened"}, "is not a UNC path"),
    ("lync_backup_set", {"root": ROOT, "state": "closed"}, "set_id"),
    ("lync_backup_set", {"root": ROOT, "state": "opened", "lock_max_age": 0}, "lock_max_age"),
    ("lync_backup_retention", {"root": ROOT}, "one of the following is required: keep_sets, keep_days"),
    ("lync_backup_retention", {"root": ROOT, "keep_sets": 0}, "keep_sets must be at least 1"),
    ("lync_backup_set_info", {"root": ROOT, "subpath": "x"}, "subpath must be a relative folder inside a named set"),
    ("lync_backup_set_info", {"root": ROOT, "set_id": "latest", "subpath": "..\\..\\Windows"}, "subpath"),
    # scratch_folder once had a default (""), so its required_if never fired: a test restore got relative file names.
    ("lync_sql_restore", {"database": "LcsCDR", "files": [SET + "\\sql\\x\\LcsCDR.bak"], "mode": "test"},
     "missing: scratch_folder"),
    ("lync_sql_restore", {"database": "LcsCDR", "files": [SET + "\\sql\\x\\LcsCDR.bak"], "mode": "test",
                          "scratch_folder": ""}, "mode=test needs scratch_folder"),
])
def test_bad_arguments_are_refused_before_anything_runs(name, args, message):
    act, recorder = action(name, args)
    with pytest.raises(AnsibleActionFail, match=message.replace("\\", "\\\\")):
        act.run(task_vars=VARS)
    assert recorder.calls == []


@pytest.mark.parametrize("name, args", [
    ("lync_cms_export", {"set_path": SET}),
    ("lync_data_export", {"set_path": SET, "kind": "rgs", "pool_fqdn": "pool01.contoso.local"}),
    ("lync_sql_backup", {"set_path": SET, "store_roles": ["ArchivingDatabase", "MonitoringDatabase"]}),
    ("lync_cert_export", {"set_path": SET, "password": "Vault-Secret-1"}),
    ("lync_backup_set", {"root": ROOT, "state": "opened"}),
])
def test_check_mode_plans_and_never_calls_the_host(name, args):
    result, recorder = run(name, args, check_mode=True)
    assert recorder.calls == [] and result["changed"] is True


def test_sql_backup_plan_and_result_mapping():
    result = run("lync_sql_backup", {"set_path": SET, "sql_instance": "RTC",
                                     "store_roles": ["ArchivingDatabase", "MonitoringDatabase"]}, check_mode=True)[0]
    assert result["planned"] == ["sql/sql01.contoso.local_rtc/LcsLog.bak", "sql/sql01.contoso.local_rtc/LcsCDR.bak",
                                 "sql/sql01.contoso.local_rtc/QoEMetrics.bak"]
    dbs = [{"Name": "LcsLog", "Status": "ok", "Error": None, "Files": [{"Name": "LcsLog.bak", "Bytes": 5, "Sha256": "AB"}],
            "RecoveryModel": "FULL", "DataFile": "d", "LogFile": "l", "Compressed": False, "Verified": True},
           {"Name": "LcsCDR", "Status": "failed", "Error": "database LcsCDR is OFFLINE", "Files": [], "RecoveryModel": None,
            "DataFile": None, "LogFile": None, "Compressed": False, "Verified": False}]
    answer = ok({"Edition": "Express Edition", "Version": "11.0", "ServiceAccount": "NT Service\\MSSQL$RTC",
                 "CompressionSupported": False, "Databases": dbs})
    result, recorder = run("lync_sql_backup", {"set_path": SET, "sql_instance": "RTC", "databases": ["LcsLog", "LcsCDR"]},
                           [answer])
    sent = recorder.calls[0]["module_args"]["parameters"]
    assert sent["SqlInstance"] == "sql01.contoso.local\\RTC" and sent["CopyOnly"] is True and sent["Checksum"] is True
    assert sent["TargetFolder"] == SET + "\\sql\\sql01.contoso.local_rtc"
    assert result["failed"] and "1 of 2 databases failed: LcsCDR: database LcsCDR is OFFLINE" in result["msg"]
    assert result["files"] == [{"path": "sql/sql01.contoso.local_rtc/LcsLog.bak", "bytes": 5, "sha256": "AB"}]
    assert any("FULL recovery model" in w for w in result["warnings"])
    assert any("cannot compress" in w for w in result["warnings"])


def test_sql_backup_refuses_a_backup_file_sql_server_would_refuse_before_any_backup():
    """<set>\\sql\\<server>_<instance>\\<db>.bak past 259 characters: SQL Server's Msg 3057 names neither the path
    nor the limit, and would come only after the BACKUP of every shorter one; refused here, naming both."""
    root = ROOT + "\\" + "r" * 153  # <root>\\<set>\\sql\\sql01.contoso.local_rtc\\rtcshared.bak: 260 characters
    long_set = root + "\\lync-20261124T020000Z-abcdef"
    with pytest.raises(AnsibleActionFail) as err:
        run("lync_sql_backup", {"set_path": long_set, "sql_instance": "RTC", "store_roles": ["UserDatabase"]}, [])
    path = long_set + "\\sql\\sql01.contoso.local_rtc\\rtcshared.bak"
    assert str(err.value).startswith("lync_sql_backup on sql01.contoso.local: the SQL backup file %s is %d characters "
                                     "long; SQL Server refuses a backup device name longer than 259 characters"
                                     % (path, len(path)))
    with pytest.raises(AnsibleActionFail, match="longer than 259 characters"):
        run("lync_sql_backup", {"set_path": long_set, "sql_instance": "RTC", "store_roles": ["UserDatabase"]}, [],
            check_mode=True)


def test_sql_service_account_problem_is_reported_with_the_account():
    failure = {"failed": True, "error": [{"exception": {"message": "LYNC_SQL_ACCESS: SQL Server service account "
                                                                   "CONTOSO\\svc-sql cannot write to \\\\b\\s: denied"}}]}
    with pytest.raises(AnsibleActionFail, match=r"lync_sql_backup on sql01.contoso.local: SQL Server service account "
                                                r"CONTOSO\\svc-sql cannot write"):
        run("lync_sql_backup", {"set_path": SET, "store_roles": ["UserDatabase"]}, [failure])


PROBE = {"Present": [], "PresentCA": [], "LyncShell": "Lync",
         "Assigned": [{"Use": "Default", "Thumbprint": "A" * 40, "Scope": "local"},
                      {"Use": "WebServicesExternal", "Thumbprint": "A" * 40, "Scope": "local"}]}


def test_certificate_password_travels_only_as_a_secure_string():
    secret = "Vault-Secret-1"
    cert = {"Thumbprint": "A" * 40, "Name": "A" * 40 + ".pfx", "Bytes": 9, "Sha256": "CD", "Chain": [],
            "Exportable": True, "Error": None, "Subject": "CN=x", "Sans": ["x"], "Issuer": "CN=ca", "NotAfter": "2028"}
    result, recorder = run("lync_cert_export", {"set_path": SET, "password": secret},
                           [ok(PROBE), ok({"Certificates": [cert]}), ok({"Files": [{"Path": "x", "Bytes": 1, "Sha256": "X"}]})])
    first = recorder.calls[1]["module_args"]
    assert first["sensitive_parameters"] == [{"name": "Password", "value": secret}]
    assert first["parameters"]["Thumbprints"] == ["A" * 40]
    assert secret not in str(first["parameters"]) and secret not in str(result)
    assert payload_names(recorder) == ["lync_cert_probe", "lync_cert_export", "lync_backup_set_write_files"]
    assert [f["path"] for f in result["files"]] == ["certs/sql01.contoso.local/%s.pfx" % ("A" * 40),
                                                    "certs/sql01.contoso.local/certificates.json"]
    assert result["details"]["certificates"][0]["usages"] == ["Default", "WebServicesExternal"]


def test_a_named_certificate_without_lync_usage_records_no_usage():
    """1a7fef5's payload recorded @($usages[$thumb]) = @($null) as usages [null]; the usages are Python's now."""
    cert = {"Thumbprint": "B" * 40, "Name": "B" * 40 + ".pfx", "Bytes": 9, "Sha256": "CD", "Chain": [],
            "Exportable": True, "Error": None, "Subject": "CN=y", "Sans": [], "Issuer": "CN=ca", "NotAfter": "2028"}
    result, recorder = run("lync_cert_export", {"set_path": SET, "password": "Vault-Secret-1", "thumbprints": ["B" * 40]},
                           [ok(PROBE), ok({"Certificates": [cert]}), ok({"Files": []})])
    assert recorder.calls[1]["module_args"]["parameters"]["Thumbprints"] == ["B" * 40]
    assert result["details"]["certificates"][0]["usages"] == []


def test_intermediate_ca_certificates_are_kept_as_cer_files_and_the_root_is_not():
    der = base64.b64encode(b"lab intermediate").decode()
    chain = [{"Thumbprint": "C" * 40, "Subject": "CN=Public Issuing CA", "Issuer": "CN=Public Root CA", "Der": der},
             {"Thumbprint": "D" * 40, "Subject": "CN=Public Root CA", "Issuer": "CN=Public Root CA", "Der": der}]
    cert = {"Thumbprint": "A" * 40, "Name": "A" * 40 + ".pfx", "Bytes": 9, "Sha256": "CD", "Chain": chain,
            "Exportable": True, "Error": None, "Subject": "CN=x", "Sans": [], "Issuer": "CN=Public Issuing CA",
            "NotAfter": "2028"}
    result, recorder = run("lync_cert_export", {"set_path": SET, "password": "Vault-Secret-1"},
                           [ok(PROBE), ok({"Certificates": [cert]}), ok({"Files": []})])
    written = recorder.calls[2]["module_args"]["parameters"]["Files"]
    cer = "certs/sql01.contoso.local/chain/%s.cer" % ("C" * 40)
    assert [f["Path"] for f in written] == [cer, "certs/sql01.contoso.local/certificates.json"]
    assert written[0]["Content"].startswith("-----BEGIN CERTIFICATE-----\r\n" + der)
    assert result["details"]["certificates"][0]["chain"] == [
        {"thumbprint": "C" * 40, "subject": "CN=Public Issuing CA", "issuer": "CN=Public Root CA", "file": cer}]
    assert cer in [f["path"] for f in result["files"]]


def test_export_needs_the_lync_shell():
    with pytest.raises(AnsibleActionFail, match="LYNC_SHELL_MISSING"):
        run("lync_cert_export", {"set_path": SET, "password": "Vault-Secret-1"},
            [ok(dict(PROBE, LyncShell=None, Assigned=[]))])


def test_non_exportable_certificate_fails_the_item_but_is_recorded():
    cert = {"Thumbprint": "B" * 40, "Name": None, "Bytes": 0, "Sha256": None, "Chain": [], "Exportable": False,
            "Error": "the private key of BBB cannot be exported: Key not valid for use in specified state.",
            "Subject": "CN=x", "Sans": [], "Issuer": "CN=ca", "NotAfter": "2028"}
    result = run("lync_cert_export", {"set_path": SET, "password": "Vault-Secret-1"},
                 [ok(PROBE), ok({"Certificates": [cert]}), ok({"Files": []})])[0]
    assert result["failed"] and "cannot be exported" in result["msg"]
    assert result["details"]["certificates"][0]["exportable"] is False


def test_open_refuses_clearly_when_another_backup_holds_the_lock():
    locked = {"failed": True, "error": [{"exception": {"message": "LYNC_BACKUP_LOCKED: \\\\b\\s\\.lync-backup.lock is "
                                                                  "held since 2026-11-24T01:00:00Z by {\"controller\": \"awx\"}"}}]}
    with pytest.raises(AnsibleActionFail, match="another backup is running against .*awx"):
        run("lync_backup_set", {"root": ROOT, "state": "opened"}, [locked])


def test_open_does_not_call_a_set_folder_that_exists_another_backup():
    """"already exists" from New-Item (the set's folder) is the payload's error, not a lock held by another run: that
    one the payload names LYNC_BACKUP_LOCKED by its error code (review s17, 6)."""
    exists = {"failed": True, "error": [{"exception": {"message": "An item with the specified name \\\\b\\s\\"
                                                                  "lync-x already exists."}}]}
    with pytest.raises(AnsibleActionFail) as caught:
        run("lync_backup_set", {"root": ROOT, "state": "opened"}, [exists])
    assert "another backup is running" not in str(caught.value) and "already exists" in str(caught.value)


RESUMED = "lync-20261124T020000Z-abcdef"


def _locked_by(holder, age="0.4"):
    return {"failed": True, "error": [{"exception": {"message": "LYNC_BACKUP_LOCKED: \\\\b\\s\\.lync-backup.lock is held "
                                                                "since 2026-11-24T02:00:03Z (age %s h) by %s"
                                                                % (age, json.dumps(holder))}}]}


def test_open_writes_a_random_run_id_in_the_lock_and_returns_it():
    result, recorder = run("lync_backup_set", {"root": ROOT, "state": "opened"}, [ok({"Path": SET})])
    parameters = recorder.calls[0]["module_args"]["parameters"]
    lock = json.loads(parameters["LockText"])
    assert len(result["run_id"]) == 16 and lock["run"] == result["run_id"] == parameters["RunId"]
    again, dummy = run("lync_backup_set", {"root": ROOT, "state": "opened"}, [ok({"Path": SET})])
    assert again["run_id"] != result["run_id"]  # random per run (two equal tokens: 1 in 2**64)


def test_a_resume_is_refused_while_the_sets_lock_is_young_and_names_who_holds_it():
    holder = {"set_id": RESUMED, "run": "0123456789abcdef", "controller": "awx-1", "started": "2026-11-24T02:00:03Z"}
    with pytest.raises(AnsibleActionFail) as caught:
        run("lync_backup_set", {"root": ROOT, "state": "opened", "set_id": RESUMED, "resume": True,
                                "run_id": "fedcba9876543210"}, [_locked_by(holder)])
    said = str(caught.value)
    assert "may still be working on the set" in said and "awx-1" in said and "0123456789abcdef" in said, said
    assert "backup_resume_force: true" in said and "0.4 hours old" in said, said


def test_a_resume_takes_over_the_lock_only_when_forced():
    args = {"root": ROOT, "state": "opened", "set_id": RESUMED, "resume": True, "run_id": "fedcba9876543210"}
    dummy, plain = run("lync_backup_set", args, [ok({"Path": SET})])
    assert "TakeOver" not in plain.calls[0]["module_args"]["parameters"]
    result, forced = run("lync_backup_set", dict(args, force=True), [ok({"Path": SET, "TakenOverLock": "{}"})])
    assert forced.calls[0]["module_args"]["parameters"]["TakeOver"] is True and result["resumed"]
    assert json.loads(forced.calls[0]["module_args"]["parameters"]["LockText"])["run"] == "fedcba9876543210"


@pytest.mark.parametrize("resume", [False, True])
def test_a_moved_aside_lock_left_behind_is_named_in_a_warning(resume):
    """lync_backup_set_open could not delete the lock it moved aside (AsideLeft): the open stands, and the warning names
    the file to delete (review s12, 5). Without AsideLeft there is no such warning."""
    args = {"root": ROOT, "state": "opened"}
    if resume:
        args.update(set_id=RESUMED, resume=True, run_id="fedcba9876543210")
    aside = ROOT + "\\.lync-backup.lock.fedcba9876543210"
    result, dummy = run("lync_backup_set", args, [ok({"Path": SET, "TakenOverLock": "{}", "AsideLeft": aside})])
    assert any(w.startswith("the lock this run took over was moved to %s and could not be deleted" % aside)
               for w in result["warnings"]), result
    plain, dummy = run("lync_backup_set", args, [ok({"Path": SET, "TakenOverLock": None, "AsideLeft": None})])
    assert not any("could not be deleted" in w for w in plain.get("warnings", []))


def test_the_release_carries_the_run_id_and_a_bad_token_is_refused():
    dummy, recorder = run("lync_backup_set", {"root": ROOT, "state": "unlocked", "set_id": RESUMED,
                                              "run_id": "fedcba9876543210"}, [ok({"Released": False})])
    assert recorder.calls[0]["module_args"]["parameters"] == {"Root": ROOT, "SetId": RESUMED,
                                                              "RunId": "fedcba9876543210"}
    with pytest.raises(AnsibleActionFail, match="run_id must be"):
        run("lync_backup_set", {"root": ROOT, "state": "unlocked", "set_id": RESUMED, "run_id": "x; rm"})


def close_args(plan, results):
    return {"root": ROOT, "state": "closed", "set_id": "lync-20261124T020000Z-abcdef", "plan": plan, "results": results,
            "deployment": deployment(), "hosts": hosts(), "started": "2026-11-24T02:00:00Z", "signing_key": "k" * 32}


def close_results(plan):
    """Every item ok; a file store's record names its folder (its files are what landed there)."""
    results = ok_results(plan)
    for item, res in zip([i for i in plan if i["kind"] != "identity" and not i["problem"]], results):
        if item["kind"] == "filestore":
            res.update(files=[], details={"folder": item["args"]["folder"]})
    return results


STORE_LISTING = {"Files": 3, "Offset": 0, "FileBytes": 30, "Bytes": 240, "Sha256": "B" * 64, "Errors": [],
                 "ErrorCount": 0}


def landed(results, change=None):
    """lync_file_inventory's answers, one per top-level folder in order: every file the items wrote, landed as
    written (upper-case hashes as Windows); change(path, entry) may alter an entry. Then lync_file_listing's
    answer for each file store (a summary, whatever the store holds)."""
    folders = {}
    stores = []
    for res in results:
        if "folder" in res["details"]:
            stores.append(res["id"])
            continue
        for path in [e["path"] for e in res["files"]]:
            top, rel = path.split("/", 1)
            entry = {"Path": rel, "Bytes": 1, "Sha256": "AA", "Error": None}
            if change:
                change(path, entry)
            folders.setdefault(top, []).append(entry)
    return [ok({"Exists": True, "Files": folders[top]}) for top in sorted(folders)] + \
        [ok(dict(STORE_LISTING)) for dummy in sorted(stores)]


def test_closing_refuses_a_plan_that_makes_no_manifest_and_writes_nothing():
    plan = [i for i in backup_plan.plan(deployment(), hosts()) if not i["problem"]]
    act, recorder = action("lync_backup_set", close_args([{"id": "x"}], ok_results(plan)))
    with pytest.raises(AnsibleActionFail, match="do not make a manifest"):
        act.run(task_vars=VARS)
    assert recorder.calls == []


def test_closing_hashes_what_landed_once_then_writes_documents_before_the_manifest():
    plan = backup_plan.plan(deployment(), hosts())  # the monitoring server's SQL backups cannot run: partial
    results = close_results(plan)
    written = [{"Path": p, "Bytes": 1, "Sha256": "X"} for p in
               ("identity/fe1.contoso.local.json", "identity/sql01.contoso.local.json", "report.txt", "report.html",
                "manifest.sig", "manifest.json")]
    answers = landed(results)
    result, recorder = run("lync_backup_set", close_args(plan, results),
                           answers + [ok({"Files": written}), ok({"Released": True})])
    count = len(answers)
    expected = ["lync_file_inventory"] * 4 + ["lync_file_listing_write", "lync_backup_set_write_files",
                                              "lync_backup_set_unlock"]
    # cms, pools, sql, certs: a constant number of calls, not one per item; then one listing per file store,
    # written on the host into the set: only its summary comes back.
    assert payload_names(recorder) == expected
    assert recorder.calls[0]["module_args"]["parameters"] == {"Path": "\\\\?\\UNC\\" + SET[2:] + "\\certs", "Hash": True}
    assert recorder.calls[4]["module_args"]["parameters"] == {
        "Path": "\\\\?\\UNC\\" + SET[2:] + "\\filestores\\fs.contoso.local_share",
        "ListingPath": "\\\\?\\UNC\\" + SET[2:] + "\\listings\\fs.contoso.local_share.tsv"}
    files = recorder.calls[count]["module_args"]["parameters"]["Files"]
    assert [f["Path"] for f in files] == [w["Path"] for w in written]
    assert '"report"' in files[-1]["Content"] and result["lock_released"] is True
    assert '"collection_version": "%s"' % collection_info.collection_version() in files[-1]["Content"]
    store = [i for i in files if i["Path"] == "manifest.json"]
    written_manifest = json.loads(store[0]["Content"])
    item = next(i for i in written_manifest["items"] if i["kind"] == "filestore")
    assert item["files"] == [{"path": "listings/fs.contoso.local_share.tsv", "bytes": 240, "sha256": "B" * 64}]
    assert item["listing"] == dict(item["files"][0], folder="filestores/fs.contoso.local_share", files=3, file_bytes=30)
    assert written_manifest["format"] == 2
    assert result["status"] == "partial" and result["report"].startswith("lync.server backup lync-20261124T020000Z-abcdef")
    # The written manifest.json answered "X", not the SHA-256 of the text sent: the verification says so.
    assert result["set"]["trusted"] is False
    assert "manifest.json landed with another SHA-256 than the text written" in result["set"]["problems"]


def close_with(plan, results, answers):
    done = ok({"Files": [{"Path": p, "Bytes": 1, "Sha256": "X"} for p in ("report.txt", "manifest.json")]})
    return run("lync_backup_set", close_args(plan, results), answers + [done, ok({"Released": True})])


LOST = {"failed": True, "msg": "LYNC_LOCK_LOST: the lock \\\\b\\r\\.lync-backup.lock names this set under "
                               "another run: {\"set_id\": \"lync-20261124T020000Z-abcdef\", \"run\": \"" + "b" * 16 + "\"}"}


def _split_landed(results):
    """landed()'s answers as (inventories, listings): the lock check comes between the two."""
    answers = landed(results)
    stores = sum(1 for res in results if "folder" in res["details"])
    return answers[:len(answers) - stores], answers[len(answers) - stores:]


@pytest.mark.parametrize("lost_at", ["before the listings", "at the documents"])
def test_the_close_writes_under_this_runs_lock_and_stops_when_another_run_resumed_the_set(lost_at):
    """The close's first write into the set (the file stores' listings) and its documents carry this run's lock (root,
    set, run id): lync_backup_set_write_files refuses when the lock names the set under another run (LYNC_LOCK_LOST),
    and the close fails saying so, its lock left alone; lost before the listings, it writes no listing (review lock,
    finding 5)."""
    plan = backup_plan.plan(deployment(), hosts())
    results = close_results(plan)
    inventories, listings = _split_landed(results)
    assert listings  # the plan has file stores: the listings would be written into the set
    args = dict(close_args(plan, results), run_id="a" * 16)
    if lost_at == "before the listings":
        answers = inventories + [LOST]
    else:
        answers = inventories + [ok({"Files": []})] + listings + [LOST]
    act, recorder = action("lync_backup_set", args, answers)
    with pytest.raises(AnsibleActionFail, match="under another run.*this run does not close the set") as caught:
        act.run(task_vars=VARS)
    assert "LYNC_LOCK_LOST" not in str(caught.value)
    names = payload_names(recorder)
    checks = [c["module_args"]["parameters"] for c, name in zip(recorder.calls, names)
              if name == "lync_backup_set_write_files"]
    assert names[len(inventories)] == "lync_backup_set_write_files" and checks[0]["Files"] == []
    for parameters in checks:
        assert (parameters["LockRoot"], parameters["LockSetId"], parameters["LockRunId"]) == (
            ROOT, "lync-20261124T020000Z-abcdef", "a" * 16)
    assert ("lync_file_listing_write" in names) == (lost_at == "at the documents")
    assert names[-1] == "lync_backup_set_write_files"  # no unlock: the lock is the other run's


MOVING = {"failed": True, "msg": "LYNC_LOCK_MOVING: there is no lock \\\\b\\r\\.lync-backup.lock, but another run is "
                                 "taking it over: \\\\b\\r\\.lync-backup.lock." + "c" * 16}


def test_each_listing_is_staged_and_renamed_into_place_by_the_last_write_under_the_lock():
    """A store's listing is written under its staged name (<listing>.<run id>.staged) and checks no lock; the close's
    last write renames it into place, with the SHA-256 its payload hashed, before the documents and in the same call
    as their lock check (reviews s9main 2, s12 3, s13 5)."""
    plan = backup_plan.plan(deployment(), hosts())
    results = close_results(plan)
    inventories, listings = _split_landed(results)
    assert len(listings) == 1
    args = dict(close_args(plan, results), run_id="a" * 16)
    done = ok({"Files": [{"Path": p, "Bytes": 1, "Sha256": "X"} for p in ("report.txt", "manifest.json")]})
    result, recorder = run("lync_backup_set", args, inventories + [ok({"Files": []})] + listings +
                           [done, ok({"Released": True})])
    assert not result.get("failed"), result
    names = payload_names(recorder)
    listing = recorder.calls[names.index("lync_file_listing_write")]["module_args"]["parameters"]
    assert listing == {"Path": "\\\\?\\UNC\\" + SET[2:] + "\\filestores\\fs.contoso.local_share",
                       "ListingPath": "\\\\?\\UNC\\" + SET[2:] + "\\listings\\fs.contoso.local_share.tsv.%s.staged"
                       % ("a" * 16)}
    last = recorder.calls[names.index("lync_backup_set_unlock") - 1]["module_args"]["parameters"]
    assert (last["LockRoot"], last["LockSetId"], last["LockRunId"]) == (ROOT, "lync-20261124T020000Z-abcdef", "a" * 16)
    assert last["Files"][0] == {"Path": "listings/fs.contoso.local_share.tsv", "Sha256": "B" * 64,
                                "From": "listings/fs.contoso.local_share.tsv.%s.staged" % ("a" * 16)}
    assert "Content" in last["Files"][1] and last["Files"][-1]["Path"] == "manifest.json"


def test_a_store_whose_listing_failed_has_nothing_renamed_into_place():
    """A listing that failed (no summary, no staged file) fails its item and gets no From entry in the last write
    (review s15, 3)."""
    plan = backup_plan.plan(deployment(), hosts())
    results = close_results(plan)
    inventories, listings = _split_landed(results)
    failed = {"failed": True, "msg": "LYNC_LISTING_MISSING: the copy does not exist or cannot be reached"}
    done = ok({"Files": [{"Path": p, "Bytes": 1, "Sha256": "X"} for p in ("report.txt", "manifest.json")]})
    result, recorder = run("lync_backup_set", dict(close_args(plan, results), run_id="a" * 16),
                           inventories + [ok({"Files": []})] + [failed] * len(listings) + [done, ok({"Released": True})])
    assert not result.get("failed"), result
    last = recorder.calls[payload_names(recorder).index("lync_backup_set_unlock") - 1]["module_args"]["parameters"]
    assert all("From" not in f for f in last["Files"])
    manifest = json.loads(last["Files"][-1]["Content"])
    store = next(i for i in manifest["items"] if i["kind"] == "filestore")
    assert store["status"] == "failed" and "LYNC_LISTING_MISSING" in json.dumps(store)


@pytest.mark.parametrize("where", ["lock check", "documents"])
def test_a_takeover_under_way_is_asked_again_until_its_lock_is_written(where):
    """LYNC_LOCK_MOVING: another run has moved the old lock aside and not yet written its own (review s9main 3); the
    close waits LOCK_MOVING_WAIT and asks again, then goes on as the lock it finds says."""
    plan = backup_plan.plan(deployment(), hosts())
    results = close_results(plan)
    inventories, listings = _split_landed(results)
    done = ok({"Files": [{"Path": p, "Bytes": 1, "Sha256": "X"} for p in ("report.txt", "manifest.json")]})
    answers = {"lock check": inventories + [MOVING, MOVING, ok({"Files": []})] + listings + [done],
               "documents": inventories + [ok({"Files": []})] + listings + [MOVING, done]}[where]
    act, recorder = action("lync_backup_set", dict(close_args(plan, results), run_id="a" * 16),
                           answers + [ok({"Released": True})])
    slept = []
    act.sleep = slept.append
    result = act.run(task_vars=VARS)
    assert not result.get("failed"), result
    assert slept == [lync_backup_set.LOCK_MOVING_WAIT] * (2 if where == "lock check" else 1)
    assert payload_names(recorder)[-1] == "lync_backup_set_unlock" and len(recorder.calls) == len(answers) + 1
    # Each store listed (its bytes read) once: a takeover at the last write asks again with the same staged files.
    assert payload_names(recorder).count("lync_file_listing_write") == len(listings)
    if where == "documents":
        tries = [c["module_args"]["parameters"]["Files"] for c in recorder.calls[-3:-1]]
        assert tries[0] == tries[1] and "From" in tries[0][0]


def test_a_takeover_that_never_ends_stops_the_close_naming_the_lock_left_aside():
    plan = backup_plan.plan(deployment(), hosts())
    results = close_results(plan)
    inventories, dummy = _split_landed(results)
    tries = lync_backup_set.LOCK_MOVING_TRIES
    act, recorder = action("lync_backup_set", dict(close_args(plan, results), run_id="a" * 16),
                           inventories + [MOVING] * tries)
    slept = []
    act.sleep = slept.append
    with pytest.raises(AnsibleActionFail) as caught:
        act.run(task_vars=VARS)
    assert str(caught.value).startswith("lync_backup_set: there is no lock \\\\b\\r\\.lync-backup.lock, but another "
                                        "run is taking it over: \\\\b\\r\\.lync-backup.lock." + "c" * 16)
    assert "(asked %d times, %d s apart)" % (tries, lync_backup_set.LOCK_MOVING_WAIT) in str(caught.value)
    assert "If no other backup runs on this root, that file is left from a takeover that did not finish: delete it, " \
        "and close the set again" in str(caught.value) and len(slept) == tries - 1
    assert payload_names(recorder).count("lync_file_listing_write") == 0


def test_a_close_without_a_run_id_writes_without_a_lock_check():
    plan = backup_plan.plan(deployment(), hosts())
    results = close_results(plan)
    answers = landed(results)
    dummy, recorder = close_with(plan, results, answers)
    assert "LockRoot" not in recorder.calls[len(answers)]["module_args"]["parameters"]


def test_closing_fails_an_item_whose_file_landed_otherwise():
    plan = backup_plan.plan(deployment(), hosts())
    results = close_results(plan)
    first = results[0]["files"][0]["path"]
    answers = landed(results, lambda path, entry: entry.update(Bytes=99) if path == first else None)
    result, recorder = close_with(plan, results, answers)
    assert result["status"] == "partial"
    assert any("landed with 99 bytes; the item wrote 1" in e for e in result["set"]["errors"])
    manifest = recorder.calls[len(answers)]["module_args"]["parameters"]["Files"][-1]["Content"]
    assert '"status": "partial"' in manifest


def test_closing_names_a_file_it_could_not_read_and_fails_only_its_item():
    plan = backup_plan.plan(deployment(), hosts())
    results = close_results(plan)
    held = "sql/sql01.contoso.local_rtc/xds.bak"
    assert held in [e["path"] for r in results for e in r["files"]]
    busy = "The process cannot access the file because it is being used by another process."
    answers = landed(results, lambda path, entry: entry.update(Sha256=None, Error=busy) if path == held else None)
    result, dummy = close_with(plan, results, answers)
    errors = [e for e in result["set"]["errors"] if "could not be read where it landed" in e]
    assert len(errors) == 1 and errors[0].startswith("sql:sql01.contoso.local\\rtc: " + held)
    assert "being used by another process" in errors[0]


def test_closing_fails_only_the_items_of_a_folder_it_could_not_list():
    plan = backup_plan.plan(deployment(), hosts())
    results = close_results(plan)
    answers = landed(results)
    broken = {"failed": True, "error": [{"exception": {"message": "Could not find a part of the path."}}]}
    answers[["certs", "cms", "pools", "sql"].index("pools")] = broken
    answers[-1] = broken  # the file store's listing
    result, dummy = close_with(plan, results, answers)
    lost = [e for e in result["set"]["errors"] if "the close could not list pools/ to hash it" in e]
    assert lost and all(e.startswith(("userdata:", "rgs:")) for e in lost)
    assert not any(e.startswith("cms_config") for e in result["set"]["errors"])
    store = [e for e in result["set"]["errors"] if e.startswith("filestore:")]
    assert store == ["filestore:\\\\fs.contoso.local\\share: the close could not list filestores/fs.contoso.local_share/ to "
                     "hash it: payload lync_file_listing_write on sql01.contoso.local failed: "
                     "Could not find a part of the path."]


def test_closing_fails_a_file_store_with_unreadable_files_naming_the_first_and_counting_all():
    plan = backup_plan.plan(deployment(), hosts())
    results = close_results(plan)
    answers = landed(results)
    answers[-1] = ok(dict(STORE_LISTING, Errors=["a.txt: busy", "b.txt: denied"], ErrorCount=7))
    result, dummy = close_with(plan, results, answers)
    store = [e for e in result["set"]["errors"] if e.startswith("filestore:")]
    assert len(store) == 1 and "7 entries of filestores/fs.contoso.local_share/ could not be listed or read: " in store[0]
    assert "a.txt: busy; b.txt: denied; ..." in store[0] and result["status"] == "partial"


def test_closing_names_listing_errors_by_their_own_cause():
    """Review listing2 finding 8: a junction or a name with an unpaired surrogate is not a file that "could not be
    read where it landed" (a run that timed out, or denied): the close's text says only that entries could not be
    listed or read, and each error names its cause."""
    plan = backup_plan.plan(deployment(), hosts())
    results = close_results(plan)
    answers = landed(results)
    errors = ["a/loop/: a reparse point (junction or symbolic link), not followed",
              "b/?.txt: the name holds an unpaired UTF-16 surrogate (no UTF-8 form); not listed"]
    answers[-1] = ok(dict(STORE_LISTING, Errors=errors, ErrorCount=2))
    result, dummy = close_with(plan, results, answers)
    store = [e for e in result["set"]["errors"] if e.startswith("filestore:")]
    assert len(store) == 1 and store[0].endswith(
        "2 entries of filestores/fs.contoso.local_share/ could not be listed or read: " + "; ".join(errors))
    assert "where they landed" not in store[0] and "timed out" not in store[0]


def test_closing_warns_when_the_share_is_not_on_the_closing_host():
    plan = backup_plan.plan(deployment(), hosts())
    results = close_results(plan)
    result, dummy = close_with(plan, results, landed(results))
    # backup01 is no host of the play here: the close cannot tell an alias of itself from another server.
    assert "the set may have been hashed over the network: the share %s names the server backup01.contoso.local" % ROOT \
        in result["warnings"][0]
    act, dummy = action("lync_backup_set", close_args(plan, results))
    for host in ("backup01.contoso.local", "backup01", "BACKUP01.contoso.local"):
        act._task.delegate_to = host  # pylint: disable=protected-access
        assert act._share_elsewhere(ROOT) is None  # pylint: disable=protected-access
    assert act._share_elsewhere("D:\\LyncBackup") is None  # pylint: disable=protected-access


BACKUP01 = facts.host_facts(raw_host(ComputerName="BACKUP01", Fqdn="backup01.contoso.local", Ipv4=["10.0.0.5"]))
SQL01 = facts.host_facts(raw_host(ComputerName="SQL01", Fqdn="sql01.contoso.local", Ipv4=["10.0.0.7"]))


@pytest.mark.parametrize("server", ["backup01.contoso.local", "BACKUP01", "backup01", "10.0.0.5", "localhost"])
def test_the_share_is_local_when_the_root_names_the_closing_host_by_any_of_its_names(server):
    """Round-2 review, finding 7: an inventory that names the backup server by its IP address (10.0.0.5) made the
    close compare "10" with "backup01" and warn; its facts give its FQDN, computer name and addresses."""
    root = "\\\\%s\\LyncBackup" % server
    assert share_elsewhere(root, "10.0.0.5", {"10.0.0.5": BACKUP01, "sql01": SQL01}) is None
    assert share_elsewhere(root, "backup01.contoso.local", {"backup01.contoso.local": BACKUP01}) is None


def test_the_share_is_elsewhere_when_the_root_names_another_host_of_the_play():
    hosts_ = {"10.0.0.5": BACKUP01, "sql01": SQL01}
    for server in ("sql01.contoso.local", "SQL01", "10.0.0.7"):
        assert share_elsewhere("\\\\%s\\LyncBackup" % server, "10.0.0.5", hosts_) == (server.lower(), True)
    warning = share_warning("\\\\sql01\\LyncBackup", "10.0.0.5", "sql01", True)
    assert warning.startswith("the set was hashed over the network: sql01 holds the share \\\\sql01\\LyncBackup, not "
                              "10.0.0.5")


def test_a_server_of_the_same_short_name_in_another_domain_or_an_alias_may_be_elsewhere():
    """The same first label in another domain is another computer; a DNS alias or a DFS namespace is a name the
    facts do not hold: the close says the set may have been hashed over the network, and why it may not."""
    hosts_ = {"backup01.contoso.local": BACKUP01}
    for server in ("backup01.fabrikam.local", "backup.contoso.local", "dfs.contoso.local"):
        assert share_elsewhere("\\\\%s\\LyncBackup" % server, "backup01.contoso.local", hosts_) == (server, False)
    warning = share_warning("\\\\backup.contoso.local\\B", "backup01.contoso.local", "backup.contoso.local", False)
    assert warning.startswith("the set may have been hashed over the network")
    assert "if backup.contoso.local is another name of backup01.contoso.local (a DNS alias, a DFS namespace)" in warning


def test_closing_writes_report_html_listed_in_the_manifest_it_signs():
    """report.html goes the way of report.txt: rendered in the close from the settled manifest and the history,
    written before the manifest, checked against its SHA-256, listed (report_html) in the manifest that manifest.sig
    signs; the controller gets the same page with the close's verification."""
    plan = backup_plan.plan(deployment(), hosts())
    results = close_results(plan)
    answers = landed(results)
    done = ok({"Files": [{"Path": p, "Bytes": 1, "Sha256": "X"} for p in ("report.txt", "report.html", "manifest.json")]})
    result, recorder = run("lync_backup_set", dict(close_args(plan, results), history=[]),
                           answers + [done, ok({"Released": True})])
    files = recorder.calls[len(answers)]["module_args"]["parameters"]["Files"]
    names = [f["Path"] for f in files]
    assert names[-4:] == ["report.txt", "report.html", "manifest.sig", "manifest.json"]
    page = files[-3]["Content"]
    digest = hashlib.sha256(page.encode("utf-8")).hexdigest().upper()
    assert page.startswith("<!DOCTYPE html>") and files[-3]["Sha256"] == digest
    listed = json.loads(files[-1]["Content"])["report_html"]
    assert listed == {"path": "report.html", "bytes": len(page.encode("utf-8")), "sha256": digest}
    assert result["report_html"] != page and "lync-20261124T020000Z-abcdef" in result["report_html"]


def test_set_listing_gives_each_set_a_history_summary():
    """lync_backup_set_info lists each set with `history` (a summary of its own manifest) for report.html."""
    manifest = minimal_manifest("lync-20261124T020000Z-abcdef")
    text = json.dumps(manifest)
    scan = {"Sets": [{"Name": manifest["set_id"], "Manifest": text, "Signature": bs.sign(text, "k" * 16)},
                     {"Name": "lync-20261123T020000Z-abcdef", "Manifest": None, "Signature": None}], "Lock": None}
    result, dummy = run("lync_backup_set_info", {"root": ROOT, "signing_key": "k" * 16}, [ok(scan)])
    first, second = result["sets"]
    assert first["signature"] == "valid" and first["history"]["kinds"] and "manifest" not in first
    assert first["history"] == report_html.summary(manifest)
    assert second["history"] is None and second["condition"] == "incomplete"


def test_data_export_paths_record_the_source():
    result, recorder = run("lync_data_export", {"set_path": SET, "kind": "persistentchat",
                                                "db_instance": "sqlmon01.contoso.local\\PCHAT"},
                           [ok({"Files": [{"Name": "mgc.zip", "Bytes": 3, "Sha256": "EE"}]})])
    assert recorder.calls[0]["module_args"]["parameters"]["RelativePath"] == \
        "persistentchat\\sqlmon01.contoso.local_pchat\\mgc.zip"
    assert result["files"][0]["path"] == "persistentchat/sqlmon01.contoso.local_pchat/mgc.zip"
    assert result["details"] == {"db_instance": "sqlmon01.contoso.local\\PCHAT"}


def test_a_missing_sql_right_is_named_not_taken_for_the_share():
    """db_backupoperator alone: the payload names CREATE DATABASE (for RESTORE VERIFYONLY), not the share."""
    failure = {"failed": True, "error": [{"exception": {"message": "LYNC_SQL_RIGHTS: login CONTOSO\\lyncadmin on "
                                                                   "sql01.contoso.local lacks the CREATE DATABASE permission "
                                                                   "(server role dbcreator, or sysadmin) that RESTORE "
                                                                   "VERIFYONLY needs; grant it, or set verify to false"}}]}
    with pytest.raises(AnsibleActionFail) as err:
        run("lync_sql_backup", {"set_path": SET, "store_roles": ["UserDatabase"]}, [failure])
    assert "lacks the CREATE DATABASE permission" in str(err.value) and "LYNC_SQL_RIGHTS" not in str(err.value)
    assert "cannot write" not in str(err.value)


def test_a_database_without_backup_rights_names_the_right():
    dbs = [{"Name": "LcsLog", "Status": "failed", "Files": [], "RecoveryModel": "SIMPLE", "DataFile": "d", "LogFile": "l",
            "Compressed": False, "Verified": False,
            "Error": "LYNC_SQL_RIGHTS: login CONTOSO\\lyncadmin lacks the BACKUP DATABASE permission in LcsLog"}]
    answer = ok({"Edition": "Enterprise Edition", "Version": "11.0", "ServiceAccount": "CONTOSO\\svc-sql",
                 "CompressionSupported": True, "Databases": dbs})
    result, dummy = run("lync_sql_backup", {"set_path": SET, "databases": ["LcsLog"]}, [answer])
    assert result["failed"] and "LcsLog: login CONTOSO\\lyncadmin lacks the BACKUP DATABASE permission" in result["msg"]
    assert result["details"]["databases"][0]["error"].startswith("login CONTOSO\\lyncadmin lacks")


def test_a_scratch_database_left_behind_is_a_warning():
    answer = ok({"Database": "LcsCDR", "Mode": "test", "Verified": True, "Restored": True, "CheckDb": "ok",
                 "AclFixed": False, "ScratchDropped": "Exception calling \"ExecuteReader\": broken"})
    args = {"database": "LcsCDR", "files": [SET + "\\sql\\x\\LcsCDR.bak"], "mode": "test", "scratch_folder": "D:\\Scratch"}
    result, dummy = run("lync_sql_restore", args, [answer])
    assert not result.get("failed")
    assert "lync_restore_test_LcsCDR could not be dropped" in result["warnings"][0]


def test_retention_reports_what_the_host_removed_not_its_plan(monkeypatch):
    """A planned set already gone when lync_backup_set_remove.ps1 runs is skipped there (Test-Path): `removed`
    lists only the payload's Removed, and the set it did not remove is a warning."""
    from ansible_collections.lync.server.plugins.action import lync_backup_retention as retention
    planned = ["lync-20261101T020000Z-aaaaaa", "lync-20261102T020000Z-bbbbbb"]
    sets = [{"set_id": s, "status": "complete", "checked": True} for s in planned + ["lync-20261124T020000Z-cccccc"]]
    monkeypatch.setattr(retention.set_reader, "scan", lambda action, root, key=None, allow_unsigned=False: (sets, None))
    monkeypatch.setattr(retention.set_reader, "newest_trusted", lambda action, root, found, verified: found[-1])
    monkeypatch.setattr(retention.set_reader, "public", lambda info: {"set_id": info["set_id"]})
    monkeypatch.setattr(retention.bs, "condition", lambda info: "complete")
    monkeypatch.setattr(retention.bs, "retention_plan",
                        lambda *args: (list(planned), ["lync-20261124T020000Z-cccccc"], {}))
    answer = ok({"Removed": [planned[1]], "BytesFreed": 1024}, changed=True)
    result, recorder = run("lync_backup_retention", {"root": ROOT, "keep_sets": 1}, [answer])
    assert payload_names(recorder) == ["lync_backup_set_remove"]
    assert result["removed"] == [planned[1]] and result["changed"] is True
    assert any(planned[0] in w and "did not remove" in w for w in result["warnings"])
    answer = ok({"Removed": [], "BytesFreed": 0})
    result, recorder = run("lync_backup_retention", {"root": ROOT, "keep_sets": 1}, [answer])
    assert result["removed"] == [] and result["changed"] is False


def test_a_stuck_lock_says_how_to_release_it_safely():
    locked = {"failed": True, "error": [{"exception": {"message": "LYNC_BACKUP_LOCKED: \\\\b\\s\\.lync-backup.lock is "
                                                                  "held since 2026-11-24T01:00:00Z by {\"set_id\": "
                                                                  "\"lync-20261124T010000Z-0a0b0c\", \"controller\": \"awx\"}"}}]}
    with pytest.raises(AnsibleActionFail) as err:
        run("lync_backup_set", {"root": ROOT, "state": "opened"}, [locked])
    text = str(err.value)
    assert "-m lync.server.lync_backup_set -a 'root=%s state=unlocked set_id=lync-20261124T010000Z-0a0b0c'" % ROOT in text
    assert "older than lock_max_age (24 hours)" in text


def test_open_takes_the_id_the_caller_chose_and_refuses_a_stale_one():
    import datetime
    from ansible_collections.lync.server.plugins.plugin_utils import backup_set as bs
    chosen = bs.new_set_id(bs.utcnow(), "c0ffee")
    result, recorder = run("lync_backup_set", {"root": ROOT, "state": "opened", "set_id": chosen},
                           [ok({"Path": ROOT + "\\" + chosen}, True)])
    assert result["set_id"] == chosen and recorder.calls[0]["module_args"]["parameters"]["SetId"] == chosen
    stale = bs.new_set_id(bs.utcnow() - datetime.timedelta(hours=2), "c0ffee")
    with pytest.raises(AnsibleActionFail, match="must carry the current UTC time"):
        run("lync_backup_set", {"root": ROOT, "state": "opened", "set_id": stale}, [])


def test_retention_protects_the_set_a_running_backup_holds_the_lock_for(monkeypatch):
    """The lock's text names the set a running backup writes: retention never removes it (the lock is read
    through set_reader.scan as lync_backup_set_info returns it: `text` and `written`)."""
    from ansible_collections.lync.server.plugins.action import lync_backup_retention as retention
    held = "lync-20261125T020000Z-bbbbbb"
    scan = {"Sets": [{"Name": "lync-20261124T020000Z-abcdef", "Manifest": None, "Signature": None}],
            "Lock": {"Text": json.dumps({"set_id": held}), "Written": "2026-11-25T02:00:01.0000000Z"}}
    seen = {}

    def plan(sets, now, keep_sets, keep_days, protect):
        seen["protect"] = set(protect)
        return [], [s["set_id"] for s in sets], {}
    monkeypatch.setattr(retention.set_reader, "newest_trusted", lambda action, root, found, verified: None)

    def unfinished(set_id):
        return {"set_id": set_id, "status": "incomplete", "checked": True, "manifest": None}

    monkeypatch.setattr(retention.bs, "describe", lambda name, *rest: unfinished(name))
    monkeypatch.setattr(retention.bs, "ordered", lambda sets: sets + [unfinished(held)])
    monkeypatch.setattr(retention.bs, "retention_plan", plan)
    run("lync_backup_retention", {"root": ROOT, "keep_sets": 1}, [ok(scan)])
    assert held in seen["protect"]
    result, dummy = run("lync_backup_set_info", {"root": ROOT}, [ok(scan)])
    assert result["lock"] == {"text": json.dumps({"set_id": held}), "written": "2026-11-25T02:00:01.0000000Z"}


@pytest.mark.parametrize("sid", ["S-1-5-32-544", "1101", "S-1-5-21-1-2-3", "S-1-5-21-1-2-3-4 ", "computer$"])
def test_clean_check_refuses_a_malformed_computer_sid_before_any_call(sid):
    """A computer_sid that is no domain computer account's SID would make every server 'not clean' (its SID never
    matches) or hide a typo: refused with the form it needs, before the host is asked anything."""
    with pytest.raises(AnsibleActionFail) as err:
        run("lync_clean_check", {"computer_sid": sid}, [])
    assert "is not a domain computer account's SID" in str(err.value)


def test_the_lock_text_holds_the_substrings_the_payloads_match():
    """lync_backup_set_open, _unlock and _write_files find the set and the run in the lock by plain substrings
    ('"set_id": "<id>"', '"run": "<token>"'): json.dumps's default separators. A compact lock text would make every
    lock read as "another run's" or "no run id" (review lock, finding 7)."""
    from ansible_collections.lync.server.plugins.action.lync_backup_set import lock_text
    text = lock_text("lync-20261124T020000Z-abcdef", "a" * 16, "backup01")
    assert '"set_id": "lync-20261124T020000Z-abcdef"' in text and '"run": "' + "a" * 16 + '"' in text
    from ansible_collections.lync.server.plugins.plugin_utils.payload import PAYLOAD_DIR
    for payload, needles in (("lync_backup_set_open", ["'\"set_id\": \"'"]), ("lync_backup_set_unlock", ["'\"run\": \"'"]),
                             ("lync_backup_set_write_files", ["'\"set_id\": \"'", "'\"run\": \"'"])):
        with open(os.path.join(PAYLOAD_DIR, payload + ".ps1"), encoding="utf-8") as handle:
            source = handle.read()
        assert all(needle in source for needle in needles), payload  # the shapes the lock text above holds
