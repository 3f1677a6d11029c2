"""SQL Server setup as lync_sql_install and lync_sql_setup_probe reach it: Start-Process running the
installation media's setup.exe (an external program bound to the lab's sqlsetup model), and the
registry (HKLM:) read through Test-Path, Get-Item, Get-ChildItem and Get-ItemProperty.

Pages followed:
Start-Process https://learn.microsoft.com/powershell/module/microsoft.powershell.management/start-process?view=powershell-5.1
  (-ArgumentList: "the cmdlet joins the array into a single string with each element of the array
  separated by a single space"; -Wait waits for the process to exit; -PassThru returns the Process;
  a file that cannot be found: "This command cannot be run due to the error: The system cannot find
  the file specified.")
Process.ExitCode https://learn.microsoft.com/dotnet/api/system.diagnostics.process.exitcode
Get-ItemProperty https://learn.microsoft.com/powershell/module/microsoft.powershell.management/get-itemproperty?view=powershell-5.1
Registry provider https://learn.microsoft.com/powershell/module/microsoft.powershell.core/about/about_registry_provider?view=powershell-5.1
  (keys are containers, values are properties of a key; Get-Item gives a RegistryKey whose Property
  lists the value names)
setup.exe https://learn.microsoft.com/sql/database-engine/install-windows/install-sql-server-from-the-command-prompt
  (/ACTION, /CONFIGURATIONFILE, /INSTANCENAME, /INSTANCEID, /Q and /QS, /IACCEPTSQLSERVERLICENSETERMS
  required for unattended installations, /SQLSVCACCOUNT and /SQLSVCPASSWORD, /AGTSVCACCOUNT and
  /AGTSVCPASSWORD, /SQLSYSADMINACCOUNTS required for the Database Engine, /SECURITYMODE=SQL needs
  /SAPWD, settings that only later releases know; command-line settings override the file's)
Summary.txt https://learn.microsoft.com/sql/database-engine/install-windows/view-and-read-sql-server-setup-log-files
  (%programfiles%\\Microsoft SQL Server\\<nnn>\\Setup Bootstrap\\Log\\Summary.txt: "Exit code
  (Decimal)", "Exit facility code", "Exit error code", "Exit message")
Pending restarts: the Component Based Servicing RebootPending key, Windows Update's Auto
  Update\\RebootRequired key and Session Manager's PendingFileRenameOperations value
  (https://learn.microsoft.com/troubleshoot/windows-server/installing-updates-features-roles/determine-pending-restart ;
  MoveFileEx MOVEFILE_DELAY_UNTIL_REBOOT, https://learn.microsoft.com/windows/win32/api/winbase/nf-winbase-movefileexa).

What setup.exe does is the twin's former rule set, now bound to what the program actually
receives: the command line Start-Process builds from the payload's -ArgumentList (split by the C
runtime rules, sqlsetup.split_command_line) and the configuration file it names, read as the
session reads it (the double hop applies to a media share).
"""

import calendar
import json
import os
import re

from .. import fsops, sqlsetup, winhost
from ..engine import Command, NativeCommand, Param
from ..engine import operators as O
from ..engine import values as V
from ..engine.errors import runtime_error
from ..errors import PSError
from . import fs

PAYLOADS = ("lync_sql_install", "lync_sql_setup_probe")
MANAGEMENT = "Microsoft.PowerShell.Management"
BUILT_IN = ("NT SERVICE\\", "NT AUTHORITY\\", "LOCALSYSTEM", "NETWORK SERVICE", "LOCAL SERVICE")
SETUP_SECONDS = 20 * 60  # what an unattended Database Engine installation takes (virtual clock)


# --- the registry ------------------------------------------------------------------------------

HIVES = {"HKLM": "HKEY_LOCAL_MACHINE", "HKEY_LOCAL_MACHINE": "HKEY_LOCAL_MACHINE",
         "HKCU": "HKEY_CURRENT_USER", "HKEY_CURRENT_USER": "HKEY_CURRENT_USER"}
DRIVES = {"HKEY_LOCAL_MACHINE": "HKLM", "HKEY_CURRENT_USER": "HKCU"}
PROVIDER = "Microsoft.PowerShell.Core\\Registry"
SQL_ROOT = "HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Microsoft SQL Server"
CBS = "HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Component Based Servicing"
AUTO_UPDATE = "HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\WindowsUpdate\\Auto Update"
SESSION_MANAGER = "HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Control\\Session Manager"
WILDCARDS = set("*?[")


