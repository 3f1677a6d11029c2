# Copyright: (c) 2026, lync.server maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for lync.server.lync_recovery_check (documentation: plugins/modules/lync_recovery_check.py)."""

from __future__ import annotations

from ansible.errors import AnsibleActionFail

from ansible_collections.lync.server.plugins.plugin_utils import backup_set as bs
from ansible_collections.lync.server.plugins.plugin_utils import recovery_plan as rp
from ansible_collections.lync.server.plugins.plugin_utils.action import LyncAction

ARGUMENT_SPEC = {
    "sql_servers": {"type": "list", "elements": "str", "default": []},
    "expected_store_location": {"type": "str"},
    "fail_on_problems": {"type": "bool", "default": True},
}


def problems_of(value, expected_location):
    """What is not back to service, from the check's raw result."""
    found = []
    stopped = [s["Name"] for s in value.get("Services") or [] if s["Status"] != "Running"
               and s["Name"] not in ("MASTER", "FTA")]
    if stopped:
        found.append("services not running: %s" % ", ".join(sorted(stopped)))
    missing = ["%s on %s" % (d["DatabaseName"], d["SqlServerFqdn"]) for d in value.get("Databases") or []
               if not d["Succeed"]]
    if missing:
        found.append("Test-CsDatabase fails for %s" % ", ".join(missing))
    stale = [r["ReplicaFqdn"] for r in value.get("Replication") or [] if not r["UpToDate"]]
    if stale:
        found.append("Central Management store replicas not up to date: %s" % ", ".join(sorted(stale)))
    if expected_location and not rp.same_store_location(value.get("StoreLocation"), expected_location):
        found.append("the service control point names %s, not %s" % (value.get("StoreLocation"), expected_location))
    return found


class ActionModule(LyncAction):
    """Check that the deployment is back: services, databases, CMS replication, service control point."""

    ARGUMENT_SPEC = ARGUMENT_SPEC

    def execute(self, params):
        try:
            servers = [bs.check_fqdn(s, "sql_servers") for s in params["sql_servers"]]
        except bs.BackupSetError as exc:
            raise AnsibleActionFail("lync_recovery_check: %s" % exc) from None
        value = self.payload("lync_recovery_check", {"SqlServers": servers}, required_keys=("Services",)).value
        problems = problems_of(value, params["expected_store_location"])
        result = {"changed": False, "problems": problems, "services": value["Services"],
                  "databases": value["Databases"], "replication": value["Replication"],
                  "store_location": value["StoreLocation"], "certificates": value["Certificates"]}
        if problems and params["fail_on_problems"]:
            result.update(failed=True, msg="lync_recovery_check on %s: %s" % (self.host, "; ".join(problems)))
        return result
