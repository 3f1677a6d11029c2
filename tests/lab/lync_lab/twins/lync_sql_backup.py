"""Twin of lync_sql_backup.ps1: its rights check, BACKUP and RESTORE VERIFYONLY run in the lab's SQL Server (tsql.py).

The catalog queries (SERVERPROPERTY, sys.dm_server_services, sys.databases) are answered
from the instance record here; the T-SQL whose rules matter (rights, BACKUP, VERIFYONLY) is
read from the payload text and executed.
"""

import datetime
import hashlib
import pathlib
import re

from .. import fsops, model, sqlbak, tsql, winhost
from ..errors import PSError

PARAMETERS = {
    "SqlInstance": {"kind": "string", "mandatory": True},
    "Databases": {"kind": "list", "mandatory": True},
    "TargetFolder": {"kind": "string", "mandatory": True},
    "FileCount": {"kind": "int", "mandatory": False, "default": 1},
    "CopyOnly": {"kind": "switch", "mandatory": False},
    "Checksum": {"kind": "switch", "mandatory": False},
    "Compress": {"kind": "switch", "mandatory": False},
    "Verify": {"kind": "switch", "mandatory": False},
    "BlockSize": {"kind": "int", "mandatory": False, "default": 0},
    "BufferCount": {"kind": "int", "mandatory": False, "default": 0},
    "MaxTransferSize": {"kind": "int", "mandatory": False, "default": 0},
}
PAYLOAD = pathlib.Path(__file__).resolve().parents[4] / "plugins" / "plugin_utils" / "payloads" / "lync_sql_backup.ps1"


class _Io(tsql.Io):
    """Backup files as the SQL Server service account writes and reads them."""

    def __init__(self, ctx, writer, server, instance_name, taken):
        self.ctx, self.writer, self.server, self.instance_name, self.taken = ctx, writer, server, instance_name, taken

    def write(self, name, db, paths, options):
        stripes = sqlbak.encode(name, db, self.server, self.instance_name, len(paths), bool(options.get("COMPRESSION")),
                                bool(options.get("COPY_ONLY")), self.taken)
        for path, data in zip(paths, stripes):
            fsops.write_bytes(self.ctx, path, data, account=self.writer)

    def read(self, paths):
        return sqlbak.decode([fsops.read_bytes(self.ctx, path, account=self.writer) for path in paths])


def _service_account(ctx, sql, record, instance_name):
    """What the payload learns of the service account: sys.dm_server_services (SQL Server 2008 R2 SP1,
    10.50.2500, and later; VIEW SERVER STATE,
    https://learn.microsoft.com/sql/relational-databases/system-dynamic-management-views/sys-dm-server-services-transact-sql),
    else the Win32_Service StartName when the payload runs on the SQL server itself, else None."""
    version = tuple(int(p) for p in str(sql.instance.get("version", "11.0")).split(".")[:3] if p.isdigit())
    if version >= (10, 50, 2500) and sql.server_perm("VIEW SERVER STATE"):
        return sql.instance["service_account"]
    if sql.server == ctx.host:
        return winhost.service_start_name(record, winhost.sql_service_names(instance_name or "MSSQLSERVER")[0])
    return None


