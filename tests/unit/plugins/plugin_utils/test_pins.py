"""Identity pins: validation with precise messages, and the three-way comparison field by field."""

import copy

import pytest

from ansible_collections.lync.server.plugins.plugin_utils import facts
from ansible_collections.lync.server.plugins.plugin_utils import pins as pinlib

RAW_PINS = {
    "fqdn": "fe01.contoso.local",
    "domain": "contoso.local",
    "ipv4": ["10.0.0.11"],
    "dns_servers": ["10.0.0.2", "10.0.0.3"],
    "sql_instances": [],
    "file_stores": [],
    "dns": {"server": "10.0.0.2", "records": [
        {"name": "pool01.contoso.local", "type": "A", "data": "10.0.0.11"},
        {"name": "pool01.contoso.local", "type": "A", "data": "10.0.0.12"},
        {"name": "_sipinternaltls._tcp.contoso.local", "type": "srv", "data": "0 0 5061 pool01.contoso.local."},
    ]},
    "dhcp": {"server": "dc01.contoso.local", "scopes": [
        {"scope": "10.0.0.0", "options": {"120": "0x0003736970"},
         "vendor_options": {"MSUCClient": {1: "0x4D532D55432D436C69656E74", "2": "0x6874747073"}}},
    ]},
}
SID = "S-1-5-21-1-2-3-1101"


def pins(**changes):
    raw = copy.deepcopy(RAW_PINS)
    raw.update(changes)
    return pinlib.validate(raw, "fe01.contoso.local")


def target(**changes):
    raw = {"ComputerName": "FE01", "Fqdn": "fe01.contoso.local", "Domain": "contoso.local", "PartOfDomain": True,
           "OsCaption": "Windows Server 2012 R2", "OsVersion": "6.3.9600", "Ipv4": ["10.0.0.11"],
           "DnsServers": ["10.0.0.2", "10.0.0.3"], "LyncModule": None, "Products": [], "Services": [],
           "Shares": [], "SqlInstances": [], "ComputerSid": SID, "SecureChannel": True}
    raw.update(changes)
    return facts.host_facts(raw)


def manifest(**identity_changes):
    identity = {"fqdn": "fe01.contoso.local", "hostname": "FE01", "domain": "contoso.local", "domain_joined": True,
                "ipv4": ["10.0.0.11"], "dns_servers": ["10.0.0.2", "10.0.0.3"], "sql_instances": ["LYNCLOCAL", "RTCLOCAL"],
                "shares": [], "computer_account": {"sid": SID}}
    identity.update(identity_changes)
    return {"set_id": "lync-20261124T020000Z-a1b2c3", "identities": {"fe01.contoso.local": identity},
            "topology": {"file_stores": []}}


DNS_SEEN = [{"name": "pool01.contoso.local", "type": "A", "data": "10.0.0.12"},
            {"name": "pool01.contoso.local", "type": "A", "data": "10.0.0.11"},
            {"name": "_sipinternaltls._tcp.contoso.local", "type": "SRV", "data": "0 0 5061 pool01.contoso.local"}]
# How the DHCP server lists binary options: byte by byte.
# Option 43 lives as sub-options of the vendor class MSUCClient (DHCPUtil), option 120 in the standard class.
DHCP_SEEN = [{"scope": "10.0.0.0", "option": 1, "vendor_class": "MSUCClient",
              "value": ["0x4D", "0x53", "0x2D", "0x55", "0x43", "0x2D", "0x43", "0x6C", "0x69", "0x65", "0x6E", "0x74"]},
             {"scope": "10.0.0.0", "option": 2, "vendor_class": "MSUCClient", "value": ["0x68", "0x74", "0x74", "0x70", "0x73"]},
             {"scope": "10.0.0.0", "option": 120, "value": ["0x00", "0x03", "0x73", "0x69", "0x70"]}]


def compare(p=None, t=None, m="default", dns="default", dhcp="default", stage="prepare"):
    return pinlib.compare(p or pins(), t or target(), manifest() if m == "default" else m,
                          DNS_SEEN if dns == "default" else dns, DHCP_SEEN if dhcp == "default" else dhcp, stage)


