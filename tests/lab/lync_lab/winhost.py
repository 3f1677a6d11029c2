"""What Windows itself does on a lab host: features, computer name, DNS client, domain membership, restarts.

The lab's stand-ins for ansible.windows (win_feature, win_hostname, win_dns_client, win_reboot)
and microsoft.ad (membership) call these, so the state changes the way Windows changes:

* Features exist per Windows Server release (a name Windows does not know fails like
  Install-WindowsFeature); some need a restart and stay "install pending" until one.
* A new computer name takes effect only after a restart (Win32_ComputerSystem keeps the old one).
* Joining a domain needs the domain's DNS servers on the client and a domain account with
  its password; an existing computer account of that name is reused (same SID), otherwise
  a new one is created.
* A restart applies the pending name, finishes pending features and clears the pending flags.
"""

import hashlib
import re
import zlib

from . import model
from .errors import PSError

# Features that exist on every Windows Server release the lab seeds (2008 R2 - 2019).
_COMMON = {
    "Web-Server", "Web-WebServer", "Web-Common-Http", "Web-Static-Content", "Web-Default-Doc", "Web-Dir-Browsing",
    "Web-Http-Errors", "Web-Http-Redirect", "Web-Asp-Net", "Web-Net-Ext", "Web-ISAPI-Ext", "Web-ISAPI-Filter",
    "Web-Http-Logging", "Web-Log-Libraries", "Web-Request-Monitor", "Web-Http-Tracing", "Web-Basic-Auth",
    "Web-Windows-Auth", "Web-Digest-Auth", "Web-Client-Auth", "Web-Cert-Auth", "Web-Url-Auth", "Web-IP-Security",
    "Web-Filtering", "Web-Stat-Compression", "Web-Dyn-Compression", "Web-Mgmt-Tools", "Web-Mgmt-Console",
    "Web-Scripting-Tools", "Web-Mgmt-Service", "Web-Mgmt-Compat", "Web-Metabase", "Web-WMI", "Web-Lgcy-Scripting",
    "Web-Lgcy-Mgmt-Console", "NET-Framework-Core", "RSAT", "RSAT-ADDS", "RSAT-AD-PowerShell", "RSAT-DNS-Server",
    "RSAT-DHCP", "Telnet-Client", "BITS", "MSMQ", "MSMQ-Services", "MSMQ-Server", "MSMQ-Directory", "FS-FileServer",
    "DNS", "DHCP", "AD-Domain-Services", "Windows-Server-Backup", "SNMP-Service",
}
# Windows Server 2012 brought .NET 4.5 as features, WIF 3.5, Media Foundation, Management OData.
_SINCE_2012 = {"NET-Framework-45-Features", "NET-Framework-45-Core", "NET-Framework-45-ASPNET", "NET-WCF-Services45",
               "NET-WCF-HTTP-Activation45", "Web-Asp-Net45", "Web-Net-Ext45", "Windows-Identity-Foundation",
               "Server-Media-Foundation", "ManagementOData", "PowerShell", "PowerShellRoot"}
# Desktop Experience is a feature up to 2012 R2; from 2016 on it is an installation option.
_UNTIL_2012R2 = {"Desktop-Experience"}
CATALOG = {
    "6.1": _COMMON | _UNTIL_2012R2,
    "6.2": _COMMON | _SINCE_2012 | _UNTIL_2012R2,
    "6.3": _COMMON | _SINCE_2012 | _UNTIL_2012R2,
    "10.0": _COMMON | _SINCE_2012,
}
# Features after which Windows reports RestartNeeded.
NEEDS_RESTART = {"Desktop-Experience", "Server-Media-Foundation", "AD-Domain-Services"}

ADAPTER = "Ethernet"