def registry_path(path):
    """'HKEY_LOCAL_MACHINE\\...' for a path the registry provider takes (HKLM:\\..., HKLM:..., Registry::...,
    Microsoft.PowerShell.Core\\Registry::...), or None when `path` is not a registry path."""
    text = str(path)
    lower = text.lower()
    for prefix in ("microsoft.powershell.core\\registry::", "registry::"):
        if lower.startswith(prefix):
            hive, _sep, rest = text[len(prefix):].partition("\\")
            break
    else:
        match = re.match(r"(?i)^(HKLM|HKCU):\\?(.*)$", text)
        if not match:
            return None
        hive, rest = match.group(1), match.group(2)
    full = HIVES.get(hive.upper())
    if full is None:
        return None
    parts = [p for p in rest.split("\\") if p]
    return "\\".join([full] + parts)


def _sql_keys(record):
    """SQL Server's keys: Instance Names\\SQL maps each instance name to its instance ID; <ID>\\Setup
    holds the instance's Version and Edition (what setup wrote)."""
    keys, names = {}, {}
    for name, inst in sorted(record.get("sql", {}).items()):
        version = str(inst.get("version") or "")
        iid = instance_id_of(name, inst)
        names[name.upper()] = iid
        setup = {"SqlProgramDir": "C:\\Program Files\\Microsoft SQL Server", "Version": version, "PatchLevel": version,
                 "SQLPath": "C:\\Program Files\\Microsoft SQL Server\\%s\\MSSQL" % iid}
        if inst.get("edition"):
            setup["Edition"] = inst["edition"]
        keys[SQL_ROOT + "\\" + iid + "\\Setup"] = setup
        keys[SQL_ROOT + "\\" + iid + "\\MSSQLServer\\CurrentVersion"] = {"CurrentVersion": version}
    if names:
        keys[SQL_ROOT + "\\Instance Names\\SQL"] = names
    return keys


def _pending_keys(record):
    """Where Windows keeps a restart it waits for, by the lab's reason (winhost.pending): servicing
    (features, updates of components) in Component Based Servicing\\RebootPending, Windows Update in
    Auto Update\\RebootRequired, files to replace at the restart (SQL Server setup) in Session
    Manager's PendingFileRenameOperations. A computer name or domain change waits elsewhere
    (ComputerName, Netlogon), which none of these three shows."""
    keys = {CBS: {}, AUTO_UPDATE: {}, SESSION_MANAGER: {"BootExecute": ["autocheck autochk *"]}}
    for reason in record.get("pending_reboot") or []:
        lower = str(reason).lower()
        if lower in ("component based servicing", "features"):
            keys[CBS + "\\RebootPending"] = {}
        elif lower == "windows update":
            keys[AUTO_UPDATE + "\\RebootRequired"] = {"00000000-0000-0000-0000-000000000000": 1}
        elif lower in ("sql server setup", "pending file rename operations"):
            keys[SESSION_MANAGER]["PendingFileRenameOperations"] = [
                "\\??\\C:\\Program Files\\Microsoft SQL Server\\lab-pending.tmp", ""]
    return keys


# Functions (host record) -> {key path: {value name: value}}; other areas may append theirs.
KEY_SOURCES = [_pending_keys, _sql_keys]


def instance_id_of(name, inst):
    """The instance ID setup gave an instance: its folders are named by it (MSSQL11.RTC)."""
    match = re.search(r"\\(MSSQL\d+\.[^\\]+)\\", str(inst.get("data_dir") or ""))
    return match.group(1) if match else sqlsetup.instance_id(str(inst.get("version") or "0"), name)


