"""Twin of lync_host_probe.ps1: the host's identity and its Lync traces, from the lab state."""

from .. import winhost, winps

PARAMETERS = {}


def _instances(record):
    found = []
    for name, inst in sorted(record.get("sql", {}).items()):
        entry = {"Name": name, "Databases": sorted(inst.get("databases", {})), "Error": None}
        if inst.get("service_state", "running") != "running":
            entry.update(Databases=[], Error="A network-related or instance-specific error occurred while "
                                             "establishing a connection to SQL Server.")
        found.append(entry)
    return found


def _computer_account(state, record):
    """(SID of DOMAIN\\HOST$ as AD has it now, whether the machine's secure channel works), as the probe reads them."""
    if not record.get("domain_joined"):
        return None, None
    account = state.get("ad", {}).get("computers", {}).get(record["hostname"].upper())
    if account is None or str(state["ad"].get("domain", "")).lower() != str(record["domain"]).lower():
        return None, False
    return account["sid"], record.get("computer_sid", account["sid"]) == account["sid"]


def run(ctx, params):
    del params
    record = ctx.record
    ctx.changed = False
    joined = bool(record.get("domain_joined"))
    domain = record["domain"] if joined else "WORKGROUP"
    sid, channel = _computer_account(ctx.state, record)
    if channel is not None and ctx.check_mode and not winhost.should_process_runs(
            ctx.check_mode, winps.payload_text(ctx.payload), "Test-ComputerSecureChannel"):
        channel = False  # [bool](nothing): the call only printed a what-if line
    return {
        "ComputerName": record["hostname"],
        "Fqdn": winhost.dns_fqdn(record),
        "DnsSuffix": winhost.primary_dns_suffix(record),
        "Domain": domain,
        "PartOfDomain": joined,
        "OsCaption": record["os"]["caption"],
        "OsVersion": record["os"]["version"],
        "Ipv4": list(record.get("ipv4", [])),
        "DnsServers": list(record.get("dns_servers", [])),
        "LyncModule": record.get("lync_module"),
        "Products": [dict(p) for p in record.get("products", [])],
        "Services": [{"Name": name, "DisplayName": svc["display_name"], "Status": svc["status"],
                      "StartMode": svc["start_mode"], "StartName": winhost.service_start_name(record, name)}
                     for name, svc in sorted(record.get("services", {}).items())],
        "Shares": [{"Name": name, "Path": share["path"]} for name, share in sorted(record.get("shares", {}).items())],
        "SqlInstances": _instances(record),
        "ComputerSid": sid,
        "SecureChannel": channel,
    }
