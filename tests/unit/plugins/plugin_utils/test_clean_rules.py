"""The clean-server verdict when it is known which server the host replaces (lync_clean_check)."""

import pytest

from ansible_collections.lync.server.plugins.plugin_utils import facts

SID = "S-1-5-21-1-2-3-1101"


def host(**overrides):
    raw = {"ComputerName": "BE01", "Fqdn": "be01.contoso.local", "Domain": "contoso.local", "PartOfDomain": True,
           "OsCaption": "Windows Server 2012 R2", "OsVersion": "6.3.9600", "Ipv4": ["10.0.0.21"], "DnsServers": [],
           "LyncModule": None, "Products": [], "Services": [], "SqlInstances": [], "ComputerSid": SID,
           "SecureChannel": True}
    raw.update(overrides)
    return facts.host_facts(raw)


EXPECT = {"domain": "contoso.local", "computer_sid": SID, "require_joined": True, "database_instances": ["RTC"]}


def reasons(h, **expect):
    return facts.clean_reasons(h, dict(EXPECT, **expect))


def test_fresh_server_is_clean():
    assert reasons(host()) == []


def test_empty_pinned_instance_on_a_database_server_being_rebuilt_is_clean():
    assert reasons(host(SqlInstances=[{"Name": "RTC", "Databases": []}])) == []


@pytest.mark.parametrize("h, expect, text", [
    (host(SqlInstances=[{"Name": "RTC", "Databases": []}]), {"database_instances": []},
     "SQL instance RTC exists, but this server is not a database server being rebuilt"),
    (host(SqlInstances=[{"Name": "RTC", "Databases": ["ReportServer"]}]), {}, "SQL instance RTC is not empty: ReportServer"),
    (host(SqlInstances=[{"Name": "RTC", "Databases": ["rtcxds"]}]), {}, "SQL instance RTC holds Lync databases: rtcxds"),
    (host(SqlInstances=[{"Name": "RTCLOCAL", "Databases": []}]), {}, "SQL instance RTCLOCAL (a Lync local store)"),
    (host(SqlInstances=[{"Name": "RTC", "Databases": [], "Error": "Login failed"}]), {},
     "SQL instance RTC cannot be read to prove it is empty"),
    (host(Domain="fabrikam.local"), {}, "joined to fabrikam.local, not to contoso.local"),
    (host(PartOfDomain=False, Domain="WORKGROUP", ComputerSid=None), {}, "not joined to contoso.local"),
    (host(ComputerSid="S-1-5-21-1-2-3-2200"), {}, "computer account is not the original one"),
    (host(SecureChannel=False), {}, "secure channel to contoso.local is broken"),
    (host(), {"domain_joined": False}, "must not be a domain member"),
    (host(LyncModule="Lync"), {}, "Management Shell (Lync module)"),
])
def test_unclean_for_a_reason(h, expect, text):
    found = reasons(h, **expect)
    assert any(text in r for r in found), found


def test_workgroup_server_is_clean_while_preparation_may_still_join_it():
    assert reasons(host(PartOfDomain=False, Domain="WORKGROUP", ComputerSid=None), require_joined=False) == []


def test_an_unrelated_instance_is_not_a_lync_trace():
    assert reasons(host(SqlInstances=[{"Name": "SQLEXPRESS", "Databases": ["Veeam"]}])) == []


def test_lync_facts_verdict_without_context_is_unchanged():
    h = host(SqlInstances=[{"Name": "RTC", "Databases": []}], PartOfDomain=False, Domain="WORKGROUP")
    assert facts.clean_reasons(h) == [] and h["clean"] is True