class Registry:
    """The host's registry as keys {lower path: (path, {value: data})}; every ancestor of a key exists."""

    def __init__(self, record):
        self.keys = {}
        for source in KEY_SOURCES:
            for path, values in source(record).items():
                self._add(path, values)

    def _add(self, path, values):
        parts = path.split("\\")
        for depth in range(1, len(parts)):
            self.keys.setdefault("\\".join(parts[:depth]).lower(), ("\\".join(parts[:depth]), {}))
        self.keys.setdefault(path.lower(), (path, {}))[1].update(values)

    def get(self, path):
        return self.keys.get(path.lower())

    def subkeys(self, path):
        prefix = path.lower() + "\\"
        return sorted((p for p, _v in self.keys.values() if p.lower().startswith(prefix) and "\\" not in p[len(prefix):]),
                      key=str.lower)

    def resolve(self, path):
        """Existing key paths `path` names (wildcards in its segments expand, case-insensitively)."""
        parts = path.split("\\")
        found = [parts[0]]
        for part in parts[1:]:
            nxt = []
            for key in found:
                for sub in self.subkeys(key):
                    leaf = sub.rsplit("\\", 1)[-1]
                    if (V.to_bool(O.comparison("like", leaf, part)) if WILDCARDS.intersection(part)
                            else leaf.lower() == part.lower()):
                        nxt.append(sub)
            found = nxt
        return found


def _ps_path(path):
    return PROVIDER + "::" + path


class RegistryKey(V.NetObject):
    """Microsoft.Win32.RegistryKey as Get-Item and Get-ChildItem return it: Name, Property (the value
    names), SubKeyCount, ValueCount, GetValue(), GetValueNames(), GetSubKeyNames()."""

    TYPE_NAME = "Microsoft.Win32.RegistryKey"

    def __init__(self, registry, path):
        self._values = registry.get(path)[1]
        self._subkeys = [s.rsplit("\\", 1)[-1] for s in registry.subkeys(path)]
        self.Name = path
        self.PSPath = _ps_path(path)
        self.PSParentPath = _ps_path(path.rsplit("\\", 1)[0]) if "\\" in path else ""
        self.PSChildName = path.rsplit("\\", 1)[-1]
        self.PSIsContainer = True
        self.Property = list(self._values)
        self.SubKeyCount = len(self._subkeys)
        self.ValueCount = len(self._values)

    def GetValue(self, name, default=None):
        found = next((v for k, v in self._values.items() if k.lower() == V.to_string(name).lower()), None)
        return default if found is None else found

    def GetValueNames(self):
        return list(self._values)

    def GetSubKeyNames(self):
        return list(self._subkeys)

    def ToString(self):
        return self.Name


def _property_object(path, values):
    """What Get-ItemProperty writes for one key: its values as note properties, then the PS* ones."""
    props = list(values.items())
    hive = path.split("\\", 1)[0]
    props += [("PSPath", _ps_path(path)), ("PSParentPath", _ps_path(path.rsplit("\\", 1)[0]) if "\\" in path else ""),
              ("PSChildName", path.rsplit("\\", 1)[-1]), ("PSDrive", DRIVES.get(hive, hive)), ("PSProvider", PROVIDER)]
    return V.PSObject(props)


