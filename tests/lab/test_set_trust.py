"""Backup sets that cannot lie (issue 11): what lies on the share is trusted only when it proves itself.

Each case was tried against the lab as a hostile or careless operator would, and gave way before:
a forged or future-dated set won `latest` and cost real sets their place in retention, a folder with
an impossible date stopped every backup, naming items bypassed the hashes, planted files and
manifest paths were trusted, an edited manifest with consistent hashes went unnoticed, and a lost
answer of the lock's open kept the lock for a day.
"""

import hashlib
import json
import re
import time

import pytest
from ansible.release import __version__ as ansible_version

from tests.lab.conftest import backup_manifest

BACKUP_SERVER = "backup01.contoso.local"
VERIFY = "lync.server.verify_backup"


def root(lab):
    return lab.host_root(BACKUP_SERVER) / "D" / "LyncBackup"


def real_set(lab):
    (folder,) = [p for p in root(lab).iterdir() if p.is_dir() and (p / "manifest.sig").exists()]
    return folder


def forge(lab, name, manifest=None):
    """A folder named like a set with a manifest that says complete: no items, or a copy of a real one."""
    folder = root(lab) / name
    folder.mkdir()
    doc = dict(manifest or {"format": 1, "status": "complete", "items": []}, set_id=name)
    (folder / "manifest.json").write_text(json.dumps(doc, indent=2, sort_keys=True), encoding="utf-8")
    return folder


def said(run, text):
    """`text` in the play's output, as ansible-core prints it (tests/conftest.py's Run.said)."""
    return run.said(text)


def chosen_set(run):
    return run.results("Verify every file of the set against its manifest")[0]["result"]["set"]["set_id"]


def test_forged_and_future_dated_sets_never_win_latest(backed_up_lab, run_playbook):
    lab = backed_up_lab("enterprise")
    real = real_set(lab)
    copy = backup_manifest(lab)
    for n in range(3):
        forge(lab, "lync-20991231T23595%dZ-abcde%d" % (n, n))     # a clock that ran ahead, or malice
        forge(lab, "lync-20261126T0%d0000Z-f0f0f%d" % (n, n), copy)  # a copy of a real manifest, unsigned
    run = run_playbook(lab, VERIFY)
    assert run.rc == 0, run.output[-3000:]
    assert chosen_set(run) == real.name


def test_retention_never_removes_a_real_set_for_forged_ones(backed_up_lab, run_playbook):
    lab = backed_up_lab("enterprise")
    first = real_set(lab)
    copy = backup_manifest(lab)
    for n in range(3):
        forge(lab, "lync-20991231T23595%dZ-abcde%d" % (n, n))
        forge(lab, "lync-20261126T0%d0000Z-f0f0f%d" % (n, n), copy)
    run = run_playbook(lab, "lync.server.backup", extra_vars={"backup_keep_sets": 2})
    assert run.rc == 0, run.output[-3000:]
    signed = sorted(p.name for p in root(lab).iterdir() if (p / "manifest.sig").exists())
    assert first.name in signed and len(signed) == 2
    retention = run.results("Apply retention (only after a complete, verified set)")[0]["result"]
    assert not set(retention["removed"]) & set(signed)


def test_a_stray_folder_with_an_impossible_date_stops_nothing(backed_up_lab, run_playbook):
    lab = backed_up_lab("enterprise")
    (root(lab) / "lync-20261399T999999Z-abcdef").mkdir()
    run = run_playbook(lab, VERIFY)
    assert run.rc == 0, run.output[-3000:]
    listed = run.results("Verify every file of the set against its manifest")[0]["result"]["sets"]
    stray = next(s for s in listed if s["set_id"] == "lync-20261399T999999Z-abcdef")
    assert stray["condition"] == "invalid" and "not a real time" in stray["problems"][0]
    backup = run_playbook(lab, "lync.server.backup")
    assert backup.rc == 0, backup.output[-3000:]
    assert (root(lab) / "lync-20261399T999999Z-abcdef").is_dir()


def test_a_manifest_edited_with_consistent_hashes_is_refused(backed_up_lab, run_playbook):
    lab = backed_up_lab("enterprise")
    folder = real_set(lab)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    item = next(i for i in manifest["items"] if i["kind"] == "cms_config")
    entry = item["files"][0]
    target = folder / entry["path"]
    data = target.read_bytes() + b"planted"
    target.write_bytes(data)
    entry.update(bytes=len(data), sha256=hashlib.sha256(data).hexdigest().upper())
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True), encoding="utf-8")
    run = run_playbook(lab, VERIFY, "-e", "lync_backup_set_id=%s" % folder.name)
    assert run.rc != 0
    assert "is tampered" in run.output and "manifest.sig does not match" in run.output, run.output[-3000:]
    # The override for unsigned sets does not cover a wrong signature.
    run = run_playbook(lab, VERIFY, "-e", "lync_backup_set_id=%s" % folder.name, extra_vars={"lync_backup_allow_unsigned": True})
    assert run.rc != 0 and "is tampered" in run.output