# Commands a Windows release does not have, by the first release (kernel version) that brings them.
# DnsClient (Resolve-DnsName) and DhcpServer modules arrived with Windows Server 2012 (6.2); Windows
# Server 2008 R2 lacks them even with PowerShell 3.0, which Lync Server 2013 requires there
# (https://learn.microsoft.com/en-us/powershell/module/dnsclient/resolve-dnsname,
#  https://learn.microsoft.com/en-us/powershell/module/dhcpserver/get-dhcpserverv4optionvalue).
COMMANDS_SINCE = {
    "resolve-dnsname": (6, 2),
    "get-dhcpserverv4optionvalue": (6, 2),
    "get-dhcpserverv4scope": (6, 2),
    "get-dhcpserverv4class": (6, 2),
    # The ScheduledTasks module: Windows Server 2012 / Windows 8 and later (its cmdlets are CIM wrappers over the
    # MSFT_ScheduledTask classes those releases added; https://learn.microsoft.com/powershell/module/scheduledtasks/).
    "register-scheduledtask": (6, 2),
}


def _kernel(record):
    parts = str(record["os"]["version"]).split(".")
    return int(parts[0]), int(parts[1]) if len(parts) > 1 else 0


def has_command(record, name):
    """Whether `Get-Command -Name <name>` finds the command on this host's Windows release."""
    since = COMMANDS_SINCE.get(name.lower())
    return since is None or _kernel(record) >= since


def command_not_found(name):
    """What PowerShell throws when a script calls a command this host does not have."""
    return PSError("The term '%s' is not recognized as the name of a cmdlet, function, script file, or operable "
                   "program. Check the spelling of the name, or if a path was included, verify that the path is "
                   "correct and try again." % name, "ObjectNotFound", "CommandNotFoundException")


def require_command(record, name):
    """Raise CommandNotFoundException when this host's Windows release lacks the command."""
    if not has_command(record, name):
        raise command_not_found(name)


def catalog(record):
    """The feature names this host's Windows release knows."""
    version = str(record["os"]["version"])
    for prefix, names in CATALOG.items():
        if version == prefix or version.startswith(prefix + "."):
            return names
    raise PSError("lab: no feature catalog for Windows %s" % version)


def pending(record, reason):
    """Note that Windows waits for a restart (reason recorded once)."""
    reasons = record.setdefault("pending_reboot", [])
    if reason not in reasons:
        reasons.append(reason)


def install_features(record, names, source=None, check_mode=False):
    """Install-WindowsFeature: returns (changed, reboot_required, feature results)."""
    known = {n.lower(): n for n in catalog(record)}
    bad = [n for n in names if n.lower() not in known]
    if bad:
        raise PSError("ArgumentNotValid: The role, role service, or feature name is not valid: '%s'. The name was "
                      "not found." % bad[0], "InvalidArgument", "NameDoesNotExist,Microsoft.Windows.ServerManager."
                      "Commands.AddWindowsFeatureCommand")
    installed = {n.lower() for n in record.setdefault("features", [])}
    waiting = {n.lower() for n in record.get("features_pending", [])}
    removed = {n.lower() for n in record.get("features_removed", [])}
    results, changed, restart = [], False, bool(waiting & {n.lower() for n in names})
    for name in (known[n.lower()] for n in names):
        if name.lower() in installed or name.lower() in waiting:
            continue
        if name.lower() in removed and not source:
            raise PSError("The request to add or remove features on the specified server failed. Installation of one "
                          "or more roles, role services, or features failed. The source files could not be found. "
                          "Use the \"Source\" option to specify the location of the files that are required to "
                          "install the roles, role services, or features. Error: 0x800f081f", "InvalidOperation")
        needs = name in NEEDS_RESTART
        changed, restart = True, restart or needs
        results.append({"id": zlib.crc32(name.encode()) % 1000, "display_name": name, "message": "", "reboot_required": needs,
                        "skip_reason": "NotSkipped", "success": True, "restart_needed": needs})
        if check_mode:
            continue
        if needs:
            record.setdefault("features_pending", []).append(name)
            pending(record, "features")
        else:
            record["features"].append(name)
    return changed, restart, results


def remove_features(record, names, check_mode=False):
    installed = {n.lower(): n for n in record.setdefault("features", [])}
    gone = [installed[n.lower()] for n in names if n.lower() in installed]
    if gone and not check_mode:
        record["features"] = [f for f in record["features"] if f not in gone]
    return bool(gone), False, [{"display_name": n, "success": True, "reboot_required": False} for n in gone]


def rename(record, name, check_mode=False):
    """Rename-Computer: takes effect at the next restart. Returns changed."""
    if name.lower() == str(record["hostname"]).lower():
        return False
    if not check_mode:
        record["pending_hostname"] = name.upper()
        pending(record, "computer name")
    return True


