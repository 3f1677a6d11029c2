"""Detached jobs (plugin_utils/detached.py): names, start-or-find, polling through dropped connections, collecting
once, cleaning up, the timeout, and the in-session fallbacks. The remote side is a Recorder answering the payloads
in order; the clock is fake (no timed assertions)."""

import pathlib

import pytest
from ansible.errors import AnsibleConnectionFailure

from ansible_collections.lync.server.plugins.plugin_utils import detached
from ansible_collections.lync.server.plugins.plugin_utils import payload as door
from ansible_collections.lync.server.plugins.plugin_utils.payload import PAYLOAD_DIR

from ...conftest import Recorder, ok

VARS = {"inventory_hostname": "sql01.contoso.local"}
WHO = ("CONTOSO\\svc-lyncbackup", "pa$$word")
PARAMS = {"SqlInstance": "sql01.contoso.local\\RTC", "Databases": ["xds"], "TargetFolder": "\\\\b\\s\\set\\sql"}


class Become:
    name = "ansible.builtin.runas"

    def __init__(self, flags="logon_type=new_credentials logon_flags=netcredentials_only", user=WHO[0], password=WHO[1]):
        self.options = {"become_flags": flags, "become_user": user, "become_pass": password}

    def get_option(self, name):
        return self.options[name]


class Action:
    """The parts of ActionBase that the door and detached.py use."""

    def __init__(self, recorder, become=None, check_mode=False, timeout=None):
        self._execute_module = recorder
        self._task = type("Task", (), {"check_mode": check_mode, "delegate_to": None, "timeout": timeout})()
        self._connection = type("Connection", (), {"become": become})()


class Clock:
    """A fake monotonic clock that sleep() advances."""

    def __init__(self):
        self.now = 0.0
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def status(state="Running", outcome=None, exists=True, last=267009, work=None):
    return ok({"Job": "j", "Exists": exists, "State": state, "LastTaskResult": last,
               "HasOutcome": outcome is not None, "Outcome": outcome, "WorkId": work})


WORK = detached.work_id("", "lync_sql_backup", PARAMS)
STARTED = ok({"Job": "j", "WorkId": WORK, "Started": True, "State": "Running"}, changed=True)
FOUND = ok({"Job": "j", "WorkId": WORK, "Started": False, "State": "Running"})
OTHER = "lync-20261127T010203Z-0a1b2c.0123456789ab"
FOUND_OTHER = ok({"Job": "j", "WorkId": OTHER, "Started": False, "State": "Running"})
REMOVED = ok({"Job": "j", "Unregistered": True, "Stopped": False, "FolderRemoved": True}, changed=True)
DONE = {"Failed": False, "Changed": True, "Result": {"Databases": [{"Name": "xds"}]}, "Error": None}
DROPPED = AnsibleConnectionFailure("connection reset by peer")


def names(recorder):
    """The payloads the recorder was asked to run, by their header name."""
    return [call["module_args"]["script"].split("\n", 1)[0].split(": ", 1)[1].strip() for call in recorder.calls]


def run(recorder, clock=None, become=Become(), timeout=None, **kwargs):
    clock = clock or Clock()
    action = Action(recorder, become=become, timeout=timeout)
    kwargs.setdefault("required_keys", ("Databases",))
    return action, detached.run(action, VARS, "lync_sql_backup", PARAMS, "lync.server-set-sql-x-0123456789ab",
                                clock=clock, sleep=clock.sleep, poll=10, **kwargs)


def test_job_name_is_the_same_for_the_same_work_and_differs_for_other_work():
    one = detached.job_name("lync-20261128T010203Z-0a1b2c", "sql", "sql01.contoso.local_rtc",
                            payload="lync_sql_backup", parameters=PARAMS)
    assert one == detached.job_name("lync-20261128T010203Z-0a1b2c", "sql", "sql01.contoso.local_rtc",
                                    payload="lync_sql_backup", parameters=dict(PARAMS))
    assert one.startswith("lync.server-lync-20261128T010203Z-0a1b2c-sql-sql01.contoso.local_rtc-")
    assert one != detached.job_name("lync-20261128T010203Z-0a1b2c", "sql", "sql01.contoso.local_rtc",
                                    payload="lync_sql_backup", parameters=dict(PARAMS, Databases=["lis"]))
    # Whatever the parts hold, the name is what the payloads' ValidatePattern accepts.
    odd = detached.job_name("a b\\c/d:e*f?g\"h<i>j|k", "x" * 400, payload="p")
    assert detached.re.match(r"\Alync\.server-[A-Za-z0-9._-]{1,200}\Z", odd), odd


def test_the_payloads_validate_the_same_name_pattern():
    for name in ("lync_job_start", "lync_job_status", "lync_job_remove"):
        text = (pathlib.Path(PAYLOAD_DIR) / (name + ".ps1")).read_text(encoding="utf-8")
        assert "[ValidatePattern('^lync\\.server-[A-Za-z0-9._-]{1,%d}$')]" % detached.NAME_LIMIT in text, name


