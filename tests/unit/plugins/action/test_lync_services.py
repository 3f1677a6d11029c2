"""lync_services: the payload only starts/stops with -NoWait and reports; which services to wait for and the
polling are Python (plugin_utils/services.py), tested here with a virtual clock."""

import pytest
from ansible.errors import AnsibleActionFail

from ansible_collections.lync.server.plugins.action import lync_deploy_step, lync_services
from ansible_collections.lync.server.plugins.plugin_utils import services as svc

from ...conftest import Recorder, make_action, ok

VARS = {"inventory_hostname": "fe02.contoso.local"}


def states(**status):
    return [{"Name": name, "Status": value} for name, value in status.items()]


class VirtualClock:
    """time.monotonic / time.sleep stand-ins: sleeping moves the clock, nothing waits."""

    def __init__(self):
        self.now = 1000.0
        self.slept = []

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def clock(monkeypatch):
    virtual = VirtualClock()
    monkeypatch.setattr(svc.time, "monotonic", virtual.clock)
    monkeypatch.setattr(svc.time, "sleep", virtual.sleep)
    return virtual


def report(before, after, changed=True):
    return ok({"Before": before, "Services": after}, changed)


# --- which services to wait for -------------------------------------------------------------------------------

def test_master_and_fta_are_not_waited_for_on_a_front_end_that_is_not_the_active_cms():
    listed = states(RTCSRV="Stopped", REPLICA="Running", MASTER="Stopped", FTA="Stopped")
    assert svc.to_wait_for(listed, [], "started", active_cms=False) == ["RTCSRV", "REPLICA"]
    assert svc.to_wait_for(listed, [], "started", active_cms=True) == ["RTCSRV", "REPLICA", "MASTER", "FTA"]
    assert svc.to_wait_for(listed, ["rtcsrv", "master"], "started") == ["RTCSRV"]
    assert svc.to_wait_for(listed, [], "stopped") == ["RTCSRV", "REPLICA", "MASTER", "FTA"]


def test_the_active_cms_is_recognised_by_fqdn_or_short_name():
    assert svc.is_active_cms("FE01.contoso.local", "fe01.contoso.local.")
    assert svc.is_active_cms("fe01", "fe01.contoso.local")
    assert not svc.is_active_cms("fe02.contoso.local", "fe01.contoso.local")
    assert not svc.is_active_cms("fe01.contoso.local", "")


def test_the_wait_polls_until_running_and_gives_up_at_the_timeout(clock):
    answers = [states(RTCSRV="StartPending"), states(RTCSRV="StartPending"), states(RTCSRV="Running")]
    last, missing, polls = svc.wait_for(lambda: answers.pop(0), ["RTCSRV"], "started", 600, 10)
    assert missing == [] and polls == 3 and last == states(RTCSRV="Running") and clock.slept == [10, 10]
    clock.slept.clear()
    last, missing, polls = svc.wait_for(lambda: states(RTCSRV="StartPending"), ["RTCSRV"], "started", 25, 10)
    assert missing == ["RTCSRV"] and clock.slept == [10, 10, 5] and polls == 4


# --- the action plugin ----------------------------------------------------------------------------------------

def test_start_sends_only_the_state_and_names_then_waits_without_master_and_fta(clock):
    recorder = Recorder([
        report(states(RTCSRV="Stopped", MASTER="Stopped", FTA="Stopped"),
               states(RTCSRV="StartPending", MASTER="Stopped", FTA="Stopped")),
        ok({"Before": [], "Services": states(RTCSRV="Running", MASTER="Stopped", FTA="Stopped")}),
    ])
    result = make_action(lync_services.ActionModule, {"state": "started"}, recorder).run(task_vars=VARS)
    assert [c["module_args"]["parameters"] for c in recorder.calls] == [
        {"State": "started", "Names": []}, {"State": "query", "Names": []}]
    assert not result.get("failed") and result["changed"] is True and result["waited_for"] == ["RTCSRV"]
    assert clock.slept == [10]


def test_the_active_cms_waits_for_master_and_fta_and_fails_naming_them(clock):
    pending = states(RTCSRV="Running", MASTER="StartPending", FTA="Stopped")
    recorder = Recorder([report(pending, pending)] + [ok({"Before": pending, "Services": pending})] * 20)
    result = make_action(lync_services.ActionModule, {
        "state": "started", "wait_timeout": 30, "active_cms": "fe02.contoso.local"}, recorder).run(task_vars=VARS)
    assert result["failed"] and "not running after 30 seconds: MASTER, FTA" in result["msg"]
    assert len(recorder.calls) == 4 and sum(clock.slept) == 30


def test_the_active_cms_comes_from_the_deployment_facts(clock):
    running = states(RTCSRV="Running", MASTER="Running", FTA="Running")
    recorder = Recorder([report(running, running, False)])
    facts = {"lync_deployment": {"cms": {"replication": {"active_master": "fe02.contoso.local"}}}}
    result = make_action(lync_services.ActionModule, {"state": "started"}, recorder).run(
        task_vars=dict(VARS, ansible_facts=facts))
    assert result["waited_for"] == ["RTCSRV", "MASTER", "FTA"] and result["changed"] is False
    assert len(recorder.calls) == 1 and clock.slept == []


