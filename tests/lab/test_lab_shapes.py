"""The seed builds the shape each product has, and more than two shapes (issue 10, "Products and shapes").

Sources: "System requirements for Skype for Business Server 2019"
(https://learn.microsoft.com/skypeforbusiness/sfb-server-2019/plan/system-requirements: Windows Server
2016 or 2019, SQL Server 2016 or later back ends; Persistent Chat Server is not part of 2019), "Server
requirements for Skype for Business Server 2015", Lync Server 2013's software requirements - kept as
data in plugins/plugin_utils/prerequisites.py, which these tests hold the seeded labs to.
"""

import importlib.util
import pathlib

import pytest
import yaml

from lync_lab import model, seed, winhost

ROOT = pathlib.Path(__file__).resolve().parents[2]
PRODUCTS = ["lync2013", "sfb2015", "sfb2019"]


def _prerequisites():
    spec = importlib.util.spec_from_file_location("shapes_prerequisites", ROOT / "plugins" / "plugin_utils" / "prerequisites.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _inventory_hosts(lab):
    inventory = yaml.safe_load((lab.dir / "inventory.yml").read_text(encoding="utf-8"))
    return {fqdn: (hvars or {}) for group in inventory["all"]["children"].values()
            for fqdn, hvars in (group.get("hosts") or {}).items()}


@pytest.mark.parametrize("topology", ["standard", "enterprise", "enterprise3", "multisite"])
@pytest.mark.parametrize("product", PRODUCTS)
def test_every_shape_seeds_on_every_product_on_releases_microsoft_supports(make_lab, topology, product):
    prerequisites = _prerequisites()
    lab = make_lab(topology, product)
    state = lab.load()
    assert state["lab"] == {"topology": topology, "product": product, "fault_counts": {}}
    for fqdn, host in state["hosts"].items():
        assert prerequisites.os_family(host["os"]["version"]) in prerequisites.SUPPORTED_OS[product], fqdn
        for name, instance in host["sql"].items():
            if name not in ("RTCLOCAL", "LYNCLOCAL"):
                prerequisites.check_sql_release(product, instance["version"])
        for name in host["sql"]:
            engine, agent = winhost.sql_service_names("MSSQLSERVER" if name == "MSSQLSERVER" else name)
            assert engine in host["services"], (fqdn, engine)
    # The inventory names exactly the lab's servers, and only SQL instances they run.
    hosts = _inventory_hosts(lab)
    assert set(hosts) == set(state["hosts"])
    for fqdn, hvars in hosts.items():
        for item in (hvars.get("lync_pins") or {}).get("sql_instances") or []:
            name = item if isinstance(item, str) else item["name"]
            assert name.upper() in state["hosts"][fqdn]["sql"], (fqdn, name)


@pytest.mark.parametrize("topology", ["enterprise", "enterprise3"])
def test_skype_for_business_server_2019_has_no_persistent_chat(make_lab, topology):
    lab = make_lab(topology, "sfb2019")
    state = lab.load()
    assert "pc01.contoso.local" not in state["hosts"]
    assert set(state["hosts"]["sqlmon01.contoso.local"]["sql"]) == {"RTC"}
    assert not any(s.upper().endswith("$PCHAT") for s in state["hosts"]["sqlmon01.contoso.local"]["services"])
    topology_ = model.cms(state)["content"]["topology"]
    assert not [s for s in topology_["services"] if "PersistentChat" in s["Role"]]
    assert not [p for p in topology_["pools"] if p["Fqdn"].startswith("pchat")]
    assert not list(lab.fs_root.rglob("1-PersistentChatServer-1"))
    for host in state["hosts"].values():
        assert not [p for p in host["products"] if "Persistent Chat" in p["Name"]]
    hosts = _inventory_hosts(lab)
    assert "pc01.contoso.local" not in hosts
    assert hosts["sqlmon01.contoso.local"]["lync_pins"]["sql_instances"] == ["RTC"]
    assert "# Seeded for Skype for Business Server 2019, which has no: pc01.contoso.local" in \
        (lab.dir / "inventory.yml").read_text(encoding="utf-8")


@pytest.mark.parametrize("product", ["lync2013", "sfb2015"])
def test_earlier_products_keep_persistent_chat_and_the_inventory_as_written(make_lab, product):
    lab = make_lab("enterprise", product)
    state = lab.load()
    assert set(state["hosts"]["sqlmon01.contoso.local"]["sql"]) == {"RTC", "PCHAT"}
    assert any("Persistent Chat Server" in p["Name"] for p in state["hosts"]["pc01.contoso.local"]["products"])
    assert (lab.dir / "inventory.yml").read_text(encoding="utf-8") == \
        (seed.TOPOLOGY_DIR / "enterprise" / "inventory.yml").read_text(encoding="utf-8")


def test_persistent_chat_cannot_be_installed_on_2019():
    """What made the 2019 Enterprise lab unseedable: the product has no Persistent Chat role to install."""
    record = seed.windows_host("pc01", "10.0.0.41", "sfb2019")
    with pytest.raises(ValueError, match="Skype for Business Server 2019 has no Persistent Chat Server role") as raised:
        seed.install_lync(record, "sfb2019", ["Persistent Chat Server"], seed.PCHAT_SERVICES)
    assert type(raised.value).__name__ == "PrerequisiteError"


def test_multisite_has_two_sites_several_pools_and_default_instances(make_lab):
    lab = make_lab("multisite", "sfb2019")
    state = lab.load()
    topology = model.cms(state)["content"]["topology"]
    assert [s["Identity"] for s in topology["sites"]] == ["Site:Redmond", "Site:Dublin"]
    front_ends = {p["Fqdn"]: (p["Site"], p["Computers"]) for p in topology["pools"]
                  if any(s.startswith("Registrar:") for s in p["Services"])}
    assert front_ends == {"pool01.contoso.local": ("Site:Redmond", ["fe01.contoso.local", "fe02.contoso.local"]),
                          "pool02.contoso.local": ("Site:Dublin", ["fe21.contoso.local"])}
    assert {s["SiteId"] for s in topology["services"] if s["PoolFqdn"] in ("pool02.contoso.local", "sqlbe02.contoso.local",
                                                                           "fs02.contoso.local")} == {"Site:Dublin"}
    # Default instances: Windows' names for their services, MSSQL<major>.MSSQLSERVER folders, no instance name anywhere.
    assert state["ad"]["scp"] == {"sql_fqdn": "sqlbe01.contoso.local", "instance": ""}
    for fqdn in ("sqlbe01.contoso.local", "sqlbe02.contoso.local"):
        record = state["hosts"][fqdn]
        assert set(record["sql"]) == {"MSSQLSERVER"}
        assert {"MSSQLSERVER", "SQLSERVERAGENT"} <= set(record["services"])
        assert not any(name.upper().startswith(("MSSQL$", "SQLAGENT$")) for name in record["services"])
        assert ".MSSQLSERVER\\MSSQL\\DATA" in record["sql"]["MSSQLSERVER"]["data_dir"]
        assert model.sql_instance(state, fqdn, "")["databases"]["rtcxds"]
    assert {s["SqlInstanceName"] for s in topology["services"] if "SqlInstanceName" in s} == {""}
    # Each pool has its own users, Response Group workflows (unique URIs) and file store.
    users = [u["sip"] for fqdn in ("sqlbe01.contoso.local", "sqlbe02.contoso.local")
             for u in state["hosts"][fqdn]["sql"]["MSSQLSERVER"]["databases"]["rtcxds"]["content"]["users"]]
    assert len(users) == len(set(users)) == 16
    owners = set(state["ad"]["rgs_contacts"].values())
    assert owners == {"service:ApplicationServer:pool01.contoso.local", "service:ApplicationServer:pool02.contoso.local"}
    assert len(state["ad"]["rgs_contacts"]) == 4
    assert [f for f, h in state["hosts"].items() if "LyncShare" in h["shares"]] == ["fs01.contoso.local", "fs02.contoso.local"]
    hosts = _inventory_hosts(lab)
    assert hosts["sqlbe02.contoso.local"]["lync_pins"]["sql_instances"] == [
        {"name": "MSSQLSERVER", "service_account": "CONTOSO\\svc-sqlbe"}]
