"""lync_sql_check's and lync_share_space's decisions: what the payloads are asked, which database the write probe
backs up, when the probe runs, and which volume holds the share (the lab runs the payloads themselves:
tests/lab/test_preflight_sql.py)."""

import pytest
from ansible.errors import AnsibleActionFail

from ansible_collections.lync.server.plugins.action import lync_share_space, lync_sql_check

from ...conftest import Recorder, make_action, ok

VARS = {"inventory_hostname": "sqlmon01.contoso.local"}
ROOT = "\\\\backup01.contoso.local\\LyncBackup"


def rights(model=1, lcscdr=1, qoe=1, create=1, sysadmin=0):
    """The payload's answer: one row per database asked (Id None: not in sys.databases), every file with its type."""
    return {"Login": "CONTOSO\\svc", "IsSysadmin": sysadmin, "IsDbcreator": 0, "CanCreateDatabase": create,
            "Version": "11.0.7001.0",
            "Databases": [{"Name": "LcsCDR", "Id": 5, "State": "ONLINE", "CanBackup": lcscdr},
                          {"Name": "QoEMetrics", "Id": 6, "State": "ONLINE", "CanBackup": qoe},
                          {"Name": "LcsLog", "Id": None, "State": None, "CanBackup": None},
                          {"Name": "model", "Id": 3, "State": "ONLINE", "CanBackup": model}],
            "Files": [{"DatabaseId": 5, "Type": 0, "Pages": 1000}, {"DatabaseId": 5, "Type": 1, "Pages": 200},
                      {"DatabaseId": 6, "Type": 0, "Pages": 300}, {"DatabaseId": 6, "Type": 1, "Pages": 100}]}


def run(args, answers, check_mode=False, timeout=None):
    recorder = Recorder(answers)
    action = make_action(lync_sql_check.ActionModule, args, recorder, check_mode)
    action._task.timeout = timeout  # pylint: disable=protected-access
    result = action.run(task_vars=VARS)
    return result, recorder


def test_the_rights_payload_gets_only_the_instance_and_sizes_are_summed_per_database():
    result, recorder = run({"sql_instance": "RTC", "databases": ["LcsCDR", "QoEMetrics", "LcsLog"]}, [ok(rights())])
    assert [c["module_args"]["parameters"] for c in recorder.calls] == [
        {"SqlInstance": "sqlmon01.contoso.local\\RTC", "Databases": ["LcsCDR", "QoEMetrics", "LcsLog", "model"]}]
    # Data files only (type 0): a full backup copies from them; the log's allocated size is not what it writes.
    assert result["databases"] == [
        {"name": "LcsCDR", "exists": True, "state": "ONLINE", "can_backup": 1, "bytes": 1000 * 8192},
        {"name": "QoEMetrics", "exists": True, "state": "ONLINE", "can_backup": 1, "bytes": 300 * 8192},
        {"name": "LcsLog", "exists": False, "state": None, "can_backup": None, "bytes": None}]
    assert result["bytes"] == 1300 * 8192 and result["sizes_known"] is False
    assert result["probe"] == {"status": "not_run", "why": "no probe_root"}
    assert result["changed"] is False and result["create_database"] is True and result["sysadmin"] is False


def test_the_probe_backs_up_model_into_a_new_scratch_folder_under_the_root():
    written = ok({"Written": True, "Error": None, "Removed": True})
    result, recorder = run({"databases": ["LcsCDR"], "probe_root": ROOT}, [ok(rights()), written])
    params = recorder.calls[1]["module_args"]["parameters"]
    assert params["SqlInstance"] == "sqlmon01.contoso.local" and params["Database"] == "model"
    assert params["Folder"].startswith(ROOT + "\\.preflight-") and len(params["Folder"]) == len(ROOT) + 24
    assert result["probe"]["status"] == "written" and result["probe"]["removed"] is True