def only(result, field):
    found = [d for d in result["differences"] if d["field"] == field]
    assert found, result["differences"]
    return found


# --------------------------------------------------------------------------- validation

def test_valid_pins_are_normalised():
    p = pins()
    assert p["hostname"] == "FE01" and p["domain_joined"] is True
    assert {"name": "_sipinternaltls._tcp.contoso.local", "type": "SRV", "data": "0 0 5061 pool01.contoso.local"} \
        in p["dns"]["records"]
    assert {"scope": "10.0.0.0", "vendor_class": "MSUCClient", "option": 2, "value": "6874747073"} in p["dhcp"]["options"]
    assert {"scope": "10.0.0.0", "vendor_class": None, "option": 120, "value": "0003736970"} in p["dhcp"]["options"]


@pytest.mark.parametrize("change, message", [
    ({"fqdn": None}, "fqdn is missing"),
    ({"fqdn": "fe01"}, "fqdn 'fe01' is not a fully qualified domain name"),
    ({"domain": None}, "domain is missing"),
    ({"domain": "fabrikam.local"}, "fqdn fe01.contoso.local is not in domain fabrikam.local"),
    ({"ipv4": None}, "ipv4 is missing"),
    ({"ipv4": ["10.0.0.300"]}, "ipv4[0] '10.0.0.300' is not an IPv4 address"),
    ({"dns_servers": "10.0.0.2"}, "dns_servers must be a list of IPv4 addresses, not str"),
    ({"sql_instances": ["RTC", "bad name!"]}, "sql_instances[1] 'bad name!' is not a SQL Server instance name"),
    ({"file_stores": [{"unc": "\\\\fs01.contoso.local\\LyncShare", "path": "D:\\LyncShare"}]},
     "file_stores[0].unc \\\\fs01.contoso.local\\LyncShare is a share of fs01.contoso.local, not of this server"),
    ({"file_stores": [{"unc": "\\\\fe01.contoso.local\\LyncShare", "path": "LyncShare"}]},
     "file_stores[0].path 'LyncShare' is not a local folder"),
    ({"file_stores": [{"unc": "fe01\\LyncShare", "path": "D:\\LyncShare"}]}, "file_stores[0].unc 'fe01\\\\LyncShare' is not a share path"),
    ({"dns": {"server": "10.0.0.2", "records": [{"name": "sip.contoso.local", "type": "MX", "data": "x"}]}},
     "dns.records[0].type 'MX' is not one of A, AAAA, CNAME, SRV"),
    ({"dns": {"server": "10.0.0.2", "records": [{"name": "sip.contoso.local", "type": "A", "data": "sip"}]}},
     "dns.records[0].data 'sip' is not an IPv4 address"),
    ({"dns": {"server": "10.0.0.2", "records": [{"name": "_sip._tls.contoso.com", "type": "SRV", "data": "0 0 pool"}]}},
     "dns.records[0].data '0 0 pool' is not 'priority weight port target'"),
    ({"dns": {"records": []}}, "dns.server is missing"),
    ({"dhcp": {"server": "dc01", "scopes": [{"scope": "10.0.0.0", "options": {"phone": "0x01"}}]}},
     "dhcp.scopes[0].options key 'phone' is not a DHCP option number"),
    ({"dhcp": {"server": "dc01", "scopes": [{"scope": "10.0.0.0", "options": {120: "sip.contoso.com"}}]}},
     "dhcp.scopes[0].options[120] 'sip.contoso.com' is not hex bytes"),
    ({"dhcp": {"server": "dc01", "scopes": [{"scope": "10.0.0.0", "options": {43: "0x010e55"}}]}},
     "Lync's option 43 is not a standard option on a Windows DHCP server; DHCPUtil stores it as sub-options 1-5 "
     "of the vendor class MSUCClient"),
    ({"dhcp": {"server": "dc01", "scopes": [{"scope": "10.0.0.0", "vendor_options": {"MSUCClient": {3: "pool"}}}]}},
     "dhcp.scopes[0].vendor_options.MSUCClient[3] 'pool' is not hex bytes"),
    ({"dhcp": {"server": "dc01", "scopes": [{"scope": "10.0.0.0", "vendor_options": {"MSUCClient": {}}}]}},
     "dhcp.scopes[0].vendor_options.MSUCClient must map sub-option numbers to values"),
    ({"dhcp": {"server": "dc01", "scopes": [{"scope": "10.0.0", "options": {120: "0x01"}}]}},
     "dhcp.scopes[0].scope '10.0.0' is not an IPv4 address"),
    ({"colour": "blue"}, "lync_pins has an unknown key 'colour'"),
])
def test_malformed_pins_are_named_precisely(change, message):
    raw = copy.deepcopy(RAW_PINS)
    raw.update(change)
    raw = {k: v for k, v in raw.items() if v is not None}
    with pytest.raises(pinlib.PinsError) as err:
        pinlib.validate(raw, "fe01.contoso.local")
    assert message in str(err.value)
    assert str(err.value).startswith("lync_pins of fe01.contoso.local: ")


