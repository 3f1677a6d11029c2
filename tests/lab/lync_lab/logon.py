"""Who the WinRM session is on a lab host (its access token) and what the service control manager
reports about a service: the answers of the lab's stand-ins for ansible.windows.win_whoami and
ansible.windows.win_service_info, over the lab state.

State (seeded by seed._ad; minimal):

* ``state["ad"]["accounts"][sam]["groups"]``: the domain groups an account is a member of (names in
  the lab's NetBIOS domain, e.g. ``RTCUniversalServerAdmins``). An account without the key is in
  ``Domain Users`` only.
* ``host["local_groups"]["Administrators"]``: the members of the host's local Administrators group
  (``CONTOSO\\name`` for domain accounts and groups). A host without the record has what a domain
  join gives (``CONTOSO\\Domain Admins``) plus the lab's connection user (the lab's inventories
  reach every host as that user; a real WinRM listener admits only administrators and members of
  Remote Management Users).
* ``host["services"][name]``: ``status`` (Running, Stopped, Starting) and ``start_mode`` (Auto,
  Manual, Disabled), as seed._service and lyncsetup write them.

Windows' rules the token follows:

* A token holds the account's domain groups (global and universal groups of its domain:
  RTCUniversalServerAdmins and the Cs* RBAC groups are universal groups) and the well-known groups
  of a network logon (Everyone, BUILTIN\\Users, NT AUTHORITY\\NETWORK, Authenticated Users).
  https://learn.microsoft.com/windows/win32/secauthz/access-tokens
* BUILTIN\\Administrators (S-1-5-32-544) is in the token when the account, or a group it belongs
  to, is a member of the local Administrators group. A WinRM (network) logon of a domain
  administrator gets the full, elevated token: mandatory label High (S-1-16-12288); a
  non-administrator's token is Medium (S-1-16-8192). (UAC filters only local accounts'
  network logons: "User Account Control and remote restrictions",
  https://learn.microsoft.com/troubleshoot/windows-server/windows-security/user-account-control-and-remote-restriction;
  labels: https://learn.microsoft.com/windows/win32/secauthz/well-known-sids.)
* win_whoami's result keys are those its RETURN documents (ansible.windows 3.3.0,
  plugins/modules/win_whoami.py); win_service_info's are those of its RETURN (start_mode auto,
  manual, disabled, delayed; state started, stopped, start_pending ...).
"""

import fnmatch

DOMAIN_SID = "S-1-5-21-3623811015-3361044348-30300820"
# RIDs of the lab domain's groups: the built-in ones as Windows numbers them
# (https://learn.microsoft.com/windows/win32/secauthz/well-known-sids), the others in seed order.
GROUP_RIDS = {"domain admins": 512, "domain users": 513, "domain computers": 515, "rtcuniversalserveradmins": 1201,
              "rtccomponentuniversalservices": 1202, "csadministrator": 1203, "cspersistentchatadministrator": 1204,
              "rtcuniversaluseradmins": 1205}
ADMINISTRATORS = "S-1-5-32-544"
HIGH, MEDIUM = "S-1-16-12288", "S-1-16-8192"
_ENABLED = ["Mandatory", "Enabled by default", "Enabled"]


def _sam(user):
    return str(user or "").rsplit("\\", maxsplit=1)[-1].split("@", maxsplit=1)[0]


def account_groups(state, user):
    """The domain groups of `user` (DOMAIN\\name or name@domain) in the lab's AD."""
    account = state.get("ad", {}).get("accounts", {}).get(_sam(user).lower()) or {}
    return list(account.get("groups", ["Domain Users"]))


def local_administrators(state, record, user):
    """The members of the host's local Administrators group."""
    netbios = state.get("ad", {}).get("netbios", "CONTOSO")
    local = (record.get("local_groups") or {}).get("Administrators")
    if local is None:
        local = ["%s\\Administrator" % str(record.get("hostname", "HOST")).upper(), "%s\\Domain Admins" % netbios,
                 str(user)]
    return local


def is_local_admin(state, record, user):
    netbios = state.get("ad", {}).get("netbios", "CONTOSO")
    names = {("%s\\%s" % (netbios, n)).lower() for n in [_sam(user)] + account_groups(state, user)}
    names.add(str(user).lower())
    return any(str(m).lower() in names for m in local_administrators(state, record, user))


WELL_KNOWN = {"builtin\\administrators": ADMINISTRATORS, "nt authority\\system": "S-1-5-18",
              "builtin\\users": "S-1-5-32-545", "everyone": "S-1-1-0"}


def account_sid(state, user, known=False):
    """The SID of `user` (DOMAIN\\name, name@domain, a well-known name). With `known`, None for a name the lab's
    AD does not hold (a local `.\\name`, another domain): what NTAccount.Translate cannot map."""
    text = str(user or "")
    if text.lower() in WELL_KNOWN:
        return WELL_KNOWN[text.lower()]
    ad = state.get("ad", {})
    sam = _sam(text)
    account = ad.get("accounts", {}).get(sam.lower())
    if known:
        domain = text.split("\\", 1)[0].lower() if "\\" in text else ""
        if account is None or domain not in ("", str(ad.get("netbios", "CONTOSO")).lower()):
            return None
    return (account or {}).get("sid") or "%s-%d" % (DOMAIN_SID, 3000 + len(sam))


