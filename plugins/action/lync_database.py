# Copyright: (c) 2026, lync.server maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for lync.server.lync_database (documentation: plugins/modules/lync_database.py)."""

from __future__ import annotations

from ansible.errors import AnsibleActionFail

from ansible_collections.lync.server.plugins.plugin_utils import backup_set as bs
from ansible_collections.lync.server.plugins.plugin_utils.action import LyncAction

ARGUMENT_SPEC = {
    "mode": {"type": "str", "required": True, "choices": ["cms", "configured"]},
    "sql_server": {"type": "str", "required": True},
    "sql_instance": {"type": "str", "default": ""},
    "clean": {"type": "bool", "default": False},
    "use_default_sql_paths": {"type": "bool", "default": False},
}


class ActionModule(LyncAction):
    """Create Lync databases with Install-CsDatabase, as Topology Builder does."""

    ARGUMENT_SPEC = ARGUMENT_SPEC

    def _status(self, params, server, instance):
        return self.payload("lync_database_status", {"Mode": params["mode"], "SqlServerFqdn": server,
                                                     "SqlInstanceName": instance},
                            required_keys=("Databases",)).value["Databases"]

    def execute(self, params):
        try:
            server = bs.check_fqdn(params["sql_server"], "sql_server")
            instance = bs.check_instance(params["sql_instance"])
        except bs.BackupSetError as exc:
            raise AnsibleActionFail("lync_database: %s" % exc) from None
        before = self._status(params, server, instance)
        missing = [d["DatabaseName"] for d in before if not d["Succeed"]]
        if not missing and before and not params["clean"]:
            return {"changed": False, "databases": before, "created": []}
        if self.check_mode:
            return {"changed": True, "databases": before, "created": missing}
        self.payload("lync_database_install", {"Mode": params["mode"], "SqlServerFqdn": server,
                                               "SqlInstanceName": instance, "Clean": params["clean"],
                                               "UseDefaultSqlPaths": params["use_default_sql_paths"]})
        after = self._status(params, server, instance)
        still = [d["DatabaseName"] for d in after if not d["Succeed"]]
        if still:
            raise AnsibleActionFail("lync_database: Install-CsDatabase ran, yet these databases are missing on %s: %s"
                                    % (server, ", ".join(still)))
        return {"changed": True, "databases": after, "created": missing if not params["clean"] else
                [d["DatabaseName"] for d in after]}