def test_every_problem_is_listed_at_once():
    raw = dict(RAW_PINS, ipv4=["x"], dns_servers=["y"])
    with pytest.raises(pinlib.PinsError) as err:
        pinlib.validate(raw)
    assert "ipv4[0] 'x'" in str(err.value) and "dns_servers[0] 'y'" in str(err.value)


def test_pins_must_match_the_inventory_name():
    with pytest.raises(pinlib.PinsError, match="differs from the inventory name fe02.contoso.local"):
        pinlib.validate(RAW_PINS, "fe02.contoso.local")


def test_missing_pins():
    with pytest.raises(pinlib.PinsError, match="missing; set lync_pins"):
        pinlib.validate({}, "fe01.contoso.local")


@pytest.mark.parametrize("value, hexed", [
    ("0x010E55", "010e55"), ("010e55", "010e55"), (["0x1", "0xE", "0x55"], "010e55"), ("0x1", "01"),
    (["01", "0e", "55"], "010e55"), ("xyz", None), (["0x100", "0x1"], None), ([], None),
])
def test_binary_dhcp_values_compare_as_bytes(value, hexed):
    assert pinlib.hex_bytes(value) == hexed


# --------------------------------------------------------------------------- comparison

def test_all_sources_agree():
    result = compare(stage="final")
    assert result["agree"] is True and result["differences"] == [] and result["apply"] == {}
    assert {"fqdn", "domain", "computer_account", "ipv4", "dns_servers", "sql_instances", "file_stores",
            "dns_records", "dhcp_options"} == set(result["fields"])


def test_no_identity_record_for_the_pinned_fqdn():
    m = manifest()
    m["identities"] = {"fe02.contoso.local": m["identities"]["fe01.contoso.local"]}
    diff = only(compare(m=m), "fqdn")[0]
    assert diff["action"] == "refuse" and "holds no identity record for fe01.contoso.local (it has: fe02" in diff["reason"]


def test_member_under_another_name_is_refused():
    t = target(ComputerName="FE01-NEW", Fqdn="fe01-new.contoso.local")
    diff = only(compare(t=t), "fqdn")[0]
    assert diff["action"] == "refuse" and diff["target"] == "fe01-new.contoso.local"


def test_workgroup_server_gets_name_and_domain_applied_while_preparing():
    t = target(ComputerName="WIN-4F2K9Q", Fqdn="win-4f2k9q.workgroup", Domain="WORKGROUP", PartOfDomain=False,
               ComputerSid=None, SecureChannel=None)
    prepare = compare(t=t)
    assert prepare["agree"] is True
    assert prepare["apply"] == {"fqdn": "fe01.contoso.local", "domain": "contoso.local"}
    final = compare(t=t, stage="final")
    assert final["agree"] is False and {d["field"] for d in final["differences"]} == {"fqdn", "domain"}


