"""Install-CsDatabase in the lab: the Lync databases a store's roles need, created empty.

What a new, empty database holds is what Lync's database setup leaves in it; the data
comes back afterwards from the exports (Import-Cs*) or from SQL restores.
"""

import copy

from . import model
from .errors import PSError

# Database name -> Get-CsService store role (the catalog of plugins/plugin_utils/catalog.py, as the lab sees it).
ROLE_DATABASES = {
    "CentralManagementDatabase": ("xds", "lis"),
    "UserDatabase": ("rtcxds", "rtcshared", "rtcab"),
    "ApplicationDatabase": ("rgsconfig", "rgsdyn", "cpsdyn"),
    "ArchivingDatabase": ("LcsLog",),
    "MonitoringDatabase": ("LcsCDR", "QoEMetrics"),
    "PersistentChatDatabase": ("mgc",),
    "PersistentChatComplianceDatabase": ("mgccomp",),
}
RTC_GROUP = "CONTOSO\\RTCComponentUniversalServices"
# Test-CsDatabase reports each database's ExpectedVersion (what this Lync build's setup installs) and
# InstalledVersion (none for a missing database); Succeed is False for both a missing and an outdated one
# (the fix of an outdated one is Install-CsDatabase -Update). A lab database may carry "schema_version".
SCHEMA_VERSION = "10.13.2"

EMPTY = {
    "xds": {"version": 0, "last_update_creation": None, "topology": None, "documents": {}, "replication": {},
            "enabled": False},
    "lis": {"locations": [], "subnets": [], "switches": [], "ports": [], "wireless_access_points": [],
            "published_version": 0},
    "rtcxds": {"users": [], "conference_directories": []},
    "rtcshared": {"shared": {}},
    "rtcab": {"entries": 0},
    "rgsconfig": {"owner": None, "settings": {"default_music_on_hold": None, "agent_ringback_grace_period": 30,
                                              "disable_call_context": False},
                  "agent_groups": [], "queues": [], "workflows": [], "hours_of_business": [], "holiday_sets": []},
    "rgsdyn": {"signed_in_agents": 0},
    "cpsdyn": {"parked": 0},
    "LcsLog": {"tables": {}},
    "LcsCDR": {"tables": {}},
    "QoEMetrics": {"tables": {}},
    "mgc": {"tables": {}},
    "mgccomp": {"queue": []},
}


def new_database(instance, name):
    """A fresh database record in an instance, with Lync's ACL group as a user."""
    return {"recovery_model": "SIMPLE",
            "data_file": "%s\\%s.mdf" % (instance["data_dir"], name),
            "log_file": "%s\\%s_log.ldf" % (instance["data_dir"], name),
            "users": [RTC_GROUP],
            "content": copy.deepcopy(EMPTY[name])}


def _create(instance, names, clean):
    created = []
    for name in names:
        if name in instance["databases"] and not clean:
            continue
        instance["databases"][name] = new_database(instance, name)
        created.append(name)
    return created


def install_cms(state, server, instance_name, clean):
    """Install-CsDatabase -CentralManagementDatabase [-Clean]."""
    instance = model.sql_instance(state, server, instance_name)
    return _create(instance, ROLE_DATABASES["CentralManagementDatabase"], clean)


def _same_instance(name, wanted):
    """Instance names compared the way SQL Server does: without case; '' and MSSQLSERVER are the default."""
    def norm(value):
        value = str(value or "").upper()
        return "" if value == "MSSQLSERVER" else value
    return norm(name) == norm(wanted)


def install_configured(state, server, clean=False, collocated=False, for_instance=None, for_default=False):
    """Install-CsDatabase -ConfiguredDatabases -SqlServerFqdn server: every store the topology puts there.

    collocated -- step 2 of a Standard Edition server: its own stores (not the CMS, made earlier).
    for_instance / for_default -- -ForInstance <name> / -ForDefaultInstance: "only act against the specified
    SQL Server instance" / "the default SQL Server instance"; without them, every instance of the server (with
    -Clean: every instance's databases dropped and recreated). "You cannot use both ForInstance and
    ForDefaultInstance in the same command."
    (https://learn.microsoft.com/powershell/module/skype/install-csdatabase)
    """
    if for_instance and for_default:
        raise PSError("Parameter set cannot be resolved using the specified named parameters. (You cannot use both "
                      "ForInstance and ForDefaultInstance in the same command.)", "InvalidArgument")
    fqdn = model.find_host(state, server)
    if fqdn is None:
        raise PSError("Cannot connect to SQL Server %s." % server)
    created = []
    for svc in model.cms(state)["content"]["topology"]["services"]:
        role = svc["Role"]
        if svc["PoolFqdn"].lower() != fqdn or role not in ROLE_DATABASES or role == "CentralManagementDatabase":
            continue
        if for_instance and not _same_instance(svc.get("SqlInstanceName"), for_instance):
            continue
        if for_default and not _same_instance(svc.get("SqlInstanceName"), ""):
            continue
        instance = model.sql_instance(state, fqdn, svc.get("SqlInstanceName"))
        created += _create(instance, ROLE_DATABASES[role], clean)
    if not created and not collocated and not any(
            s["PoolFqdn"].lower() == fqdn and s["Role"] in ROLE_DATABASES for s in model.cms(state)["content"]["topology"]["services"]):
        raise PSError("The topology defines no databases on %s." % server, "ObjectNotFound")
    return created


def test_databases(state, server):
    """Test-CsDatabase -ConfiguredDatabases -SqlServerFqdn: each expected database and whether it exists."""
    fqdn = model.find_host(state, server)
    found = []
    for svc in model.cms(state)["content"]["topology"]["services"]:
        if svc["PoolFqdn"].lower() != fqdn or svc["Role"] not in ROLE_DATABASES:
            continue
        try:
            instance = model.sql_instance(state, fqdn, svc.get("SqlInstanceName"))
            present = instance["databases"]
        except PSError:
            present = {}
        for name in ROLE_DATABASES[svc["Role"]]:
            installed = present[name].get("schema_version", SCHEMA_VERSION) if name in present else None
            found.append({"SqlServerFqdn": fqdn, "SqlInstanceName": svc.get("SqlInstanceName") or "",
                          "DatabaseName": name, "Succeed": installed == SCHEMA_VERSION,
                          "ExpectedVersion": SCHEMA_VERSION, "InstalledVersion": installed or ""})
    return found
