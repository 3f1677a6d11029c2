# Copyright: (c) 2026, lync.server maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for lync.server.lync_services (documentation: plugins/modules/lync_services.py)."""

from __future__ import annotations

import re

from ansible.errors import AnsibleActionFail

from ansible_collections.lync.server.plugins.plugin_utils.action import LyncAction

ARGUMENT_SPEC = {
    "state": {"type": "str", "required": True, "choices": ["started", "stopped"]},
    "names": {"type": "list", "elements": "str", "default": []},
    "wait_timeout": {"type": "int", "default": 600},
}
SERVICE_RE = re.compile(r"\A[A-Za-z][A-Za-z0-9_$]{0,79}\Z")


def start_or_stop(action, state, names, wait_timeout):
    """Start or stop Lync services on the task's host; the result, failed when one did not get there."""
    want = "Running" if state == "started" else "Stopped"
    value = action.payload("lync_services", {"State": state, "Names": names, "WaitSeconds": wait_timeout},
                           required_keys=("After",))
    result = {"changed": value.changed, "services": value.value["After"]}
    if value.value.get("NotYet"):
        result.update(failed=True, msg="%s: Lync services not %s after %d seconds: %s" % (
            action.host, want.lower(), wait_timeout, ", ".join(value.value["NotYet"])))
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
        if self.check_mode:
            return {"changed": True, "services": []}
        return start_or_stop(self, params["state"], params["names"], params["wait_timeout"])