def _install_registry(session):
    ctx = session.ctx
    commands = session.engine.commands

    def registry():
        return Registry(ctx.record)

    def not_found(call, shown):
        call.error("Cannot find path '%s' because it does not exist." % shown,
                   "System.Management.Automation.ItemNotFoundException", "PathNotFound", "ObjectNotFound", shown)

    def keys_of(call, shown):
        """Existing keys for one -Path/-LiteralPath value (wildcards only in -Path)."""
        path = registry_path(shown)
        reg = registry()
        if call.args.get("LiteralPath") is None and WILDCARDS.intersection(path):
            return reg, reg.resolve(path)
        found = reg.get(path)
        return reg, [found[0]] if found else []

    def is_registry(call):
        return any(registry_path(p) is not None for p in fs._paths(call))  # pylint: disable=protected-access

    def test_path(call):
        kind = V.to_string(call.args.get("PathType") or "Any").lower()
        out = []
        for shown in fs._paths(call):  # pylint: disable=protected-access
            _reg, keys = keys_of(call, shown)
            out.append(bool(keys) and kind != "leaf")  # keys are containers; values are not items
        return out

    def get_item(call):
        out = []
        for shown in fs._paths(call):  # pylint: disable=protected-access
            reg, keys = keys_of(call, shown)
            if not keys and not WILDCARDS.intersection(shown):
                not_found(call, shown)
            out.extend(RegistryKey(reg, k) for k in keys)
        return out

    def get_child_item(call):
        out = []
        for shown in fs._paths(call):  # pylint: disable=protected-access
            reg, keys = keys_of(call, shown)
            if not keys and not WILDCARDS.intersection(shown):
                not_found(call, shown)
            for key in keys:
                stack = list(reg.subkeys(key))
                while stack:
                    sub = stack.pop(0)
                    out.append(RegistryKey(reg, sub))
                    if call.switch("Recurse"):
                        stack[0:0] = reg.subkeys(sub)
        return out

    def get_item_property(call):
        names = [V.to_string(n) for n in V.enumerate_value(call.args.get("Name"))] if call.args.get("Name") else None
        out = []
        for shown in fs._paths(call):  # pylint: disable=protected-access
            if registry_path(shown) is None:
                out.extend(file_get_item(call))
                continue
            reg, keys = keys_of(call, shown)
            if not keys and not WILDCARDS.intersection(shown):
                not_found(call, shown)
            for key in keys:
                values = reg.get(key)[1]
                if names is not None:
                    chosen = {}
                    for name in names:
                        hit = [k for k in values if V.to_bool(O.comparison("like", k, name))]
                        if not hit and not WILDCARDS.intersection(name):
                            call.error("Property %s does not exist at path %s." % (name, key),
                                       "System.Management.Automation.PSArgumentException",
                                       "System.Management.Automation.PSArgumentException", "InvalidArgument", name)
                        chosen.update((k, values[k]) for k in hit)
                    values = chosen
                if values:  # a key without values writes no object
                    out.append(_property_object(key, values))
        return out

    def route(name, registry_function):
        command = commands.get(name)
        file_function = command.function

        def routed(call):
            return registry_function(call) if is_registry(call) else file_function(call)
        command.function = routed
        return file_function

    route("Test-Path", test_path)
    file_get_item = route("Get-Item", get_item)
    route("Get-ChildItem", get_child_item)
    session.command(Command("Get-ItemProperty", [
        Param("Path", "System.String[]", position=0, mandatory=True, sets=("Path",), by_property=True),
        Param("LiteralPath", "System.String[]", mandatory=True, sets=("LiteralPath",), by_property=True,
              aliases=("PSPath",)),
        Param("Name", "System.String[]", position=1, aliases=("PSProperty",)),
        Param("Filter", "System.String"), Param("Include", "System.String[]"), Param("Exclude", "System.String[]"),
        Param("Credential", "System.Management.Automation.PSCredential")],
        get_item_property, default_set="Path", aliases=("gp",), module=MANAGEMENT))


# --- processes ---------------------------------------------------------------------------------

class Process(V.NetObject):
    """System.Diagnostics.Process as Start-Process -PassThru returns it. ExitCode and ExitTime are
    known once the process has exited: after -Wait (or WaitForExit()); before that, PowerShell shows
    no ExitCode for a process it started (HasExited is $false)."""

    TYPE_NAME = "System.Diagnostics.Process"

    def __init__(self, name, code, times, waited):
        start, end = times
        self.Id = 4242  # the lab runs one process at a time
        self.ProcessName = name
        self.StartTime = start
        self._code, self._end = code, end
        self.HasExited = waited
        self.ExitCode = code if waited else None
        self.ExitTime = end if waited else None

    def WaitForExit(self, milliseconds=None):
        self.HasExited, self.ExitCode, self.ExitTime = True, self._code, self._end
        return True if milliseconds is not None else None

    def ToString(self):
        return "System.Diagnostics.Process (%s)" % self.ProcessName


# Programs the lab runs, by file name: function(session, exe path, command line) -> (lines, exit code).
PROGRAMS = {}