def test_start_poll_collect_remove():
    recorder = Recorder([STARTED, status(), status(), status("Ready", DONE, last=0), REMOVED])
    action, result = run(recorder)
    assert names(recorder) == ["lync_job_start", "lync_job_status", "lync_job_status", "lync_job_status",
                               "lync_job_remove"]
    assert result.value == DONE["Result"] and result.changed
    start = recorder.calls[0]["module_args"]
    # The work's text and parameters go as data; the password only as the principal's credential.
    assert start["parameters"]["WorkText"] == door.load_payload("lync_sql_backup").text
    assert start["parameters"]["WorkParameters"] == PARAMS
    assert start["parameters"]["RunnerText"] == detached.runner_text()
    assert [dict(e) for e in start["sensitive_parameters"]] == [{"name": "Principal", "username": WHO[0],
                                                                 "password": WHO[1]}]
    assert WHO[1] not in repr(start["parameters"])
    assert "Stop" not in recorder.calls[-1]["module_args"]["parameters"]
    assert action is not None


BUSY = {"failed": True, "msg": "payload lync_job_start on sql01 failed: LYNC_JOB_BUSY: another start or removal of a "
                               "lync.server job on this host holds C:\\ProgramData\\lync.server\\jobs.lock"}


def test_a_start_that_finds_the_host_busy_is_made_again():
    """Review jobstart2, finding 4: another start held the jobs' lock for a moment (the retry of a start whose
    connection dropped, another run): the same start is made again after the poll interval."""
    clock = Clock()
    recorder = Recorder([BUSY, BUSY, STARTED, status("Ready", DONE, last=0), REMOVED])
    result = run(recorder, clock=clock)[1]
    assert names(recorder) == ["lync_job_start"] * 3 + ["lync_job_status", "lync_job_remove"]
    assert result.value == DONE["Result"] and clock.sleeps[:2] == [10, 10]


def test_a_host_busy_until_the_deadline_fails_with_the_reason_and_stops_nothing():
    recorder = Recorder([BUSY] * 20)
    with pytest.raises(detached.JobTimeout, match="stayed busy until the deadline.*LYNC_JOB_BUSY"):
        run(recorder, timeout=30)
    assert set(names(recorder)) == {"lync_job_start"}


def test_a_job_that_now_runs_other_work_is_not_collected():
    """A worker of a run whose controller was killed polls on (ansible's workers call os.setsid()); a newer run has
    meanwhile removed this run's job and started its own under the same name. Its result is not this work's: the
    poll stops with the reason and removes nothing (stop 20's CI failure: the old worker collected the new job)."""
    recorder = Recorder([STARTED, status(), status("Ready", DONE, last=0, work=OTHER)])
    with pytest.raises(door.PayloadError, match="now runs other work"):
        run(recorder)
    assert names(recorder) == ["lync_job_start", "lync_job_status", "lync_job_status"]


def test_a_job_of_this_work_is_collected():
    recorder = Recorder([STARTED, status("Ready", DONE, last=0, work=WORK), REMOVED])
    assert run(recorder)[1].value == DONE["Result"]


def test_every_removal_names_the_work_it_removes_and_a_reused_name_is_left_alone():
    """Review jobremove, finding 1: between a run's last look and its removal another run may take the job's name;
    the collect's remove names this work, the replace's the other work, so the other run's job is never deleted."""
    recorder = Recorder([STARTED, status("Ready", DONE, last=0, work=WORK), REMOVED])
    run(recorder)
    assert recorder.calls[-1]["module_args"]["parameters"] == {"JobName": "lync.server-set-sql-x-0123456789ab",
                                                               "WorkId": WORK}
    reused = ok({"Job": "j", "Unregistered": False, "Skipped": True, "Reused": True})
    recorder = Recorder([FOUND_OTHER, status("Ready", last=0), reused])
    with pytest.raises(door.PayloadError, match="another run started other work under this job's name meanwhile"):
        run(recorder)
    assert recorder.calls[-1]["module_args"]["parameters"] == {"JobName": "lync.server-set-sql-x-0123456789ab",
                                                               "WorkId": OTHER}
    assert names(recorder) == ["lync_job_start", "lync_job_status", "lync_job_remove"]  # and no start


def test_a_rerun_finds_the_running_job_and_does_not_start_another():
    # lync_job_start reports the job that exists (Started false): the action only waits for it.
    recorder = Recorder([FOUND, status("Ready", DONE, last=0), REMOVED])
    result = run(recorder)[1]
    assert names(recorder) == ["lync_job_start", "lync_job_status", "lync_job_remove"]
    assert result.value == DONE["Result"]


def test_dropped_connections_are_retried_while_the_job_runs():
    clock = Clock()
    recorder = Recorder([DROPPED, STARTED, status(), DROPPED, DROPPED, status("Ready", DONE, last=0), DROPPED, REMOVED])
    result = run(recorder, clock=clock, timeout=3600)[1]
    assert result.value == DONE["Result"]
    assert names(recorder).count("lync_job_remove") == 2  # the remove that dropped was sent again


def test_a_host_that_never_answers_again_fails_at_the_deadline():
    clock = Clock()
    recorder = Recorder([STARTED] + [DROPPED] * 1000)
    with pytest.raises(detached.JobTimeout, match="did not answer before the deadline"):
        run(recorder, clock=clock, timeout=100)
    assert clock.now >= 100


