"""Windows built-ins the payloads call, over the lab's Windows rules (winhost, dhcp, cmdlets, lyncsetup).

Each command is declared as its Microsoft page documents it (parameter names, types, positions,
switches) and exists on a host only where Windows has it there: the DnsClient module
(Resolve-DnsName) and the DhcpServer module from Windows Server 2012 on (winhost.COMMANDS_SINCE),
the DhcpServer module only where the DHCP role or its tools (RSAT-DHCP) are installed, the Lync
cmdlets only where the Lync / SkypeForBusiness module is. A command a host lacks is "not
recognized" there, as the engine reports any unknown command.

Pages:
Get-Command https://learn.microsoft.com/powershell/module/microsoft.powershell.core/get-command?view=powershell-5.1
Get-Module https://learn.microsoft.com/powershell/module/microsoft.powershell.core/get-module?view=powershell-5.1
Import-Module https://learn.microsoft.com/powershell/module/microsoft.powershell.core/import-module?view=powershell-5.1
Resolve-DnsName https://learn.microsoft.com/powershell/module/dnsclient/resolve-dnsname
  (its failures are the DNS API's Win32 errors: 9003 DNS_ERROR_RCODE_NAME_ERROR "DNS name does not exist.",
  https://learn.microsoft.com/windows/win32/debug/system-error-codes--9000-11999; 1460 ERROR_TIMEOUT "This operation
  returned because the timeout period expired.", https://learn.microsoft.com/windows/win32/debug/system-error-codes--1300-1699;
  a name that exists without a record of the asked type answers with the zone's SOA in the Authority section,
  RFC 2308 section 2.2 "No Data", https://www.rfc-editor.org/rfc/rfc2308#section-2.2)
Get-DhcpServerv4Class https://learn.microsoft.com/powershell/module/dhcpserver/get-dhcpserverv4class
Get-DhcpServerv4Scope https://learn.microsoft.com/powershell/module/dhcpserver/get-dhcpserverv4scope
Get-DhcpServerv4OptionValue https://learn.microsoft.com/powershell/module/dhcpserver/get-dhcpserverv4optionvalue
  (positions as the Windows Server 2012 help lists them: [[-OptionId] <UInt32[]>] [[-ScopeId] <IPAddress>],
  https://learn.microsoft.com/previous-versions/windows/powershell-scripting/jj590681(v=wps.620))
Get-CsWindowsService / Start-CsWindowsService / Stop-CsWindowsService: declared from the Lync cmdlet reference
  (lync-cmdlets.json), behaviour from lync_lab/cmdlets.py (Microsoft's pages cited there).
System.Net.IPAddress https://learn.microsoft.com/dotnet/api/system.net.ipaddress.parse
ServiceControllerStatus https://learn.microsoft.com/dotnet/api/system.serviceprocess.servicecontrollerstatus
"""

import ipaddress
import pathlib
import re
import uuid

from .. import cmdlets as lynccmd
from .. import dhcp as dhcplib
from .. import lyncsetup, model, winhost
from . import setup as registry_area
from ..engine import Command, Param
from ..engine import operators as O
from ..engine import reference
from ..engine import values as V
from ..engine.errors import runtime_error
from ..errors import PSError

PAYLOADS = ("lync_dns_probe", "lync_dhcp_probe", "lync_services", "lync_share_space")
CORE = "Microsoft.PowerShell.Core"

# The Lync cmdlets' reference: ../shared/reference/lync-cmdlets.json beside the checkout (parameter sets and
# positions), else the collection's tests/payloads/lync-cmdlets.json (names and types).
_ROOT = pathlib.Path(__file__).resolve().parents[4]
REFERENCE = reference.LAB_REFERENCE
_REFERENCE_CACHE = {}

# --- enums and types ------------------------------------------------------------------------------

SERVICE_STATUS = V.EnumType("System.ServiceProcess.ServiceControllerStatus", {
    "Stopped": 1, "StartPending": 2, "StopPending": 3, "Running": 4, "ContinuePending": 5, "PausePending": 6,
    "Paused": 7})
# Resolve-DnsName -Type's accepted values, in the order the page lists them (numbers: the DNS type codes).
RECORD_TYPE = V.EnumType("Microsoft.DnsClient.Commands.RecordType", {
    "UNKNOWN": 0, "A_AAAA": 65535, "A": 1, "NS": 2, "MD": 3, "MF": 4, "CNAME": 5, "SOA": 6, "MB": 7, "MG": 8,
    "MR": 9, "NULL": 10, "WKS": 11, "PTR": 12, "HINFO": 13, "MINFO": 14, "MX": 15, "TXT": 16, "RP": 17,
    "AFSDB": 18, "X25": 19, "ISDN": 20, "RT": 21, "AAAA": 28, "SRV": 33, "DNAME": 39, "OPT": 41, "DS": 43,
    "RRSIG": 46, "NSEC": 47, "DNSKEY": 48, "DHCID": 49, "NSEC3": 50, "NSEC3PARAM": 51, "ANY": 255, "ALL": 255,
    "WINS": 65281})
DNS_SECTION = V.EnumType("Microsoft.DnsClient.Commands.DNSSection", {
    "Question": 0, "Answer": 1, "Authority": 2, "Additional": 3})


class IPAddress(V.NetObject):
    """System.Net.IPAddress: ToString() gives the dotted address."""

    TYPE_NAME = "System.Net.IPAddress"

    def __init__(self, text):
        self.IPAddressToString = str(ipaddress.ip_address(str(text).strip()))
        self.AddressFamily = "InterNetwork" if "." in self.IPAddressToString else "InterNetworkV6"

    def ToString(self):
        return self.IPAddressToString

    def Equals(self, other):
        return V.to_string(other) == self.IPAddressToString