def run(ctx, params):
    script = getattr(ctx, "script", None) or PAYLOAD.read_text(encoding="utf-8")
    server, dummy, instance_name = params["SqlInstance"].partition("\\")
    record = model.host(ctx.state, server)
    sql = tsql.Session(ctx, server, instance_name, tsql.connection_string(script), params=params)
    instance = sql.instance
    account = _service_account(ctx, sql, record, instance_name)
    taken = datetime.datetime.now(datetime.timezone.utc).isoformat()
    sql.io = _Io(ctx, sqlbak.network_account(record, instance), server.lower(), instance_name, taken)
    folder = params["TargetFolder"]
    calls = re.findall(r"Invoke-Sql \$connection \$(\w+)", script)
    login = None
    if "RightsSql" in calls:
        rights = sql.execute(tsql.batch(script, "RightsSql"))[0]
        login = rights["Login"]
        if params.get("Verify") and rights["CanCreateDatabase"] != 1:
            raise PSError("LYNC_SQL_RIGHTS: login %s on %s lacks the CREATE DATABASE permission (GRANT CREATE DATABASE "
                          "in master, CREATE ANY DATABASE, server role dbcreator, or sysadmin) that RESTORE VERIFYONLY "
                          "needs; grant it, or set verify to false"
                          % (login, params["SqlInstance"]))
    try:
        fsops.make_dirs(ctx, folder)  # New-Item, with this connection's network credentials
    except PSError as err:
        raise PSError("LYNC_SHARE_ACCESS: this connection's network credentials cannot create %s: %s"
                      % (folder, err.message)) from None
    can_compress = not instance["edition"].startswith("Express")
    compress = bool(params.get("Compress")) and can_compress
    count = params.get("FileCount", 1)
    options = [o for o, on in (("COPY_ONLY", params.get("CopyOnly")), ("CHECKSUM", params.get("Checksum")),
                               ("COMPRESSION", compress)) if on] + ["INIT"]
    tuning = {}
    for key, option in (("BlockSize", "BLOCKSIZE"), ("BufferCount", "BUFFERCOUNT"), ("MaxTransferSize", "MAXTRANSFERSIZE")):
        if params.get(key, 0) > 0:
            options.append("%s = @%s" % (option, option.lower()))
            tuning["@" + option.lower()] = params[key]
    names_in = {"disks": ", ".join("DISK = @file%d" % (i + 1) for i in range(count)), "optionText": ", ".join(options),
                "verifyOption": " WITH CHECKSUM" if params.get("Checksum") else ""}
    backup_sql = tsql.batch(script, "BackupSql", names_in)
    verify_sql = tsql.batch(script, "VerifySql", names_in)
    results = []
    for name in params["Databases"]:
        entry = {"Name": name, "Status": "failed", "Error": None, "Files": [], "Verified": False,
                 "RecoveryModel": None, "DataFile": None, "LogFile": None, "Compressed": compress}
        try:
            db = instance["databases"].get(name)
            if db is None:
                raise PSError("database %s does not exist on %s" % (name, params["SqlInstance"]))
            if db.get("state", "ONLINE") != "ONLINE":
                raise PSError("database %s is %s" % (name, db["state"]))
            entry.update(RecoveryModel=db["recovery_model"], DataFile=db["data_file"], LogFile=db["log_file"])
            if "DbRightsSql" in calls and sql.execute(tsql.batch(script, "DbRightsSql"), {"@db": name})[0]["CanBackup"] != 1:
                raise PSError("LYNC_SQL_RIGHTS: login %s lacks the BACKUP DATABASE permission in %s (database role "
                              "db_backupoperator or db_owner, or sysadmin)" % (login, name))
            names = ["%s.bak" % name] if count == 1 else ["%s_%dof%d.bak" % (name, i + 1, count) for i in range(count)]
            values = dict(tuning, **{"@db": name})
            values.update({"@file%d" % (i + 1): fsops.join(folder, n) for i, n in enumerate(names)})
            try:
                sql.execute(backup_sql, values)
            except tsql.SqlError as err:
                if "Operating system error 5(" not in err.message:
                    raise
                who = "SQL Server service account %s" % account if account else "SQL Server service account"
                raise PSError("LYNC_SQL_ACCESS: %s cannot write to %s: %s" % (who, folder, err.message)) from None
            if params.get("Verify"):
                sql.execute(verify_sql, {k: v for k, v in values.items() if k.startswith("@file")})
                entry["Verified"] = True
            files = []
            for file_name in names:
                data = fsops.read_bytes(ctx, fsops.join(folder, file_name))
                files.append({"Name": file_name, "Bytes": len(data), "Sha256": hashlib.sha256(data).hexdigest().upper()})
            entry.update(Files=files, Status="ok")
        except PSError as err:
            entry["Error"] = err.message
        results.append(entry)
    return {"Login": login, "Edition": instance["edition"], "Version": instance["version"], "ServiceAccount": account,
            "CompressionSupported": can_compress, "Databases": results}