def test_a_result_written_while_the_task_still_runs_is_collected_when_it_ends():
    recorder = Recorder([STARTED, status("Running", DONE), status("Ready", DONE, last=0), REMOVED])
    run(recorder)
    assert names(recorder) == ["lync_job_start", "lync_job_status", "lync_job_status", "lync_job_remove"]


def test_a_failed_work_reports_its_own_error_after_the_job_is_removed():
    failed = {"Failed": True, "Changed": True, "Result": None,
              "Error": "LYNC_SQL_RIGHTS: login CONTOSO\\x lacks BACKUP DATABASE"}
    recorder = Recorder([STARTED, status("Ready", failed, last=1), REMOVED])
    with pytest.raises(door.PayloadError, match="failed: LYNC_SQL_RIGHTS: login"):
        run(recorder)
    assert names(recorder)[-1] == "lync_job_remove"


def test_a_job_that_ended_without_a_result_is_removed_and_reported():
    recorder = Recorder([STARTED, status("Ready", None, last=267014), REMOVED])
    with pytest.raises(door.PayloadError, match="ended without a result .*267014 = stopped"):
        run(recorder)
    assert names(recorder)[-1] == "lync_job_remove"


def test_a_job_that_vanished_is_reported():
    recorder = Recorder([FOUND, status("", None, exists=False, last=None)])
    with pytest.raises(door.PayloadError, match="the job is gone"):
        run(recorder)


def test_the_deadline_stops_a_backup():
    clock = Clock()
    # Polls at 0, 1, 3, 7, 15, 25, 35, 45, 55 and 65 s: the tenth is past the deadline.
    recorder = Recorder([STARTED] + [status()] * 10 + [status(), REMOVED])
    with pytest.raises(detached.JobTimeout, match="was stopped and removed"):
        run(recorder, clock=clock, timeout=60)
    assert recorder.calls[-1]["module_args"]["parameters"] == {"JobName": "lync.server-set-sql-x-0123456789ab",
                                                               "Stop": True, "WorkId": WORK}


UNSAFE = {"failed": True, "msg": "payload lync_job_remove on sql01 failed: LYNC_JOB_UNSAFE: "
                                 "C:\\ProgramData\\lync.server\\jobs.lock is missing or not a file"}


@pytest.mark.parametrize("answers, cause", [
    ([UNSAFE], "LYNC_JOB_UNSAFE"),  # the removal refused: no lock file
    ([BUSY] * 20, "stayed busy until the deadline"),  # another start held the lock through the grace
])
def test_a_stop_at_the_deadline_that_fails_says_the_job_still_runs(answers, cause):
    """Review s9b, finding 2: the stop at the deadline did not happen; the job runs on past the item's timeout, and
    the error says so and how to stop it, not only the removal's own message."""
    clock = Clock()
    recorder = Recorder([STARTED] + [status()] * 10 + [status()] + answers)
    with pytest.raises(detached.JobTimeout) as info:
        run(recorder, clock=clock, timeout=60)
    said = str(info.value)
    assert "the stop could not be completed" in said and cause in said, said
    assert "may still run as the scheduled task \\lync.server\\lync.server-set-sql-x-0123456789ab on" in said, said
    assert "Stop-ScheduledTask" in said
    assert "was stopped and removed" not in said


def test_a_stop_at_the_deadline_that_found_no_task_does_not_say_stopped():
    """Review s10, finding 2a: the removal found no task to stop or unregister."""
    clock = Clock()
    gone = ok({"Job": "j", "Unregistered": False, "Stopped": False, "FolderRemoved": True}, changed=True)
    recorder = Recorder([STARTED] + [status()] * 10 + [status(), gone])
    with pytest.raises(detached.JobTimeout, match="was gone \\(no scheduled task to stop\\)") as info:
        run(recorder, clock=clock, timeout=60)
    assert "stopped and removed" not in str(info.value)


def test_the_deadline_leaves_a_restore_running_and_says_so():
    clock = Clock()
    recorder = Recorder([STARTED] + [status()] * 50)
    with pytest.raises(detached.JobTimeout, match="NOT stopped.*Run the same play again"):
        run(recorder, clock=clock, timeout=60, stop_on_timeout=False)
    assert "lync_job_remove" not in names(recorder)


class TaskTimeoutError(BaseException):
    """Stands in for ansible-core's TaskTimeoutError (raised by the task's `timeout` alarm)."""


def alarm_at_second_sleep(clock):
    """A sleep that lets the fake clock run once, then raises the task's timeout alarm."""
    calls = {"n": 0}

    def sleep(seconds):
        calls["n"] += 1
        if calls["n"] == 2:
            raise TaskTimeoutError("Timeout exceeded")
        clock.sleep(seconds)
    return sleep


