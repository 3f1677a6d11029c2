"""lync_facts end to end on both lab topologies: every fact is checked against the lab state."""

import pathlib

import pytest

from lync_lab import disaster

PLAYBOOK = pathlib.Path(__file__).parent / "playbooks" / "facts.yml"
TASK = "Gather facts"


def facts_of(run, host):
    record = run.result(TASK, host)
    assert record["status"] == "ok", run.output
    return record["result"]["ansible_facts"]


def expected_stores(state):
    """{(fqdn, instance): sorted database names} as they really exist on the lab's SQL servers."""
    stores = {}
    topology = state["ad"]["scp"]
    del topology
    for fqdn, host in state["hosts"].items():
        for name, inst in host["sql"].items():
            if name.upper() in ("RTCLOCAL", "LYNCLOCAL"):
                continue
            stores[(fqdn, name.lower())] = sorted(inst["databases"])
    return stores


@pytest.mark.parametrize("topology, front_end", [("standard", "lyncse01.contoso.local"),
                                                 ("enterprise", "fe01.contoso.local")])
def test_topology_matches_lab_state(make_lab, run_playbook, topology, front_end):
    lab = make_lab(topology)
    run = run_playbook(lab, PLAYBOOK, extra_vars={"target": front_end})
    assert run.rc == 0, run.output
    state = lab.load()
    deployment = facts_of(run, front_end)["lync_deployment"]
    cms_topology = state["hosts"][state["ad"]["scp"]["sql_fqdn"]]["sql"]["RTC"]["databases"]["xds"]["content"]["topology"]

    assert deployment["product"] == "Lync Server 2013"
    assert deployment["version"] == state["hosts"][front_end]["products"][0]["Version"]
    assert {p["fqdn"] for p in deployment["pools"]} == {p["Fqdn"] for p in cms_topology["pools"]}
    for pool in cms_topology["pools"]:
        found = next(p for p in deployment["pools"] if p["fqdn"] == pool["Fqdn"])
        assert found["computers"] == sorted(pool["Computers"])
    # The catalog's databases per store must be exactly the databases the lab's SQL servers hold.
    assert {(s["fqdn"], s["instance"]): sorted(d["name"] for d in s["databases"]) for s in deployment["sql_stores"]} \
        == expected_stores(state)
    shares = {(fqdn, name) for fqdn, h in state["hosts"].items() for name in h["shares"] if name == "LyncShare"}
    assert {(f["fqdn"], f["share"]) for f in deployment["file_stores"]} == shares
    assert deployment["cms"]["sql_fqdn"] == state["ad"]["scp"]["sql_fqdn"]
    assert deployment["cms"]["replication"]["up_to_date"] is True
    edition = "Standard" if topology == "standard" else "Enterprise"
    assert [p["edition"] for p in deployment["pools"] if p["front_end"]] == [edition]


def test_host_facts_on_every_host_and_clean_verdicts(make_lab, run_playbook):
    lab = make_lab("enterprise")
    run = run_playbook(lab, PLAYBOOK, extra_vars={"target": "all", "subset": ["host"]})
    assert run.rc == 0, run.output
    state = lab.load()
    for fqdn, record in state["hosts"].items():
        host = facts_of(run, fqdn)["lync_host"]
        assert host["fqdn"] == fqdn and host["ipv4"] == record["ipv4"] and host["dns_servers"] == record["dns_servers"]
        has_lync_db = any(name not in ("RTCLOCAL", "LYNCLOCAL") and inst["databases"] for name, inst in record["sql"].items())
        assert host["clean"] == (not record["products"] and not has_lync_db), (fqdn, host["clean_reasons"])
    assert any("SQL instance RTC holds Lync databases" in r for r in facts_of(run, "sqlbe01.contoso.local")["lync_host"]["clean_reasons"])


def test_wiped_server_is_clean_and_has_no_topology(make_lab, run_playbook):
    lab = make_lab("enterprise")
    disaster.wipe(lab, "fe02.contoso.local")
    run = run_playbook(lab, PLAYBOOK, extra_vars={"target": "fe02.contoso.local"})
    assert run.rc == 0, run.output
    facts = facts_of(run, "fe02.contoso.local")
    assert facts["lync_host"]["clean"] is True and facts["lync_host"]["clean_reasons"] == []
    assert facts["lync_deployment"] is None


