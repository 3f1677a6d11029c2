"""Lync service rules of the lab model, and the roles against them.

Rules (tests/lab/lync_lab/cmdlets.py, each with Microsoft's page there):
* Start-CsWindowsService -Name takes one service name; a list fails parameter binding
  (https://learn.microsoft.com/en-us/powershell/module/skypeforbusiness/start-cswindowsservice);
* MASTER and FTA run only on the active Central Management Server: on the other Front Ends of the
  CMS pool they never reach Running
  (https://learn.microsoft.com/en-us/powershell/module/skypeforbusiness/get-csmanagementstorereplicationstatus);
* a Front End of a pool of 3 or more stays StartPending until enough of the pool's Front Ends are started
  (https://learn.microsoft.com/en-us/skypeforbusiness/plan-your-deployment/high-availability-and-disaster-recovery/high-availability).
"""

import pytest

from lync_lab import cmdlets, seed
from lync_lab.errors import PSError
from tests.lab.conftest import changed

FES3 = ["fe01.contoso.local", "fe02.contoso.local", "fe03.contoso.local"]


def _state(topology):
    return seed.BUILDERS[topology]()[0]


def _status(state, fqdn, name):
    return state["hosts"][fqdn]["services"][name]["status"]


def _stop_all(state, fqdns):
    for fqdn in fqdns:
        cmdlets.stop_windows_service(state, fqdn, None, no_wait=True)


def test_microsofts_table_of_front_ends_to_start():
    assert [cmdlets.pool_start_quorum(n) for n in range(2, 13)] == [1, 3, 3, 4, 5, 5, 6, 7, 8, 9, 10]


def test_a_list_to_name_fails_binding_one_name_binds():
    state = _state("enterprise")
    with pytest.raises(PSError, match="Cannot convert 'System.Object\\[\\]' to the type 'System.String' required by "
                                      "parameter 'Name'"):
        cmdlets.start_windows_service(state, "fe01.contoso.local", ["RTCSRV", "RTCATS"], no_wait=True)
    with pytest.raises(PSError, match="Cannot convert"):
        cmdlets.stop_windows_service(state, "fe01.contoso.local", ["RTCSRV", "RTCATS"])
    assert cmdlets.stop_windows_service(state, "fe01.contoso.local", "rtcats") == ["RTCATS"]
    with pytest.raises(PSError, match="Cannot find any service"):
        cmdlets.start_windows_service(state, "fe01.contoso.local", "NOSUCH", no_wait=True)


def test_master_and_fta_never_run_on_a_front_end_that_is_not_the_active_cms():
    state = _state("enterprise")
    assert cmdlets.active_cms_master(state) == "fe01.contoso.local"
    _stop_all(state, ["fe02.contoso.local"])
    cmdlets.start_windows_service(state, "fe02.contoso.local", None, no_wait=True)
    assert _status(state, "fe02.contoso.local", "RTCSRV") == "Running"
    assert _status(state, "fe02.contoso.local", "MASTER") == "Stopped" == _status(state, "fe02.contoso.local", "FTA")
    cmdlets.start_windows_service(state, "fe02.contoso.local", "MASTER", no_wait=True)
    assert _status(state, "fe02.contoso.local", "MASTER") == "Stopped"


def test_a_pool_of_three_starts_only_when_enough_front_ends_are_started():
    state = _state("enterprise3")
    _stop_all(state, FES3)
    cmdlets.start_windows_service(state, FES3[0], None, no_wait=True)
    assert _status(state, FES3[0], "RTCSRV") == "StartPending"
    assert _status(state, FES3[0], "REPLICA") == "Running"
    cmdlets.start_windows_service(state, FES3[1], None, no_wait=True)
    assert {_status(state, fe, "RTCSRV") for fe in FES3[:2]} == {"StartPending"}
    cmdlets.start_windows_service(state, FES3[2], None, no_wait=True)
    assert {_status(state, fe, "RTCSRV") for fe in FES3} == {"Running"}
    assert [fe for fe in FES3 if _status(state, fe, "MASTER") == "Running"] == [FES3[0]]


def test_a_blocking_start_of_one_front_end_of_three_fails():
    state = _state("enterprise3")
    _stop_all(state, FES3)
    with pytest.raises(PSError, match="StartPending until enough Front Ends of the pool are started \\(3 of 3\\)"):
        cmdlets.start_windows_service(state, FES3[0], None, no_wait=False)