def test_the_task_timeout_alarm_stops_the_job_too():
    clock = Clock()
    sleep = alarm_at_second_sleep(clock)
    recorder = Recorder([STARTED, status(), status(), status(), REMOVED])
    action = Action(recorder, become=Become())
    with pytest.raises(detached.JobTimeout, match="stopped"):
        detached.run(action, VARS, "lync_sql_backup", PARAMS, "lync.server-j-0123456789ab", clock=clock, sleep=sleep,
                     poll=10, required_keys=("Databases",))
    assert recorder.calls[-1]["module_args"]["parameters"]["Stop"] is True


def test_the_task_timeout_alarm_while_other_work_runs_stops_nothing_of_it():
    """The alarm fires while this work waits for another run's job under the same name: that job is not ours to
    stop, KILL or delete from (review detstop, finding 2)."""
    clock = Clock()
    sleep = alarm_at_second_sleep(clock)
    recorder = Recorder([FOUND_OTHER, status(), status(), status()])
    action = Action(recorder, become=Become())
    with pytest.raises(detached.JobTimeout, match="other work, which was NOT stopped"):
        detached.run(action, VARS, "lync_sql_backup", PARAMS, "lync.server-j-0123456789ab", clock=clock, sleep=sleep,
                     poll=10, required_keys=("Databases",))
    assert names(recorder) == ["lync_job_start", "lync_job_status", "lync_job_status"]  # no remove, stop or KILL


def test_polls_back_off_to_the_interval():
    clock = Clock()
    recorder = Recorder([STARTED] + [status()] * 8 + [status("Ready", DONE, last=0), REMOVED])
    run(recorder, clock=clock)
    assert clock.sleeps == [1, 2, 4, 8, 10, 10, 10, 10]


def test_without_a_network_identity_the_work_runs_in_session_with_a_warning():
    recorder = Recorder([ok({"Databases": []}, changed=True)])
    action, result = run(recorder, become=None)
    assert names(recorder) == ["lync_sql_backup"] and result.value == {"Databases": []}
    assert any("not detached" in w for w in door.payload_warnings(action))


def test_new_credentials_are_needed_for_the_principal():
    recorder = Recorder([ok({"Databases": []}, changed=True)])
    run(recorder, become=Become(flags="logon_type=interactive"))
    assert names(recorder) == ["lync_sql_backup"]


def test_detached_false_runs_in_session():
    recorder = Recorder([ok({"Databases": []}, changed=True)])
    action = run(recorder, detached=False)[0]
    assert names(recorder) == ["lync_sql_backup"] and door.payload_warnings(action) == []


def test_a_host_without_scheduled_tasks_runs_the_work_in_session_with_a_warning():
    message = "LYNC_JOB_UNSUPPORTED: this host has no ScheduledTasks module"
    unsupported = {"failed": True, "error": [{"exception": {"message": message}}]}
    recorder = Recorder([unsupported, ok({"Databases": []}, changed=True)])
    action = run(recorder)[0]
    assert names(recorder) == ["lync_job_start", "lync_sql_backup"]
    assert any("no ScheduledTasks module" in w for w in door.payload_warnings(action))


def test_secrets_never_go_to_a_job():
    with pytest.raises(door.PayloadError, match="cannot carry secrets"):
        run(Recorder(), secrets={"Password": "x"})


def test_the_runner_is_valid_powershell_that_reads_no_secret():
    text = detached.runner_text()
    assert text.startswith("# lync-job-runner\n")
    assert "Import-Clixml" in text and "result.tmp" in text and "Move-Item" in text
    for word in ("Password", "SecureString", "Credential"):
        assert word not in text.split("[CmdletBinding()]", 1)[1]


# -- the job's name holds an earlier run's work (finding 1 of the review) ------------------------------

def test_work_id_names_the_set_and_covers_every_parameter():
    one = detached.work_id("lync-20261128T010203Z-0a1b2c", "lync_sql_backup", PARAMS)
    assert one.startswith("lync-20261128T010203Z-0a1b2c.")
    assert one == detached.work_id("lync-20261128T010203Z-0a1b2c", "lync_sql_backup", dict(PARAMS))
    assert one != detached.work_id("lync-20261128T010203Z-0a1b2c", "lync_sql_backup", dict(PARAMS, Databases=["lis"]))
    assert one != detached.work_id("lync-20261129T010203Z-0a1b2c", "lync_sql_backup", PARAMS)
    odd = detached.work_id("a b\\c/d:e" * 50, "p")
    assert detached.re.match(r"\A[A-Za-z0-9._-]{1,120}\Z", odd), odd
    text = (pathlib.Path(PAYLOAD_DIR) / "lync_job_start.ps1").read_text(encoding="utf-8")
    assert "[ValidatePattern('^[A-Za-z0-9._-]{1,%d}$')][string]$WorkId" % detached.WORK_LIMIT in text


def test_a_running_job_of_other_work_is_waited_for_removed_and_then_this_work_starts():
    recorder = Recorder([FOUND_OTHER, status(), status(), status("Ready", DONE, last=0), REMOVED, STARTED,
                         status("Ready", DONE, last=0), REMOVED])
    action, result = run(recorder)
    assert names(recorder) == ["lync_job_start", "lync_job_status", "lync_job_status", "lync_job_status",
                               "lync_job_remove", "lync_job_start", "lync_job_status", "lync_job_remove"]
    assert "Stop" not in recorder.calls[4]["module_args"]["parameters"]  # the other work is never cut short
    assert result.value == DONE["Result"]
    warnings = getattr(action, door._WARNINGS_ATTR)  # pylint: disable=protected-access
    assert any(OTHER in w and "waited for" in w and "never closed" in w for w in warnings), warnings


