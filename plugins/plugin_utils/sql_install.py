# Copyright: (c) 2026, lync.server maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Installing SQL Server on a rebuilt database server: decide from what the server and the media say.

Microsoft: a rebuilt back end gets SQL Server "with the same instance names" as before
(domain brief 4.0). The instance name comes from the pins and is put on setup's command
line; the configuration file must agree with it or name none. An instance that already
exists is left alone; any instance outside the pinned layout stops the run.
"""

from __future__ import annotations

import re

from ansible_collections.lync.server.plugins.plugin_utils import prerequisites

# Values that reach setup.exe's command line: no quotes or control characters.
SAFE_ARG_RE = re.compile(r'\A[^"\r\n\x00]+\Z')
BUILT_IN_ACCOUNTS = ("NT SERVICE\\", "NT AUTHORITY\\", "LOCALSYSTEM", "NETWORK SERVICE", "LOCAL SERVICE")


class SqlInstallError(ValueError):
    """The installation cannot go ahead; the message says why and what to change."""


def cmdline_value(value):
    """`value` ready to stand between the double quotes of a setup.exe argument (/KEY="value").

    setup.exe splits its command line by the C runtime rules: backslashes are literal unless they
    precede a double quote, and an odd run of backslashes before a quote makes that quote a literal
    character (https://learn.microsoft.com/cpp/c-language/parsing-c-command-line-arguments). A value
    ending in backslashes would swallow its closing quote, so the trailing run is doubled; setup then
    reads the value unchanged. Values hold no double quote (safe_arg), so no other backslash matters.
    """
    if value is None:
        return None
    value = str(value)
    trailing = len(value) - len(value.rstrip("\\"))
    return value + "\\" * trailing


def agent_account_for(instance, pinned=None):
    """The SQL Server Agent account for `instance`: the pinned one, else the instance's virtual account
    (NT Service\\SQLSERVERAGENT for the default instance, NT Service\\SQLAgent$<instance> for a named one)."""
    if pinned:
        return pinned
    name = str(instance).upper()
    return "NT Service\\SQLSERVERAGENT" if name == "MSSQLSERVER" else "NT Service\\SQLAgent$%s" % name


def safe_arg(value, what):
    if not isinstance(value, str) or not SAFE_ARG_RE.match(value):
        raise SqlInstallError("%s %r cannot be passed to SQL Server setup (no quotes or line breaks)" % (what, value))
    return value


def needs_password(account):
    """A domain or local user account needs its password; virtual and built-in accounts do not."""
    return bool(account) and not str(account).upper().startswith(BUILT_IN_ACCOUNTS)


def password_for(account, password=None, passwords=None):
    """The password to give setup for `account`: its entry in `passwords` ({account: password}, matched
    without regard to case, one vaulted password per account), else `password` (the password given for
    this account directly, or the deprecated host-wide lync_sql_service_password). None when neither."""
    if account:
        wanted = str(account).strip().lower()
        for name, value in (passwords or {}).items():
            if str(name).strip().lower() == wanted and value:
                return value
    return password or None


def decide(probe, instance, product, allowed, service_account=None, has_password=False, agent_account=None,
           has_agent_password=False):
    """{"action": "present" | "install", ...} for one instance, or SqlInstallError.

    probe    -- lync_sql_setup_probe result
    instance -- the pinned instance name
    allowed  -- every instance name the pins give this server (others must not exist)
    """
    name = instance.upper()
    existing = {str(i["Name"]).upper(): i for i in probe.get("Instances") or []}
    stray = sorted(set(existing) - {a.upper() for a in allowed})
    if stray:
        raise SqlInstallError("this server has SQL Server instance(s) %s, which the pins do not name (pinned: %s); "
                              "a rebuilt database server must have the original instance layout"
                              % (", ".join(stray), ", ".join(sorted(a.upper() for a in allowed))))
    if name in existing:
        found = existing[name]
        return {"action": "present", "instance": name, "version": found.get("Version"), "edition": found.get("Edition")}
    if not probe.get("SetupFound"):
        raise SqlInstallError("setup.exe was not found in the installation media folder (or this session cannot read "
                              "it: a media share on another server needs network credentials, become runas with "
                              "logon_type=new_credentials)")
    if not probe.get("ConfigurationFound"):
        raise SqlInstallError("the configuration file was not found (or cannot be read from this session)")
    try:
        release = prerequisites.check_sql_release(product, probe.get("SetupVersion"))
    except prerequisites.PrerequisiteError as exc:
        raise SqlInstallError(str(exc)) from None
    settings = {str(k).upper(): str(v) for k, v in (probe.get("Settings") or {}).items()}
    if settings.get("ACTION", "").lower() != "install":
        raise SqlInstallError("the configuration file's ACTION is %r; it must be Install" % settings.get("ACTION"))
    features = [f.strip().upper() for f in settings.get("FEATURES", "").split(",") if f.strip()]
    if "SQLENGINE" not in features:
        raise SqlInstallError("the configuration file's FEATURES (%s) do not include SQLENGINE, the Database Engine"
                              % (settings.get("FEATURES") or "none"))
    in_file = settings.get("INSTANCENAME")
    if in_file and in_file.upper() != name:
        raise SqlInstallError("the configuration file installs instance %s, but the pinned instance is %s; "
                              "use a configuration file for %s or one without INSTANCENAME" % (in_file, name, name))
    # One file serves every instance of the server, but a wizard-made file holds per-instance values;
    # INSTANCEID and AGTSVCACCOUNT go on the command line per instance, and a file naming another
    # instance there was made for that instance.
    id_in_file = settings.get("INSTANCEID")
    if id_in_file and id_in_file.upper() != name:
        raise SqlInstallError("the configuration file's INSTANCEID is %s, another instance's; the pinned instance is "
                              "%s: remove INSTANCEID from the file (lync.server passes /INSTANCEID per instance)"
                              % (id_in_file, name))
    agent_in_file = settings.get("AGTSVCACCOUNT", "")
    virtual = re.match(r"(?i)\ANT SERVICE\\SQL(?:AGENT\$(.+)|SERVERAGENT)\Z", agent_in_file.strip())
    if virtual and (virtual.group(1) or "MSSQLSERVER").upper() != name:
        raise SqlInstallError("the configuration file's AGTSVCACCOUNT is %s, the Agent account of another instance; "
                              "the pinned instance is %s: remove AGTSVCACCOUNT from the file (lync.server passes "
                              "/AGTSVCACCOUNT per instance)" % (agent_in_file, name))
    if not settings.get("SQLSYSADMINACCOUNTS", "").strip():
        raise SqlInstallError("the configuration file has no SQLSYSADMINACCOUNTS; SQL Server setup requires it for a "
                              "Database Engine installation: name the sysadmin accounts (for example "
                              "RTCUniversalServerAdmins and the Lync administrators)")
    if "UIMODE" in settings:
        raise SqlInstallError("the configuration file sets UIMODE, but lync.server runs setup unattended (QUIET, "
                              "QUIETSIMPLE or /Q) and setup refuses UIMODE then ('The setting 'UIMODE' is not "
                              "allowed when the value of setting 'QUIET' is 'True''): remove UIMODE from the file")
    account = service_account or settings.get("SQLSVCACCOUNT")
    if needs_password(account) and not has_password and "SQLSVCPASSWORD" not in [k.upper() for k in
                                                                                 probe.get("PasswordKeys") or []]:
        raise SqlInstallError("the service account %s needs its password: set the vault variable for it" % account)
    agent = agent_account_for(name, agent_account)
    if needs_password(agent) and not has_agent_password:
        raise SqlInstallError("the SQL Server Agent account %s needs its password: set its entry in the vault "
                              "variable of SQL Server service passwords" % agent)
    if probe.get("PendingReboot"):
        raise SqlInstallError("Windows waits for a restart (%s); SQL Server setup would refuse to run: restart first"
                              % ", ".join(probe["PendingReboot"]))
    quiet = not any(settings.get(k, "").lower() == "true" for k in ("QUIET", "QUIETSIMPLE"))
    warnings = []
    if probe.get("PasswordKeys"):
        warnings.append("the configuration file holds password settings (%s) in clear text; keep passwords in the "
                        "vault instead" % ", ".join(probe["PasswordKeys"]))
    return {"action": "install", "instance": name, "version": probe.get("SetupVersion"),
            "release": prerequisites.SQL_RELEASES[release], "service_account": account, "agent_account": agent,
            "quiet": quiet,
            "warnings": warnings}
