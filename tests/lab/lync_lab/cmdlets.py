"""What the Lync cmdlets the payloads call do to the lab state.

Exports produce real zip files holding one JSON document (`lab-export.json`) with the
data the cmdlet exports in Lync: Export-CsConfiguration the CMS documents and topology,
Export-CsLisConfiguration the E9-1-1 data, Export-CsUserData a pool's user data,
Export-CsRgsConfiguration a pool's Response Group configuration, Export-CsPersistentChatData
the Persistent Chat database. The data is read where Lync keeps it: in the databases of
the SQL instances the topology names.
"""

import io
import json
import zipfile

from . import model, netid
from .errors import PSError

ENTRY = "lab-export.json"


def make_zip(kind, source, payload):
    """Zip bytes (fixed timestamps, so equal data gives equal bytes)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        info = zipfile.ZipInfo(ENTRY, date_time=(2026, 1, 1, 0, 0, 0))
        archive.writestr(info, json.dumps({"kind": kind, "source": source, "data": payload}, sort_keys=True))
    return buffer.getvalue()


def read_zip(data, kind):
    """The data of an export zip of the given kind; PSError when it is not one."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            doc = json.loads(archive.read(ENTRY))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise PSError("The file is not a valid %s export: %s" % (kind, exc), "InvalidData") from None
    if doc.get("kind") != kind:
        raise PSError("The file is a %s export, not a %s export." % (doc.get("kind"), kind), "InvalidData")
    return doc


def topology(state):
    topo = model.cms(state)["content"]["topology"]
    if topo is None:
        raise PSError("The Central Management store holds no topology: import a configuration "
                      "(Import-CsConfiguration) or publish a topology first.", "ObjectNotFound")
    return topo


def _service(state, identity):
    for svc in topology(state)["services"]:
        if svc["Identity"].lower() == identity.lower():
            return svc
    return None


def pool_database(state, pool, server_role, db_attr, db_name):
    """The database record db_name behind pool's server_role service (e.g. UserServer -> UserDatabase)."""
    svc = _service(state, "%s:%s" % (server_role, pool))
    if svc is None or not svc.get(db_attr):
        raise PSError("Cannot find a %s service for pool %s in the topology." % (server_role, pool), "ObjectNotFound")
    store = _service(state, svc[db_attr])
    instance = model.sql_instance(state, store["PoolFqdn"], store.get("SqlInstanceName"))
    if db_name not in instance["databases"]:
        raise PSError("Cannot open database \"%s\" on %s\\%s." % (db_name, store["PoolFqdn"], store.get("SqlInstanceName")))
    return instance["databases"][db_name]


def export_configuration(state, local_store=False):
    """Export-CsConfiguration: CMS documents and topology (-LocalStore: from the local replica)."""
    if local_store:
        scp = state["ad"]["scp"]
        inst = model.host(state, scp["sql_fqdn"]).get("sql", {}).get((scp["instance"] or model.DEFAULT_INSTANCE).upper(), {})
        xds = inst.get("databases", {}).get("xds")
        if xds is None:
            raise PSError("The local configuration store has no replica of the Central Management store.")
    else:
        xds = model.cms(state)
    content = xds["content"]
    return make_zip("configuration", "cms", {"topology": content["topology"], "documents": content["documents"],
                                             "version": content["version"]})


def export_lis(state):
    """Export-CsLisConfiguration."""
    scp = state["ad"]["scp"]
    lis = model.sql_instance(state, scp["sql_fqdn"], scp["instance"])["databases"].get("lis")
    if lis is None:
        raise PSError("Cannot open database \"lis\".")
    return make_zip("lis", "cms", lis["content"])


def topology_xml(state):
    """Get-CsTopology -AsXml (a readable rendering of the topology document)."""
    topo = topology(state)
    lines = ['<?xml version="1.0" encoding="utf-8"?>', "<Topology>"]
    for site in topo["sites"]:
        lines.append('  <Site Identity="%s" SiteId="%s" Name="%s" />' % (site["Identity"], site["SiteId"], site["DisplayName"]))
    for pool in topo["pools"]:
        lines.append('  <Pool Fqdn="%s" Site="%s">' % (pool["Fqdn"], pool["Site"]))
        lines.extend('    <Machine Fqdn="%s" />' % c for c in pool["Computers"])
        lines.extend('    <Service Identity="%s" />' % s for s in pool["Services"])
        lines.append("  </Pool>")
    lines.append("</Topology>")
    return "\n".join(lines) + "\n"