def test_a_finished_job_of_other_work_is_removed_and_this_work_starts():
    recorder = Recorder([FOUND_OTHER, status("Ready", DONE, last=0), REMOVED, STARTED, status("Ready", DONE, last=0),
                         REMOVED])
    action, result = run(recorder)
    assert names(recorder) == ["lync_job_start", "lync_job_status", "lync_job_remove", "lync_job_start",
                               "lync_job_status", "lync_job_remove"]
    assert result.value == DONE["Result"]
    warnings = getattr(action, door._WARNINGS_ATTR)  # pylint: disable=protected-access
    assert any(OTHER in w and "found finished" in w for w in warnings), warnings


def test_other_work_still_running_at_the_deadline_is_left_running_and_this_work_not_started():
    recorder = Recorder([FOUND_OTHER] + [status()] * 30)
    with pytest.raises(detached.JobTimeout, match="NOT stopped and this work did not start") as info:
        run(recorder, timeout=60)
    assert OTHER in str(info.value)
    assert "lync_job_remove" not in names(recorder) and names(recorder).count("lync_job_start") == 1


# -- registration refused for the credential (finding 4), never started (6), cleanup failing (8) --------------

def refused(message):
    return {"failed": True, "error": [{"exception": {"message": "LYNC_JOB_REGISTER_REFUSED: " + message}}]}


@pytest.mark.parametrize("message, cause", [
    ("A specified logon session does not exist. It may already have been terminated. (Exception from HRESULT: "
     "0x80070520)", "Do not allow storage of passwords and credentials for network authentication"),
    ("The user name or password is incorrect. (Exception from HRESULT: 0x8007052E)", "lync_network_password"),
    ("Logon failure: the user has not been granted the requested logon type at this computer. (Exception from "
     "HRESULT: 0x80070569)", "Log on as a batch job"),
])
def test_a_registration_refused_for_the_credential_runs_in_session_with_a_named_warning(message, cause):
    recorder = Recorder([refused(message), ok({"Databases": []}, changed=True)])
    action, _result = run(recorder)
    assert names(recorder) == ["lync_job_start", "lync_sql_backup"]
    warnings = door.payload_warnings(action)
    assert any(cause in w and "backup_detached: false" in w for w in warnings), warnings


def test_another_registration_error_fails_the_item():
    recorder = Recorder([refused("Access is denied. (Exception from HRESULT: 0x80070005)")])
    with pytest.raises(door.PayloadError, match="0x80070005"):
        run(recorder)
    assert names(recorder) == ["lync_job_start"]


def test_a_job_registered_but_never_started_is_started():
    idle = ok({"Job": "j", "WorkId": WORK, "Started": False, "State": "Ready", "LastTaskResult": 267011})
    recorder = Recorder([idle, STARTED, status("Ready", DONE, last=0), REMOVED])
    _action, result = run(recorder)
    assert names(recorder) == ["lync_job_start", "lync_job_start", "lync_job_status", "lync_job_remove"]
    assert recorder.calls[1]["module_args"]["parameters"]["StartExisting"] is True
    assert "StartExisting" not in recorder.calls[0]["module_args"]["parameters"]
    assert result.value == DONE["Result"]


def test_a_task_seen_twice_never_run_while_waiting_is_started_again():
    recorder = Recorder([STARTED, status("Ready", last=267011), status("Ready", last=267011), STARTED,
                         status("Ready", DONE, last=0), REMOVED])
    _action, result = run(recorder)
    assert names(recorder) == ["lync_job_start", "lync_job_status", "lync_job_status", "lync_job_start",
                               "lync_job_status", "lync_job_remove"]
    assert recorder.calls[3]["module_args"]["parameters"]["StartExisting"] is True
    assert result.value == DONE["Result"]


def test_a_disabled_task_is_refused_with_the_fix():
    disabled = ok({"Job": "j", "WorkId": WORK, "Started": False, "State": "Disabled", "LastTaskResult": 0})
    with pytest.raises(door.PayloadError, match="is disabled; enable it"):
        run(Recorder([disabled]))


def test_a_failed_cleanup_keeps_the_result_with_a_warning():
    held = ok({"Job": "j", "Unregistered": True, "Stopped": False, "FolderRemoved": False,
               "FolderError": "The process cannot access the file 'result.xml' because it is being used by another "
                              "process."}, changed=True)
    recorder = Recorder([STARTED, status("Ready", DONE, last=0), held])
    action, result = run(recorder)
    assert result.value == DONE["Result"]
    assert any("cleanup failed" in w and "being used by another process" in w for w in door.payload_warnings(action))


def test_a_cleanup_call_that_fails_keeps_the_result_with_a_warning():
    broken = {"failed": True, "error": [{"exception": {"message": "Unregister-ScheduledTask: access denied"}}]}
    recorder = Recorder([STARTED, status("Ready", DONE, last=0), broken])
    action, result = run(recorder)
    assert result.value == DONE["Result"]
    assert any("cleanup failed" in w for w in door.payload_warnings(action))