def _to_ipaddress(value):
    """[System.Net.IPAddress]'10.0.0.0' (IPAddress.Parse): an invalid text fails with FormatException's message."""
    if isinstance(value, IPAddress) or value is None:
        return value
    try:
        return IPAddress(V.to_string(value))
    except ValueError:
        raise runtime_error('Cannot convert value "%s" to type "System.Net.IPAddress". Error: "An invalid IP address '
                            'was specified."' % V.to_string(value), "System.Management.Automation.PSInvalidCastException",
                            "InvalidCastParseTargetInvocation", "InvalidArgument") from None


V.CONVERTERS["system.net.ipaddress"] = _to_ipaddress


class CommandInfo(V.NetObject):
    """What Get-Command returns (CmdletInfo / FunctionInfo)."""

    TYPE_NAME = "System.Management.Automation.CmdletInfo"

    def __init__(self, name, kind, module):
        self.Name = name
        self.CommandType = kind
        self.Source = self.ModuleName = module or ""

    def ToString(self):
        return self.Name


class PSModuleInfo(V.NetObject):
    TYPE_NAME = "System.Management.Automation.PSModuleInfo"

    def __init__(self, name, path, version="1.0"):
        self.Name = name
        self.Path = path
        self.ModuleBase = path.rsplit("\\", 1)[0]
        self.Version = version
        self.ModuleType = "Manifest"

    def ToString(self):
        return self.Name


class DnsRecord(V.NetObject):
    """Resolve-DnsName's output: Microsoft.DnsClient.Commands.DnsRecord_<type> with Name, Type, TTL, Section
    and the type's data members."""

    def __init__(self, name, rtype, section, data, ttl=3600):
        self.TYPE_NAME = "Microsoft.DnsClient.Commands.DnsRecord_%s" % rtype
        self.Name = name
        self.Type = V.to_enum(rtype, RECORD_TYPE)
        self.TTL = ttl
        self.Section = V.to_enum(section, DNS_SECTION)
        self.DataLength = 4
        if rtype in ("A", "AAAA"):
            self.IPAddress = data
            if rtype == "A":
                self.IP4Address = data
            else:
                self.IP6Address = data
        elif rtype in ("CNAME", "PTR", "NS"):
            self.NameHost = data
        elif rtype == "SRV":
            priority, weight, port, target = str(data).split()
            self.Priority, self.Weight, self.Port, self.NameTarget = int(priority), int(weight), int(port), target
        elif rtype == "SOA":
            self.PrimaryServer, self.NameAdministrator, self.SerialNumber = data
        elif rtype == "TXT":
            self.Strings = [data]

    def ToString(self):
        return self.TYPE_NAME


class CimObject(V.NetObject):
    """A CIM instance the DhcpServer cmdlets return (root/Microsoft/Windows/DHCP)."""

    TYPE_NAME = "Microsoft.Management.Infrastructure.CimInstance"

    def __init__(self, cim_class, **members):
        self.CimClass = cim_class
        for key, value in members.items():
            setattr(self, key, value)

    def ToString(self):
        return self.TYPE_NAME


class NTService(V.NetObject):
    """Get-CsWindowsService's output: Name, DisplayName and Status (a ServiceControllerStatus)."""

    TYPE_NAME = "Microsoft.Rtc.Management.Deployment.Core.NTService"

    def __init__(self, name, display_name, status, activity=True):
        self.Name = name
        self.DisplayName = display_name
        self.Status = V.to_enum(status, SERVICE_STATUS)
        if activity:
            self.ActivityLevel = ""

    def ToString(self):
        return self.Name


# --- helpers ----------------------------------------------------------------------------------------

def _items(value):
    """A parameter's values: none when it was not given."""
    return [] if value is None else list(V.enumerate_value(value))


def _lab_error(call, exc, terminating=False):
    """A lab rule's PSError as the cmdlet's error: without the 'Cmdlet : ' prefix the console adds."""
    message = exc.message
    prefix = call.command.name + " : "
    if message.startswith(prefix):
        message = message[len(prefix):]
    error_id = exc.error_id if exc.error_id != "LabError" else None
    if terminating:
        call.terminate(message, error_id=error_id, category=exc.category)
    call.error(message, error_id=error_id, category=exc.category)


def dhcp_module(record):
    """Whether the DhcpServer module is on the host: Windows Server 2012 or later, with the DHCP role or RSAT-DHCP."""
    features = {f.lower() for f in record.get("features") or []}
    return winhost.has_command(record, "Get-DhcpServerv4OptionValue") and bool(
        record.get("dhcp_server") or features & {"dhcp", "rsat-dhcp"})


def lync_reference():
    if "cmdlets" not in _REFERENCE_CACHE:
        _REFERENCE_CACHE["cmdlets"] = reference.load(str(REFERENCE))
    return _REFERENCE_CACHE["cmdlets"]


# --- DNS --------------------------------------------------------------------------------------------

def _dns_server(state, name):
    """The zones of the lab host answering DNS at `name` (an FQDN, a short name or one of its IPv4 addresses),
    or None when nothing answers there (no such host, powered off, no DNS server role)."""
    fqdn = model.find_host(state, name)
    if fqdn is None:
        fqdn = next((f for f, h in state["hosts"].items() if name in h.get("ipv4", [])), None)
    host = state["hosts"].get(fqdn) if fqdn else None
    if host is None or host.get("powered_off") or not host.get("dns_server"):
        return None
    return host["dns_server"].get("zones") or {}


def _zone_of(zones, name):
    """(zone name, relative name, records) of the longest zone holding `name`, or None."""
    name = name.rstrip(".").lower()
    for zone, records in sorted(zones.items(), key=lambda z: -len(z[0])):
        if name == zone.lower() or name.endswith("." + zone.lower()):
            return zone, "@" if name == zone.lower() else name[:-len(zone) - 1], records
    return None


