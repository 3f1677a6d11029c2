"""One SQL Server service account per instance: pins, the three-way comparison and the password (issue 9).

Before issue 9 a server's instances all came back under the host's one lync_sql_service_account;
the backup's record of each instance's account was never compared.
"""

import copy

import pytest

from ansible_collections.lync.server.plugins.plugin_utils import facts
from ansible_collections.lync.server.plugins.plugin_utils import pins as pinlib
from ansible_collections.lync.server.plugins.plugin_utils import sql_install

FQDN = "sqlmon01.contoso.local"
RAW = {"fqdn": FQDN, "domain": "contoso.local", "ipv4": ["10.0.0.22"], "dns_servers": ["10.0.0.2"],
       "sql_instances": ["RTC", {"name": "PCHAT", "service_account": "CONTOSO\\svc-sqlpchat"}]}
SID = "S-1-5-21-1-2-3-1104"


def pins(default=None, **changes):
    raw = copy.deepcopy(RAW)
    raw.update(changes)
    return pinlib.validate(raw, FQDN, default)


def target(instances=(), accounts=None):
    services = [{"Name": "MSSQLSERVER" if n == "MSSQLSERVER" else "MSSQL$" + n, "DisplayName": "SQL Server (%s)" % n,
                 "Status": "Running", "StartMode": "Auto", "StartName": a} for n, a in (accounts or {}).items()]
    return facts.host_facts({
        "ComputerName": "SQLMON01", "Fqdn": FQDN, "Domain": "contoso.local", "PartOfDomain": True,
        "Ipv4": ["10.0.0.22"], "DnsServers": ["10.0.0.2"], "Services": services, "Shares": [],
        "SqlInstances": [{"Name": n, "Databases": [], "Error": None} for n in instances], "ComputerSid": SID,
        "SecureChannel": True})


def manifest(accounts):
    identity = {"fqdn": FQDN, "hostname": "SQLMON01", "domain": "contoso.local", "domain_joined": True,
                "ipv4": ["10.0.0.22"], "dns_servers": ["10.0.0.2"], "sql_instances": sorted(accounts), "shares": [],
                "computer_account": {"sid": SID}}
    items = [{"id": "sql:%s\\%s" % (FQDN, name.lower()), "status": "ok",
              "details": {"sql_fqdn": FQDN, "instance": name, "service_account": account, "databases": []}}
             for name, account in accounts.items()]
    return {"set_id": "lync-20261124T020000Z-a1b2c3", "identities": {FQDN: identity}, "items": items,
            "topology": {"file_stores": []}}


RECORDED = {"RTC": "CONTOSO\\svc-sqlmon", "PCHAT": "CONTOSO\\svc-sqlpchat"}


def accounts_diffs(result):
    return [d for d in result["differences"] if d["field"] == "sql_service_accounts"]


def test_items_may_name_their_account_and_the_host_wide_one_is_the_default():
    p = pins("CONTOSO\\svc-sqlmon")
    assert p["sql_instances"] == ["PCHAT", "RTC"]
    assert p["sql_service_accounts"] == {"RTC": "CONTOSO\\svc-sqlmon", "PCHAT": "CONTOSO\\svc-sqlpchat"}
    assert pins()["sql_service_accounts"]["RTC"] is None


@pytest.mark.parametrize("item, message", [
    ({"name": "PCHAT", "service_account": "CONTOSO\\svc\"x"}, "sql_instances[1].service_account"),
    ({"name": "bad name!"}, "sql_instances[1].name 'bad name!' is not a SQL Server instance name"),
    ({"name": "PCHAT", "account": "x"}, "sql_instances[1] has an unknown key 'account'"),
    ("rtc", "sql_instances[1] names instance RTC twice"),
])
def test_malformed_items_are_named(item, message):
    with pytest.raises(pinlib.PinsError, match=message.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")
                       .replace("(", "\\(").replace(")", "\\)")):
        pins(sql_instances=["RTC", item])