def export_user_data(state, pool):
    """Export-CsUserData -PoolFqdn."""
    if not any(p["Fqdn"].lower() == pool.lower() for p in topology(state)["pools"]):
        raise PSError("Pool \"%s\" was not found in the topology." % pool, "ObjectNotFound")
    db = pool_database(state, pool.lower(), "UserServer", "UserDatabase", "rtcxds")
    return make_zip("userdata", pool.lower(), db["content"])


def export_rgs(state, source):
    """Export-CsRgsConfiguration -Source service:ApplicationServer:<pool> (ApplicationServer:<pool> also accepted)."""
    text = source[len("service:"):] if source.lower().startswith("service:") else source
    role, dummy, pool = text.partition(":")
    if role.lower() != "applicationserver" or not pool:
        raise PSError("Cannot convert \"%s\" to an RgsIdentity." % source, "InvalidArgument")
    db = pool_database(state, pool.lower(), "ApplicationServer", "ApplicationDatabase", "rgsconfig")
    return make_zip("rgs", "service:ApplicationServer:%s" % pool.lower(), db["content"])


def export_pchat(state, db_instance):
    """Export-CsPersistentChatData -DBInstance <server\\instance>."""
    server, dummy, instance = db_instance.partition("\\")
    mgc = model.sql_instance(state, server, instance)["databases"].get("mgc")
    if mgc is None:
        raise PSError("Cannot open database \"mgc\" on %s." % db_instance)
    return make_zip("persistentchat", db_instance.lower(), mgc["content"])


# --- restore side -----------------------------------------------------------------------

def set_store_location(state, server, instance=None):
    """Set-CsConfigurationStoreLocation: the AD service control point names the CMS instance.

    instance None: -SqlInstanceName left out, the default instance (stored as '')."""
    model.sql_instance(state, server, instance)
    netid.ad_access(state, "write the service control point of the Central Management store")
    state["ad"]["scp"] = {"sql_fqdn": server.lower(), "instance": instance or ""}


def store_location(state):
    """Get-CsConfigurationStoreLocation as a string: <fqdn>\\<instance>, or <fqdn> for the default instance."""
    scp = state["ad"]["scp"]
    return "%s\\%s" % (scp["sql_fqdn"], scp["instance"]) if scp.get("instance") else scp["sql_fqdn"]


def import_configuration(state, data):
    """Import-CsConfiguration -FileName: topology, policies and settings into the CMS (a new version)."""
    doc = read_zip(data, "configuration")["data"]
    xds = model.cms(state)
    content = xds["content"]
    version = max(int(content.get("version") or 0), int(doc["version"])) + 1
    content.update(topology=doc["topology"], documents=doc["documents"], version=version,
                   last_update_creation="imported")
    content.setdefault("replication", {})
    return version


def enable_topology(state):
    """Enable-CsTopology: the published topology takes effect; file store ACLs are set."""
    content = model.cms(state)["content"]
    topo = topology(state)
    content["enabled"] = True
    for svc in topo["services"]:
        if svc["Role"] == "FileStore":
            host = state["hosts"].get(svc["PoolFqdn"].lower())
            share = (host or {}).get("shares", {}).get(svc.get("ShareName") or "")
            if share is None:
                raise PSError("Enable-CsTopology: the file store %s does not exist; create the share first."
                              % svc.get("UncPath"), "ObjectNotFound")
            share["lync_acl"] = True


def _front_ends(state, pool):
    for p in topology(state)["pools"]:
        if p["Fqdn"].lower() == pool.lower():
            return [c.lower() for c in p["Computers"]]
    raise PSError("Pool \"%s\" was not found in the topology." % pool, "ObjectNotFound")


