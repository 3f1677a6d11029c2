"""The disaster drill: fill, back up, destroy, prepare, recover, and compare the whole lab.

For every restore scenario of the domain brief's section 4 on the lab topologies, the
recovered lab must equal the lab at backup time, except what Microsoft says is transient
(tests/lab/lync_lab/compare.py lists it). Data is changed after seeding and before the
backup, so what comes back can only have come through the backup set.
"""

import json
import re

import pytest

from lync_lab import compare, content, disaster
from tests.lab.conftest import changed

BACKUP_SERVER = "backup01.contoso.local"
ENTERPRISE_SERVERS = ["fe01.contoso.local", "fe02.contoso.local", "fs01.contoso.local", "pc01.contoso.local",
                      "sqlbe01.contoso.local", "sqlmon01.contoso.local"]


def fill(lab):
    """New data after seeding: a contact, a conference, a location, a queue, a chat message, a meeting file."""
    with lab.locked() as state:
        scp = state["ad"]["scp"]
        cms_instance = state["hosts"][scp["sql_fqdn"]]["sql"][scp["instance"].upper()]["databases"]
        topo = cms_instance["xds"]["content"]["topology"]
        user_store = next(s for s in topo["services"] if s["Role"] == "UserDatabase")
        user_db = state["hosts"][user_store["PoolFqdn"]]["sql"]["RTC"]["databases"]
        user = user_db["rtcxds"]["content"]["users"][0]
        user["contacts"].append({"sip": "sip:newhire@contoso.com", "group": "Team", "tag": True})
        user["conferences"].append({"id": "NEW-0001", "subject": "Added after seeding", "type": "scheduled",
                                    "pstn_id": "55555"})
        cms_instance["lis"]["content"]["locations"].append({"id": 99, "location": "Annex", "company": "Contoso"})
        user_db["rgsconfig"]["content"]["queues"].append(
            {"name": "Queue late", "agent_groups": [], "timeout": 60, "overflow": 1})
        cms_instance["xds"]["content"]["documents"]["Global/Client/Policy:Tag:Late"] = {"EnableAppearOffline": False}
        for host in state["hosts"].values():
            if "PCHAT" in host.get("sql", {}):
                host["sql"]["PCHAT"]["databases"]["mgc"]["content"]["tables"]["Messages"].append(
                    {"id": 999, "room": 0, "from": "sip:alice@contoso.com", "text": "after seeding"})
        share_host = next(f for f, h in state["hosts"].items() if "LyncShare" in h["shares"])
        share = state["hosts"][share_host]["shares"]["LyncShare"]["path"]
    target = lab.fs_root / share_host / share[0] / share[3:].replace("\\", "/") / "1-WebServices-1" / "CollabContent"
    (target / "NEW-0001").mkdir(parents=True, exist_ok=True)
    (target / "NEW-0001" / "added.pptx").write_bytes(content.blob(777, "added"))


def backed_up(backed_up_lab, topology):
    """A copy of a lab filled with new data and backed up (the backup runs once per session and topology)."""
    lab = backed_up_lab(topology, before_backup=fill)
    return lab, lab.load(), compare.files_view(lab, [BACKUP_SERVER])


def destroy_and_prepare(lab, run_playbook, targets):
    for fqdn in targets:
        disaster.wipe(lab, fqdn)
    run = run_playbook(lab, "lync.server.prepare_clean_server", "-e", "lync_prepare_hosts=%s" % ",".join(targets))
    assert run.rc == 0, run.output[-6000:]


def recover(run_playbook, lab, targets, *args, extra=None):
    return run_playbook(lab, "lync.server.recover", *args,
                        extra_vars=dict({"recovery_targets": targets}, **(extra or {})))


