"""Twin of lync_dhcp_probe.ps1: DHCP options of the lab DHCP server's scopes (lync_lab/dhcp.py)."""

from .. import dhcp as dhcplib
from .. import winhost
from ..errors import PSError

PARAMETERS = {
    "Scopes": {"kind": "list", "mandatory": True},
}
# Binary options (option 120 in the standard class, every MSUCClient sub-option), listed byte by byte.
BINARY = {("", 120)} | {(dhcplib.VENDOR_CLASS.lower(), o) for o in dhcplib.SUB_OPTIONS}


def _as_list(value):
    return value if isinstance(value, list) else ([] if value is None else [value])


def run(ctx, params):
    ctx.changed = False
    dhcp = ctx.record.get("dhcp_server")
    # The payload's Get-Command guard: no DhcpServer module without the role's tools (or before Windows Server 2012).
    if not dhcp or not winhost.has_command(ctx.record, "Get-DhcpServerv4OptionValue"):
        raise PSError("LYNC_DHCP_MISSING: the DhcpServer PowerShell module is not installed here; run this on the "
                      "DHCP server")
    # -ErrorAction Stop everywhere: a refusing server is an error (dhcplib.check_access).
    classes = dhcplib.vendor_classes(dhcp)
    dhcplib.check_access(dhcp)
    scope_ids = list(dhcp.get("scopes") or {})
    server = {"": dhcplib.option_values(dhcp)}
    server.update({c.lower(): dhcplib.option_values(dhcp, None, c) for c in classes})
    options, missing = [], []
    for wanted in _as_list(params["Scopes"]):
        scope_id = str(wanted.get("ScopeId"))
        if scope_id not in scope_ids:
            missing.append(scope_id)
            continue
        scope = {"": dhcplib.option_values(dhcp, scope_id)}
        scope.update({c.lower(): dhcplib.option_values(dhcp, scope_id, c) for c in classes})
        for item in _as_list(wanted.get("Options")):
            option, vendor = int(item.get("OptionId")), str(item.get("VendorClass") or "")
            if vendor and vendor not in classes:  # -notcontains: case-insensitive
                if vendor.lower() not in [c.lower() for c in classes]:
                    continue
            level, raw = "scope", scope.get(vendor.lower(), {}).get(option)
            if raw is None:
                level, raw = "server", server.get(vendor.lower(), {}).get(option)
            if raw is not None:
                options.append({"ScopeId": scope_id, "OptionId": option, "VendorClass": vendor, "Level": level,
                                "Value": dhcplib.listed(raw, (vendor.lower(), option) in BINARY)})
    return {"Server": ctx.record["hostname"], "Options": options, "MissingScopes": missing}
