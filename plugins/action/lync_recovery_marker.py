# Copyright: (c) 2026, lync.server maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for lync.server.lync_recovery_marker (documentation: plugins/modules/lync_recovery_marker.py)."""

from __future__ import annotations

import json
import re

from ansible.errors import AnsibleActionFail

from ansible_collections.lync.server.plugins.plugin_utils import backup_set as bs
from ansible_collections.lync.server.plugins.plugin_utils.action import LyncAction

ARGUMENT_SPEC = {
    "state": {"type": "str", "default": "query", "choices": ["present", "absent", "query"]},
    "marker": {"type": "str"},
    "set_id": {"type": "str"},
    "label": {"type": "str", "default": ""},
}
MARKER_RE = re.compile(r"\A[a-z][a-z0-9_]{0,63}\Z")


class ActionModule(LyncAction):
    """Read, write or remove the markers finished recovery stages leave on a server."""

    ARGUMENT_SPEC = ARGUMENT_SPEC
    REQUIRED_IF = [["state", "present", ["marker", "set_id"]], ["state", "absent", ["marker"]]]

    def execute(self, params):
        if params["marker"] is not None and not MARKER_RE.match(params["marker"]):
            raise AnsibleActionFail("lync_recovery_marker: %r is not a marker name (a-z, 0-9, _)" % params["marker"])
        if params["set_id"] is not None:
            try:
                bs.check_set_id(params["set_id"])
            except bs.BackupSetError as exc:
                raise AnsibleActionFail("lync_recovery_marker: %s" % exc) from None
        current = self.payload("lync_recovery_markers", required_keys=("Markers",)).value["Markers"]
        if params["state"] == "query":
            return {"changed": False, "markers": current}
        existing = next((m for m in current if m["Stage"] == params["marker"]), None)
        if params["state"] == "absent":
            if existing and not self.check_mode:
                self.payload("lync_recovery_marker_set", {"Stage": params["marker"], "Remove": True})
            return {"changed": existing is not None, "markers": current}
        text = json.dumps({"set_id": params["set_id"], "stage": params["marker"], "label": params["label"],
                           "finished": bs.utcnow().strftime("%Y-%m-%dT%H:%M:%SZ")}, sort_keys=True)
        if not self.check_mode:
            self.payload("lync_recovery_marker_set", {"Stage": params["marker"], "Text": text})
        return {"changed": True, "markers": current}
