# Copyright: (c) 2026, lync.server maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a replacement server needs before Lync Server setup: Windows features per product,
Windows Server release and Lync role, and which SQL Server releases a database server may run.

The lists are Microsoft's, kept as data with their source (docs/clean-server.md explains
how to update them):

LYNC2013_SOFTWARE  "Additional software requirements for Lync Server 2013"
                   https://learn.microsoft.com/previous-versions/office/lync-server-2013/lync-server-2013-additional-software-requirements
                   (the Add-WindowsFeature command for Windows Server 2012, the IIS module list, WIF,
                   .NET 4.5 HTTP Activation, Media Foundation / Desktop Experience, MSMQ for Persistent Chat)
LYNC2013_INSTALL   "Install operating systems and prerequisite software on servers for Lync Server 2013"
                   (Windows Server 2008 R2: KB2646886, .NET 4.5, WIF KB974405 are downloads, not features;
                   Media Format Runtime comes with Desktop Experience)
SFB2015_SERVER     "Server requirements for Skype for Business Server 2015"
                   https://learn.microsoft.com/skypeforbusiness/plan-your-deployment/requirements-for-your-environment/server-requirements
                   (sample Add-WindowsFeature commands for Front End/Standard Edition and Director;
                   supported OS incl. Windows Server 2016 with CU5 and 2019 with CU9; SQL Server releases)
SFB2019_SYSTEM     "System requirements for Skype for Business Server 2019"
                   https://learn.microsoft.com/skypeforbusiness/sfb-server-2019/plan/system-requirements
                   (sample Add-WindowsFeature commands; Windows Server 2016/2019; SQL Server 2016-2019)
DOMAIN_BRIEF_4_0   shared domain brief, section 4.0: Lync Server 2013 back ends run SQL Server 2012 or 2008 R2
SQL2012_REQS       "Hardware and Software Requirements for Installing SQL Server 2012": .NET Framework 3.5 SP1
                   is required by SQL Server 2012 (and 2014) setup; on Windows Server 2012+ that is the
                   NET-Framework-Core feature.