def set_dns_servers(record, adapter_names, servers, check_mode=False):
    """Set-DnsClientServerAddress on the adapters matching adapter_names ('*' matches all)."""
    if not any(a == "*" or a.lower() == ADAPTER.lower() for a in adapter_names):
        raise PSError("Get-NetAdapter : No MSFT_NetAdapter objects found with property 'Name' equal to '%s'."
                      % ", ".join(adapter_names), "ObjectNotFound")
    if list(record.get("dns_servers", [])) == list(servers):
        return False
    if not check_mode:
        record["dns_servers"] = list(servers)
    return True


def _domain_reachable(state, record, domain):
    """A DNS server the client uses holds the domain's zone (how a client finds a domain controller)."""
    for fqdn, host in state["hosts"].items():
        if host.get("powered_off") or not host.get("dns_server"):
            continue
        if set(host.get("ipv4", [])) & set(record.get("dns_servers", [])):
            if domain.lower() in (z.lower() for z in host["dns_server"].get("zones", {})):
                return fqdn
    return None


def password_hash(password):
    return hashlib.sha256(("lab-ad|%s" % password).encode("utf-8")).hexdigest()


def check_domain_credential(state, user, password, computer="this computer"):
    """The domain account and its password, as a domain controller checks them."""
    ad = state["ad"]
    name = str(user or "").rsplit("\\", maxsplit=1)[-1].split("@", maxsplit=1)[0].lower()
    account = ad.get("accounts", {}).get(name)
    if account is None or account.get("password_sha256") != password_hash(password or ""):
        raise PSError("Computer '%s' failed to join domain '%s' from its current workgroup 'WORKGROUP' with following "
                      "error message: The user name or password is incorrect." % (computer, ad["domain"]),
                      "OperationStopped", "FailToJoinDomainFromWorkgroup,Microsoft.PowerShell.Commands.AddComputerCommand")
    return account


def join_domain(state, record, domain, user, password, hostname=None, ou=None, check_mode=False):
    """Add-Computer (with Rename-Computer first when hostname differs). Returns changed.

    An existing computer account of that name is reused, so it keeps its SID and groups.
    """
    ad = state["ad"]
    if record.get("domain_joined"):
        if str(record["domain"]).lower() != domain.lower():
            raise PSError("Host is already joined to '%s', switching domains is not implemented" % record["domain"])
        return False
    if check_mode:  # Add-Computer -WhatIf reports the join without contacting the domain
        return True
    if domain.lower() != str(ad["domain"]).lower() or not _domain_reachable(state, record, domain):
        raise PSError("Computer failed to join domain '%s' from its current workgroup 'WORKGROUP' with following error "
                      "message: The specified domain either does not exist or could not be contacted." % domain,
                      "OperationStopped")
    check_domain_credential(state, user, password, record["hostname"])
    name = (hostname or record.get("pending_hostname") or record["hostname"]).upper()
    if name != record["hostname"].upper():
        record["pending_hostname"] = name
    account = ad["computers"].get(name)
    if account is None:
        index = 1100 + len(ad["computers"]) + len(ad.get("deleted_computers", []))
        account = {"dns_host_name": "%s.%s" % (name.lower(), ad["domain"]),
                   "sid": "S-1-5-21-3623811015-3361044348-30300820-%d" % (2000 + index),
                   "dn": "CN=%s,%s" % (name, ou or "CN=Computers,DC=contoso,DC=local"), "groups": ["Domain Computers"]}
        ad["computers"][name] = account
    record["domain_joined"] = True
    record["domain"] = ad["domain"]
    record["computer_sid"] = account["sid"]
    pending(record, "domain join")
    return True


def leave_domain(record, workgroup, check_mode=False):
    if not record.get("domain_joined"):
        return False
    if not check_mode:
        record["domain_joined"] = False
        record["workgroup"] = workgroup
        record.pop("computer_sid", None)
        pending(record, "domain leave")
    return True


def reboot(record):
    """Restart: the pending name takes effect, pending features finish, nothing waits any more."""
    if record.get("pending_hostname"):
        record["hostname"] = record.pop("pending_hostname")
    record.setdefault("features", []).extend(f for f in record.pop("features_pending", []) if f not in record["features"])
    record.pop("pending_reboot", None)
    record["boot_count"] = int(record.get("boot_count", 0)) + 1