def test_each_instance_account_agrees_with_the_backup_and_is_what_preparation_installs():
    result = pinlib.compare(pins("CONTOSO\\svc-sqlmon"), target(), manifest(RECORDED), stage="prepare")
    assert accounts_diffs(result) == [] and result["agree"]
    assert result["sql_service_accounts"] == RECORDED


def test_the_old_behaviour_one_host_wide_account_for_both_is_refused():
    """The host-wide account for PCHAT, which ran under an account of its own: refused, naming the instance."""
    p = pins("CONTOSO\\svc-sqlmon", sql_instances=["RTC", "PCHAT"])
    result = pinlib.compare(p, target(), manifest(RECORDED), stage="prepare")
    diffs = accounts_diffs(result)
    assert [(d["key"], d["action"], d["inventory"], d["backup"]) for d in diffs] == [
        ("PCHAT", "refuse", "CONTOSO\\svc-sqlmon", "CONTOSO\\svc-sqlpchat")]
    assert not result["agree"]


def test_an_unpinned_account_recorded_by_the_backup_is_refused_with_what_to_pin():
    result = pinlib.compare(pins(sql_instances=["RTC", "PCHAT"]), target(), manifest(RECORDED), stage="prepare")
    diffs = accounts_diffs(result)
    assert {d["key"] for d in diffs} == {"RTC", "PCHAT"}
    assert all("pin its account" in d["reason"] and "lync_sql_service_passwords" in d["reason"] for d in diffs)


def test_setup_s_virtual_account_needs_no_pin():
    recorded = {"RTC": "NT Service\\MSSQL$RTC"}
    result = pinlib.compare(pins(sql_instances=["RTC"]), target(), manifest(recorded), stage="prepare")
    assert accounts_diffs(result) == []
    assert result["sql_service_accounts"] == {"RTC": "NT Service\\MSSQL$RTC"}
    default = pinlib.compare(pins(sql_instances=["MSSQLSERVER"]), target(), manifest({"MSSQLSERVER": "NT SERVICE\\MSSQLSERVER"}))
    assert accounts_diffs(default) == []


def test_the_target_instance_under_another_account_is_refused():
    t = target(["RTC", "PCHAT"], {"RTC": "CONTOSO\\svc-sqlmon", "PCHAT": "CONTOSO\\svc-sqlmon"})
    result = pinlib.compare(pins("CONTOSO\\svc-sqlmon"), t, manifest(RECORDED), stage="final")
    diffs = accounts_diffs(result)
    assert [(d["key"], d["target"]) for d in diffs] == [("PCHAT", "CONTOSO\\svc-sqlmon")]
    assert "runs under another account" in diffs[0]["reason"]


def test_accounts_compare_without_regard_to_case():
    t = target(["RTC", "PCHAT"], {"RTC": "contoso\\SVC-SQLMON", "PCHAT": "CONTOSO\\svc-sqlpchat"})
    assert accounts_diffs(pinlib.compare(pins("CONTOSO\\svc-sqlmon"), t, manifest(RECORDED), stage="final")) == []


def test_target_facts_carry_each_instance_s_service_account():
    t = target(["RTC", "MSSQLSERVER"], {"RTC": "CONTOSO\\svc-sqlmon", "MSSQLSERVER": "NT Service\\MSSQLSERVER"})
    assert {i["name"]: i["service_account"] for i in t["sql_instances"]} == {
        "RTC": "CONTOSO\\svc-sqlmon", "MSSQLSERVER": "NT Service\\MSSQLSERVER"}


def test_one_vaulted_password_per_account():
    passwords = {"CONTOSO\\svc-sqlpchat": "pchat-pw", "contoso\\SVC-SQLMON": "mon-pw"}
    assert sql_install.password_for("CONTOSO\\svc-sqlpchat", "host-wide", passwords) == "pchat-pw"
    assert sql_install.password_for("CONTOSO\\svc-sqlmon", None, passwords) == "mon-pw"
    assert sql_install.password_for("CONTOSO\\svc-other", "host-wide", passwords) == "host-wide"
    assert sql_install.password_for("CONTOSO\\svc-other", "", passwords) is None
    assert sql_install.password_for(None, "host-wide", passwords) == "host-wide"
