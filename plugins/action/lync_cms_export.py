# Copyright: (c) 2026, lync.server maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for lync.server.lync_cms_export (documentation: plugins/modules/lync_cms_export.py)."""

from __future__ import annotations

from ansible.errors import AnsibleActionFail

from ansible_collections.lync.server.plugins.plugin_utils import backup_set as bs
from ansible_collections.lync.server.plugins.plugin_utils.action import LyncAction

NAMES = {"config": "config.zip", "lis": "lis.zip", "topology": "topology.xml"}
ARGUMENT_SPEC = {
    "set_path": {"type": "str", "required": True},
    "items": {"type": "list", "elements": "str", "default": ["config", "lis", "topology"],
              "choices": ["config", "lis", "topology"]},
    "local_store": {"type": "bool", "default": False},
    "staging_path": {"type": "str", "default": ""},
}


class ActionModule(LyncAction):
    """Export the CMS, LIS and topology into <set>/cms."""

    ARGUMENT_SPEC = ARGUMENT_SPEC

    def execute(self, params):
        set_path = self.set_path(params["set_path"])
        staging = params["staging_path"]
        if staging and not bs.DRIVE_RE.match(staging.rstrip("\\") + "\\"):
            raise AnsibleActionFail("lync_cms_export: staging_path %r must be a local folder like C:\\Temp" % staging)
        items = list(dict.fromkeys(params["items"]))
        planned = ["cms/%s" % NAMES[i] for i in items]
        if self.check_mode:
            return {"changed": True, "planned": planned, "files": []}
        result = self.payload("lync_cms_export", {"SetPath": set_path, "Items": items, "StagingPath": staging,
                                                  "LocalStore": params["local_store"]}, required_keys=("Files",))
        return {"changed": True, "planned": planned, "files": bs.file_entries("cms", result.value["Files"]),
                "details": {"local_store": params["local_store"]}}
