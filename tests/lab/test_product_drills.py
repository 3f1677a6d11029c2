"""The backup and recovery drills on every product and on more than one shape (issue 10, "Products and shapes").

Each drill fills a freshly seeded lab with new data, runs lync.server.backup, then
lync.server.verify_backup (hashes, RESTORE VERIFYONLY, a test restore with DBCC CHECKDB), then
destroys servers, prepares them again (lync.server.prepare_clean_server) and runs a full
lync.server.recover on them; the recovered lab must equal the lab at backup time except what
Microsoft says is transient (lync_lab/compare.py), and a rerun must change nothing.

Shapes (lync_lab/seed.py):
* enterprise on Lync Server 2013, Skype for Business Server 2015 and Skype for Business Server 2019.
  2019 has no Persistent Chat ("Persistent Chat Server isn't available in Skype for Business Server
  2019", Microsoft's "System requirements for Skype for Business Server 2019"), so its lab has no
  pc01 and no PCHAT instance, and nothing may try to back them up or bring them back.
* multisite: two sites, two pools, both back ends on a DEFAULT SQL Server instance (services
  MSSQLSERVER and SQLSERVERAGENT; the Central Management store on one of them).
"""

import time

import pytest

from lync_lab import compare, content, disaster, model
from tests.lab.conftest import backup_manifest

BACKUP_SERVER = "backup01.contoso.local"
D = ".contoso.local"

DRILLS = [
    # (topology, product, recovery targets, verify_backup test server / instance / scratch folder)
    pytest.param("enterprise", "lync2013", ["sqlbe01" + D, "fe02" + D],
                 ("sqlmon01" + D, "RTC", "D:\\RestoreTest"), id="enterprise-lync2013"),
    pytest.param("enterprise", "sfb2015", ["sqlbe01" + D, "fe02" + D],
                 ("sqlmon01" + D, "RTC", "D:\\RestoreTest"), id="enterprise-sfb2015"),
    pytest.param("enterprise", "sfb2019", ["sqlbe01" + D, "fe02" + D],
                 ("sqlmon01" + D, "RTC", "D:\\RestoreTest"), id="enterprise-sfb2019"),
    pytest.param("multisite", "sfb2019", ["sqlbe01" + D, "fe21" + D],
                 ("sqlbe02" + D, "", "C:\\RestoreTest"), id="multisite-default-instances-sfb2019"),
]


def fill_any_shape(lab):
    """New data after seeding, found through the topology (any shape, named or default instances):
    a contact and a conference in every pool, a location, a queue in every pool, a CMS document, a
    Persistent Chat message where there is Persistent Chat, a meeting file in every file store."""
    added = []
    with lab.locked() as state:
        xds = model.cms(state)["content"]
        topo = xds["topology"]
        scp = state["ad"]["scp"]
        model.sql_instance(state, scp["sql_fqdn"], scp["instance"])["databases"]["lis"]["content"]["locations"].append(
            {"id": 99, "location": "Annex", "company": "Contoso"})
        xds["documents"]["Global/Client/Policy:Tag:Late"] = {"EnableAppearOffline": False}
        for index, store in enumerate(s for s in topo["services"] if s["Role"] == "UserDatabase"):
            databases = model.sql_instance(state, store["PoolFqdn"], store.get("SqlInstanceName", ""))["databases"]
            user = databases["rtcxds"]["content"]["users"][0]
            conference = "NEW-%04d" % (index + 1)
            user["contacts"].append({"sip": "sip:newhire%d@contoso.com" % index, "group": "Team", "tag": True})
            user["conferences"].append({"id": conference, "subject": "Added after seeding", "type": "scheduled",
                                        "pstn_id": "5555%d" % index})
            databases["rgsconfig"]["content"]["queues"].append(
                {"name": "Queue late", "agent_groups": [], "timeout": 60, "overflow": 1})
            added.append(conference)
        for host in state["hosts"].values():
            if "PCHAT" in host.get("sql", {}):
                host["sql"]["PCHAT"]["databases"]["mgc"]["content"]["tables"]["Messages"].append(
                    {"id": 999, "room": 0, "from": "sip:alice@contoso.com", "text": "after seeding"})
        shares = [(fqdn, h["shares"]["LyncShare"]["path"]) for fqdn, h in state["hosts"].items() if "LyncShare" in h["shares"]]
    for (fqdn, share), conference in zip(sorted(shares), added):
        target = lab.fs_root / fqdn / share[0] / share[3:].replace("\\", "/") / "1-WebServices-1" / "CollabContent"
        (target / conference).mkdir(parents=True, exist_ok=True)
        (target / conference / "added.pptx").write_bytes(content.blob(777, "added", conference))


