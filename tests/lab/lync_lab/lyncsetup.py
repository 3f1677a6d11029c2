"""What installing Lync Server does to a lab host: core components, then Deployment Wizard steps.

The roles a computer gets come from the published topology in the Central Management
store, as they do for Bootstrapper.exe: a Front End (Registrar pool) gets the Front End
components, services and its local stores; a computer of the CMS pool also gets the
Master Replicator and File Transfer Agent; a Persistent Chat server gets its service; a
Standard Edition server's step 2 also creates its collocated databases, empty.
"""

from . import model, seed
from .errors import PSError

CORE = "Core Components"


def product(state):
    return seed.PRODUCTS[state["lab"]["product"]]


def _prefix(state):
    return "Lync Server" if "Lync" in product(state)["name"] else "Skype for Business Server"


def has_core(record):
    return any(p["Name"].endswith(CORE) for p in record.get("products", []))


def install_core(state, fqdn):
    """OCSCore.msi: the core components and the Lync Server Management Shell."""
    record = state["hosts"][fqdn]
    info = product(state)
    if not has_core(record):
        record["products"].append({"Name": "%s, %s" % (info["name"], CORE), "Version": info["version"]})
    record["lync_module"] = info["module"]
    record["install_dir"] = info["install_dir"]


def require_core(record, what):
    if not has_core(record):
        raise PSError("The term '%s' is not recognized: Lync Server core components are not installed "
                      "(install OCSCore.msi from the media first)." % what, "ObjectNotFound", "CommandNotFoundException")


def roles_of(state, fqdn):
    """What the topology makes of computer fqdn: front_end, standard, cms_pool, persistent_chat."""
    topo = model.cms(state)["content"]["topology"]
    found = {"front_end": False, "standard": False, "cms_pool": False, "persistent_chat": False, "pools": []}
    for pool in topo["pools"]:
        if fqdn not in [c.lower() for c in pool["Computers"]]:
            continue
        found["pools"].append(pool["Fqdn"])
        services = [s.split(":", 1)[0] for s in pool["Services"]]
        if "Registrar" in services:
            found["front_end"] = True
            found["standard"] = "UserDatabase" in services
        found["cms_pool"] = found["cms_pool"] or "CentralManagement" in services
        found["persistent_chat"] = found["persistent_chat"] or "PersistentChatServer" in services
    if not found["pools"]:
        raise PSError("The computer %s is not defined in the published topology." % fqdn, "ObjectNotFound")
    return found


def _service(state, display, running=False):
    return {"display_name": "%s %s" % (_prefix(state), display), "status": "Running" if running else "Stopped",
            "start_mode": "Auto"}


def _sql_express(state, record, name):
    if name not in record["sql"]:
        record["sql"][name] = seed.sql_instance(name, state["lab"]["product"], "Express Edition",
                                                "NT Service\\MSSQL$%s" % name, {})
    record["services"].setdefault("MSSQL$%s" % name, {
        "display_name": "SQL Server (%s)" % name, "status": "Running", "start_mode": "Auto"})


def install_sql_express(state, fqdn, name):
    """A SQL Server Express instance, as Bootstrapper.exe installs them (RTC, RTCLOCAL, LYNCLOCAL)."""
    record = state["hosts"][fqdn]
    require_core(record, "Bootstrapper.exe")
    _sql_express(state, record, name)
    return record["sql"][name]


def bootstrap_local_mgmt(state, fqdn):
    """Bootstrapper.exe /BootstrapLocalMgmt: the RTCLOCAL SQL Express instance of the local store."""
    record = state["hosts"][fqdn]
    require_core(record, "Bootstrapper.exe")
    _sql_express(state, record, "RTCLOCAL")
    return record["sql"]["RTCLOCAL"]


def import_local_store(state, fqdn):
    """Import-CsConfiguration -LocalStore: the CMS's configuration in the local replica."""
    instance = state["hosts"][fqdn]["sql"].get("RTCLOCAL")
    if instance is None:
        raise PSError("The local configuration store is not installed on %s." % fqdn)
    model.cms(state)
    instance["databases"]["xds"] = {"replica": True}


def enable_replica(state, fqdn):
    """Enable-CsReplica: the replica service joins the CMS replication."""
    record = state["hosts"][fqdn]
    if "xds" not in record["sql"].get("RTCLOCAL", {}).get("databases", {}):
        raise PSError("Enable-CsReplica: the local store holds no configuration; import it first.")
    record["services"].setdefault("REPLICA", _service(state, "Replica Replicator Agent"))


def bootstrap_components(state, fqdn):
    """Bootstrapper.exe (step 2): the components, services and local stores of the computer's roles."""
    record = state["hosts"][fqdn]
    require_core(record, "Bootstrapper.exe")
    if "REPLICA" not in record["services"]:
        raise PSError("Setup cannot continue: the local configuration store is not set up (run step 1).")
    roles = roles_of(state, fqdn)
    info = product(state)
    names = []
    services = {}
    if roles["front_end"]:
        names.append("Front End Server")
        services.update(seed.FRONT_END_SERVICES)
        _sql_express(state, record, "LYNCLOCAL")
        record["sql"]["LYNCLOCAL"]["databases"].setdefault("rtc", {})
        record["sql"]["LYNCLOCAL"]["databases"].setdefault("rtcdyn", {})
    if roles["cms_pool"]:
        services.update(seed.CMS_SERVICES)
    if roles["persistent_chat"]:
        names.append("Persistent Chat Server")
        services.update(seed.PCHAT_SERVICES)
    for name in names:
        entry = {"Name": "%s, %s" % (info["name"], name), "Version": info["version"]}
        if entry not in record["products"]:
            record["products"].append(entry)
    for name, display in services.items():
        record["services"].setdefault(name, _service(state, display))
    if roles["standard"]:
        from . import databases  # pylint: disable=import-outside-toplevel
        _sql_express(state, record, "RTC")
        databases.install_configured(state, fqdn, collocated=True)
    record["activated"] = True
    return roles


def lync_services(record):
    """Names of the Lync services of a host (what Get-CsWindowsService lists)."""
    return sorted(name for name, svc in record.get("services", {}).items()
                  if svc["display_name"].startswith(("Lync Server", "Skype for Business Server")))
