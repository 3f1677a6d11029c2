"""Bounds on remote calls: a call its bound stopped says "timed out", which bound and what to raise (issue 11)."""

import pytest

from ansible_collections.lync.server.plugins.plugin_utils import timeouts

TASK = {"name": "Restore the database from its SQL backup, then the ACL check", "vars": {"recovery_bound": "restore"}}
TIMED_OUT = [
    {"failed": True, "msg": "Task failed: Timed out after 5 second(s).", "timedout": {"period": 5}},  # 2.19
    {"failed": True, "msg": "The lync.server.lync_sql_restore action failed to execute in the expected time frame (5) "
                            "and was terminated"},  # 2.16 - 2.18
    {"failed": True, "msg": "One or more items failed", "results": [  # a loop: one item timed out
        {"failed": False, "item": {"key": "rgsconfig"}},
        {"failed": True, "msg": "Task failed: Timed out after 5 second(s).", "timedout": {"period": 5}}]},
]


@pytest.mark.parametrize("result", TIMED_OUT, ids=["core-2.19", "core-2.16", "loop"])
def test_a_timed_out_call_names_its_bound_and_what_to_raise(result):
    assert timeouts.period(result) == 5
    msg = timeouts.failure_message(result, TASK, "recovery_timeouts", "The recovery stopped at step 7.")
    assert msg.startswith("Restore the database from its SQL backup, then the ACL check timed out after 5 seconds "
                          "(recovery_timeouts.restore)")
    assert "raise recovery_timeouts.restore (give the whole recovery_timeouts dictionary)" in msg
    assert "may still be running on the host" in msg and msg.endswith("The recovery stopped at step 7.")


def test_other_failures_keep_their_own_message():
    result = {"failed": True, "msg": "lab fault in stage rgs"}
    assert timeouts.period(result) is None
    assert timeouts.failure_message(result, TASK, "recovery_timeouts") == \
        "Restore the database from its SQL backup, then the ACL check failed: lab fault in stage rgs."
    loop = {"failed": True, "msg": "One or more items failed",
            "results": [{"failed": True, "msg": "Msg 3101 exclusive access"}, {"failed": False}]}
    assert "Msg 3101 exclusive access" in timeouts.failure_message(loop, TASK, "recovery_timeouts")
    assert "timed out" not in timeouts.failure_message(loop, TASK, "recovery_timeouts")


def test_a_host_that_only_stopped_with_the_play_says_so():
    """ansible-core 2.16 runs the rescue on every host after a run_once task failed; only one has the result."""
    assert timeouts.failure_message({}, {}, "verify_backup_timeouts").startswith("stopped with the play")


def test_a_task_without_a_named_bound_names_the_dictionary():
    msg = timeouts.failure_message(TIMED_OUT[0], {"name": "Gather host facts"}, "clean_server_timeouts")
    assert "timed out after 5 seconds (clean_server_timeouts)" in msg and "raise clean_server_timeouts " in msg