def test_a_refusal_is_recognised_in_the_cim_form_windows_gives():
    """Register-ScheduledTask is a CIM cmdlet: the message is the text alone and the code comes in the error's
    FullyQualifiedErrorId, which the start payload appends (review detached2, finding 1)."""
    text = ("LYNC_JOB_REGISTER_REFUSED: The user name or password is incorrect. "
            "(HRESULT 0x8007052e,Register-ScheduledTask)")
    assert "user name or password is wrong" in detached.refusal(text)
    assert detached.refusal("LYNC_JOB_REGISTER_REFUSED: Access is denied. (HRESULT 0x80070005,Register-ScheduledTask)") \
        is None


# -- a stop ends the work, then deletes what it wrote (review detached 7, detached2 4) --------------------------

RECORDS = {"Sql": {"SessionId": 57, "LoginTime": "2026-11-28T01:02:03.123"},
           "Process": {"ProcessId": 4711, "StartTicks": 639000000001234567}}
LEFTOVERS = ["\\\\b\\s\\set\\sql\\xds.bak"]


def stopped(sql_running=False, processes=0, error=None):
    return ok({"SqlFound": True, "SqlRunning": sql_running, "SqlError": error, "ProcessesStopped": [4712],
               "ProcessesRunning": processes, "Removed": [], "RemoveErrors": []}, changed=True)


def with_records(records):
    answer = status()
    answer["result"]["Records"] = records
    return answer


def _stop(answers, records="records", leftovers="leftovers"):
    records = RECORDS if records == "records" else records
    leftovers = LEFTOVERS if leftovers == "leftovers" else leftovers
    clock = Clock()
    recorder = Recorder([STARTED] + [status()] * 10 + [with_records(records), REMOVED] + answers)
    with pytest.raises(detached.JobTimeout) as info:
        run(recorder, clock=clock, timeout=60, leftovers=leftovers)
    return recorder, str(info.value)


def test_a_stop_kills_the_recorded_session_stops_the_children_and_deletes_the_leftovers():
    removed = ok({"SqlFound": False, "SqlRunning": False, "SqlError": None, "ProcessesStopped": [], "ProcessesRunning": 0,
                  "Removed": LEFTOVERS, "RemoveErrors": []}, changed=True)
    recorder, text = _stop([stopped(), removed])
    assert names(recorder)[-4:] == ["lync_job_status", "lync_job_remove", "lync_job_stop", "lync_job_stop"]
    # Stop-ScheduledTask first (nothing of the runner goes on to a next database), then the session and children.
    assert recorder.calls[-3]["module_args"]["parameters"]["Stop"] is True
    assert recorder.calls[-2]["module_args"]["parameters"] == {
        "SqlInstance": PARAMS["SqlInstance"], "SqlSessionId": 57, "SqlLoginTime": "2026-11-28T01:02:03.123",
        "RunnerProcessId": 4711, "RunnerStartTicks": 639000000001234567}
    assert recorder.calls[-1]["module_args"]["parameters"] == {"RemoveFiles": LEFTOVERS}
    assert "ended and deleted" in text


@pytest.mark.parametrize("records", [
    {"Sql": {"SessionId": "57; SHUTDOWN", "LoginTime": "2026-11-28T01:02:03.123"}},
    {"Sql": {"SessionId": 0, "LoginTime": "2026-11-28T01:02:03.123"}},
    {"Sql": {"SessionId": 70000, "LoginTime": "2026-11-28T01:02:03.123"}},
    {"Sql": {"SessionId": True, "LoginTime": "2026-11-28T01:02:03.123"}},
    {"Sql": {"SessionId": 57, "LoginTime": "yesterday'; KILL 1 --"}},
    {"Process": {"ProcessId": -4, "StartTicks": 639000000001234567}},
    {"Process": {"ProcessId": "4711", "StartTicks": 639000000001234567}},
    {"Process": {"ProcessId": 4711, "StartTicks": "639000000001234567; Stop-Computer"}},
    {"Process": {"ProcessId": 4711, "StartTicks": 2 ** 63}},
    "not a dict", None])
def test_records_that_are_not_what_the_job_writes_never_reach_the_stop(records):
    job = detached.Job(Action(Recorder()), VARS, "lync_sql_backup", PARAMS, "lync.server-j", WHO)
    assert job.stop_parameters(records) == {}


def test_the_sql_instance_of_a_stop_is_the_works_own_never_the_records():
    job = detached.Job(Action(Recorder()), VARS, "lync_sql_backup", PARAMS, "lync.server-j", WHO)
    records = {"Sql": dict(RECORDS["Sql"], SqlInstance="evil\\X")}
    assert job.stop_parameters(records)["SqlInstance"] == PARAMS["SqlInstance"]


