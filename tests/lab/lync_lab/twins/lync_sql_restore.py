"""Twin of lync_sql_restore.ps1: runs the payload's own T-SQL batches in the lab's SQL Server (tsql.py)."""

import pathlib
import re

from .. import fsops, model, sqlbak, tsql
from ..errors import PSError

PARAMETERS = {
    "SqlInstance": {"kind": "string", "mandatory": True},
    "Database": {"kind": "string", "mandatory": True},
    "Files": {"kind": "list", "mandatory": True},
    "Mode": {"kind": "string", "mandatory": True},
    "ScratchName": {"kind": "string", "mandatory": False, "default": ""},
    "ScratchFolder": {"kind": "string", "mandatory": False, "default": ""},
    "AclGroup": {"kind": "string", "mandatory": False, "default": ""},
    "Checksum": {"kind": "switch", "mandatory": False},
}
PAYLOAD = pathlib.Path(__file__).resolve().parents[4] / "plugins" / "plugin_utils" / "payloads" / "lync_sql_restore.ps1"


class _Io(tsql.Io):
    def __init__(self, ctx, reader):
        self.ctx, self.reader = ctx, reader

    def read(self, paths):
        return sqlbak.decode([fsops.read_bytes(self.ctx, path, account=self.reader) for path in paths])


def script_text(ctx):
    """The payload text this run was sent (the payload file itself when run by winps)."""
    return getattr(ctx, "script", None) or PAYLOAD.read_text(encoding="utf-8")


def _calls(script, mode):
    """The batch variables the payload's branch for `mode` sends, in text order (Invoke-Sql $connection $X)."""
    start = script.index("($Mode -eq '%s')" % mode)
    end = script.find("elseif ($Mode", start + 1)
    return re.findall(r"Invoke-Sql \$connection \$(\w+)", script[start:end if end > 0 else len(script)])


def run(ctx, params):
    script = script_text(ctx)
    server, dummy, instance_name = params["SqlInstance"].partition("\\")
    files = params["Files"]
    sql = tsql.Session(ctx, server, instance_name, tsql.connection_string(script), params=params)
    sql.io = _Io(ctx, sqlbak.network_account(model.host(ctx.state, server), sql.instance))
    disks = ", ".join("DISK = @file%d" % (i + 1) for i in range(len(files)))
    file_values = {"@file%d" % (i + 1): path for i, path in enumerate(files)}
    with_checksum = "CHECKSUM" if params.get("Checksum") else "NO_CHECKSUM"
    names = {"disks": disks, "withChecksum": with_checksum}
    database, mode = params["Database"], params["Mode"]
    result = {"Database": database, "Mode": mode, "Verified": False, "Restored": False, "CheckDb": None,
              "AclFixed": False, "ScratchDropped": None, "OnlineError": None}
    sql.execute(tsql.batch(script, "VerifySql", names), file_values)
    result["Verified"] = True
    if mode == "restore":
        current = sql.execute(tsql.batch(script, "CurrentFilesSql"), {"@db": database})
        rows = sql.execute(tsql.batch(script, "FileListSql", names), file_values)
        values = dict(file_values, **{"@db": database})
        type_ids = {"D": 0, "L": 1, "S": 2, "F": 4}
        moves = []
        for row in rows:
            match = [f for f in current if f["type"] == type_ids.get(row["Type"]) and f["file_id"] == row["FileID"]]
            if not match:
                continue
            index = len(moves) + 1
            moves.append(", MOVE @logical%d TO @physical%d" % (index, index))
            values["@logical%d" % index] = row["LogicalName"]
            values["@physical%d" % index] = match[0]["physical_name"]
        primary = None
        try:
            sql.execute(tsql.batch(script, "RestoreSql", dict(names, moveList="".join(moves))), values)
            result["Restored"] = True
        except PSError as err:
            primary = err
            raise
        finally:
            # A fresh connection on master: the database must not stay OFFLINE.
            try:
                online = tsql.Session(ctx, server, instance_name, tsql.connection_string(script), params=params)
                online.execute(tsql.batch(script, "OnlineSql"), {"@db": database})
            except PSError as err:
                result["OnlineError"] = err.message
            # The payload's finally throws one error naming both when the restore failed and SET ONLINE did too
            # ($primary kept by its catch); a text without that throw reports only the restore's error.
            if primary is not None and result["OnlineError"] and "is left OFFLINE" in script:
                raise PSError("%s; and %s is left OFFLINE: %s" % (primary.message, database, result["OnlineError"]))
        if params.get("AclGroup"):
            group = params["AclGroup"]
            sql.change_database(database)
            acl = sql.execute(tsql.batch(script, "AclStateSql"), {"@group": group})[0]
            if acl["RoleId"] is None:
                raise PSError("LYNC_SQL_ACL: %s has no ServerRole role; it is not a database Install-CsDatabase "
                              "created, nothing was changed" % database)
            if acl["Sid"] is None:
                raise PSError("LYNC_SQL_ACL: SQL Server does not know the Windows group %s (SUSER_SID is NULL)" % group)
            user = sql.execute(tsql.batch(script, "AclUserSql"), {"@sid": acl["Sid"]})
            if not user:
                sql.execute(tsql.batch(script, "CreateUserSql"), {"@group": group})
                result["AclFixed"] = True
                user = sql.execute(tsql.batch(script, "AclUserSql"), {"@sid": acl["Sid"]})
            member = sql.execute(tsql.batch(script, "AclMemberSql"),
                                 {"@role": acl["RoleId"], "@member": user[0]["principal_id"]})
            if not member:
                sql.execute(tsql.batch(script, "AddMemberSql"), {"@user": user[0]["name"]})
                result["AclFixed"] = True
            sql.change_database("master")
    elif mode == "test":
        scratch = params.get("ScratchName", "")
        if not re.match(r"\Alync_restore_test_[A-Za-z0-9_]+\Z", scratch):
            raise PSError("the scratch name must start with lync_restore_test_: %s" % scratch)
        drop = tsql.batch(script, "DropScratchSql")
        calls = _calls(script, "test")  # the drops the payload makes: before the restore, after it
        try:
            if "DropScratchSql" in calls[:calls.index("FileListSql")]:
                sql.execute(drop, {"@db": scratch})
            rows = sql.execute(tsql.batch(script, "FileListSql", names), file_values)
            values = dict(file_values, **{"@db": scratch})
            moves = []
            for index, row in enumerate(rows, start=1):
                moves.append("MOVE @logical%d TO @physical%d" % (index, index))
                values["@logical%d" % index] = row["LogicalName"]
                extension = "." + row["PhysicalName"].rsplit(".", 1)[-1] if "." in row["PhysicalName"] else ""
                physical = "%s_%d%s" % (scratch, index, extension)
                values["@physical%d" % index] = fsops.join(params.get("ScratchFolder", ""), physical)
            restore = tsql.batch(script, "TestRestoreSql", dict(names, moveList=", ".join(moves)))
            sql.execute(restore, values)
            result["Restored"] = True
            try:
                sql.execute(tsql.batch(script, "CheckDbSql"), {"@db": scratch})
                result["CheckDb"] = "ok"
            except PSError as err:
                result["CheckDb"] = err.message
        finally:
            if "DropScratchSql" in calls[calls.index("TestRestoreSql"):]:
                try:
                    sql.execute(drop, {"@db": scratch})
                    result["ScratchDropped"] = True
                except PSError as err:
                    result["ScratchDropped"] = err.message
    elif mode != "verify":
        raise PSError("unknown mode: %s" % mode)
    return result