SCENARIOS = [
    pytest.param("standard", ["lyncse01.contoso.local"], id="4.4-standard-edition-hosting-the-cms"),
    pytest.param("enterprise", ["sqlbe01.contoso.local"], id="4.4-enterprise-back-end-hosting-the-cms"),
    pytest.param("enterprise", ["fe02.contoso.local"], id="4.7-front-end-member"),
    pytest.param("enterprise", ["pc01.contoso.local"], id="4.7-persistent-chat-server"),
    pytest.param("enterprise", ["fs01.contoso.local"], id="4.10-file-store"),
    pytest.param("enterprise", ["sqlmon01.contoso.local"], id="4.11-4.12-monitoring-archiving-persistent-chat"),
    pytest.param("enterprise", ENTERPRISE_SERVERS, id="4.8-whole-site"),
    pytest.param("enterprise", ["sqlmon01.contoso.local"], {"recovery_persistent_chat": "export"},
                 id="4.12-persistent-chat-from-its-export"),
]


@pytest.mark.parametrize("topology, targets, options", [
    p if len(p.values) == 3 else pytest.param(*p.values, {}, id=p.id) for p in SCENARIOS])
def test_drill_brings_everything_back(backed_up_lab, run_playbook, topology, targets, options):
    lab, before_state, before_files = backed_up(backed_up_lab, topology)
    destroy_and_prepare(lab, run_playbook, targets)
    run = recover(run_playbook, lab, targets, extra=options)
    assert run.rc == 0, run.output[-6000:]
    _assert_same(before_state, before_files, lab)
    check = [r["result"] for r in run.results("Verify the deployment is back")]
    assert len(check) == 1 and not check[0].get("failed") and check[0]["problems"] == []
    stats = run.results("Publish the outcome for AWX/Tower")[0]["result"]["ansible_stats"]["data"]
    assert stats["lync_recovery_status"] == "recovered" and sorted(stats["lync_recovery_targets"]) == sorted(targets)
    recovered = lab.load()["hosts"]
    again = recover(run_playbook, lab, targets, extra=options)
    assert again.rc == 0, again.output[-4000:]
    assert changed(again) == [], "a rerun after a finished recovery must change nothing"
    assert lab.load()["hosts"] == recovered
    if options.get("recovery_persistent_chat") == "export":
        markers = json.dumps(again.results("Read the recovery markers on the targets"))
        assert re.search(r'"Stage": "pchat_import(_[^"]*)?"', markers), markers


def test_check_mode_plans_and_changes_nothing(backed_up_lab, run_playbook):
    lab, dummy_state, dummy_files = backed_up(backed_up_lab, "enterprise")
    destroy_and_prepare(lab, run_playbook, ["sqlbe01.contoso.local", "fe02.contoso.local"])
    prepared_state, prepared_files = lab.load(), compare.files_view(lab)
    run = recover(run_playbook, lab, ["sqlbe01.contoso.local", "fe02.contoso.local"], "--check")
    assert run.rc == 0, run.output[-4000:]
    plan = run.result("Show the plan (per host, in order)", "fe01.contoso.local")["result"]["msg"]
    stages = [line.split()[1] for line in plan[1:]]
    assert stages == ["core", "cms_database", "cms_import", "databases", "local_store", "components",
                      "certificates", "services", "userdata", "lis", "rgs"]
    assert all("[to do]" in line for line in plan[1:])
    assert lab.load()["hosts"] == prepared_state["hosts"]
    assert compare.files_view(lab) == prepared_files


# Each stage's fault: the payload (or stand-in module) that fails once, and which call of it.
STAGE_FAULTS = {
    "filestore": {"payload": "lync_filestore_copy"},
    "core": {"payload": "win_package"},
    "cms_database": {"payload": "lync_database_install"},
    "cms_import": {"payload": "lync_cms_import"},
    "local_store": {"payload": "lync_deploy_step", "when": {"Step": "local_store"}},
    "components": {"payload": "lync_deploy_step", "when": {"Step": "components"}},
    "certificates": {"payload": "lync_deploy_step", "when": {"Step": "certificates"}},
    "services": {"payload": "lync_services", "when": {"State": "started"}},
    "userdata": {"payload": "lync_data_import", "when": {"Kind": "userdata"}},
    "lis": {"payload": "lync_data_import", "when": {"Kind": "lis"}},
    "rgs": {"payload": "lync_data_import", "when": {"Kind": "rgs"}},
}


