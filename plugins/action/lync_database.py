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
    "sql_instance": {"type": "str"},
    "clean": {"type": "bool", "default": False},
    "use_default_sql_paths": {"type": "bool", "default": False},
}


def _instance_key(name):
    name = str(name or "").strip().upper()
    return "" if name == "MSSQLSERVER" else name


def rows_of(rows, instance):
    """Test-CsDatabase rows of one instance ('' the default), or all rows when instance is None
    (-ConfiguredDatabases reports every instance of the server and has no instance filter)."""
    if instance is None:
        return list(rows)
    return [r for r in rows if _instance_key(r.get("SqlInstanceName")) == _instance_key(instance)]


def succeeded(row):
    value = row.get("Succeed")
    return value is True or str(value).strip().lower() == "true"


def classify(row):
    """'present', 'absent' (no InstalledVersion) or 'outdated' (installed at another version than expected)."""
    if succeeded(row):
        return "present"
    installed = str(row.get("InstalledVersion") or "").strip()
    return "absent" if installed in ("", "0") else "outdated"


def outdated_message(rows, server):
    old = [r for r in rows if classify(r) == "outdated"]
    if not old:
        return None
    return ("lync_database: these databases on %s exist at another version than this Lync Server expects: %s; "
            "the fix is Install-CsDatabase -Update (not a new installation, which leaves them as they are, nor "
            "-Clean, which drops their data)" % (server, ", ".join(
                "%s (%s: installed %s, expected %s)" % (r["DatabaseName"], r.get("SqlInstanceName") or "default",
                                                        r.get("InstalledVersion"), r.get("ExpectedVersion"))
                for r in old)))


class ActionModule(LyncAction):
    """Create Lync databases with Install-CsDatabase, as Topology Builder does."""

    ARGUMENT_SPEC = ARGUMENT_SPEC

    def _status(self, params, server, instance):
        rows = self.payload("lync_database_status", {"Mode": params["mode"], "SqlServerFqdn": server,
                                                     "SqlInstanceName": instance or ""},
                            required_keys=("Databases",)).value["Databases"]
        return rows_of(rows, instance) if params["mode"] == "configured" else rows

    def execute(self, params):
        try:
            server = bs.check_fqdn(params["sql_server"], "sql_server")
            # configured: no sql_instance = every instance of the server; '' / MSSQLSERVER = the default one.
            instance = None if params["sql_instance"] is None and params["mode"] == "configured" \
                else bs.check_instance(params["sql_instance"])
        except bs.BackupSetError as exc:
            raise AnsibleActionFail("lync_database: %s" % exc) from None
        before = self._status(params, server, instance)
        if not params["clean"] and outdated_message(before, server):
            raise AnsibleActionFail(outdated_message(before, server))
        missing = [d["DatabaseName"] for d in before if classify(d) != "present"]
        if not missing and before and not params["clean"]:
            return {"changed": False, "databases": before, "created": []}
        if self.check_mode:
            return {"changed": True, "databases": before, "created": missing}
        install = {"Mode": params["mode"], "SqlServerFqdn": server, "SqlInstanceName": instance or "",
                   "Clean": params["clean"], "UseDefaultSqlPaths": params["use_default_sql_paths"]}
        if params["mode"] == "configured" and instance:
            install["ForInstance"] = instance  # without it, -ConfiguredDatabases (and -Clean) acts on every instance
        elif params["mode"] == "configured" and instance == "":
            install["ForDefaultInstance"] = True
        self.payload("lync_database_install", install)
        after = self._status(params, server, instance)
        if outdated_message(after, server):
            raise AnsibleActionFail(outdated_message(after, server))
        still = [d["DatabaseName"] for d in after if classify(d) != "present"]
        if still:
            raise AnsibleActionFail("lync_database: Install-CsDatabase ran, yet these databases are missing on %s: %s"
                                    % (server, ", ".join(still)))
        return {"changed": True, "databases": after, "created": missing if not params["clean"] else
                [d["DatabaseName"] for d in after]}
