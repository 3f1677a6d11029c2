# Copyright: (c) 2026, lync.server maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for lync.server.lync_sql_backup (documentation: plugins/modules/lync_sql_backup.py)."""

from __future__ import annotations

import re

from ansible.errors import AnsibleActionFail

from ansible_collections.lync.server.plugins.plugin_utils import backup_plan
from ansible_collections.lync.server.plugins.plugin_utils import backup_set as bs
from ansible_collections.lync.server.plugins.plugin_utils import catalog
from ansible_collections.lync.server.plugins.plugin_utils import detached
from ansible_collections.lync.server.plugins.plugin_utils.action import LyncAction

ARGUMENT_SPEC = {
    "set_path": {"type": "str", "required": True},
    "sql_server": {"type": "str"},
    "sql_instance": {"type": "str", "default": ""},
    "databases": {"type": "list", "elements": "str", "default": ["auto"]},
    "store_roles": {"type": "list", "elements": "str", "default": [], "choices": list(catalog.STORE_ROLES)},
    "exclude_databases": {"type": "list", "elements": "str", "default": []},
    "copy_only": {"type": "bool", "default": True},
    "checksum": {"type": "bool", "default": True},
    "compress": {"type": "bool", "default": True},
    "verify": {"type": "bool", "default": True},
    "file_count": {"type": "int", "default": 1},
    "block_size": {"type": "int", "default": 0},
    "buffer_count": {"type": "int", "default": 0},
    "max_transfer_size": {"type": "int", "default": 0},
    "detached": {"type": "bool", "default": True},
    "poll_interval": {"type": "int", "default": detached.DEFAULT_POLL},
}
DB_NAME_LIMIT = 128
# Markers the payload puts before a message that names the fix (the rest of the text is the message).
MARKERS = ("LYNC_SQL_RIGHTS: ", "LYNC_SQL_ACCESS: ", "LYNC_SHARE_ACCESS: ")


def unmark(text):
    """The message after the payload's marker, or the text as it is."""
    for marker in MARKERS:
        if marker in (text or ""):
            return text.split(marker, 1)[1]
    return text


# Built-in identities that reach a network share as the computer account (DOMAIN\COMPUTER$): per-service
# virtual accounts (NT Service\MSSQLSERVER, NT Service\MSSQL$<instance>), NETWORK SERVICE and LocalSystem,
# https://learn.microsoft.com/sql/database-engine/configure-windows/configure-windows-service-accounts-and-permissions
_COMPUTER_IDENTITIES = re.compile(r"\A(NT SERVICE\\.+|NT AUTHORITY\\(NETWORK ?SERVICE|SYSTEM)|(\.\\)?LocalSystem)\Z", re.I)


def check_tuning(params):
    """BACKUP's BLOCKSIZE and MAXTRANSFERSIZE (https://learn.microsoft.com/sql/t-sql/statements/backup-transact-sql):
    BLOCKSIZE is 512, 1024, ... 65536 bytes; MAXTRANSFERSIZE a multiple of 65536 bytes up to 4194304 (4 MB).
    0 leaves SQL Server's default. Raises AnsibleActionFail with what is allowed."""
    block = params["block_size"]
    if block and not (512 <= block <= 65536 and block & (block - 1) == 0):
        raise AnsibleActionFail("lync_sql_backup: block_size must be a power of two from 512 to 65536 bytes "
                                "(512, 1024, 2048, 4096, 8192, 16384, 32768 or 65536), or 0 for SQL Server's "
                                "default; got %d" % block)
    transfer = params["max_transfer_size"]
    if transfer and not (0 < transfer <= 4194304 and transfer % 65536 == 0):
        raise AnsibleActionFail("lync_sql_backup: max_transfer_size must be a multiple of 65536 bytes (64 KB) up to "
                                "4194304 (4 MB), or 0 for SQL Server's default; got %d" % transfer)


def explain_access(text, account, server):
    """The payload's LYNC_SQL_ACCESS message, naming the identity the share sees."""
    if "LYNC_SQL_ACCESS: " not in (text or ""):
        return unmark(text)
    message = unmark(text)
    if account and _COMPUTER_IDENTITIES.match(str(account).strip()):
        message += (" (the service runs as %s: grant the computer account %s$ of the domain write access to the "
                    "share and folder)" % (account, server.split(".")[0].upper()))
    elif not account:
        message += " (the service account could not be read: look it up in SQL Server Configuration Manager)"
    return message


def select_databases(params):
    """The databases to back up: the catalog's choice for the store's roles (auto) or the named ones."""
    names = []
    for name in params["databases"]:
        if name == "auto":
            if not params["store_roles"]:
                raise AnsibleActionFail("lync_sql_backup: databases=auto needs store_roles (the store's roles in "
                                        "lync_deployment.sql_stores)")
            names.extend(catalog.backup_selection(params["store_roles"]))
        else:
            if not name or len(name) > DB_NAME_LIMIT or "\x00" in name:
                raise AnsibleActionFail("lync_sql_backup: %r is not a database name" % name)
            entry = catalog.lookup(name)
            if entry is not None and entry.backup == "never":
                raise AnsibleActionFail("lync_sql_backup: %s holds transient data Microsoft says not to back up" % name)
            names.append(name)
    excluded = {n.lower() for n in params["exclude_databases"]}
    return [n for n in dict.fromkeys(names) if n.lower() not in excluded]