def resolve(zones, name, rtype, depth=0):
    """The answer of a DNS server holding `zones` for (name, type): a list of DnsRecord, or None for NXDOMAIN."""
    found = _zone_of(zones, name)
    if found is None:
        return None
    zone, relative, records = found
    own = [r for r in records if r["name"].lower() == relative]
    if not own and relative != "@":
        return None
    exact = [r for r in own if r["type"].upper() == rtype or rtype in ("ANY", "ALL")
             or (rtype == "A_AAAA" and r["type"].upper() in ("A", "AAAA"))]
    if exact:
        return [DnsRecord(name, r["type"].upper(), "Answer", r["data"]) for r in exact]
    alias = [r for r in own if r["type"].upper() == "CNAME"]
    if alias and depth < 8:
        follow = resolve(zones, alias[0]["data"], rtype, depth + 1) or []
        return [DnsRecord(name, "CNAME", "Answer", alias[0]["data"])] + follow
    return [DnsRecord(zone, "SOA", "Authority", ("dc01.%s" % zone, "hostmaster.%s" % zone, 1))]


# --- install -----------------------------------------------------------------------------------------

def install(session):
    ctx = session.ctx
    record = ctx.record
    engine = session.engine
    imported = []

    def available_modules():
        mods = [PSModuleInfo("Microsoft.PowerShell.Management", "C:\\Windows\\system32\\WindowsPowerShell\\v1.0\\Modules"
                             "\\Microsoft.PowerShell.Management\\Microsoft.PowerShell.Management.psd1", "3.1.0.0")]
        if winhost.has_command(record, "Resolve-DnsName"):
            mods.append(PSModuleInfo("DnsClient", "C:\\Windows\\system32\\WindowsPowerShell\\v1.0\\Modules\\DnsClient"
                                     "\\DnsClient.psd1"))
        if dhcp_module(record):
            mods.append(PSModuleInfo("DhcpServer", "C:\\Windows\\system32\\WindowsPowerShell\\v1.0\\Modules\\DhcpServer"
                                     "\\DhcpServer.psd1", "2.0.0.0"))
        lync = record.get("lync_module")
        if lync:
            base = ("C:\\Program Files\\Common Files\\Skype for Business Server 2015\\Modules\\SkypeForBusiness"
                    if lync.lower() == "skypeforbusiness" else
                    "C:\\Program Files\\Common Files\\Microsoft Lync Server 2013\\Modules\\Lync")
            mods.append(PSModuleInfo(lync, "%s\\%s.psd1" % (base, lync)))
        return mods

    # -- Get-Command, Get-Module, Import-Module (Microsoft.PowerShell.Core) --

    def get_command(call):
        out = []
        for name in _items(call.args.get("Name")):
            name = V.to_string(name)
            if any(c in name for c in "*?["):
                names = [n for n in engine.commands.names() if V.to_bool(O.comparison("like", n, name))]
            else:
                names = [name]
            for each in names:
                found = engine.resolve_command(each)
                if found is None:
                    if each == name and not any(c in name for c in "*?["):
                        call.error("The term '%s' is not recognized as the name of a cmdlet, function, script file, or "
                                   "operable program. Check the spelling of the name, or if a path was included, verify "
                                   "that the path is correct and try again." % name,
                                   "System.Management.Automation.CommandNotFoundException", "CommandNotFoundException",
                                   "ObjectNotFound", name)
                    continue
                kind = "Function" if not isinstance(found, Command) else "Cmdlet"
                out.append(CommandInfo(getattr(found, "name", each), kind, getattr(found, "module", "")))
        return out

    def get_module(call):
        names = [V.to_string(n) for n in _items(call.args.get("Name"))] or ["*"]
        pool = available_modules() if call.switch("ListAvailable") else list(imported)
        out = []
        for name in names:
            out.extend(m for m in pool if V.to_bool(O.comparison("like", m.Name, name)) and m not in out)
        return out

    def import_module(call):
        infos = list(_items(call.args.get("ModuleInfo")))
        for name in _items(call.args.get("Name")):
            text = V.to_string(name)
            match = [m for m in available_modules() if m.Name.lower() == text.lower() or m.Path.lower() == text.lower()]
            if not match:
                call.error("The specified module '%s' was not loaded because no valid module file was found in any "
                           "module directory." % text, "System.IO.FileNotFoundException", "Modules_ModuleNotFound",
                           "ResourceUnavailable", text)
                continue
            infos.append(match[0])
        for info in infos:
            if all(m.Name != info.Name for m in imported):
                imported.append(info)
        return list(infos) if call.switch("PassThru") else None

    session.command(Command("Get-Command", [
        Param("Name", "System.String[]", position=0, sets=("AllCommandSet",), pipeline=True, by_property=True),
        Param("Verb", "System.String[]", sets=("CmdletSet",), by_property=True),
        Param("Noun", "System.String[]", sets=("CmdletSet",), by_property=True),
        Param("Module", "System.String[]", by_property=True, aliases=("PSSnapin",)),
        Param("CommandType", "System.String", sets=("AllCommandSet",), by_property=True, aliases=("Type",)),
        Param("TotalCount", "System.Int32", by_property=True), Param("Syntax", switch=True),
        Param("ShowCommandInfo", switch=True), Param("ArgumentList", "System.Object[]", position=1, aliases=("Args",)),
        Param("All", switch=True), Param("ListImported", switch=True), Param("ParameterName", "System.String[]"),
        Param("ParameterType", "System.Object[]")], get_command, pipeline=None, default_set="CmdletSet",
        aliases=("gcm",), module=CORE))
    session.command(Command("Get-Module", [
        Param("Name", "System.String[]", position=0, pipeline=True),
        Param("FullyQualifiedName", "System.Object[]"), Param("All", switch=True),
        Param("ListAvailable", switch=True, sets=("Available",), mandatory=True),
        Param("PSEdition", "System.String", sets=("Available",)), Param("Refresh", switch=True, sets=("Available",))],
        get_module, pipeline=None, default_set="Loaded", aliases=("gmo",), module=CORE))
    session.command(Command("Import-Module", [
        Param("Name", "System.String[]", position=0, mandatory=True, sets=("Name",), pipeline=True),
        Param("ModuleInfo", "System.Management.Automation.PSModuleInfo[]", position=0, mandatory=True,
              sets=("ModuleInfo",), pipeline=True),
        Param("Global", switch=True), Param("Prefix", "System.String"), Param("Function", "System.String[]"),
        Param("Cmdlet", "System.String[]"), Param("Variable", "System.String[]"), Param("Alias", "System.String[]"),
        Param("Force", switch=True), Param("PassThru", switch=True), Param("AsCustomObject", switch=True),
        Param("MinimumVersion", "System.Version", aliases=("Version",)), Param("RequiredVersion", "System.Version"),
        Param("ArgumentList", "System.Object[]", aliases=("Args",)), Param("DisableNameChecking", switch=True),
        Param("NoClobber", switch=True), Param("Scope", "System.String")],
        import_module, default_set="Name", aliases=("ipmo",), module=CORE))

    # -- DnsClient: Resolve-DnsName --

    def resolve_dns_name(call):
        name = V.to_string(call.args["Name"])
        rtype = V.to_string(call.args.get("Type") or "A_AAAA")
        servers = [V.to_string(s) for s in _items(call.args.get("Server"))] or list(record.get("dns_servers") or [])
        zones = next((z for z in (_dns_server(ctx.state, s) for s in servers) if z is not None), None)
        if zones is None:
            call.error("%s : This operation returned because the timeout period expired" % name,
                       "System.ComponentModel.Win32Exception", "ERROR_TIMEOUT", "OperationTimeout", name)
            return None
        answer = resolve(zones, name, rtype)
        if answer is None:
            call.error("%s : DNS name does not exist" % name, "System.ComponentModel.Win32Exception",
                       "DNS_ERROR_RCODE_NAME_ERROR", "ResourceUnavailable", name)
            return None
        return answer

    if winhost.has_command(record, "Resolve-DnsName"):
        session.command(Command("Resolve-DnsName", [
            Param("Name", "System.String", position=0, mandatory=True, pipeline=True, by_property=True),
            Param("Type", "Microsoft.DnsClient.Commands.RecordType", position=1, by_property=True),
            Param("Server", "System.String[]")] + [Param(s, switch=True) for s in (
                "DnsOnly", "CacheOnly", "DnssecOk", "DnssecCd", "NoHostsFile", "LlmnrNetbiosOnly", "LlmnrFallback",
                "LlmnrOnly", "NetbiosFallback", "NoIdn", "NoRecursion", "QuickTimeout", "TcpOnly")],
            resolve_dns_name, module="DnsClient"))

    # -- DhcpServer --

    def dhcp_of(call):
        """The DHCP server the cmdlet talks to (-ComputerName, else this host): its state, or a PSError as the
        RPC call fails."""
        target = V.to_string(call.args.get("ComputerName") or ctx.host)
        fqdn = model.find_host(ctx.state, target) or next(
            (f for f, h in ctx.state["hosts"].items() if target in h.get("ipv4", [])), None)
        host = ctx.state["hosts"].get(fqdn) if fqdn else None
        if host is None or host.get("powered_off") or not host.get("dhcp_server"):
            raise PSError("Failed to get version of the DHCP server %s. The RPC server is unavailable. (WIN32 1722)"
                          % target, "NotSpecified", "WIN32 1722")
        dhcp = host["dhcp_server"]
        dhcplib.check_access(dhcp)
        return dhcp

    def get_class(call):
        kind = call.args.get("Type")
        if kind is not None and V.to_string(kind).lower() not in ("vendor", "user"):
            call.terminate("Cannot validate argument on parameter 'Type'. The argument \"%s\" does not belong to the set "
                           "\"Vendor,User\" specified by the ValidateSet attribute. Supply an argument that is in the set "
                           "and then try the command again." % V.to_string(kind),
                           "System.Management.Automation.ParameterBindingValidationException",
                           "ParameterArgumentValidationError", "InvalidData")
        try:
            dhcp = dhcp_of(call)
        except PSError as exc:
            return _lab_error(call, exc)
        names = [V.to_string(n) for n in _items(call.args.get("Name"))]
        out = []
        for name, info in (dhcp.get("classes") or {}).items():
            if kind is not None and info.get("type", "").lower() != V.to_string(kind).lower():
                continue
            if names and name.lower() not in [n.lower() for n in names]:
                continue
            out.append(CimObject("DhcpServerv4Class", Name=name, Type=info.get("type"), Data=info.get("data", ""),
                                 Description=info.get("description", "")))
        return out

    def get_scope(call):
        try:
            dhcp = dhcp_of(call)
        except PSError as exc:
            return _lab_error(call, exc)
        wanted = [V.to_string(s) for s in _items(call.args.get("ScopeId"))]
        scopes = dhcp.get("scopes") or {}
        out = []
        for scope_id in (wanted or list(scopes)):
            scope = scopes.get(scope_id)
            if scope is None:
                call.error("Failed to get scope %s on DHCP server %s." % (scope_id, ctx.record["hostname"]),
                           "Microsoft.Management.Infrastructure.CimException", "DhcpServerScopeNotFound",
                           "ObjectNotFound", scope_id)
                continue
            start, end = (scope.get("range") or ["", ""])[:2]
            out.append(CimObject("DhcpServerv4Scope", ScopeId=IPAddress(scope_id),
                                 SubnetMask=IPAddress(scope.get("mask", "255.255.255.0")), Name=scope.get("name", ""),
                                 State="Active", StartRange=IPAddress(start) if start else None,
                                 EndRange=IPAddress(end) if end else None, LeaseDuration="8.00:00:00"))
        return out

    binary = {("", 120)} | {(dhcplib.VENDOR_CLASS.lower(), o) for o in dhcplib.SUB_OPTIONS}
    names = {("", 3): "Router", ("", 6): "DNS Servers", ("", 15): "DNS Domain Name", ("", 120): "UCSipServer"}
    names.update({(dhcplib.VENDOR_CLASS.lower(), k): v for k, v in dhcplib.SUB_OPTIONS.items()})

    def get_option_value(call):
        vendor = V.to_string(call.args.get("VendorClass") or "")
        scope = call.args.get("ScopeId")
        scope_id = V.to_string(scope) if scope is not None else None
        try:
            dhcp = dhcp_of(call)
            values = dhcplib.option_values(dhcp, scope_id, vendor or None)
        except PSError as exc:
            return _lab_error(call, exc)
        wanted = [int(o) for o in _items(call.args.get("OptionId"))]
        out = []
        for option_id in (wanted or sorted(values)):
            if option_id not in values:
                call.error("Failed to get option value for option %d %s on DHCP server %s." % (
                    option_id, "in scope %s" % scope_id if scope_id else "at server level", ctx.record["hostname"]),
                    "Microsoft.Management.Infrastructure.CimException", "DhcpServerOptionValueNotFound",
                    "ObjectNotFound", option_id)
                continue
            key = (vendor.lower(), option_id)
            out.append(CimObject("DhcpServerv4OptionValue", OptionId=option_id, Name=names.get(key, ""),
                                 Type="BinaryData" if key in binary else "String",
                                 Value=dhcplib.listed(values[option_id], key in binary),
                                 VendorClass=vendor, UserClass="", PolicyName=""))
        return out

    if dhcp_module(record):
        cim = [Param("CimSession", "System.Object[]", aliases=("Session",)), Param("ThrottleLimit", "System.Int32"),
               Param("AsJob", switch=True)]
        session.command(Command("Get-DhcpServerv4Class", [
            Param("Name", "System.String[]", position=0, by_property=True),
            Param("ComputerName", "System.String", aliases=("Cn",)), Param("Type", "System.String")] + cim,
            get_class, pipeline=None, module="DhcpServer"))
        session.command(Command("Get-DhcpServerv4Scope", [
            Param("ScopeId", "System.Net.IPAddress[]", position=0, by_property=True),
            Param("ComputerName", "System.String", aliases=("Cn",))] + cim, get_scope, pipeline=None, module="DhcpServer"))
        session.command(Command("Get-DhcpServerv4OptionValue", [
            Param("OptionId", "System.UInt32[]", position=0, by_property=True),
            Param("ScopeId", "System.Net.IPAddress", position=1, by_property=True),
            Param("ComputerName", "System.String", aliases=("Cn",)),
            Param("ReservedIP", "System.Net.IPAddress", aliases=("IPAddress",)),
            Param("VendorClass", "System.String"), Param("UserClass", "System.String"),
            Param("PolicyName", "System.String"), Param("All", switch=True), Param("Brief", switch=True)] + cim,
            get_option_value, pipeline=None, module="DhcpServer"))

    install_windows_management(session)
    install_services(session)

    # -- Lync: Get-/Start-/Stop-CsWindowsService --

    if record.get("lync_module") and REFERENCE.exists():
        _lync_services(session, lync_reference(), record.get("lync_module"))


