# Copyright: (c) 2026, lync.server maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The preflight's judgements (docs/preflight.md): from the inventory's settings and what the read-only
modules returned, one record per check -- pass, fail or not_checked -- with a detail and, for a failure,
the exact fix. Kept here, not in the role, so every decision and every fix text is unit-tested."""

from __future__ import annotations

import re

from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.lync.server.plugins.plugin_utils import backup_plan
from ansible_collections.lync.server.plugins.plugin_utils import backup_set as bs
from ansible_collections.lync.server.plugins.plugin_utils import catalog
from ansible_collections.lync.server.plugins.plugin_utils import facts as factlib
from ansible_collections.lync.server.plugins.plugin_utils.recovery_plan import RTC_GROUP_RE

PASS, FAIL, NOT_CHECKED = "pass", "fail", "not_checked"
LABELS = {PASS: "PASS", FAIL: "FAIL", NOT_CHECKED: "NOT CHECKED"}
# What a check is needed for: the nightly backup, or the bad day (preparation and recovery).
NIGHTLY, BAD_DAY = "nightly", "bad_day"
# The host column of checks that concern the inventory or the whole deployment, not one computer.
INVENTORY = "inventory"
DEPLOYMENT = "deployment"

DOC_EVERY_NIGHT = 'docs/inventory.md, "Every night"'
DOC_BAD_DAY = 'docs/inventory.md, "The bad day: preparing replacement servers and recovering"'
DOC_GROUPS = 'docs/inventory.md, "Groups"'
DOC_CONNECTION = 'docs/inventory.md, "Connection"'
DOC_IDENTITY = 'docs/architecture.md, "Network identity"'
DOC_PINS_READ = 'docs/pins.md, "Reading DNS and DHCP"'
DOC_NOT_YET = 'docs/preflight.md, "Not checked yet"'

# The shortest secrets the backup role accepts (roles/backup/tasks/main.yml asserts the same bounds).
MIN_CERTIFICATE_PASSWORD = 8
MIN_SIGNING_KEY = 16
# Lync Server 2013 runs on Windows Server 2008 R2 (6.1) and later.
MIN_WINDOWS = (6, 1)
WINDOWS_VERSION_RE = re.compile(r"(\d+)\.(\d+)")


class PreflightError(ValueError):
    """The inputs are not what the role passes."""


def record(host, check, status, detail, fix="", needs=NIGHTLY):
    """One check's outcome: what the role prints and writes, and what the end of the run judges."""
    return {"host": str(host), "check": check, "status": status, "detail": detail,
            "fix": fix if status == FAIL else "", "needs": needs}


# --------------------------------------------------------------------------- inventory

def _text(settings, key):
    value = settings.get(key)
    return "" if value is None else str(value).strip()


def _length(settings, key):
    try:
        return int(settings.get(key) or 0)
    except (TypeError, ValueError):
        raise PreflightError("preflight: settings.%s must be a length (a number)" % key) from None


def inventory_records(settings, groups):
    """The variables the nightly backup and the bad day need, and the groups the roles read.

    settings holds the values of the plain variables and only the lengths of the secrets
    (network_password_length, certificate_password_length, signing_key_length), never a secret.
    groups maps each group the roles read to its hosts (None when the inventory has no such group).
    """
    found = []
    root = _text(settings, "backup_root")
    if not root:
        found.append(record(INVENTORY, "lync_backup_root", FAIL, "not set",
                            "set lync_backup_root to the UNC path of the backup share, e.g. "
                            "\\\\backup01.contoso.local\\LyncBackup (%s)" % DOC_EVERY_NIGHT))
    else:
        try:
            found.append(record(INVENTORY, "lync_backup_root", PASS, bs.check_root(root)))
        except bs.BackupSetError as exc:
            found.append(record(INVENTORY, "lync_backup_root", FAIL, str(exc),
                                "set lync_backup_root to the UNC path of the backup share, e.g. "
                                "\\\\backup01.contoso.local\\LyncBackup (%s)" % DOC_EVERY_NIGHT))
    user = _text(settings, "network_user")
    if user:
        found.append(record(INVENTORY, "lync_network_user", PASS, user))
    else:
        found.append(record(INVENTORY, "lync_network_user", FAIL, "not set (nor ansible_user, its default)",
                            "set lync_network_user to the account that reaches SQL Server, the Central Management "
                            "store, Active Directory and the backup share (%s; its rights: %s)"
                            % (DOC_EVERY_NIGHT, DOC_IDENTITY)))
    found.append(_secret("lync_network_password", _length(settings, "network_password_length"), 1,
                         "set lync_network_password (from Ansible Vault) to the password of lync_network_user (%s)"
                         % DOC_EVERY_NIGHT))
    found.append(_secret("lync_certificate_password", _length(settings, "certificate_password_length"),
                         MIN_CERTIFICATE_PASSWORD,
                         "set lync_certificate_password (from Ansible Vault), at least %d characters: it protects the "
                         "certificate exports with their private keys (%s)" % (MIN_CERTIFICATE_PASSWORD, DOC_EVERY_NIGHT)))
    found.append(_secret("lync_backup_signing_key", _length(settings, "signing_key_length"), MIN_SIGNING_KEY,
                         "set lync_backup_signing_key (from Ansible Vault), at least %d characters, e.g. the output of "
                         "`openssl rand -hex 32`; verify, preparation and recovery need the same key "
                         '(docs/backup-set.md, "Trust")' % MIN_SIGNING_KEY))
    found.append(_media_path(_text(settings, "media_path")))
    found.append(_rtc_group(_text(settings, "rtc_group")))
    found.extend(_group_records(groups or {}))
    return found


def sql_path_record(root, deployment, file_count=1):
    """Whether every SQL backup file the nightly backup plans below the root fits SQL Server's limit on a backup
    device name (backup_plan.SQL_DEVICE_MAX), and every SQL backup folder Windows' limit on a directory it creates
    (backup_plan.SQL_FOLDER_MAX): the root's own length rule (200) leaves the deepest SQL backup
    file, <root>\\<set id>\\sql\\<server>_<instance>\\<database>.bak, past it when the server's FQDN is long.
    None when the root itself is missing or refused (its own record says so)."""
    try:
        bs.check_root(root)
    except bs.BackupSetError:
        return None
    if not deployment:
        return record(DEPLOYMENT, "SQL backup paths", NOT_CHECKED, "the topology was not read, so the SQL stores and "
                      "their backup file names are unknown")
    paths = backup_plan.planned_sql_paths(root, deployment, file_count)
    if not paths:
        return record(DEPLOYMENT, "SQL backup paths", PASS, "no SQL store to back up")
    too_long = backup_plan.too_long_for_sql(paths)
    if too_long:
        return record(DEPLOYMENT, "SQL backup paths", FAIL, too_long,
                      "set lync_backup_root to a shorter path (a share nearer the root of the backup server, or a "
                      "shorter folder below it), at most %d characters here (%s)"
                      % (len(root.rstrip("\\")) - backup_plan.sql_shortening(paths),
                         DOC_EVERY_NIGHT))
    longest = max(paths, key=len)
    return record(DEPLOYMENT, "SQL backup paths", PASS, "the longest SQL backup file has %d characters (%s); SQL "
                  "Server takes up to %d" % (len(longest), longest, backup_plan.SQL_DEVICE_MAX))


def _secret(name, length, minimum, fix):
    if length >= minimum:
        return record(INVENTORY, name, PASS, "set (its value is never shown)")
    detail = "not set" if length == 0 else "shorter than %d characters" % minimum
    return record(INVENTORY, name, FAIL, detail, fix)


def _media_path(path):
    fix = ("set lync_media_path to the folder of the Lync Server / Skype for Business Server installation media that "
           "holds Setup\\amd64, e.g. \\\\backup01.contoso.local\\LyncMedia\\Lync; the recovery refuses to rebuild a "
           "Lync server without it (%s)" % DOC_BAD_DAY)
    if not path:
        return record(INVENTORY, "lync_media_path", FAIL, "not set", fix, needs=BAD_DAY)
    try:
        return record(INVENTORY, "lync_media_path", PASS, bs.check_path(path, "lync_media_path"), needs=BAD_DAY)
    except bs.BackupSetError as exc:
        return record(INVENTORY, "lync_media_path", FAIL, str(exc), fix, needs=BAD_DAY)


