# Copyright: (c) 2026, lync.server maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for lync.server.lync_network_info (documentation: plugins/modules/lync_network_info.py)."""

from __future__ import annotations

from ansible.errors import AnsibleActionFail

from ansible_collections.lync.server.plugins.plugin_utils import pins as pinlib
from ansible_collections.lync.server.plugins.plugin_utils.action import LyncAction
from ansible_collections.lync.server.plugins.plugin_utils.payload import PayloadError

# Resolve-DnsName (DnsClient module) exists from Windows Server 2012 on; Windows Server 2008 R2, which
# Lync Server 2013 supports, has none (https://learn.microsoft.com/en-us/powershell/module/dnsclient/resolve-dnsname).
DNS_CLIENT_MISSING = "LYNC_DNS_CLIENT_MISSING"

ARGUMENT_SPEC = {
    "pins": {"type": "dict", "required": True},
    "read": {"type": "list", "elements": "str", "default": ["dns", "dhcp"], "choices": ["dns", "dhcp"]},
    "pins_host": {"type": "str"},
}


def dhcp_query(pinned):
    """The payload's Scopes: per scope, every pinned option with its class ('' for the standard class).

    Lync's option 43 is read as the sub-options of its vendor class (MSUCClient), never as a standard
    option: Windows DHCP keeps it there and a query without -VendorClass does not see it.
    """
    scopes = {}
    for opt in pinned:
        scopes.setdefault(opt["scope"], set()).add((opt.get("vendor_class") or "", opt["option"]))
    return [{"ScopeId": scope, "Options": [{"VendorClass": vendor, "OptionId": option}
                                           for vendor, option in sorted(wanted)]}
            for scope, wanted in sorted(scopes.items())]


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
            try:
                value = self.payload("lync_dns_probe", {"Server": pins["dns"]["server"],
                                                        "Records": [{"Name": n, "Type": t} for n, t in wanted]},
                                     required_keys=("Records",)).value
            except PayloadError as exc:
                if DNS_CLIENT_MISSING not in str(exc):
                    raise
                raise AnsibleActionFail(
                    "lync_network_info: %s has no Resolve-DnsName (Windows Server 2012 or later brings it; Windows "
                    "Server 2008 R2 does not), so it cannot ask DNS server %s; set lync_dns_probe_host to a Windows "
                    "Server 2012 or later host that reaches that server" % (self.host, pins["dns"]["server"])) from None
            if value.get("Problems"):
                raise AnsibleActionFail("lync_network_info: DNS server %s did not answer for %s"
                                        % (pins["dns"]["server"], "; ".join(value["Problems"])))
            result.update(dns_server=pins["dns"]["server"],
                          dns_records=[{"name": str(r["Name"]).lower(), "type": str(r["Type"]).upper(),
                                        "data": r["Data"]} for r in value.get("Records") or []])
        if "dhcp" in params["read"] and pins["dhcp"]:
            value = self.payload("lync_dhcp_probe", {"Scopes": dhcp_query(pins["dhcp"]["options"])},
                                 required_keys=("Options",)).value
            result.update(dhcp_server=self.host,
                          dhcp_options=[{"scope": o["ScopeId"], "option": int(o["OptionId"]),
                                         "vendor_class": o.get("VendorClass") or None, "value": o["Value"],
                                         "level": o.get("Level")} for o in value.get("Options") or []],
                          dhcp_missing_scopes=list(value.get("MissingScopes") or []))
        return result