def test_other_domain_is_refused_and_inventory_backup_domain_disagreement_too():
    diff = only(compare(t=target(Domain="fabrikam.local", Fqdn="fe01.fabrikam.local")), "domain")[0]
    assert diff["action"] == "refuse" and diff["target"] == "fabrikam.local"
    diff = only(compare(m=manifest(domain="fabrikam.local")), "domain")[0]
    assert diff["action"] == "refuse" and diff["backup"] == "fabrikam.local" and "disagree" in diff["reason"]


def test_recreated_computer_account_is_refused():
    diff = only(compare(t=target(ComputerSid="S-1-5-21-1-2-3-2200")), "computer_account")[0]
    assert diff["action"] == "refuse" and diff["backup"] == SID and diff["target"] == "S-1-5-21-1-2-3-2200"


def test_unrecorded_computer_account_is_unchecked_not_refused():
    m = manifest()
    del m["identities"]["fe01.contoso.local"]["computer_account"]
    result = compare(m=m)
    assert result["agree"] is True and only(result, "computer_account")[0]["action"] == "unchecked"


def test_ip_addresses_are_never_applied():
    diff = only(compare(t=target(Ipv4=["10.0.0.111"])), "ipv4")[0]
    assert diff["action"] == "refuse" and diff["target"] == ["10.0.0.111"]


def test_dns_client_servers_are_applied_but_must_agree_with_the_backup():
    result = compare(t=target(DnsServers=["10.0.0.99"]))
    assert result["agree"] is True and result["apply"] == {"dns_servers": ["10.0.0.2", "10.0.0.3"]}
    assert compare(t=target(DnsServers=["10.0.0.99"]), stage="final")["agree"] is False
    diff = only(compare(m=manifest(dns_servers=["10.0.0.5"])), "dns_servers")[0]
    assert diff["action"] == "refuse" and diff["backup"] == ["10.0.0.5"] and diff["inventory"] == ["10.0.0.2", "10.0.0.3"]


def test_dns_server_order_matters():
    diff = only(compare(t=target(DnsServers=["10.0.0.3", "10.0.0.2"]), stage="final"), "dns_servers")[0]
    assert diff["action"] == "refuse"


def test_sql_instances_compared_without_local_stores():
    p = pins(sql_instances=["RTC"])
    m = manifest(sql_instances=["RTC", "RTCLOCAL", "LYNCLOCAL"])
    assert compare(p=p, m=m)["agree"] is True
    diff = only(compare(p=pins(sql_instances=["RTCBE"]), m=m), "sql_instances")[0]
    assert diff["action"] == "refuse" and diff["inventory"] == ["RTCBE"] and diff["backup"] == ["RTC"]
    stray = only(compare(p=p, m=m, t=target(SqlInstances=[{"Name": "SQLEXPRESS", "Databases": []}])), "sql_instances")[0]
    assert stray["action"] == "refuse" and "SQLEXPRESS" in stray["reason"]


def test_file_store_paths_compared_with_backup_and_target():
    share = {"unc": "\\\\fe01.contoso.local\\LyncShare", "path": "D:\\LyncShare"}
    m = manifest(shares=[{"name": "LyncShare", "path": "D:\\LyncShare"}])
    m["topology"]["file_stores"] = [{"fqdn": "fe01.contoso.local", "share": "LyncShare",
                                     "unc": "\\\\fe01.contoso.local\\LyncShare"}]
    assert compare(p=pins(file_stores=[share]), m=m)["agree"] is True
    moved = only(compare(p=pins(file_stores=[dict(share, path="E:\\LyncShare")]), m=m), "file_stores")[0]
    assert moved["action"] == "refuse" and moved["key"] == "\\\\fe01.contoso.local\\lyncshare"
    assert moved["inventory"] == "E:\\LyncShare" and moved["backup"] == "D:\\LyncShare"
    unpinned = only(compare(p=pins(file_stores=[]), m=m), "file_stores")[0]
    assert unpinned["inventory"] is None and unpinned["backup"] == "D:\\LyncShare"
    elsewhere = only(compare(p=pins(file_stores=[share]), m=m, t=target(Shares=[{"Name": "LyncShare", "Path": "C:\\x"}])),
                     "file_stores")[0]
    assert elsewhere["target"] == "C:\\x" and "another folder" in elsewhere["reason"]


