"""Discovery reads the deployment's topology once, from the first Front End, and the other Front Ends only when
that one gives none (issue 12: the topology probe on every Front End parsed the whole topology each time)."""

from lync_lab import calls

from conftest import edit_inventory, host_vars

SHARE = "Share the deployment and host facts with every host of the play"


def probes(path):
    """{payload name: [hosts]} of the discovery payloads a run called."""
    found = {}
    for call in calls.load(path):
        if call["name"] in ("lync_host_probe", "lync_topology_probe"):
            found.setdefault(call["name"], []).append(call["host"])
    return found


def test_the_first_front_end_reads_the_topology_every_host_its_own_facts(make_lab, run_playbook, tmp_path):
    lab = make_lab("enterprise")
    record = tmp_path / "calls.jsonl"
    run = run_playbook(lab, "lync.server.discover", extra_vars={"lync_report_dir": str(tmp_path / "report")},
                       env={"LYNC_LAB_CALLS": str(record)})
    assert run.rc == 0, run.output
    found = probes(record)
    assert found["lync_topology_probe"] == ["fe01.contoso.local"]
    assert sorted(found["lync_host_probe"]) == sorted(lab.load()["hosts"])
    (shared,) = [r["result"]["ansible_facts"] for r in run.results(SHARE)]
    assert shared["discover_deployment"]["cms"]["sql_fqdn"] == "sqlbe01.contoso.local"
    assert "Central Management store: " in (tmp_path / "report" / "topology.txt").read_text()


def test_the_other_front_ends_read_it_when_the_first_cannot(make_lab, run_playbook, tmp_path):
    """fe01's topology probe fails (fe01 leaves the play, as it did when every Front End read the topology): fe02
    reads it, and the deployment is known."""
    lab = make_lab("enterprise")

    def fail_on_fe01(inventory):
        host_vars(inventory, "fe01.contoso.local")["lab_faults"] = [
            {"kind": "fail", "payload": "lync_topology_probe", "message": "Cannot open database xds"}]
    edit_inventory(lab, fail_on_fe01)
    record = tmp_path / "calls.jsonl"
    run = run_playbook(lab, "lync.server.discover", env={"LYNC_LAB_CALLS": str(record)})
    assert run.rc != 0  # fe01 failed
    assert "Cannot open database xds" in run.output
    assert sorted(probes(record)["lync_topology_probe"]) == ["fe01.contoso.local", "fe02.contoso.local"]
    (shared,) = [r["result"]["ansible_facts"] for r in run.results(SHARE)]
    assert shared["discover_deployment"]["cms"]["sql_fqdn"] == "sqlbe01.contoso.local"
