"""lync.server.backup end to end against the lab: contents, failures, locking, check mode, secrets."""

import hashlib
import json
import os

import pytest

from lync_lab import cmdlets, compare, fsops, seed, sqlbak
from lync_lab.context import Context

ROOT = "\\\\backup01.contoso.local\\LyncBackup"
BACKUP = "lync.server.backup"
PASSWORD = "lab-Vault-Pfx-Password-1"  # the lab inventories' lync_certificate_password


def sets_of(lab):
    """{set id: manifest or None} of every set on the lab's backup share."""
    root = lab.host_root("backup01.contoso.local") / "D" / "LyncBackup"
    found = {}
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        manifest = folder / "manifest.json"
        found[folder.name] = json.loads(manifest.read_text()) if manifest.exists() else None
    return found


def set_folder(lab, set_id):
    return lab.host_root("backup01.contoso.local") / "D" / "LyncBackup" / set_id


def only_set(lab):
    sets = sets_of(lab)
    assert len(sets) == 1, sets.keys()
    return next(iter(sets.items()))


def export_data(path, kind):
    return cmdlets.read_zip(path.read_bytes(), kind)["data"]


@pytest.mark.parametrize("topology", ["standard", "enterprise"])
def test_backup_set_holds_the_whole_deployment(make_lab, run_playbook, topology):
    lab = make_lab(topology)
    before = lab.load()
    run = run_playbook(lab, BACKUP)
    assert run.rc == 0, run.output
    set_id, manifest = only_set(lab)
    folder = set_folder(lab, set_id)
    state = lab.load()
    assert manifest["status"] == "complete" and manifest["errors"] == []
    xds_host = state["ad"]["scp"]["sql_fqdn"]
    xds = state["hosts"][xds_host]["sql"]["RTC"]["databases"]["xds"]["content"]

    # CMS and LIS: the exports hold exactly what the Central Management store holds.
    config = export_data(folder / "cms" / "config.zip", "configuration")
    assert config["documents"] == xds["documents"] and config["topology"] == xds["topology"]
    assert export_data(folder / "cms" / "lis.zip", "lis") == state["hosts"][xds_host]["sql"]["RTC"]["databases"]["lis"]["content"]
    assert "<Topology>" in (folder / "cms" / "topology.xml").read_text()

    # Every Front End pool's user data and every Response Group pool's configuration.
    front_ends = [p for p in xds["topology"]["pools"] if any(s.startswith("Registrar:") for s in p["Services"])]
    assert front_ends
    for pool in front_ends:
        fqdn = pool["Fqdn"]
        users = cmdlets.pool_database(state, fqdn, "UserServer", "UserDatabase", "rtcxds")["content"]
        assert export_data(folder / "pools" / fqdn / "userdata.zip", "userdata") == users
        rgs = cmdlets.pool_database(state, fqdn, "ApplicationServer", "ApplicationDatabase", "rgsconfig")["content"]
        assert export_data(folder / "pools" / fqdn / "rgs.zip", "rgs") == rgs

    # Each database Microsoft says to protect is in a verified SQL backup; transient ones never are.
    for fqdn, host in state["hosts"].items():
        for name, inst in host["sql"].items():
            if name in ("RTCLOCAL", "LYNCLOCAL"):
                continue
            sqldir = folder / "sql" / ("%s_%s" % (fqdn, name.lower()))
            for db_name, db in inst["databases"].items():
                backup = sqldir / ("%s.bak" % db_name)
                if db_name in ("rtcab", "rgsdyn", "cpsdyn", "mgccomp"):
                    assert not backup.exists(), backup
                else:
                    assert sqlbak.decode([backup.read_bytes()])["content"] == db["content"], backup

    # Every file-store file but Meeting.Active, byte for byte.
    share_host = next(f for f, h in state["hosts"].items() if "LyncShare" in h["shares"])
    share_path = state["hosts"][share_host]["shares"]["LyncShare"]["path"]
    ctx = Context(lab, state, share_host, False, [], "test")
    ctx.network_user = "CONTOSO\\svc-lyncbackup"
    source = {rel: h for rel, dummy, h in fsops.listing(ctx, share_path, hash_files=True)}
    copied = {rel: h for rel, dummy, h in fsops.listing(ctx, "%s\\filestores\\%s_lyncshare" % (
        fsops.join(ROOT, set_id), share_host), hash_files=True)}
    expected = {rel: h for rel, h in source.items() if not rel.endswith("Meeting.Active")}
    assert len(expected) < len(source)
    assert copied == expected

    # Certificates: a PFX per Lync certificate, with what the backup recorded.
    for fqdn, host in state["hosts"].items():
        if not host["lync_module"]:
            continue
        recorded = json.loads((folder / "certs" / fqdn / "certificates.json").read_text())
        assert {c["thumbprint"] for c in recorded} == {c["thumbprint"] for c in host["certificates"]}
        for cert in recorded:
            assert (folder / cert["file"]).exists()

    # Identity of every server of the topology, as it is.
    for pool in xds["topology"]["pools"]:
        for computer in pool["Computers"]:
            ident = json.loads((folder / "identity" / ("%s.json" % computer)).read_text())
            assert ident["ipv4"] == state["hosts"][computer]["ipv4"]
            assert ident["dns_servers"] == state["hosts"][computer]["dns_servers"]
            assert sorted(s["name"] for s in ident["shares"]) == sorted(state["hosts"][computer]["shares"])

    # The manifest's hashes are the files' hashes.
    for item in manifest["items"]:
        for entry in item["files"]:
            data = (folder / entry["path"]).read_bytes()
            assert hashlib.sha256(data).hexdigest().upper() == entry["sha256"].upper(), entry["path"]

    # A backup changes nothing on the servers it backs up (only the backup share gains files), but for the home of
    # its detached jobs, C:\ProgramData\lync.server\jobs, which the first job makes with a protected ACL and leaves.
    after = lab.load()
    for fqdn in before["hosts"]:
        if fqdn != "backup01.contoso.local":
            assert compare.without_jobs_home(after["hosts"][fqdn]) == before["hosts"][fqdn], fqdn
    stats = [r for r in run.records if r["action"] == "ansible.builtin.set_stats"]
    assert stats and stats[0]["result"]["ansible_stats"]["data"]["lync_backup_status"] == "complete"


