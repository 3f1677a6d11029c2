"""lync_deploy_step: a pending restart is Windows' own restart flags, never PendingFileRenameOperations alone."""

import importlib

import pytest

from ...conftest import Recorder, make_action, ok

STEP = importlib.import_module("ansible_collections.lync.server.plugins.action.lync_deploy_step")
VARS = {"inventory_hostname": "fe01.contoso.local"}


@pytest.mark.parametrize("status, expected", [
    ({"RebootPending": False, "PendingFileRenames": True}, (False, True)),
    ({"RebootPending": True, "PendingFileRenames": False}, (True, False)),
    ({"RebootPending": True, "PendingFileRenames": True}, (True, True)),
    ({}, (False, False)),
])
def test_restart_state(status, expected):
    assert STEP.restart_state(status) == expected


def test_step_already_done_with_only_file_renames_needs_no_restart():
    status = {"Products": [], "SqlInstances": ["RTCLOCAL"], "Services": [{"Name": "REPLICA", "Status": "Running"}],
              "Markers": [], "RebootPending": False, "PendingFileRenames": True}
    recorder = Recorder([ok(status)])
    action = make_action(STEP.ActionModule, {"step": "local_store"}, recorder)
    result = action.run(task_vars=VARS)
    assert not result.get("failed"), result
    assert result["changed"] is False
    assert result["reboot_required"] is False and result["file_rename_pending"] is True