def test_a_fault_in_every_stage_then_reruns_end_identical(backed_up_lab, run_playbook):
    """One failure in each stage of a Standard Edition recovery; each rerun resumes and the end is identical."""
    targets = ["lyncse01.contoso.local"]
    lab, before_state, before_files = backed_up(backed_up_lab, "standard")
    destroy_and_prepare(lab, run_playbook, targets)
    for stage, fault in STAGE_FAULTS.items():
        injected = dict(fault, kind="fail", times=1, message="lab fault in stage %s" % stage)
        run = recover(run_playbook, lab, targets, extra={"lab_faults": [injected]})
        assert run.rc != 0, "the fault in %s did not stop the recovery:\n%s" % (stage, run.output[-5000:])
        assert "lab fault in stage %s" % stage in run.output
        done = _markers(lab, targets[0])
        assert not [m for m in done if re.fullmatch(r"%s(_.*)?" % stage, m)], "%s was marked done although it failed" % stage
        finished = list(STAGE_FAULTS)[:list(STAGE_FAULTS).index(stage)]
        assert all(any(re.fullmatch(r"%s(_.*)?" % s, m) for m in done) for s in finished), (stage, done)
    run = recover(run_playbook, lab, targets)
    assert run.rc == 0, run.output[-6000:]
    _assert_same(before_state, before_files, lab)


def test_enterprise_only_stages_resume_after_a_fault(backed_up_lab, run_playbook):
    """databases, sql and topology_acl (not in a Standard Edition recovery) also resume after a fault."""
    targets = ["sqlmon01.contoso.local", "fs01.contoso.local"]
    lab, before_state, before_files = backed_up(backed_up_lab, "enterprise")
    destroy_and_prepare(lab, run_playbook, targets)
    for fault in ({"payload": "lync_database_install"}, {"payload": "lync_sql_restore", "when": {"Database": "LcsCDR"}},
                  {"payload": "lync_topology_enable"}):
        run = recover(run_playbook, lab, targets, extra={"lab_faults": [dict(fault, kind="fail", times=1)]})
        assert run.rc != 0
    run = recover(run_playbook, lab, targets)
    assert run.rc == 0, run.output[-6000:]
    _assert_same(before_state, before_files, lab)


def test_a_server_that_is_not_clean_is_refused_untouched(backed_up_lab, run_playbook):
    lab, dummy_state, dummy_files = backed_up(backed_up_lab, "enterprise")
    before = lab.load()
    run = recover(run_playbook, lab, ["fe02.contoso.local"])
    assert run.rc != 0
    assert "not clean, so not touched: fe02.contoso.local" in run.output
    assert lab.load()["hosts"] == before["hosts"]


def test_a_partial_set_is_refused_unless_items_are_named(backed_up_lab, run_playbook):
    """The newest set is partial (the Monitoring store was offline): refused as it is, used when the
    operator names its good items, and what comes back equals the lab at the time of that set."""
    lab = backed_up_lab("enterprise")
    with lab.locked() as state:
        state["hosts"]["sqlmon01.contoso.local"]["sql"]["RTC"]["databases"]["LcsCDR"]["state"] = "OFFLINE"
    assert run_playbook(lab, "lync.server.backup").rc != 0
    partial = _newest_set(lab)
    manifest = json.loads((partial / "manifest.json").read_text())
    assert manifest["status"] == "partial"
    before_state, before_files = lab.load(), compare.files_view(lab, [BACKUP_SERVER])
    destroy_and_prepare(lab, run_playbook, ["fe02.contoso.local"])
    refused = recover(run_playbook, lab, ["fe02.contoso.local"], extra={"lync_backup_set_id": partial.name})
    assert refused.rc != 0 and "is partial" in refused.output and "name the items to recover" in refused.output
    assert not json.dumps(refused.results("Read the recovery markers on the targets")).count('"Stage"')
    good = [item["id"] for item in manifest["items"] if item["status"] == "ok"]
    run = recover(run_playbook, lab, ["fe02.contoso.local"],
                  extra={"lync_backup_set_id": partial.name, "recovery_items": good})
    assert run.rc == 0, run.output[-6000:]
    _assert_same(before_state, before_files, lab)