def _install_processes(session):
    ctx = session.ctx
    engine = session.engine

    def start_process(call):
        file_path = V.to_string(call.args["FilePath"])
        arguments = [V.to_string(a) for a in V.enumerate_value(call.args.get("ArgumentList"))] \
            if call.args.get("ArgumentList") is not None else []
        command_line = " ".join(arguments)
        try:
            real = fsops.locate(ctx, file_path).real
        except PSError:
            call.terminate("This command cannot be run due to the error: Access is denied.",
                           "System.InvalidOperationException", "InvalidOperationException", "InvalidOperation")
        if not real.is_file():
            call.terminate("This command cannot be run due to the error: The system cannot find the file specified.",
                           "System.InvalidOperationException", "InvalidOperationException", "InvalidOperation")
        name = file_path.rsplit("\\", 1)[-1]
        program = PROGRAMS.get(name.lower())
        if program is None:
            call.terminate("lab: %s is not an emulated program" % file_path, "System.InvalidOperationException",
                           "InvalidOperationException", "InvalidOperation")
        start = engine.clock.now()
        lines, code = program(session, file_path, command_line)
        out_file = call.args.get("RedirectStandardOutput")
        if out_file is not None:
            fsops.write_bytes(ctx, V.to_string(out_file), "\r\n".join(lines).encode("utf-8"))
        else:
            engine.streams["host"].extend(lines)  # -NoNewWindow: the program writes to the console, not the pipeline
        waited = call.switch("Wait")
        if call.switch("PassThru"):
            return [Process(name.rsplit(".", 1)[0], code, (start, engine.clock.now()), waited)]
        return None

    session.command(Command("Start-Process", [
        Param("FilePath", "System.String", position=0, mandatory=True, aliases=("PSPath", "Path")),
        Param("ArgumentList", "System.String[]", position=1, aliases=("Args",)),
        Param("Credential", "System.Management.Automation.PSCredential", sets=("Default",), aliases=("RunAs",)),
        Param("WorkingDirectory", "System.String"),
        Param("LoadUserProfile", switch=True, sets=("Default",), aliases=("Lup",)),
        Param("NoNewWindow", switch=True, sets=("Default",), aliases=("nnw",)), Param("PassThru", switch=True),
        Param("RedirectStandardError", "System.String", sets=("Default",), aliases=("RSE",)),
        Param("RedirectStandardInput", "System.String", sets=("Default",), aliases=("RSI",)),
        Param("RedirectStandardOutput", "System.String", sets=("Default",), aliases=("RSO",)),
        Param("Verb", "System.String", sets=("UseShellExecute",)), Param("WindowStyle", "System.String"),
        Param("Wait", switch=True), Param("UseNewEnvironment", switch=True, sets=("Default",))],
        start_process, default_set="Default", aliases=("saps", "start"), module=MANAGEMENT))

    def native_setup(_engine, _argv):
        raise runtime_error("lab: setup.exe runs through Start-Process -FilePath in the lab (the call operator does "
                            "not tell the emulation which media folder it came from)",
                            "System.InvalidOperationException", "InvalidOperationException", "InvalidOperation")
    session.command(NativeCommand("setup.exe", native_setup))


# --- SQL Server setup.exe ----------------------------------------------------------------------

class SetupFailed(Exception):
    """setup.exe ends with `code` and writes `message` as Summary.txt's Exit message."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


# Settings a release's setup does not know: "Applies to" on the command-prompt page.
NEWER_SETTINGS = {13: ("SQLSVCINSTANTFILEINIT", "SQLTEMPDBFILECOUNT", "SQLTEMPDBFILESIZE", "SQLTEMPDBFILEGROWTH",
                       "SQLTEMPDBLOGFILESIZE", "SQLTEMPDBLOGFILEGROWTH", "IACCEPTROPENLICENSETERMS"),
                  14: ("IACCEPTPYTHONLICENSETERMS",),
                  15: ("SQLMAXDOP", "USESQLRECOMMENDEDMEMORYLIMITS", "SQLMINMEMORY", "SQLMAXMEMORY"),
                  16: ("PRODUCTCOVEREDBYSA", "AZURESUBSCRIPTIONID", "AZURERESOURCEGROUP", "AZUREREGION",
                       "AZURETENANTID", "AZURESERVICEPRINCIPAL", "AZURESERVICEPRINCIPALSECRET")}
INVALID_SETTING = -2068578302   # 0x84B40002: facility 1204 (setup), "invalid setting"
CONFIG_MISSING = -2068774911    # 0x84B10001
RULE_FAILED = -2067919934       # 0x84BE00C2: a setup rule failed
IN_USE = -2068578304            # 0x84B40000


def _true(value):
    return value is True or str(value).strip().strip('"').lower() in ("true", "1")


def command_line(text):
    """{KEY: value or True} of setup's command line: split by the C runtime rules, /KEY=value or /SWITCH."""
    settings = {}
    for arg in sqlsetup.split_command_line(text):
        if not arg.startswith(("/", "-")):
            raise SetupFailed(INVALID_SETTING, "The following error occurred: The command line parameter '%s' is "
                                               "not valid." % arg)
        key, sep, value = arg[1:].partition("=")
        settings[key.upper()] = value if sep else True
    return settings


