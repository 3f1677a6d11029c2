"""lync_job_remove run in the lab's engine, as the sweep and the collect call it (plugins/plugin_utils/detached.py).

Two rules a real host would break silently:
* a job's name is the same on every run, so between the sweep's listing (lync_job_sweep) and its removal another
  start may have removed the listed orphan and registered newer work under that name: with -WorkId the removal
  happens only while the folder's work.id is still the listed work (the race behind a CI failure of
  test_a_rerun_with_a_new_set_waits_for_the_running_backup_and_never_runs_two: "the job is gone");
* only Get-ScheduledTask's not-found error means "no task" (with -TaskName and -TaskPath:
  CmdletizationQuery_NotFound,Get-ScheduledTask); a Task Scheduler that fails otherwise must not be taken for "no
  task", which would delete the folder of a job that runs.
Each test_planted_* edits a copy of the payload the way a realistic mistake would and shows the check fails.
"""

import pytest

from lync_lab import seed

from test_boundary_windows import _ctx, run_payload

SQL_HOST = "lyncse01.contoso.local"
NAME = "lync.server-sql-lyncse01.contoso.local_rtc-c939a67c13b2"
LISTED = "lync-20261127T010203Z-0d0e0f.0123456789ab"  # the earlier run's work, as the sweep listed it
NEWER = "lync-20261128T010203Z-a1b2c3.0123456789ab"  # the work another start registered under the name since


@pytest.fixture()
def lab(tmp_path):
    return seed.seed("standard", tmp_path / "lab", "lync2013")


def _job(lab, state, work, task_state="Ready"):
    """A job as lync_job_start leaves it: the task under \\lync.server\\ and its folder with work.id."""
    state["hosts"][SQL_HOST].setdefault("scheduled_tasks", {})["\\lync.server\\" + NAME] = {
        "name": NAME, "path": "\\lync.server\\", "execute": "powershell.exe", "argument": "-NoProfile",
        "user": "CONTOSO\\svc-lyncbackup", "logon_type": "Password", "run_level": "Highest",
        "multiple_instances": "IgnoreNew", "execution_time_limit": "PT3600S", "state": task_state,
        "last_result": 267009 if task_state == "Running" else 0, "last_run": None, "pid": None}
    folder = lab.host_root(SQL_HOST) / "C" / "ProgramData" / "lync.server" / "jobs" / NAME
    folder.mkdir(parents=True, exist_ok=True)
    _lock(lab)
    (folder / "work.id").write_text(work, encoding="ascii")
    (folder / "result.xml").write_text("<Objs />", encoding="utf-16")
    return folder


def _lock(lab):
    """jobs.lock as this run's lync_job_start made it before any removal (a removal without it refuses)."""
    home = lab.host_root(SQL_HOST) / "C" / "ProgramData" / "lync.server"
    home.mkdir(parents=True, exist_ok=True)
    (home / "jobs.lock").write_bytes(b"")


def _remove(lab, state, params, replace=()):
    out = run_payload(_ctx(lab, SQL_HOST, state), "lync_job_remove", dict({"JobName": NAME}, **params), replace)
    return out, state["hosts"][SQL_HOST].get("scheduled_tasks", {})


def test_the_sweep_removes_the_idle_orphan_it_listed(lab):
    state = lab.load()
    folder = _job(lab, state, LISTED)
    out, tasks = _remove(lab, state, {"OnlyIfIdle": True, "WorkId": LISTED})
    assert not out["failed"], out["error"]
    assert out["result"]["Unregistered"] and not out["result"]["Skipped"] and not out["result"]["Reused"]
    assert tasks == {} and not folder.exists()


def test_the_sweep_leaves_newer_work_registered_under_the_listed_name(lab):
    state = lab.load()
    folder = _job(lab, state, NEWER)  # finished too (Ready): only its work id tells it from the listed one
    out, tasks = _remove(lab, state, {"OnlyIfIdle": True, "WorkId": LISTED})
    assert not out["failed"], out["error"]
    assert out["result"]["Skipped"] and out["result"]["Reused"] and not out["result"]["Unregistered"]
    assert list(tasks) == ["\\lync.server\\" + NAME] and (folder / "work.id").read_text(encoding="ascii") == NEWER
    assert (folder / "result.xml").exists()  # its result is still there for the run that owns it to collect


def test_planted_a_removal_that_ignores_the_work_id_deletes_the_newer_jobs_result(lab):
    state = lab.load()
    folder = _job(lab, state, NEWER)
    out, tasks = _remove(lab, state, {"OnlyIfIdle": True, "WorkId": LISTED},
                         replace=[("$skipped = [bool]($reused -or (", "$skipped = [bool]($false -or (")])
    assert not out["failed"], out["error"]
    assert tasks == {} and not folder.exists()  # what the real test checks fails


@pytest.mark.parametrize("hresult, message", [
    ("0x80070422", None),  # the service disabled
    # The provider cannot read a task entry (a broken task file): its ERROR_FILE_NOT_FOUND is not "no such task"
    # (review s10, finding 1; PowerShell/PowerShell#16905, Virtual-Desktop-Optimization-Tool#108).
    ("0x80070002", "The system cannot find the file specified."),
])
def test_a_failing_task_scheduler_is_an_error_and_removes_nothing(lab, hresult, message):
    state = lab.load()
    folder = _job(lab, state, LISTED, task_state="Running")
    state["hosts"][SQL_HOST]["task_scheduler_failure"] = {"hresult": hresult, "message": message}
    out, tasks = _remove(lab, state, {"OnlyIfIdle": True, "WorkId": LISTED})
    assert out["failed"] and hresult in str(out["error"]), out
    assert list(tasks) == ["\\lync.server\\" + NAME] and (folder / "work.id").exists()


def test_planted_the_providers_file_not_found_taken_for_no_task_deletes_a_running_jobs_folder(lab):
    state = lab.load()
    folder = _job(lab, state, LISTED, task_state="Running")
    state["hosts"][SQL_HOST]["task_scheduler_failure"] = {
        "hresult": "0x80070002", "message": "The system cannot find the file specified."}
    out, dummy = _remove(lab, state, {"OnlyIfIdle": True, "WorkId": LISTED}, replace=[(
        "if (-not $queryError.StartsWith('CmdletizationQuery_NotFound', [System.StringComparison]::Ordinal)) {",
        "if (-not ($queryError.StartsWith('CmdletizationQuery_NotFound', [System.StringComparison]::Ordinal) -or "
        "$queryError.StartsWith('HRESULT 0x80070002,', [System.StringComparison]::Ordinal))) {")])
    assert not out["failed"] and not folder.exists()  # what the real test checks fails


def test_planted_a_query_error_taken_for_no_task_deletes_a_running_jobs_folder(lab):
    state = lab.load()
    folder = _job(lab, state, LISTED, task_state="Running")
    state["hosts"][SQL_HOST]["task_scheduler_failure"] = {"hresult": "0x80070422"}
    out, dummy = _remove(lab, state, {"OnlyIfIdle": True, "WorkId": LISTED}, replace=[(
        "-ErrorAction Stop\n    } catch {\n", "-ErrorAction SilentlyContinue\n    } catch {\n")])
    assert not out["failed"] and not folder.exists()  # what the real test checks fails


def test_a_job_already_gone_is_not_an_error(lab):
    _lock(lab)
    out, tasks = _remove(lab, lab.load(), {"Stop": True})
    assert not out["failed"], out["error"]
    assert not out["result"]["Unregistered"] and not out["result"]["FolderRemoved"] and tasks == {}