def test_one_failed_instance_leaves_the_rest_and_skips_retention(make_lab, run_playbook):
    lab = make_lab("enterprise")
    assert run_playbook(lab, BACKUP).rc == 0
    fault = [{"kind": "fail", "payload": "lync_sql_backup", "when": {"SqlInstance": "sqlmon01.contoso.local\\pchat"},
              "message": "Write on \"\\\\backup01\\...\\mgc.bak\" failed: 112(There is not enough space on the disk.)"}]
    run = run_playbook(lab, BACKUP, "-e", json.dumps({"lab_faults": fault, "backup_keep_sets": 1}))
    assert run.rc != 0
    sets = sets_of(lab)
    assert len(sets) == 2, "retention must not run after a partial backup"
    newest = sets[sorted(sets)[-1]]
    assert newest["status"] == "partial"
    failed = [i for i in newest["items"] if i["status"] != "ok"]
    assert [i["id"] for i in failed] == ["sql:sqlmon01.contoso.local\\pchat"]
    assert "not enough space" in failed[0]["error"]
    others = [i for i in newest["items"] if i["kind"] == "sql" and i["status"] == "ok"]
    assert len(others) == 2
    assert "sql:sqlmon01.contoso.local\\pchat" in run.output and "is partial" in run.output


def test_share_not_writable_fails_before_anything_runs(make_lab, run_playbook):
    lab = make_lab("standard")
    with lab.locked() as state:
        state["hosts"]["backup01.contoso.local"]["shares"]["LyncBackup"]["deny_write"] = ["*"]
    run = run_playbook(lab, BACKUP)
    assert run.rc != 0
    opened = run.result("Open a new backup set (nothing else runs if this fails)", "lyncse01.contoso.local")
    assert opened["status"] == "failed"
    assert "Access to the path" in opened["result"]["msg"] and "backup01.contoso.local" in opened["result"]["msg"]
    assert sets_of(lab) == {}
    assert not [r for r in run.records if r["action"].startswith("lync.server.lync_sql_backup")]