def _check_account(state, account, password, service, windows_service):
    """Setup checks a domain account's password with the domain; a virtual account (NT SERVICE\\<service>)
    exists for its own service only, so another instance's is not an account this service can run as."""
    upper = str(account or "").upper()
    if upper.startswith("NT SERVICE\\") and upper.split("\\", 1)[1] != windows_service.upper():
        raise SetupFailed(IN_USE, "The credentials you provided for the %s service are invalid. To continue, provide a "
                                  "valid account and password for the %s service." % (service, service))
    if account and not account.upper().startswith(BUILT_IN) and not (
            password and sqlsetup.check_service_credentials(state, account, password)):
        raise SetupFailed(IN_USE, "The credentials you provided for the %s service are invalid. To continue, provide a "
                                  "valid account and password for the %s service." % (service, service))


def _install(ctx, media, text, used):
    """What setup does with `text` (its command line); returns (instance, exit code) or raises SetupFailed.
    `used` receives the settings setup ran with (command line over file)."""
    record = ctx.record
    line = command_line(text)
    ini = {}
    if line.get("CONFIGURATIONFILE"):
        ini = sqlsetup.read_ini(ctx, str(line["CONFIGURATIONFILE"]))
        if ini is None:
            raise SetupFailed(CONFIG_MISSING, "The specified configuration file %s does not exist"
                              % line["CONFIGURATIONFILE"])
    settings = dict(ini, **line)  # "settings on the command line override the configuration file's"
    used.update(settings)
    major = int(str(media["version"]).split(".", maxsplit=1)[0])
    for release, keys in sorted(NEWER_SETTINGS.items()):
        for key in keys:
            if major < release and key in settings:
                raise SetupFailed(INVALID_SETTING, "The setting '%s' specified is not recognized." % key)
    if str(settings.get("ACTION", "")).lower() != "install":
        raise SetupFailed(INVALID_SETTING, "The setting 'ACTION' must be Install for a new instance")
    quiet = any(_true(settings.get(k)) for k in ("Q", "QS", "QUIET", "QUIETSIMPLE"))
    if "UIMODE" in settings and quiet:
        raise SetupFailed(INVALID_SETTING, "The setting 'UIMODE' is not allowed when the value of setting 'QUIET' is "
                                           "'True'.")
    if quiet and not _true(settings.get("IACCEPTSQLSERVERLICENSETERMS")):
        raise SetupFailed(INVALID_SETTING, "The /IAcceptSQLServerLicenseTerms command line parameter is missing or has "
                                           "not been set to true. It is a required parameter for the setup action you "
                                           "are running.")
    features = str(settings.get("FEATURES", "")).upper().replace(" ", "").split(",")
    if "SQLENGINE" not in features and "SQL" not in features:
        raise SetupFailed(INVALID_SETTING, "The configuration file installs no Database Engine (FEATURES has no "
                                           "SQLENGINE)")
    if not str(settings.get("SQLSYSADMINACCOUNTS") or "").strip():
        raise SetupFailed(INVALID_SETTING, "The SQL Server feature 'SQL_Engine_Core_Inst' is not in a supported state: "
                                           "SQLSYSADMINACCOUNTS is required for a Database Engine installation.")
    if str(settings.get("SECURITYMODE", "")).upper() == "SQL" and not str(settings.get("SAPWD") or ""):
        raise SetupFailed(INVALID_SETTING, "The sa password (SAPWD) is required when SECURITYMODE is SQL.")
    if record.get("pending_reboot"):
        raise SetupFailed(RULE_FAILED, "A computer restart is required. You must restart this computer before "
                                       "installing SQL Server. (Rule RebootRequiredCheck failed)")
    name = str(settings.get("INSTANCENAME") or "MSSQLSERVER").upper()
    if name in {n.upper() for n in record.get("sql", {})}:
        raise SetupFailed(IN_USE, "The instance name '%s' is already in use. To continue, specify a unique instance "
                                  "name." % name)
    # The instance ID names the instance's folders and registry key: two instances cannot share one.
    iid = str(settings.get("INSTANCEID") or name).upper()
    used = {instance_id_of(other, inst).split(".", 1)[1].upper(): other for other, inst in record.get("sql", {}).items()}
    if iid in used:
        raise SetupFailed(IN_USE, "The instance ID '%s' is already in use by SQL Server instance '%s'. To continue, "
                                  "specify a unique instance ID." % (iid, used[iid]))
    account = str(settings.get("SQLSVCACCOUNT") or winhost.sql_virtual_account(name))
    engine_service, agent_service = winhost.sql_service_names(name)
    _check_account(ctx.state, account, settings.get("SQLSVCPASSWORD") or None, "SQL Server Database Engine",
                   engine_service)
    _check_account(ctx.state, str(settings.get("AGTSVCACCOUNT") or ""), settings.get("AGTSVCPASSWORD") or None,
                   "SQL Server Agent", agent_service)
    root = "C:\\Program Files\\Microsoft SQL Server\\MSSQL%d.%s\\MSSQL" % (major, iid)
    record.setdefault("sql", {})[name] = {
        "version": media["version"], "edition": media["edition"], "service_account": account,
        "service_state": "running", "data_dir": root + "\\DATA", "backup_dir": root + "\\Backup", "databases": {},
    }
    services = record.setdefault("services", {})
    services[engine_service] = {"display_name": "SQL Server (%s)" % name, "status": "Running", "start_mode": "Auto"}
    services[agent_service] = {"display_name": "SQL Server Agent (%s)" % name, "status": "Running", "start_mode": "Auto"}
    if media.get("reboot"):
        winhost.pending(record, "SQL Server setup")
        return name, 3010
    return name, 0