def import_user_data(state, pool, data):
    """Import-CsUserData -PoolFqdn: refuses while a Front End service of the pool runs (stop them all first)."""
    running = [fe for fe in _front_ends(state, pool)
               if state["hosts"].get(fe, {}).get("services", {}).get("RTCSRV", {}).get("status") in ("Running", STARTING)]
    if running:
        raise PSError("Import-CsUserData: the Front End service runs on %s; stop the Front End services on every "
                      "server of pool %s before importing user data." % (", ".join(running), pool), "InvalidOperation")
    doc = read_zip(data, "userdata")
    if doc["source"] != pool.lower():
        raise PSError("The file holds user data of %s, not of %s." % (doc["source"], pool), "InvalidData")
    db = pool_database(state, pool.lower(), "UserServer", "UserDatabase", "rtcxds")
    db["content"] = doc["data"]


def import_lis(state, data):
    """Import-CsLisConfiguration: E9-1-1 data back into the CMS, pending Publish-CsLisConfiguration."""
    scp = state["ad"]["scp"]
    lis = model.sql_instance(state, scp["sql_fqdn"], scp["instance"])["databases"].get("lis")
    if lis is None:
        raise PSError("Cannot open database \"lis\".")
    lis["content"] = dict(read_zip(data, "lis")["data"], pending_publish=True)


def publish_lis(state):
    """Publish-CsLisConfiguration: commit the location database so LIS replicas get it."""
    scp = state["ad"]["scp"]
    lis = model.sql_instance(state, scp["sql_fqdn"], scp["instance"])["databases"]["lis"]
    lis["content"].pop("pending_publish", None)


def import_rgs(state, destination, data, overwrite_owner, replace_settings):
    """Import-CsRgsConfiguration: refuses contact objects owned elsewhere unless -OverwriteOwner."""
    text = destination[len("service:"):] if destination.lower().startswith("service:") else destination
    pool = text.partition(":")[2].lower()
    owner = "service:ApplicationServer:%s" % pool
    doc = read_zip(data, "rgs")["data"]
    netid.ad_access(state, "read the Response Group contact objects")
    contacts = state["ad"].setdefault("rgs_contacts", {})
    taken = [w["uri"] for w in doc["workflows"] if w["uri"] in contacts and not overwrite_owner]
    if taken:
        raise PSError("Import-CsRgsConfiguration: the contact objects %s already exist in Active Directory; use "
                      "-OverwriteOwner to take them over." % ", ".join(taken), "ResourceExists")
    db = pool_database(state, pool, "ApplicationServer", "ApplicationDatabase", "rgsconfig")
    settings = doc["settings"] if replace_settings else db["content"]["settings"]
    db["content"] = dict(doc, owner=owner, settings=settings)
    for workflow in doc["workflows"]:
        contacts[workflow["uri"]] = owner


def import_pchat(state, db_instance, data):
    """Import-CsPersistentChatData -DBInstance."""
    server, dummy, instance = db_instance.partition("\\")
    mgc = model.sql_instance(state, server, instance)["databases"].get("mgc")
    if mgc is None:
        raise PSError("Cannot open database \"mgc\" on %s." % db_instance)
    mgc["content"] = read_zip(data, "persistentchat")["data"]


# Start-CsWindowsService: https://learn.microsoft.com/en-us/powershell/module/skypeforbusiness/start-cswindowsservice
#   "You can only pass a single service name to the Name parameter"; -NoWait returns at once, without it
#   "control will not be returned until the command has completed".
# Front End pool high availability and management (85% start rule, table of minimum running Front Ends):
#   https://learn.microsoft.com/en-us/skypeforbusiness/plan-your-deployment/high-availability-and-disaster-recovery/high-availability
#   (Lync Server 2013: https://learn.microsoft.com/en-us/previous-versions/office/lync-server-2013/lync-server-2013-planning-for-front-end-pools,
#   "When you start the pool for the first time, be sure to start at least three of the Front End Servers").
# Get-CsManagementStoreReplicationStatus -CentralManagementStoreStatus: one Active Master and one File Transfer
#   Agent for the Central Management store; the Master Replicator runs on the Central Management Server:
#   https://learn.microsoft.com/en-us/powershell/module/skypeforbusiness/get-csmanagementstorereplicationstatus
POOL_START_QUORUM = {2: 1, 3: 3, 4: 3, 5: 4, 6: 5, 7: 5, 8: 6, 9: 7, 10: 8, 11: 9, 12: 10}
CMS_ONLY_SERVICES = ("MASTER", "FTA")
# Services that do not wait for the pool (the replica agent of Deployment Wizard step 1, the logging agent).
POOL_INDEPENDENT_SERVICES = ("REPLICA", "RTCCLSAGT")
STARTING = "StartPending"  # ServiceControllerStatus while a service starts (Get-CsWindowsService .Status)