def _lync_services(session, ref, module):
    ctx = session.ctx

    def get_service(call):
        record = ctx.record
        name = call.args.get("Name")
        listed = lyncsetup.lync_services(record)
        if name is not None:
            listed = [n for n in listed if V.to_bool(O.comparison("like", n, V.to_string(name)))]
            if not listed:
                call.error("Cannot find any service with service name '%s'." % V.to_string(name),
                           error_id="ServiceNotFound", category="ObjectNotFound", target=name)
        return [NTService(n, record["services"][n].get("display_name", n), record["services"][n]["status"],
                          not call.switch("ExcludeActivityLevel")) for n in listed]

    def change(rule, action):
        def run(call):
            name = call.args.get("Name")
            if not call.should_process(V.to_string(name) if name is not None else ctx.host, action):
                return None
            try:
                rule(ctx.state, ctx.host, V.to_string(name) if name is not None else None, no_wait=call.switch("NoWait"))
            except PSError as exc:
                # "Cannot find any service" is the cmdlet's non-terminating error; any other failure of the
                # service control stops the call (lync_lab/cmdlets.py call_collecting_errors).
                _lab_error(call, exc, terminating=getattr(exc, "terminating", False) or exc.category != "ObjectNotFound")
            return None
        return run

    session.command(reference.command(ref, "Get-CsWindowsService", get_service, pipeline=None, module=module))
    session.command(reference.command(ref, "Start-CsWindowsService",
                                      change(lambda *a, **k: lynccmd.start_windows_service(*a, **k),  # pylint: disable=unnecessary-lambda
                                             "Start"),
                                      module=module))
    session.command(reference.command(ref, "Stop-CsWindowsService",
                                      change(lambda *a, **k: lynccmd.stop_windows_service(*a, **k),  # pylint: disable=unnecessary-lambda
                                             "Stop"),
                                      module=module))