def _rtc_group(group):
    fix = ("set lync_rtc_group to DOMAIN\\RTCComponentUniversalServices, DOMAIN being the NetBIOS name of the domain "
           "holding Lync's universal groups; the recovery refuses to plan SQL restores without it (%s)" % DOC_BAD_DAY)
    if not group:
        return record(INVENTORY, "lync_rtc_group", FAIL, "not set", fix, needs=BAD_DAY)
    if not RTC_GROUP_RE.match(group):
        return record(INVENTORY, "lync_rtc_group", FAIL, "%r is not DOMAIN\\group" % group, fix, needs=BAD_DAY)
    return record(INVENTORY, "lync_rtc_group", PASS, group, needs=BAD_DAY)


def _members(groups, name):
    members = groups.get(name)
    if members is None:
        return None
    if not isinstance(members, (list, tuple)):
        raise PreflightError("preflight: groups.%s must be a list of hosts" % name)
    return [str(m) for m in members]


def _required_group(groups, name, fix, needs=NIGHTLY):
    """PASS with the members of group `name`, or FAIL (missing or empty) with the fix."""
    members = _members(groups, name)
    if members:
        return record(INVENTORY, "group " + name, PASS, ", ".join(members))
    return record(INVENTORY, "group " + name, FAIL, "missing" if members is None else "empty", fix, needs=needs)


def _group_records(groups):
    found = [
        _required_group(groups, "lync_front_ends",
                        "put the Front End and Standard Edition servers in the group lync_front_ends: only they "
                        "are asked for the topology, and the backup stops without it (%s)" % DOC_GROUPS),
        _required_group(groups, "lync_backup_servers",
                        "put the server that holds the backup share in the group lync_backup_servers: without it "
                        "the backup manages the set from a Front End, and verification, preparation and recovery "
                        "read the set from a Front End or from the server being rebuilt (%s)" % DOC_GROUPS,
                        needs=BAD_DAY),
    ]
    replacements = _members(groups, "lync_replacement_servers")
    found.append(record(INVENTORY, "group lync_replacement_servers", PASS,
                        ", ".join(replacements) if replacements else
                        "empty (usual until a server must be replaced; lync_prepare_hosts can name it then)",
                        needs=BAD_DAY))
    return found


# --------------------------------------------------------------------------- each host

# The payload door (plugin_utils/payload.py) turns an unreachable host into a task failure with this text.
DOOR_UNREACHABLE = ": host unreachable: "


def _unreachable(result):
    result = result or {}
    return bool(result.get("unreachable")) or (bool(result.get("failed")) and DOOR_UNREACHABLE in str(result.get("msg")))


def _failed(result):
    return bool((result or {}).get("failed"))


def _skipped(result):
    return result is None or bool(result.get("skipped"))


def _message(result):
    """The first line of a failed or unreachable result's message (after the door's "host unreachable")."""
    text = str((result or {}).get("msg") or "no message").strip()
    if text.startswith("MODULE FAILURE") and str((result or {}).get("module_stderr") or "").strip():
        # The module never started (e.g. become runas could not create its process): its stderr says why.
        text = str(result["module_stderr"]).strip()
    text = text.split(DOOR_UNREACHABLE, 1)[-1]
    return text.splitlines()[0] if text else "no message"


def answered(result):
    """Whether lync_facts read the host (the connection works and the host probe ran)."""
    return not _skipped(result) and not _unreachable(result) and not _failed(result)


def _connection_fix(host):
    return ("make WinRM answer on %s (a listener on 5985/5986: `winrm quickconfig`, or Test-WSMan %s from another "
            "server), check ansible_user / ansible_password and the connection variables, and that the host is "
            "running (%s)" % (host, host, DOC_CONNECTION))


def _windows_version(text):
    match = WINDOWS_VERSION_RE.match(str(text or ""))
    return (int(match.group(1)), int(match.group(2))) if match else None


def host_records(host, result, front_end):
    """The connection, the Windows release and (where Lync runs) the management shell, from lync_facts."""
    if _skipped(result):
        return [record(host, "connection", NOT_CHECKED, "not probed (the host probe was skipped)")]
    if _unreachable(result):
        return [record(host, "connection", FAIL, "unreachable: %s" % _message(result), _connection_fix(host))]
    if _failed(result):
        return [record(host, "connection", FAIL, "the host answered but its probe failed: %s" % _message(result),
                       "read the message; every host needs PowerShell 5.1 or later and .NET Framework 4.6 or later "
                       "(Windows Management Framework 5.1 on Windows Server 2008 R2, 2012 and 2012 R2), and the "
                       "connection's user must be a local administrator (%s)" % DOC_CONNECTION)]
    lync_host = ((result.get("ansible_facts") or {}).get("lync_host")) or {}
    found = [record(host, "connection", PASS, "answered as %s" % (lync_host.get("fqdn") or host))]
    os_info = lync_host.get("os") or {}
    version = _windows_version(os_info.get("version"))
    caption = "%s (%s)" % (os_info.get("caption") or "Windows", os_info.get("version") or "version unknown")
    if version is None:
        found.append(record(host, "windows", NOT_CHECKED, "the probe returned no Windows version: %s" % caption))
    elif version < MIN_WINDOWS:
        found.append(record(host, "windows", FAIL, caption,
                            "Lync Server 2013 and later need Windows Server 2008 R2 or later; this host cannot run "
                            "them (docs/clean-server.md)"))
    else:
        found.append(record(host, "windows", PASS, caption))
    shell_record = _shell_record(host, lync_host, front_end)
    if shell_record:
        found.append(shell_record)
    return found


def _product(lync_host):
    """(product, build) of the newest Lync product installed, or (None, None)."""
    builds = []
    for product in lync_host.get("lync_products") or []:
        name, version = factlib.product_from_version(product.get("version"))
        if version:
            builds.append((tuple(int(p) for p in version.split(".")), name, version))
    if not builds:
        return None, None
    dummy, name, version = max(builds)
    return name, version


def _shell_record(host, lync_host, front_end):
    shell = lync_host.get("lync_shell")
    product, build = _product(lync_host)
    if shell:
        what = "%s build %s" % (product or "unknown product", build) if build else "product unknown"
        return record(host, "lync shell", PASS, "%s (module %s)" % (what, shell))
    if front_end:
        return record(host, "lync shell", FAIL, "no Lync Server Management Shell (neither the Lync nor the "
                      "SkypeForBusiness module)%s" % (" although %s is installed" % product if product else ""),
                      "install the Lync Server / Skype for Business Server Management Shell on %s (Deployment Wizard, "
                      "Install Administrative Tools), or take it out of lync_front_ends, which holds only Front End "
                      "and Standard Edition servers (%s)" % (host, DOC_GROUPS))
    return None


# --------------------------------------------------------------------------- the backup share

def last_complete(result):
    """The newest complete set a backup_set_info listing names, or None."""
    for info in (result or {}).get("sets") or []:
        if info.get("status") == "complete":
            return info
    return None


# The lowest Release value of .NET Framework 4.6.2 ("Determine which .NET Framework versions are installed",
# https://learn.microsoft.com/dotnet/framework/migration-guide/how-to-determine-which-versions-are-installed).
DOTNET_462_RELEASE = 394802


def dotnet_records(registered):
    """.NET Framework 4.6.2 or later on each backup server: the close hashes the set there through \\\\?\\ paths,
    which earlier versions refuse ("Illegal characters in path"). registered: the looped win_reg_stat results of
    the NDP\\v4\\Full Release value, one per backup server (loop variable preflight_dotnet_host)."""
    fix = ("install .NET Framework 4.8 (4.6.2 at least) on %s: the backup's close reads every file of the set there "
           "through extended-length (\\\\?\\) paths, which earlier versions refuse, so every item of the set would "
           "fail at the close (https://learn.microsoft.com/dotnet/framework/install/guide-for-administrators)")
    found = []
    for result in registered or []:
        result = result or {}
        host = result.get(result.get("ansible_loop_var") or "item")
        if _unreachable(result):
            found.append(record(host, ".net framework", FAIL, "%s did not answer: %s" % (host, _message(result)),
                                _connection_fix(host)))
        elif _failed(result):
            found.append(record(host, ".net framework", FAIL, "not read: %s" % _message(result), fix % host))
        elif not result.get("exists"):
            found.append(record(host, ".net framework", FAIL, "no .NET Framework 4.5 or later (no Release value under "
                                "NDP\\v4\\Full)", fix % host))
        else:
            try:
                release = int(result.get("value"))
            except (TypeError, ValueError):
                release = -1
            if release >= DOTNET_462_RELEASE:
                found.append(record(host, ".net framework", PASS, "4.6.2 or later (Release %d): the set's long paths "
                                    "can be read" % release))
            else:
                found.append(record(host, ".net framework", FAIL, "older than 4.6.2 (Release %s)" % result.get("value"),
                                    fix % host))
    return found


