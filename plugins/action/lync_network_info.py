# Copyright: (c) 2026, lync.server maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for lync.server.lync_network_info (documentation: plugins/modules/lync_network_info.py)."""

from __future__ import annotations

from ansible.errors import AnsibleActionFail

from ansible_collections.lync.server.plugins.plugin_utils import pins as pinlib
from ansible_collections.lync.server.plugins.plugin_utils.action import LyncAction

ARGUMENT_SPEC = {
    "pins": {"type": "dict", "required": True},
    "read": {"type": "list", "elements": "str", "default": ["dns", "dhcp"], "choices": ["dns", "dhcp"]},
    "pins_host": {"type": "str"},
}


class ActionModule(LyncAction):
    """Read the DNS records and DHCP options the pins name, from the DNS and DHCP servers they name. Read-only."""

    ARGUMENT_SPEC = ARGUMENT_SPEC

    def execute(self, params):
        try:
            pins = pinlib.validate(params["pins"], params["pins_host"])
        except pinlib.PinsError as exc:
            raise AnsibleActionFail("lync_network_info: %s" % exc) from None
        result = {"changed": False, "dns_server": None, "dns_records": None, "dhcp_server": None,
                  "dhcp_options": None, "dhcp_missing_scopes": []}
        if "dns" in params["read"] and pins["dns"]:
            wanted = sorted({(r["name"], r["type"]) for r in pins["dns"]["records"]})
            value = self.payload("lync_dns_probe", {"Server": pins["dns"]["server"],
                                                    "Records": [{"Name": n, "Type": t} for n, t in wanted]},
                                 required_keys=("Records",)).value
            if value.get("Problems"):
                raise AnsibleActionFail("lync_network_info: DNS server %s did not answer for %s"
                                        % (pins["dns"]["server"], "; ".join(value["Problems"])))
            result.update(dns_server=pins["dns"]["server"],
                          dns_records=[{"name": str(r["Name"]).lower(), "type": str(r["Type"]).upper(),
                                        "data": r["Data"]} for r in value.get("Records") or []])
        if "dhcp" in params["read"] and pins["dhcp"]:
            scopes = {}
            for opt in pins["dhcp"]["options"]:
                scopes.setdefault(opt["scope"], set()).add(opt["option"])
            value = self.payload("lync_dhcp_probe", {"Scopes": [{"ScopeId": s, "OptionIds": sorted(ids)}
                                                                for s, ids in sorted(scopes.items())]},
                                 required_keys=("Options",)).value
            result.update(dhcp_server=self.host,
                          dhcp_options=[{"scope": o["ScopeId"], "option": int(o["OptionId"]), "value": o["Value"],
                                         "level": o.get("Level")} for o in value.get("Options") or []],
                          dhcp_missing_scopes=list(value.get("MissingScopes") or []))
        return result
