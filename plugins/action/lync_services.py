# Copyright: (c) 2026, lync.server maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for lync.server.lync_services (documentation: plugins/modules/lync_services.py)."""

from __future__ import annotations

import re

from ansible.errors import AnsibleActionFail

from ansible_collections.lync.server.plugins.plugin_utils import services as svc
from ansible_collections.lync.server.plugins.plugin_utils.action import LyncAction

ARGUMENT_SPEC = {
    "state": {"type": "str", "required": True, "choices": ["started", "stopped"]},
    "names": {"type": "list", "elements": "str", "default": []},
    "wait": {"type": "bool", "default": True},
    "wait_only": {"type": "bool", "default": False},
    "wait_timeout": {"type": "int", "default": 600},
    "poll_interval": {"type": "int", "default": 10},
    "active_cms": {"type": "str", "default": ""},
}
SERVICE_RE = re.compile(r"\A[A-Za-z][A-Za-z0-9_$]{0,79}\Z")


def active_cms_from_facts(task_vars):
    """The active Central Management Server as lync_facts found it (the deployment facts), or ''."""
    deployment = ((task_vars or {}).get("ansible_facts") or {}).get("lync_deployment") or {}
    return ((deployment.get("cms") or {}).get("replication") or {}).get("active_master") or ""


def start_or_stop(action, state, names, wait_timeout, wait=True, wait_only=False, active_cms="", poll_interval=10):
    """Start or stop Lync services on the task's host (the payload only issues the -NoWait calls and reports),
    then poll until the services that must get there are so; the result fails naming those that did not."""
    want = svc.WANT[state]
    active_cms = active_cms or active_cms_from_facts(getattr(action, "task_vars", {}))
    here_is_cms = svc.is_active_cms(action.host, active_cms)
    first = action.payload("lync_services", {"State": "query" if wait_only else state, "Names": names},
                           required_keys=("Before", "Services")).value
    before, reports = first["Before"], [first["Services"]]
    # A cmdlet's terminating error reaches both -ErrorVariable and the payload's catch
    # (https://github.com/PowerShell/PowerShell/issues/18390): each text once, in order.
    call_errors = list(dict.fromkeys(str(e) for e in (first.get("Errors") or [])))

    def query():
        if reports:
            return reports.pop()  # the first poll is the report of the call that started or stopped
        return action.payload("lync_services", {"State": "query", "Names": []},
                              required_keys=("Before", "Services")).value["Services"]

    after = first["Services"]
    waited = svc.to_wait_for(after, names, state, here_is_cms)
    missing = []
    if wait or wait_only:
        after, missing, dummy = svc.wait_for(query, waited, state, wait_timeout, poll_interval)
    before_status = {str(s["Name"]).upper(): str(s["Status"]) for s in before}
    changed = not wait_only and any(before_status.get(n.upper()) != want for n in waited)
    result = {"changed": changed, "services": after, "waited_for": waited, "errors": call_errors}
    if missing:
        result.update(failed=True, msg=svc.failure_message(action.host, state, wait_timeout, missing, call_errors))
    elif call_errors:
        result["warnings"] = ["%s: %s-CsWindowsService reported: %s" % (
            action.host, "Start" if state == "started" else "Stop", "; ".join(call_errors))]
    return result


class ActionModule(LyncAction):
    """Start or stop the Lync Server services of a server and wait until they are so."""

    ARGUMENT_SPEC = ARGUMENT_SPEC

    def execute(self, params):
        bad = [n for n in params["names"] if not SERVICE_RE.match(n)]
        if bad:
            raise AnsibleActionFail("lync_services: not service names: %s" % ", ".join(bad))
        if not 0 <= params["wait_timeout"] <= 86400:
            raise AnsibleActionFail("lync_services: wait_timeout must be between 0 and 86400 seconds")
        if not 1 <= params["poll_interval"] <= 300:
            raise AnsibleActionFail("lync_services: poll_interval must be between 1 and 300 seconds")
        if params["wait_only"] and not params["wait"]:
            raise AnsibleActionFail("lync_services: wait_only with wait=false does nothing")
        if self.check_mode:
            return {"changed": not params["wait_only"], "services": []}
        return start_or_stop(self, params["state"], params["names"], params["wait_timeout"], params["wait"],
                             params["wait_only"], params["active_cms"], params["poll_interval"])
