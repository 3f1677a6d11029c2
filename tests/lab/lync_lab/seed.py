"""Build a lab: the state of every host of a topology, its file stores and an inventory.

Three topologies (tests/lab/topologies/<name>/inventory.yml):
  standard    a Standard Edition server with its collocated databases and file store
              (and the Central Management store), a domain controller, a backup server
  enterprise  an Enterprise Edition pool with two Front Ends, a SQL back end holding the
              Central Management store, a file server, a Monitoring/Archiving/Persistent
              Chat SQL server, a Persistent Chat server, a domain controller, a backup server
  enterprise3 the same with three Front Ends in the pool (Microsoft's recommended minimum; the pool
              start rule - enough Front Ends started together - applies from three on)
  multisite   two sites, two Enterprise Edition pools (two Front Ends and one), each with its back end
              on a DEFAULT SQL Server instance (services MSSQLSERVER, SQLSERVERAGENT) and its file store

Each builds the shape its product has: Skype for Business Server 2019 has no Persistent Chat, so its
enterprise labs have no Persistent Chat server, instance or files (seed.inventory drops them from the
inventory too); each product runs on the Windows Server and SQL Server releases PRODUCTS names, which
plugins/plugin_utils/prerequisites.py (Microsoft's requirement pages) supports for it.
"""

import importlib.util
import json
import pathlib
import shutil

import yaml

from . import content, dhcp, paths, sqlsetup, winhost
from .state import Lab

DOMAIN = "contoso.local"
SITE = "Site:Redmond"
TOPOLOGY_DIR = pathlib.Path(__file__).resolve().parent.parent / "topologies"

PRODUCTS = {
    "lync2013": {"name": "Microsoft Lync Server 2013", "version": "5.0.8308.984", "module": "Lync",
                 "install_dir": "C:\\Program Files\\Microsoft Lync Server 2013", "sql": "11.0.7001.0",
                 "os": ("Microsoft Windows Server 2012 R2 Standard", "6.3.9600"), "persistent_chat": True},
    "sfb2015": {"name": "Skype for Business Server 2015", "version": "6.0.9319.534", "module": "SkypeForBusiness",
                "install_dir": "C:\\Program Files\\Skype for Business Server 2015", "sql": "12.0.6024.0",
                "os": ("Microsoft Windows Server 2012 R2 Standard", "6.3.9600"), "persistent_chat": True},
    "sfb2019": {"name": "Skype for Business Server 2019", "version": "7.0.2046.385", "module": "SkypeForBusiness",
                "install_dir": "C:\\Program Files\\Skype for Business Server 2019", "sql": "14.0.1000.169",
                "os": ("Microsoft Windows Server 2019 Standard", "10.0.17763"), "persistent_chat": False},
}

BASE_SERVICES = {
    "WinRM": "Windows Remote Management (WS-Management)",
    "LanmanServer": "Server",
    "Dnscache": "DNS Client",
    "W32Time": "Windows Time",
    "seclogon": "Secondary Logon",
}

FRONT_END_SERVICES = {
    "RTCSRV": "Front-End", "RTCCLSAGT": "Centralized Logging Service Agent", "REPLICA": "Replica Replicator Agent",
    "RTCMEDSRV": "Mediation", "RTCCAA": "Conferencing Attendant", "RTCCAS": "Conferencing Announcement",
    "RTCASMCU": "Application Sharing", "RTCDATAMCU": "Web Conferencing", "RTCAVMCU": "Audio/Video Conferencing",
    "RTCIMMCU": "IM Conferencing", "RTCRGS": "Response Group", "RTCCPS": "Call Park", "RTCATS": "Audio Test Service",
    "FabricHostSvc": "Windows Fabric Host Service",
}
CMS_SERVICES = {"MASTER": "Master Replicator Agent", "FTA": "File Transfer Agent"}
PCHAT_SERVICES = {"RTCCHAT": "Persistent Chat", "RTCCLSAGT": "Centralized Logging Service Agent",
                  "REPLICA": "Replica Replicator Agent"}


def _service(display, running=True, lync=True, product="Lync Server"):
    return {"display_name": ("%s %s" % (product, display)) if lync else display,
            "status": "Running" if running else "Stopped", "start_mode": "Auto"}


# Windows Server releases a lab host can run (Win32_OperatingSystem Caption and Version).
WINDOWS = {
    "2008r2": ("Microsoft Windows Server 2008 R2 Standard", "6.1.7601"),
    "2012": ("Microsoft Windows Server 2012 Standard", "6.2.9200"),
    "2012r2": ("Microsoft Windows Server 2012 R2 Standard", "6.3.9600"),
    "2016": ("Microsoft Windows Server 2016 Standard", "10.0.14393"),
    "2019": ("Microsoft Windows Server 2019 Standard", "10.0.17763"),
}


def use_windows(record, release):
    """Make a host run another Windows Server release (e.g. '2008r2', which Lync Server 2013 supports)."""
    caption, version = WINDOWS[release]
    record["os"] = {"caption": caption, "version": version}
    return record


def windows_host(hostname, ip, product, dns="10.0.0.2", windows=None):
    """A domain-joined Windows Server with nothing but the OS on it (windows: a WINDOWS release, default the product's)."""
    caption, version = WINDOWS[windows] if windows else PRODUCTS[product]["os"]
    return {
        "hostname": hostname.upper(),
        "domain": DOMAIN,
        "domain_joined": True,
        "os": {"caption": caption, "version": version},
        "ipv4": [ip],
        "dns_servers": [dns],
        "products": [],
        "lync_module": None,
        "install_dir": None,
        "services": {name: _service(display, lync=False) for name, display in BASE_SERVICES.items()},
        "features": ["NET-Framework-Core", "PowerShell"],
        "sql": {},
        "shares": {},
        "certificates": [],
        "disks": {"C": {"size_bytes": 100 * 2 ** 30, "free_bytes": 60 * 2 ** 30}},
    }


def _db(instance_dir, name, db_content, recovery="SIMPLE"):
    return {"recovery_model": recovery,
            "data_file": "%s\\DATA\\%s.mdf" % (instance_dir, name),
            "log_file": "%s\\DATA\\%s_log.ldf" % (instance_dir, name),
            "users": ["CONTOSO\\RTCComponentUniversalServices"],
            "content": db_content}


