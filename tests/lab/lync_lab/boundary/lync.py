"""The Lync Server / Skype for Business Server Management Shell as the data payloads reach it: the
module (Get-Module -ListAvailable, Import-Module), the Central Management store and its location
(Export-/Import-CsConfiguration, Get-/Set-CsConfigurationStoreLocation, Get-CsTopology -AsXml,
Enable-CsTopology), E9-1-1 (Export-/Import-/Publish-CsLisConfiguration), user data
(Export-/Import-CsUserData), Response Group (Export-/Import-CsRgsConfiguration) and Persistent Chat
(Export-/Import-CsPersistentChatData). The deployment cmdlets are in lync_deploy.py.

Every Lync cmdlet is declared from the cmdlet reference (../shared/reference/lync-cmdlets.json, or
tests/payloads/lync-cmdlets.json without it) through engine/reference.py, for the product the lab
installed: a host without the Lync module has none of them, and a cmdlet or a parameter whose page
does not list the product is not there ("not recognized" / "A parameter cannot be found"). The pages
of the Persistent Chat cmdlets list Skype for Business Server 2019 in their front matter, but none of
their parameters does ("> Applicable: Lync Server 2013, Skype for Business Server 2015"), and 2019
has no Persistent Chat Server role: a cmdlet none of whose parameters applies to the product is
taken as absent from it.

Behaviour is the lab's model rules (cmdlets.py, lyncsetup.py): what each cmdlet reads and changes
in the state, with the WinRM double hop (netid) where it connects to SQL Server or AD. The files
they write and read go through fsops at the path the payload passes (-FileName), so a payload that
sends data elsewhere writes elsewhere. Pages (https://learn.microsoft.com/powershell/module/skypeforbusiness/<name>):
export-csconfiguration, import-csconfiguration, export-cslisconfiguration, import-cslisconfiguration,
publish-cslisconfiguration, export-csuserdata, import-csuserdata, export-csrgsconfiguration,
import-csrgsconfiguration, export-cspersistentchatdata, import-cspersistentchatdata, enable-cstopology,
get-cstopology, get-csconfigurationstorelocation, set-csconfigurationstorelocation.
Get-Module https://learn.microsoft.com/powershell/module/microsoft.powershell.core/get-module?view=powershell-5.1
Import-Module https://learn.microsoft.com/powershell/module/microsoft.powershell.core/import-module?view=powershell-5.1
"""

import functools
import pathlib
import re

from .. import cmdlets, fsops, lyncsetup
from ..engine import Command, Param, reference
from ..engine import operators
from ..engine import values as V
from . import fs

PAYLOADS = ("lync_cms_export", "lync_cms_import", "lync_data_export", "lync_data_import", "lync_topology_enable")
CORE = "Microsoft.PowerShell.Core"

_ROOT = pathlib.Path(__file__).resolve().parents[4]
REFERENCE = reference.LAB_REFERENCE

# The lab's product keys (seed.PRODUCTS) -> the product as the cmdlet pages name it.
PRODUCTS = {"lync2013": "Lync Server 2013", "sfb2015": "Skype for Business Server 2015",
            "sfb2019": "Skype for Business Server 2019"}
# Where each product installs its module (Get-Module's Path / ModuleBase).
MODULE_DIRS = {"lync2013": "C:\\Program Files\\Common Files\\Microsoft Lync Server 2013\\Modules",
               "sfb2015": "C:\\Program Files\\Common Files\\Skype for Business Server 2015\\Modules",
               "sfb2019": "C:\\Program Files\\Common Files\\Skype for Business Server 2019\\Modules"}


@functools.lru_cache(maxsize=4)
def cmdlet_reference(path=None):
    return reference.load(str(path or REFERENCE))


def _year(name):
    found = re.search(r"(20\d\d)", str(name))
    return found.group(1) if found else None


def _applies(applicable, product):
    """Whether a page's applicability list names the product (by its year: the short reference
    spells some products differently)."""
    return _year(product) in {_year(a) for a in (applicable or ())}


def declared(entry, product):
    """The reference entry as `product` has it (its parameters that apply), or None when the
    product lacks the cmdlet."""
    if not _applies(entry.get("applicable_versions") or entry.get("applicable"), product):
        return None
    params = {name: info for name, info in entry["parameters"].items()
              if not info.get("applicable") or _applies(info["applicable"], product)}
    if entry["parameters"] and not params:
        return None
    return dict(entry, parameters=params)


def lync_command(session, name, function, reference_path=None):
    """Add Lync cmdlet `name` to the session when the host has the Lync module and its product has
    the cmdlet; returns the Command or None."""
    ctx = session.ctx
    record = ctx.state["hosts"].get(ctx.host, {})
    if not record.get("lync_module"):
        return None
    product = PRODUCTS.get(ctx.state.get("lab", {}).get("product"), "Lync Server 2013")
    entry = cmdlet_reference(reference_path).get(name)
    entry = declared(entry, product) if entry else None
    if entry is None:
        return None
    return session.command(reference.command({name: entry}, name, function, module=record["lync_module"]))


