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


def install_configured(state, server, clean=False, collocated=False):
    """Install-CsDatabase -ConfiguredDatabases -SqlServerFqdn server: every store the topology puts there.

    collocated -- step 2 of a Standard Edition server: its own stores (not the CMS, made earlier).
    """
    fqdn = model.find_host(state, server)
    if fqdn is None:
        raise PSError("Cannot connect to SQL Server %s." % server)
    created = []
    for svc in model.cms(state)["content"]["topology"]["services"]:
        role = svc["Role"]
        if svc["PoolFqdn"].lower() != fqdn or role not in ROLE_DATABASES or role == "CentralManagementDatabase":
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
            found.append({"SqlServerFqdn": fqdn, "SqlInstanceName": svc.get("SqlInstanceName") or "",
                          "DatabaseName": name, "Succeed": name in present})
    return found