def test_a_session_still_running_after_the_kill_is_looked_at_again_then_reported_and_nothing_deleted():
    recorder, text = _stop([stopped(sql_running=True)] * detached.STOP_WAITS)
    assert names(recorder).count("lync_job_stop") == detached.STOP_WAITS  # no RemoveFiles call
    assert "still ran after the stop" in text and "NOT deleted" in text and LEFTOVERS[0] in text


def test_a_kill_refused_names_the_right_and_deletes_nothing():
    recorder, text = _stop([stopped(error="User does not have permission to use the KILL statement.")])
    assert names(recorder).count("lync_job_stop") == 1
    assert "ALTER ANY CONNECTION" in text and "NOT deleted" in text


def test_a_leftover_must_be_a_full_path_without_wildcards():
    for bad in ("xds.bak", "\\\\b\\s\\set\\*.bak", "\\\\b\\s\\set\\..\\other", "C:relative"):
        with pytest.raises(door.PayloadError, match="full path"):
            detached.Job(Action(Recorder()), VARS, "lync_sql_backup", PARAMS, "lync.server-j", WHO, leftovers=[bad])


def test_nothing_recorded_and_nothing_left_makes_no_stop_call():
    recorder, dummy = _stop([], records=None, leftovers=())
    assert "lync_job_stop" not in names(recorder)


# -- the sweep of orphans (review detached 9) --------------------------------------------------------------------

THIS = "lync-20261128T010203Z-0a1b2c.0123456789ab"
EARLIER = "lync-20261127T010203Z-0d0e0f.ba9876543210"


NOW = "2026-11-28T02:00:00.0000000Z"
OLD = "2026-11-27T01:59:59.9999999Z"  # a day and more before NOW: an orphan no live run will collect


def task(name, state="Ready", user=WHO[0], work=EARLIER, path="\\lync.server\\", changed=OLD):
    return {"Name": name, "Path": path, "State": state, "UserId": user, "WorkId": work, "Changed": changed}


def test_sweep_plan_removes_idle_orphans_of_other_sets_and_reports_running_ones():
    listed = [task("lync.server-sql-a-1"), task("lync.server-copy-b-2", state="Running"),
              task("lync.server-sql-c-3", state="Queued"),
              task("lync.server-sql-mine-4", work=THIS.replace("0123456789ab", "ffffffffffff")),  # this run's set
              task("lync.server-restore-d-5", work="0123456789ab"),  # a restore's job: no set
              task("lync.server-sql-e-6", user="CONTOSO\\someone-else"),  # another account's
              task("OtherProduct-Updater", path="\\lync.server\\"),  # not a job name
              task("lync.server-sql-f-7", path="\\Microsoft\\Windows\\"),  # another folder
              task("lync.server-sql-g-8", work=None),  # no work.id: unknown, left alone
              task("lync.server-sql-h-9", user="svc-lyncbackup@contoso.local"),  # the principal, UPN form
              task("lync.server-sql-i-10", work=EARLIER + " x"),  # a work id lync_job_remove would refuse
              "garbage"]
    remove, report = detached.sweep_plan(listed, THIS, WHO[0], current_job="lync.server-sql-x", now=NOW)
    assert remove == [("lync.server-sql-a-1", EARLIER), ("lync.server-sql-h-9", EARLIER)]
    assert report == ["lync.server-copy-b-2", "lync.server-sql-c-3"]


@pytest.mark.parametrize("changed, now, removed", [
    ("2026-11-27T02:00:00.0000000Z", NOW, True),  # 24 h: no live run collects a job that late
    ("2026-11-27T02:00:01.0000000Z", NOW, False),  # younger: a live run of another root may be about to collect it
    (None, NOW, False),  # no work.id, no result: unknown, left alone
    (OLD, None, False),  # the host's clock not reported
    ("garbage", NOW, False),
])
def test_sweep_plan_removes_an_idle_orphan_only_a_day_after_it_last_wrote(changed, now, removed):
    """Review detstop 5: an idle job of another set may be a live run's (another backup root, a resumed set) that
    is about to collect it; only one that has waited a day is an orphan."""
    remove, report = detached.sweep_plan([task("lync.server-sql-a-1", changed=changed)], THIS, WHO[0], now=now)
    assert remove == ([("lync.server-sql-a-1", EARLIER)] if removed else []) and report == []


def test_sweep_plan_without_a_set_sweeps_nothing():
    assert detached.sweep_plan([task("lync.server-sql-a-1")], "0123456789ab", WHO[0]) == ([], [])
    assert detached.sweep_plan([task("lync.server-sql-a-1")], THIS, "") == ([], [])


def _with_set(answers):
    recorder = Recorder(answers)
    action = Action(recorder, become=Become())
    clock = Clock()
    result = detached.run(action, VARS, "lync_sql_backup", PARAMS, "lync.server-sql-x", clock=clock, sleep=clock.sleep,
                          poll=10, required_keys=("Databases",), work=THIS)
    return recorder, action, result