def test_sql_service_account_without_access_is_named(make_lab, run_playbook):
    lab = make_lab("enterprise")
    with lab.locked() as state:
        state["hosts"]["backup01.contoso.local"]["shares"]["LyncBackup"]["deny_write"] = ["CONTOSO\\svc-sqlmon"]
    run = run_playbook(lab, BACKUP)
    assert run.rc != 0
    manifest = only_set(lab)[1]
    failed = {i["id"]: i["error"] for i in manifest["items"] if i["status"] != "ok"}
    assert set(failed) == {"sql:sqlmon01.contoso.local\\rtc", "sql:sqlmon01.contoso.local\\pchat"}
    assert all("SQL Server service account CONTOSO\\svc-sqlmon cannot write to" in e for e in failed.values())


def test_disk_full_mid_copy_leaves_an_untrusted_set_and_the_last_good_one(make_lab, run_playbook):
    lab = make_lab("enterprise")
    assert run_playbook(lab, BACKUP).rc == 0
    good_id, good = only_set(lab)
    with lab.locked() as state:
        # Room for the exports and SQL backups of a second set, not for its file store.
        state["hosts"]["backup01.contoso.local"]["disks"]["D"]["free_bytes"] = 60000
    # Every file of the store changed since the first night: nothing can be hard-linked from the first set, all
    # of it must be copied (docs/architecture.md, "Only changed file-store bytes").
    for path in (p for p in (lab.host_root("fs01.contoso.local") / "D" / "LyncShare").rglob("*") if p.is_file()):
        later = path.stat().st_mtime_ns + 3600 * 10 ** 9
        os.utime(path, ns=(later, later))
    run = run_playbook(lab, BACKUP)
    assert run.rc != 0
    robocopy = run.result("Copy the file store (without Meeting.Active files)", "fs01.contoso.local")
    (copied,) = robocopy["result"]["results"]  # one looped task per item kind: this host's one file store
    assert robocopy["status"] == "failed" and "There is not enough space on the disk" in copied["msg"]
    sets = sets_of(lab)
    assert sets[good_id] == good, "the last good set must be untouched"
    (broken_id,) = [s for s in sets if s != good_id]
    assert sets[broken_id] is None, "a set that could not be closed has no manifest, so nothing trusts it"
    assert "not enough space" in run.output
    assert not (lab.host_root("backup01.contoso.local") / "D" / "LyncBackup" / ".lync-backup.lock").exists(), run.output[-8000:]


def test_second_backup_against_the_same_root_refuses(make_lab, run_playbook):
    lab = make_lab("standard")
    lock = lab.host_root("backup01.contoso.local") / "D" / "LyncBackup" / ".lync-backup.lock"
    lock.write_text(json.dumps({"set_id": "lync-20261124T010000Z-aaaaaa", "controller": "awx-node-2"}))
    run = run_playbook(lab, BACKUP)
    assert run.rc != 0
    msg = run.result("Open a new backup set (nothing else runs if this fails)", "lyncse01.contoso.local")["result"]["msg"]
    assert msg.startswith("lync_backup_set: another backup is running against \\\\backup01.contoso.local\\LyncBackup")
    assert "awx-node-2" in msg
    assert sets_of(lab) == {} and lock.exists()


def test_stale_lock_is_taken_over_with_a_warning(make_lab, run_playbook):
    lab = make_lab("standard")
    lock = lab.host_root("backup01.contoso.local") / "D" / "LyncBackup" / ".lync-backup.lock"
    lock.write_text("died")
    import os
    os.utime(lock, (1, 1))
    run = run_playbook(lab, BACKUP)
    assert run.rc == 0, run.output
    assert "took over a stale backup lock" in run.output
    assert not lock.exists()


