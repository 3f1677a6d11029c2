"""Fact normalisation: raw probe output in, administrator-level facts out."""

import pytest

from ansible_collections.lync.server.plugins.plugin_utils import facts


@pytest.mark.parametrize("version, product", [
    ("5.0.8308.984", "Lync Server 2013"),
    ("Lync Server 2013(5.0.8308.0): Volume license key installed.", "Lync Server 2013"),
    ("6.0.9319.534", "Skype for Business Server 2015"),
    ("7.0.2046.385", "Skype for Business Server 2019"),
    ("4.0.7577.0", None),
    ("", None),
    (None, None),
])
def test_product_from_version(version, product):
    assert facts.product_from_version(version)[0] == product


def raw_host(**overrides):
    raw = {"ComputerName": "FE01", "Fqdn": "FE01.Contoso.Local", "Domain": "contoso.local", "PartOfDomain": True,
           "OsCaption": "Windows Server 2012 R2", "OsVersion": "6.3.9600", "Ipv4": "10.0.0.11", "DnsServers": None,
           "LyncModule": None, "Products": [{"Name": "Microsoft Visual C++ 2012", "Version": "11.0"}],
           "Services": [{"Name": "WinRM", "DisplayName": "Windows Remote Management", "Status": "Running",
                         "StartMode": "Auto"}],
           "SqlInstances": []}
    raw.update(overrides)
    return raw


def test_clean_host_and_powershell_scalars_become_lists():
    host = facts.host_facts(raw_host())
    assert host["clean"] is True and host["clean_reasons"] == []
    assert host["ipv4"] == ["10.0.0.11"] and host["dns_servers"] == []
    assert host["fqdn"] == "fe01.contoso.local"


@pytest.mark.parametrize("overrides, reason", [
    ({"Products": [{"Name": "Microsoft Lync Server 2013, Core Components", "Version": "5.0.8308.984"}]},
     "Lync Server components are installed"),
    ({"LyncModule": "SkypeForBusiness"}, "Management Shell (SkypeForBusiness module)"),
    ({"Services": [{"Name": "REPLICA", "DisplayName": "Lync Server Replica Replicator Agent", "Status": "Stopped"}]},
     "Lync Server services exist: REPLICA"),
    ({"Services": [{"Name": "Custom", "DisplayName": "Skype for Business Server Front-End", "Status": "Running"}]},
     "Lync Server services exist: Custom"),
    ({"SqlInstances": [{"Name": "RTCLOCAL", "Databases": "xds"}]}, "SQL instance RTCLOCAL (a Lync local store)"),
    ({"SqlInstances": [{"Name": "RTC", "Databases": ["rtcxds", "master_copy"]}]}, "SQL instance RTC holds Lync databases: rtcxds"),
])
def test_unclean_hosts_say_why(overrides, reason):
    host = facts.host_facts(raw_host(**overrides))
    assert host["clean"] is False
    assert any(reason in r for r in host["clean_reasons"]), host["clean_reasons"]


def test_empty_rtc_instance_does_not_make_a_host_unclean():
    host = facts.host_facts(raw_host(SqlInstances=[{"Name": "RTC", "Databases": []}]))
    assert host["clean"] is True


def svc(identity, **extra):
    role, pool = identity.split(":", 1)
    entry = {"Identity": identity, "Role": role, "PoolFqdn": pool, "DependentServiceList": None}
    entry.update(extra)
    return entry


def raw_topology(se=False):
    pool = "se01.contoso.local" if se else "pool01.contoso.local"
    sql = pool if se else "sql01.contoso.local"
    services = [
        svc("Registrar:%s" % pool), svc("UserServer:%s" % pool, UserDatabase="UserDatabase:%s" % sql),
        svc("ApplicationServer:%s" % pool), svc("CentralManagement:%s" % pool),
        svc("UserDatabase:%s" % sql, SqlInstanceName="rtc"), svc("ApplicationDatabase:%s" % sql, SqlInstanceName="rtc"),
        svc("CentralManagementDatabase:%s" % sql, SqlInstanceName="rtc"),
        svc("MonitoringDatabase:mon.contoso.local", SqlInstanceName="rtc"),
        svc("ArchivingDatabase:mon.contoso.local", SqlInstanceName="arch"),
        svc("FileStore:fs.contoso.local", UncPath="\\\\fs.contoso.local\\share", ShareName="share",
            DependentServiceList="Registrar:%s" % pool),
    ]
    pools = [{"Identity": pool, "Fqdn": pool, "Site": "Site:HQ", "Computers": [pool] if se else ["fe1.contoso.local"],
              "Services": [s["Identity"] for s in services if s["PoolFqdn"] == pool]}]
    return {"Module": "Lync", "ServerVersion": "Lync Server 2013(5.0.8308.0): Volume license key installed.",
            "ProductVersion": None, "Sites": [{"Identity": "Site:HQ", "SiteId": "1", "DisplayName": "Headquarters"}],
            "Pools": pools, "Services": services, "StoreLocation": "%s\\rtc" % sql,
            "Replication": [{"ReplicaFqdn": "FE1.contoso.local", "UpToDate": True},
                            {"ReplicaFqdn": "fe2.contoso.local", "UpToDate": False}],
            "CmsStatus": {"ActiveMasterFqdn": "fe1.contoso.local"}}


def test_enterprise_topology():
    dep = facts.deployment_facts(raw_topology())
    assert dep["product"] == "Lync Server 2013" and dep["version"] == "5.0.8308.0"
    pool = dep["pools"][0]
    assert pool["edition"] == "Enterprise" and pool["response_group"] and pool["site"] == "Headquarters"
    assert dep["sites"] == [{"name": "Headquarters", "identity": "Site:HQ", "pools": ["pool01.contoso.local"]}]
    stores = {s["name"]: s for s in dep["sql_stores"]}
    assert sorted(stores) == ["mon.contoso.local\\arch", "mon.contoso.local\\rtc", "sql01.contoso.local\\rtc"]
    assert [d["name"] for d in stores["sql01.contoso.local\\rtc"]["databases"]] == \
        ["xds", "lis", "rtcxds", "rtcshared", "rtcab", "rgsconfig", "rgsdyn", "cpsdyn"]
    assert stores["sql01.contoso.local\\rtc"]["roles"][0] == "CentralManagementDatabase"
    assert [d["name"] for d in stores["mon.contoso.local\\rtc"]["databases"]] == ["LcsCDR", "QoEMetrics"]
    assert dep["file_stores"][0]["used_by"] == ["Registrar:pool01.contoso.local"]
    cms = dep["cms"]
    assert (cms["pool"], cms["sql_fqdn"], cms["sql_instance"]) == ("pool01.contoso.local", "sql01.contoso.local", "rtc")
    assert cms["replication"]["up_to_date"] is False and cms["replication"]["stale_replicas"] == ["fe2.contoso.local"]


def test_standard_edition_is_recognised_by_its_collocated_user_database():
    dep = facts.deployment_facts(raw_topology(se=True))
    assert dep["pools"][0]["edition"] == "Standard"
    assert next(s for s in dep["sql_stores"] if s["fqdn"] == "se01.contoso.local")["collocated"] is True


def test_no_replicas_is_not_up_to_date():
    raw = raw_topology()
    raw["Replication"] = []
    assert facts.deployment_facts(raw)["cms"]["replication"]["up_to_date"] is False
