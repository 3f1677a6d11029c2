"""What a Windows DHCP server holds and answers, as the lab's DhcpServer cmdlets and seed need it.

Lync phones read option 120 (SIP server, a standard option) and option 43, which Windows DHCP
keeps as vendor-specific sub-options of a vendor class. Microsoft's DHCPUtil.exe hands its values
to DHCPConfigScript.bat, which runs ("Using DHCPUtil",
https://learn.microsoft.com/en-us/previous-versions/office/skype-server-2010/gg412988(v=ocs.14)):

    netsh dhcp server add optiondef 120 UCSipServer Binary 0
    netsh dhcp server set optionvalue 120 Binary <sip server>
    netsh dhcp server add class MSUCClient "UC Vendor Class Id" "MS-UC-Client" 1
    netsh dhcp server add optiondef 1..5 UCIdentifier|URLScheme|WebServerFqdn|WebServerPort|CertProvRelPath
        Binary 0 Vendor=MSUCClient
    netsh dhcp server set optionvalue 1..5 Binary vendor=MSUCClient <value>

so on a correctly configured Windows DHCP server there is no option 43 in the standard class:
the sub-options live under the vendor class MSUCClient, at server level. Get-DhcpServerv4OptionValue
reads "the standard option values set" unless -VendorClass or -UserClass is given
(https://learn.microsoft.com/en-us/powershell/module/dhcpserver/get-dhcpserverv4optionvalue), and with
-ScopeId only the scope level.

State (on the host record, "dhcp_server"):
    classes         {name: {"type": "Vendor"|"User", "data": ascii}}
    options         {option id: value}                      server level, standard class
    vendor_options  {class name: {option id: value}}        server level, per vendor class
    scopes          {scope id: {mask, range, options, vendor_options}}   scope level, likewise
Binary values are hex strings ("0x0a0b..."), as netsh and DHCPUtil write them.
"""

from .errors import PSError

VENDOR_CLASS = "MSUCClient"
VENDOR_CLASS_DATA = "MS-UC-Client"
# Sub-options of MSUCClient (names as DHCPConfigScript.bat defines them).
SUB_OPTIONS = {1: "UCIdentifier", 2: "URLScheme", 3: "WebServerFqdn", 4: "WebServerPort", 5: "CertProvRelPath"}
CERT_PROV_PATH = "/CertProv/CertProvisioningService.svc"


def ascii_hex(text):
    return "0x" + text.encode("ascii").hex()


def sip_server_hex(fqdn):
    """Option 120 as RFC 3361 encoding 0: a 0 byte, then the FQDN as DNS labels ending in a zero label."""
    labels = b"".join(bytes([len(p)]) + p.encode("ascii") for p in fqdn.rstrip(".").split("."))
    return "0x" + (b"\x00" + labels + b"\x00").hex()


def lync_values(sip_fqdn, web_fqdn, port=443):
    """(option 120 value, {sub-option: value}) that DHCPUtil computes for a pool."""
    return sip_server_hex(sip_fqdn), {
        1: ascii_hex(VENDOR_CLASS_DATA), 2: ascii_hex("https"), 3: ascii_hex(web_fqdn),
        4: ascii_hex(str(port)), 5: ascii_hex(CERT_PROV_PATH)}


def configure_lync(dhcp, sip_fqdn, web_fqdn, port=443):
    """What DHCPConfigScript.bat leaves on a Windows DHCP server: option 120 and the MSUCClient class's sub-options."""
    sip, subs = lync_values(sip_fqdn, web_fqdn, port)
    dhcp.setdefault("options", {})["120"] = sip
    dhcp.setdefault("classes", {})[VENDOR_CLASS] = {"type": "Vendor", "data": VENDOR_CLASS_DATA}
    dhcp.setdefault("vendor_options", {})[VENDOR_CLASS] = {str(k): v for k, v in subs.items()}
    return dhcp


def option_value(dhcp, option_id, scope_id=None, vendor_class=None):
    """Get-DhcpServerv4OptionValue [-ScopeId] [-VendorClass] -OptionId: the value set at exactly that level
    and class, or None where Windows reports the option as not found.

    Raises PSError when -VendorClass names no vendor class defined on the server, as Windows does.
    """
    level = dhcp if scope_id is None else (dhcp.get("scopes") or {}).get(str(scope_id))
    if level is None:
        raise PSError("Failed to get option value on DHCP server: the scope %s does not exist." % scope_id,
                      "ObjectNotFound", "DhcpServerv4OptionValue")
    if vendor_class:
        defined = {k.lower(): v for k, v in (dhcp.get("classes") or {}).items()}
        if defined.get(vendor_class.lower(), {}).get("type") != "Vendor":
            raise PSError("Failed to get option value on DHCP server: the class %s does not exist." % vendor_class,
                          "ObjectNotFound", "DhcpServerv4OptionValue")
        per_class = {k.lower(): v for k, v in (level.get("vendor_options") or {}).items()}
        return (per_class.get(vendor_class.lower()) or {}).get(str(int(option_id)))
    # The standard class only: vendor-class values are not seen without -VendorClass.
    return (level.get("options") or {}).get(str(int(option_id)))


def listed(raw, binary):
    """How Get-DhcpServerv4OptionValue lists a value: binary options byte by byte ('0x0A', ...)."""
    if binary:
        text = str(raw)[2:] if str(raw).lower().startswith("0x") else str(raw)
        return ["0x%s" % text[i:i + 2].upper() for i in range(0, len(text), 2)]
    return list(raw) if isinstance(raw, list) else [str(raw)]


def check_access(dhcp):
    """Every DhcpServer cmdlet fails when the server refuses the caller (access denied: the account is not in
    DHCP Administrators/DHCP Users) or its service is stopped (RPC server unavailable); with -ErrorAction Stop
    that is an error, never an absent option. `refuse` on the lab record: "access_denied" or "stopped"."""
    refuse = dhcp.get("refuse")
    if refuse == "access_denied":
        raise PSError("Failed to get option value on DHCP server. Access is denied. (WIN32 5)", "PermissionDenied",
                      "WIN32 5,Get-DhcpServerv4OptionValue")
    if refuse:
        raise PSError("Failed to enumerate scopes on DHCP server. The RPC server is unavailable. (WIN32 1722)",
                      "NotSpecified", "WIN32 1722,Get-DhcpServerv4Scope")


def vendor_classes(dhcp):
    """Get-DhcpServerv4Class -Type Vendor: the names of the vendor classes."""
    check_access(dhcp)
    return [name for name, c in (dhcp.get("classes") or {}).items() if c.get("type") == "Vendor"]


def option_values(dhcp, scope_id=None, vendor_class=None):
    """Get-DhcpServerv4OptionValue [-ScopeId] [-VendorClass] without -OptionId: {option id: value} of that level."""
    check_access(dhcp)
    level = dhcp if scope_id is None else (dhcp.get("scopes") or {}).get(str(scope_id))
    if level is None:
        raise PSError("Failed to get option value on DHCP server: the scope %s does not exist." % scope_id,
                      "ObjectNotFound", "DhcpServerv4OptionValue")
    if vendor_class:
        if vendor_class.lower() not in [c.lower() for c in vendor_classes(dhcp)]:
            raise PSError("Failed to get option value on DHCP server: the class %s does not exist." % vendor_class,
                          "ObjectNotFound", "DhcpServerv4OptionValue")
        per_class = {k.lower(): v for k, v in (level.get("vendor_options") or {}).items()}
        return {int(k): v for k, v in (per_class.get(vendor_class.lower()) or {}).items()}
    return {int(k): v for k, v in (level.get("options") or {}).items()}
