# Copyright: (c) 2026, lync.server maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for lync.server.lync_sql_restore (documentation: plugins/modules/lync_sql_restore.py)."""

from __future__ import annotations

import re

from ansible.errors import AnsibleActionFail

from ansible_collections.lync.server.plugins.plugin_utils import backup_set as bs
from ansible_collections.lync.server.plugins.plugin_utils import catalog
from ansible_collections.lync.server.plugins.plugin_utils import detached
from ansible_collections.lync.server.plugins.plugin_utils.action import LyncAction

ARGUMENT_SPEC = {
    "sql_server": {"type": "str"},
    "sql_instance": {"type": "str", "default": ""},
    "database": {"type": "str", "required": True},
    "files": {"type": "list", "elements": "str", "required": True},
    "mode": {"type": "str", "default": "restore", "choices": ["verify", "restore", "test"]},
    "scratch_folder": {"type": "str"},
    "acl_group": {"type": "str", "default": ""},
    "checksum": {"type": "bool", "default": True},
    "detached": {"type": "bool", "default": True},
    "poll_interval": {"type": "int", "default": detached.DEFAULT_POLL},
}
GROUP_RE = re.compile(r"\A[A-Za-z0-9][A-Za-z0-9.\-]{0,63}\\[A-Za-z0-9 ._\-]{1,64}\Z")


class ActionModule(LyncAction):
    """RESTORE VERIFYONLY, restore over a recreated database, or test-restore a backup under a scratch name."""

    ARGUMENT_SPEC = ARGUMENT_SPEC
    REQUIRED_IF = [["mode", "test", ["scratch_folder"]]]

    def execute(self, params):
        try:
            server = bs.check_fqdn(params["sql_server"] or self.host, "sql_server")
            instance = bs.check_instance(params["sql_instance"])
            files = [bs.check_path(f, "backup file") for f in params["files"]]
            if params["scratch_folder"]:
                bs.check_path(params["scratch_folder"], "scratch_folder")
            elif params["mode"] == "test":
                # An empty folder (the verify_backup role passes its empty default) would give SQL Server
                # relative file names in RESTORE ... WITH MOVE.
                raise bs.BackupSetError("mode=test needs scratch_folder, a folder on the SQL Server for the "
                                        "scratch database's files")
        except bs.BackupSetError as exc:
            raise AnsibleActionFail("lync_sql_restore: %s" % exc) from None
        if not files:
            raise AnsibleActionFail("lync_sql_restore: files must list the backup's stripe files")
        database = params["database"]
        if not database or len(database) > 128 or "\x00" in database:
            raise AnsibleActionFail("lync_sql_restore: %r is not a database name" % database)
        entry = catalog.lookup(database)
        if params["mode"] == "restore" and entry is not None and entry.backup != "required":
            raise AnsibleActionFail("lync_sql_restore: %s is not restored from SQL backups; Microsoft recreates it "
                                    "empty and refills it with %s" % (database, entry.restore))
        if params["acl_group"] and not GROUP_RE.match(params["acl_group"]):
            raise AnsibleActionFail("lync_sql_restore: acl_group %r is not DOMAIN\\group" % params["acl_group"])
        connect = "%s\\%s" % (server, instance) if instance else server
        scratch = "lync_restore_test_%s" % re.sub(r"[^A-Za-z0-9_]", "_", database) if params["mode"] == "test" else ""
        if self.check_mode:
            return {"changed": params["mode"] == "restore", "database": database, "mode": params["mode"]}
        parameters = {
            "SqlInstance": connect, "Database": database, "Files": files, "Mode": params["mode"],
            "ScratchName": scratch, "ScratchFolder": params["scratch_folder"] or "", "AclGroup": params["acl_group"],
            "Checksum": params["checksum"]}
        # One job per target database and mode (a rerun finds it); its digest covers the files and every option.
        job = detached.job_name("restore", "%s_%s" % (server, (instance or "mssqlserver").lower()), database,
                                params["mode"], payload="lync_sql_restore", parameters=parameters)
        # A RESTORE ... WITH REPLACE cut short leaves the database RESTORING: past the timeout the job is left to
        # finish and the operator told to rerun (docs/architecture.md, "Detached work").
        value = detached.run(self, self.task_vars, "lync_sql_restore", parameters, job, detached=params["detached"],
                             poll=params["poll_interval"], stop_on_timeout=params["mode"] != "restore",
                             required_keys=("Verified",)).value
        result = {"changed": params["mode"] == "restore", "database": database, "mode": params["mode"],
                  "verified": value["Verified"], "restored": value["Restored"], "checkdb": value.get("CheckDb"),
                  "acl_fixed": value.get("AclFixed")}
        if params["mode"] == "test" and value.get("ScratchDropped") is not True:
            result["warnings"] = ["lync_sql_restore: the scratch database %s could not be dropped (%s); the next test "
                                  "restore drops it first" % (scratch, value.get("ScratchDropped"))]
        if value.get("OnlineError"):
            result.setdefault("warnings", []).append(
                "lync_sql_restore: %s could not be checked for / brought back ONLINE after the restore (%s); check "
                "sys.databases.state_desc and run ALTER DATABASE ... SET ONLINE" % (database, value["OnlineError"]))
        if params["mode"] == "test" and value.get("CheckDb") != "ok":
            result.update(failed=True, msg="lync_sql_restore: DBCC CHECKDB of a test restore of %s failed: %s"
                          % (database, value.get("CheckDb")))
        return result