class PSModuleInfo(V.NetObject):
    """System.Management.Automation.PSModuleInfo: what Get-Module returns."""

    TYPE_NAME = "System.Management.Automation.PSModuleInfo"

    def __init__(self, name, base, version):
        self.Name = name
        self.ModuleBase = base
        self.Path = "%s\\%s.psd1" % (base, name)
        self.Version = version
        self.ModuleType = "Manifest"

    def ToString(self):
        return self.Name


class StoreLocation(V.NetObject):
    """What Get-CsConfigurationStoreLocation returns: its string is the SQL Server path of the
    Central Management store (<fqdn>\\<instance>, the fqdn alone for a default instance)."""

    TYPE_NAME = "Microsoft.Rtc.Management.Deployment.SqlInstanceLocation"

    def __init__(self, text):
        self.BackEndServer = text

    def ToString(self):
        return self.BackEndServer


def install(session):
    ctx = session.ctx
    state = ctx.state
    record = state["hosts"].get(ctx.host, {})
    product_key = state.get("lab", {}).get("product", "lync2013")
    engine = session.engine
    engine.lab_loaded_modules = getattr(engine, "lab_loaded_modules", [])

    def available_modules():
        found = []
        if record.get("lync_module"):
            name = record["lync_module"]
            version = lyncsetup.product(state)["version"] if "lab" in state else "0.0"
            found.append(PSModuleInfo(name, "%s\\%s" % (MODULE_DIRS.get(product_key, MODULE_DIRS["lync2013"]), name),
                                      version))
        return found

    def matches(module, names):
        if names is None:
            return True
        return any(V.to_bool(operators.comparison("like", module.Name, n)) or str(n).lower() == module.Path.lower()
                   for n in V.enumerate_value(names))

    def get_module(call):
        names = call.args.get("Name")
        if call.switch("ListAvailable"):
            return [m for m in available_modules() if matches(m, names)]
        return [m for m in engine.lab_loaded_modules if matches(m, names)]

    def import_module(call):
        wanted = call.args.get("ModuleInfo")
        if wanted is not None:
            modules = list(V.enumerate_value(wanted))
        else:
            modules = []
            for name in V.enumerate_value(call.args.get("Name")):
                found = [m for m in available_modules() if matches(m, [name])]
                if not found:
                    call.error("The specified module '%s' was not loaded because no valid module file was found in "
                               "any module directory." % name, "System.IO.FileNotFoundException",
                               "Modules_ModuleNotFound", "ResourceUnavailable", name)
                modules.extend(found)
        for module in modules:
            if all(m.Name != module.Name for m in engine.lab_loaded_modules):
                engine.lab_loaded_modules.append(module)
        return modules if call.switch("PassThru") else []

    session.command(Command("Get-Module", [
        Param("Name", "System.String[]", position=0, pipeline=True, sets=("Loaded", "Available")),
        Param("ListAvailable", switch=True, mandatory=True, sets=("Available",)),
        Param("All", switch=True), Param("Refresh", switch=True, sets=("Available",)),
        Param("FullyQualifiedName", "System.Object[]")],
        get_module, default_set="Loaded", pipeline=None, aliases=("gmo",), module=CORE))
    session.command(Command("Import-Module", [
        Param("ModuleInfo", "System.Management.Automation.PSModuleInfo[]", position=0, mandatory=True,
              pipeline=True, sets=("ModuleInfo",)),
        Param("Name", "System.String[]", position=0, mandatory=True, pipeline=True, sets=("Name",)),
        Param("Global", switch=True), Param("Prefix", "System.String"), Param("Force", switch=True),
        Param("PassThru", switch=True), Param("AsCustomObject", switch=True),
        Param("MinimumVersion", "System.Object", aliases=("Version",)), Param("RequiredVersion", "System.Object"),
        Param("ArgumentList", "System.Object[]", aliases=("Args",)), Param("DisableNameChecking", switch=True),
        Param("NoClobber", switch=True), Param("Scope", "System.String"), Param("Function", "System.String[]"),
        Param("Cmdlet", "System.String[]"), Param("Variable", "System.String[]"), Param("Alias", "System.String[]")],
        import_module, default_set="Name", aliases=("ipmo",), module=CORE))

    install_lync_cmdlets(session)


# --- the Lync cmdlets --------------------------------------------------------------------

def _write(ctx, path, data):
    """A Lync cmdlet writing its export: the folder must exist (.NET's DirectoryNotFoundException)."""
    winpath = V.to_string(path)
    fs.require_parent(ctx, winpath)
    fsops.write_bytes(ctx, winpath, data)


def _read(ctx, path):
    """A Lync cmdlet reading -FileName: "Could not find file" when it is not there (fsops)."""
    return fsops.read_bytes(ctx, V.to_string(path))


