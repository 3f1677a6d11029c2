# Copyright: (c) 2026, lync.server maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Turn the raw probe results of lync_facts into the facts administrators and roles read.

The payloads only collect what Windows and the Lync shell report (Get-CsPool,
Get-CsService, registry, services, SQL instances). Everything that needs judgement lives
here, on the controller, where it is unit-tested: which product a build number is,
which pools are Standard Edition, which databases each SQL store holds, where the
Central Management store is and whether replication is current, and whether a host is
clean enough to restore onto.
"""

from __future__ import annotations

import re

from ansible_collections.lync.server.plugins.plugin_utils import catalog

# Build major version -> product; Skype for Business 2015 and 2019 share the
# SkypeForBusiness module, so only the build tells them apart.
PRODUCTS = {5: "Lync Server 2013", 6: "Skype for Business Server 2015", 7: "Skype for Business Server 2019"}

PRODUCT_NAME_RE = re.compile(r"(Lync Server|Skype for Business Server)", re.IGNORECASE)
VERSION_RE = re.compile(r"(\d+)\.(\d+)\.(\d+)(?:\.(\d+))?")

# Windows services installed by Lync Server / Skype for Business Server roles.
LYNC_SERVICES = frozenset(name.upper() for name in (
    "RTCSRV", "RTCCLSAGT", "REPLICA", "RTCMEDSRV", "RTCCAA", "RTCCAS", "RTCASMCU", "RTCDATAMCU",
    "RTCAVMCU", "RTCIMMCU", "RTCRGS", "RTCCPS", "RTCATS", "RTCHOST", "RTCMRAUTH", "RTCMEDIARELAY",
    "RTCPDPAUTH", "RTCPDPCORE", "RTCACCESSEDGE", "RTCDATAPROXY", "RTCXMPPTGW", "RTCCHAT",
    "RTCCHATCOMPLIANCE", "RTCSRVMON", "RTCCDR", "RTCQMS", "RTCCMS", "RTCMASTER", "MASTER", "FTA",
    "LYNCBACKUP", "FABRICHOSTSVC", "RTCCLS",
))
LYNC_SERVICE_DISPLAY_RE = re.compile(r"^(Lync Server|Skype for Business Server)\b", re.IGNORECASE)


def product_from_version(version):
    """Return (product name, normalised version) for a Lync build string, e.g. '5.0.8308.984'."""
    match = VERSION_RE.search(str(version or ""))
    if not match:
        return None, None
    major = int(match.group(1))
    normalised = ".".join(part for part in match.groups() if part is not None)
    return PRODUCTS.get(major), normalised


def _as_list(value):
    """PowerShell returns a lone item where we expect a list; make it a list of strings."""
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [str(item) for item in value if item is not None]
    return [str(value)]


def _role_of(identity):
    return str(identity).split(":", 1)[0]


def _target_of(identity):
    return str(identity).split(":", 1)[1] if ":" in str(identity) else str(identity)


def is_lync_service(service):
    """True when a Windows service belongs to Lync Server / Skype for Business Server."""
    name = str(service.get("Name", "")).upper()
    return name in LYNC_SERVICES or bool(LYNC_SERVICE_DISPLAY_RE.match(str(service.get("DisplayName", ""))))


def host_facts(raw):
    """Facts about one host from the lync_host_probe result."""
    products = [
        {"name": p.get("Name"), "version": p.get("Version")}
        for p in raw.get("Products") or []
        if PRODUCT_NAME_RE.search(str(p.get("Name", "")))
    ]
    services = [
        {"name": s.get("Name"), "display_name": s.get("DisplayName"), "state": str(s.get("Status", "")).lower(),
         "start_mode": str(s.get("StartMode", "")).lower()}
        for s in raw.get("Services") or []
        if is_lync_service(s)
    ]
    # The account each instance's Database Engine service runs under (Win32_Service StartName):
    # MSSQLSERVER for the default instance, MSSQL$<name> for a named one.
    start_names = {str(s.get("Name", "")).upper(): s.get("StartName") or None for s in raw.get("Services") or []}
    instances = []
    for inst in raw.get("SqlInstances") or []:
        databases = _as_list(inst.get("Databases"))
        name = str(inst.get("Name"))
        service = "MSSQLSERVER" if name.upper() == "MSSQLSERVER" else "MSSQL$%s" % name.upper()
        instances.append({
            "name": name,
            "databases": databases,
            "lync_databases": [db for db in databases if catalog.lookup(db)],
            "error": inst.get("Error"),
            "service_account": start_names.get(service),
        })
    facts = {
        "fqdn": str(raw.get("Fqdn") or "").lower(),
        "hostname": raw.get("ComputerName"),
        "domain": str(raw.get("Domain") or "").lower(),
        "domain_joined": bool(raw.get("PartOfDomain")),
        "os": {"caption": raw.get("OsCaption"), "version": raw.get("OsVersion")},
        # The Windows PowerShell version the payloads run under ($PSVersionTable.PSVersion).
        "powershell_version": raw.get("PowerShellVersion") or None,
        "powershell_edition": raw.get("PowerShellEdition") or None,
        "ipv4": _as_list(raw.get("Ipv4")),
        "dns_servers": _as_list(raw.get("DnsServers")),
        "lync_shell": raw.get("LyncModule") or None,
        "lync_products": products,
        "lync_services": services,
        "shares": [{"name": str(sh.get("Name")), "path": str(sh.get("Path"))} for sh in raw.get("Shares") or []],
        "sql_instances": instances,
        "local_store": any(i["name"].upper() in catalog.LOCAL_STORE_INSTANCES for i in instances),
        # The SID of the computer's account in AD (None when not joined or not readable) and whether
        # its secure channel to the domain works: a recreated account has another SID and breaks it.
        "computer_sid": raw.get("ComputerSid") or None,
        "secure_channel": raw.get("SecureChannel"),
    }
    reasons = clean_reasons(facts)
    facts["clean"] = not reasons
    facts["clean_reasons"] = reasons
    return facts


def clean_reasons(host, expect=None):
    """Why a host is not a clean server for a restore (empty list: it is clean).

    Microsoft restores only onto a clean or new server: no Lync Server components or
    services, no local configuration store, no Lync databases (domain brief 4.0).

    expect -- None: judge the Lync traces alone (lync_facts' verdict; an empty SQL instance
              is allowed). Or what the replacement must be (lync_clean_check): see
              expected_reasons(); then SQL instances are allowed only where expected.
    """
    if expect is not None:
        return _trace_reasons(host, sql=False) + expected_reasons(host, expect)
    return _trace_reasons(host, sql=True)


RTC_INSTANCE_NAMES = ("RTC",) + catalog.LOCAL_STORE_INSTANCES


def expected_reasons(host, expect):
    """The clean rules that need to know which server this is.

    expect -- {"domain_joined": False for an Edge Server, which must not be a domain member (default True),
               "domain": DNS domain it must be joined to (None: any),
               "computer_sid": SID of its AD computer account at backup time (None: not recorded),
               "require_joined": a workgroup server is not clean (False while preparation may join it),
               "database_instances": SQL instances this host had as a database server (pins)}
    """
    reasons = []
    allowed = {str(n).upper() for n in expect.get("database_instances") or []}
    for inst in host["sql_instances"]:
        name = inst["name"].upper()
        if name in catalog.LOCAL_STORE_INSTANCES:
            reasons.append("SQL instance %s (a Lync local store) exists" % inst["name"])
        elif inst["lync_databases"]:
            reasons.append("SQL instance %s holds Lync databases: %s" % (inst["name"], ", ".join(inst["lync_databases"])))
        elif name in allowed and inst["databases"]:
            reasons.append("SQL instance %s is not empty: %s (a rebuilt database server starts with an empty "
                           "instance)" % (inst["name"], ", ".join(inst["databases"])))
        elif name in RTC_INSTANCE_NAMES and name not in allowed:
            reasons.append("SQL instance %s exists, but this server is not a database server being rebuilt "
                           "with that instance" % inst["name"])
        elif inst.get("error"):
            reasons.append("SQL instance %s cannot be read to prove it is empty: %s" % (inst["name"], inst["error"]))
    domain = expect.get("domain")
    joined = host.get("domain_joined")
    if not expect.get("domain_joined", True):
        if joined:
            reasons.append("the server is joined to %s, but this server (an Edge Server) must not be a domain member"
                           % host.get("domain"))
        return reasons
    if joined and domain and str(host.get("domain") or "").lower() != str(domain).lower():
        reasons.append("the server is joined to %s, not to %s" % (host.get("domain"), domain))
    elif not joined and expect.get("require_joined"):
        reasons.append("the server is not joined to %s" % (domain or "its domain"))
    elif joined:
        sid = expect.get("computer_sid")
        if sid and host.get("computer_sid") and host["computer_sid"] != sid:
            reasons.append("its computer account is not the original one (SID %s, at backup time %s): the account "
                           "was deleted and created again" % (host["computer_sid"], sid))
        if host.get("secure_channel") is False:
            reasons.append("its secure channel to %s is broken (the computer account was reset or recreated)"
                           % (domain or host.get("domain")))
    return reasons


def _trace_reasons(host, sql):
    reasons = []
    if host["lync_products"]:
        reasons.append("Lync Server components are installed: %s"
                       % ", ".join(sorted(str(p["name"]) for p in host["lync_products"])))
    if host["lync_shell"]:
        reasons.append("the Lync Server Management Shell (%s module) is installed" % host["lync_shell"])
    if host["lync_services"]:
        reasons.append("Lync Server services exist: %s" % ", ".join(sorted(str(s["name"]) for s in host["lync_services"])))
    for inst in host["sql_instances"] if sql else []:
        if inst["name"].upper() in catalog.LOCAL_STORE_INSTANCES:
            reasons.append("SQL instance %s (a Lync local store) exists" % inst["name"])
        elif inst["lync_databases"]:
            reasons.append("SQL instance %s holds Lync databases: %s" % (inst["name"], ", ".join(inst["lync_databases"])))
    return reasons


def _store_key(service):
    fqdn = str(service.get("PoolFqdn") or _target_of(service.get("Identity"))).lower()
    instance = service.get("SqlInstanceName") or ""
    return fqdn, str(instance)


def sql_stores(services, pool_fqdns):
    """Group the database services by SQL instance and list the databases on each."""
    stores = {}
    for svc in services:
        role = str(svc.get("Role") or _role_of(svc.get("Identity")))
        if role not in catalog.STORE_ROLES:
            continue
        fqdn, instance = _store_key(svc)
        store = stores.setdefault((fqdn, instance), {
            "fqdn": fqdn,
            "instance": instance,
            "name": "%s\\%s" % (fqdn, instance) if instance else fqdn,
            "roles": [],
            "mirror_instance": svc.get("MirrorSqlInstanceName") or None,
            "collocated": fqdn in pool_fqdns,
            "databases": [],
        })
        if role not in store["roles"]:
            store["roles"].append(role)
            for db in catalog.databases_for_role(role):
                store["databases"].append({"name": db.name, "role": role, "backup": db.backup,
                                           "export": db.export, "restore": db.restore})
    ordered = sorted(stores.values(), key=lambda s: (s["fqdn"], s["instance"]))
    order = [db.name for db in catalog.DATABASES]
    for store in ordered:
        store["roles"].sort(key=catalog.STORE_ROLES.index)
        store["databases"].sort(key=lambda db: order.index(db["name"]))
    return ordered


def _pool_entry(pool, services_by_identity, site_names):
    fqdn = str(pool.get("Fqdn") or pool.get("Identity")).lower()
    service_ids = _as_list(pool.get("Services"))
    roles = sorted({_role_of(s) for s in service_ids})
    user_db = app_db = None
    for sid in service_ids:
        if _role_of(sid) == "UserServer":
            user_db = (services_by_identity.get(sid.lower()) or {}).get("UserDatabase")
        if _role_of(sid) == "ApplicationServer":
            app_db = (services_by_identity.get(sid.lower()) or {}).get("ApplicationDatabase")
    registrar = "Registrar" in roles
    edition = None
    if registrar:
        edition = "Standard" if user_db and _target_of(user_db).lower() == fqdn else "Enterprise"
    site = str(pool.get("Site") or "")
    return {
        "fqdn": fqdn,
        "site": site_names.get(site.lower(), site),
        "roles": roles,
        "edition": edition,
        "front_end": registrar,
        "computers": sorted(str(c).lower() for c in _as_list(pool.get("Computers"))),
        "user_database": _target_of(user_db).lower() if user_db else None,
        "application_database": _target_of(app_db).lower() if app_db else None,
        "response_group": "ApplicationServer" in roles,
    }


def deployment_facts(raw):
    """Facts about the whole deployment from the lync_topology_probe result."""
    product, version = product_from_version(raw.get("ProductVersion") or raw.get("ServerVersion"))
    services = [dict(s) for s in raw.get("Services") or []]
    by_identity = {str(s.get("Identity")).lower(): s for s in services}
    sites = raw.get("Sites") or []
    site_names = {str(s.get("Identity")).lower(): s.get("DisplayName") or _target_of(s.get("Identity")) for s in sites}
    pools = sorted((_pool_entry(p, by_identity, site_names) for p in raw.get("Pools") or []),
                   key=lambda p: p["fqdn"])
    front_end_fqdns = {p["fqdn"] for p in pools if p["front_end"]}
    file_stores = []
    for svc in services:
        if str(svc.get("Role") or _role_of(svc.get("Identity"))) == "FileStore":
            file_stores.append({
                "identity": svc.get("Identity"),
                "fqdn": str(svc.get("PoolFqdn") or _target_of(svc.get("Identity"))).lower(),
                "share": svc.get("ShareName"),
                "unc": svc.get("UncPath"),
                "used_by": sorted(str(d) for d in _as_list(svc.get("DependentServiceList"))),
            })
    return {
        "product": product or "unknown",
        "version": version,
        "shell_module": raw.get("Module"),
        "sites": [{"name": site_names[str(s.get("Identity")).lower()], "identity": s.get("Identity"),
                   "pools": [p["fqdn"] for p in pools
                             if p["site"] == site_names[str(s.get("Identity")).lower()]]}
                  for s in sites],
        "pools": pools,
        "sql_stores": sql_stores(services, front_end_fqdns),
        "file_stores": sorted(file_stores, key=lambda f: str(f["unc"]).lower()),
        "cms": cms_facts(raw, services),
    }


def cms_facts(raw, services):
    """Where the Central Management store lives and whether every replica is current."""
    cms_service = next((s for s in services if str(s.get("Role") or _role_of(s.get("Identity"))) == "CentralManagement"), {})
    cms_db = next((s for s in services
                   if str(s.get("Role") or _role_of(s.get("Identity"))) == "CentralManagementDatabase"), {})
    replicas = [
        {"fqdn": str(r.get("ReplicaFqdn")).lower(), "up_to_date": bool(r.get("UpToDate")),
         "last_status_report": r.get("LastStatusReport"), "last_update_creation": r.get("LastUpdateCreation")}
        for r in raw.get("Replication") or []
    ]
    status = raw.get("CmsStatus") or {}
    return {
        "pool": str(cms_service.get("PoolFqdn") or "").lower() or None,
        "sql_fqdn": str(cms_db.get("PoolFqdn") or "").lower() or None,
        "sql_instance": cms_db.get("SqlInstanceName") or None,
        "mirror_instance": cms_db.get("MirrorSqlInstanceName") or None,
        "store_location": raw.get("StoreLocation"),
        "replication": {
            "active_master": str(status.get("ActiveMasterFqdn") or "").lower() or None,
            "up_to_date": bool(replicas) and all(r["up_to_date"] for r in replicas),
            "stale_replicas": sorted(r["fqdn"] for r in replicas if not r["up_to_date"]),
            "replicas": sorted(replicas, key=lambda r: r["fqdn"]),
        },
    }