def _sql_items(manifest):
    return sorted(item["id"] for item in manifest["items"] if item["kind"] == "sql")


@pytest.mark.parametrize("topology, product, targets, test_restore", DRILLS)
def test_backup_verify_and_recover_on_every_product(backed_up_lab, run_playbook, topology, product, targets,
                                                    test_restore):
    started = time.monotonic()
    lab = backed_up_lab(topology, product, before_backup=fill_any_shape)
    before_state, before_files = lab.load(), compare.files_view(lab, [BACKUP_SERVER])
    assert before_state["lab"]["product"] == product

    # The backup: complete, and holding what this product and shape have (no Persistent Chat on 2019).
    manifest = backup_manifest(lab)
    assert manifest["status"] == "complete" and manifest["errors"] == [], manifest["errors"]
    assert all(item["status"] == "ok" for item in manifest["items"])
    pchat_items = [item["id"] for item in manifest["items"] if "pchat" in item["id"].lower()]
    if topology == "enterprise" and product != "sfb2019":
        assert "sql:sqlmon01.contoso.local\\pchat" in pchat_items
    else:
        assert pchat_items == []
    if topology == "multisite":
        # Default instances are backed up by the server name alone (scope mssqlserver, docs/backup-set.md).
        assert _sql_items(manifest) == ["sql:sqlbe01.contoso.local\\mssqlserver", "sql:sqlbe02.contoso.local\\mssqlserver"]
    backed_up_at = time.monotonic()

    # The restore test of the set.
    server, instance, scratch = test_restore
    verify = run_playbook(lab, "lync.server.verify_backup", extra_vars={
        "verify_backup_test_server": server, "verify_backup_test_instance": instance,
        "verify_backup_scratch_folder": scratch})
    assert verify.rc == 0, verify.output[-6000:]
    tested = verify.results("Restore every SQL backup under a scratch name on the test instance, DBCC CHECKDB, "
                            "drop it")[0]["result"]["results"]
    assert tested and all(r["checkdb"] == "ok" for r in tested)
    assert lab.load()["hosts"] == before_state["hosts"], "test restores must leave nothing behind"
    verified_at = time.monotonic()

    # Destroy, prepare the clean servers, recover them.
    for fqdn in targets:
        disaster.wipe(lab, fqdn)
    prepare = run_playbook(lab, "lync.server.prepare_clean_server", "-e", "lync_prepare_hosts=%s" % ",".join(targets))
    assert prepare.rc == 0, prepare.output[-6000:]
    run = run_playbook(lab, "lync.server.recover", extra_vars={"recovery_targets": targets})
    assert run.rc == 0, run.output[-6000:]
    found = compare.compare(before_state, before_files, lab, [BACKUP_SERVER])
    assert not found, "the recovered lab differs:\n" + "\n".join(found)
    check = [r["result"] for r in run.results("Verify the deployment is back")]
    assert len(check) == 1 and not check[0].get("failed") and check[0]["problems"] == []
    stats = run.results("Publish the outcome for AWX/Tower")[0]["result"]["ansible_stats"]["data"]
    assert stats["lync_recovery_status"] == "recovered" and sorted(stats["lync_recovery_targets"]) == sorted(targets)
    print("drill %s/%s: backup %.1fs (0 if reused), verify %.1fs, prepare+recover %.1fs" % (
        topology, product, backed_up_at - started, verified_at - backed_up_at, time.monotonic() - verified_at))