def test_an_unsigned_set_needs_the_loud_override(backed_up_lab, run_playbook):
    lab = backed_up_lab("enterprise")
    folder = real_set(lab)
    (folder / "manifest.sig").unlink()
    run = run_playbook(lab, VERIFY, "-e", "lync_backup_set_id=%s" % folder.name)
    assert run.rc != 0 and "is unsigned" in run.output and "allow_unsigned" in run.output, run.output[-3000:]
    run = run_playbook(lab, VERIFY, "-e", "lync_backup_set_id=%s" % folder.name, extra_vars={"lync_backup_allow_unsigned": True})
    assert run.rc == 0, run.output[-3000:]
    assert said(run, "OVERRIDE: allow_unsigned trusts backup sets whose manifest signature was not checked: %s" % folder.name)


def test_naming_items_never_bypasses_the_hashes(backed_up_lab, run_playbook):
    """One bit flipped in a file-store file, the file store named in recovery_items: refused by name before any
    change (the old code planned the copy of the damaged file)."""
    lab = backed_up_lab("enterprise")
    folder = real_set(lab)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    item = next(i for i in manifest["items"] if i["kind"] == "filestore")
    victim = next(p for p in sorted((folder / item["listing"]["folder"]).rglob("*")) if p.is_file())
    data = bytearray(victim.read_bytes() or b"x")
    data[0] ^= 0x01
    victim.write_bytes(bytes(data))
    before = lab.load()["hosts"]
    run = run_playbook(lab, "lync.server.recover", "-e", "lync_backup_set_id=%s" % folder.name,
                       extra_vars={"recovery_targets": ["fs01.contoso.local"], "recovery_items": [item["id"]]})
    assert run.rc != 0
    assert said(run, "names items whose files do not match their hashes: %s" % item["id"]), run.output[-3000:]
    assert lab.load()["hosts"] == before


def test_a_failed_item_named_in_recovery_items_is_refused_by_name(backed_up_lab, run_playbook):
    lab = backed_up_lab("enterprise")
    with lab.locked() as state:
        state["hosts"]["sqlmon01.contoso.local"]["sql"]["RTC"]["databases"]["LcsCDR"]["state"] = "OFFLINE"
    assert run_playbook(lab, "lync.server.backup").rc != 0
    partial = max((p for p in root(lab).iterdir() if p.name.startswith("lync-2026")), key=lambda p: p.name)
    manifest = json.loads((partial / "manifest.json").read_text(encoding="utf-8"))
    failed = [i["id"] for i in manifest["items"] if i["status"] != "ok"]
    assert failed
    run = run_playbook(lab, "lync.server.recover", "-e", "lync_backup_set_id=%s" % partial.name,
                       extra_vars={"recovery_targets": ["sqlmon01.contoso.local"],
                                   "recovery_items": [i["id"] for i in manifest["items"]]})
    assert run.rc != 0
    assert said(run, "names items that failed in the backup: %s" % ", ".join(failed)), run.output[-3000:]
    assert "list index out of range" not in run.output


def test_files_planted_in_a_set_are_reported_and_never_restored(backed_up_lab, run_playbook):
    lab = backed_up_lab("enterprise")
    folder = real_set(lab)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    item = next(i for i in manifest["items"] if i["kind"] == "filestore")
    store = folder / item["listing"]["folder"]
    (store / "planted.exe").write_bytes(b"MZ")
    run = run_playbook(lab, VERIFY, "-e", "lync_backup_set_id=%s" % folder.name)
    info = run.results("Verify every file of the set against its manifest")[0]["result"]["set"]
    assert any(f.endswith("/planted.exe") for f in info["extra_files"])
    run = run_playbook(lab, "lync.server.recover", "-e", "lync_backup_set_id=%s" % folder.name,
                       extra_vars={"recovery_targets": ["fs01.contoso.local"]})
    assert run.rc != 0 and "planted.exe" in run.output and "does not list" in run.output, run.output[-3000:]


def test_a_lost_answer_of_the_open_does_not_keep_the_lock(backed_up_lab, run_playbook):
    """The host takes the lock, then the answer is lost (malformed): the play fails, and the release in the
    role's `always` knows the set id because the controller chose it before the call."""
    lab = backed_up_lab("enterprise")
    fault = {"kind": "malformed", "payload": "lync_backup_set_open", "times": 1}
    run = run_playbook(lab, "lync.server.backup", extra_vars={"lab_faults": [fault]})
    assert run.rc != 0
    assert not (root(lab) / ".lync-backup.lock").exists(), run.output[-3000:]
    again = run_playbook(lab, "lync.server.backup")
    assert again.rc == 0, again.output[-3000:]