# --- registry keys (read through boundary/setup.py's registry provider) ----------------------------------------
# setup.py's Registry reads its keys from setup.KEY_SOURCES; these are the keys Windows keeps for what this area
# models, derived from the host record:
#   SYSTEM\CurrentControlSet\Services\Tcpip\Parameters   Hostname, Domain, NV Hostname, NV Domain (the primary DNS
#       suffix, winhost.primary_dns_suffix;
#       https://learn.microsoft.com/troubleshoot/windows-server/networking/configure-tcpip-parameters)
#   SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall\<key>   DisplayName, DisplayVersion of each installed product
#       (https://learn.microsoft.com/windows/win32/msi/uninstall-registry-key); the Wow6432Node twin of the key exists

HKLM = "HKEY_LOCAL_MACHINE"
UNINSTALL = HKLM + "\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall"


def windows_keys(record):
    """{key path: {value name: value}} of the TCP/IP parameters and the installed products."""
    suffix = winhost.primary_dns_suffix(record)
    keys = {HKLM + "\\SYSTEM\\CurrentControlSet\\Services\\Tcpip\\Parameters": {
        "Hostname": record["hostname"], "Domain": suffix,
        "NV Hostname": record.get("pending_hostname") or record["hostname"], "NV Domain": suffix},
        UNINSTALL: {}, HKLM + "\\SOFTWARE\\Wow6432Node\\Microsoft\\Windows\\CurrentVersion\\Uninstall": {}}
    for product in record.get("products") or []:
        guid = "{%s}" % str(uuid.uuid5(uuid.NAMESPACE_OID, product["Name"])).upper()
        keys[UNINSTALL + "\\" + guid] = {"DisplayName": product["Name"], "DisplayVersion": product.get("Version", "")}
    return keys