def sql_instance(name, product, edition, account, databases):
    """A SQL Server instance record with its databases."""
    major = PRODUCTS[product]["sql"].split(".")[0]
    instance_dir = "C:\\Program Files\\Microsoft SQL Server\\MSSQL%s.%s\\MSSQL" % (major, name.upper())
    return {
        "version": PRODUCTS[product]["sql"],
        "edition": edition,
        "service_account": account,
        "service_state": "running",
        "data_dir": instance_dir + "\\DATA",
        "backup_dir": instance_dir + "\\Backup",
        "databases": {db_name: _db(instance_dir, db_name, db_content) for db_name, db_content in databases.items()},
    }


def sql_services(record, instance):
    """Add the Windows services of SQL Server instance `instance` (Database Engine and Agent) to a host."""
    engine, agent = winhost.sql_service_names(instance)
    label = instance.upper()
    record["services"][engine] = _service("SQL Server (%s)" % label, lync=False)
    record["services"][agent] = _service("SQL Server Agent (%s)" % label, lync=False)


def move_to_default_instance(state, fqdn, instance):
    """Make a seeded host's named instance its default instance, as a back end installed without an
    instance name is: the instance record, its services (MSSQLSERVER, SQLSERVERAGENT), its folders,
    the topology's SqlInstanceName of every store on it and the AD service control point."""
    record = state["hosts"][fqdn]
    old = instance.upper()
    inst = record["sql"].pop(old)
    for service in winhost.sql_service_names(old):
        record["services"].pop(service, None)
    sql_services(record, "MSSQLSERVER")
    for key in ("data_dir", "backup_dir"):
        inst[key] = inst[key].replace(".%s\\" % old, ".MSSQLSERVER\\")
    for db in inst["databases"].values():
        for key in ("data_file", "log_file"):
            db[key] = db[key].replace(".%s\\" % old, ".MSSQLSERVER\\")
    if inst["service_account"].upper() == winhost.sql_virtual_account(old).upper():
        inst["service_account"] = winhost.sql_virtual_account("MSSQLSERVER")
    record["sql"]["MSSQLSERVER"] = inst
    scp = state["ad"]["scp"]
    if scp["sql_fqdn"] == fqdn and scp["instance"].upper() == old:
        scp["instance"] = ""
    for host in state["hosts"].values():
        for other in host.get("sql", {}).values():
            xds = other["databases"].get("xds")
            if not xds or xds.get("content", {}).get("replica") or "topology" not in xds.get("content", {}):
                continue
            for svc in xds["content"]["topology"]["services"]:
                if svc["PoolFqdn"] == fqdn and str(svc.get("SqlInstanceName", "")).upper() == old:
                    svc["SqlInstanceName"] = ""
    return inst


