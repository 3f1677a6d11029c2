"""The Lync Server / Skype for Business Server deployment as the deployment payloads reach it
(lync_topology_probe, lync_database_install, lync_database_status, lync_deploy_step,
lync_deploy_status, lync_recovery_check): the topology read from the Central Management store
(Get-CsSite, Get-CsPool, Get-CsService, Get-CsTopology, Get-CsServerVersion,
Get-CsConfigurationStoreLocation, Get-CsManagementStoreReplicationStatus), the databases
(Install-CsDatabase, Test-CsDatabase), the Deployment Wizard's steps (Bootstrapper.exe,
Import-/Export-CsConfiguration -LocalStore, Enable-CsReplica, Set-CsCertificate), the Lync services
(Get-/Start-/Stop-CsWindowsService), Get-CsCertificate, and what the status payloads read from Windows
(the registry keys of installed products, SQL Server instances and pending restarts; Win32_Service).

Every Lync cmdlet is declared from the cmdlet reference (../shared/reference/lync-cmdlets.json, or
tests/payloads/lync-cmdlets.json without it) through engine/reference.py for the product the lab
installed: a host without the Lync module has none of them ("not recognized"), and a cmdlet or a
parameter whose page does not list the product is not there. Pages:
https://learn.microsoft.com/powershell/module/skypeforbusiness/<name> for get-cssite, get-cspool,
get-csservice, get-cstopology, get-csserverversion, get-csconfigurationstorelocation,
get-csmanagementstorereplicationstatus, install-csdatabase, test-csdatabase, get-cswindowsservice,
start-cswindowsservice, stop-cswindowsservice, enable-csreplica, get-cscertificate, set-cscertificate,
import-csconfiguration, export-csconfiguration.

Behaviour is the lab's model rules: cmdlets.py (the topology, the store location, the services and
the pool's start quorum, Get-CsCertificate), databases.py (Install-/Test-CsDatabase), lyncsetup.py
(Bootstrapper.exe, the local store, Enable-CsReplica), certstore.py (Set-CsCertificate), replication.py
(what the replicas report). SQL Server is reached with the payload's Windows identity (netid, the
double hop) through model.sql_instance.

Windows:
Get-ItemProperty https://learn.microsoft.com/powershell/module/microsoft.powershell.management/get-itemproperty?view=powershell-5.1
  over the Registry provider (about_Registry_Provider,
  https://learn.microsoft.com/powershell/module/microsoft.powershell.core/about/about_registry_provider?view=powershell-5.1):
  Test-Path and Get-Item of fs.py answer for HKLM: paths here; a key's values are the properties of
  Get-ItemProperty's object (with PSPath, PSChildName, ...), Get-Item's RegistryKey lists them in .Property.
  Keys the lab derives from a host: ...\\Uninstall\\<product> (DisplayName, DisplayVersion, Publisher; the
  Lync products are 64-bit, so nothing under Wow6432Node), ...\\Microsoft SQL Server\\Instance Names\\SQL
  (one value per instance), Component Based Servicing\\RebootPending and WindowsUpdate\\Auto
  Update\\RebootRequired (while Windows waits for a restart), Session Manager (PendingFileRenameOperations).
Get-CimInstance https://learn.microsoft.com/powershell/module/cimcmdlets/get-ciminstance?view=powershell-5.1
  (-ClassName Win32_Service: https://learn.microsoft.com/windows/win32/cimwin32prov/win32-service — Name,
  DisplayName, State, StartMode, StartName).
ServiceControllerStatus https://learn.microsoft.com/dotnet/api/system.serviceprocess.servicecontrollerstatus
Bootstrapper.exe: ../shared/reference/bootstrapper.md and plugins/plugin_utils/bootstrapper.py (no Microsoft page
  lists its switches); an external program: its exit code is $LASTEXITCODE (about_Automatic_Variables).

Commands another area also declares (Get-Module, Import-Module, Get-CsConfigurationStoreLocation,
Import-/Export-CsConfiguration in lync.py; Get-/Set-CsCertificate in certs.py; Get-CimInstance) are added
here only when the session lacks them, so the area that owns them wins.
"""

import datetime
import functools
import pathlib
import re

from .. import certstore, cmdlets, databases, fsops, lyncsetup, model, winhost
from ..engine import Command, NativeCommand, Param, reference
from ..engine import operators as O
from ..engine import values as V
from ..errors import PSError
from . import setup, windows
from .lync import PSModuleInfo

PAYLOADS = ("lync_topology_probe", "lync_database_install", "lync_database_status", "lync_deploy_step",
            "lync_deploy_status", "lync_recovery_check")