if windows_keys not in registry_area.KEY_SOURCES:
    registry_area.KEY_SOURCES.append(windows_keys)


# --- CIM classes the payloads read (root/cimv2) ------------------------------------------------------------
# Win32_ComputerSystem https://learn.microsoft.com/windows/win32/cimwin32prov/win32-computersystem
# Win32_OperatingSystem https://learn.microsoft.com/windows/win32/cimwin32prov/win32-operatingsystem
# Win32_NetworkAdapterConfiguration https://learn.microsoft.com/windows/win32/cimwin32prov/win32-networkadapterconfiguration
# Win32_Service https://learn.microsoft.com/windows/win32/cimwin32prov/win32-service (State: 'Stopped', 'Start Pending',
#   'Stop Pending', 'Running', ...; StartMode: 'Auto', 'Manual', 'Disabled', ...)
# Win32_Share https://learn.microsoft.com/windows/win32/cimwin32prov/win32-share (Type 0 disk drive; 2147483648 admin
#   disk share; 2147483651 IPC$)
# Win32_Volume https://learn.microsoft.com/previous-versions/windows/desktop/legacy/aa394515(v=vs.85) (Name: the drive
#   letter's root "D:\\" or a mount point's folder, ending in a backslash; DriveLetter "D:"; Capacity and FreeSpace in
#   bytes). The lab's host record keeps each drive's size_bytes and free_bytes (fsops moves free_bytes on every write).
# Get-CimInstance https://learn.microsoft.com/powershell/module/cimcmdlets/get-ciminstance?view=powershell-5.1

_WMI_STATE = {"StartPending": "Start Pending", "StopPending": "Stop Pending", "ContinuePending": "Continue Pending",
              "PausePending": "Pause Pending"}


def cim_instances(record, class_name):
    """The instances of a CIM class on the host, as dicts of properties (None for a class the lab does not model)."""
    lower = class_name.lower()
    joined = bool(record.get("domain_joined"))
    if lower == "win32_computersystem":
        return [{"Name": record["hostname"], "DNSHostName": record["hostname"],
                 "Domain": record["domain"] if joined else (record.get("workgroup") or "WORKGROUP"),
                 "PartOfDomain": joined, "Workgroup": None if joined else (record.get("workgroup") or "WORKGROUP"),
                 "Manufacturer": "Microsoft Corporation", "Model": "Virtual Machine", "DomainRole": 3 if joined else 2}]
    if lower == "win32_operatingsystem":
        version = str(record["os"]["version"])
        return [{"Caption": record["os"]["caption"], "Version": version, "BuildNumber": version.rsplit(".", 1)[-1],
                 "CSName": record["hostname"], "OSArchitecture": "64-bit"}]
    if lower == "win32_networkadapterconfiguration":
        return [{"Index": 1, "Description": "Microsoft Hyper-V Network Adapter", "IPEnabled": True,
                 "IPAddress": list(record.get("ipv4") or []), "DNSServerSearchOrder": list(record.get("dns_servers") or [])
                 or None, "DNSDomain": winhost.primary_dns_suffix(record) or None}]
    if lower == "win32_service":
        return [{"Name": name, "DisplayName": svc.get("display_name", name),
                 "State": _WMI_STATE.get(svc.get("status"), svc.get("status")), "StartMode": svc.get("start_mode", "Auto"),
                 "StartName": winhost.service_start_name(record, name), "Status": "OK",
                 "Started": svc.get("status") == "Running"}
                for name, svc in sorted((record.get("services") or {}).items())]
    if lower == "win32_share":
        shares = [{"Name": "ADMIN$", "Path": "C:\\Windows", "Type": 2147483648, "Description": "Remote Admin"},
                  {"Name": "C$", "Path": "C:\\", "Type": 2147483648, "Description": "Default share"},
                  {"Name": "IPC$", "Path": "", "Type": 2147483651, "Description": "Remote IPC"}]
        shares += [{"Name": name, "Path": share.get("path", ""), "Type": 0, "Description": ""}
                   for name, share in sorted((record.get("shares") or {}).items())]
        return sorted(shares, key=lambda s: s["Name"].lower())
    if lower == "win32_volume":
        return [{"Name": "%s:\\" % drive.upper(), "DriveLetter": "%s:" % drive.upper(), "DriveType": 3,
                 "FileSystem": "NTFS", "Capacity": int(disk.get("size_bytes", 0)), "FreeSpace": int(disk.get("free_bytes", 0))}
                for drive, disk in sorted((record.get("disks") or {}).items())]
    return None


def wql_filter(text):
    """A WQL WHERE clause as Get-CimInstance -Filter takes it: comparisons (=, <>, !=, LIKE) joined by AND.
    Returns a predicate over an instance's properties; a clause the lab does not read raises ValueError."""
    clauses = []
    for part in re.split(r"\s+AND\s+", text.strip(), flags=re.IGNORECASE):
        match = re.match(r"^\s*(\w+)\s*(=|<>|!=|LIKE)\s*(.+?)\s*$", part, re.IGNORECASE)
        if not match:
            raise ValueError(part)
        prop, op, raw = match.group(1), match.group(2).upper(), match.group(3)
        if raw[:1] in "'\"" and raw[-1:] == raw[:1]:
            value = raw[1:-1].replace("\\\\", "\\")
        elif raw.upper() in ("TRUE", "FALSE"):
            value = raw.upper() == "TRUE"
        elif re.match(r"^-?\d+$", raw):
            value = int(raw)
        else:
            raise ValueError(part)
        clauses.append((prop, op, value))

    def matches(instance):
        for prop, op, value in clauses:
            have = next((v for k, v in instance.items() if k.lower() == prop.lower()), None)
            if op == "LIKE":
                pattern = "^" + re.escape(str(value)).replace("%", ".*").replace("_", ".") + "$"
                ok = have is not None and re.match(pattern, str(have), re.IGNORECASE) is not None
            elif isinstance(value, bool):
                ok = bool(have) == value
            elif isinstance(value, int):
                ok = have is not None and int(have) == value
            else:
                ok = str(have or "").lower() == value.lower()
            if ok == (op in ("<>", "!=")):
                return False
        return True
    return matches