def test_a_new_start_removes_the_idle_orphans_only_if_still_idle_and_warns_of_running_ones():
    started = ok({"Job": "j", "WorkId": THIS, "Started": True, "State": "Running"}, changed=True)
    listed = ok({"Tasks": [task("lync.server-sql-a-1"), task("lync.server-copy-b-2", state="Running"),
                           task("lync.server-sql-c-3")], "Now": NOW})
    gone = ok({"Job": "a", "Unregistered": True, "Skipped": False}, changed=True)
    began = ok({"Job": "c", "Unregistered": False, "Skipped": True})  # started meanwhile: left alone
    recorder, action, result = _with_set([started, listed, gone, began, status("Ready", DONE, last=0), REMOVED])
    assert names(recorder)[:4] == ["lync_job_start", "lync_job_sweep", "lync_job_remove", "lync_job_remove"]
    assert [recorder.calls[i]["module_args"]["parameters"] for i in (2, 3)] == [
        {"JobName": "lync.server-sql-a-1", "OnlyIfIdle": True, "WorkId": EARLIER},
        {"JobName": "lync.server-sql-c-3", "OnlyIfIdle": True, "WorkId": EARLIER}]
    warned = " ".join(getattr(action, door._WARNINGS_ATTR))  # pylint: disable=protected-access
    assert "lync.server-copy-b-2" in warned and "lync.server-sql-c-3" in warned and "left alone" in warned
    assert "lync.server-sql-a-1" not in warned
    assert result.value == DONE["Result"]


def test_a_sweep_leaves_a_name_that_newer_work_took_meanwhile_unreported():
    """Between the listing and the removal another start removed the orphan and registered newer work under its name
    (lync_job_remove -WorkId answers Reused): nothing is removed, nothing is reported as still running."""
    started = ok({"Job": "j", "WorkId": THIS, "Started": True, "State": "Running"}, changed=True)
    listed = ok({"Tasks": [task("lync.server-sql-a-1")], "Now": NOW})
    reused = ok({"Job": "a", "Unregistered": False, "Skipped": True, "Reused": True})
    recorder, action, result = _with_set([started, listed, reused, status("Ready", DONE, last=0), REMOVED])
    assert recorder.calls[2]["module_args"]["parameters"] == {"JobName": "lync.server-sql-a-1", "OnlyIfIdle": True,
                                                              "WorkId": EARLIER}
    assert "lync.server-sql-a-1" not in " ".join(getattr(action, door._WARNINGS_ATTR))  # pylint: disable=protected-access
    assert result.value == DONE["Result"]


def test_a_failed_sweep_is_a_warning_not_the_works_failure():
    started = ok({"Job": "j", "WorkId": THIS, "Started": True, "State": "Running"}, changed=True)
    recorder, action, result = _with_set([started, {"failed": True, "msg": "Access denied"},
                                          status("Ready", DONE, last=0), REMOVED])
    assert "sweep of earlier runs' jobs" in " ".join(getattr(action, door._WARNINGS_ATTR))  # pylint: disable=protected-access
    assert result.value == DONE["Result"]


def test_a_rerun_that_finds_its_job_does_not_sweep():
    found = ok({"Job": "j", "WorkId": THIS, "Started": False, "State": "Running"})
    recorder, dummy, dummy2 = _with_set([found, status("Ready", DONE, last=0), REMOVED])
    assert "lync_job_sweep" not in names(recorder)


# -- the runner and the task command make no static .NET call but [scriptblock]::Create (review detached2 5) --------
# The collection needs FullLanguage (about_Language_Modes: ConstrainedLanguage refuses [scriptblock]::Create and
# [pscustomobject], review detstop finding 1; docs/architecture.md); within it, the runner and the task's command
# read files with Get-Content -Raw and call no other .NET method, so nothing but the work's own payload depends on
# a .NET member the lab emulates. The lab's engine has no language mode: this reads the texts.

CLM_ALLOWED = {("scriptblock", "create")}


def _static_calls(text):
    code = "\n".join(line.split("#", 1)[0] for line in text.splitlines())
    return {(t.lower().rsplit(".", 1)[-1] if t.lower().startswith("system.management.automation.") else t.lower(),
             m.lower()) for t, m in detached.re.findall(r"\[([A-Za-z0-9_.]+)\]::(\w+)\s*\(", code)}, code


def test_the_runner_and_the_task_command_call_no_static_method_but_scriptblock_create():
    runner, code = _static_calls(detached.runner_text())
    assert runner <= CLM_ALLOWED, runner
    assert "New-Object" not in code and "Add-Type" not in code
    start = (pathlib.Path(PAYLOAD_DIR) / "lync_job_start.ps1").read_text(encoding="utf-8")
    command = [line for line in start.splitlines() if line.strip().startswith("$command = ")]
    assert len(command) == 1 and "Get-Content -LiteralPath" in command[0] and "-Raw -Encoding UTF8" in command[0]
    assert _static_calls(command[0])[0] <= CLM_ALLOWED


def test_planted_readalltext_in_the_runner_is_caught():
    planted = detached.runner_text().replace(
        "(Get-Content -LiteralPath (Join-Path -Path $folder -ChildPath 'work.ps1') -Raw -Encoding UTF8)",
        "[System.IO.File]::ReadAllText((Join-Path -Path $folder -ChildPath 'work.ps1'))")
    assert planted != detached.runner_text()
    assert _static_calls(planted)[0] - CLM_ALLOWED == {("system.io.file", "readalltext")}