CORE = "Microsoft.PowerShell.Core"
MANAGEMENT = "Microsoft.PowerShell.Management"

_ROOT = pathlib.Path(__file__).resolve().parents[4]
REFERENCE = reference.LAB_REFERENCE

# The lab's product keys (seed.PRODUCTS) -> the product as the cmdlet pages name it.
PRODUCTS = {"lync2013": "Lync Server 2013", "sfb2015": "Skype for Business Server 2015",
            "sfb2019": "Skype for Business Server 2019"}
MODULE_DIRS = {"lync2013": "C:\\Program Files\\Common Files\\Microsoft Lync Server 2013\\Modules",
               "sfb2015": "C:\\Program Files\\Common Files\\Skype for Business Server 2015\\Modules",
               "sfb2019": "C:\\Program Files\\Common Files\\Skype for Business Server 2019\\Modules"}

# ServiceControllerStatus (https://learn.microsoft.com/dotnet/api/system.serviceprocess.servicecontrollerstatus):
# the one enum type windows.py declares.
SERVICE_STATUS = windows.SERVICE_STATUS


@functools.lru_cache(maxsize=4)
def cmdlet_reference(path=None):
    return reference.load(str(path or REFERENCE))


def _year(name):
    found = re.search(r"(20\d\d)", str(name))
    return found.group(1) if found else None


def _applies(applicable, product):
    return _year(product) in {_year(a) for a in (applicable or ())}


def declared(entry, product):
    """The reference entry as `product` has it (the parameters that apply to it), or None when the
    product lacks the cmdlet."""
    if not _applies(entry.get("applicable_versions") or entry.get("applicable"), product):
        return None
    params = {name: info for name, info in entry["parameters"].items()
              if not info.get("applicable") or _applies(info["applicable"], product)}
    if entry["parameters"] and not params:
        return None
    return dict(entry, parameters=params)


# --- the objects the cmdlets return ------------------------------------------------------------

class _Record(V.NetObject):
    """A Lync configuration object: its properties are the lab record's keys."""

    def __init__(self, type_name, fields, text_key="Identity"):
        self.TYPE_NAME = type_name
        for key, value in fields.items():
            setattr(self, key, list(value) if isinstance(value, (list, tuple)) else value)
        self._text = fields.get(text_key)

    def ToString(self):
        return V.to_string(self._text) if self._text is not None else self.TYPE_NAME


class NTService(V.NetObject):
    """Get-CsWindowsService's output: Name, DisplayName, Status (a ServiceControllerStatus), ActivityLevel."""

    TYPE_NAME = "Microsoft.Rtc.Management.Deployment.Core.NTService"

    def __init__(self, name, display_name, status):
        self.Name = name
        self.DisplayName = display_name
        self.Status = V.to_enum(status, SERVICE_STATUS)
        self.ActivityLevel = ""

    def ToString(self):
        return self.Name


class DatabaseTest(V.NetObject):
    """One row of Test-CsDatabase."""

    TYPE_NAME = "Microsoft.Rtc.Management.Deployment.DatabaseInfo"

    def __init__(self, row):
        self.SqlServerFqdn = row["SqlServerFqdn"]
        self.SqlInstanceName = row["SqlInstanceName"]
        self.DatabaseName = row["DatabaseName"]
        self.DataSource = ("%s\\%s" % (row["SqlServerFqdn"], row["SqlInstanceName"]) if row["SqlInstanceName"]
                           else row["SqlServerFqdn"])
        self.Succeed = bool(row["Succeed"])
        self.ExpectedVersion = row["ExpectedVersion"]
        self.InstalledVersion = row["InstalledVersion"]

    def ToString(self):
        return self.TYPE_NAME


class StoreLocation(V.NetObject):
    """Get-CsConfigurationStoreLocation: its string is <fqdn>\\<instance> (the fqdn alone for a default instance)."""

    TYPE_NAME = "Microsoft.Rtc.Management.Deployment.SqlInstanceLocation"

    def __init__(self, text):
        self.BackEndServer = text

    def ToString(self):
        return self.BackEndServer


class CertificateAssignment(V.NetObject):
    TYPE_NAME = "Microsoft.Rtc.Management.Deployment.CertificateReference"

    def __init__(self, use, thumbprint):
        self.Use = use
        self.Thumbprint = thumbprint

    def ToString(self):
        return self.TYPE_NAME


class RegistryKey(V.NetObject):
    """Get-Item of a registry key: Microsoft.Win32.RegistryKey with the provider's Property (value names)."""

    TYPE_NAME = "Microsoft.Win32.RegistryKey"

    def __init__(self, path, values):
        self.Name = "HKEY_LOCAL_MACHINE" + path[len("HKLM:"):]
        self.PSChildName = path.rsplit("\\", 1)[-1]
        self.Property = list(values)
        self.ValueCount = len(values)

    def ToString(self):
        return self.Name