def test_a_pool_of_two_starts_one_front_end_alone():
    state = _state("enterprise")
    _stop_all(state, ["fe01.contoso.local", "fe02.contoso.local"])
    cmdlets.start_windows_service(state, "fe02.contoso.local", None, no_wait=False)
    assert _status(state, "fe02.contoso.local", "RTCSRV") == "Running"


def _userdata_restart(lab):
    """The services a user-data restore stopped and started on every Front End of the pool."""
    state = lab.load()
    return {fe: {n: s["status"] for n, s in state["hosts"][fe]["services"].items() if n in ("RTCSRV", "MASTER", "FTA")}
            for fe in FES3}


def test_user_data_restore_restarts_a_pool_of_three_front_ends(backed_up_lab, run_playbook):
    """Recovering the back end (CMS and user store) of a 3-Front-End pool: Import-CsUserData with every Front End
    stopped, then all started together; fe02 and fe03 are Front Ends of the CMS pool that are not the active CMS."""
    lab = backed_up_lab("enterprise3")
    from lync_lab import disaster  # pylint: disable=import-outside-toplevel
    targets = ["sqlbe01.contoso.local"]
    disaster.wipe(lab, targets[0])
    prep = run_playbook(lab, "lync.server.prepare_clean_server", "-e", "lync_prepare_hosts=%s" % targets[0])
    assert prep.rc == 0, prep.output[-6000:]
    run = run_playbook(lab, "lync.server.recover", extra_vars={"recovery_targets": targets})
    assert run.rc == 0, run.output[-6000:]
    after = _userdata_restart(lab)
    assert {fe: s["RTCSRV"] for fe, s in after.items()} == dict.fromkeys(FES3, "Running")
    assert [fe for fe, s in after.items() if s["MASTER"] == "Running"] == ["fe01.contoso.local"]
    waits = run.results("Wait for the Lync services of every Front End of the pool")
    assert waits and not any(r["result"].get("failed") for r in waits)
    again = run_playbook(lab, "lync.server.recover", extra_vars={"recovery_targets": targets})
    assert again.rc == 0 and changed(again) == [], again.output[-4000:]


def test_recovering_a_front_end_that_is_not_the_active_cms(backed_up_lab, run_playbook):
    """fe02 of the CMS pool of a 3-Front-End pool: Deployment Wizard step 4 must not wait for MASTER and FTA."""
    lab = backed_up_lab("enterprise3")
    from lync_lab import disaster  # pylint: disable=import-outside-toplevel
    targets = ["fe02.contoso.local"]
    disaster.wipe(lab, targets[0])
    prep = run_playbook(lab, "lync.server.prepare_clean_server", "-e", "lync_prepare_hosts=%s" % targets[0])
    assert prep.rc == 0, prep.output[-6000:]
    run = run_playbook(lab, "lync.server.recover", extra_vars={"recovery_targets": targets})
    assert run.rc == 0, run.output[-6000:]
    services = lab.load()["hosts"][targets[0]]["services"]
    assert services["RTCSRV"]["status"] == "Running" and services["MASTER"]["status"] == "Stopped"


def test_rebuilding_every_front_end_of_a_pool_of_three(backed_up_lab, run_playbook):
    """All three Front Ends lost: Deployment Wizard step 4 starts the first two without waiting (alone, a Front End
    of this pool stays StartPending), the third waits for the whole pool."""
    lab = backed_up_lab("enterprise3")
    from lync_lab import disaster  # pylint: disable=import-outside-toplevel
    for fe in FES3:
        disaster.wipe(lab, fe)
    prep = run_playbook(lab, "lync.server.prepare_clean_server", "-e", "lync_prepare_hosts=%s" % ",".join(FES3))
    assert prep.rc == 0, prep.output[-6000:]
    run = run_playbook(lab, "lync.server.recover", extra_vars={"recovery_targets": FES3})
    assert run.rc == 0, run.output[-6000:]
    state = lab.load()
    assert {fe: state["hosts"][fe]["services"]["RTCSRV"]["status"] for fe in FES3} == dict.fromkeys(FES3, "Running")
    waited = [r for r in run.results("Wait for the Lync services of the pool's other rebuilt Front Ends")
              if r["status"] != "skipped"]
    assert len(waited) == 1 and [i["item"] for i in waited[0]["result"]["results"]] == FES3[:2]
