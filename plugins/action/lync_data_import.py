# Copyright: (c) 2026, lync.server maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for lync.server.lync_data_import (documentation: plugins/modules/lync_data_import.py)."""

from __future__ import annotations

from ansible.errors import AnsibleActionFail

from ansible_collections.lync.server.plugins.plugin_utils import backup_set as bs
from ansible_collections.lync.server.plugins.plugin_utils.action import LyncAction

ARGUMENT_SPEC = {
    "kind": {"type": "str", "required": True, "choices": ["userdata", "lis", "rgs", "persistentchat"]},
    "source_file": {"type": "str", "required": True},
    "pool_fqdn": {"type": "str"},
    "db_instance": {"type": "str"},
    "overwrite_owner": {"type": "bool", "default": True},
    "replace_rgs_settings": {"type": "bool", "default": True},
    "staging_path": {"type": "str", "default": ""},
}


class ActionModule(LyncAction):
    """Import user data, LIS (and publish it), Response Group or Persistent Chat data from a backup set."""

    ARGUMENT_SPEC = ARGUMENT_SPEC
    REQUIRED_IF = [["kind", "userdata", ["pool_fqdn"]], ["kind", "rgs", ["pool_fqdn"]],
                   ["kind", "persistentchat", ["db_instance"]]]

    def execute(self, params):
        try:
            source = bs.check_path(params["source_file"], "source_file")
            pool = bs.check_fqdn(params["pool_fqdn"], "pool_fqdn") if params["pool_fqdn"] else ""
            db_instance = ""
            if params["db_instance"]:
                server, dummy, instance = params["db_instance"].partition("\\")
                db_instance = bs.check_fqdn(server, "db_instance server")
                if bs.check_instance(instance):
                    db_instance += "\\" + instance
            if params["staging_path"]:
                bs.check_path(params["staging_path"], "staging_path")
        except bs.BackupSetError as exc:
            raise AnsibleActionFail("lync_data_import: %s" % exc) from None
        if self.check_mode:
            return {"changed": True}
        self.payload("lync_data_import", {
            "Kind": params["kind"], "SourceFile": source, "PoolFqdn": pool, "DbInstance": db_instance,
            "OverwriteOwner": params["overwrite_owner"], "ReplaceExistingRgsSettings": params["replace_rgs_settings"],
            "StagingPath": params["staging_path"]}, required_keys=("Kind",))
        return {"changed": True}