def _group_sid(name):
    rid = GROUP_RIDS.get(name.lower())
    if rid is None:
        rid = 2000 + sum(ord(c) for c in name.lower())
    return "%s-%d" % (DOMAIN_SID, rid)


def _sid_entry(account_name, domain_name, sid, sid_type, attributes=None):
    entry = {"account_name": account_name, "domain_name": domain_name, "sid": sid, "type": sid_type}
    if attributes is not None:
        entry["attributes"] = attributes
    return entry


def whoami(state, host, user):
    """win_whoami's result for the session of `user` on lab host `host`."""
    record = state["hosts"][host]
    ad = state.get("ad", {})
    netbios = ad.get("netbios", "CONTOSO")
    admin = is_local_admin(state, record, user)
    groups = [_sid_entry("Everyone", "", "S-1-1-0", "WellKnownGroup", list(_ENABLED))]
    if admin:
        groups.append(_sid_entry("Administrators", "BUILTIN", ADMINISTRATORS, "Alias", list(_ENABLED) + ["Owner"]))
    groups.append(_sid_entry("Users", "BUILTIN", "S-1-5-32-545", "Alias", list(_ENABLED)))
    groups.append(_sid_entry("NETWORK", "NT AUTHORITY", "S-1-5-2", "WellKnownGroup", list(_ENABLED)))
    groups.append(_sid_entry("Authenticated Users", "NT AUTHORITY", "S-1-5-11", "WellKnownGroup", list(_ENABLED)))
    for name in account_groups(state, user):
        groups.append(_sid_entry(name, netbios, _group_sid(name), "Group", list(_ENABLED)))
    sam = _sam(user)
    account = ad.get("accounts", {}).get(sam.lower()) or {}
    label = ("High Mandatory Level", HIGH) if admin else ("Medium Mandatory Level", MEDIUM)
    return {
        "changed": False,
        "authentication_package": "Kerberos",
        "user_flags": [],  # win_whoami.ps1 returns a list, although RETURN says str
        "upn": "%s@%s" % (sam, str(ad.get("domain", "")).upper()),
        "logon_type": "Network",
        "privileges": {"SeChangeNotifyPrivilege": "enabled-by-default"} if not admin else {
            "SeChangeNotifyPrivilege": "enabled-by-default", "SeBackupPrivilege": "enabled",
            "SeRestorePrivilege": "enabled", "SeDebugPrivilege": "enabled",
            "SeImpersonatePrivilege": "enabled-by-default"},
        "label": _sid_entry(label[0], "Mandatory Label", label[1], "Label"),
        "impersonation_level": "SecurityAnonymous",
        "login_time": "2026-01-01T00:00:00.0000000+00:00",
        "groups": groups,
        "account": _sid_entry(sam, netbios, account_sid(state, user), "User"),
        "login_domain": netbios,
        "rights": ["SeNetworkLogonRight", "SeInteractiveLogonRight", "SeBatchLogonRight"] if admin else [],
        "logon_server": str((ad.get("domain_controllers") or ["DC01"])[0]).split(".", maxsplit=1)[0].upper(),
        "logon_id": 20470143,
        "dns_domain_name": str(ad.get("domain", "")).upper(),
        "token_type": "TokenPrimary",
    }


_STATES = {"running": "started", "stopped": "stopped", "starting": "start_pending", "stopping": "stop_pending",
           "paused": "paused"}
_START_MODES = {"auto": "auto", "automatic": "auto", "manual": "manual", "disabled": "disabled",
                "delayed": "delayed"}


def _service_entry(name, svc):
    return {
        "checkpoint": 0, "controls_accepted": ["stop"] if str(svc.get("status")).lower() == "running" else [],
        "dependencies": [], "dependency_of": [], "description": "", "desktop_interact": False,
        "display_name": svc.get("display_name") or name, "error_control": "normal", "failure_actions": [],
        "failure_action_on_non_crash_failure": False, "failure_command": None, "failure_reboot_msg": None,
        "failure_reset_period_sec": 0, "launch_protection": "none", "load_order_group": "", "name": name,
        "path": svc.get("path") or "C:\\Windows\\system32\\svchost.exe -k netsvcs", "pre_shutdown_timeout_ms": 180000,
        "preferred_node": None, "process_id": 1024 if str(svc.get("status")).lower() == "running" else 0,
        "required_privileges": [], "service_exit_code": 0, "service_flags": [], "service_type": "win32_share_process",
        "sid_info": "none", "start_mode": _START_MODES.get(str(svc.get("start_mode", "Manual")).lower(), "manual"),
        "state": _STATES.get(str(svc.get("status", "Stopped")).lower(), "stopped"), "triggers": [],
        "username": svc.get("start_name") or "LocalSystem", "wait_hint_ms": 0, "win32_exitcode": 0,
    }


def service_info(record, name=None):
    """win_service_info's result: services whose name matches `name` (wildcards on the name only) or whose
    display name equals it; every service without `name`."""
    found = []
    for svc_name, svc in sorted((record.get("services") or {}).items()):
        if name is None or fnmatch.fnmatchcase(svc_name.lower(), str(name).lower()) or \
                str(svc.get("display_name", "")).lower() == str(name).lower():
            found.append(_service_entry(svc_name, svc))
    return {"changed": False, "exists": bool(found), "services": found}