def test_without_backup_rights_in_model_the_probe_takes_the_smallest_database_it_may_back_up():
    written = ok({"Written": True, "Error": None, "Removed": True})
    dummy, recorder = run({"databases": ["LcsCDR", "QoEMetrics"], "probe_root": ROOT}, [ok(rights(model=0)), written])
    assert recorder.calls[1]["module_args"]["parameters"]["Database"] == "QoEMetrics"
    dummy, recorder = run({"databases": ["LcsCDR", "QoEMetrics"], "probe_root": ROOT},
                          [ok(rights(model=0, qoe=0)), written])
    assert recorder.calls[1]["module_args"]["parameters"]["Database"] == "LcsCDR"


def test_a_login_that_may_back_up_nothing_runs_no_probe():
    result, recorder = run({"databases": ["LcsCDR"], "probe_root": ROOT}, [ok(rights(model=0, lcscdr=0))])
    assert len(recorder.calls) == 1
    assert result["probe"]["status"] == "not_run"
    assert "USE model; CREATE USER [CONTOSO\\svc] FOR LOGIN [CONTOSO\\svc]; EXEC sp_addrolemember " \
           "N'db_backupoperator', N'CONTOSO\\svc'" in result["probe"]["why"]


def test_a_large_database_is_never_the_probe():
    big = rights(model=0)
    big["Files"] = [{"DatabaseId": 5, "Type": 0, "Pages": 40000}, {"DatabaseId": 6, "Type": 0, "Pages": 33000}]
    result, recorder = run({"databases": ["LcsCDR", "QoEMetrics"], "probe_root": ROOT}, [ok(big)])
    assert len(recorder.calls) == 1 and "under 256 MB" in result["probe"]["why"]


def test_a_probe_that_stops_keeps_the_rights_and_says_the_folder_may_be_left():
    stopped = {"failed": True, "error": [{"exception": {"message": "The network path was not found."}}]}
    result, dummy = run({"databases": ["LcsCDR"], "probe_root": ROOT}, [ok(rights()), stopped])
    assert result["login"] == "CONTOSO\\svc" and result["create_database"] is True
    assert result["probe"]["status"] == "error" and result["probe"]["removed"] is False
    assert "The network path was not found." in result["probe"]["error"]


def test_the_probe_is_verified_by_sql_server_only_when_the_login_has_create_database():
    written = ok({"Written": True, "Error": None, "VerifiedBySql": None, "ReadBySession": True, "Removed": True})
    dummy, recorder = run({"databases": ["LcsCDR"], "probe_root": ROOT}, [ok(rights(create=0)), written])
    assert recorder.calls[1]["module_args"]["parameters"]["Verify"] is False
    dummy, recorder = run({"databases": ["LcsCDR"], "probe_root": ROOT}, [ok(rights()), written])
    assert recorder.calls[1]["module_args"]["parameters"]["Verify"] is True
    assert recorder.calls[1]["module_args"]["parameters"]["CommandTimeout"] == 300
    dummy, recorder = run({"databases": ["LcsCDR"], "probe_root": ROOT}, [ok(rights()), written], timeout=200)
    assert recorder.calls[1]["module_args"]["parameters"]["CommandTimeout"] == 70


def test_check_mode_reads_but_runs_no_probe():
    result, recorder = run({"databases": ["LcsCDR"], "probe_root": ROOT}, [ok(rights())], check_mode=True)
    assert len(recorder.calls) == 1
    assert result["probe"]["status"] == "not_run" and "check mode" in result["probe"]["why"]


def test_a_refused_backup_and_a_refused_folder_are_results_not_failures():
    refused = ok({"Written": False, "Error": "Cannot open backup device. Operating system error 5(Access is denied.)",
                  "Removed": True})
    result, dummy = run({"databases": ["LcsCDR"], "probe_root": ROOT}, [ok(rights()), refused])
    assert result["probe"]["status"] == "refused" and "error 5" in result["probe"]["error"]
    message = "LYNC_SHARE_ACCESS: this connection's network credentials cannot create x: Access is denied"
    share = {"failed": True, "error": [{"exception": {"message": message}}]}
    result, dummy = run({"databases": ["LcsCDR"], "probe_root": ROOT}, [ok(rights()), share])
    assert result["probe"]["status"] == "share_refused"
    assert result["probe"]["error"].startswith("this connection's network credentials cannot create")