def test_wait_false_starts_and_returns_at_once(clock):
    recorder = Recorder([report(states(RTCSRV="Stopped"), states(RTCSRV="StartPending"))])
    result = make_action(lync_services.ActionModule, {"state": "started", "wait": False}, recorder).run(task_vars=VARS)
    assert len(recorder.calls) == 1 and not result.get("failed") and result["changed"] is True
    assert result["services"] == states(RTCSRV="StartPending") and clock.slept == []


def test_wait_only_starts_nothing(clock):
    recorder = Recorder([report(states(RTCSRV="StartPending"), states(RTCSRV="StartPending"), False),
                         ok({"Before": [], "Services": states(RTCSRV="Running")})])
    result = make_action(lync_services.ActionModule, {"state": "started", "wait_only": True}, recorder).run(
        task_vars=VARS)
    assert [c["module_args"]["parameters"]["State"] for c in recorder.calls] == ["query", "query"]
    assert result["changed"] is False and not result.get("failed")


def test_named_services_travel_as_a_list_parameter(clock):
    recorder = Recorder([report(states(RTCSRV="Running", RTCATS="Running"), states(RTCSRV="Stopped", RTCATS="Stopped"))])
    make_action(lync_services.ActionModule, {"state": "stopped", "names": ["RTCSRV", "RTCATS"]}, recorder).run(
        task_vars=VARS)
    assert recorder.calls[0]["module_args"]["parameters"] == {"State": "stopped", "Names": ["RTCSRV", "RTCATS"]}


@pytest.mark.parametrize("args, message", [
    ({"state": "started", "names": ["RTC SRV"]}, "not service names"),
    ({"state": "started", "poll_interval": 0}, "poll_interval"),
    ({"state": "started", "wait": False, "wait_only": True}, "does nothing"),
])
def test_bad_options_are_refused_before_any_call(args, message):
    recorder = Recorder()
    with pytest.raises(AnsibleActionFail, match=message):
        make_action(lync_services.ActionModule, args, recorder).run(task_vars=VARS)
    assert recorder.calls == []


def test_deploy_step_services_waits_without_master_and_fta_on_a_passive_front_end(clock):
    status = {"Products": [], "Services": states(RTCSRV="Stopped", MASTER="Stopped", FTA="Stopped"), "Markers": []}
    recorder = Recorder([ok(status), report(status["Services"], states(RTCSRV="Running", MASTER="Stopped",
                                                                       FTA="Stopped"))])
    result = make_action(lync_deploy_step.ActionModule, {"step": "services"}, recorder).run(task_vars=VARS)
    assert not result.get("failed") and result["waited_for"] == ["RTCSRV"] and clock.slept == []


# --- errors of single Start-/Stop-CsWindowsService calls (issue 9, probefix) ----------------------------------

def test_the_wait_failure_names_what_start_cs_windows_service_reported(clock):
    """The payload collects the cmdlets' non-terminating errors (-ErrorVariable) and goes on with the other
    services; when the wait fails, the message carries them."""
    pending = states(RTCSRV="Stopped", RTCATS="Stopped")
    first = ok({"Before": pending, "Services": states(RTCSRV="Stopped", RTCATS="Running"),
                "Errors": ["Start-CsWindowsService : Cannot start service RTCSRV on computer '.'."]})
    recorder = Recorder([first] + [ok({"Before": pending, "Services": states(RTCSRV="Stopped", RTCATS="Running"),
                                       "Errors": []})] * 20)
    result = make_action(lync_services.ActionModule, {"state": "started", "wait_timeout": 30}, recorder).run(
        task_vars=VARS)
    assert result["failed"] is True
    assert "not running after 30 seconds: RTCSRV" in result["msg"]
    assert "Start-CsWindowsService reported: Start-CsWindowsService : Cannot start service RTCSRV" in result["msg"]
    assert result["errors"] == ["Start-CsWindowsService : Cannot start service RTCSRV on computer '.'."]


def test_failure_message_without_errors_is_unchanged():
    assert svc.failure_message("fe01", "stopped", 60, ["RTCSRV"]) == "fe01: Lync services not stopped after 60 seconds: RTCSRV"


def test_service_errors_are_reported_once(clock):
    """A terminating error reaches both -ErrorVariable and the payload's catch (the lab's engine showed it;
    https://github.com/PowerShell/PowerShell/issues/18390): the plugin reports each text once, in order."""
    running = states(RTCSRV="Running", RTCMEDSRV="Stopped")
    twice = "Start-CsWindowsService : Cannot start service RTCMEDSRV on computer '.'."
    recorder = Recorder([ok({"Before": running, "Services": running, "Errors": [twice, twice, "other"]}, True)])
    result = make_action(lync_services.ActionModule, {"state": "started", "names": ["RTCSRV"]}, recorder).run(task_vars=VARS)
    assert result["errors"] == [twice, "other"]