def _prerequisites():
    """The collection's table of Microsoft's feature lists (stdlib only, loaded by path so the lab
    needs no installed collection): a seeded server was built the way Microsoft's lists say."""
    path = pathlib.Path(__file__).resolve().parents[3] / "plugins" / "plugin_utils" / "prerequisites.py"
    spec = importlib.util.spec_from_file_location("lync_lab_prerequisites", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


PREREQUISITE_ROLES = {"Front End Server": "front_end", "Persistent Chat Server": "persistent_chat"}


def install_lync(record, product, roles, services):
    """Lync Server on a host: its prerequisite features, products, shell, services and the local
    stores steps 1-2 create."""
    info = PRODUCTS[product]
    needed = _prerequisites().plan(product, record["os"]["version"], [PREREQUISITE_ROLES[r] for r in roles])
    record["features"] = list(dict.fromkeys(record["features"] + needed["features"]))
    short = info["name"].replace("Microsoft ", "")
    record["products"] = [{"Name": "%s, Core Components" % info["name"], "Version": info["version"]}]
    record["products"] += [{"Name": "%s, %s" % (info["name"], role), "Version": info["version"]} for role in roles]
    record["lync_module"] = info["module"]
    record["install_dir"] = info["install_dir"]
    record["activated"] = True
    prefix = "Lync Server" if "Lync" in short else "Skype for Business Server"
    for name, display in services.items():
        record["services"][name] = _service(display, product=prefix)
    record["services"]["MSSQL$RTCLOCAL"] = _service("SQL Server (RTCLOCAL)", lync=False)
    record["sql"]["RTCLOCAL"] = sql_instance("RTCLOCAL", product, "Express Edition",
                                             "NT Service\\MSSQL$RTCLOCAL", {"xds": {"replica": True}})
    if "Front End Server" in roles:
        record["services"]["MSSQL$LYNCLOCAL"] = _service("SQL Server (LYNCLOCAL)", lync=False)
        record["sql"]["LYNCLOCAL"] = sql_instance("LYNCLOCAL", product, "Express Edition",
                                                  "NT Service\\MSSQL$LYNCLOCAL", {"rtc": {}, "rtcdyn": {}})


def front_end_certificates(fqdn, pool, oauth):
    sans = [fqdn, pool, "sip.%s" % content.SIP_DOMAIN, "lyncdiscoverinternal.%s" % content.SIP_DOMAIN,
            "meet.%s" % content.SIP_DOMAIN, "dialin.%s" % content.SIP_DOMAIN]
    return [content.certificate(fqdn, pool, sans, ["Default", "WebServicesInternal", "WebServicesExternal"]), oauth]


def _pool(fqdn, computers, services):
    return {"Identity": "%s" % fqdn, "Fqdn": fqdn, "Site": SITE, "Computers": computers, "Services": services}


def _svc(role, pool, **extra):
    entry = {"Identity": "%s:%s" % (role, pool), "Role": role, "PoolFqdn": pool, "SiteId": SITE,
             "DependentServiceList": []}
    entry.update(extra)
    return entry


def front_end_services(pool, user_db, app_db, file_store, cms):
    """The Get-CsService entries of a Front End pool (Standard or Enterprise)."""
    services = [
        _svc("Registrar", pool, FileStore=file_store),
        _svc("UserServer", pool, UserDatabase=user_db, Registrar="Registrar:%s" % pool),
        _svc("WebServer", pool, FileStore=file_store),
        _svc("ConferencingServer", pool),
        _svc("ApplicationServer", pool, ApplicationDatabase=app_db, FileStore=file_store, Registrar="Registrar:%s" % pool),
        _svc("MediationServer", pool),
    ]
    if cms:
        services.append(_svc("CentralManagement", pool))
    return services


def _depend(services, identity, dependent):
    for svc in services:
        if svc["Identity"] == identity:
            svc["DependentServiceList"].append(dependent)


def dns_and_dhcp(records, web_fqdn):
    """The DNS zone and DHCP scope the lab's domain controller serves.

    The Lync phone options are set as Microsoft's DHCPUtil / DHCPConfigScript.bat sets them
    (lync_lab/dhcp.py): option 120 and the MSUCClient vendor class's sub-options 1-5, at server level.
    """
    server = {"scopes": {"10.0.0.0": {"mask": "255.255.255.0", "range": ["10.0.0.100", "10.0.0.200"],
                                      "options": {"6": "10.0.0.2", "15": DOMAIN}}}}
    return {
        "dns_server": {"zones": {DOMAIN: sorted(records, key=lambda r: (r["name"], r["type"], r["data"]))}},
        "dhcp_server": dhcp.configure_lync(server, "sip.contoso.com", web_fqdn),
    }


def _lync_dns(pool, ips):
    records = [{"name": pool.split(".")[0], "type": "A", "data": ip} for ip in ips]
    records += [
        {"name": "_sipinternaltls._tcp", "type": "SRV", "data": "0 0 5061 %s" % pool},
        {"name": "sip", "type": "A", "data": ips[0]},
        {"name": "lyncdiscoverinternal", "type": "A", "data": ips[0]},
    ]
    return records


def _host_dns(hosts):
    return [{"name": rec["hostname"].lower(), "type": "A", "data": rec["ipv4"][0]} for rec in hosts.values()]


def _rgs_contacts(pool):
    return {w["uri"]: "service:ApplicationServer:%s" % pool for w in content.rgs_store(pool)["workflows"]}


# The domain account that may join computers (lab inventories: lync_domain_join_user/password).
JOIN_ACCOUNT = ("svc-lyncjoin", "lab-Join-Password-1")
# Domain accounts SQL Server instances run under (the lab inventories vault their passwords);
# svc-sqlpchat is for a Persistent Chat instance under an account of its own (tests/lab/test_sql_accounts.py).
SQL_SERVICE_ACCOUNTS = (("svc-sqlbe", "lab-Sql-Service-Password-1"), ("svc-sqlmon", "lab-Sql-Service-Password-2"),
                        ("svc-sqlpchat", "lab-Sql-Service-Password-3"))


# The WinRM user of the lab inventories (ansible_user: the lab connection's default, CONTOSO\\lyncadmin) and
# the network identity (lync_network_user) with their domain groups: the Lync groups backup and restore
# need (docs/architecture.md, "Network identity"), read by the preflight through win_whoami.
LYNC_ADMIN_GROUPS = ("Domain Users", "RTCUniversalServerAdmins", "CsAdministrator", "CsPersistentChatAdministrator")
ADMIN_ACCOUNT = ("lyncadmin", "lab-Admin-Password-1", LYNC_ADMIN_GROUPS)
NETWORK_ACCOUNT = ("svc-lyncbackup", "lab-share-password", LYNC_ADMIN_GROUPS)


def _ad(hosts, scp_fqdn, instance):
    computers = {}
    for index, (fqdn, rec) in enumerate(sorted(hosts.items())):
        computers[rec["hostname"]] = {
            "dns_host_name": fqdn,
            "sid": "S-1-5-21-3623811015-3361044348-30300820-%d" % (1100 + index),
            "dn": "CN=%s,OU=Servers,DC=contoso,DC=local" % rec["hostname"],
            "groups": ["Domain Computers"] + (["RTCUniversalServerAdmins"] if rec.get("lync_module") else []),
        }
        # The account the machine's secure channel uses (its own copy of the SID).
        rec["computer_sid"] = computers[rec["hostname"]]["sid"]
        # Local Administrators: what a domain join adds (Domain Admins) and the lab's connection user
        # (the preflight reads it through win_whoami; lync_lab/logon.py).
        rec["local_groups"] = {"Administrators": ["%s\\Administrator" % rec["hostname"].upper(),
                                                  "CONTOSO\\Domain Admins", "CONTOSO\\%s" % ADMIN_ACCOUNT[0]]}
    return {"domain": DOMAIN, "netbios": "CONTOSO", "scp": {"sql_fqdn": scp_fqdn, "instance": instance},
            "computers": computers,
            "accounts": dict({JOIN_ACCOUNT[0]: {"password_sha256": winhost.password_hash(JOIN_ACCOUNT[1]),
                                                "rights": ["join computers", "reset computer accounts"]}},
                             **{name: {"password_sha256": winhost.password_hash(password), "rights": []}
                                for name, password in SQL_SERVICE_ACCOUNTS},
                             **{name: {"password_sha256": winhost.password_hash(password), "rights": [],
                                       "groups": list(groups)}
                                for name, password, groups in (ADMIN_ACCOUNT, NETWORK_ACCOUNT)})}


# SQL Server installation media on the backup server's software share, per product (the release
# Microsoft supports for its back ends): \\backup01.contoso.local\LyncMedia\SQLServer.
# The software share holds the SQL Server build the database servers run, so a rebuilt instance is the same.
SQL_MEDIA = {product: info["sql"] for product, info in PRODUCTS.items()}
SQL_CONFIGURATION = """; SQL Server unattended installation (lab copy of a ConfigurationFile.ini)
; INSTANCENAME is left out: lync.server puts the pinned instance name on setup's command line.
[OPTIONS]
ACTION="Install"
FEATURES=SQLENGINE,REPLICATION,FULLTEXT,CONN,BC,SDK
SQLSYSADMINACCOUNTS="CONTOSO\\RTCUniversalServerAdmins" "CONTOSO\\lyncadmin"
SQLCOLLATION="Latin1_General_CI_AS"
QUIET="True"
IACCEPTSQLSERVERLICENSETERMS="True"
"""


def media_files(backup_fqdn, product):
    """The software share's files: SQL Server setup and its configuration file, Lync's Setup."""
    return {(backup_fqdn, "D:\\LyncMedia\\SQLServer\\setup.exe"): sqlsetup.media_bytes(SQL_MEDIA[product]),
            (backup_fqdn, "D:\\LyncMedia\\SQLServer\\ConfigurationFile.ini"): SQL_CONFIGURATION.encode("utf-8"),
            (backup_fqdn, "D:\\LyncMedia\\Lync\\Setup\\amd64\\Setup.exe"): b"MZ lab Lync Setup.exe"}


def _cms_content(topology, replicas):
    return {"version": 42, "last_update_creation": "2026-11-20T01:00:00Z", "topology": topology, "enabled": True,
            "documents": content.cms_documents(),
            "replication": {fqdn: {"version": 42, "last_status_report": "2026-11-24T01:00:00Z"} for fqdn in replicas}}


def build_standard(product="lync2013"):
    """State and file-store files of the Standard Edition topology."""
    se = "lyncse01.%s" % DOMAIN
    hosts = {
        "dc01.%s" % DOMAIN: windows_host("dc01", "10.0.0.2", product),
        se: windows_host("lyncse01", "10.0.0.10", product),
        "backup01.%s" % DOMAIN: windows_host("backup01", "10.0.0.50", product),
    }
    oauth = content.certificate(se, "OAuthTokenIssuer", ["%s" % content.SIP_DOMAIN], ["OAuthTokenIssuer"], "oauth")
    oauth["thumbprint"] = content.thumbprint("oauth")
    install_lync(hosts[se], product, ["Front End Server"], dict(FRONT_END_SERVICES, **CMS_SERVICES))
    hosts[se]["certificates"] = front_end_certificates(se, se, oauth)
    users = content.users_for_pool(se, 0, 8)
    file_store = "FileStore:%s" % se
    services = front_end_services(se, "UserDatabase:%s" % se, "ApplicationDatabase:%s" % se, file_store, cms=True)
    services += [
        _svc("FileStore", se, UncPath="\\\\%s\\LyncShare" % se, ShareName="LyncShare"),
        _svc("CentralManagementDatabase", se, SqlInstanceName="rtc"),
        _svc("UserDatabase", se, SqlInstanceName="rtc"),
        _svc("ApplicationDatabase", se, SqlInstanceName="rtc"),
    ]
    for dep in ("Registrar", "WebServer", "ApplicationServer"):
        _depend(services, file_store, "%s:%s" % (dep, se))
    _depend(services, "UserDatabase:%s" % se, "UserServer:%s" % se)
    _depend(services, "ApplicationDatabase:%s" % se, "ApplicationServer:%s" % se)
    _depend(services, "CentralManagementDatabase:%s" % se, "CentralManagement:%s" % se)
    topology = {"sites": [{"Identity": SITE, "SiteId": "1", "DisplayName": "Redmond"}],
                "pools": [_pool(se, [se], sorted(s["Identity"] for s in services))],
                "services": services}
    hosts[se]["services"]["MSSQL$RTC"] = _service("SQL Server (RTC)", lync=False)
    hosts[se]["sql"]["RTC"] = sql_instance("RTC", product, "Express Edition", "NT Service\\MSSQL$RTC", {
        "xds": _cms_content(topology, [se]), "lis": content.lis_store(),
        "rtcxds": content.user_store(se, users), "rtcshared": {"shared": {"pool": se}},
        "rtcab": {"entries": len(users)}, "rgsconfig": content.rgs_store(se),
        "rgsdyn": {"signed_in_agents": 2}, "cpsdyn": {"parked": 0},
    })
    hosts[se]["shares"] = {"LyncShare": {"path": "C:\\LyncShare", "lync_acl": True}}
    hosts["backup01.%s" % DOMAIN]["shares"] = {
        "LyncBackup": {"path": "D:\\LyncBackup"}, "LyncMedia": {"path": "D:\\LyncMedia", "deny_write": ["*"]}}
    hosts["backup01.%s" % DOMAIN]["disks"]["D"] = {"size_bytes": 500 * 2 ** 30, "free_bytes": 400 * 2 ** 30}
    records = _host_dns(hosts) + _lync_dns(se, ["10.0.0.10"])
    hosts["dc01.%s" % DOMAIN].update(dns_and_dhcp(records, se))
    conferences = sorted(c["id"] for u in users for c in u["conferences"])
    files = {(se, "C:\\LyncShare\\" + rel): data
             for rel, data in content.filestore_files(se, conferences, with_pchat=False).items()}
    files.update(media_files("backup01.%s" % DOMAIN, product))
    state = {"lab": {"topology": "standard", "product": product, "fault_counts": {}},
             "ad": dict(_ad(hosts, se, "rtc"), rgs_contacts=_rgs_contacts(se)), "hosts": hosts}
    return state, files


def build_enterprise(product="lync2013", front_ends=2, name="enterprise"):
    """State and file-store files of the Enterprise Edition topology (fe01 .. fe0<front_ends> in pool01).

    Skype for Business Server 2019 has no Persistent Chat ("Persistent Chat Server is not available in
    Skype for Business Server 2019", Microsoft's "System requirements for Skype for Business Server 2019"
    and "What's deprecated from Skype for Business Server 2019"): its lab has no pc01, no PCHAT instance,
    no Persistent Chat services and no Persistent Chat files in the file store.
    """
    d = DOMAIN
    with_pchat = PRODUCTS[product]["persistent_chat"]
    pool = "pool01.%s" % d
    fes = ["fe%02d.%s" % (n, d) for n in range(1, front_ends + 1)]
    fe_ips = ["10.0.0.%d" % (10 + n) for n in range(1, front_ends + 1)]
    be, mon, fs, pc, pchat = "sqlbe01.%s" % d, "sqlmon01.%s" % d, "fs01.%s" % d, "pc01.%s" % d, "pchat01.%s" % d
    hosts = {
        "dc01.%s" % d: windows_host("dc01", "10.0.0.2", product),
        be: windows_host("sqlbe01", "10.0.0.21", product),
        mon: windows_host("sqlmon01", "10.0.0.22", product),
        fs: windows_host("fs01", "10.0.0.31", product),
        "backup01.%s" % d: windows_host("backup01", "10.0.0.50", product),
    }
    if with_pchat:
        hosts[pc] = windows_host("pc01", "10.0.0.41", product)
    for fe, ip in zip(fes, fe_ips):
        hosts[fe] = windows_host(fe.split(".")[0], ip, product)
    oauth = content.certificate(pool, "OAuthTokenIssuer", [content.SIP_DOMAIN], ["OAuthTokenIssuer"], "oauth")
    oauth["thumbprint"] = content.thumbprint("oauth")
    for fe in fes:
        install_lync(hosts[fe], product, ["Front End Server"], dict(FRONT_END_SERVICES, **CMS_SERVICES))
        hosts[fe]["certificates"] = front_end_certificates(fe, pool, oauth)
    for fe in fes[1:]:  # MASTER and FTA run only on the active Central Management Server (fe01)
        hosts[fe]["services"]["MASTER"]["status"] = "Stopped"
        hosts[fe]["services"]["FTA"]["status"] = "Stopped"
    if with_pchat:
        install_lync(hosts[pc], product, ["Persistent Chat Server"], PCHAT_SERVICES)
        hosts[pc]["certificates"] = [content.certificate(pc, pc, [pc], ["Default"])]

    file_store = "FileStore:%s" % fs
    services = front_end_services(pool, "UserDatabase:%s" % be, "ApplicationDatabase:%s" % be, file_store, cms=True)
    services += [
        _svc("CentralManagementDatabase", be, SqlInstanceName="rtc"),
        _svc("UserDatabase", be, SqlInstanceName="rtc"),
        _svc("ApplicationDatabase", be, SqlInstanceName="rtc"),
        _svc("ArchivingDatabase", mon, SqlInstanceName="rtc"),
        _svc("MonitoringDatabase", mon, SqlInstanceName="rtc"),
        _svc("FileStore", fs, UncPath="\\\\%s\\LyncShare" % fs, ShareName="LyncShare"),
    ]
    if with_pchat:
        services[-1:-1] = [
            _svc("PersistentChatDatabase", mon, SqlInstanceName="pchat"),
            _svc("PersistentChatComplianceDatabase", mon, SqlInstanceName="pchat"),
            _svc("PersistentChatServer", pchat, PersistentChatDatabase="PersistentChatDatabase:%s" % mon,
                 FileStore=file_store),
        ]
    for dep in ("Registrar:%s" % pool, "WebServer:%s" % pool, "ApplicationServer:%s" % pool) + (
            ("PersistentChatServer:%s" % pchat,) if with_pchat else ()):
        _depend(services, file_store, dep)
    _depend(services, "UserDatabase:%s" % be, "UserServer:%s" % pool)
    _depend(services, "ApplicationDatabase:%s" % be, "ApplicationServer:%s" % pool)
    _depend(services, "CentralManagementDatabase:%s" % be, "CentralManagement:%s" % pool)
    for role in ("ArchivingDatabase", "MonitoringDatabase"):
        _depend(services, "%s:%s" % (role, mon), "Registrar:%s" % pool)
    for role in ("PersistentChatDatabase", "PersistentChatComplianceDatabase") if with_pchat else ():
        _depend(services, "%s:%s" % (role, mon), "PersistentChatServer:%s" % pchat)

    def ids(target):
        return sorted(s["Identity"] for s in services if s["PoolFqdn"] == target)
    topology = {"sites": [{"Identity": SITE, "SiteId": "1", "DisplayName": "Redmond"}],
                "pools": [_pool(pool, fes, ids(pool)), _pool(be, [be], ids(be)), _pool(mon, [mon], ids(mon)),
                          _pool(fs, [fs], ids(fs))] + ([_pool(pchat, [pc], ids(pchat))] if with_pchat else []),
                "services": services}

    users = content.users_for_pool(pool, 0, 12)
    hosts[be]["services"]["MSSQL$RTC"] = _service("SQL Server (RTC)", lync=False)
    hosts[be]["services"]["SQLAgent$RTC"] = _service("SQL Server Agent (RTC)", lync=False)
    hosts[be]["sql"]["RTC"] = sql_instance("RTC", product, "Enterprise Edition", "CONTOSO\\svc-sqlbe", {
        "xds": _cms_content(topology, fes + ([pc] if with_pchat else [])), "lis": content.lis_store(),
        "rtcxds": content.user_store(pool, users), "rtcshared": {"shared": {"pool": pool}},
        "rtcab": {"entries": len(users)}, "rgsconfig": content.rgs_store(pool),
        "rgsdyn": {"signed_in_agents": 3}, "cpsdyn": {"parked": 1},
    })
    hosts[mon]["services"]["MSSQL$RTC"] = _service("SQL Server (RTC)", lync=False)
    hosts[mon]["services"]["SQLAgent$RTC"] = _service("SQL Server Agent (RTC)", lync=False)
    # One SQL Server medium (Enterprise Edition) for every database server, as the inventory names one.
    hosts[mon]["sql"]["RTC"] = sql_instance("RTC", product, "Enterprise Edition", "CONTOSO\\svc-sqlmon", {
        "LcsLog": {"tables": content.archiving_rows(users)},
        "LcsCDR": {"tables": content.cdr_rows(users)},
        "QoEMetrics": {"tables": content.qoe_rows()},
    })
    if with_pchat:
        hosts[mon]["services"]["MSSQL$PCHAT"] = _service("SQL Server (PCHAT)", lync=False)
        hosts[mon]["services"]["SQLAgent$PCHAT"] = _service("SQL Server Agent (PCHAT)", lync=False)
        hosts[mon]["sql"]["PCHAT"] = sql_instance("PCHAT", product, "Enterprise Edition", "CONTOSO\\svc-sqlmon", {
            "mgc": {"tables": content.pchat_rows(users)},
            "mgccomp": {"queue": []},
        })
    hosts[mon]["disks"]["D"] = {"size_bytes": 200 * 2 ** 30, "free_bytes": 150 * 2 ** 30}
    hosts[fs]["shares"] = {"LyncShare": {"path": "D:\\LyncShare", "lync_acl": True}}
    hosts[fs]["disks"]["D"] = {"size_bytes": 200 * 2 ** 30, "free_bytes": 150 * 2 ** 30}
    hosts["backup01.%s" % d]["shares"] = {"LyncBackup": {"path": "D:\\LyncBackup"},
                                          "LyncMedia": {"path": "D:\\LyncMedia", "deny_write": ["*"]}}
    hosts["backup01.%s" % d]["disks"]["D"] = {"size_bytes": 500 * 2 ** 30, "free_bytes": 400 * 2 ** 30}
    records = _host_dns(hosts) + _lync_dns(pool, fe_ips)
    if with_pchat:
        records.append({"name": "pchat01", "type": "A", "data": "10.0.0.41"})
    hosts["dc01.%s" % d].update(dns_and_dhcp(records, pool))
    conferences = sorted(c["id"] for u in users for c in u["conferences"])
    files = {(fs, "D:\\LyncShare\\" + rel): data
             for rel, data in content.filestore_files(fs, conferences, with_pchat=with_pchat).items()}
    files.update(media_files("backup01.%s" % d, product))
    state = {"lab": {"topology": name, "product": product, "fault_counts": {}},
             "ad": dict(_ad(hosts, be, "rtc"), rgs_contacts=_rgs_contacts(pool)), "hosts": hosts}
    return state, files


def build_enterprise3(product="lync2013"):
    """The Enterprise Edition topology with three Front Ends in the pool."""
    return build_enterprise(product, front_ends=3, name="enterprise3")


SITE2 = "Site:Dublin"


def _pool_services(pool, be, fs, site, cms):
    """The topology services of an Enterprise pool with its back end (default SQL instance) and file
    server, in `site`, with the dependencies Topology Builder records; cms: the pool holds the
    Central Management store."""
    file_store = "FileStore:%s" % fs
    part = front_end_services(pool, "UserDatabase:%s" % be, "ApplicationDatabase:%s" % be, file_store, cms=cms)
    part += [_svc("UserDatabase", be, SqlInstanceName=""), _svc("ApplicationDatabase", be, SqlInstanceName=""),
             _svc("FileStore", fs, UncPath="\\\\%s\\LyncShare" % fs, ShareName="LyncShare")]
    if cms:
        part.append(_svc("CentralManagementDatabase", be, SqlInstanceName=""))
    for svc in part:
        svc["SiteId"] = site
    for dep in ("Registrar", "WebServer", "ApplicationServer"):
        _depend(part, file_store, "%s:%s" % (dep, pool))
    _depend(part, "UserDatabase:%s" % be, "UserServer:%s" % pool)
    _depend(part, "ApplicationDatabase:%s" % be, "ApplicationServer:%s" % pool)
    if cms:
        _depend(part, "CentralManagementDatabase:%s" % be, "CentralManagement:%s" % pool)
    return part


def build_multisite(product="lync2013"):
    """Two sites, two Enterprise Edition pools, their back ends on DEFAULT SQL Server instances.

    Site:Redmond   pool01 (fe01, fe02), back end sqlbe01 (default instance: the Central Management
                   store and pool01's stores), file store fs01
    Site:Dublin    pool02 (fe21), back end sqlbe02 (default instance: pool02's stores), file store fs02
    A default instance runs as the Windows services MSSQLSERVER and SQLSERVERAGENT, lives in
    MSSQL<major>.MSSQLSERVER and is reached by the server name alone (the topology's SqlInstanceName
    is empty, so is the AD service control point's instance): Install-CsDatabase "If this parameter
    is not specified, the default instance will be used"
    (https://learn.microsoft.com/powershell/module/skype/install-csdatabase).
    """
    d = DOMAIN
    pool1, pool2 = "pool01.%s" % d, "pool02.%s" % d
    site1 = [("fe01.%s" % d, "10.0.0.11"), ("fe02.%s" % d, "10.0.0.12")]
    site2 = [("fe21.%s" % d, "10.0.0.61")]
    be1, be2, fs1, fs2 = "sqlbe01.%s" % d, "sqlbe02.%s" % d, "fs01.%s" % d, "fs02.%s" % d
    hosts = {
        "dc01.%s" % d: windows_host("dc01", "10.0.0.2", product),
        be1: windows_host("sqlbe01", "10.0.0.21", product),
        be2: windows_host("sqlbe02", "10.0.0.71", product),
        fs1: windows_host("fs01", "10.0.0.31", product),
        fs2: windows_host("fs02", "10.0.0.81", product),
        "backup01.%s" % d: windows_host("backup01", "10.0.0.50", product),
    }
    oauth = content.certificate(pool1, "OAuthTokenIssuer", [content.SIP_DOMAIN], ["OAuthTokenIssuer"], "oauth")
    oauth["thumbprint"] = content.thumbprint("oauth")
    for pool, members in ((pool1, site1), (pool2, site2)):
        for fe, ip in members:
            hosts[fe] = windows_host(fe.split(".", 1)[0], ip, product)
            # Only the pool that hosts the Central Management Server (pool01) has its MASTER and FTA services.
            install_lync(hosts[fe], product, ["Front End Server"],
                         dict(FRONT_END_SERVICES, **CMS_SERVICES) if pool == pool1 else FRONT_END_SERVICES)
            hosts[fe]["certificates"] = front_end_certificates(fe, pool, oauth)
            if pool == pool1 and fe != site1[0][0]:  # MASTER and FTA run only on the active Central Management Server (fe01)
                hosts[fe]["services"]["MASTER"]["status"] = "Stopped"
                hosts[fe]["services"]["FTA"]["status"] = "Stopped"

    services = []
    for pool, be, fs, site, cms in ((pool1, be1, fs1, SITE, True), (pool2, be2, fs2, SITE2, False)):
        services += _pool_services(pool, be, fs, site, cms)

    def pool_record(fqdn, computers, site):
        return dict(_pool(fqdn, computers, sorted(s["Identity"] for s in services if s["PoolFqdn"] == fqdn)), Site=site)
    topology = {"sites": [{"Identity": SITE, "SiteId": "1", "DisplayName": "Redmond"},
                          {"Identity": SITE2, "SiteId": "2", "DisplayName": "Dublin"}],
                "pools": [pool_record(pool1, [fe for fe, ip in site1], SITE), pool_record(be1, [be1], SITE),
                          pool_record(fs1, [fs1], SITE), pool_record(pool2, [fe for fe, ip in site2], SITE2),
                          pool_record(be2, [be2], SITE2), pool_record(fs2, [fs2], SITE2)],
                "services": services}

    users1, users2 = content.users_for_pool(pool1, 0, 10), content.users_for_pool(pool2, 10, 6)
    rgs2 = content.rgs_store(pool2)
    for flow in rgs2["workflows"]:  # a workflow's SIP URI is unique in the deployment
        flow["name"] += " Dublin"
        flow["uri"] = flow["uri"].replace("@", ".dublin@")
    stores = {
        be1: dict({"xds": _cms_content(topology, [fe for fe, ip in site1 + site2]), "lis": content.lis_store()},
                  rtcxds=content.user_store(pool1, users1), rtcshared={"shared": {"pool": pool1}},
                  rtcab={"entries": len(users1)}, rgsconfig=content.rgs_store(pool1), rgsdyn={"signed_in_agents": 3},
                  cpsdyn={"parked": 1}),
        be2: {"rtcxds": content.user_store(pool2, users2), "rtcshared": {"shared": {"pool": pool2}},
              "rtcab": {"entries": len(users2)}, "rgsconfig": rgs2, "rgsdyn": {"signed_in_agents": 1},
              "cpsdyn": {"parked": 0}},
    }
    for be, databases in stores.items():
        sql_services(hosts[be], "MSSQLSERVER")
        hosts[be]["sql"]["MSSQLSERVER"] = sql_instance("MSSQLSERVER", product, "Enterprise Edition",
                                                       "CONTOSO\\svc-sqlbe", databases)
    files = {}
    for fs, users, pool in ((fs1, users1, pool1), (fs2, users2, pool2)):
        hosts[fs]["shares"] = {"LyncShare": {"path": "D:\\LyncShare", "lync_acl": True}}
        hosts[fs]["disks"]["D"] = {"size_bytes": 200 * 2 ** 30, "free_bytes": 150 * 2 ** 30}
        conferences = sorted(c["id"] for u in users for c in u["conferences"])
        files.update({(fs, "D:\\LyncShare\\" + rel): data
                      for rel, data in content.filestore_files(fs, conferences, with_pchat=False).items()})
    hosts["backup01.%s" % d]["shares"] = {"LyncBackup": {"path": "D:\\LyncBackup"},
                                          "LyncMedia": {"path": "D:\\LyncMedia", "deny_write": ["*"]}}
    hosts["backup01.%s" % d]["disks"]["D"] = {"size_bytes": 500 * 2 ** 30, "free_bytes": 400 * 2 ** 30}
    records = _host_dns(hosts) + _lync_dns(pool1, [ip for fe, ip in site1])
    records += [{"name": pool2.split(".", 1)[0], "type": "A", "data": ip} for fe, ip in site2]
    hosts["dc01.%s" % d].update(dns_and_dhcp(records, pool1))
    files.update(media_files("backup01.%s" % d, product))
    contacts = dict(_rgs_contacts(pool1), **{w["uri"]: "service:ApplicationServer:%s" % pool2 for w in rgs2["workflows"]})
    state = {"lab": {"topology": "multisite", "product": product, "fault_counts": {}},
             "ad": dict(_ad(hosts, be1, ""), rgs_contacts=contacts), "hosts": hosts}
    return state, files


def build_pools(product="lync2013", pools=1, front_ends=2, users=6):
    """A synthetic deployment of `pools` Enterprise Edition pools in one site, for the bench (tests/bench/).

    Pool n (poolNN) has `front_ends` Front Ends (feNNa, feNNb, ...), its own back end sqlbeNN on a
    default SQL Server instance and its own file server fsNN; pool01's back end holds the Central
    Management store. No Persistent Chat, no Monitoring. Built from the same primitives as the
    multisite topology; inventory_for_pools() writes its inventory.
    """
    d = DOMAIN
    hosts = {"dc01.%s" % d: windows_host("dc01", "10.0.0.2", product),
             "backup01.%s" % d: windows_host("backup01", "10.0.0.50", product)}
    oauth = content.certificate("pool01.%s" % d, "OAuthTokenIssuer", [content.SIP_DOMAIN], ["OAuthTokenIssuer"], "oauth")
    oauth["thumbprint"] = content.thumbprint("oauth")
    layout = []
    for n in range(1, pools + 1):
        pool = "pool%02d.%s" % (n, d)
        fes = [("fe%02d%s.%s" % (n, chr(ord("a") + k), d), "10.1.%d.%d" % (n, 11 + k)) for k in range(front_ends)]
        layout.append((n, pool, fes, "sqlbe%02d.%s" % (n, d), "fs%02d.%s" % (n, d)))
    replicas = []
    for n, pool, fes, be, fs in layout:
        hosts[be] = windows_host(be.split(".", 1)[0], "10.1.%d.21" % n, product)
        hosts[fs] = windows_host(fs.split(".", 1)[0], "10.1.%d.31" % n, product)
        for k, (fe, ip) in enumerate(fes):
            replicas.append(fe)
            hosts[fe] = windows_host(fe.split(".", 1)[0], ip, product)
            install_lync(hosts[fe], product, ["Front End Server"],
                         dict(FRONT_END_SERVICES, **CMS_SERVICES) if n == 1 else FRONT_END_SERVICES)
            hosts[fe]["certificates"] = front_end_certificates(fe, pool, oauth)
            if n == 1 and k > 0:  # MASTER and FTA run only on the active Central Management Server
                hosts[fe]["services"]["MASTER"]["status"] = "Stopped"
                hosts[fe]["services"]["FTA"]["status"] = "Stopped"
    services = []
    for n, pool, fes, be, fs in layout:
        services += _pool_services(pool, be, fs, SITE, cms=n == 1)

    def pool_record(fqdn, computers):
        return dict(_pool(fqdn, computers, sorted(s["Identity"] for s in services if s["PoolFqdn"] == fqdn)), Site=SITE)
    records_pools = []
    for n, pool, fes, be, fs in layout:
        records_pools += [pool_record(pool, [fe for fe, ip in fes]), pool_record(be, [be]), pool_record(fs, [fs])]
    topology = {"sites": [{"Identity": SITE, "SiteId": "1", "DisplayName": "Redmond"}], "pools": records_pools,
                "services": services}
    files = {}
    contacts = {}
    records = []
    for n, pool, fes, be, fs in layout:
        pool_users = content.users_for_pool(pool, (n - 1) * users, users)
        rgs = content.rgs_store(pool)
        if n > 1:
            for flow in rgs["workflows"]:  # a workflow's SIP URI is unique in the deployment
                flow["name"] += " %d" % n
                flow["uri"] = flow["uri"].replace("@", ".p%d@" % n)
            contacts.update({w["uri"]: "service:ApplicationServer:%s" % pool for w in rgs["workflows"]})
        databases = {"rtcxds": content.user_store(pool, pool_users), "rtcshared": {"shared": {"pool": pool}},
                     "rtcab": {"entries": len(pool_users)}, "rgsconfig": rgs, "rgsdyn": {"signed_in_agents": 1},
                     "cpsdyn": {"parked": 0}}
        if n == 1:
            databases.update(xds=_cms_content(topology, replicas), lis=content.lis_store())
        sql_services(hosts[be], "MSSQLSERVER")
        hosts[be]["sql"]["MSSQLSERVER"] = sql_instance("MSSQLSERVER", product, "Enterprise Edition",
                                                       "CONTOSO\\svc-sqlbe", databases)
        hosts[fs]["shares"] = {"LyncShare": {"path": "D:\\LyncShare", "lync_acl": True}}
        hosts[fs]["disks"]["D"] = {"size_bytes": 200 * 2 ** 30, "free_bytes": 150 * 2 ** 30}
        conferences = sorted(c["id"] for u in pool_users for c in u["conferences"])
        files.update({(fs, "D:\\LyncShare\\" + rel): data
                      for rel, data in content.filestore_files(fs, conferences, with_pchat=False).items()})
        records += [{"name": pool.split(".", 1)[0], "type": "A", "data": ip} for fe, ip in fes]
    hosts["backup01.%s" % d]["shares"] = {"LyncBackup": {"path": "D:\\LyncBackup"},
                                          "LyncMedia": {"path": "D:\\LyncMedia", "deny_write": ["*"]}}
    hosts["backup01.%s" % d]["disks"]["D"] = {"size_bytes": 500 * 2 ** 30, "free_bytes": 400 * 2 ** 30}
    first = layout[0]
    hosts["dc01.%s" % d].update(dns_and_dhcp(_host_dns(hosts) + _lync_dns(first[1], [ip for fe, ip in first[2]])
                                             + records, first[1]))
    files.update(media_files("backup01.%s" % d, product))
    state = {"lab": {"topology": "pools%d" % pools, "product": product, "fault_counts": {}},
             "ad": dict(_ad(hosts, first[3], ""), rgs_contacts=dict(_rgs_contacts(first[1]), **contacts)),
             "hosts": hosts}
    return state, files


def inventory_for_pools(state, variables):
    """The inventory of a build_pools() lab: the groups the roles read, and `variables` for all hosts."""
    groups = {"lync_front_ends": [], "lync_sql_servers": [], "lync_file_servers": [], "lync_backup_servers": [],
              "lync_infrastructure": []}
    for fqdn in sorted(state["hosts"]):
        name = fqdn.split(".", 1)[0]
        group = ("lync_front_ends" if name.startswith("fe") else "lync_sql_servers" if name.startswith("sqlbe")
                 else "lync_file_servers" if name.startswith("fs") else "lync_backup_servers"
                 if name.startswith("backup") else "lync_infrastructure")
        groups[group].append(fqdn)
    return {"all": {"vars": dict(variables),
                    "children": {g: {"hosts": {h: None for h in hs}} for g, hs in groups.items()}}}


BUILDERS = {"standard": build_standard, "enterprise": build_enterprise, "enterprise3": build_enterprise3,
            "multisite": build_multisite}


def _instance_name(item):
    return str(item if isinstance(item, str) else item.get("name", "")).upper()


def inventory(topology, state):
    """The topology's inventory (topologies/<name>/inventory.yml) for the seeded lab.

    A product that builds a smaller shape than the file describes (Skype for Business Server 2019:
    no Persistent Chat) gets the file less the hosts the lab has not and the SQL instances (pins
    sql_instances) a host does not run; otherwise the file is copied as it is, comments and all.
    """
    text = (TOPOLOGY_DIR / topology / "inventory.yml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    dropped = []
    for group in data["all"]["children"].values():
        hosts = group.get("hosts") or {}
        for fqdn in list(hosts):
            if fqdn not in state["hosts"]:
                del hosts[fqdn]
                dropped.append(fqdn)
                continue
            pins = (hosts[fqdn] or {}).get("lync_pins") or {}
            if "sql_instances" in pins:
                have = set(state["hosts"][fqdn]["sql"])
                kept = [i for i in pins["sql_instances"] if _instance_name(i) in have]
                if kept != pins["sql_instances"]:
                    dropped += ["%s\\%s" % (fqdn, _instance_name(i)) for i in pins["sql_instances"] if i not in kept]
                    pins["sql_instances"] = kept
    if not dropped:
        return text
    header = "".join(line + "\n" for line in text.splitlines() if line.startswith("#"))
    note = "# Seeded for %s, which has no: %s\n" % (PRODUCTS[state["lab"]["product"]]["name"], ", ".join(dropped))
    return "---\n" + header + note + yaml.safe_dump(data, sort_keys=False)


def seed(topology, dest, product="lync2013"):
    """Create a fresh lab in dest: state.json, the hosts' files and inventory.yml. Returns the Lab."""
    dest = pathlib.Path(dest)
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    state, files = BUILDERS[topology](product)
    lab = write(dest, state, files)
    (dest / "inventory.yml").write_text(inventory(topology, state), encoding="utf-8")
    (dest / "README.txt").write_text(
        "Lab %s (%s), made by: python -m lync_lab seed %s %s\n" % (topology, product, topology, dest), encoding="utf-8")
    return lab


def write(dest, state, files):
    """Write a built lab (state and files, from a builder) into the empty folder dest. Returns the Lab."""
    dest = pathlib.Path(dest)
    lab = Lab(dest / "state.json")
    lab.save(state)
    for fqdn, host in state["hosts"].items():
        for share in host.get("shares", {}).values():
            paths.resolve(lab, state, fqdn, share["path"]).mkdir(parents=True, exist_ok=True)
        if host.get("install_dir"):
            files[(fqdn, "%s\\Deployment\\Bootstrapper.exe" % host["install_dir"])] = b"MZ lab Bootstrapper.exe"
    for (fqdn, winpath), data in files.items():
        target = paths.resolve(lab, state, fqdn, winpath)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return lab


def snapshot(lab):
    """The whole lab as comparable data: the state plus every file's bytes (hex SHA-256)."""
    import hashlib
    state = lab.load()
    state.get("lab", {}).pop("fault_counts", None)
    files = {}
    for path in sorted(p for p in lab.fs_root.rglob("*") if p.is_file()):
        files[str(path.relative_to(lab.fs_root))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return json.loads(json.dumps({"state": state, "files": files}))
