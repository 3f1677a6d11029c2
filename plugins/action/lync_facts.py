# Copyright: (c) 2026, lync.server maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for lync.server.lync_facts (documentation: plugins/modules/lync_facts.py)."""

from __future__ import annotations

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.lync.server.plugins.plugin_utils import facts
from ansible_collections.lync.server.plugins.plugin_utils.action import finish
from ansible_collections.lync.server.plugins.plugin_utils.args import validate
from ansible_collections.lync.server.plugins.plugin_utils import payload as door

ARGUMENT_SPEC = {
    "gather_subset": {"type": "list", "elements": "str", "default": ["all"],
                      "choices": ["all", "host", "topology"]},
}


class ActionModule(ActionBase):
    """Gather host and deployment facts; read-only, so it runs in check mode too."""

    _supports_check_mode = True
    ARGUMENT_SPEC = ARGUMENT_SPEC

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        params = validate(self, self.ARGUMENT_SPEC)
        return finish(self, result, task_vars,
                      lambda: {"changed": False, "ansible_facts": self._gather(params, task_vars)})

    def _gather(self, params, task_vars):
        subset = set(params["gather_subset"])
        want_topology = bool(subset & {"all", "topology"})

        host = facts.host_facts(door.run_payload(self, task_vars, "lync_host_probe").value)
        gathered = {"lync_host": host}
        if want_topology:
            if host["lync_shell"] or "topology" in subset:
                raw = door.run_payload(self, task_vars, "lync_topology_probe").value
                gathered["lync_deployment"] = facts.deployment_facts(raw)
            else:
                gathered["lync_deployment"] = None
        if gathered.get("lync_deployment") and gathered["lync_deployment"]["product"] == "unknown":
            raise AnsibleActionFail(
                "lync_facts on %s: build %r is not Lync Server 2013 or Skype for Business Server 2015/2019, "
                "which are the products lync.server supports"
                % (task_vars.get("inventory_hostname"), gathered["lync_deployment"]["version"]))
        return gathered
