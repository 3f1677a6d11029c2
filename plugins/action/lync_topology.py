# Copyright: (c) 2026, lync.server maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for lync.server.lync_topology (documentation: plugins/modules/lync_topology.py)."""

from __future__ import annotations

from ansible_collections.lync.server.plugins.plugin_utils.action import LyncAction

ARGUMENT_SPEC = {"state": {"type": "str", "default": "enabled", "choices": ["enabled"]}}


class ActionModule(LyncAction):
    """Enable-CsTopology: the published topology takes effect and file store ACLs are set."""

    ARGUMENT_SPEC = ARGUMENT_SPEC

    def execute(self, params):
        del params
        if self.check_mode:
            return {"changed": True}
        self.payload("lync_topology_enable", required_keys=("Enabled",))
        return {"changed": True}
