"""The topology report carries what an administrator needs at a glance."""

from ansible_collections.lync.server.plugins.plugin_utils import facts, report

from .test_facts import raw_host, raw_topology


def test_report_lists_pools_stores_shares_and_hosts():
    dep = facts.deployment_facts(raw_topology())
    hosts = {"fe1.contoso.local": facts.host_facts(raw_host(LyncModule="Lync"))}
    text = "\n".join(report.topology_lines(dep, hosts))
    for expected in ("Lync Server 2013, build 5.0.8308.0", "pool01.contoso.local", "Enterprise Edition",
                     "sql01.contoso.local\\rtc", "rtcab [transient]", "LcsCDR [SQL backup]", "\\\\fs.contoso.local\\share",
                     "replication NOT up to date (stale: fe2.contoso.local)", "fe1.contoso.local"):
        assert expected in text


def test_report_without_topology_still_lists_hosts():
    lines = report.topology_lines(None, {"new01": facts.host_facts(raw_host())})
    assert lines[0].startswith("No topology") and any("new01" in line for line in lines)
