"""Twin of lync_dns_probe.ps1: DNS queries answered from the zones of the lab's DNS server."""

from .. import model, winhost
from ..errors import PSError

PARAMETERS = {
    "Server": {"kind": "string", "mandatory": True},
    "Records": {"kind": "list", "mandatory": True},
}


def _server(state, name):
    """The lab host answering DNS at `name` (an FQDN or one of its IPv4 addresses)."""
    fqdn = model.find_host(state, name)
    if fqdn is None:
        fqdn = next((f for f, h in state["hosts"].items() if name in h.get("ipv4", [])), None)
    host = state["hosts"].get(fqdn) if fqdn else None
    if host is None or host.get("powered_off") or not host.get("dns_server"):
        return None
    return host["dns_server"]


def _lookup(zones, name, rtype):
    name = name.rstrip(".").lower()
    for zone, records in sorted(zones.items(), key=lambda z: -len(z[0])):
        zone = zone.lower()
        if name == zone or name.endswith("." + zone):
            relative = "@" if name == zone else name[:-len(zone) - 1]
            return [r["data"] for r in records if r["name"].lower() == relative and r["type"].upper() == rtype]
    return []


def run(ctx, params):
    ctx.changed = False
    # The payload's Get-Command guard: Windows Server 2008 R2 has no DnsClient module.
    if not winhost.has_command(ctx.record, "Resolve-DnsName"):
        raise PSError("LYNC_DNS_CLIENT_MISSING: Resolve-DnsName (DnsClient module, Windows Server 2012 and later) "
                      "is not on this host")
    dns = _server(ctx.state, params["Server"])
    found, problems = [], []
    for wanted in params["Records"]:
        name, rtype = str(wanted.get("Name")), str(wanted.get("Type")).upper()
        if dns is None:
            problems.append("%s %s: This operation returned because the timeout period expired" % (name, rtype))
            continue
        for data in _lookup(dns.get("zones", {}), name, rtype):
            found.append({"Name": name, "Type": rtype, "Data": data})
    return {"Server": params["Server"], "Records": found, "Problems": problems}