def share_records(results, root, user, become):
    """The network identity lists the sets on the backup share from each backup server.

    results is a list of {host, result}: lync_backup_set_info (root only: list the sets) on each
    backup server with become runas as the network identity, as the backup reaches the share.
    """
    who = user if become else "the connection's user (lync_network_become is false)"
    fix_rights = ("give %s Change on the share and Modify (NTFS) on the folder of %s, check that the share exists and "
                  "that lync_backup_root names it (%s; docs/backup.md)" % (who or "lync_network_user", root, DOC_IDENTITY))
    if not results:
        where = root or "the share"
        return [record(DEPLOYMENT, "backup share", NOT_CHECKED,
                       "no backup server (lync_backup_servers) or Front End in the play to read %s from" % where)]
    found = []
    for entry in results:
        host = entry.get("host")
        result = entry.get("result")
        if _skipped(result):
            found.append(record(host, "backup share", NOT_CHECKED, "not read: lync_backup_root is not set"))
        elif _unreachable(result):
            found.append(record(host, "backup share", FAIL, "%s did not answer: %s" % (host, _message(result)),
                                _connection_fix(host)))
        elif _failed(result):
            found.append(record(host, "backup share", FAIL, "%s cannot list %s from %s: %s"
                                % (who, root, host, _message(result)), fix_rights))
        else:
            sets = result.get("sets") or []
            newest = last_complete(result)
            detail = "%s lists %s from %s: %d set(s)" % (who, root, host, len(sets))
            if newest:
                size = backup_plan.human_size(int(newest.get("bytes") or 0))
                detail += ", the last complete one %s is %s" % (newest.get("set_id"), size)
            else:
                detail += ", none complete yet"
            if result.get("lock"):
                detail += "; a backup lock is held (a run is going on, or one died: the next run takes over a lock "
                detail += "older than backup_lock_max_age)"
            found.append(record(host, "backup share", PASS, detail))
    return found


# --------------------------------------------------------------------------- DNS and DHCP pins

def network_records(host, pins, dns, dhcp):
    """The DNS records and DHCP options the host's pins name can be read, as the preparation reads them.

    pins is {pinned, dns_server, dns_probe_host, dhcp_server}; dns and dhcp are the registered
    lync_network_info results (skipped when the pins name no DNS or DHCP).
    """
    pins = pins or {}
    if not boolean(pins.get("pinned"), strict=False):
        return []
    found = []
    server, probe = pins.get("dns_server"), pins.get("dns_probe_host") or host
    if server and not _skipped(dns):
        if _unreachable(dns):
            found.append(record(host, "dns pins", FAIL, "not read: %s, the host that asks DNS server %s, did not answer: "
                                "%s" % (probe, server, _message(dns)),
                                "make %s answer, or set lync_dns_probe_host to a Windows Server 2012 or later host that "
                                "reaches DNS server %s (%s)" % (probe, server, DOC_PINS_READ), needs=BAD_DAY))
        elif _failed(dns):
            message = _message(dns)
            if "Resolve-DnsName" in message:
                fix = ("set lync_dns_probe_host to a Windows Server 2012 or later host that reaches DNS server %s (%s)"
                       % (server, DOC_PINS_READ))
            else:
                fix = ("make DNS server %s answer DNS queries from %s for the pinned names (Resolve-DnsName <name> "
                       "-Server %s on %s), or correct the pinned dns.server (docs/pins.md), or set lync_dns_probe_host "
                       "to a host that reaches it (%s)" % (server, probe, server, probe, DOC_PINS_READ))
            found.append(record(host, "dns pins", FAIL, message, fix, needs=BAD_DAY))
        else:
            found.append(record(host, "dns pins", PASS, "DNS server %s answered %s (%d record(s) found)"
                                % (server, probe, len(dns.get("dns_records") or [])), needs=BAD_DAY))
    server = pins.get("dhcp_server")
    if server and not _skipped(dhcp):
        fix = ("make %s answer, and give the connection's user (ansible_user) read access to its DHCP server (the group "
               "DHCP Users on %s) with the DHCP Server service running (%s)" % (server, server, DOC_PINS_READ))
        if _unreachable(dhcp):
            found.append(record(host, "dhcp pins", FAIL, "not read: DHCP server %s did not answer: %s"
                                % (server, _message(dhcp)), fix, needs=BAD_DAY))
        elif _failed(dhcp):
            found.append(record(host, "dhcp pins", FAIL, _message(dhcp), fix, needs=BAD_DAY))
        elif dhcp.get("dhcp_missing_scopes"):
            found.append(record(host, "dhcp pins", FAIL, "DHCP server %s has no scope %s"
                                % (server, ", ".join(dhcp["dhcp_missing_scopes"])),
                                "correct the pinned dhcp.scopes or dhcp.server (docs/pins.md)", needs=BAD_DAY))
        else:
            found.append(record(host, "dhcp pins", PASS, "read %d option(s) on %s"
                                % (len(dhcp.get("dhcp_options") or []), server), needs=BAD_DAY))
    return found


# --------------------------------------------------------------------------- SQL Server and free space

DOC_SQL_RIGHTS = 'docs/backup.md, "SQL Server rights"'
DOC_SQL_CHECKS = 'docs/preflight.md, "SQL Server and free space"'
OS_ERROR_ACCESS = "Operating system error 5("


def sql_targets(result):
    """The SQL Server instances of one host the backup backs up, from its lync_facts result: [{instance (the name
    facts give), sql_instance ("" for the default instance, as lync_sql_backup takes it), databases (the backup's
    selection: the catalog's databases on that instance, never the transient ones), service_account}]."""
    if not answered(result):
        return []
    lync_host = ((result.get("ansible_facts") or {}).get("lync_host")) or {}
    found = []
    for inst in lync_host.get("sql_instances") or []:
        name = str(inst.get("name") or "")
        if not inst.get("lync_databases") or name.upper() in catalog.LOCAL_STORE_INSTANCES:
            continue
        databases = [db for db in inst["lync_databases"] if (catalog.lookup(db) is not None
                                                             and catalog.lookup(db).backup != "never")]
        if not databases:
            continue  # only transient databases: the backup plans no SQL item there
        found.append({"instance": name, "sql_server": str(lync_host.get("fqdn") or "").lower() or None,
                      "sql_instance": "" if name.upper() == "MSSQLSERVER" else name,
                      "databases": databases, "service_account": inst.get("service_account")})
    return found


def share_host(root, hosts, facts):
    """The inventory host of the play that holds the share lync_backup_root names (by inventory name, FQDN or short
    name, case-insensitive), or "" when none does or the root is not a UNC path."""
    text = str(root or "")
    if not text.startswith("\\\\") or text.startswith("\\\\?\\"):
        return ""
    server = text[2:].split("\\", 1)[0].lower()
    names = {}
    for host, result in zip(hosts or [], facts or [None] * len(hosts or [])):
        fqdn = str(((((result or {}).get("ansible_facts") or {}).get("lync_host")) or {}).get("fqdn") or "")
        for name in (str(host), fqdn):
            if name:
                names.setdefault(name.lower(), str(host))
                names.setdefault(name.lower().split(".", 1)[0], str(host))
    return names.get(server, "")


def _sql_result(results, instance):
    """The registered lync_sql_check result of one instance in a host's looped task (None when not run)."""
    for result in (results or {}).get("results") or []:
        item = (result or {}).get(result.get("ansible_loop_var") or "item") or {}
        if str(item.get("instance", "")).lower() == str(instance).lower():
            return result
    return None


