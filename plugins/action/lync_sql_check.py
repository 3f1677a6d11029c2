# Copyright: (c) 2026, lync.server maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for lync.server.lync_sql_check (documentation: plugins/modules/lync_sql_check.py)."""

from __future__ import annotations

import secrets

from ansible.errors import AnsibleActionFail

from ansible_collections.lync.server.plugins.plugin_utils import backup_set as bs
from ansible_collections.lync.server.plugins.plugin_utils.action import LyncAction

ARGUMENT_SPEC = {
    "sql_server": {"type": "str"},
    "sql_instance": {"type": "str", "default": ""},
    "databases": {"type": "list", "elements": "str", "required": True},
    "probe_root": {"type": "str"},
}
PAGE_BYTES = 8192
# The database a write probe backs up when the login may: the smallest database every instance has (a few MB).
PROBE_DATABASE = "model"
# The largest other database the probe backs up instead (its data files), when the login may not back up model.
PROBE_MAX_BYTES = 256 * 2 ** 20
SHARE_MARKER = "LYNC_SHARE_ACCESS: "
# The probe's two statements (BACKUP, RESTORE VERIFYONLY) share the task's time less this margin (the rights read,
# the payloads' starts, the removal), so the payload reaches its removal and its answer before the task's timeout.
PROBE_MARGIN = 60
PROBE_STATEMENT_MAX = 300
PROBE_STATEMENT_MIN = 15


