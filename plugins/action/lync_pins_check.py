# Copyright: (c) 2026, lync.server maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for lync.server.lync_pins_check (documentation: plugins/modules/lync_pins_check.py)."""

from __future__ import annotations

from ansible.errors import AnsibleActionFail

from ansible_collections.lync.server.plugins.plugin_utils import facts
from ansible_collections.lync.server.plugins.plugin_utils import pins as pinlib
from ansible_collections.lync.server.plugins.plugin_utils.action import LyncAction

ARGUMENT_SPEC = {
    "pins": {"type": "dict", "required": True},
    "backup_manifest": {"type": "dict"},
    "dns_records": {"type": "list", "elements": "dict"},
    "dhcp_options": {"type": "list", "elements": "dict"},
    "stage": {"type": "str", "default": "final", "choices": ["prepare", "final"]},
    "override": {"type": "bool", "default": False},
    "sql_service_account": {"type": "str"},
}
OVERRIDE_BANNER = "IDENTITY PINS OVERRIDDEN"


class ActionModule(LyncAction):
    """Compare the inventory's pins, the target and the backup set's identity record. Read-only."""

    ARGUMENT_SPEC = ARGUMENT_SPEC

    def execute(self, params):
        try:
            pins = pinlib.validate(params["pins"], self.task_vars.get("inventory_hostname"),
                                   params["sql_service_account"])
        except pinlib.PinsError as exc:
            raise AnsibleActionFail("lync_pins_check: %s" % exc) from None
        target = facts.host_facts(self.payload("lync_host_probe").value)
        manifest = params["backup_manifest"]
        outcome = pinlib.compare(pins, target, manifest, params["dns_records"], params["dhcp_options"], params["stage"])
        lines = pinlib.summary(outcome)
        identity = pinlib.backup_identity(manifest, pins["fqdn"]) if manifest is not None else None
        result = {
            "changed": False,
            "agree": outcome["agree"],
            "differences": outcome["differences"],
            "fields": outcome["fields"],
            "apply": outcome["apply"],
            "summary": lines,
            "pins": pins,
            "backup_set_id": (manifest or {}).get("set_id"),
            "backup_identity": identity,
            "target": {k: target[k] for k in ("fqdn", "hostname", "domain", "domain_joined", "ipv4", "dns_servers",
                                              "computer_sid", "secure_channel", "shares")},
            "target_sql_instances": [i["name"] for i in target["sql_instances"]],
            "sql_service_accounts": outcome["sql_service_accounts"],
            "overridden": False,
        }
        refused = [d for d in outcome["differences"] if d["action"] == "refuse"]
        if refused and params["override"]:
            result["overridden"] = True
            result["warnings"] = ["%s on %s by override: preparation goes on although %d field(s) disagree: %s"
                                  % (OVERRIDE_BANNER, pins["fqdn"], len(refused), " | ".join(
                                      line for line in lines if "(refuse)" in line))]
        elif refused:
            result.update(failed=True, msg="lync_pins_check on %s: the inventory, the target and backup set %s "
                                           "disagree; nothing was changed:\n%s"
                                           % (pins["fqdn"], result["backup_set_id"] or "(none)",
                                              "\n".join(line for line in lines if "(refuse)" in line)))
        return result