def test_an_item_the_operator_left_out_is_not_used(backed_up_lab, run_playbook):
    """Naming items is a real choice: leaving out the certificates of fe02 stops the plan before any change."""
    lab, dummy_state, dummy_files = backed_up(backed_up_lab, "enterprise")
    destroy_and_prepare(lab, run_playbook, ["fe02.contoso.local"])
    prepared = lab.load()["hosts"]
    manifest = json.loads((_newest_set(lab) / "manifest.json").read_text())
    items = [item["id"] for item in manifest["items"] if item["id"] != "certificates:fe02.contoso.local"]
    run = recover(run_playbook, lab, ["fe02.contoso.local"], extra={"recovery_items": items})
    assert run.rc != 0 and "certificates:fe02.contoso.local" in run.output, run.output[-3000:]
    assert lab.load()["hosts"] == prepared


def _newest_set(lab):
    root = lab.host_root(BACKUP_SERVER) / "D" / "LyncBackup"
    return max((p for p in root.iterdir() if p.is_dir() and p.name.startswith("lync-")), key=lambda p: p.name)


def _assert_same(before_state, before_files, lab):
    found = compare.compare(before_state, before_files, lab, [BACKUP_SERVER])
    assert not found, "the recovered lab differs:\n" + "\n".join(found)


def test_a_target_whose_identity_drifted_after_preparation_is_refused_untouched(backed_up_lab, run_playbook):
    lab, dummy_state, dummy_files = backed_up(backed_up_lab, "enterprise")
    destroy_and_prepare(lab, run_playbook, ["fe02.contoso.local"])
    with lab.locked() as state:
        state["hosts"]["fe02.contoso.local"]["dns_servers"] = ["10.0.0.99"]
    drifted = lab.load()["hosts"]
    run = recover(run_playbook, lab, ["fe02.contoso.local"])
    assert run.rc != 0
    assert "dns_servers" in run.output and "10.0.0.99" in run.output, run.output[-3000:]
    assert not run.results("Run the pending steps, in order")
    assert lab.load()["hosts"] == drifted


def _markers(lab, fqdn):
    """Names of the recovery markers on a lab host (%ProgramData%\\lync.server\\recovery\\<marker>.json)."""
    folder = lab.host_root(fqdn) / "C" / "ProgramData" / "lync.server" / "recovery"
    return sorted(p.stem for p in folder.glob("*.json")) if folder.is_dir() else []


def test_no_password_reaches_the_output_at_vvvv(backed_up_lab, run_playbook):
    """The share password (become) and the PFX password never show, even at -vvvv."""
    lab, dummy_state, dummy_files = backed_up(backed_up_lab, "enterprise")
    destroy_and_prepare(lab, run_playbook, ["fs01.contoso.local"])
    run = recover(run_playbook, lab, ["fs01.contoso.local"], "-vvvv")
    assert run.rc == 0, run.output[-4000:]
    assert "ESTABLISH" in run.output and "module_args" in run.output  # really verbose: invocations are shown
    recorded = json.dumps(run.records)
    for secret in ("lab-share-password", "lab-Vault-Pfx-Password-1", "lab-Join-Password-1"):
        assert secret not in run.output and secret not in recorded, secret


def test_a_damaged_set_is_refused_before_any_change(backed_up_lab, run_playbook):
    """A file of the set changed after the backup: the named set is refused, and `latest` finds no good set."""
    lab, dummy_state, dummy_files = backed_up(backed_up_lab, "enterprise")
    damaged = _newest_set(lab)
    config = next(damaged.rglob("*.zip"))
    config.write_bytes(config.read_bytes() + b"tampered")
    before = lab.load()["hosts"]
    named = recover(run_playbook, lab, ["fe02.contoso.local"], extra={"lync_backup_set_id": damaged.name})
    assert named.rc != 0 and "name the items to recover" in named.output, named.output[-3000:]
    assert config.name in named.output
    latest = recover(run_playbook, lab, ["fe02.contoso.local"])
    assert latest.rc != 0 and "no complete backup set" in latest.output, latest.output[-3000:]
    assert lab.load()["hosts"] == before