def _computer_account(account, host):
    """Who a service account is on the network: a virtual account, NETWORK SERVICE or LocalSystem acts as the computer
    account; LOCAL SERVICE presents anonymous credentials (None); a local account is unknown to other servers (None)
    (https://learn.microsoft.com/sql/database-engine/configure-windows/configure-windows-service-accounts-and-permissions,
    https://learn.microsoft.com/windows/win32/services/localservice-account)."""
    text = str(account or "")
    low = text.lower()
    if low in ("nt authority\\localservice", "nt authority\\local service") or low.startswith(".\\") or (
            "\\" in low and low.split("\\", 1)[0] == str(host).split(".", maxsplit=1)[0].lower()):
        return None
    if not text or low.startswith(("nt service\\", "nt authority\\")) or low in ("localsystem", ".\\localsystem"):
        return "the computer account %s$" % str(host).split(".", maxsplit=1)[0].upper()
    return text


def _grant_note(login):
    return (" (to the login %s as the backup connects; when it reaches SQL Server through a Windows group, grant it to "
            "that group's login instead; %s)" % (login, DOC_SQL_RIGHTS))


def _rights_records(host, name, result, verify):
    """The sql rights line of one instance (and, with backup_sql_verify false, the restore test's CREATE DATABASE on
    its own line, needed by verify_backup rather than by the nightly backup), from a lync_sql_check result."""
    login = result.get("login") or "(unknown login)"
    databases = result.get("databases") or []
    restoring = [d["name"] for d in databases if d.get("state") == "RESTORING"]
    judged = [d for d in databases if d.get("state") != "RESTORING"]
    if databases and not judged:
        return [record(host, "sql rights %s" % name, NOT_CHECKED, "every database the backup takes is RESTORING here "
                       "(%s): a mirror copy or an unfinished restore; the backup takes them where they are the principal"
                       % ", ".join(restoring))]
    missing, fixes = [], []
    absent = [d["name"] for d in judged if not d.get("exists")]
    offline = ["%s (%s)" % (d["name"], d.get("state")) for d in judged if d.get("exists") and d.get("state") != "ONLINE"]
    no_backup = [d["name"] for d in judged if d.get("state") == "ONLINE" and d.get("can_backup") != 1]
    if no_backup:
        missing.append("BACKUP DATABASE in %s" % ", ".join(no_backup))
        fixes.append("in each of %s on %s: CREATE USER [%s] FOR LOGIN [%s] (when the login has no user there), then "
                     "EXEC sp_addrolemember N'db_backupoperator', N'%s'" % (", ".join(no_backup), name, login, login, login))
    create_fix = ("on %s: GRANT CREATE ANY DATABASE TO [%s] (or EXEC sp_addsrvrolemember N'%s', N'dbcreator')"
                  % (name, login, login))
    if not result.get("create_database") and verify:
        missing.append("CREATE DATABASE in master (the backup's RESTORE VERIFYONLY (backup_sql_verify) and "
                       "lync.server.verify_backup's RESTORE VERIFYONLY)")
        fixes.append(create_fix)
    if absent:
        missing.append("%s not found on the instance (sys.databases)" % ", ".join(absent))
        fixes.append("check that %s holds %s (lync_facts read them there) and that the login may see them (VIEW ANY "
                     "DATABASE)" % (name, ", ".join(absent)))
    if offline:
        missing.append("not ONLINE: %s" % ", ".join(offline))
        fixes.append("bring %s ONLINE (ALTER DATABASE ... SET ONLINE): BACKUP DATABASE needs it" % ", ".join(offline))
    found = []
    if missing:
        found.append(record(host, "sql rights %s" % name, FAIL, "login %s lacks %s" % (login, "; ".join(missing)),
                            "; ".join(fixes) + _grant_note(login)))
    else:
        detail = "login %s: BACKUP DATABASE in %s%s" % (
            login, ", ".join(d["name"] for d in judged) or "no database",
            "; CREATE DATABASE in master" if result.get("create_database") else "")
        if restoring:
            detail += "; not judged, RESTORING here (a mirror copy or an unfinished restore): %s" % ", ".join(restoring)
        if result.get("sysadmin"):
            detail += (" (as sysadmin: more than the backup needs; db_backupoperator in each database and dbcreator "
                       "are enough, %s)" % DOC_SQL_RIGHTS)
        found.append(record(host, "sql rights %s" % name, PASS, detail))
    if not verify:
        check = "sql restore test rights %s" % name
        if result.get("create_database"):
            found.append(record(host, check, PASS, "login %s: CREATE DATABASE in master (lync.server.verify_backup's "
                                "RESTORE VERIFYONLY)" % login, needs=BAD_DAY))
        else:
            found.append(record(host, check, FAIL, "login %s lacks CREATE DATABASE in master (lync.server."
                                "verify_backup's RESTORE VERIFYONLY; backup_sql_verify is false, so the backup itself "
                                "does not need it)" % login, create_fix + _grant_note(login), needs=BAD_DAY))
    return found


def _service_account_records(host, name, account, result, root, user, listed=True, verify=True):
    """The sql service account line of one instance, from the write probe in a lync_sql_check result; with
    backup_sql_verify false, SQL Server reading the probe back (RESTORE VERIFYONLY) is what a restore needs, not
    the night, so a failed read-back is its own bad-day line beside a passing nightly one."""
    probe = result.get("probe") or {}
    if verify or probe.get("status") != "written" or probe.get("verified_by_sql") is not False:
        return [_service_account_record(host, name, account, result, root, user, listed)]
    nightly = dict(result, probe=dict(probe, verified_by_sql=None))
    who = _computer_account(account, host) or account
    return [_service_account_record(host, name, account, nightly, root, user, listed),
            record(host, "sql restore read %s" % name, FAIL,
                   "SQL Server (%s) wrote the probe backup but could not read it back (RESTORE VERIFYONLY: %s); the "
                   "backup does not ask it to (backup_sql_verify is false), a restore and lync.server.verify_backup do"
                   % (account, probe.get("verify_error")),
                   "give %s Modify (read included) on %s" % (who, root), needs=BAD_DAY)]


def _service_account_record(host, name, account, result, root, user, listed=True):
    """The sql service account line of one instance, from the write probe in a lync_sql_check result."""
    check = "sql service account %s" % name
    who = _computer_account(account, host)
    if who is None:
        shown = "%s (no identity other servers can grant rights to)" % account
    else:
        shown = "%s (%s on the network)" % (account, who) if who != account else str(account)
    probe = result.get("probe") or {}
    status = probe.get("status")
    folder = probe.get("folder") or root
    identity = user or "lync_network_user"
    if who is None:
        share_fix = ("run the SQL Server service as a domain account, a group managed service account or its virtual "
                     "account (SQL Server Configuration Manager), then give that account Change on the share and Modify "
                     "(NTFS) on the folder %s (docs/backup.md)" % root)
    else:
        share_fix = ("give %s Change on the share and Modify (NTFS) on the folder %s: SQL Server writes the backups as "
                     "its service account (docs/backup.md)" % (who, root))
    left = "" if probe.get("removed") else "; the scratch folder %s is left (%s): remove it by hand" % (
        folder, probe.get("remove_error") or "not removed")
    if status == "written":
        problems, fixes = [], []
        if probe.get("verified_by_sql") is False:
            problems.append("SQL Server could not read it back (RESTORE VERIFYONLY: %s)" % probe.get("verify_error"))
            fixes.append("give %s Modify (read included) on %s" % (who or account, root))
        if probe.get("read_by_session") is False:
            problems.append("%s could not read it (%s); the backup hashes every file it writes" % (
                identity, probe.get("read_error")))
            fixes.append("give %s Modify on the folder %s, inherited by the files SQL Server creates (an ACL that lets "
                         "only the files' creator read them is not enough)" % (identity, root))
        if problems:
            return record(host, check, FAIL, "%s wrote a COPY_ONLY backup of %s into %s, but %s%s" % (
                shown, probe.get("database"), folder, "; ".join(problems), left), "; ".join(fixes))
        if not probe.get("removed"):
            return record(host, check, FAIL, "%s wrote into %s%s" % (shown, folder, left), "remove %s by hand" % folder)
        steps = ", SQL Server read it back (RESTORE VERIFYONLY)" if probe.get("verified_by_sql") else ""
        detail = ("%s wrote a COPY_ONLY backup of %s into %s%s, %s read it, removed (msdb records it as a copy-only "
                  "backup, is_copy_only = 1)" % (shown, probe.get("database"), folder, steps, identity))
        return record(host, check, PASS, detail)
    if status == "refused":
        error = str(probe.get("error") or "no message")
        if OS_ERROR_ACCESS in error:
            return record(host, check, FAIL, "%s cannot write to %s: %s%s" % (shown, root, error, left), share_fix)
        return record(host, check, FAIL, "SQL Server could not write a COPY_ONLY backup of %s into %s: %s%s"
                      % (probe.get("database"), folder, error, left),
                      "read SQL Server's message; when it is about access, %s" % share_fix)
    if status == "error":
        return record(host, check, FAIL, "the write probe stopped: %s; the scratch folder %s may be left" % (
            _message({"msg": probe.get("error")}), folder), "read the message, and remove %s if it is there" % folder)
    if status == "share_refused" and not listed:
        return record(host, check, NOT_CHECKED, "not proven: %s could not create the scratch folder %s either (the "
                      "backup share line above says why and what to grant)" % (identity, folder))
    if status == "share_refused":
        return record(host, check, FAIL, "not proven: %s could not create the scratch folder %s: %s"
                      % (identity, folder, probe.get("error")),
                      "give %s Change on the share and Modify (NTFS) on %s (%s)" % (identity, root, DOC_IDENTITY))
    return record(host, check, NOT_CHECKED, "%s may write to %s: not proven (%s)"
                  % (shown, root, probe.get("why") or "the probe did not run"))


