"""One guard, fed every marker name the planner can produce: never rerun step 2 after data came back.

Marker names are "<stage>" or "<stage>_<pool or store label>", and stage names contain "_" themselves
(pchat_import): the old guards took the text before the first "_" and missed pchat_import_<scope>.
"""

import itertools
import json

import pytest
from ansible.errors import AnsibleActionFail

from ansible_collections.lync.server.plugins.action import lync_deploy_step
from ansible_collections.lync.server.plugins.plugin_utils import recovery_plan as rp

from ...conftest import Recorder, make_action, ok
from .test_recovery_plan import OPTIONS, SET_ID, SET_PATH, lab_manifest


def planned_markers():
    """(marker name, stage) of every step the planner produces for the lab topologies, every target set
    (each server alone and all together) and both Persistent Chat methods."""
    found = {}
    for topology in ("standard", "enterprise"):
        manifest, hosts = lab_manifest(topology)
        computers = sorted({c for p in manifest["topology"]["pools"] for c in p["computers"]})
        target_sets = [[c] for c in computers] + [computers]
        for targets, method in itertools.product(target_sets, ("sql", "export")):
            try:
                planned = rp.plan(manifest, SET_PATH, targets, hosts, dict(OPTIONS, persistent_chat=method))
            except rp.RecoveryPlanError:
                continue
            for step in planned["steps"]:
                found[step["marker"]] = step["stage"]
    return sorted(found.items())


MARKERS = planned_markers()


def test_the_planner_produces_a_marker_of_every_data_stage():
    assert set(rp.DATA_STAGES) <= {stage for dummy, stage in MARKERS}
    assert any(m.startswith("pchat_import_") for m, dummy in MARKERS)


@pytest.mark.parametrize("marker, stage", MARKERS, ids=[m for m, dummy in MARKERS])
def test_every_planned_marker_maps_back_to_its_stage(marker, stage):
    assert rp.marker_stage(marker) == stage
    assert rp.data_markers([marker]) == ([marker] if stage in rp.DATA_STAGES else [])


def test_names_no_stage_produces_are_not_data():
    assert rp.marker_stage("pchat") is None and rp.data_markers(["pchat", "sqlx", "users", ""]) == []


def old_guard(names):
    """The guard as 1a7fef5 had it in both places (split("_")[0]), kept to show the new test catches it."""
    data = ("userdata", "lis", "rgs", "sql", "pchat_import")
    return [m for m in names if m.split("_")[0] in data or m in data]


def test_the_old_guard_missed_pchat_import_markers():
    missed = [m for m, stage in MARKERS if stage in rp.DATA_STAGES and not old_guard([m])]
    assert missed and all(m.startswith("pchat_import_") for m in missed)


@pytest.mark.parametrize("marker", [m for m, stage in MARKERS if stage in rp.DATA_STAGES])
def test_the_recovery_plan_refuses_step_2_after_every_data_marker(marker):
    manifest, hosts = lab_manifest("standard")
    se = "lyncse01.contoso.local"
    planned = rp.plan(manifest, SET_PATH, [se], hosts, OPTIONS)
    markers = {se: [{"Stage": marker, "Text": json.dumps({"set_id": SET_ID})}]}
    rp.apply_markers(planned, markers, SET_ID, force=["components"])
    problems = rp.refuse_components_after_data(planned, markers, rp.collocated_servers(manifest["topology"]))
    assert len(problems) == 1 and marker in problems[0]


@pytest.mark.parametrize("marker", [m for m, stage in MARKERS if stage in rp.DATA_STAGES])
def test_lync_deploy_step_refuses_step_2_after_every_data_marker(marker):
    status = {"Products": [], "Services": [], "SqlInstances": ["RTC", "RTCLOCAL"], "Certificates": [],
              "Markers": [marker], "RebootPending": False}
    recorder = Recorder([ok(status)])
    action = make_action(lync_deploy_step.ActionModule, {
        "step": "components", "components": ["Front End Server"], "collocated_databases": True}, recorder)
    with pytest.raises(AnsibleActionFail, match="refusing step 2.*%s" % marker):
        action.run(task_vars={"inventory_hostname": "lyncse01.contoso.local"})
    assert len(recorder.calls) == 1


def test_lync_deploy_step_runs_step_2_after_markers_without_data():
    status = {"Products": [], "Services": [], "SqlInstances": ["RTC"], "Certificates": [],
              "Markers": ["core", "local_store"], "RebootPending": False}
    result = make_action(lync_deploy_step.ActionModule, {
        "step": "components", "components": ["Front End Server"], "collocated_databases": True},
        Recorder([ok(status)]), check_mode=True).run(task_vars={"inventory_hostname": "lyncse01.contoso.local"})
    assert result["changed"] is True