def pool_start_quorum(front_ends):
    """How many Front Ends of a pool must be started for its services to leave StartPending (Microsoft's table;
    past 12 servers, 85% rounded up)."""
    if front_ends <= 2:
        return 1
    return POOL_START_QUORUM.get(front_ends, -(-front_ends * 85 // 100))


def _bind_service_name(cmdlet, name):
    """-Name is [string]: one service name, no wildcard (the cmdlet page); an array fails parameter binding."""
    if isinstance(name, (list, tuple)):
        if len(name) != 1:
            raise PSError("%s : Cannot convert 'System.Object[]' to the type 'System.String' required by parameter "
                          "'Name'. Specified method is not supported." % cmdlet, "InvalidArgument",
                          "CannotConvertArgument,Microsoft.Rtc.Management.Deployment.%sCmdlet"
                          % cmdlet.replace("-", ""))
        name = name[0]
    if name is not None and any(c in str(name) for c in "*?["):
        raise PSError("%s : wildcards are not supported in the service name %s." % (cmdlet, name), "InvalidArgument")
    return name


def get_cs_certificate(record):
    """Get-CsCertificate on a host: [{Use, Thumbprint}] of the certificates assigned to Lync usages. A host may carry
    `get_cscertificate_error` (lab fault: the cmdlet's terminating error, e.g. the local store cannot be read);
    -ErrorAction SilentlyContinue does not silence it (about_CommonParameters,
    https://learn.microsoft.com/powershell/module/microsoft.powershell.core/about/about_commonparameters)."""
    if record.get("get_cscertificate_error"):
        raise PSError(record["get_cscertificate_error"], "InvalidOperation")
    return [{"Use": use, "Thumbprint": cert["thumbprint"].upper()}
            for cert in record.get("certificates", []) for use in cert.get("usages", [])]


def call_collecting_errors(failed, cmdlet, *args, caught=False, **kwargs):
    """A cmdlet call with -ErrorAction SilentlyContinue -ErrorVariable +failed: a non-terminating error (the cmdlet
    reports it and goes on, e.g. "Cannot find any service") is appended to `failed` and the script continues;
    a parameter-binding error is terminating whatever -ErrorAction says (about_CommonParameters: -ErrorAction
    "has no effect on terminating errors",
    https://learn.microsoft.com/powershell/module/microsoft.powershell.core/about/about_commonparameters).
    Without the -ErrorAction override, $ErrorActionPreference = 'Stop' turns the first such error into a
    terminating one and the calls after it never run. caught: the call is also inside
    `try { ... } catch { $null = $failed.Add($_) }`, so a terminating error is collected the same way."""
    try:
        return cmdlet(*args, **kwargs)
    except PSError as exc:
        # A cmdlet's own terminating error (ThrowTerminatingError) is marked exc.terminating.
        if (exc.error_id.startswith("CannotConvertArgument") or getattr(exc, "terminating", False)) and not caught:
            raise
        failed.append(exc.message)
        return None


def get_windows_services(state, fqdn):
    """Get-CsWindowsService: [{Name, Status}] of the host's Lync services."""
    from . import lyncsetup  # pylint: disable=import-outside-toplevel
    record = state["hosts"][fqdn]
    return [{"Name": n, "Status": record["services"][n]["status"]} for n in lyncsetup.lync_services(record)]


def _wanted(state, fqdn, cmdlet, name):
    from . import lyncsetup  # pylint: disable=import-outside-toplevel
    record = state["hosts"][fqdn]
    services = lyncsetup.lync_services(record)
    if name is None:
        return services
    found = [n for n in services if n.upper() == str(name).upper()]
    if not found:
        raise PSError("%s : Cannot find any service with service name '%s'." % (cmdlet, name), "ObjectNotFound")
    return found


def active_cms_master(state):
    """The Front End of the Central Management pool whose Master Replicator Agent runs (None when none does)."""
    topo = topology(state)
    cms_pool = next((s["PoolFqdn"] for s in topo["services"] if s["Role"] == "CentralManagement"), None)
    for computer in (_front_ends(state, cms_pool) if cms_pool else []):
        other = state["hosts"].get(computer, {})
        if not other.get("powered_off") and other.get("services", {}).get("MASTER", {}).get("status") == "Running":
            return computer
    return None


def _pool_quorum(state, fqdn):
    """Start the services held in StartPending on every Front End of fqdn's pools that now have enough started."""
    from . import lyncsetup  # pylint: disable=import-outside-toplevel
    for pool in lyncsetup.roles_of(state, fqdn)["pools"]:
        members = _front_ends(state, pool)
        started = [fe for fe in members if state["hosts"].get(fe, {}).get("services", {}).get("RTCSRV", {})
                   .get("status") in ("Running", STARTING)]
        if len(started) < pool_start_quorum(len(members)):
            continue
        for fe in started:
            for svc in state["hosts"][fe]["services"].values():
                if svc["status"] == STARTING:
                    svc["status"] = "Running"


def start_windows_service(state, fqdn, name=None, no_wait=False):
    """Start-CsWindowsService [-Name <one name>] [-NoWait] on fqdn.

    Lab rules (Microsoft's pages above):
    * a list given to -Name fails parameter binding;
    * MASTER and FTA reach Running only on the active Central Management Server: on any other Front End of
      the Central Management pool they stay Stopped;
    * on a Front End of a pool with 3 or more Front Ends, the services stay StartPending until enough of the
      pool's Front Ends are started (pool_start_quorum); then all of them run;
    * without -NoWait the call does not return while a service it started is StartPending: the lab fails the
      call instead of hanging.
    """
    from . import lyncsetup  # pylint: disable=import-outside-toplevel
    cmdlet = "Start-CsWindowsService"
    name = _bind_service_name(cmdlet, name)
    record = state["hosts"][fqdn]
    wanted = _wanted(state, fqdn, cmdlet, name)
    roles = lyncsetup.roles_of(state, fqdn)
    members = [m for pool in roles["pools"] for m in _front_ends(state, pool)] if roles["front_end"] else []
    hold = roles["front_end"] and len(members) >= 3
    for svc_name in wanted:
        svc = record["services"][svc_name]
        if svc["status"] in ("Running", STARTING):
            continue
        if svc_name in CMS_ONLY_SERVICES:
            if roles["cms_pool"] and active_cms_master(state) not in (None, fqdn):
                continue  # the passive Front Ends of the CMS pool do not run the Master Replicator / FTA
            svc["status"] = "Running"
            continue
        svc["status"] = STARTING if hold and svc_name not in POOL_INDEPENDENT_SERVICES else "Running"
    if hold:
        _pool_quorum(state, fqdn)
    pending = [n for n in wanted if record["services"][n]["status"] == STARTING]
    if pending and not no_wait:
        raise PSError("%s : the lab does not wait forever: %s on %s stay StartPending until enough Front Ends of "
                      "the pool are started (%d of %d); start every Front End with -NoWait, then wait."
                      % (cmdlet, ", ".join(pending), fqdn, pool_start_quorum(len(members)), len(members)),
                      "OperationTimeout")
    return wanted


def stop_windows_service(state, fqdn, name=None, no_wait=False):
    """Stop-CsWindowsService [-Name <one name>] [-NoWait] on fqdn: the services stop."""
    del no_wait
    cmdlet = "Stop-CsWindowsService"
    name = _bind_service_name(cmdlet, name)
    record = state["hosts"][fqdn]
    wanted = _wanted(state, fqdn, cmdlet, name)
    for svc_name in wanted:
        record["services"][svc_name]["status"] = "Stopped"
    return wanted


def set_services(state, fqdn, start, names=None):
    """Start or stop the Lync services of a host (all, or each named one), as the lab's own setup steps do."""
    for name in (names or [None]):
        if start:
            start_windows_service(state, fqdn, name, no_wait=True)
        else:
            stop_windows_service(state, fqdn, name)
