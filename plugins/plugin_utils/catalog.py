# Copyright: (c) 2026, lync.server maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What Lync keeps in which database, and how each one is protected.

This is section 1.6 of the domain brief (docs/architecture.md links it) as data, so
planning code never hard-codes a database name. Sources: Microsoft's backup and
restoration requirements topics, the SQL mirroring example output, the
Install-CsDatabase -DatabasePathMap keys.

backup:
  required  SQL backup is the documented restore path (Archiving, Monitoring, Persistent Chat)
  safety    a cmdlet export is the restore path; a copy-only SQL backup is an extra safety copy
  never     transient data Microsoft says not to back up or restore
"""

from __future__ import annotations

from collections import namedtuple

Database = namedtuple("Database", "name role install_type backup export restore")

DATABASES = (
    Database("xds", "CentralManagementDatabase", "CentralMgmt", "safety", "Export-CsConfiguration", "Import-CsConfiguration"),
    Database("lis", "CentralManagementDatabase", "CentralMgmt", "safety", "Export-CsLisConfiguration", "Import-CsLisConfiguration"),
    Database("rtcxds", "UserDatabase", "User", "safety", "Export-CsUserData", "Import-CsUserData"),
    Database("rtcshared", "UserDatabase", "User", "safety", None, "recreated empty"),
    Database("rtcab", "UserDatabase", "User", "never", None, "regenerated from AD DS"),
    Database("rgsconfig", "ApplicationDatabase", "Application", "safety", "Export-CsRgsConfiguration", "Import-CsRgsConfiguration"),
    Database("rgsdyn", "ApplicationDatabase", "Application", "never", None, "recreated empty"),
    Database("cpsdyn", "ApplicationDatabase", "Application", "never", None, "recreated empty"),
    Database("LcsLog", "ArchivingDatabase", "Archiving", "required", None, "SQL restore"),
    Database("LcsCDR", "MonitoringDatabase", "Monitoring", "required", None, "SQL restore"),
    Database("QoEMetrics", "MonitoringDatabase", "Monitoring", "required", None, "SQL restore"),
    Database("mgc", "PersistentChatDatabase", "PersistentChat", "required", "Export-CsPersistentChatData", "SQL restore or Import-CsPersistentChatData"),
    Database("mgccomp", "PersistentChatComplianceDatabase", "PersistentChatCompliance", "never", None, "recreated empty"),
)

BY_NAME = {db.name.lower(): db for db in DATABASES}

# Get-CsService roles that are SQL stores, in the order Topology Builder installs them.
STORE_ROLES = (
    "CentralManagementDatabase",
    "UserDatabase",
    "ApplicationDatabase",
    "ArchivingDatabase",
    "MonitoringDatabase",
    "PersistentChatDatabase",
    "PersistentChatComplianceDatabase",
)

# SQL Express instances every Lync server gets from Deployment Wizard steps 1-2: the
# local configuration store replica (RTCLOCAL) and the Front End local store (LYNCLOCAL).
LOCAL_STORE_INSTANCES = ("RTCLOCAL", "LYNCLOCAL")


def databases_for_role(role):
    """The databases a store with this Get-CsService role holds."""
    return [db for db in DATABASES if db.role == role]


def lookup(name):
    """The catalog entry for a database name (case-insensitive), or None."""
    return BY_NAME.get(str(name).lower())


def backup_selection(roles):
    """Databases to back up with SQL on a store serving `roles`: required + safety, never transient."""
    return [db.name for role in roles for db in databases_for_role(role) if db.backup != "never"]
