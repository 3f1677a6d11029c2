"""Deployment Wizard step 3 as planned for a rebuilt server, run through the lab's Set-CsCertificate rule.

Microsoft assigns the OAuthTokenIssuer certificate once, with Set-CsCertificate -Identity global
(https://learn.microsoft.com/skypeforbusiness/manage/authentication/assign-a-server-to-server-certificate);
step 3 assigns only the server's own usages. At 1a7fef5 the planner handed OAuthTokenIssuer to step 3
and the payload assigned it without -Identity global: the lab rule refuses that.
"""

import pytest
from ansible.errors import AnsibleActionFail

from ansible_collections.lync.server.plugins.action import lync_deploy_step as action
from ansible_collections.lync.server.plugins.plugin_utils import recovery_plan as rp

from lync_lab import seed
from lync_lab.context import Context
from lync_lab.boundary import run_payload

from ...conftest import Recorder, make_action
from .test_recovery_plan import OPTIONS, SET_PATH, lab_manifest

FE = "fe02.contoso.local"


def test_step_3_as_planned_passes_the_lab_rule():
    manifest, hosts = lab_manifest("enterprise")
    planned = rp.plan(manifest, SET_PATH, [FE], hosts, OPTIONS)
    certs = next(s for s in planned["steps"] if s["stage"] == "certificates")["args"]["certificates"]
    assert certs and "OAuthTokenIssuer" not in {t for c in certs for t in c["types"]}
    state, _files = seed.BUILDERS["enterprise"]()
    ran = run_payload(Context(None, state, FE, False, [], "test"), "lync_deploy_step", {
        "Step": "certificates", "Certificates": [{"Thumbprint": c["thumbprint"], "Types": c["types"]} for c in certs]})
    assert not ran["failed"], ran["error"]
    record = state["hosts"][FE]
    assert {u for c in record["certificates"] for u in c["usages"]} >= {"Default", "WebServicesInternal"}


def test_the_lab_rule_refuses_what_1a7fef5_sent():
    state, _files = seed.BUILDERS["enterprise"]()
    oauth = next(c["thumbprint"] for c in state["hosts"][FE]["certificates"] if "OAuthTokenIssuer" in c["usages"])
    ran = run_payload(Context(None, state, FE, False, [], "test"), "lync_deploy_step", {
        "Step": "certificates", "Certificates": [{"Thumbprint": oauth, "Types": ["OAuthTokenIssuer"]}]})
    assert ran["failed"] and "OAuthTokenIssuer without -Identity global" in ran["error"][0]["exception"]["message"]


def test_lync_deploy_step_does_not_take_oauth_token_issuer():
    with pytest.raises(AnsibleActionFail, match="OAuthTokenIssuer|value of types must be one of"):
        make_action(action.ActionModule, {"step": "certificates", "certificates": [
            {"thumbprint": "A" * 40, "types": ["OAuthTokenIssuer"]}]}, Recorder()).run(
            task_vars={"inventory_hostname": FE})
