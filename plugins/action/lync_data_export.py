# Copyright: (c) 2026, lync.server maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for lync.server.lync_data_export (documentation: plugins/modules/lync_data_export.py)."""

from __future__ import annotations

from ansible.errors import AnsibleActionFail

from ansible_collections.lync.server.plugins.plugin_utils import backup_set as bs
from ansible_collections.lync.server.plugins.plugin_utils.action import LyncAction

ARGUMENT_SPEC = {
    "set_path": {"type": "str", "required": True},
    "kind": {"type": "str", "required": True, "choices": ["userdata", "rgs", "persistentchat"]},
    "pool_fqdn": {"type": "str"},
    "db_instance": {"type": "str"},
    "staging_path": {"type": "str", "default": ""},
}
FILES = {"userdata": "userdata.zip", "rgs": "rgs.zip", "persistentchat": "mgc.zip"}


def relative_path(kind, pool_fqdn, server, instance):
    """Where an export lands in the set (docs/backup-set.md)."""
    if kind == "persistentchat":
        return "persistentchat/%s_%s/%s" % (server, (instance or "mssqlserver").lower(), FILES[kind])
    return "pools/%s/%s" % (pool_fqdn, FILES[kind])


class ActionModule(LyncAction):
    """Export user data or Response Group configuration of a pool, or Persistent Chat data of a store."""

    ARGUMENT_SPEC = ARGUMENT_SPEC
    REQUIRED_IF = [["kind", "userdata", ["pool_fqdn"]], ["kind", "rgs", ["pool_fqdn"]],
                   ["kind", "persistentchat", ["db_instance"]]]

    def execute(self, params):
        set_path = self.set_path(params["set_path"])
        kind = params["kind"]
        pool, server, instance = None, None, ""
        try:
            if kind in ("userdata", "rgs"):
                pool = bs.check_fqdn(params["pool_fqdn"], "pool_fqdn")
            else:
                server_text, dummy, instance_text = params["db_instance"].partition("\\")
                server = bs.check_fqdn(server_text, "db_instance server")
                instance = bs.check_instance(instance_text)
        except bs.BackupSetError as exc:
            raise AnsibleActionFail("lync_data_export: %s" % exc) from None
        rel = relative_path(kind, pool, server, instance)
        details = {"pool_fqdn": pool} if pool else {"db_instance": "%s\\%s" % (server, instance) if instance else server}
        if kind == "rgs":
            details["source"] = "service:ApplicationServer:%s" % pool
        if self.check_mode:
            return {"changed": True, "planned": [rel], "files": [], "details": details}
        result = self.payload("lync_data_export", {
            "SetPath": set_path, "RelativePath": rel.replace("/", "\\"), "Kind": kind, "PoolFqdn": pool or "",
            "DbInstance": details.get("db_instance", ""), "StagingPath": params["staging_path"]}, required_keys=("Files",))
        folder = rel.rsplit("/", 1)[0]
        return {"changed": True, "planned": [rel], "files": bs.file_entries(folder, result.value["Files"]),
                "details": details}
