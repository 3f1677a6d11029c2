"""lync_job_status, run in the lab's engine (review s9b, finding 1): the probe takes no lock, so another run's
collection may remove the task between its query and Get-ScheduledTaskInfo - that reads as "gone", as a task never
found does; a Task Scheduler or CIM failure is an error, never "gone" (taken for gone, the collection would report a
running job as collected by another run)."""

import pytest

from lync_lab import seed

from test_boundary_windows import _ctx, run_payload
from test_job_lock import NAME, SQL_HOST, WORK, _job

INFO = "    try {\n        $lastResult = [long](Get-ScheduledTaskInfo"
# Another run's collection unregisters the task just after this probe found it.
REMOVED_MEANWHILE = (INFO, "    Unregister-ScheduledTask -TaskName $JobName -TaskPath $taskPath -Confirm:$false\n" + INFO)


@pytest.fixture()
def lab(tmp_path):
    return seed.seed("standard", tmp_path / "lab", "lync2013")


def _status(lab, state, replace=()):
    return run_payload(_ctx(lab, SQL_HOST, state), "lync_job_status", {"JobName": NAME}, replace)


def test_a_job_is_reported_with_its_state_and_work(lab):
    state = lab.load()
    _job(lab, state)
    out = _status(lab, state)
    assert not out["failed"], out["error"]
    assert out["result"]["Exists"] is True and out["result"]["State"] == "Ready" and out["result"]["WorkId"] == WORK
    assert out["result"]["LastTaskResult"] == 0


def test_no_task_is_not_an_error(lab):
    state = lab.load()
    out = _status(lab, state)
    assert not out["failed"], out["error"]
    assert out["result"]["Exists"] is False and out["result"]["State"] == "" and out["result"]["LastTaskResult"] is None


def test_a_task_removed_between_the_query_and_its_info_is_gone_not_an_error(lab):
    state = lab.load()
    _job(lab, state)
    out = _status(lab, state, replace=[REMOVED_MEANWHILE])
    assert not out["failed"], out["error"]
    assert out["result"]["Exists"] is False and out["result"]["State"] == "" and out["result"]["LastTaskResult"] is None


def test_planted_no_catch_around_the_info_fails_with_the_providers_hresult(lab):
    state = lab.load()
    _job(lab, state)
    out = _status(lab, state, replace=[REMOVED_MEANWHILE, ("'HRESULT 0x80070002,'", "'HRESULT 0x8007FFFF,'")])
    assert out["failed"] and "cannot find the file specified" in str(out["error"]), out  # what the real test checks fails


def test_a_task_scheduler_failure_is_an_error_not_a_missing_task(lab):
    state = lab.load()
    _job(lab, state)
    state["hosts"][SQL_HOST]["task_scheduler_failure"] = {"hresult": "0x80070422"}
    out = _status(lab, state)
    assert out["failed"] and "disabled" in str(out["error"]), out


def test_planted_silently_continue_takes_a_task_scheduler_failure_for_a_missing_task(lab):
    state = lab.load()
    _job(lab, state)
    state["hosts"][SQL_HOST]["task_scheduler_failure"] = {"hresult": "0x80070422"}
    out = _status(lab, state, replace=[(
        "    $task = Get-ScheduledTask -TaskName $JobName -TaskPath $taskPath -ErrorAction Stop\n",
        "    $task = Get-ScheduledTask -TaskName $JobName -TaskPath $taskPath -ErrorAction SilentlyContinue\n")])
    assert not out["failed"] and out["result"]["Exists"] is False, out  # what the real test checks fails