def statement_timeout(task_timeout):
    """SqlCommand.CommandTimeout (seconds) for each of the probe's two statements under a task timeout (0 or None:
    none): half of what is left after the margin, at most 300 s, at least 15 s."""
    if not task_timeout:
        return PROBE_STATEMENT_MAX
    return max(PROBE_STATEMENT_MIN, min(PROBE_STATEMENT_MAX, (int(task_timeout) - PROBE_MARGIN) // 2))


def _flag(value):
    """HAS_PERMS_BY_NAME / IS_SRVROLEMEMBER: 1, 0, or None (NULL: the function could not answer)."""
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def database_rows(value, wanted):
    """One entry per database the backup takes: {name, exists, state, can_backup, bytes} from the payload's rows
    (one per database asked) and sys.master_files (bytes: its data files, type 0, the part a full backup copies from;
    None when sys.master_files showed none of them)."""
    by_name = {str(d.get("Name")).lower(): d for d in value.get("Databases") or []}
    pages = {}
    for row in value.get("Files") or []:
        if int(row.get("Type") or 0) == 0:
            pages[int(row["DatabaseId"])] = pages.get(int(row["DatabaseId"]), 0) + int(row.get("Pages") or 0)
    found = []
    for name in wanted:
        row = by_name.get(name.lower()) or {}
        if row.get("Id") is None:
            found.append({"name": name, "exists": False, "state": None, "can_backup": None, "bytes": None})
            continue
        size = pages.get(int(row["Id"]))
        found.append({"name": name, "exists": True, "state": row.get("State"), "can_backup": _flag(row.get("CanBackup")),
                      "bytes": size * PAGE_BYTES if size is not None else None})
    return found


def probe_database(value, databases):
    """(database, why) for the write probe: model when the login may back it up; else the smallest database of the
    backup the login may back up, if its data files are at most PROBE_MAX_BYTES; else (None, why)."""
    model = next((d for d in value.get("Databases") or [] if str(d.get("Name")).lower() == PROBE_DATABASE), None)
    if model is not None and _flag(model.get("CanBackup")) == 1:
        return PROBE_DATABASE, None
    grant = ("grant the login db_backupoperator in model (USE model; CREATE USER [%s] FOR LOGIN [%s]; EXEC "
             "sp_addrolemember N'db_backupoperator', N'%s') so the probe backs up model, a few MB"
             % ((value.get("Login"),) * 3))
    usable = [d for d in databases if d["can_backup"] == 1 and d["state"] == "ONLINE" and d["bytes"] is not None
              and d["bytes"] <= PROBE_MAX_BYTES]
    if not usable:
        return None, ("the login may not back up model, and no database of the backup it may back up is known to be "
                      "under %d MB: %s" % (PROBE_MAX_BYTES // 2 ** 20, grant))
    return min(usable, key=lambda d: (d["bytes"], d["name"].lower()))["name"], None


def probe_folder(root):
    """A new scratch folder under the backup root: .preflight-<random> (never a set's name, lync-...)."""
    return "%s\\.preflight-%s" % (bs.check_root(root).rstrip("\\"), secrets.token_hex(6))


class ActionModule(LyncAction):
    """The rights of the backup's login on one SQL Server instance, and whether its service account can write to the
    backup share."""

    ARGUMENT_SPEC = ARGUMENT_SPEC

    def execute(self, params):
        try:
            server = bs.check_fqdn(params["sql_server"] or self.host, "sql_server")
            instance = bs.check_instance(params["sql_instance"])
        except bs.BackupSetError as exc:
            raise AnsibleActionFail("lync_sql_check: %s" % exc) from None
        root_problem = None
        if params["probe_root"]:
            try:
                bs.check_root(params["probe_root"])
            except bs.BackupSetError as exc:
                # The rights are still read; the preflight's inventory line reports the root itself.
                root_problem = "probe_root: %s" % exc
        wanted = [str(d) for d in params["databases"]]
        for name in wanted:
            if not name or len(name) > 128 or "\x00" in name:
                raise AnsibleActionFail("lync_sql_check: %r is not a database name" % name)
        connect = "%s\\%s" % (server, instance) if instance else server
        asked = list(dict.fromkeys(wanted + [PROBE_DATABASE]))
        value = self.payload("lync_sql_rights", {"SqlInstance": connect, "Databases": asked},
                             required_keys=("Login", "Databases", "Files")).value
        databases = database_rows(value, wanted)
        result = {
            "changed": False, "sql_instance": connect, "login": value["Login"], "version": value.get("Version"),
            "sysadmin": _flag(value.get("IsSysadmin")) == 1, "dbcreator": _flag(value.get("IsDbcreator")) == 1,
            "create_database": _flag(value.get("CanCreateDatabase")) == 1, "databases": databases,
            "bytes": sum(d["bytes"] or 0 for d in databases),
            "sizes_known": all(d["bytes"] is not None for d in databases),
        }
        if root_problem:
            result["probe"] = {"status": "not_run", "why": root_problem}
        else:
            result["probe"] = self._probe(params["probe_root"], connect, value, databases)
        return result

    def _probe(self, root, connect, value, databases):
        """{status, database, folder, error, removed, ...}: status written (then verified_by_sql, read_by_session),
        refused (SQL Server could not write), share_refused (this session could not create the folder), error (the
        probe stopped; the folder may be left), not_run (with why)."""
        if not root:
            return {"status": "not_run", "why": "no probe_root"}
        if self.check_mode:
            return {"status": "not_run", "why": "check mode (the probe writes a file and removes it)"}
        database, why = probe_database(value, databases)
        if database is None:
            return {"status": "not_run", "why": why}
        folder = probe_folder(root)
        try:
            written = self.payload("lync_sql_write_probe", {
                "SqlInstance": connect, "Database": database, "Folder": folder,
                "Verify": _flag(value.get("CanCreateDatabase")) == 1,
                "CommandTimeout": statement_timeout(self._task.timeout if isinstance(self._task.timeout, int) else None)}, required_keys=("Written",)).value
        except AnsibleActionFail as exc:
            text = str(exc)
            if SHARE_MARKER in text:
                return {"status": "share_refused", "database": database, "folder": folder,
                        "error": text.split(SHARE_MARKER, 1)[1], "removed": True}
            # The rights read above are kept; the folder may be left: the preflight names it.
            return {"status": "error", "database": database, "folder": folder, "error": text, "removed": False}
        return {"status": "written" if written["Written"] else "refused", "database": database, "folder": folder,
                "error": written.get("Error"), "verified_by_sql": written.get("VerifiedBySql"),
                "verify_error": written.get("VerifyError"), "read_by_session": written.get("ReadBySession"),
                "read_error": written.get("ReadError"), "removed": bool(written.get("Removed")),
                "remove_error": written.get("RemoveError")}