def _space_need(share, sql):
    """(bytes the next set needs, what that figure is) from the last complete set, else the databases' files; (None,
    why) when neither is known."""
    newest = [last_complete(e.get("result")) for e in share or []]
    newest = [n for n in newest if n]
    if newest:
        return int(newest[0].get("bytes") or 0), "the last complete set %s" % newest[0].get("set_id")
    total, unknown, instances = 0, 0, 0
    for entry in sql:
        result = entry["result"]
        instances += 1
        total += int(result.get("bytes") or 0)
        unknown += 0 if result.get("sizes_known") else 1
    if not instances:
        return None, "no complete set yet, and no SQL Server instance's database sizes were read"
    if unknown:
        return None, ("no complete set yet, and %d instance(s) did not show their database sizes (sys.master_files "
                      "needs CREATE DATABASE, ALTER ANY DATABASE or VIEW ANY DEFINITION: see the sql rights lines)"
                      % unknown)
    return total, ("an estimate from the data files of the Lync databases on %d instance(s) (sys.master_files, "
                   "allocated size: a full backup holds the used part; no complete set yet; the file stores are not "
                   "counted)" % instances)


def space_record(root, host, result, share, sql):
    """free space: the volume holding the share against what the next set needs."""
    where = root or "the backup share"
    if not root:
        return record(DEPLOYMENT, "free space", NOT_CHECKED, "lync_backup_root is not set")
    if not host or _skipped(result):
        return record(DEPLOYMENT, "free space", NOT_CHECKED,
                      "no host of the play holds %s: on the server that does, compare (Get-CimInstance Win32_Volume)."
                      "FreeSpace of its volume with the size of the last complete set" % where)
    if _unreachable(result) or _failed(result):
        return record(host, "free space", FAIL, "not read: %s" % _message(result),
                      "read the message; %s must answer and hold the share %s (%s)" % (host, where, DOC_SQL_CHECKS))
    need, what = _space_need(share, sql)
    free = int(result.get("free_bytes") or 0)
    volume = "%s on %s (%s)" % (result.get("volume"), host, where)
    human = backup_plan.human_size
    if need is None:
        return record(host, "free space", NOT_CHECKED, "%s free on %s; %s" % (human(free), volume, what))
    detail = "%s free on %s; the next set needs about %s, %s" % (human(free), volume, human(need), what)
    if free >= need:
        return record(host, "free space", PASS, detail)
    short = need - free
    return record(host, "free space", FAIL, "%s: short by %s" % (detail, human(short)),
                  "free at least %s on %s (%s): a new set is written before retention removes older ones; or lower "
                  "backup_keep_sets / backup_keep_days, or move lync_backup_root to a volume with at least %s free"
                  % (human(short), result.get("volume"), where, human(need)))


def sql_records(hosts, inputs, root, user, share):
    """The sql rights and sql service account lines of every instance holding Lync databases, and the free space.

    hosts is {host: lync_facts result} in play order; inputs is what roles/preflight/tasks/sql_checks.yml gathered
    (None when it did not run): sql (one registered lync_sql_check loop per host), space_host, space (the registered
    lync_share_space result), verify (backup_sql_verify); share as for share_records.
    """
    inputs = inputs or {}
    verify = boolean(inputs.get("verify", True), strict=False)
    # When the network identity could not even list the share, that line already fails with the fix; a probe
    # refused the same way is not a second failure.
    listed = not [e for e in share or [] if _failed(e.get("result")) or _unreachable(e.get("result"))]
    per_host = _per_host(inputs, "sql", len(hosts))
    found, read = [], []
    for (host, result), registered in zip(hosts.items(), per_host):
        for target in sql_targets(result):
            name = "%s\\%s" % (host, target["instance"])
            sql = _sql_result(registered, target["instance"])
            account = target["service_account"]
            if _skipped(sql):
                found.append(record(host, "sql rights %s" % name, NOT_CHECKED, "not read (%s)" % DOC_NOT_YET))
                found.append(record(host, "sql service account %s" % name, NOT_CHECKED, "not read"))
                continue
            if _unreachable(sql) or _failed(sql):
                message = _message(sql)
                if "Login failed" in message:
                    fix = ("create a login on %s for the account the backup connects with (%s from another server, the "
                           "connection's user on the SQL Server itself): CREATE LOGIN [DOMAIN\\account] FROM WINDOWS, "
                           "then grant the rights in %s" % (name, user or "lync_network_user", DOC_SQL_RIGHTS))
                else:
                    fix = "read the message: the SQL Server service of %s must run and accept Windows logins (%s)" % (
                        name, DOC_SQL_RIGHTS)
                found.append(record(host, "sql rights %s" % name, FAIL, "not read: %s" % message, fix))
                found.append(record(host, "sql service account %s" % name, NOT_CHECKED, "not proven: the instance could "
                                    "not be read"))
                continue
            read.append({"host": host, "result": sql})
            found.extend(_rights_records(host, name, sql, verify))
            found.extend(_service_account_records(host, name, account, sql, root, user, listed, verify))
    found.append(space_record(root, inputs.get("space_host") or "", inputs.get("space"), share, read))
    return found


# --------------------------------------------------------------------------- each host: PowerShell, token, seclogon,
# rights, double hop (ansible.windows.win_whoami, ansible.windows.win_service_info, the host probe, and the topology
# read and share listing as the network identity)

# Ansible's own requirement for a Windows host, and what the payloads are tested against.
MIN_POWERSHELL = (5, 1)
DOC_WINDOWS_SETUP = "https://docs.ansible.com/ansible/latest/os_guide/windows_setup.html"
DOC_WMF51 = "https://learn.microsoft.com/powershell/scripting/windows-powershell/wmf/setup/install-configure"
# BUILTIN\Administrators, and the mandatory labels of an elevated token (High, System)
# (https://learn.microsoft.com/windows/win32/secauthz/well-known-sids).
ADMINISTRATORS_SID = "S-1-5-32-544"
ELEVATED_LABELS = ("S-1-16-12288", "S-1-16-16384")
DOC_UAC_REMOTE = ("https://learn.microsoft.com/troubleshoot/windows-server/windows-security/"
                  "user-account-control-and-remote-restriction")
# "Backup and restoration requirements: tools and permissions" (Lync Server 2013): RTCUniversalServerAdmins for
# every backup and restore command (most do not support RBAC); CsPersistentChatAdministrator for
# Export-/Import-CsPersistentChatData; local Administrators for the Deployment Wizard.
DOC_LYNC_PERMISSIONS = "https://technet.microsoft.com/en-us/library/Hh202171(v=OCS.15)"
RTC_ADMINS = "RTCUniversalServerAdmins"
PCHAT_ADMINS = "CsPersistentChatAdministrator"
# Ansible's runas become plugin: "The Secondary Logon service (seclogon) must be running to use runas"; the
# service's default start type is Manual, and Windows starts it when a process is created with other credentials.
DOC_RUNAS = "https://docs.ansible.com/ansible/latest/collections/ansible/builtin/runas_become.html"
DOC_SECOND_HOP = "https://learn.microsoft.com/powershell/scripting/security/remoting/ps-remoting-second-hop"
POWERSHELL_VERSION_RE = re.compile(r"(\d+)\.(\d+)")


