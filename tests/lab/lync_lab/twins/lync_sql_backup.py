"""Twin of lync_sql_backup.ps1."""

import datetime
import hashlib

from .. import fsops, model, sqlbak
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


def run(ctx, params):
    server, dummy, instance_name = params["SqlInstance"].partition("\\")
    instance = model.sql_instance(ctx.state, server, instance_name)
    record = model.host(ctx.state, server)
    account = instance["service_account"]
    writer = sqlbak.network_account(record, instance)
    folder = params["TargetFolder"]
    try:
        fsops.make_dirs(ctx, folder, account=writer)
    except PSError as err:
        raise PSError("LYNC_SQL_ACCESS: SQL Server service account %s cannot write to %s: %s"
                      % (account, folder, err.message)) from None
    can_compress = not instance["edition"].startswith("Express")
    compress = bool(params.get("Compress")) and can_compress
    count = params.get("FileCount", 1)
    taken = datetime.datetime.now(datetime.timezone.utc).isoformat()
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
            stripes = sqlbak.encode(name, db, server.lower(), instance_name, count, compress,
                                    bool(params.get("CopyOnly")), taken)
            names = ["%s.bak" % name] if count == 1 else ["%s_%dof%d.bak" % (name, i + 1, count) for i in range(count)]
            for file_name, data in zip(names, stripes):
                fsops.write_bytes(ctx, fsops.join(folder, file_name), data, account=writer)
            if params.get("Verify"):
                sqlbak.decode([fsops.read_bytes(ctx, fsops.join(folder, n), account=writer) for n in names])
                entry["Verified"] = True
            files = []
            for file_name in names:
                data = fsops.read_bytes(ctx, fsops.join(folder, file_name))
                files.append({"Name": file_name, "Bytes": len(data), "Sha256": hashlib.sha256(data).hexdigest().upper()})
            entry.update(Files=files, Status="ok")
        except PSError as err:
            entry["Error"] = err.message
        results.append(entry)
    return {"Edition": instance["edition"], "Version": instance["version"], "ServiceAccount": account,
            "CompressionSupported": can_compress, "Databases": results}