def _summary(code, message, start, end):
    """Summary.txt's overall summary as setup writes it."""
    hresult = code & 0xFFFFFFFF
    result = "Passed" if code == 0 else "Passed but reboot required, see logs for details" if code == 3010 \
        else "Failed: see details below"
    lines = ["Overall summary:",
             "  Final result:                  %s" % result,
             "  Exit code (Decimal):           %d" % code]
    if code not in (0, 3010):
        lines += ["  Exit facility code:            %d" % ((hresult >> 16) & 0x1FFF),
                  "  Exit error code:               %d" % (hresult & 0xFFFF)]
    lines += ["  Exit message:                  %s" % (message if code not in (0, 3010) else result),
              "  Start time:                    %s" % start.strftime("%Y-%m-%d %H:%M:%S"),
              "  End time:                      %s" % end.strftime("%Y-%m-%d %H:%M:%S"),
              "  Requested action:              Install", ""]
    return "\r\n".join(lines)


def run_setup(session, exe_path, text):
    """setup.exe of the lab's SQL Server media, started with command line `text`: installs per the
    rules above, writes Setup Bootstrap\\Log\\Summary.txt, and exits with setup's exit code."""
    ctx, clock = session.ctx, session.engine.clock
    try:
        media = json.loads(fsops.read_bytes(ctx, exe_path).decode("utf-8"))
    except (PSError, ValueError, UnicodeDecodeError):
        return [], 1  # not SQL Server media: the lab runs nothing
    start = clock.now()
    clock.advance(SETUP_SECONDS)
    used = {}
    try:
        code, message = _install(ctx, media, text, used)[1], "Passed"
    except SetupFailed as failed:
        code, message = failed.code, failed.message
    log = "C:\\Program Files\\Microsoft SQL Server\\%s0\\Setup Bootstrap\\Log" % str(media["version"]).split(".", maxsplit=1)[0]
    folder = log + "\\" + start.strftime("%Y%m%d_%H%M%S")
    summary = _summary(code, message, start, clock.now()).encode("utf-8")
    machine = str(ctx.host).split(".", maxsplit=1)[0].upper()
    files = {log + "\\Summary.txt": summary,
             folder + "\\Summary_%s_%s.txt" % (machine, start.strftime("%Y%m%d_%H%M%S")): summary}
    if used:
        files[folder + "\\ConfigurationFile.ini"] = _configuration_file(used)
    stamp = calendar.timegm(clock.now().timetuple())
    for path, data in files.items():
        fsops.write_bytes(ctx, path, data)
        os.utime(fsops.locate(ctx, path).real, (stamp, stamp))
    return [], code


def _configuration_file(settings):
    """The ConfigurationFile.ini setup leaves in its log folder: the settings it ran with, no passwords."""
    lines = [";SQL Server Configuration File (written by the lab's setup.exe)", "[OPTIONS]"]
    for key, value in settings.items():
        if "PASSWORD" in key or key in ("SAPWD", "CONFIGURATIONFILE") or value is True:
            continue
        lines.append('%s="%s"' % (key, value))
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


PROGRAMS["setup.exe"] = run_setup


def install(session):
    _install_registry(session)
    _install_processes(session)