def install_windows_management(session):
    """Get-CimInstance and Test-ComputerSecureChannel on the session's host."""
    ctx = session.ctx

    def get_cim_instance(call):
        if call.args.get("Query") is not None:
            call.terminate("Get-CimInstance -Query is not emulated in the lab; use -ClassName and -Filter.",
                           "System.NotSupportedException", "NotSupported", "NotImplemented")
        class_name = V.to_string(call.args.get("ClassName"))
        namespace = V.to_string(call.args.get("Namespace") or "root/cimv2").replace("\\", "/").lower()
        record = ctx.record
        computers = [V.to_string(c) for c in _items(call.args.get("ComputerName"))]
        if computers:
            fqdn = model.find_host(ctx.state, computers[0])
            if fqdn is None or ctx.state["hosts"][fqdn].get("powered_off"):
                call.terminate("WinRM cannot complete the operation. Verify that the specified computer name is valid, "
                               "that the computer is accessible over the network.",
                               "Microsoft.Management.Infrastructure.CimException", "HRESULT 0x80338126",
                               "ConnectionError", computers[0])
            record = ctx.state["hosts"][fqdn]
        found = cim_instances(record, class_name) if namespace == "root/cimv2" else None
        if found is None:
            call.terminate("Invalid class ", "Microsoft.Management.Infrastructure.CimException",
                           "HRESULT 0x80041010", "MetadataError", class_name)
        if call.args.get("Filter") is not None:
            try:
                keep = wql_filter(V.to_string(call.args["Filter"]))
            except ValueError:
                call.terminate("Invalid query ", "Microsoft.Management.Infrastructure.CimException",
                               "HRESULT 0x80041017", "InvalidArgument", V.to_string(call.args["Filter"]))
            found = [i for i in found if keep(i)]
        return [CimObject(class_name, **instance) for instance in found]

    session.command(Command("Get-CimInstance", [
        Param("ClassName", "System.String", position=0, mandatory=True, sets=("ClassNameComputerSet",),
              aliases=("Class",)),
        Param("Filter", "System.String", sets=("ClassNameComputerSet",)),
        Param("Query", "System.String", mandatory=True, sets=("QueryComputerSet",)),
        Param("QueryDialect", "System.String"), Param("Namespace", "System.String", by_property=True),
        Param("ComputerName", "System.String[]", by_property=True, aliases=("CN", "ServerName")),
        Param("Property", "System.String[]", aliases=("SelectProperties",)),
        Param("KeyOnly", switch=True), Param("Shallow", switch=True),
        Param("OperationTimeoutSec", "System.UInt32", aliases=("OT",))],
        get_cim_instance, pipeline=None, default_set="ClassNameComputerSet", aliases=("gcim",), module="CimCmdlets"))

    # Test-ComputerSecureChannel: True when the computer's secret matches its account in the domain (an account
    # deleted and created again has another SID, and the old machine cannot use it); ShouldProcess
    # ([-WhatIf] [-Confirm] in its syntax,
    # https://learn.microsoft.com/powershell/module/microsoft.powershell.management/test-computersecurechannel?view=powershell-5.1).
    def test_secure_channel(call):
        record = ctx.record
        if not record.get("domain_joined"):
            call.terminate("Cannot verify the secure channel for the local computer. The computer is not joined to a "
                           "domain.", "System.InvalidOperationException", "ComputerNotInDomain", "InvalidOperation",
                           record["hostname"])
        if not call.should_process(record["hostname"], "Test-ComputerSecureChannel"):
            return None
        ad = ctx.state.get("ad") or {}
        account = (ad.get("computers") or {}).get(str(record["hostname"]).upper())
        if account is None or str(ad.get("domain", "")).lower() != str(record["domain"]).lower():
            return [False]
        return [record.get("computer_sid", account["sid"]) == account["sid"]]

    session.command(Command("Test-ComputerSecureChannel", [
        Param("Repair", switch=True), Param("Server", "System.String"),
        Param("Credential", "System.Management.Automation.PSCredential")],
        test_secure_channel, should_process=True, module="Microsoft.PowerShell.Management"))


# --- services (Microsoft.PowerShell.Management) -----------------------------------------------------------------
# Get-Service https://learn.microsoft.com/powershell/module/microsoft.powershell.management/get-service?view=powershell-5.1
# Start-Service https://learn.microsoft.com/powershell/module/microsoft.powershell.management/start-service?view=powershell-5.1
# Stop-Service https://learn.microsoft.com/powershell/module/microsoft.powershell.management/stop-service?view=powershell-5.1
# Set-Service https://learn.microsoft.com/powershell/module/microsoft.powershell.management/set-service?view=powershell-5.1
# ServiceController https://learn.microsoft.com/dotnet/api/system.serviceprocess.servicecontroller (Status: a
# ServiceControllerStatus; StartType: a ServiceStartMode, https://learn.microsoft.com/dotnet/api/system.serviceprocess.servicestartmode).
# The lab's host record keeps each service's status and start_mode (Win32_Service's 'Auto', 'Manual', 'Disabled').

START_MODE = V.EnumType("System.ServiceProcess.ServiceStartMode", {
    "Boot": 0, "System": 1, "Automatic": 2, "Manual": 3, "Disabled": 4})
_RECORD_MODE = {"Automatic": "Auto", "Manual": "Manual", "Disabled": "Disabled", "Boot": "Boot", "System": "System"}