def test_topology_subset_on_host_without_shell_fails_clearly(make_lab, run_playbook):
    lab = make_lab("enterprise")
    run = run_playbook(lab, PLAYBOOK, extra_vars={"target": "sqlbe01.contoso.local", "subset": ["topology"]})
    assert run.rc != 0
    msg = run.result(TASK, "sqlbe01.contoso.local")["result"]["msg"]
    assert msg.startswith("payload lync_topology_probe on sqlbe01.contoso.local:")
    assert "Lync Server Management Shell is not installed" in msg


@pytest.mark.parametrize("product, name", [("sfb2015", "Skype for Business Server 2015"),
                                           ("sfb2019", "Skype for Business Server 2019")])
def test_tells_products_apart(make_lab, run_playbook, product, name):
    lab = make_lab("standard", product=product)
    run = run_playbook(lab, PLAYBOOK, extra_vars={"target": "lyncse01.contoso.local"})
    assert run.rc == 0, run.output
    deployment = facts_of(run, "lyncse01.contoso.local")["lync_deployment"]
    assert deployment["product"] == name and deployment["shell_module"] == "SkypeForBusiness"


def test_stale_replica_is_reported(make_lab, run_playbook):
    lab = make_lab("enterprise")
    with lab.locked() as state:
        xds = state["hosts"]["sqlbe01.contoso.local"]["sql"]["RTC"]["databases"]["xds"]["content"]
        xds["version"] += 1
        xds["replication"]["fe01.contoso.local"]["version"] = xds["version"]
        xds["replication"]["fe02.contoso.local"]["version"] = xds["version"]
        # A stopped Replica Replicator Agent is what leaves a real replica behind.
        state["hosts"]["pc01.contoso.local"]["services"]["REPLICA"]["status"] = "Stopped"
    run = run_playbook(lab, PLAYBOOK, extra_vars={"target": "fe01.contoso.local"})
    repl = facts_of(run, "fe01.contoso.local")["lync_deployment"]["cms"]["replication"]
    assert repl["up_to_date"] is False and repl["stale_replicas"] == ["pc01.contoso.local"]
    assert repl["active_master"] == "fe01.contoso.local"


def test_runs_in_check_mode(make_lab, run_playbook):
    lab = make_lab("standard")
    before = lab.load()
    run = run_playbook(lab, PLAYBOOK, "--check", extra_vars={"target": "all"})
    assert run.rc == 0, run.output
    assert facts_of(run, "lyncse01.contoso.local")["lync_deployment"]["product"] == "Lync Server 2013"
    after = lab.load()
    before["lab"].pop("fault_counts"), after["lab"].pop("fault_counts")
    assert after == before


@pytest.mark.parametrize("fault, expected", [
    ({"kind": "unreachable"}, "payload lync_host_probe on fe01.contoso.local: host unreachable"),
    ({"kind": "fail", "payload": "lync_topology_probe", "message": "Cannot open database xds"},
     "payload lync_topology_probe on fe01.contoso.local failed: Cannot open database xds"),
    ({"kind": "malformed", "payload": "lync_host_probe"},
     "payload lync_host_probe on fe01.contoso.local returned a malformed result"),
])
def test_failures_name_payload_and_host(make_lab, run_playbook, fault, expected):
    lab = make_lab("enterprise")
    run = run_playbook(lab, PLAYBOOK, extra_vars={"target": "fe01.contoso.local", "lab_faults": [fault]})
    assert run.rc != 0
    assert run.result(TASK, "fe01.contoso.local")["result"]["msg"].startswith(expected)


def test_cms_unreachable_is_an_error_not_empty_facts(make_lab, run_playbook):
    lab = make_lab("enterprise")
    with lab.locked() as state:
        state["hosts"]["sqlbe01.contoso.local"]["sql"]["RTC"]["service_state"] = "stopped"
    run = run_playbook(lab, PLAYBOOK, extra_vars={"target": "fe01.contoso.local"})
    assert run.rc != 0
    assert "sqlbe01.contoso.local\\rtc is not running" in run.result(TASK, "fe01.contoso.local")["result"]["msg"]


@pytest.mark.parametrize("topology", ["standard", "enterprise"])
def test_discover_playbook_writes_the_report(make_lab, run_playbook, topology, tmp_path):
    lab = make_lab(topology)
    run = run_playbook(lab, "lync.server.discover", extra_vars={"lync_report_dir": str(tmp_path / "report")})
    assert run.rc == 0, run.output
    report = (tmp_path / "report" / "topology.txt").read_text()
    state = lab.load()
    for fqdn in state["hosts"]:
        assert fqdn in report
    assert "Central Management store: " in report and "replication up to date" in report