def test_check_mode_prints_the_plan_and_writes_nothing(make_lab, run_playbook):
    lab = make_lab("enterprise")
    run = run_playbook(lab, BACKUP, "--check")
    assert run.rc == 0, run.output
    plan = run.result("Show the plan", "fe01.contoso.local")["result"]["msg"]
    assert any(line.startswith("cms_config:global on fe01.contoso.local -> cms/config.zip") for line in plan)
    assert any("sql:sqlmon01.contoso.local\\pchat on sqlmon01.contoso.local -> sql/sqlmon01.contoso.local_pchat/mgc.bak"
               in line for line in plan)
    assert any(line.startswith("filestore:\\\\fs01.contoso.local\\LyncShare on fs01.contoso.local") for line in plan)
    assert sets_of(lab) == {}
    assert not (lab.host_root("backup01.contoso.local") / "D" / "LyncBackup" / ".lync-backup.lock").exists()


def test_verify_catches_a_file_changed_after_the_backup(make_lab, run_playbook, tmp_path):
    lab = make_lab("standard")
    assert run_playbook(lab, BACKUP).rc == 0
    set_id = only_set(lab)[0]
    target = set_folder(lab, set_id) / "pools" / "lyncse01.contoso.local" / "userdata.zip"
    data = bytearray(target.read_bytes())
    data[-1] ^= 0xFF  # same size, different content
    target.write_bytes(bytes(data))
    playbook = tmp_path / "verify.yml"
    playbook.write_text("""
- hosts: backup01.contoso.local
  gather_facts: false
  tasks:
    - name: Verify
      lync.server.lync_backup_set_info:
        root: '%s'
        set_id: %s
        verify: true
        signing_key: "{{ lync_backup_signing_key }}"
      become: true
      become_method: ansible.builtin.runas
      become_user: CONTOSO\\\\svc-lyncbackup
      become_flags: logon_type=new_credentials logon_flags=netcredentials_only
""" % (ROOT, set_id))
    run = run_playbook(lab, playbook)
    info = run.result("Verify", "backup01.contoso.local")["result"]["set"]
    assert info["trusted"] is False and info["condition"] == "damaged"
    assert info["problems"] == ["pools/lyncse01.contoso.local/userdata.zip does not match its SHA-256 "
                                "(changed after the backup)"]


def test_share_access_without_network_credentials_explains_the_double_hop(make_lab, run_playbook):
    lab = make_lab("standard")
    run = run_playbook(lab, BACKUP, "-e", "lync_network_become=false")
    assert run.rc != 0
    # The backup server reaches its own share (no second hop); the SE server cannot reach it.
    manifest = only_set(lab)[1]
    cms = next(i for i in manifest["items"] if i["id"] == "cms_config:global")
    assert cms["status"] == "failed"
    assert "is denied" in cms["error"] and "logon_type=new_credentials" in cms["error"]


def test_certificate_without_exportable_key_is_reported(make_lab, run_playbook):
    lab = make_lab("standard")
    with lab.locked() as state:
        cert = state["hosts"]["lyncse01.contoso.local"]["certificates"][0]
        cert["exportable"] = False
        thumb = cert["thumbprint"]
    run = run_playbook(lab, BACKUP)
    assert run.rc != 0
    manifest = only_set(lab)[1]
    item = next(i for i in manifest["items"] if i["kind"] == "certificates")
    assert item["status"] == "failed" and "the private key of %s cannot be exported" % thumb in item["error"]
    recorded = json.loads((set_folder(lab, manifest["set_id"]) / "certs" / "lyncse01.contoso.local"
                           / "certificates.json").read_text())
    assert {c["thumbprint"]: c["exportable"] for c in recorded}[thumb] is False