"""

from __future__ import annotations

import re

SOURCES = {
    "LYNC2013_SOFTWARE": "Microsoft: Additional software requirements for Lync Server 2013",
    "LYNC2013_INSTALL": "Microsoft: Install operating systems and prerequisite software on servers for Lync Server 2013",
    "SFB2015_SERVER": "Microsoft: Server requirements for Skype for Business Server 2015",
    "SFB2019_SYSTEM": "Microsoft: System requirements for Skype for Business Server 2019",
    "DOMAIN_BRIEF_4_0": "Domain brief 4.0 (Lync 2013 back ends: SQL Server 2012 or 2008 R2)",
    "SQL2012_REQS": "Microsoft: Hardware and Software Requirements for Installing SQL Server 2012 (.NET 3.5 SP1)",
}

PRODUCTS = {
    "lync2013": "Lync Server 2013",
    "sfb2015": "Skype for Business Server 2015",
    "sfb2019": "Skype for Business Server 2019",
}

# Windows Server releases by kernel version (Win32_OperatingSystem.Version).
OS_RELEASES = (
    ("6.1", "2008r2"), ("6.2", "2012"), ("6.3", "2012r2"),
    ("10.0.14393", "2016"), ("10.0.17763", "2019"), ("10.0.20348", "2022"),
)
OS_NAMES = {"2008r2": "Windows Server 2008 R2", "2012": "Windows Server 2012", "2012r2": "Windows Server 2012 R2",
            "2016": "Windows Server 2016", "2019": "Windows Server 2019", "2022": "Windows Server 2022"}

# Which Windows Server each product installs on [LYNC2013_INSTALL, SFB2015_SERVER, SFB2019_SYSTEM].
SUPPORTED_OS = {
    "lync2013": ("2008r2", "2012", "2012r2"),
    "sfb2015": ("2012", "2012r2", "2016", "2019"),
    "sfb2019": ("2016", "2019"),
}
OS_NOTES = {
    ("sfb2015", "2016"): "Skype for Business Server 2015 needs Cumulative Update 5 or later on Windows Server 2016 "
                         "(KB4015888)",
    ("sfb2015", "2019"): "Skype for Business Server 2015 needs Cumulative Update 9 or later on Windows Server 2019",
}

# ---- Windows features -------------------------------------------------------------------------
# The IIS modules Front End and Standard Edition servers need (all three products list the same
# modules; the feature names below are the ones in Microsoft's Add-WindowsFeature commands).
_IIS_FRONT_END = (
    "Web-Server", "Web-Static-Content", "Web-Default-Doc", "Web-Http-Errors", "Web-Asp-Net", "Web-Net-Ext",
    "Web-ISAPI-Ext", "Web-ISAPI-Filter", "Web-Http-Logging", "Web-Log-Libraries", "Web-Request-Monitor",
    "Web-Http-Tracing", "Web-Basic-Auth", "Web-Windows-Auth", "Web-Client-Auth", "Web-Filtering",
    "Web-Stat-Compression", "Web-Dyn-Compression", "Web-Mgmt-Tools", "Web-Scripting-Tools", "Web-Mgmt-Compat",
)
# Directors: "the same module set ... with the Dynamic Content Compression and Management Tools left out".
_IIS_DIRECTOR = tuple(f for f in _IIS_FRONT_END if f not in ("Web-Dyn-Compression", "Web-Mgmt-Tools"))

# Feature lists: {product: {os family: {role: (features...)}}}; "base" applies to every internal role.
# os family "2012+" covers 2012 and 2012 R2; "2016+" covers 2016, 2019 (and 2022).
FEATURES = {
    "lync2013": {
        # [LYNC2013_INSTALL] 2008 R2 has no .NET 4.5 / WIF / HTTP Activation features: those are downloads.
        "2008r2": {
            "base": ("NET-Framework-Core", "RSAT-ADDS"),
            "front_end": _IIS_FRONT_END + ("Desktop-Experience", "Telnet-Client", "BITS"),
            "director": _IIS_DIRECTOR + ("Telnet-Client",),
            "persistent_chat": ("MSMQ-Server",),
        },
        # [LYNC2013_SOFTWARE] the Windows Server 2012 command; .NET 3.5 (NET-Framework-Core, from
        # \sources\sxs), WIF 3.5 and .NET 4.5 HTTP Activation for every internal role.
        "2012+": {
            "base": ("NET-Framework-Core", "NET-Framework-45-Core", "NET-WCF-HTTP-Activation45",
                     "Windows-Identity-Foundation", "RSAT-ADDS"),
            "front_end": _IIS_FRONT_END + ("Web-Asp-Net45", "Desktop-Experience", "Server-Media-Foundation",
                                           "Telnet-Client", "BITS"),
            "director": _IIS_DIRECTOR + ("Web-Asp-Net45", "Telnet-Client"),
            "persistent_chat": ("MSMQ-Server",),
        },
    },
    "sfb2015": {
        # [SFB2015_SERVER] the Front End / Standard Edition and Director commands.
        "2012+": {
            "base": ("NET-Framework-Core", "NET-Framework-45-Core", "NET-WCF-HTTP-Activation45",
                     "Windows-Identity-Foundation", "RSAT-ADDS"),
            "front_end": _IIS_FRONT_END + ("Web-Dir-Browsing", "Web-Asp-Net45", "Server-Media-Foundation", "BITS",
                                           "Desktop-Experience", "Telnet-Client"),
            "director": _IIS_DIRECTOR + ("Web-Asp-Net45", "Desktop-Experience", "Telnet-Client"),
            "persistent_chat": ("MSMQ-Server",),
        },
        # Windows Server 2016 and later have no Desktop-Experience feature (it is an installation option).
        "2016+": {
            "base": ("NET-Framework-Core", "NET-Framework-45-Core", "NET-WCF-HTTP-Activation45",
                     "Windows-Identity-Foundation", "RSAT-ADDS"),
            "front_end": _IIS_FRONT_END + ("Web-Dir-Browsing", "Web-Asp-Net45", "Server-Media-Foundation", "BITS",
                                           "Telnet-Client"),
            "director": _IIS_DIRECTOR + ("Web-Asp-Net45", "Telnet-Client"),
            "persistent_chat": ("MSMQ-Server",),
        },
    },
    "sfb2019": {
        # [SFB2019_SYSTEM] the Front End / Standard Edition and Director commands (no Persistent Chat in 2019).
        "2016+": {
            "base": ("NET-Framework-45-Core", "NET-WCF-HTTP-Activation45", "Windows-Identity-Foundation", "RSAT-ADDS"),
            "front_end": _IIS_FRONT_END + ("Web-Asp-Net45", "Windows-Identity-Foundation", "Server-Media-Foundation",
                                           "Telnet-Client", "BITS", "ManagementOData", "Web-Mgmt-Console",
                                           "Web-Metabase", "Web-Lgcy-Mgmt-Console", "Web-Lgcy-Scripting", "Web-WMI",
                                           "Web-Mgmt-Service"),
            "director": _IIS_DIRECTOR + ("Web-Asp-Net45", "Server-Media-Foundation", "Telnet-Client"),
        },
    },
}
# Software that is not a Windows feature: the role cannot install it and says so.
# Lync Server 2013 itself needs Windows Management Framework 3.0 on Windows Server 2008 R2, but Ansible needs
# PowerShell 5.1 on every Windows host it manages ("Setting up a Windows Host", Host Requirements: "install
# PowerShell 5.1 or newer and at least .NET 4.0"; "Ansible requires PowerShell version 5.1 and .NET Framework
# 4.6 or newer to function", https://docs.ansible.com/ansible/latest/os_guide/windows_setup.html), so WMF 5.1 is listed.
DOWNLOADS = {
    ("lync2013", "2008r2"): ("Windows Management Framework 5.1 (PowerShell 5.1, which Ansible requires; "
                             "Lync Server 2013 needs 3.0 or newer)", "Microsoft .NET Framework 4.5 (64-bit)",
                             "Windows Identity Foundation (KB974405)", "IIS update KB2646886"),
    ("sfb2019", "*"): ("Microsoft .NET Framework 4.7 or 4.8",),
}
# Features after which Windows asks for a restart (the lab knows them too; win_feature reports it).
REBOOT_FEATURES = ("Desktop-Experience", "Server-Media-Foundation")

# ---- SQL Server ----------------------------------------------------------------------------------
# Releases by setup.exe version (major, and minor for 2008 / 2008 R2); which a database server of
# each product may run.
SQL_RELEASES = {"2008": "SQL Server 2008", "2008r2": "SQL Server 2008 R2", "2012": "SQL Server 2012",
                "2014": "SQL Server 2014", "2016": "SQL Server 2016", "2017": "SQL Server 2017",
                "2019": "SQL Server 2019", "2022": "SQL Server 2022"}
_SQL_MAJOR = {11: "2012", 12: "2014", 13: "2016", 14: "2017", 15: "2019", 16: "2022"}
SQL_SUPPORTED = {
    "lync2013": ("2008r2", "2012"),                        # [DOMAIN_BRIEF_4_0]
    "sfb2015": ("2012", "2014", "2016", "2017", "2019"),   # [SFB2015_SERVER] (2016 needs SfB CU7)
    "sfb2019": ("2016", "2017", "2019"),                   # [SFB2019_SYSTEM]
}
# SQL Server 2008 R2, 2012 and 2014 setup needs .NET Framework 3.5 [SQL2012_REQS].
SQL_NEEDS_NET35 = ("2008r2", "2012", "2014")


class PrerequisiteError(ValueError):
    """A product, Windows release or role combination Microsoft does not support."""


def product_key(name):
    """lync2013 / sfb2015 / sfb2019 from a key or a product name ('Lync Server 2013', ...)."""
    text = str(name or "").strip()
    if text in PRODUCTS:
        return text
    for key, label in PRODUCTS.items():
        if text.lower() == label.lower():
            return key
    raise PrerequisiteError("unknown product %r (expected one of: %s)" % (name, ", ".join(PRODUCTS.values())))


def os_family(version):
    """'2008r2', '2012', '2012r2', '2016', '2019', '2022' from a Windows version string like '6.3.9600'."""
    text = str(version or "")
    for prefix, family in sorted(OS_RELEASES, key=lambda item: -len(item[0])):
        if text == prefix or text.startswith(prefix + "."):
            return family
    raise PrerequisiteError("Windows version %r is not a Windows Server release lync.server knows" % (version,))


def _feature_table(product, family):
    table = FEATURES[product]
    if family in table:
        return table[family]
    if family in ("2012", "2012r2") and "2012+" in table:
        return table["2012+"]
    if family in ("2016", "2019", "2022") and "2016+" in table:
        return table["2016+"]
    return None


def prerequisite_roles(lync_roles, database_server=False):
    """The prerequisite roles (front_end, director, persistent_chat, database) of a server from the
    Lync service roles its pools run (identity record `lync_roles`, Get-CsService roles)."""
    roles = set(lync_roles or [])
    found = []
    if "UserServer" in roles or ("Registrar" in roles and "ConferencingServer" in roles):
        found.append("front_end")
    elif "Registrar" in roles and "WebServer" in roles:
        found.append("director")
    if "PersistentChatServer" in roles:
        found.append("persistent_chat")
    if database_server:
        found.append("database")
    return found


def plan(product, os_version, roles, sql_release=None):
    """The Windows features a server needs, with what cannot be installed as a feature.

    product    -- lync2013 | sfb2015 | sfb2019 (or the product name)
    os_version -- Win32_OperatingSystem.Version of the server
    roles      -- prerequisite_roles(); empty for a server that runs no Lync role (file server, Edge)
    sql_release -- release key ('2012', ...) of the SQL Server a database server installs, if any
    Returns {"product", "os", "features", "reboot_features", "downloads", "notes", "sources"}.
    """
    product = product_key(product)
    family = os_family(os_version)
    if family not in SUPPORTED_OS[product]:
        raise PrerequisiteError("%s does not install on %s (supported: %s)" % (
            PRODUCTS[product], OS_NAMES[family], ", ".join(OS_NAMES[f] for f in SUPPORTED_OS[product])))
    table = _feature_table(product, family)
    unknown = [r for r in roles if r not in ("front_end", "director", "persistent_chat", "database")]
    if unknown:
        raise PrerequisiteError("unknown prerequisite role(s): %s" % ", ".join(unknown))
    if "persistent_chat" in roles and "persistent_chat" not in table:
        raise PrerequisiteError("%s has no Persistent Chat Server role" % PRODUCTS[product])
    features = []
    lync_roles = [r for r in roles if r != "database"]
    if lync_roles:
        features.extend(table["base"])
    for role in lync_roles:
        features.extend(table[role])
    if "database" in roles:
        # Unknown release: any the product supports might need .NET 3.5, so install it (it does no harm).
        releases = [sql_release] if sql_release else SQL_SUPPORTED[product]
        if any(r in SQL_NEEDS_NET35 for r in releases):
            features.append("NET-Framework-Core")
    features = list(dict.fromkeys(features))
    downloads = list(DOWNLOADS.get((product, family), ())) + list(DOWNLOADS.get((product, "*"), ()))
    notes = [OS_NOTES[(product, family)]] if (product, family) in OS_NOTES else []
    sources = {"lync2013": ["LYNC2013_SOFTWARE", "LYNC2013_INSTALL"], "sfb2015": ["SFB2015_SERVER"],
               "sfb2019": ["SFB2019_SYSTEM"]}[product]
    if "database" in roles:
        sources.append("SQL2012_REQS")
    return {"product": PRODUCTS[product], "os": OS_NAMES[family], "features": features,
            "reboot_features": [f for f in features if f in REBOOT_FEATURES],
            "downloads": downloads if lync_roles else [], "notes": notes,
            "sources": [SOURCES[s] for s in sources]}


def sql_release(version):
    """The SQL Server release key ('2012', '2008r2', ...) of a setup or instance version like '11.0.7001.0'."""
    match = re.match(r"\s*(\d+)\.(\d+)", str(version or ""))
    if not match:
        raise PrerequisiteError("%r is not a SQL Server version" % (version,))
    major, minor = int(match.group(1)), int(match.group(2))
    if major == 10:
        return "2008r2" if minor >= 50 else "2008"
    if major not in _SQL_MAJOR:
        raise PrerequisiteError("SQL Server version %s is not a release lync.server knows" % version)
    return _SQL_MAJOR[major]


def check_sql_release(product, version):
    """The release key; PrerequisiteError when a database server of `product` may not run it."""
    product = product_key(product)
    release = sql_release(version)
    if release not in SQL_SUPPORTED[product]:
        raise PrerequisiteError("%s is not supported for %s back ends (supported: %s)" % (
            SQL_RELEASES[release], PRODUCTS[product], ", ".join(SQL_RELEASES[r] for r in SQL_SUPPORTED[product])))
    return release


def server_plan(identity, product, os_version, topology, pins):
    """What preparation installs on one server, from its backup identity record and the set's topology.

    identity -- identity/<fqdn>.json of the backup set (lync_roles)
    topology -- the set's topology (sql_stores: which stores live on this server, collocated or not)
    pins     -- the server's validated pins (sql_instances)
    Returns plan() plus "roles", "database_server" and "sql_instances" (the instances SQL Server setup
    installs: the pinned ones, on a server holding stand-alone stores; collocated Standard Edition
    stores get SQL Server Express from the Deployment Wizard instead).
    """
    fqdn = str(identity.get("fqdn") or "").lower()
    stores = [s for s in (topology or {}).get("sql_stores") or [] if str(s.get("fqdn", "")).lower() == fqdn]
    database = any(not s.get("collocated") for s in stores)
    roles = prerequisite_roles(identity.get("lync_roles"), database)
    result = plan(product, os_version, roles)
    result.update(roles=roles, database_server=database,
                  sql_instances=list(pins.get("sql_instances") or []) if database else [])
    return result
