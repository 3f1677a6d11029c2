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


# --- SQL Server Express installs need the pending file renames done first (issue 9, probefix) -----------------
# SQL Server Setup's RebootRequiredCheck blocks installation when a restart is pending
# (https://learn.microsoft.com/previous-versions/sql/sql-server-2008-r2/ms143185(v=sql.105)).

NOT_DONE = {"Products": [], "SqlInstances": [], "Services": [], "Markers": [], "RebootPending": False,
            "PendingFileRenames": True}


@pytest.mark.parametrize("args", [
    {"step": "sql_express"},
    {"step": "local_store"},
    {"step": "components", "components": ["Front End Server"], "collocated_databases": True},
])
def test_a_sql_express_step_with_file_renames_pending_asks_for_a_restart_first(args):
    recorder = Recorder([ok(NOT_DONE)])
    result = make_action(STEP.ActionModule, args, recorder).run(task_vars=VARS)
    assert not result.get("failed"), result
    assert result["reboot_required"] is True and result["file_rename_pending"] is True
    assert result["changed"] is False and "RebootRequiredCheck" in result["msg"]
    assert len(recorder.calls) == 1, "Bootstrapper must not run"


def test_components_without_collocated_databases_run_despite_file_renames():
    assert STEP.installs_sql_express("components", {"collocated_databases": False}) is False
    assert STEP.installs_sql_express("certificates", {"collocated_databases": True}) is False


def test_get_cscertificate_failure_is_a_warning_of_the_certificates_step():
    status = dict(NOT_DONE, PendingFileRenames=False, CertificateError="Cannot read the local configuration store.")
    recorder = Recorder([ok(status), ok({"Step": "certificates", "RebootPending": False})])
    result = make_action(STEP.ActionModule, {"step": "certificates", "certificates": [
        {"thumbprint": "a" * 40, "types": ["Default"]}]}, recorder).run(task_vars=VARS)
    assert any("Get-CsCertificate failed" in w for w in result.get("warnings", [])), result
