"""The ACL check after SQL restores is never skipped silently (issue 9).

Before issue 9 an empty lync_rtc_group made roles/recovery/tasks/stage_sql.yml pass acl_group: omit,
and lync_sql_restore skipped the check the runbook promises. Now the plan carries the group in
every sql step, and refuses to plan the SQL stage without it, before any step runs.
"""

import pytest

from ansible_collections.lync.server.plugins.plugin_utils import recovery_plan as rp

from .test_recovery_plan import OPTIONS, SET_PATH, lab_manifest

GROUP = "CONTOSO\\RTCComponentUniversalServices"


def test_every_sql_step_carries_the_group():
    manifest, hosts = lab_manifest("enterprise")
    planned = rp.plan(manifest, SET_PATH, ["sqlmon01.contoso.local"], hosts, OPTIONS)
    sql = [s for s in planned["steps"] if s["stage"] == "sql"]
    acl = [s for s in sql if s["args"]["acl_databases"]]
    assert acl and all(s["args"]["acl_group"] == GROUP for s in acl)


def test_the_acl_check_covers_archiving_and_monitoring_only():
    """Microsoft documents the ACL check for the Archiving and Monitoring databases (LcsLog, LcsCDR,
    QoEMetrics), not for Persistent Chat's mgc."""
    manifest, hosts = lab_manifest("enterprise")
    planned = rp.plan(manifest, SET_PATH, ["sqlmon01.contoso.local"], hosts, OPTIONS)
    sql = [s for s in planned["steps"] if s["stage"] == "sql"]
    for step in sql:
        assert set(step["args"]["acl_databases"]) == set(step["args"]["files"]) & {"LcsLog", "LcsCDR", "QoEMetrics"}
        assert "mgc" not in step["args"]["acl_databases"]
        assert bool(step["args"]["acl_group"]) == bool(step["args"]["acl_databases"])
    assert any("mgc" in s["args"]["files"] and not s["args"]["acl_databases"] for s in sql)


@pytest.mark.parametrize("group", [None, "", "  "])
def test_the_sql_stage_is_refused_without_the_group(group):
    manifest, hosts = lab_manifest("enterprise")
    options = dict(OPTIONS, rtc_group=group)
    with pytest.raises(rp.RecoveryPlanError) as err:
        rp.plan(manifest, SET_PATH, ["sqlmon01.contoso.local"], hosts, options)
    message = str(err.value)
    assert "set lync_rtc_group" in message and "RTCComponentUniversalServices" in message
    assert "nothing was changed" in message and "pchat" not in message


def test_a_malformed_group_is_refused():
    manifest, hosts = lab_manifest("enterprise")
    with pytest.raises(rp.RecoveryPlanError, match="is not DOMAIN"):
        rp.plan(manifest, SET_PATH, ["sqlmon01.contoso.local"], hosts, dict(OPTIONS, rtc_group="RTCComponentUniversalServices"))


def test_plans_without_sql_restores_do_not_need_it():
    manifest, hosts = lab_manifest("enterprise")
    options = dict(OPTIONS, rtc_group="")
    planned = rp.plan(manifest, SET_PATH, ["fe02.contoso.local", "fs01.contoso.local"], hosts, options)
    assert "sql" not in {s["stage"] for s in planned["steps"]}


def test_the_role_passes_the_planned_group_not_omit():
    """stage_sql.yml used `recovery_rtc_group | default(omit, true)`: an empty group dropped the check."""
    import pathlib
    root = pathlib.Path(__file__).resolve().parents[4]
    text = (root / "roles" / "recovery" / "tasks" / "stage_sql.yml").read_text()
    line = text.split("acl_group:", 1)[1].splitlines()[0]
    assert "recovery_step.args.acl_group" in line and "recovery_step.args.acl_databases" in line
    assert "omit" not in line
    main = (root / "roles" / "recovery" / "tasks" / "main.yml").read_text()
    assert "rtc_group: \"{{ recovery_rtc_group }}\"" in main


def test_the_restore_uses_the_recorded_checksum_flag():
    """RESTORE WITH CHECKSUM of a backup taken without checksums fails (Msg 3187,
    https://learn.microsoft.com/sql/t-sql/statements/restore-statements-arguments-transact-sql): the plan carries
    the flag the set recorded for each database, and the role passes it."""
    import copy
    import pathlib
    manifest, hosts = lab_manifest("enterprise")
    manifest = copy.deepcopy(manifest)
    for item in manifest["items"]:
        if item["id"].lower() == "sql:sqlmon01.contoso.local\\rtc":
            item["details"] = {"databases": [{"name": "LcsCDR", "checksum": False}, {"name": "LcsLog", "checksum": True}]}
    planned = rp.plan(manifest, SET_PATH, ["sqlmon01.contoso.local"], hosts, OPTIONS)
    checksums = {}
    for step in planned["steps"]:
        if step["stage"] == "sql":
            checksums.update(step["args"]["checksums"])
    assert checksums["LcsCDR"] is False and checksums["LcsLog"] is True
    root = pathlib.Path(__file__).resolve().parents[4]
    assert "recovery_step.args.checksums" in (root / "roles" / "recovery" / "tasks" / "stage_sql.yml").read_text()
