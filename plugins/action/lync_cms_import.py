# Copyright: (c) 2026, lync.server maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for lync.server.lync_cms_import (documentation: plugins/modules/lync_cms_import.py)."""

from __future__ import annotations

from ansible.errors import AnsibleActionFail

from ansible_collections.lync.server.plugins.plugin_utils import backup_set as bs
from ansible_collections.lync.server.plugins.plugin_utils import recovery_plan as rp
from ansible_collections.lync.server.plugins.plugin_utils.action import LyncAction

ARGUMENT_SPEC = {
    "sql_server": {"type": "str", "required": True},
    "sql_instance": {"type": "str", "default": ""},
    "configuration_file": {"type": "str", "required": True},
    "staging_path": {"type": "str", "default": ""},
}


class ActionModule(LyncAction):
    """Point AD at the rebuilt CMS, import the backed-up configuration, enable the topology."""

    ARGUMENT_SPEC = ARGUMENT_SPEC

    def execute(self, params):
        try:
            server = bs.check_fqdn(params["sql_server"], "sql_server")
            instance = bs.check_instance(params["sql_instance"])
            source = bs.check_path(params["configuration_file"], "configuration_file")
            if params["staging_path"]:
                bs.check_path(params["staging_path"], "staging_path")
        except bs.BackupSetError as exc:
            raise AnsibleActionFail("lync_cms_import: %s" % exc) from None
        # The default instance travels as '' and the payload leaves -SqlInstanceName out: SqlClient
        # cannot reach a default instance as <server>\MSSQLSERVER.
        if self.check_mode:
            return {"changed": True, "store_location": rp.store_location("%s\\%s" % (server, instance)
                                                                         if instance else server)}
        value = self.payload("lync_cms_import", {"SqlServerFqdn": server, "SqlInstanceName": instance,
                                                 "ConfigurationFile": source, "StagingPath": params["staging_path"]},
                             required_keys=("StoreLocation",)).value
        # Normalised (first line, '/' as '\\', no trailing '\\' or '\\MSSQLSERVER'): Microsoft documents the
        # output as e.g. atl-sql-001.litwareinc.com/rtc.
        return {"changed": True, "store_location": rp.store_location(value["StoreLocation"])}
