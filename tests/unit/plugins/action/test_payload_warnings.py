"""What a payload writes with Write-Warning (win_powershell's `warning` list) reaches the user as the
task's warnings, payload and host named, secrets masked; when the task fails, as displayed warnings."""

import importlib
import pathlib

import pytest
from ansible.errors import AnsibleActionFail

from ansible_collections.lync.server.plugins.action.lync_facts import ActionModule as FactsAction
from ansible_collections.lync.server.plugins.plugin_utils import payload as door
from ansible_collections.lync.server.plugins.plugin_utils.action import LyncAction

from ...conftest import Recorder, make_action, ok

ROOT = pathlib.Path(__file__).resolve().parents[4]
VARS = {"inventory_hostname": "fe01.contoso.local"}
HOST = {"Fqdn": "fe01.contoso.local", "LyncModule": None, "Products": [], "Services": [], "SqlInstances": []}


def warned(result, *texts):
    return dict(result, warning=list(texts))


class Probe(LyncAction):
    """A LyncAction that runs the host probe twice (once with a secret) and adds a warning of its own."""

    def execute(self, params):
        self.payload("lync_host_probe")
        self.payload("lync_host_probe", secrets={"Password": "Vault-Secret-1"})
        return {"changed": False, "warnings": ["the plugin's own"]}


class Failing(LyncAction):
    def execute(self, params):
        self.payload("lync_host_probe")
        raise AnsibleActionFail("it broke")


def test_payload_warnings_become_the_task_warnings():
    recorder = Recorder([warned(ok({"a": 1}), "disk almost full"),
                         warned(ok({"a": 1}), "could not log on with Vault-Secret-1", "disk almost full")])
    result = make_action(Probe, {}, recorder).run(task_vars=VARS)
    assert result["warnings"] == [
        "the plugin's own",
        "payload lync_host_probe on fe01.contoso.local: disk almost full",
        "payload lync_host_probe on fe01.contoso.local: could not log on with ********"]
    assert "Vault-Secret-1" not in repr(result)


def test_without_warnings_the_result_has_none():
    result = make_action(FactsAction, {"gather_subset": ["host"]}, Recorder([ok(HOST)])).run(task_vars=VARS)
    assert "warnings" not in result


def test_lync_facts_shows_payload_warnings():
    recorder = Recorder([warned(ok(HOST), "WARNING text\nover two lines")])
    result = make_action(FactsAction, {"gather_subset": ["host"]}, recorder).run(task_vars=VARS)
    assert result["warnings"] == ["payload lync_host_probe on fe01.contoso.local: WARNING text over two lines"]


@pytest.mark.parametrize("cls, args, answer", [
    (Failing, {}, warned(ok({"a": 1}), "the share is nearly full")),
    (FactsAction, {"gather_subset": ["host"]},
     dict(warned({"failed": True, "error": [{"exception": {"message": "boom"}}]}, "the share is nearly full"))),
])
def test_a_failing_task_displays_the_warnings_before_it_fails(monkeypatch, cls, args, answer):
    shown = []
    monkeypatch.setattr(door.Display, "warning", lambda self, msg, *a, **k: shown.append(msg))
    with pytest.raises(AnsibleActionFail):
        make_action(cls, args, Recorder([answer])).run(task_vars=VARS)
    assert shown == ["payload lync_host_probe on fe01.contoso.local: the share is nearly full"]


def test_the_warnings_of_one_run_do_not_leak_into_the_next():
    action = make_action(Probe, {}, Recorder([warned(ok({"a": 1}), "first"), ok({"a": 1}), ok({"a": 1}), ok({"a": 1})]))
    assert any("first" in w for w in action.run(task_vars=VARS)["warnings"])
    assert action.run(task_vars=VARS)["warnings"] == ["the plugin's own"]


def test_every_action_plugin_passes_payload_warnings_on():
    """Each action plugin is a LyncAction or ends through action.finish (which adds them), as lync_facts does."""
    for path in sorted((ROOT / "plugins" / "action").glob("*.py")):
        cls = importlib.import_module("ansible_collections.lync.server.plugins.action." + path.stem).ActionModule
        text = path.read_text(encoding="utf-8")
        assert issubclass(cls, LyncAction) or "return finish(self, result, " in text, path.name