def test_dns_records_compared_per_record():
    wrong = [dict(r, data="10.0.0.99") if r["data"] == "10.0.0.12" else r for r in DNS_SEEN]
    diff = only(compare(dns=wrong), "dns_records")[0]
    assert diff["key"] == "pool01.contoso.local A" and diff["target"] == ["10.0.0.11", "10.0.0.99"]
    missing = only(compare(dns=DNS_SEEN[:2]), "dns_records")[0]
    assert missing["key"] == "_sipinternaltls._tcp.contoso.local SRV" and "no such record" in missing["reason"]
    unread = only(compare(dns=None), "dns_records")[0]
    assert unread["action"] == "refuse" and "not read" in unread["reason"]


def test_dhcp_options_compared_per_option():
    changed = DHCP_SEEN[:2] + [dict(DHCP_SEEN[2], value="0x0003736970FF")]
    diff = only(compare(dhcp=changed), "dhcp_options")[0]
    assert diff["key"] == "10.0.0.0 option 120" and diff["action"] == "refuse"
    missing = only(compare(dhcp=DHCP_SEEN[:2]), "dhcp_options")[0]
    assert missing["key"] == "10.0.0.0 option 120" and "not set on scope" in missing["reason"]
    sub = only(compare(dhcp=DHCP_SEEN[1:]), "dhcp_options")[0]
    assert sub["key"] == "10.0.0.0 MSUCClient option 1" and "MSUCClient option 1 is not set" in sub["reason"]


def test_vendor_sub_options_are_not_standard_options():
    """A standard-class option 1 or 43 never stands in for a sub-option of MSUCClient (a Windows DHCP
    server answers a query without -VendorClass from the standard class only)."""
    standard = [dict(o, vendor_class=None) for o in DHCP_SEEN[:2]] + DHCP_SEEN[2:]
    keys = sorted(d["key"] for d in compare(dhcp=standard)["differences"] if d["field"] == "dhcp_options")
    assert keys == ["10.0.0.0 MSUCClient option 1", "10.0.0.0 MSUCClient option 2"]
    vendor_case = [dict(o, vendor_class="msucclient") for o in DHCP_SEEN[:2]] + DHCP_SEEN[2:]
    assert [d for d in compare(dhcp=vendor_case)["differences"] if d["field"] == "dhcp_options"] == []


def test_old_standard_class_option_43_pin_is_refused():
    """The pins of 1a7fef5 named option 43 in the standard class, which a correct server never has."""
    with pytest.raises(pinlib.PinsError, match="vendor_options.MSUCClient"):
        pins(dhcp={"server": "dc01.contoso.local", "scopes": [
            {"scope": "10.0.0.0", "options": {43: "0x010E55", "120": "0x0003736970"}}]})


def test_without_a_backup_set_only_inventory_and_target_count():
    result = compare(m=None, t=target(DnsServers=["10.0.0.99"]), stage="final")
    assert [d["field"] for d in result["differences"]] == ["dns_servers"]
    assert result["differences"][0]["backup"] is None


def test_edge_server_must_not_be_joined():
    edge = pins(domain_joined=False, domain=None, fqdn="fe01.contoso.local")
    m = manifest(domain_joined=False)
    assert compare(p=edge, m=m, t=target(PartOfDomain=False, Domain="WORKGROUP", ComputerSid=None))["agree"] is True
    diff = only(compare(p=edge, m=m), "domain")[0]
    assert diff["action"] == "refuse" and "Edge" in diff["reason"]


def test_summary_names_every_source():
    lines = pinlib.summary(compare(t=target(Ipv4=["10.0.0.111"])))
    assert lines == ["ipv4 (refuse): inventory=[10.0.0.11] target=[10.0.0.111] backup=[10.0.0.11] -- "
                     "the target differs from the pinned value"]