def test_the_pfx_password_never_shows(make_lab, run_playbook):
    lab = make_lab("standard")
    run = run_playbook(lab, BACKUP, "-vvvv")
    assert run.rc == 0, run.output[-3000:]
    # The PFX password, and the network identity's password (the become password, and the principal of every
    # detached job's scheduled task: docs/architecture.md, "Detached work").
    network = seed.NETWORK_ACCOUNT[1]
    for secret in (PASSWORD, network):
        assert secret not in run.output
        assert secret not in json.dumps(run.records)
    set_id = only_set(lab)[0]
    for path in set_folder(lab, set_id).rglob("*"):
        if path.is_file():
            assert PASSWORD.encode() not in path.read_bytes() and network.encode() not in path.read_bytes(), path
    for path in lab.fs_root.rglob("*"):  # the hosts' disks: the job folders under ProgramData included
        if path.is_file():
            assert network.encode() not in path.read_bytes(), path


def test_retention_keeps_the_newest_good_set_among_mixed_sets(make_lab, run_playbook):
    lab = make_lab("standard")
    for dummy in range(3):
        assert run_playbook(lab, BACKUP, "-e", "backup_keep_sets=10").rc == 0
    ids = sorted(sets_of(lab))
    root = set_folder(lab, ids[0]).parent
    # Make the history: oldest complete, then a partial, then a damaged (tampered) complete set, then the newest.
    partial = root / "lync-20200101T000000Z-bbbbbb"
    partial.mkdir()
    (partial / "cms").mkdir()
    unfinished = root / "lync-20200102T000000Z-cccccc"
    unfinished.mkdir()
    tampered = set_folder(lab, ids[1]) / "cms" / "config.zip"
    tampered.write_bytes(tampered.read_bytes() + b"x")
    run = run_playbook(lab, BACKUP, "-e", "backup_keep_sets=2")
    assert run.rc == 0, run.output
    remaining = sorted(sets_of(lab))
    newest = remaining[-1]
    retention = run.result("Apply retention (only after a complete, verified set)", "lyncse01.contoso.local")["result"]
    # Kept: the new set and the newest earlier trusted one (ids[2]); the damaged ids[1] and the old
    # incomplete sets are older than what retention keeps, so they go, and so does ids[0].
    assert remaining == sorted([ids[2], newest])
    assert set(retention["removed"]) == {ids[0], ids[1], partial.name, unfinished.name}
    assert "damaged" in retention["reasons"][ids[1]]


def test_retention_removes_a_set_whose_file_store_copy_lies_past_max_path(make_lab, run_playbook):
    """Get-ChildItem/Remove-Item -Recurse fail with PathTooLong past MAX_PATH in Windows PowerShell 5.1
    ("Maximum Path Length Limitation", https://learn.microsoft.com/en-us/windows/win32/fileio/maximum-file-path-limitation):
    the controller passes the root in extended-length form, and the removal leaves no half-removed set."""
    from lync_lab import paths
    lab = make_lab("standard")
    store = lab.host_root("lyncse01.contoso.local") / "C" / "LyncShare" / "1-WebServices-1" / "CollabContent"
    deep = store.joinpath("ALI-0100", *(["content-%02d-%s" % (i, "x" * 30) for i in range(4)]))
    deep.mkdir(parents=True)
    (deep / ("handout-%s.pptx" % ("y" * 20))).write_bytes(b"deep meeting content" * 50)
    assert run_playbook(lab, BACKUP, "-e", "backup_keep_sets=10").rc == 0
    found = list(sets_of(lab))
    assert len(found) == 1
    old = found[0]
    longest = max(len("%s\\%s\\%s" % (ROOT, old, p.relative_to(set_folder(lab, old)).as_posix().replace("/", "\\")))
                  for p in set_folder(lab, old).rglob("*"))
    assert longest > paths.MAX_PATH_CHARS
    run = run_playbook(lab, BACKUP, "-e", "backup_keep_sets=1")
    assert run.rc == 0, run.output
    retention = run.result("Apply retention (only after a complete, verified set)", "lyncse01.contoso.local")["result"]
    assert retention["removed"] == [old]
    assert old not in sets_of(lab) and len(sets_of(lab)) == 1
    assert not any(p.name.startswith("removing-") for p in set_folder(lab, old).parent.iterdir())