def _lync_host(result):
    return (((result or {}).get("ansible_facts") or {}).get("lync_host")) or {}


# What a host older than PowerShell 5.1 answers before any module runs: ansible-core's bootstrap_wrapper.ps1
# ("Ansible requires PowerShell v5.1"), or on older ansible-core the parser's refusal of win_powershell's
# `using namespace` (PowerShell 5.0 syntax).
POWERSHELL_REFUSALS = ("Ansible requires PowerShell", "'using' keyword is not supported")


def _powershell_fix(host):
    return ("install Windows Management Framework 5.1 on %s (Windows Server 2016 and later ship it; the collection "
            "also needs .NET Framework 4.6.2 or later, 4.8 recommended) and restart it: Ansible needs Windows "
            "PowerShell 5.1 on a Windows host (%s; %s; %s)" % (host, DOC_WMF51, DOC_WINDOWS_SETUP, DOC_CONNECTION))


def powershell_record(host, facts_result):
    """Windows PowerShell 5.1 or later (Desktop edition): the one the host probe ran under (win_powershell's)."""
    if _failed(facts_result) and not _unreachable(facts_result) and \
            any(text in str(facts_result.get("msg") or "") for text in POWERSHELL_REFUSALS):
        return record(host, "powershell", FAIL, "older than 5.1: the host refuses every module (%s)"
                      % _message(facts_result), _powershell_fix(host))
    if not answered(facts_result):
        return None  # the connection record says why
    text = _lync_host(facts_result).get("powershell_version")
    edition = _lync_host(facts_result).get("powershell_edition") or "Desktop"
    match = POWERSHELL_VERSION_RE.match(str(text or ""))
    if not match:
        return record(host, "powershell", NOT_CHECKED, "the host probe returned no PowerShell version")
    if str(edition).lower() != "desktop":
        return record(host, "powershell", FAIL, "PowerShell %s %s runs the payloads" % (edition, text),
                      "run the payloads in Windows PowerShell 5.1 (powershell.exe, the default endpoint "
                      "Microsoft.PowerShell): the Lync / Skype for Business module is a Windows PowerShell module; "
                      "remove ansible_psrp_configuration_name or ansible_pwsh_interpreter for %s (%s)"
                      % (host, DOC_CONNECTION))
    if (int(match.group(1)), int(match.group(2))) < MIN_POWERSHELL:
        return record(host, "powershell", FAIL, "Windows PowerShell %s runs the payloads" % text,
                      _powershell_fix(host))
    return record(host, "powershell", PASS, "Windows PowerShell %s" % text)


def _account(whoami):
    account = (whoami or {}).get("account") or {}
    name = account.get("account_name") or ""
    return "%s\\%s" % (account["domain_name"], name) if account.get("domain_name") else (name or "the connection's user")


def _token_groups(whoami):
    return [g for g in (whoami or {}).get("groups") or [] if isinstance(g, dict)]


def _read_failed(host, check, result, what):
    """None when result answered; else a record (NOT CHECKED) or None for an unreachable host."""
    if _skipped(result) or _unreachable(result):
        return None, True
    if _failed(result):
        return record(host, check, NOT_CHECKED, "%s failed: %s" % (what, _message(result))), True
    return None, False


def admin_record(host, whoami):
    """The connection's user is a local administrator, with an elevated token (win_whoami: groups and label)."""
    failed, stop = _read_failed(host, "local administrators", whoami, "win_whoami")
    if stop:
        return failed
    who = _account(whoami)
    admins = next((g for g in _token_groups(whoami) if str(g.get("sid")).upper() == ADMINISTRATORS_SID), None)
    label = (whoami.get("label") or {})
    label_text = label.get("account_name") or label.get("sid") or "no label"
    if admins is None:
        return record(host, "local administrators", FAIL, "%s is not in the local Administrators group of %s"
                      % (who, host),
                      "add %s to the local Administrators group of %s (Add-LocalGroupMember -Group Administrators -Member "
                      "%s; on Windows Server 2012 R2 and older: net localgroup Administrators %s /add), directly or "
                      "through a domain group, then connect again: the payloads read the registry, services and the "
                      "local SQL Server, and the recovery runs the Deployment Wizard, which needs it (%s; %s)"
                      % (who, host, who, who, DOC_LYNC_PERMISSIONS, DOC_CONNECTION))
    enabled = "Enabled" in (admins.get("attributes") or [])
    if not enabled or str(label.get("sid")).upper() not in ELEVATED_LABELS:
        return record(host, "local administrators", FAIL,
                      "%s is in Administrators but the session's token is filtered (Administrators %s, label %s)"
                      % (who, ", ".join(admins.get("attributes") or []) or "without attributes", label_text),
                      "connect with a domain account that is in Administrators (WinRM gives a domain administrator an "
                      "elevated token); a local account other than Administrator is filtered by UAC's remote "
                      "restrictions unless LocalAccountTokenFilterPolicy is 1 (%s)" % DOC_UAC_REMOTE)
    return record(host, "local administrators", PASS, "%s is a local administrator (elevated token, %s)"
                  % (who, label_text))


def seclogon_record(host, services, become):
    """The Secondary Logon service that become runas needs: running, or startable (start mode not disabled)."""
    failed, stop = _read_failed(host, "secondary logon", services, "win_service_info")
    if stop:
        return failed
    if not become:
        return record(host, "secondary logon", PASS, "not used: lync_network_become is false (no become runas)")
    found = [s for s in services.get("services") or [] if str(s.get("name")).lower() == "seclogon"]
    fix = ("set the Secondary Logon service on %s to start: Set-Service -Name seclogon -StartupType Manual (its "
           "default), or undo the Group Policy or hardening baseline that disables it; become runas "
           "(logon_type=new_credentials), which carries lync_network_user to other servers, cannot start a process "
           "without it (%s; docs/architecture.md, \"Network identity\")" % (host, DOC_RUNAS))
    if not found:
        return record(host, "secondary logon", FAIL, "no Secondary Logon service (seclogon) on %s" % host, fix)
    service = found[0]
    mode, state = str(service.get("start_mode") or "unknown"), str(service.get("state") or "unknown")
    if mode.lower() == "disabled":
        return record(host, "secondary logon", FAIL, "seclogon is disabled (%s)" % state, fix)
    if state.lower() == "started":
        return record(host, "secondary logon", PASS, "seclogon is running (start mode %s)" % mode)
    return record(host, "secondary logon", PASS, "seclogon is %s, start mode %s: Windows starts it when runas "
                  "needs it" % (state, mode))


def _group_names(whoami):
    """The names of the token's enabled groups."""
    return {str(g.get("account_name") or "").lower() for g in _token_groups(whoami)
            if "Enabled" in (g.get("attributes") or [])}


def _unnamed_groups(whoami):
    """Token groups win_whoami could not name (LookupAccountSid failed: account_name null or type Unknown)."""
    return [g.get("sid") for g in _token_groups(whoami)
            if g.get("account_name") is None or str(g.get("type")) == "Unknown"]


def persistent_chat(deployment):
    """Whether the deployment has a Persistent Chat pool (or its database); None when unknown."""
    if not deployment:
        return None
    if any("PersistentChatServer" in (p.get("roles") or []) for p in deployment.get("pools") or []):
        return True
    return any("PersistentChatDatabase" in (s.get("roles") or []) for s in deployment.get("sql_stores") or [])


def _deployment(topology):
    for result in topology:
        deployment = ((result or {}).get("ansible_facts") or {}).get("lync_deployment") if answered(result) else None
        if deployment:
            return deployment
    return None