class CimService(V.NetObject):
    TYPE_NAME = "Microsoft.Management.Infrastructure.CimInstance#root/cimv2/Win32_Service"

    def __init__(self, record, name, svc):
        self.Name = name
        self.DisplayName = svc.get("display_name", name)
        self.State = svc.get("status", "Stopped")
        self.Started = self.State == "Running"
        self.StartMode = svc.get("start_mode", "Auto")
        self.StartName = winhost.service_start_name(record, name)

    def ToString(self):
        return "Win32_Service (Name = \"%s\")" % self.Name


def _datetime(text):
    if not text:
        return None
    try:
        value = datetime.datetime.strptime(str(text), "%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        return None
    return V.with_kind(value, "Utc")


# --- the registry as the status payloads read it ---------------------------------------------

UNINSTALL = "HKLM:\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall"
UNINSTALL_WOW = "HKLM:\\SOFTWARE\\Wow6432Node\\Microsoft\\Windows\\CurrentVersion\\Uninstall"
SQL_INSTANCES = "HKLM:\\SOFTWARE\\Microsoft\\Microsoft SQL Server\\Instance Names\\SQL"
CBS_REBOOT = "HKLM:\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Component Based Servicing\\RebootPending"
WU_REBOOT = "HKLM:\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\WindowsUpdate\\Auto Update\\RebootRequired"
SESSION_MANAGER = "HKLM:\\SYSTEM\\CurrentControlSet\\Control\\Session Manager"
SQL_MAJOR = {"10.5": "MSSQL10_50", "11": "MSSQL11", "12": "MSSQL12", "13": "MSSQL13", "14": "MSSQL14", "15": "MSSQL15"}


def _product_key(name):
    return "{%s}" % re.sub(r"[^A-Za-z0-9]", "", name)[:36].upper()


def registry_keys(record):
    """{key path: {value name: value}} of the keys the lab derives from a host record."""
    keys = {UNINSTALL: {}, UNINSTALL_WOW: {}, SESSION_MANAGER: {}}
    for product in record.get("products", []):
        keys["%s\\%s" % (UNINSTALL, _product_key(product["Name"]))] = {
            "DisplayName": product["Name"], "DisplayVersion": product.get("Version") or "", "Publisher": "Microsoft Corporation"}
    if record.get("sql"):
        values = {}
        for name, inst in sorted(record["sql"].items()):
            version = str(inst.get("version") or "11.0")
            major = version.split(".", 1)[0] + (".5" if version.startswith("10.5") else "")
            values[name.upper()] = "%s.%s" % (SQL_MAJOR.get(major, "MSSQL" + major.split(".")[0]), name.upper())
        keys[SQL_INSTANCES] = values
    if record.get("reboot_pending") or record.get("pending_reboot"):
        keys[CBS_REBOOT] = {}
        keys[WU_REBOOT] = {}
    if record.get("pending_file_renames"):
        keys[SESSION_MANAGER] = {"PendingFileRenameOperations": ["\\??\\C:\\Windows\\Temp\\lab.tmp", ""]}
    return keys


def deploy_keys(record):
    """The keys of registry_keys that neither setup.py's registry nor windows.py's key source derive (installed
    products' Uninstall entries are windows.py's): a restart the record marks with `reboot_pending`, and pending
    file renames."""
    keys = {}
    if record.get("reboot_pending"):
        keys[CBS_REBOOT] = {}
        keys[WU_REBOOT] = {}
    if record.get("pending_file_renames"):
        keys[SESSION_MANAGER] = {"PendingFileRenameOperations": ["\\??\\C:\\Windows\\Temp\\lab.tmp", ""]}
    # setup.py's registry names keys from their hive's full name.
    return {"HKEY_LOCAL_MACHINE" + path[len("HKLM:"):]: values for path, values in keys.items()}


setup.KEY_SOURCES.append(deploy_keys)


def is_registry_path(path):
    text = str(path)
    return text.lower().startswith(("hklm:", "hkcu:", "registry::", "microsoft.powershell.core\\registry::"))


def _normalize(path):
    text = str(path).rstrip("\\")
    for prefix in ("Microsoft.PowerShell.Core\\Registry::", "Registry::"):
        if text.lower().startswith(prefix.lower()):
            text = text[len(prefix):]
            if text.upper().startswith("HKEY_LOCAL_MACHINE"):
                text = "HKLM:" + text[len("HKEY_LOCAL_MACHINE"):]
    return text


def _find_keys(record, path, literal):
    """The keys a -Path (wildcards) or -LiteralPath names, as (display path, values)."""
    keys = registry_keys(record)
    wanted = _normalize(path)
    if literal or not any(c in wanted for c in "*?["):
        hit = next(((k, v) for k, v in keys.items() if k.lower() == wanted.lower()), None)
        return [hit] if hit else None
    found = [(k, v) for k, v in sorted(keys.items()) if V.to_bool(O.comparison("like", k, wanted))]
    return found


def _item_properties(path, values):
    parent, child = path.rsplit("\\", 1)
    provider = "Microsoft.PowerShell.Core\\Registry::HKEY_LOCAL_MACHINE"
    props = [(k, list(v) if isinstance(v, list) else v) for k, v in values.items()]
    props += [("PSPath", provider + path[len("HKLM:"):]), ("PSParentPath", provider + parent[len("HKLM:"):]),
              ("PSChildName", child), ("PSDrive", "HKLM"), ("PSProvider", "Microsoft.PowerShell.Core\\Registry")]
    return V.PSObject(props)


# --- install ------------------------------------------------------------------------------------

def install(session):
    ctx = session.ctx
    state = ctx.state
    record = state["hosts"].get(ctx.host, {}) if isinstance(state.get("hosts"), dict) else {}
    if session.engine.commands.get("Get-ItemProperty") is None:  # setup.py's registry provider, when installed, wins
        _install_registry(session, ctx)
    _install_windows(session, ctx)
    _install_modules(session, ctx, record)
    if record.get("lync_module"):
        _install_lync(session, ctx, record)
    if lyncsetup.has_core(record):
        _install_bootstrapper(session, ctx)


def _add_if_absent(session, command):
    if session.engine.commands.get(command.name) is None:
        session.command(command)


def _install_registry(session, ctx):
    """Get-ItemProperty, and Test-Path / Get-Item for registry paths (the FileSystem paths stay fs.py's)."""

    def not_found(call, path):
        call.error("Cannot find path '%s' because it does not exist." % path,
                   "System.Management.Automation.ItemNotFoundException", "PathNotFound", "ObjectNotFound", path)

    def paths(call):
        literal = call.args.get("LiteralPath")
        values = literal if literal is not None else call.args.get("Path")
        return [V.to_string(p) for p in V.enumerate_value(values)], literal is not None

    def get_item_property(call):
        names = [V.to_string(n) for n in V.enumerate_value(call.args.get("Name"))] if call.args.get("Name") else None
        out = []
        given, literal = paths(call)
        for path in given:
            if not is_registry_path(path):
                call.terminate("lab: Get-ItemProperty is modelled for registry paths only (%s)." % path,
                               "System.NotImplementedException", "NotModelled", "NotImplemented")
            found = _find_keys(ctx.record, path, literal)
            if found is None:
                not_found(call, path)
                continue
            for key, values in found:
                if names is not None:
                    missing = [n for n in names if not any(k.lower() == n.lower() for k in values)]
                    for name in missing:
                        call.error("Property %s does not exist at path %s." % (name, "HKEY_LOCAL_MACHINE" + key[5:]),
                                   "System.Management.Automation.PSArgumentException", "System.Management.Automation."
                                   "PSArgumentException", "InvalidArgument", name)
                    values = {k: v for k, v in values.items() if any(k.lower() == n.lower() for n in names)}
                    if not values:
                        continue
                out.append(_item_properties(key, values))
        return out

    session.command(Command("Get-ItemProperty", [
        Param("Path", "System.String[]", position=0, mandatory=True, sets=("Path",), pipeline=True, by_property=True),
        Param("LiteralPath", "System.String[]", mandatory=True, sets=("LiteralPath",), by_property=True,
              aliases=("PSPath", "LP")),
        Param("Name", "System.String[]", position=1, aliases=("PSProperty",)), Param("Filter", "System.String"),
        Param("Include", "System.String[]"), Param("Exclude", "System.String[]"),
        Param("Credential", "System.Management.Automation.PSCredential")],
        get_item_property, default_set="Path", aliases=("gp",), module=MANAGEMENT))

    def wrap(name, registry_function):
        previous = session.engine.commands.get(name)
        if previous is None:
            return

        def function(call):
            given, dummy = paths(call)
            if given and all(is_registry_path(p) for p in given):
                return registry_function(call)
            if any(is_registry_path(p) for p in given):
                call.terminate("lab: %s over registry and file system paths at once is not modelled." % name,
                               "System.NotImplementedException", "NotModelled", "NotImplemented")
            return previous.function(call)
        session.command(Command(previous.name, previous.params, function, should_process=previous.should_process,
                                pipeline=previous.pipeline, default_set=previous.binder.default_set,
                                aliases=previous.aliases, module=previous.module))

    def registry_test_path(call):
        given, literal = paths(call)
        kind = V.to_string(call.args.get("PathType") or "Any").lower()
        if kind == "leaf":  # registry keys are containers
            return [False for dummy in given]
        return [bool(_find_keys(ctx.record, p, literal)) for p in given]

    def registry_get_item(call):
        out = []
        given, literal = paths(call)
        for path in given:
            found = _find_keys(ctx.record, path, literal)
            if not found:
                not_found(call, path)
                continue
            out.extend(RegistryKey(key, values) for key, values in found)
        return out

    wrap("Test-Path", registry_test_path)
    wrap("Get-Item", registry_get_item)


def _install_windows(session, ctx):
    """Get-CimInstance -ClassName Win32_Service (when no other area declares Get-CimInstance)."""

    def get_cim_instance(call):
        name = V.to_string(call.args.get("ClassName"))
        if name.lower() != "win32_service":
            call.terminate("lab: Get-CimInstance -ClassName %s is not modelled here." % name,
                           "System.NotImplementedException", "NotModelled", "NotImplemented")
        record = ctx.record
        return [CimService(record, n, s) for n, s in sorted(record.get("services", {}).items())]

    _add_if_absent(session, Command("Get-CimInstance", [
        Param("ClassName", "System.String", position=0, mandatory=True, sets=("ClassNameComputerSet",)),
        Param("Namespace", "System.String"), Param("Filter", "System.String"), Param("Property", "System.String[]"),
        Param("ComputerName", "System.String[]", aliases=("CN", "ServerName")), Param("KeyOnly", switch=True),
        Param("Shallow", switch=True), Param("OperationTimeoutSec", "System.UInt32", aliases=("OT",))],
        get_cim_instance, default_set="ClassNameComputerSet", aliases=("gcim",), module="CimCmdlets"))


def _install_modules(session, ctx, record):
    """Get-Module -ListAvailable / Import-Module for the Lync module (when no other area declares them)."""
    state = ctx.state
    engine = session.engine
    engine.lab_loaded_modules = getattr(engine, "lab_loaded_modules", [])
    product_key = state.get("lab", {}).get("product", "lync2013")

    def available():
        if not record.get("lync_module"):
            return []
        name = record["lync_module"]
        version = lyncsetup.product(state)["version"] if "lab" in state else "0.0"
        return [PSModuleInfo(name, "%s\\%s" % (MODULE_DIRS.get(product_key, MODULE_DIRS["lync2013"]), name), version)]

    def matches(module, names):
        if names is None:
            return True
        return any(V.to_bool(O.comparison("like", module.Name, n)) or str(n).lower() == module.Path.lower()
                   for n in V.enumerate_value(names))

    def get_module(call):
        names = call.args.get("Name")
        if call.switch("ListAvailable"):
            return [m for m in available() if matches(m, names)]
        return [m for m in engine.lab_loaded_modules if matches(m, names)]

    def import_module(call):
        wanted = call.args.get("ModuleInfo")
        modules = list(V.enumerate_value(wanted)) if wanted is not None else []
        if wanted is None:
            for name in V.enumerate_value(call.args.get("Name")):
                found = [m for m in available() if matches(m, [name])]
                if not found:
                    call.error("The specified module '%s' was not loaded because no valid module file was found in "
                               "any module directory." % name, "System.IO.FileNotFoundException",
                               "Modules_ModuleNotFound", "ResourceUnavailable", name)
                modules.extend(found)
        for module in modules:
            if all(m.Name != module.Name for m in engine.lab_loaded_modules):
                engine.lab_loaded_modules.append(module)
        return modules if call.switch("PassThru") else []

    _add_if_absent(session, Command("Get-Module", [
        Param("Name", "System.String[]", position=0, pipeline=True, sets=("Loaded", "Available")),
        Param("ListAvailable", switch=True, mandatory=True, sets=("Available",)),
        Param("All", switch=True), Param("Refresh", switch=True, sets=("Available",)),
        Param("FullyQualifiedName", "System.Object[]")],
        get_module, default_set="Loaded", pipeline=None, aliases=("gmo",), module=CORE))
    _add_if_absent(session, Command("Import-Module", [
        Param("ModuleInfo", "System.Management.Automation.PSModuleInfo[]", position=0, mandatory=True,
              pipeline=True, sets=("ModuleInfo",)),
        Param("Name", "System.String[]", position=0, mandatory=True, pipeline=True, sets=("Name",)),
        Param("Global", switch=True), Param("Prefix", "System.String"), Param("Force", switch=True),
        Param("PassThru", switch=True), Param("MinimumVersion", "System.Object", aliases=("Version",)),
        Param("RequiredVersion", "System.Object"), Param("DisableNameChecking", switch=True),
        Param("Scope", "System.String")],
        import_module, default_set="Name", aliases=("ipmo",), module=CORE))


def _lab(call, action, category="InvalidOperation", terminating=True):
    """Run a lab rule as the cmdlet: its PSError is the cmdlet's terminating (or non-terminating) error."""
    try:
        return action()
    except PSError as exc:
        if terminating:
            call.terminate(exc.message, "System.InvalidOperationException", exc.error_id, exc.category or category)
        call.error(exc.message, "System.InvalidOperationException", exc.error_id, exc.category or category)
    return None


def _install_lync(session, ctx, record):
    state = ctx.state
    product = PRODUCTS.get(state.get("lab", {}).get("product"), "Lync Server 2013")
    ref = cmdlet_reference()
    module = record["lync_module"]

    def add(name, function, only_if_absent=False, **kwargs):
        entry = ref.get(name)
        entry = declared(entry, product) if entry else None
        if entry is None:
            return None  # the product lacks it: "not recognized"
        existing = session.engine.commands.get(name) if only_if_absent else None
        if existing is not None:
            # Another area's behaviour, declared with this product's parameters (a parameter the product
            # lacks is not found).
            function = existing.function
        command = reference.command({name: entry}, name, function, module=module, **kwargs)
        if existing is not None:
            types = {p.name: p.type for p in existing.params}
            for param in command.params:
                param.type = types.get(param.name, param.type)  # the owning area's types (CertType, ...)
        return session.command(command)

    def topology():
        return cmdlets.topology(state)

    # -- the topology --
    def get_site(call):
        identity = call.args.get("Identity")
        sites = _lab(call, lambda: topology()["sites"]) or []
        if identity is not None:
            sites = [s for s in sites if V.to_string(identity).lower() in (s["Identity"].lower(), s["DisplayName"].lower())]
        return [_Record("Microsoft.Rtc.Management.Xds.DisplaySite", s) for s in sites]

    def get_pool(call):
        identity = call.args.get("Identity")
        pools = _lab(call, lambda: topology()["pools"]) or []
        if identity is not None:
            pools = [p for p in pools if p["Fqdn"].lower() == V.to_string(identity).lower()]
        if call.args.get("Site") is not None:
            pools = [p for p in pools if p["Site"].lower() == V.to_string(call.args["Site"]).lower()]
        return [_Record("Microsoft.Rtc.Management.Xds.DisplayPool", p) for p in pools]

    def get_service(call):
        services = _lab(call, lambda: topology()["services"]) or []
        identity = call.args.get("Identity")
        if identity is not None:
            services = [s for s in services if s["Identity"].lower() == V.to_string(identity).lower()]
        if call.args.get("PoolFqdn") is not None:
            services = [s for s in services if s["PoolFqdn"].lower() == V.to_string(call.args["PoolFqdn"]).lower()]
        roles = [n for n in call.args if n not in ("Identity", "PoolFqdn", "Filter") and call.switch(n)
                 and any(p.name == n and p.switch for p in call.command.params)]
        if roles:
            services = [s for s in services if s["Role"].lower() in [r.lower() for r in roles]]
        return [_Record("Microsoft.Rtc.Management.Xds.Display%s" % s["Role"], s) for s in services]

    def get_topology(call):
        if call.switch("AsXml"):
            return [_lab(call, lambda: cmdlets.topology_xml(state))]
        topo = _lab(call, topology)
        return [V.PSObject([("Sites", [s["Identity"] for s in topo["sites"]]),
                            ("Clusters", [p["Fqdn"] for p in topo["pools"]])])]

    def get_server_version(call):
        info = lyncsetup.product(state)
        name = info["name"].replace("Microsoft ", "")
        return ["%s(%s): Volume license key installed." % (name, ".".join(info["version"].split(".")[:3]))]

    def get_store_location(call):
        if not state.get("ad", {}).get("scp"):
            return []
        return [StoreLocation(cmdlets.store_location(state))]

    def get_replication_status(call):
        xds = _lab(call, lambda: model.cms(state)["content"])
        if call.switch("CentralManagementStoreStatus"):
            master = cmdlets.active_cms_master(state)
            return [_Record("Microsoft.Rtc.Management.Xds.CentralManagementStoreStatusResult", {
                "ActiveMasterFqdn": master, "ActiveFileTransferAgents": [master] if master else [],
                "ActiveReplicatorAgents": [master] if master else [], "ReplicaCount": len(xds.get("replication", {}))},
                text_key="ActiveMasterFqdn")]
        wanted = call.args.get("ReplicaFqdn")
        out = []
        for fqdn, status in sorted(xds.get("replication", {}).items()):
            if wanted is not None and fqdn.lower() != V.to_string(wanted).lower():
                continue
            out.append(_Record("Microsoft.Rtc.Management.Xds.ReplicaState", {
                "ReplicaFqdn": fqdn, "UpToDate": status["version"] == xds["version"],
                "LastStatusReport": _datetime(status.get("last_status_report")),
                "LastUpdateCreation": _datetime(xds.get("last_update_creation")),
                "ProductVersion": lyncsetup.product(state)["version"]}, text_key="ReplicaFqdn"))
        return out

    # -- databases --
    def install_database(call):
        server = V.to_string(call.args.get("SqlServerFqdn") or "").lower()
        clean = call.switch("Clean")
        if call.set_name == "ByCMS":
            instance = V.to_string(call.args.get("SqlInstanceName") or "") or None
            target = "%s\\%s" % (server, instance) if instance else server
            if call.should_process(target, "Install-CsDatabase -CentralManagementDatabase"):
                _lab(call, lambda: databases.install_cms(state, server, instance, clean))
        elif call.set_name == "ByConfigured":
            for_instance = V.to_string(call.args.get("ForInstance") or "") or None
            if call.should_process(server, "Install-CsDatabase -ConfiguredDatabases"):
                _lab(call, lambda: databases.install_configured(state, server, clean=clean, for_instance=for_instance,
                                                                for_default=call.switch("ForDefaultInstance")))
        else:
            call.terminate("lab: Install-CsDatabase -%s is not modelled." % call.set_name,
                           "System.NotImplementedException", "NotModelled", "NotImplemented")
        return []

    def test_database(call):
        if not call.should_process(V.to_string(call.args.get("SqlServerFqdn") or "databases"), "Test-CsDatabase"):
            return []
        if call.set_name == "ByCMS":
            if call.args.get("SqlServerFqdn") is not None:
                server = V.to_string(call.args["SqlServerFqdn"]).lower()
                instance = V.to_string(call.args.get("SqlInstanceName") or "")
            else:  # the store the service control point names
                scp = state["ad"].get("scp") or {}
                server, instance = scp.get("sql_fqdn", ""), scp.get("instance") or ""
            try:
                present = model.sql_instance(state, server, instance or None)["databases"]
            except PSError:
                present = {}
            rows = []
            for name in databases.ROLE_DATABASES["CentralManagementDatabase"]:
                installed = present[name].get("schema_version", databases.SCHEMA_VERSION) if name in present else None
                rows.append({"SqlServerFqdn": server, "SqlInstanceName": instance, "DatabaseName": name,
                             "Succeed": installed == databases.SCHEMA_VERSION,
                             "ExpectedVersion": databases.SCHEMA_VERSION, "InstalledVersion": installed or ""})
        elif call.set_name == "ByConfigured":
            rows = _lab(call, lambda: databases.test_databases(state, V.to_string(call.args["SqlServerFqdn"]))) or []
        else:
            call.terminate("lab: Test-CsDatabase -%s is not modelled." % call.set_name,
                           "System.NotImplementedException", "NotModelled", "NotImplemented")
        return [DatabaseTest(r) for r in rows]

    # -- services --
    def get_windows_service(call):
        rec = ctx.record
        names = lyncsetup.lync_services(rec)
        wanted = call.args.get("Name")
        if wanted is not None:
            names = [n for n in names if V.to_bool(O.comparison("like", n, wanted))]
            if not names:
                call.error("Cannot find any service with service name '%s'." % V.to_string(wanted),
                           "System.InvalidOperationException", "ServiceNotFound", "ObjectNotFound", wanted)
        return [NTService(n, rec["services"][n]["display_name"], rec["services"][n]["status"]) for n in names]

    def start_windows_service(call):
        name = call.args.get("Name")
        name = V.to_string(name) if name is not None else None
        if call.should_process(name or ctx.host, "Start-CsWindowsService"):
            _lab(call, lambda: cmdlets.start_windows_service(state, ctx.host, name, no_wait=call.switch("NoWait")),
                 terminating=False)
        return []

    def stop_windows_service(call):
        name = call.args.get("Name")
        name = V.to_string(name) if name is not None else None
        if call.should_process(name or ctx.host, "Stop-CsWindowsService"):
            _lab(call, lambda: cmdlets.stop_windows_service(state, ctx.host, name), terminating=False)
        return []

    # -- the local store, the replica, certificates --
    def enable_replica(call):
        if call.should_process(ctx.host, "Enable-CsReplica"):
            _lab(call, lambda: lyncsetup.enable_replica(state, ctx.host))
        return []

    def export_configuration(call):
        data = _lab(call, lambda: cmdlets.export_configuration(state, local_store=call.switch("LocalStore")))
        if call.switch("AsBytes"):
            call.write(list(data))
            return []
        _lab(call, lambda: fsops.write_bytes(ctx, V.to_string(call.args["FileName"]), data))
        return []

    def import_configuration(call):
        if call.args.get("ByteInput") is not None:
            data = bytes(V.to_integer(b) & 0xFF for b in V.enumerate_value(call.args["ByteInput"]))
        else:
            data = _lab(call, lambda: fsops.read_bytes(ctx, V.to_string(call.args["FileName"])))
        if call.switch("LocalStore"):
            _lab(call, lambda: (cmdlets.read_zip(data, "configuration"), lyncsetup.import_local_store(state, ctx.host)))
        else:
            _lab(call, lambda: cmdlets.import_configuration(state, data))
        return []

    def get_cs_certificate(call):
        rows = _lab(call, lambda: cmdlets.get_cs_certificate(ctx.record)) or []
        wanted = [V.to_string(t).lower() for t in V.enumerate_value(call.args.get("Type"))] if call.args.get("Type") else None
        return [CertificateAssignment(r["Use"], r["Thumbprint"]) for r in rows
                if wanted is None or r["Use"].lower() in wanted]

    def set_cs_certificate(call):
        thumb = V.to_string(call.args.get("Thumbprint") or "")
        uses = [V.to_string(t) for t in V.enumerate_value(call.args.get("Type"))]
        identity = V.to_string(call.args.get("Identity") or "") or None
        if call.should_process(thumb, "Set-CsCertificate"):
            _lab(call, lambda: certstore.set_certificate(ctx.record, uses, thumb, identity))
            # The replica service has applied the CMS's global assignments by the time a server's own
            # certificates are assigned (Set-CsCertificate, -Identity: "Global certificates will automatically
            # be copied and distributed to the appropriate computers").
            certstore.replicate_global(state, ctx.host)
        return []

    add("Get-CsSite", get_site)
    add("Get-CsPool", get_pool)
    add("Get-CsService", get_service)
    add("Get-CsTopology", get_topology, only_if_absent=True)
    add("Get-CsServerVersion", get_server_version)
    add("Get-CsConfigurationStoreLocation", get_store_location, only_if_absent=True)
    add("Get-CsManagementStoreReplicationStatus", get_replication_status)
    add("Install-CsDatabase", install_database)
    add("Test-CsDatabase", test_database)
    add("Get-CsWindowsService", get_windows_service, only_if_absent=True)  # windows.py's, when installed
    add("Start-CsWindowsService", start_windows_service, only_if_absent=True)  # windows.py's, when installed
    add("Stop-CsWindowsService", stop_windows_service, only_if_absent=True)  # windows.py's, when installed
    add("Enable-CsReplica", enable_replica)
    add("Export-CsConfiguration", export_configuration, only_if_absent=True)
    add("Import-CsConfiguration", import_configuration, only_if_absent=True)
    add("Get-CsCertificate", get_cs_certificate, only_if_absent=True)
    add("Set-CsCertificate", set_cs_certificate, only_if_absent=True)


# --- Bootstrapper.exe ---------------------------------------------------------------------------

def _install_bootstrapper(session, ctx):
    """Bootstrapper.exe under <install dir>\\Deployment (there once the core components are installed):
    /BootstrapLocalMgmt makes the local configuration store (RTCLOCAL), /BootstrapSqlExpress the RTC instance
    of a Standard Edition server's CMS, no /Bootstrap switch installs the computer's roles from the topology
    (step 2). A failure is an exit code other than 0 and its message on the output."""

    def run(engine, argv):
        args = [a.upper() for a in argv]
        try:
            if "/BOOTSTRAPLOCALMGMT" in args:
                lyncsetup.bootstrap_local_mgmt(ctx.state, ctx.host)
            elif "/BOOTSTRAPSQLEXPRESS" in args:
                lyncsetup.install_sql_express(ctx.state, ctx.host, "RTC")
            elif any(a.startswith("/BOOTSTRAP") for a in args):
                return ["Bootstrapper.exe: unknown switch %s" % " ".join(argv)], 1
            else:
                lyncsetup.bootstrap_components(ctx.state, ctx.host)
        except PSError as exc:
            return [exc.message], 1
        return ["Bootstrapper.exe %s: success" % " ".join(argv)], 0

    session.command(NativeCommand("Bootstrapper.exe", run))