def host(state, name):
    return model.host(state, name)


# --- ShouldProcess under -WhatIf ------------------------------------------------------------------
# win_powershell runs a script declaring [CmdletBinding(SupportsShouldProcess)] with -WhatIf in
# check mode (https://docs.ansible.com/ansible/latest/collections/ansible/windows/win_powershell_module.html),
# which sets $WhatIfPreference for the script; every cmdlet it calls that supports ShouldProcess
# then only writes "What if: Performing the operation ..." and returns nothing, unless the call
# passes -WhatIf:$false (about_Preference_Variables, $WhatIfPreference:
# https://learn.microsoft.com/powershell/module/microsoft.powershell.core/about/about_preference_variables#whatifpreference;
# Test-ComputerSecureChannel's syntax has [-WhatIf] [-Confirm]:
# https://learn.microsoft.com/powershell/module/microsoft.powershell.management/test-computersecurechannel).
WHATIF_FALSE_RE = re.compile(r"-WhatIf:\s*\$false\b", re.IGNORECASE)


def should_process_runs(check_mode, script, cmdlet):
    """Whether the payload's calls of a ShouldProcess cmdlet do their work (True) or only print a
    what-if line and return nothing (False): in check mode, a SupportsShouldProcess script's call
    without -WhatIf:$false inherits -WhatIf."""
    from . import psparse  # late import: psparse loads tree-sitter
    if not check_mode or not psparse.supports_should_process(script):
        return True
    calls = [c for c in psparse.commands(script) if c["name"].lower() == cmdlet.lower()]
    return all(WHATIF_FALSE_RE.search(c["text"]) for c in calls)


def sql_service_names(instance):
    """Windows' service names of a SQL Server instance: (Database Engine, SQL Server Agent).

    The default instance runs as the services MSSQLSERVER and SQLSERVERAGENT ("SQL Server runs
    as a service named MSSQLServer",
    https://learn.microsoft.com/en-us/sql/t-sql/functions/servicename-transact-sql; the Agent's
    service SID is NT SERVICE\\SQLSERVERAGENT,
    https://learn.microsoft.com/en-us/sql/ssms/agent/set-service-startup-account-sql-server-agent-sql-server-configuration-manager);
    a named instance runs as MSSQL$<name> and SQLAgent$<name>.
    """
    name = (instance or model.DEFAULT_INSTANCE).upper()
    if name == model.DEFAULT_INSTANCE:
        return "MSSQLSERVER", "SQLSERVERAGENT"
    return "MSSQL$%s" % name, "SQLAgent$%s" % name


def sql_virtual_account(instance):
    """The per-service virtual account setup gives the Database Engine by default (NT SERVICE\\<service>)."""
    return "NT Service\\%s" % sql_service_names(instance)[0]


def service_start_name(record, service):
    """Win32_Service StartName of a service: a SQL Server instance's Database Engine runs as the
    instance's service account; other services as their recorded start_name, by default LocalSystem."""
    for name, inst in record.get("sql", {}).items():
        if sql_service_names(name)[0].upper() == service.upper():
            return inst.get("service_account") or sql_virtual_account(name)
    return record.get("services", {}).get(service, {}).get("start_name", "LocalSystem")


def primary_dns_suffix(record):
    """The host's primary DNS suffix (Tcpip\\Parameters Domain): `dns_suffix` when the host model sets it (a disjoint
    namespace, or an Edge server outside the domain with its own suffix), else the AD domain of a domain member and
    none for a workgroup host. Win32_ComputerSystem.Domain is the AD domain or the workgroup name, not this
    (https://learn.microsoft.com/windows/win32/cimwin32prov/win32-computersystem)."""
    if "dns_suffix" in record:
        return str(record["dns_suffix"] or "").lower()
    return str(record["domain"]).lower() if record.get("domain_joined") else ""


def dns_fqdn(record):
    """The host's DNS name: its host name and primary DNS suffix."""
    suffix = primary_dns_suffix(record)
    return ("%s.%s" % (record["hostname"], suffix) if suffix else record["hostname"]).lower()
