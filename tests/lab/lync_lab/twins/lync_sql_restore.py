"""Twin of lync_sql_restore.ps1."""

import copy

from .. import fsops, model, sqlbak
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


def run(ctx, params):
    server, dummy, instance_name = params["SqlInstance"].partition("\\")
    instance = model.sql_instance(ctx.state, server, instance_name)
    reader = sqlbak.network_account(model.host(ctx.state, server), instance)
    backup = sqlbak.decode([fsops.read_bytes(ctx, path, account=reader) for path in params["Files"]])
    result = {"Database": params["Database"], "Mode": params["Mode"], "Verified": True, "Restored": False,
              "CheckDb": None, "AclFixed": False}
    mode = params["Mode"]
    if mode == "restore":
        name = params["Database"]
        existing = instance["databases"].get(name, {})
        instance["databases"][name] = {"recovery_model": backup["recovery_model"], "data_file": backup["data_file"],
                                       "log_file": backup["log_file"], "users": list(existing.get("users", [])),
                                       "content": copy.deepcopy(backup["content"])}
        result["Restored"] = True
        group = params.get("AclGroup")
        if group and group not in instance["databases"][name]["users"]:
            instance["databases"][name]["users"].append(group)
            result["AclFixed"] = True
    elif mode == "test":
        scratch = params.get("ScratchName", "")
        if not scratch.startswith("lync_restore_test_"):
            raise PSError("the scratch name must start with lync_restore_test_: %s" % scratch)
        if scratch in instance["databases"]:
            raise PSError("The database '%s' already exists. Choose a different database name." % scratch)
        # Restored under the scratch name, checked, then dropped: the instance ends as it began.
        # A database's "consistency_errors" stand for logical damage that page checksums (and so
        # RESTORE VERIFYONLY) do not see and DBCC CHECKDB does.
        instance["databases"][scratch] = {"content": copy.deepcopy(backup["content"])}
        errors = (backup["content"] or {}).get("consistency_errors", 0) if isinstance(backup["content"], dict) else 1
        check = "ok" if not errors else (
            "CHECKDB found 0 allocation errors and %d consistency errors in database '%s'." % (errors, scratch))
        del instance["databases"][scratch]
        result.update(Restored=True, CheckDb=check)
    elif mode != "verify":
        raise PSError("unknown mode: %s" % mode)
    return result