def test_a_bad_probe_root_still_reads_the_rights_and_runs_no_probe():
    result, recorder = run({"databases": ["LcsCDR"], "probe_root": "backup01\\share"}, [ok(rights())])
    assert len(recorder.calls) == 1 and result["login"] == "CONTOSO\\svc"
    assert result["probe"]["status"] == "not_run" and "is not a UNC path" in result["probe"]["why"]


@pytest.mark.parametrize("args, message", [
    ({"databases": [""]}, "is not a database name"),
    ({"databases": ["LcsCDR"], "sql_instance": "bad name!"}, "is not a SQL Server instance name"),
])
def test_bad_arguments_are_refused_before_any_call(args, message):
    with pytest.raises(AnsibleActionFail) as err:
        run(args, [])
    assert message in str(err.value)


VOLUMES = [{"Name": "C:\\", "Capacity": 100, "FreeSpace": 60}, {"Name": "D:\\", "Capacity": 500, "FreeSpace": 400},
           {"Name": "D:\\LyncBackup\\Big\\", "Capacity": 900, "FreeSpace": 800}]


def space(args, answer):
    recorder = Recorder([ok(answer)])
    result = make_action(lync_share_space.ActionModule, args, recorder).run(
        task_vars={"inventory_hostname": "backup01.contoso.local"})
    return result, recorder


def test_free_space_is_the_volume_with_the_longest_mount_path_holding_the_share_folder():
    answer = {"Computer": "BACKUP01", "Shares": [{"Name": "LyncBackup", "Path": "D:\\LyncBackup"}], "Volumes": VOLUMES}
    result, recorder = space({"root": ROOT}, answer)
    assert recorder.calls[0]["module_args"]["parameters"] == {"ShareName": "LyncBackup"}
    assert (result["volume"], result["free_bytes"], result["path"]) == ("D:\\", 400, "D:\\LyncBackup")
    result, dummy = space({"root": ROOT + "\\Big\\sets"}, answer)
    assert (result["volume"], result["free_bytes"]) == ("D:\\LyncBackup\\Big\\", 800)
    # A folder whose name only starts like a mount point's is not on it.
    assert lync_share_space.volume_of("D:\\LyncBackup\\Bigger", VOLUMES)["Name"] == "D:\\"


def test_a_share_this_host_does_not_hold_fails_naming_it():
    with pytest.raises(AnsibleActionFail) as err:
        space({"root": ROOT}, {"Computer": "FE01", "Shares": [], "Volumes": VOLUMES})
    assert "has no share named LyncBackup; run it on the server that holds" in str(err.value)


def test_a_drive_root_reads_the_volumes_only():
    result, recorder = space({"root": "E:\\Backups"}, {"Computer": "X", "Shares": [], "Volumes": VOLUMES + [
        {"Name": "E:\\", "Capacity": 10, "FreeSpace": 5}]})
    assert recorder.calls[0]["module_args"]["parameters"] == {"ShareName": ""}
    assert (result["volume"], result["free_bytes"], result["share"]) == ("E:\\", 5, "")


@pytest.mark.parametrize("task_timeout, statement", [(600, 270), (120, 30), (60, 15), (0, 300), (None, 300), (3600, 300)])
def test_the_probe_statements_fit_inside_the_task_timeout(task_timeout, statement):
    """BACKUP and RESTORE VERIFYONLY share the task's timeout less a margin, so the payload reaches its removal and
    answers (rights kept) before Ansible's timeout ends the task; at most 300 s each, at least 15 s."""
    assert lync_sql_check.statement_timeout(task_timeout) == statement
    if task_timeout and task_timeout >= 90:
        assert 2 * statement + lync_sql_check.PROBE_MARGIN <= task_timeout