@pytest.mark.skipif(tuple(int(x) for x in ansible_version.split(".")[:2]) < (2, 19),
                    reason="under ANSIBLE_DEBUG the lab's backup does not complete on ansible-core before 2.19 "
                           "(not investigated yet; the masking itself is unit-tested)")
def test_ansible_debug_output_keeps_the_pfx_password_out(backed_up_lab, run_playbook):
    """ANSIBLE_DEBUG=1 logs every _execute_module's arguments; the PFX password travels in them as a
    sensitive parameter, whose entry masks itself when printed."""
    lab = backed_up_lab("enterprise")
    run = run_playbook(lab, "lync.server.backup", env={"ANSIBLE_DEBUG": "1"})
    assert run.rc == 0, run.output[-3000:]
    assert "done with _execute_module (ansible.windows.win_powershell" in run.output  # really debug output
    for secret in ("lab-Vault-Pfx-Password-1", "lab-Vault-Signing-Key-6f1d2a9c4e8b"):
        assert secret not in run.output, secret


def test_a_hung_item_times_out_and_the_lock_is_released(backed_up_lab, run_playbook):
    """A payload that never answers (the lab's `hang`) fails its item as timed out past its bound; the set is
    closed partial and the lock released, so the next night is not refused."""
    lab = backed_up_lab("enterprise")
    fault = {"kind": "hang", "payload": "lync_data_export", "seconds": 120, "times": 1}
    timeouts = {"probe": 600, "export": 5, "sql": 3600, "filestore": 3600, "set": 600, "verify": 3600}
    run = run_playbook(lab, "lync.server.backup", extra_vars={"lab_faults": [fault], "backup_timeouts": timeouts})
    assert run.rc != 0
    assert "timed out after 5 seconds" in run.output, run.output[-3000:]
    assert not (root(lab) / ".lync-backup.lock").exists()
    newest = max((p for p in root(lab).iterdir() if p.name.startswith("lync-2026")), key=lambda p: p.name)
    assert json.loads((newest / "manifest.json").read_text(encoding="utf-8"))["status"] == "partial"


# --- operator mistakes: checked before any change, with a message that says what to set ------------

def test_recovery_targets_given_as_a_string_is_refused_with_an_example(backed_up_lab, run_playbook):
    lab = backed_up_lab("enterprise")
    before = lab.load()["hosts"]
    run = run_playbook(lab, "lync.server.recover", "-e", "recovery_targets=fe02.contoso.local")
    assert run.rc != 0
    assert "recovery_targets must be a list of inventory hosts of this play" in run.output, run.output[-3000:]
    assert "hostvars['f']" not in run.output and lab.load()["hosts"] == before


def test_a_play_without_the_backup_groups_names_them(backed_up_lab, run_playbook):
    lab = backed_up_lab("enterprise")
    run = run_playbook(lab, "lync.server.backup", "--limit", "dc01.contoso.local")
    assert run.rc != 0
    assert "No first item, sequence was empty" not in run.output
    assert "lync_backup_servers" in run.output and "lync_front_ends" in run.output, run.output[-3000:]


def test_a_domain_join_without_its_password_changes_nothing(backed_up_lab, run_playbook):
    from lync_lab import disaster
    lab = backed_up_lab("enterprise")
    disaster.wipe(lab, "fe01.contoso.local", joined=False, hostname="WIN-7Q3M2K0L", dns=["10.0.0.99"])
    before = lab.load()["hosts"]["fe01.contoso.local"]
    run = run_playbook(lab, "lync.server.prepare_clean_server",
                       extra_vars={"lync_prepare_hosts": "fe01.contoso.local", "lync_domain_join_password": ""})
    assert run.rc != 0
    assert "set lync_domain_join_user and lync_domain_join_password" in run.output, run.output[-3000:]
    assert lab.load()["hosts"]["fe01.contoso.local"]["dns_servers"] == before["dns_servers"] == ["10.0.0.99"]


# --- a hung host: every remote call of verify, preparation and recovery has a bound -----------------