class ServiceController(V.NetObject):
    """System.ServiceProcess.ServiceController over a service of the host record."""

    TYPE_NAME = "System.ServiceProcess.ServiceController"

    def __init__(self, name, svc):
        self.Name = self.ServiceName = name
        self.DisplayName = svc.get("display_name", name)
        self.Status = V.to_enum(svc.get("status", "Stopped"), SERVICE_STATUS)
        mode = {v.lower(): k for k, v in _RECORD_MODE.items()}.get(str(svc.get("start_mode", "Auto")).lower(), "Automatic")
        self.StartType = V.to_enum(mode, START_MODE)
        self.CanStop = V.to_string(self.Status) == "Running"
        self.MachineName = "."

    def ToString(self):
        return self.Name


def install_services(session):
    ctx = session.ctx

    def services():
        return ctx.record.setdefault("services", {})

    def selected(call):
        """The services named by -Name / -DisplayName (wildcards allowed) or -InputObject; errors for the missing."""
        found = []
        for obj in _items(call.args.get("InputObject")):
            name = V.to_string(getattr(obj, "Name", obj))
            if name in services():
                found.append(name)
        for param, key in (("Name", None), ("DisplayName", "display_name")):
            for pattern in _items(call.args.get(param)):
                pattern = V.to_string(pattern)
                hits = [n for n, s in sorted(services().items())
                        if V.to_bool(O.comparison("like", s.get(key, n) if key else n, pattern))]
                if not hits and not any(c in pattern for c in "*?["):
                    what = "name" if key is None else "display name"
                    call.error("Cannot find any service with service %s '%s'." % (what, pattern),
                               "Microsoft.PowerShell.Commands.ServiceCommandException",
                               "NoServiceFoundForGiven%s" % ("Name" if key is None else "DisplayName"), "ObjectNotFound",
                               pattern)
                found.extend(h for h in hits if h not in found)
        return found

    def get_service(call):
        if call.args.get("Name") is None and call.args.get("DisplayName") is None and call.args.get("InputObject") is None:
            return [ServiceController(n, s) for n, s in sorted(services().items())]
        return [ServiceController(n, services()[n]) for n in selected(call)]

    def change_status(status, action):
        def run(call):
            out = []
            for name in selected(call):
                svc = services()[name]
                label = "%s (%s)" % (svc.get("display_name", name), name)
                if not call.should_process(label, action):
                    continue
                if status == "Running" and str(svc.get("start_mode", "Auto")).lower() == "disabled":
                    call.error("Service '%s' cannot be started due to the following error: Cannot start service %s on "
                               "computer '.'." % (label, name), "Microsoft.PowerShell.Commands.ServiceCommandException",
                               "CouldNotStartService", "OpenError", name)
                    continue
                svc["status"] = status
                if call.switch("PassThru"):
                    out.append(ServiceController(name, svc))
            return out
        return run

    def set_service(call):
        out = []
        for name in selected(call):
            svc = services()[name]
            if not call.should_process("%s (%s)" % (svc.get("display_name", name), name), "Set-Service"):
                continue
            if call.args.get("StartupType") is not None:
                svc["start_mode"] = _RECORD_MODE[V.to_string(call.args["StartupType"])]
            if call.args.get("DisplayName") is not None and call.args.get("Name") is not None:
                svc["display_name"] = V.to_string(call.args["DisplayName"])
            if call.args.get("Status") is not None:
                wanted = V.to_string(call.args["Status"])
                if wanted.lower() not in ("running", "stopped", "paused"):
                    call.terminate("Cannot bind parameter 'Status'. The value '%s' is not valid: Running, Stopped or "
                                   "Paused." % wanted, "System.Management.Automation.ParameterBindingException",
                                   "CannotConvertArgumentNoMessage", "InvalidArgument")
                svc["status"] = wanted.capitalize()
            if call.switch("PassThru"):
                out.append(ServiceController(name, svc))
        return out

    management = "Microsoft.PowerShell.Management"
    named = [Param("Name", "System.String[]", position=0, mandatory=True, sets=("Default",), pipeline=True,
                   by_property=True, aliases=("ServiceName",)),
             Param("DisplayName", "System.String[]", mandatory=True, sets=("DisplayName",)),
             Param("InputObject", "System.Object[]", mandatory=True, sets=("InputObject",), pipeline=True),
             Param("Include", "System.String[]"), Param("Exclude", "System.String[]"), Param("PassThru", switch=True)]
    session.command(Command("Get-Service", [
        Param("Name", "System.String[]", position=0, sets=("Default",), pipeline=True, by_property=True,
              aliases=("ServiceName",)),
        Param("DisplayName", "System.String[]", mandatory=True, sets=("DisplayName",)),
        Param("InputObject", "System.Object[]", sets=("InputObject",), pipeline=True),
        Param("ComputerName", "System.String[]", by_property=True, aliases=("Cn",)),
        Param("DependentServices", switch=True, aliases=("DS",)),
        Param("RequiredServices", switch=True, aliases=("SDO", "ServicesDependedOn")),
        Param("Include", "System.String[]"), Param("Exclude", "System.String[]")],
        get_service, default_set="Default", aliases=("gsv",), module=management))
    session.command(Command("Start-Service", list(named), change_status("Running", "Start-Service"), should_process=True,
                            default_set="InputObject", aliases=("sasv",), module=management))
    session.command(Command("Stop-Service", list(named) + [Param("Force", switch=True), Param("NoWait", switch=True)],
                            change_status("Stopped", "Stop-Service"), should_process=True, default_set="InputObject",
                            aliases=("spsv",), module=management))
    session.command(Command("Set-Service", [
        Param("Name", "System.String", position=0, mandatory=True, sets=("Name",), pipeline=True, by_property=True,
              aliases=("ServiceName", "SN")),
        Param("InputObject", "System.Object", sets=("InputObject",), pipeline=True),
        Param("ComputerName", "System.String[]", aliases=("cn",)), Param("DisplayName", "System.String", aliases=("DN",)),
        Param("Description", "System.String"), Param("StartupType", "System.ServiceProcess.ServiceStartMode",
                                                     aliases=("StartMode", "SM", "ST")),
        Param("Status", "System.String"), Param("PassThru", switch=True)],
        set_service, should_process=True, default_set="Name", module=management))