def _bytes(value):
    return bytes(V.to_integer(b, "System.Byte") for b in V.enumerate_value(value))


def _export(call, ctx, data):
    """-FileName writes the zip there; -AsBytes returns it as one byte[] object."""
    if call.switch("AsBytes"):
        call.write(list(data))
        return
    if call.args.get("FileName") is None:
        call.terminate("lab: %s needs -FileName or -AsBytes." % call.command.name, "System.ArgumentException",
                       "MissingFileName", "InvalidArgument")
    _write(ctx, call.args["FileName"], data)


def _input(call, ctx):
    if call.args.get("ByteInput") is not None:
        return _bytes(call.args["ByteInput"])
    return _read(ctx, call.args["FileName"])


def install_lync_cmdlets(session, reference_path=None):
    ctx = session.ctx
    state = ctx.state

    def add(name, function):
        return lync_command(session, name, function, reference_path)

    def export_configuration(call):
        _export(call, ctx, cmdlets.export_configuration(state, local_store=call.switch("LocalStore")))

    def import_configuration(call):
        data = _input(call, ctx)
        if call.switch("LocalStore"):
            cmdlets.read_zip(data, "configuration")
            lyncsetup.import_local_store(state, ctx.host)
        else:
            cmdlets.import_configuration(state, data)

    def export_lis(call):
        _export(call, ctx, cmdlets.export_lis(state))

    def import_lis(call):
        cmdlets.import_lis(state, _input(call, ctx))

    def publish_lis(call):
        if call.should_process("LIS configuration", "Publish-CsLisConfiguration"):
            cmdlets.publish_lis(state)

    def export_user_data(call):
        if call.args.get("PoolFqdn") is None:
            call.terminate("lab: Export-CsUserData -%s is not modelled; use -PoolFqdn." % call.set_name,
                           "System.NotImplementedException", "NotModelled", "NotImplemented")
        _write(ctx, call.args["FileName"], cmdlets.export_user_data(state, V.to_string(call.args["PoolFqdn"])))

    def import_user_data(call):
        if call.args.get("PoolFqdn") is None:
            call.terminate("lab: Import-CsUserData -%s is not modelled; use -PoolFqdn." % call.set_name,
                           "System.NotImplementedException", "NotModelled", "NotImplemented")
        cmdlets.import_user_data(state, V.to_string(call.args["PoolFqdn"]), _read(ctx, call.args["FileName"]))

    def export_rgs(call):
        _write(ctx, call.args["FileName"], cmdlets.export_rgs(state, V.to_string(call.args["Source"])))

    def import_rgs(call):
        cmdlets.import_rgs(state, V.to_string(call.args["Destination"]), _read(ctx, call.args["FileName"]),
                           call.switch("OverwriteOwner"), call.switch("ReplaceExistingRgsSettings"))

    def export_pchat(call):
        _export(call, ctx, cmdlets.export_pchat(state, V.to_string(call.args.get("DBInstance"))))

    def import_pchat(call):
        instance = V.to_string(call.args.get("DBInstance"))
        data = _input(call, ctx)
        if call.should_process(instance, "Import-CsPersistentChatData"):
            cmdlets.import_pchat(state, instance, data)

    def enable_topology(call):
        if call.should_process("Topology", "Enable-CsTopology"):
            cmdlets.enable_topology(state)

    def get_topology(call):
        if call.switch("AsXml"):
            return [cmdlets.topology_xml(state)]
        topo = cmdlets.topology(state)
        return [V.PSObject([("Sites", [s["Identity"] for s in topo["sites"]]),
                            ("Clusters", [p["Fqdn"] for p in topo["pools"]])])]

    def get_store_location(call):
        if not state.get("ad", {}).get("scp"):
            return []
        return [StoreLocation(cmdlets.store_location(state))]

    def set_store_location(call):
        server = V.to_string(call.args.get("SqlServerFqdn"))
        instance = call.args.get("SqlInstanceName")
        target = "%s\\%s" % (server, instance) if instance else server
        if call.should_process(target, "Set-CsConfigurationStoreLocation"):
            cmdlets.set_store_location(state, server, V.to_string(instance) if instance else None)

    add("Export-CsConfiguration", export_configuration)
    add("Import-CsConfiguration", import_configuration)
    add("Export-CsLisConfiguration", export_lis)
    add("Import-CsLisConfiguration", import_lis)
    add("Publish-CsLisConfiguration", publish_lis)
    add("Export-CsUserData", export_user_data)
    add("Import-CsUserData", import_user_data)
    add("Export-CsRgsConfiguration", export_rgs)
    add("Import-CsRgsConfiguration", import_rgs)
    add("Export-CsPersistentChatData", export_pchat)
    add("Import-CsPersistentChatData", import_pchat)
    add("Enable-CsTopology", enable_topology)
    add("Get-CsTopology", get_topology)
    add("Get-CsConfigurationStoreLocation", get_store_location)
    add("Set-CsConfigurationStoreLocation", set_store_location)