def test_a_hung_scan_fails_verify_as_timed_out_within_its_bound(backed_up_lab, run_playbook):
    """The set scan never answers: verify stops at its bound (not at the hang's end), says "timed out", which
    bound and what to raise, and nothing after it runs."""
    lab = backed_up_lab("enterprise")
    fault = {"kind": "hang", "payload": "lync_backup_set_scan", "seconds": 120, "times": 1}
    bounds = {"set": 5, "sql_verify": 3600, "test_restore": 3600}
    started = time.monotonic()
    run = run_playbook(lab, VERIFY, extra_vars={"lab_faults": [fault], "verify_backup_timeouts": bounds})
    assert run.rc != 0
    assert time.monotonic() - started < 100, "verify waited for the hang instead of its bound"
    assert said(run, "Verify every file of the set against its manifest timed out after 5 seconds "
                     "(verify_backup_timeouts.set)"), run.output[-3000:]
    assert said(run, "raise verify_backup_timeouts.set")
    assert not run.results("RESTORE VERIFYONLY every SQL backup, on the SQL Server that made it")


def test_a_hung_probe_stops_the_preparation_before_any_change(backed_up_lab, run_playbook):
    """The host probe of the identity check never answers: the preparation stops at its bound, says what timed
    out and what to raise, and the server is left as it was (the DNS client, set after the checks, unchanged)."""
    from lync_lab import disaster
    lab = backed_up_lab("enterprise")
    disaster.wipe(lab, "fe01.contoso.local", dns=["10.0.0.99"])
    before = lab.load()["hosts"]["fe01.contoso.local"]
    fault = {"kind": "hang", "payload": "lync_host_probe", "seconds": 120, "times": 1}
    bounds = {"probe": 5, "set": 3600, "identity": 3600, "features": 3600, "reboot": 7200, "sql_install": 3600,
              "certificates": 3600}
    started = time.monotonic()
    run = run_playbook(lab, "lync.server.prepare_clean_server",
                       extra_vars={"lync_prepare_hosts": "fe01.contoso.local", "lab_faults": [fault],
                                   "clean_server_timeouts": bounds})
    assert run.rc != 0
    assert time.monotonic() - started < 100, "the preparation waited for the hang instead of its bound"
    assert said(run, "timed out after 5 seconds (clean_server_timeouts.probe)"), run.output[-3000:]
    assert said(run, "raise clean_server_timeouts.probe")
    assert not run.results("Point the DNS client at the pinned DNS servers")
    assert lab.load()["hosts"]["fe01.contoso.local"]["dns_servers"] == before["dns_servers"] == ["10.0.0.99"]


def test_a_hung_stage_stops_the_recovery_there(backed_up_lab, run_playbook):
    """The CMS import never answers: the recovery stops at its bound in that step, says so and names the step;
    no later step runs and the step leaves no marker (a rerun starts again at it)."""
    from lync_lab import disaster
    lab = backed_up_lab("standard")
    disaster.wipe(lab, "lyncse01.contoso.local")
    prepared = run_playbook(lab, "lync.server.prepare_clean_server", "-e", "lync_prepare_hosts=lyncse01.contoso.local")
    assert prepared.rc == 0, prepared.output[-3000:]
    fault = {"kind": "hang", "payload": "lync_cms_import", "seconds": 120, "times": 1}
    bounds = {"probe": 600, "set": 3600, "install": 3600, "reboot": 3600, "database": 3600, "deploy": 3600,
              "services": 3600, "restore": 3600, "filestore": 3600, "import": 5, "config": 3600}
    started = time.monotonic()
    run = run_playbook(lab, "lync.server.recover", extra_vars={"recovery_targets": ["lyncse01.contoso.local"],
                                                               "lab_faults": [fault], "recovery_timeouts": bounds})
    assert run.rc != 0
    assert time.monotonic() - started < 110, "the recovery waited for the hang instead of its bound"
    assert said(run, "timed out after 5 seconds (recovery_timeouts.import)"), run.output[-3000:]
    assert said(run, "raise recovery_timeouts.import")
    assert re.search(r"The recovery stopped at step \d+ \(cms_import ", " ".join(run.output.split())), run.output[-3000:]
    folder = lab.host_root("lyncse01.contoso.local") / "C" / "ProgramData" / "lync.server" / "recovery"
    markers = sorted(p.stem for p in folder.glob("*.json")) if folder.is_dir() else []
    plan = run.results("Show the plan (per host, in order)")[0]["result"]["msg"]
    stages = [line.split()[1] for line in plan[1:]]
    before = stages[:stages.index("cms_import")]
    assert before and len(markers) == len(before), (markers, stages)  # every step before it done, none after
    assert all(any(re.fullmatch(r"%s(_.*)?" % s, m) for m in markers) for s in before), (markers, stages)
    for later in ("Create the databases the topology puts on the SQL Server (Install-CsDatabase -ConfiguredDatabases)",
                  "Run the Deployment Wizard step", "Verify the deployment is back"):
        assert not run.results(later), later