def rights_records(host, whoami, pchat, pchat_export=True):
    """On a Front End, the connection's user (which runs the Cs cmdlets there) holds RTCUniversalServerAdmins, and
    CsPersistentChatAdministrator where Persistent Chat exists (win_whoami: the session token's groups)."""
    failed, stop = _read_failed(host, "rights", whoami, "win_whoami")
    if stop:
        return [failed] if failed else []
    who = _account(whoami)
    groups = _group_names(whoami)
    sam = who.rsplit("\\", maxsplit=1)[-1]
    unnamed = _unnamed_groups(whoami)
    relogon = ("then let it log on again (a group reaches the token at logon; with a Kerberos ticket cache on the "
               "controller, get a new ticket: kdestroy/kinit; allow for AD replication)")
    found = []
    if RTC_ADMINS.lower() in groups:
        found.append(record(host, "rights", PASS, "%s is in %s (the backup's Cs cmdlets)" % (who, RTC_ADMINS)))
    elif unnamed:
        found.append(record(host, "rights", NOT_CHECKED, "%s in %s: %d group SID(s) of its token could not be named "
                            "on %s (%s)" % (who, RTC_ADMINS, len(unnamed), host, ", ".join(str(u) for u in unnamed))))
    else:
        found.append(record(host, "rights", FAIL, "%s is not in %s (its session token on %s has no such group)"
                            % (who, RTC_ADMINS, host),
                            "add %s to the universal group %s (Add-ADGroupMember -Identity %s -Members %s), %s: "
                            "Export-CsConfiguration, Export-CsUserData and the other backup and restore cmdlets run "
                            "only for its members, and most do not support RBAC (%s)"
                            % (who, RTC_ADMINS, RTC_ADMINS, sam, relogon, DOC_LYNC_PERMISSIONS)))
    if pchat is None:
        found.append(record(host, "rights", NOT_CHECKED, "%s in %s: whether Persistent Chat exists is unknown (the "
                            "topology was not read)" % (who, PCHAT_ADMINS)))
    elif not pchat:
        found.append(record(host, "rights", PASS, "%s not needed: the topology has no Persistent Chat pool" % PCHAT_ADMINS))
    elif not pchat_export:
        found.append(record(host, "rights", PASS, "%s not needed nightly: backup_persistent_chat_export is false (the "
                            "SQL backup of mgc still runs)" % PCHAT_ADMINS))
    elif PCHAT_ADMINS.lower() in groups:
        found.append(record(host, "rights", PASS, "%s is in %s (Export-CsPersistentChatData)" % (who, PCHAT_ADMINS)))
    else:
        found.append(record(host, "rights", FAIL, "%s is not in %s, and the topology has Persistent Chat"
                            % (who, PCHAT_ADMINS),
                            "add %s to %s (Add-ADGroupMember -Identity %s -Members %s), %s: "
                            "Export-CsPersistentChatData and Import-CsPersistentChatData must be run by a member; or "
                            "set backup_persistent_chat_export: false (the SQL backup of mgc still runs) (%s)"
                            % (who, PCHAT_ADMINS, PCHAT_ADMINS, sam, relogon, DOC_LYNC_PERMISSIONS)))
    return found


def _transports(value):
    if isinstance(value, (list, tuple)):
        return [str(v).lower() for v in value]
    return [t.strip().lower() for t in str(value or "").split(",") if t.strip()]


def carrier(become, user, connection):
    """What carries the network identity to a second server: become runas (the roles' default), or the connection's
    own delegation (CredSSP, Kerberos delegation), or nothing (None)."""
    if become:
        return "become runas (logon_type=new_credentials) as %s" % (user or "lync_network_user")
    connection = connection or {}
    transports = _transports(connection.get("winrm_transport"))
    psrp_auth = str(connection.get("psrp_auth") or "").lower()
    if "credssp" in transports or psrp_auth == "credssp":
        return "CredSSP (the connection's user)"
    if ("kerberos" in transports and boolean(connection.get("kerberos_delegation") or False, strict=False)) or \
            (psrp_auth in ("kerberos", "negotiate") and boolean(connection.get("psrp_delegate") or False, strict=False)):
        return "Kerberos delegation (the connection's user)"
    return None


def _same_host(fqdn, host, lync_host):
    names = {str(host).lower(), str(lync_host.get("fqdn") or "").lower()}
    return str(fqdn or "").lower() in names


def double_hop_records(host, facts_result, front_end, deployment, topology, reach, become, user, root, connection):
    """From a host that needs them, the network identity reaches the CMS's SQL Server (Front Ends: the topology read
    with the roles' credentials) and the backup share (every host that writes there: Front Ends, SQL Server hosts of
    Lync databases, file servers of file stores: a listing of the root with the same credentials)."""
    if not answered(facts_result):
        return []
    lync_host = _lync_host(facts_result)
    shell = bool(lync_host.get("lync_shell"))
    file_server = any(_same_host(f.get("fqdn"), host, lync_host) for f in (deployment or {}).get("file_stores") or [])
    writes = (front_end and shell) or bool(sql_targets(facts_result)) or file_server
    if not writes:
        return []
    how = carrier(become, user, connection)
    who = (user or "lync_network_user") if become else "the connection's user"
    none_fix = ("nothing carries credentials to a second server from %s: set lync_network_become: true (the default) "
                "with lync_network_user and lync_network_password, or connect with CredSSP "
                "(ansible_winrm_transport: credssp) or Kerberos delegation (ansible_winrm_kerberos_delegation: true) "
                "(%s; %s)" % (host, DOC_IDENTITY, DOC_SECOND_HOP))
    found = []
    if front_end and shell:
        cms = (_deployment([topology]) or {}).get("cms") or {}
        target = "the Central Management store%s" % (
            " (%s\\%s)" % (cms.get("sql_fqdn"), cms.get("sql_instance")) if cms.get("sql_fqdn") else "")
        if _skipped(topology) or _unreachable(topology):
            found.append(record(host, "double hop", NOT_CHECKED, "%s: the topology was not read from %s" % (target, host)))
        elif _failed(topology):
            found.append(record(host, "double hop", FAIL, "%s cannot read the topology from %s with %s: %s"
                                % (who, host, how or "no network credentials", _message(topology)),
                                none_fix if how is None else
                                "give %s RTCUniversalServerAdmins and a login on the CMS's SQL Server instance, check "
                                "lync_network_password (become runas new_credentials checks it only when a second "
                                "server is reached) and the Secondary Logon service on %s (%s)"
                                % (who, host, DOC_IDENTITY)))
        elif cms.get("sql_fqdn") and _same_host(cms["sql_fqdn"], host, lync_host):
            found.append(record(host, "double hop", PASS, "%s is on %s itself (no second hop)" % (target, host)))
        else:
            found.append(record(host, "double hop", PASS, "%s reads the topology from %s: %s carries it"
                                % (who, target, how or "the connection")))
    if not root:
        return found
    if _skipped(reach) or _unreachable(reach):
        found.append(record(host, "double hop", NOT_CHECKED, "%s: not listed from %s" % (root, host)))
    elif _failed(reach):
        found.append(record(host, "double hop", FAIL, "%s cannot list %s from %s with %s: %s"
                            % (who, root, host, how or "no network credentials", _message(reach)),
                            none_fix if how is None else
                            "give %s Change on the share and Modify (NTFS) on the folder of %s, check "
                            "lync_network_password (become runas new_credentials checks it only when a second server "
                            "is reached) and the Secondary Logon service on %s (%s)" % (who, root, host, DOC_IDENTITY)))
    else:
        found.append(record(host, "double hop", PASS, "%s lists %s from %s: %s carries it"
                            % (who, root, host, how or "the connection")))
    return found


def network_user_rights_record(user, whoami_results):
    """The network identity's own groups are not in any token the preflight reads: said, when it is another account
    than the connection's user (the roles' work on other servers, such as an Enterprise Edition CMS, runs as it)."""
    read = [w for w in whoami_results if w and not _skipped(w) and not _failed(w) and not _unreachable(w)]
    found = [record(DEPLOYMENT, "rights", NOT_CHECKED, "setup permissions for the recovery: Enable-CsTopology needs a "
                    "domain administrator unless setup permissions were delegated (Grant-CsSetupPermission; "
                    "Test-CsSetupPermission -ComputerOu <OU of the Lync servers> says), and Install-CsDatabase "
                    "sysadmin on the instance", needs=BAD_DAY)]
    text = str(user or "").strip().lower()
    if not text or not read:
        return found
    if "@" in text:  # a UPN: compare with the token's UPN
        same = {str(w.get("upn") or "").lower() for w in read} == {text}
    elif "\\" in text:  # DOMAIN\name
        same = {_account(w).lower() for w in read} == {text}
    else:
        same = {_account(w).rsplit("\\", maxsplit=1)[-1].lower() for w in read} == {text}
    if same:
        return found
    unread = ("%s (lync_network_user, not the connection's user) in %s and, where Persistent Chat exists, %s: its "
              "token is not read; use the same account for both, or check its groups by hand"
              % (user, RTC_ADMINS, PCHAT_ADMINS))
    return found + [record(DEPLOYMENT, "rights", NOT_CHECKED, unread)]


