"""Windows features and SQL Server releases per product, Windows Server release and role (Microsoft's lists)."""

import pytest

from ansible_collections.lync.server.plugins.plugin_utils import prerequisites as pre

# Microsoft's own sample commands, quoted from the pages prerequisites.py names (the feature names only).
MS_COMMANDS = {
    # "Additional software requirements for Lync Server 2013", Windows Server 2012 command
    ("lync2013", "6.2.9200", "front_end"): "RSAT-ADDS, Web-Server, Web-Static-Content, Web-Default-Doc, Web-Http-Errors, "
    "Web-Asp-Net, Web-Net-Ext, Web-ISAPI-Ext, Web-ISAPI-Filter, Web-Http-Logging, Web-Log-Libraries, Web-Request-Monitor, "
    "Web-Http-Tracing, Web-Basic-Auth, Web-Windows-Auth, Web-Client-Auth, Web-Filtering, Web-Stat-Compression, "
    "Web-Dyn-Compression, NET-WCF-HTTP-Activation45, Web-Asp-Net45, Web-Mgmt-Tools, Web-Scripting-Tools, Web-Mgmt-Compat, "
    "Desktop-Experience, Telnet-Client, BITS",
    # "Server requirements for Skype for Business Server 2015", Front End / Standard Edition command
    ("sfb2015", "6.3.9600", "front_end"): "NET-Framework-Core, RSAT-ADDS, Windows-Identity-Foundation, Web-Server, "
    "Web-Static-Content, Web-Default-Doc, Web-Http-Errors, Web-Dir-Browsing, Web-Asp-Net, Web-Net-Ext, Web-ISAPI-Ext, "
    "Web-ISAPI-Filter, Web-Http-Logging, Web-Log-Libraries, Web-Request-Monitor, Web-Http-Tracing, Web-Basic-Auth, "
    "Web-Windows-Auth, Web-Client-Auth, Web-Filtering, Web-Stat-Compression, Web-Dyn-Compression, "
    "NET-WCF-HTTP-Activation45, Web-Asp-Net45, Web-Mgmt-Tools, Web-Scripting-Tools, Web-Mgmt-Compat, "
    "Server-Media-Foundation, BITS, Desktop-Experience, Telnet-Client",
    # same page, Director command
    ("sfb2015", "6.3.9600", "director"): "RSAT-ADDS, Web-Server, Web-Static-Content, Web-Default-Doc, Web-Http-Errors, "
    "Web-Asp-Net, Web-Net-Ext, Web-ISAPI-Ext, Web-ISAPI-Filter, Web-Http-Logging, Web-Log-Libraries, Web-Request-Monitor, "
    "Web-Http-Tracing, Web-Basic-Auth, Web-Windows-Auth, Web-Client-Auth, Web-Filtering, Web-Stat-Compression, "
    "NET-WCF-HTTP-Activation45, Web-Asp-Net45, Web-Scripting-Tools, Web-Mgmt-Compat, Desktop-Experience, Telnet-Client",
    # "System requirements for Skype for Business Server 2019", Front End / Standard Edition command
    ("sfb2019", "10.0.17763", "front_end"): "RSAT-ADDS, Web-Server, Web-Static-Content, Web-Default-Doc, Web-Http-Errors, "
    "Web-Asp-Net, Web-Net-Ext, Web-ISAPI-Ext, Web-ISAPI-Filter, Web-Http-Logging, Web-Log-Libraries, Web-Request-Monitor, "
    "Web-Http-Tracing, Web-Basic-Auth, Web-Windows-Auth, Web-Client-Auth, Web-Filtering, Web-Stat-Compression, "
    "Web-Dyn-Compression, NET-WCF-HTTP-Activation45, Web-Asp-Net45, Web-Mgmt-Tools, Web-Scripting-Tools, Web-Mgmt-Compat, "
    "Windows-Identity-Foundation, Server-Media-Foundation, Telnet-Client, BITS, ManagementOData, Web-Mgmt-Console, "
    "Web-Metabase, Web-Lgcy-Mgmt-Console, Web-Lgcy-Scripting, Web-WMI, Web-Scripting-Tools, Web-Mgmt-Service",
    # same page, Director command
    ("sfb2019", "10.0.14393", "director"): "RSAT-ADDS, Web-Server, Web-Static-Content, Web-Default-Doc, Web-Http-Errors, "
    "Web-Asp-Net, Web-Net-Ext, Web-ISAPI-Ext, Web-ISAPI-Filter, Web-Http-Logging, Web-Log-Libraries, Web-Request-Monitor, "
    "Web-Http-Tracing, Web-Basic-Auth, Web-Windows-Auth, Web-Client-Auth, Web-Filtering, Web-Stat-Compression, "
    "NET-WCF-HTTP-Activation45, Web-Asp-Net45, Web-Scripting-Tools, Web-Mgmt-Compat, Server-Media-Foundation, Telnet-Client",
}


@pytest.mark.parametrize("key", sorted(MS_COMMANDS), ids="-".join)
def test_lists_hold_every_feature_of_microsofts_command(key):
    product, version, role = key
    wanted = {n.strip() for n in MS_COMMANDS[key].split(",")}
    got = set(pre.plan(product, version, [role])["features"])
    assert wanted <= got, sorted(wanted - got)


