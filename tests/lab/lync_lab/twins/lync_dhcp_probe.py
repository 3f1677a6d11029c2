"""Twin of lync_dhcp_probe.ps1: DHCP options of the lab DHCP server's scopes."""

from ..errors import PSError

PARAMETERS = {
    "Scopes": {"kind": "list", "mandatory": True},
}
# How Get-DhcpServerv4OptionValue lists values: binary options byte by byte.
BINARY = {43, 120}


def _value(option, raw):
    if option in BINARY:
        text = str(raw)[2:] if str(raw).lower().startswith("0x") else str(raw)
        return ["0x%s" % text[i:i + 2].upper() for i in range(0, len(text), 2)]
    return list(raw) if isinstance(raw, list) else [str(raw)]


def run(ctx, params):
    ctx.changed = False
    dhcp = ctx.record.get("dhcp_server")
    if not dhcp:
        raise PSError("LYNC_DHCP_MISSING: the DhcpServer PowerShell module is not installed here; run this on the "
                      "DHCP server")
    options, missing = [], []
    for wanted in params["Scopes"]:
        scope_id = str(wanted.get("ScopeId"))
        scope = dhcp.get("scopes", {}).get(scope_id)
        if scope is None:
            missing.append(scope_id)
            continue
        ids = wanted.get("OptionIds")
        for option in [int(o) for o in (ids if isinstance(ids, list) else [ids])]:
            level, raw = "scope", scope.get("options", {}).get(str(option))
            if raw is None:
                level, raw = "server", dhcp.get("options", {}).get(str(option))
            if raw is not None:
                options.append({"ScopeId": scope_id, "OptionId": option, "Level": level, "Value": _value(option, raw)})
    return {"Server": ctx.record["hostname"], "Options": options, "MissingScopes": missing}
