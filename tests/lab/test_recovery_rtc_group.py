"""Without lync_rtc_group the recovery refuses to plan SQL restores, before any change (issue 9).

Before issue 9 an empty group made stage_sql.yml pass acl_group: omit and the ACL check after the
restore was skipped silently, although the runbook promises it.
"""

from tests.lab.test_recovery import backed_up, recover


def test_sql_restores_are_not_planned_without_the_group(backed_up_lab, run_playbook):
    lab, dummy_state, dummy_files = backed_up(backed_up_lab, "enterprise")
    before = lab.load()["hosts"]
    run = recover(run_playbook, lab, ["sqlmon01.contoso.local"], extra={"lync_rtc_group": ""})
    assert run.rc != 0
    assert "set lync_rtc_group" in run.output and "nothing was changed" in run.output, run.output[-3000:]
    assert not run.results("Run the pending steps, in order")
    assert lab.load()["hosts"] == before