@pytest.mark.parametrize("version, family", [("6.1.7601", "2008r2"), ("6.2.9200", "2012"), ("6.3.9600", "2012r2"),
                                             ("10.0.14393", "2016"), ("10.0.17763", "2019"), ("10.0.20348", "2022")])
def test_windows_releases(version, family):
    assert pre.os_family(version) == family


def test_unknown_windows_release():
    with pytest.raises(pre.PrerequisiteError, match="not a Windows Server release"):
        pre.os_family("10.0.26100")


@pytest.mark.parametrize("product, version", [("lync2013", "10.0.14393"), ("sfb2019", "6.3.9600"),
                                              ("sfb2015", "6.1.7601")])
def test_unsupported_combinations_are_refused(product, version):
    with pytest.raises(pre.PrerequisiteError, match="does not install on"):
        pre.plan(product, version, ["front_end"])


def test_windows_release_specific_names():
    """Names Windows does not know on a release must not be asked for there."""
    for product, families in pre.SUPPORTED_OS.items():
        for family in families:
            version = next(v for v, f in pre.OS_RELEASES if f == family)
            version = version if version.count(".") == 2 else version + ".9600"
            roles = ["front_end", "director"] + (["persistent_chat"] if product != "sfb2019" else [])
            features = set(pre.plan(product, version, roles)["features"])
            if family in ("2016", "2019", "2022"):
                assert "Desktop-Experience" not in features, (product, family)
            if family == "2008r2":
                assert not features & {"Server-Media-Foundation", "Web-Asp-Net45", "NET-WCF-HTTP-Activation45",
                                       "Windows-Identity-Foundation", "NET-Framework-45-Core"}


def test_2008r2_names_what_is_not_a_feature():
    plan = pre.plan("lync2013", "6.1.7601", ["front_end"])
    assert "Windows Identity Foundation (KB974405)" in plan["downloads"]
    assert "Desktop-Experience" in plan["reboot_features"]


def test_roles_from_the_lync_services_a_server_ran():
    assert pre.prerequisite_roles(["Registrar", "UserServer", "WebServer", "ConferencingServer"]) == ["front_end"]
    assert pre.prerequisite_roles(["Registrar", "WebServer"]) == ["director"]
    assert pre.prerequisite_roles(["PersistentChatServer"]) == ["persistent_chat"]
    assert pre.prerequisite_roles(["UserDatabase", "ApplicationDatabase"], database_server=True) == ["database"]
    assert pre.prerequisite_roles(["FileStore"]) == []


def test_persistent_chat_is_not_in_2019():
    with pytest.raises(pre.PrerequisiteError, match="no Persistent Chat"):
        pre.plan("sfb2019", "10.0.17763", ["persistent_chat"])


def test_persistent_chat_needs_message_queuing():
    assert "MSMQ-Server" in pre.plan("lync2013", "6.3.9600", ["persistent_chat"])["features"]


def test_database_server_gets_net35_only_for_releases_that_need_it():
    assert pre.plan("lync2013", "6.3.9600", ["database"])["features"] == ["NET-Framework-Core"]
    assert pre.plan("sfb2015", "6.3.9600", ["database"], sql_release="2016")["features"] == []
    assert pre.plan("sfb2019", "10.0.17763", ["database"])["features"] == []


@pytest.mark.parametrize("product, version, release", [
    ("lync2013", "11.0.7001.0", "2012"), ("lync2013", "10.50.6000.34", "2008r2"), ("sfb2015", "12.0.6024.0", "2014"),
    ("sfb2019", "14.0.1000.169", "2017"), ("Skype for Business Server 2019", "15.0.2000.5", "2019"),
])
def test_supported_sql_releases(product, version, release):
    assert pre.check_sql_release(product, version) == release


@pytest.mark.parametrize("product, version", [("lync2013", "12.0.6024.0"), ("lync2013", "10.0.1600.22"),
                                              ("sfb2019", "12.0.6024.0"), ("sfb2015", "16.0.1000.6")])
def test_unsupported_sql_releases(product, version):
    with pytest.raises(pre.PrerequisiteError, match="is not supported for"):
        pre.check_sql_release(product, version)


def test_server_plan_tells_stand_alone_from_collocated_stores():
    topology = {"sql_stores": [{"fqdn": "se01.contoso.local", "instance": "rtc", "collocated": True},
                               {"fqdn": "be01.contoso.local", "instance": "rtc", "collocated": False}]}
    se = pre.server_plan({"fqdn": "se01.contoso.local", "lync_roles": ["Registrar", "UserServer"]}, "lync2013",
                         "6.3.9600", topology, {"sql_instances": ["RTC"]})
    be = pre.server_plan({"fqdn": "be01.contoso.local", "lync_roles": ["UserDatabase"]}, "lync2013", "6.3.9600",
                         topology, {"sql_instances": ["RTC"]})
    assert se["database_server"] is False and se["sql_instances"] == [] and se["roles"] == ["front_end"]
    assert be["database_server"] is True and be["sql_instances"] == ["RTC"] and be["roles"] == ["database"]


def test_every_list_names_its_source():
    for product in pre.FEATURES:
        version = {"lync2013": "6.3.9600", "sfb2015": "6.3.9600", "sfb2019": "10.0.17763"}[product]
        assert pre.plan(product, version, ["front_end"])["sources"]
