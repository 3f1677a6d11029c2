"""lync_facts action plugin: argument validation and which probes it runs."""

import pytest
from ansible.errors import AnsibleActionFail

from ansible_collections.lync.server.plugins.action.lync_facts import ActionModule

from ...conftest import make_action, ok

VARS = {"inventory_hostname": "fe01.contoso.local"}
HOST = {"Fqdn": "fe01.contoso.local", "LyncModule": "Lync", "Products": [], "Services": [], "SqlInstances": []}
TOPOLOGY = {"Module": "Lync", "ProductVersion": "5.0.8308.984", "Sites": [], "Pools": [], "Services": [],
            "Replication": [], "CmsStatus": {}}


def payloads(recorder):
    return [c["module_args"]["script"].splitlines()[0] for c in recorder.calls]


def test_rejects_unknown_subset(recorder):
    with pytest.raises(AnsibleActionFail, match="gather_subset"):
        make_action(ActionModule, {"gather_subset": ["everything"]}, recorder).run(task_vars=VARS)
    assert recorder.calls == []


def test_rejects_unknown_option(recorder):
    with pytest.raises(AnsibleActionFail, match="unsupported parameters: gather. Supported parameters include: gather_subset"):
        make_action(ActionModule, {"gather": "all"}, recorder).run(task_vars=VARS)


def test_host_subset_runs_only_the_host_probe(recorder):
    recorder.answers = [ok(HOST)]
    result = make_action(ActionModule, {"gather_subset": ["host"]}, recorder).run(task_vars=VARS)
    assert payloads(recorder) == ["# lync-payload: lync_host_probe"]
    assert "lync_deployment" not in result["ansible_facts"] and result["changed"] is False


def test_all_reads_topology_when_the_shell_is_there(recorder):
    recorder.answers = [ok(HOST), ok(TOPOLOGY)]
    result = make_action(ActionModule, {}, recorder).run(task_vars=VARS)
    assert payloads(recorder) == ["# lync-payload: lync_host_probe", "# lync-payload: lync_topology_probe"]
    assert result["ansible_facts"]["lync_deployment"]["product"] == "Lync Server 2013"


def test_all_without_shell_gives_null_deployment(recorder):
    recorder.answers = [ok(dict(HOST, LyncModule=None))]
    result = make_action(ActionModule, {}, recorder).run(task_vars=VARS)
    assert result["ansible_facts"]["lync_deployment"] is None and len(recorder.calls) == 1


def test_unsupported_build_fails_clearly(recorder):
    recorder.answers = [ok(HOST), ok(dict(TOPOLOGY, ProductVersion="4.0.7577.0"))]
    with pytest.raises(AnsibleActionFail, match="build '4.0.7577.0' is not Lync Server 2013"):
        make_action(ActionModule, {}, recorder).run(task_vars=VARS)


def test_runs_in_check_mode(recorder):
    recorder.answers = [ok(HOST), ok(TOPOLOGY)]
    result = make_action(ActionModule, {}, recorder, check_mode=True).run(task_vars=VARS)
    assert result["ansible_facts"]["lync_host"]["fqdn"] == "fe01.contoso.local"