class ActionModule(LyncAction):
    """Copy-only full backups of the Lync databases of one SQL instance into <set>/sql/<server>_<instance>."""

    ARGUMENT_SPEC = ARGUMENT_SPEC

    def execute(self, params):
        set_path = self.set_path(params["set_path"])
        try:
            server = bs.check_fqdn(params["sql_server"] or self.host, "sql_server")
            instance = bs.check_instance(params["sql_instance"])
        except bs.BackupSetError as exc:
            raise AnsibleActionFail("lync_sql_backup: %s" % exc) from None
        for key, low, high in (("file_count", 1, 64), ("block_size", 0, 65536), ("buffer_count", 0, 10000),
                               ("max_transfer_size", 0, 4194304)):
            if not low <= params[key] <= high:
                raise AnsibleActionFail("lync_sql_backup: %s must be between %d and %d" % (key, low, high))
        check_tuning(params)
        databases = select_databases(params)
        if not databases:
            raise AnsibleActionFail("lync_sql_backup: no database left to back up on %s" % server)
        folder = "sql/%s_%s" % (server, (instance or "mssqlserver").lower())
        # Refused here, before any BACKUP starts, with the path and the limit (SQL Server's Msg 3057 names neither).
        too_long = backup_plan.too_long_for_sql(backup_plan.sql_device_paths(set_path, server, instance, databases,
                                                                             params["file_count"]))
        if too_long:
            raise AnsibleActionFail("lync_sql_backup on %s: %s" % (self.host, too_long))
        details = {"sql_fqdn": server, "instance": instance or "MSSQLSERVER", "databases": []}
        if self.check_mode:
            return {"changed": True, "planned": ["%s/%s.bak" % (folder, d) for d in databases], "files": [],
                    "details": dict(details, databases=[{"name": d} for d in databases])}
        connect = "%s\\%s" % (server, instance) if instance else server
        parameters = {
            "SqlInstance": connect, "Databases": databases, "TargetFolder": "%s\\%s" % (set_path, folder.replace("/", "\\")),
            "FileCount": params["file_count"], "CopyOnly": params["copy_only"], "Checksum": params["checksum"],
            "Compress": params["compress"], "Verify": params["verify"], "BlockSize": params["block_size"],
            "BufferCount": params["buffer_count"], "MaxTransferSize": params["max_transfer_size"],
        }
        # One BACKUP job per instance, whatever the set (a rerun of the role with a new set finds a job still
        # running there and waits for it); the work id names the set and covers every parameter.
        job = detached.job_name("sql", folder.split("/", 1)[1], payload="lync_sql_backup",
                                parameters={"SqlInstance": connect})
        work = detached.work_id(set_path.rsplit("\\", 1)[-1], payload="lync_sql_backup", parameters=parameters)
        # What a stopped job leaves in this set and belongs to it alone: the .bak files it writes (the payload's names).
        count = params["file_count"]
        names = [["%s.bak" % db] if count == 1 else ["%s_%dof%d.bak" % (db, i, count) for i in range(1, count + 1)]
                 for db in databases]
        leftovers = ["%s\\%s" % (parameters["TargetFolder"], name) for group in names for name in group]
        try:
            value = detached.run(self, self.task_vars, "lync_sql_backup", parameters, job, detached=params["detached"],
                                 poll=params["poll_interval"], required_keys=("Databases",), work=work,
                                 leftovers=leftovers).value
        except AnsibleActionFail as exc:
            text = str(exc)
            if any(marker in text for marker in MARKERS):
                raise AnsibleActionFail("lync_sql_backup on %s: %s" % (self.host, unmark(text))) from None
            raise
        files, warnings, failures = [], [], []
        for db in value["Databases"]:
            entries = bs.file_entries(folder, db["Files"])
            files.extend(entries)
            error = explain_access(db["Error"], value.get("ServiceAccount"), server)
            details["databases"].append({"name": db["Name"], "status": db["Status"], "error": error,
                                         "files": [e["path"] for e in entries], "recovery_model": db["RecoveryModel"],
                                         "data_file": db["DataFile"], "log_file": db["LogFile"],
                                         "checksum": params["checksum"], "compressed": db["Compressed"],
                                         "verified": db["Verified"]})
            if db["Status"] != "ok":
                failures.append("%s: %s" % (db["Name"], error))
            elif db["RecoveryModel"] == "FULL":
                warnings.append("%s uses the FULL recovery model: copy-only backups do not truncate its log; keep "
                                "your SQL Server log backups running" % db["Name"])
        if params["compress"] and not value["CompressionSupported"]:
            warnings.append("%s (%s) cannot compress backups; they were written uncompressed"
                            % (connect, value["Edition"]))
        details.update(edition=value["Edition"], service_account=value["ServiceAccount"])
        result = {"changed": True, "files": files, "details": details, "warnings": warnings}
        if failures:
            result.update(failed=True, msg="lync_sql_backup on %s: %d of %d databases failed: %s"
                          % (connect, len(failures), len(databases), "; ".join(failures)))
        return result