# PowerShell module logging ("Turn on Module Logging", about_Group_Policy_Settings) records every parameter binding of
# the modules it names in event 4103, values included: Register-ScheduledTask -Password (module ScheduledTasks), which
# a detached job calls with the network identity's password
# (https://learn.microsoft.com/powershell/module/microsoft.powershell.core/about/about_group_policy_settings ,
#  https://learn.microsoft.com/powershell/module/microsoft.powershell.core/about/about_logging_windows).
LOGGED_MODULES = ("*", "scheduledtasks")


def module_logging_record(host, enabled, names, detached):
    """FAIL where a detached job would run and module logging covers ScheduledTasks: its task's password would be
    written to the PowerShell event log. enabled/names: win_reg_stat of ...\\ModuleLogging and ...\\ModuleNames."""
    if not detached or not isinstance(enabled, dict) or not answered(enabled):
        return None  # not read: the host's other checks already say why
    value = ((enabled.get("properties") or {}).get("EnableModuleLogging") or {}).get("value")
    properties = (names or {}).get("properties") or {} if isinstance(names, dict) else {}
    covered = sorted({str((v or {}).get("value") or "") for v in properties.values()
                      if str((v or {}).get("value") or "").strip().lower() in LOGGED_MODULES})
    if str(value) != "1" or not covered:
        return None  # nothing logs the task's password
    return record(host, "module logging", FAIL,
                  "PowerShell module logging is on for %s: a detached SQL backup registers its task with "
                  "Register-ScheduledTask -Password, and event 4103 would record the network identity's password"
                  % ", ".join(covered),
                  "set backup_detached: false (the SQL backups then run in the WinRM session), or exclude "
                  "ScheduledTasks from \"Turn on Module Logging\" (ModuleNames) on %s" % host)


def host_check_records(hosts, inputs, front_ends, user, root, become):
    """Every host check of this section, per host in play order, then the network identity's rights line."""
    count = len(hosts)
    keys = ("facts", "whoami", "seclogon", "topology", "reach", "connection", "module_logging", "module_names")
    per_host = {key: _per_host(inputs, key, count) for key in keys}
    deployment = _deployment(per_host["topology"])
    pchat = persistent_chat(deployment)
    pchat_export = boolean((inputs.get("settings") or {}).get("persistent_chat_export", True), strict=False)
    found = []
    for index, host in enumerate(hosts):
        facts_result = per_host["facts"][index]
        if not answered(facts_result):
            refused = powershell_record(host, facts_result)  # a host too old to run any module
            found.extend([refused] if refused else [])
            continue
        front_end = host in front_ends
        for rec in (powershell_record(host, facts_result), admin_record(host, per_host["whoami"][index]),
                    seclogon_record(host, per_host["seclogon"][index], become)):
            if rec:
                found.append(rec)
        if front_end and _lync_host(facts_result).get("lync_shell"):
            found.extend(rights_records(host, per_host["whoami"][index], pchat, pchat_export))
        if sql_targets(facts_result):  # the hosts that run SQL backups, detached
            logged = module_logging_record(host, per_host["module_logging"][index], per_host["module_names"][index],
                                           boolean((inputs.get("settings") or {}).get("detached", True), strict=False))
            found.extend([logged] if logged else [])
        found.extend(double_hop_records(host, facts_result, front_end, deployment, per_host["topology"][index],
                                        per_host["reach"][index], become, user, root, per_host["connection"][index]))
    found.extend(network_user_rights_record(user, per_host["whoami"]))
    return found


# --------------------------------------------------------------------------- what v1 does not check

def _not_yet(host, check, detail):
    return record(host, check, NOT_CHECKED, detail)


def not_checked_records(hosts, user, root, share_results):  # pylint: disable=unused-argument
    """Explicit lines for what v1 does not check, so that silence is never read as a pass (the SQL rights, the SQL
    service accounts and the free space are sql_records').

    hosts is {host: lync_facts result} in play order; share_results as for share_records.
    """
    who = user or "lync_network_user"
    where = root or "the backup share"
    return [_not_yet(DEPLOYMENT, "share write", "%s may create folders and write files in %s (the checks list it, and "
                     "the SQL Server service account's probe creates a folder there)" % (who, where))]


# --------------------------------------------------------------------------- the report

def _per_host(inputs, key, count):
    values = inputs.get(key)
    if values is None:
        return [None] * count
    if not isinstance(values, (list, tuple)) or len(values) != count:
        raise PreflightError("preflight: %s must be a list with one entry per host" % key)
    return list(values)


def share_results(registered):
    """[{host, result}] from the registered results of the looped share listing (its loop variable names the host)."""
    found = []
    for result in registered or []:
        result = result or {}
        found.append({"host": result.get(result.get("ansible_loop_var") or "item"), "result": result})
    return found


def records(inputs):
    """Every record, in the order the report prints them: inventory, each host, the share, what is not checked.

    inputs: settings, groups, hosts (inventory names in play order) and, one entry per host, facts, pins, dns and
    dhcp (the registered results), and share (the registered results of the looped share listing).
    """
    if not isinstance(inputs, dict):
        raise PreflightError("preflight: needs a dict of settings, groups, hosts and their results")
    settings = inputs.get("settings") or {}
    groups = inputs.get("groups") or {}
    hosts = [str(h) for h in inputs.get("hosts") or []]
    per_host = {key: _per_host(inputs, key, len(hosts)) for key in ("facts", "pins", "dns", "dhcp")}
    front_ends = set(_members(groups, "lync_front_ends") or [])
    user = _text(settings, "network_user")
    root = _text(settings, "backup_root")
    become = boolean(settings.get("network_become", True), strict=False)
    found = inventory_records(settings, groups)
    for index, host in enumerate(hosts):
        found.extend(host_records(host, per_host["facts"][index], host in front_ends))
        found.extend(network_records(host, per_host["pins"][index], per_host["dns"][index], per_host["dhcp"][index]))
    share = share_results(inputs.get("share"))
    found.extend(share_records(share, root, user, become))
    found.extend(dotnet_records(inputs.get("dotnet")))
    found.extend(sql_records(dict(zip(hosts, per_host["facts"])), inputs.get("sql"), root, user, share))
    sql_paths = sql_path_record(root, _deployment(_per_host(inputs, "topology", len(hosts))),
                                _length(settings, "sql_file_count") or 1)
    found.extend([sql_paths] if sql_paths else [])
    found.extend(host_check_records(hosts, inputs, front_ends, user, root, become))
    found.extend(not_checked_records(dict(zip(hosts, per_host["facts"])), user, root, share))
    return found


def lines(found):
    """One line per check, and under each failure the line that says what to do."""
    out = []
    for rec in found:
        out.append("%s  %s  %s: %s" % (LABELS[rec["status"]], rec["host"], rec["check"], rec["detail"]))
        if rec["status"] == FAIL and rec["fix"]:
            out.append("      fix: %s" % rec["fix"])
    return out


def verdict(found, fail_on_bad_day=True):
    """(failed, message): the run fails when a check the nightly backup needs fails, and (by default)
    when one the bad day needs does."""
    failed = [r for r in found if r["status"] == FAIL]
    nightly = [r for r in failed if r["needs"] == NIGHTLY]
    counted = failed if fail_on_bad_day else nightly
    counts = "%d passed, %d failed (%d of them needed every night), %d not checked (%s)" % (
        sum(1 for r in found if r["status"] == PASS), len(failed), len(nightly),
        sum(1 for r in found if r["status"] == NOT_CHECKED), DOC_NOT_YET)
    if not counted:
        return False, "preflight: %s" % counts
    names = "; ".join("%s %s" % (r["host"], r["check"]) for r in counted)
    return True, "preflight: %s. Fix before the first backup: %s (each FAIL line above says how)" % (counts, names)


def report(inputs, fail_on_bad_day=True):
    """{records, lines, failed, message} for the role."""
    found = records(inputs)
    failed, message = verdict(found, fail_on_bad_day)
    return {"records": found, "lines": lines(found) + [message], "failed": failed, "message": message}
