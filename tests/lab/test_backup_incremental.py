"""Only changed file-store bytes (issue 12): the second night hard-links the unchanged files of the file store
from the previous trusted set and robocopy moves only the changed and added ones (docs/architecture.md,
"Only changed file-store bytes")."""

import hashlib
import json
import os
import re

import pathlib
import shutil

import pytest

from lync_lab import boundary, fsops, robocopy
from lync_lab.context import Context
from lync_lab.errors import PSError

BACKUP = "lync.server.backup"
FS = "fs01.contoso.local"
STORE_ITEM = "filestore:\\\\fs01.contoso.local\\LyncShare"
FOLDER = "filestores/fs01.contoso.local_lyncshare"
COPY_TASK = "Copy the file store (without Meeting.Active files)"
LINK_TASK = "Link the file store's unchanged files from the previous set"
CHANGED = "1-ApplicationServer-1/AppServerFiles/CPS/moh-default.wma"
REMOVED = "1-WebServices-1/DeviceUpdateLogs/Client/update.log"
ADDED = "1-WebServices-1/CollabContent/new-conference/content/deck.pptx"


def backup_root(lab):
    return lab.host_root("backup01.contoso.local") / "D" / "LyncBackup"


def sets(lab):
    return sorted(p.name for p in backup_root(lab).iterdir() if p.is_dir() and p.name.startswith("lync-"))


def manifest(lab, set_id):
    return json.loads((backup_root(lab) / set_id / "manifest.json").read_text())


def store(lab):
    return lab.host_root(FS) / "D" / "LyncShare"


def item(doc, item_id=STORE_ITEM):
    return next(i for i in doc["items"] if i["id"] == item_id)


def listed(lab, set_id, doc):
    """{path in the set: {"bytes", "sha256"}} of every file a set records: its items' files and, for a format-2 file
    store, each line of its listing (listings/<store>.tsv, whose own hash the manifest records)."""
    folder = backup_root(lab) / set_id
    found = {f["path"]: f for i in doc["items"] for f in i["files"]}
    for entry in [i["listing"] for i in doc["items"] if i.get("listing")]:
        for line in (folder / entry["path"]).read_text(encoding="utf-8").splitlines():
            sha, size, path = line.split("\t")
            name = "%s/%s" % (entry["folder"], path)
            found[name] = {"path": name, "bytes": int(size), "sha256": sha}
    return found


def verify(lab, set_id):
    """Every file the manifest lists (through the listing, for a file store) is there with its size and SHA-256
    (what lync_backup_set_info verify checks), and no other file lies in the set."""
    folder = backup_root(lab) / set_id
    doc = manifest(lab, set_id)
    files = listed(lab, set_id, doc)
    for path, entry in files.items():
        data = (folder / path).read_bytes()
        assert len(data) == int(entry["bytes"]) and hashlib.sha256(data).hexdigest().upper() == entry["sha256"], path
    present = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    assert present - set(files) == {"manifest.json", "manifest.sig", "report.txt", "report.html"}, present - set(files)
    return doc


def store_files(lab, set_id, doc):
    """The file store's files in a set (relative to its folder)."""
    return {p[len(FOLDER) + 1:] for p in listed(lab, set_id, doc) if p.startswith(FOLDER + "/")}


def snapshot(lab, set_id):
    folder = backup_root(lab) / set_id / FOLDER
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def change_the_store(lab):
    """Between the nights: one file rewritten (new bytes, new time), one added, one removed."""
    root = store(lab)
    changed = root / CHANGED
    changed.write_bytes(b"new music on hold " * 300)
    later = changed.stat().st_mtime_ns + 3600 * 10 ** 9
    os.utime(changed, ns=(later, later))
    added = root / ADDED
    added.parent.mkdir(parents=True)
    added.write_bytes(b"a new deck " * 200)
    (root / REMOVED).unlink()
    return {CHANGED: changed.stat().st_size, ADDED: added.stat().st_size}


def robocopy_bytes(run):
    """The bytes robocopy copied, from its closing table (Bytes: Total Copied Skipped ...)."""
    (copy,) = run.result(COPY_TASK, FS)["result"]["results"]  # one file store on fs01: one loop item
    output = copy["output"]
    line = next(line for line in output if line.strip().startswith("Bytes :"))
    return int(re.split(r"\s+", line.split(":", 1)[1].strip())[1])


def two_nights(make_lab, run_playbook, prepare=None, **kwargs):
    lab = make_lab("enterprise")
    first = run_playbook(lab, BACKUP, **kwargs)
    assert first.rc == 0, first.output
    (first_set,) = sets(lab)
    before = snapshot(lab, first_set)
    moved = change_the_store(lab)
    if prepare:
        prepare(lab, first_set)
    second = run_playbook(lab, BACKUP, **kwargs)
    assert second.rc == 0, second.output
    second_set = [s for s in sets(lab) if s != first_set][0]
    return lab, first_set, second_set, before, moved, second


def test_the_second_night_moves_only_the_changed_files(make_lab, run_playbook):
    lab, first_set, second_set, before, moved, run = two_nights(make_lab, run_playbook)
    # robocopy moved exactly the changed and the added file.
    assert robocopy_bytes(run) == sum(moved.values())
    doc = verify(lab, second_set)
    details = item(doc)["details"]
    assert doc["format"] == 2 and item(doc)["listing"]["folder"] == FOLDER
    copied = store_files(lab, second_set, doc)
    assert REMOVED not in copied and {CHANGED, ADDED} <= copied
    assert details["transfer"] == "linked" and details["linked_from"] == first_set
    assert details["copied_files"] == 2 and details["copied_bytes"] == sum(moved.values())
    assert details["linked_files"] == len(copied) - 2
    # Linked files are one file under two names; the changed and added ones are new files.
    new_folder = backup_root(lab) / second_set / FOLDER
    old_folder = backup_root(lab) / first_set / FOLDER
    for path in copied - {CHANGED, ADDED}:
        assert (new_folder / path).stat().st_ino == (old_folder / path).stat().st_ino, path
    assert (new_folder / CHANGED).stat().st_nlink == 1 and (new_folder / CHANGED).read_bytes() == \
        (store(lab) / CHANGED).read_bytes()
    # The first set is untouched (nothing wrote into a link) and still verifies.
    assert snapshot(lab, first_set) == before
    verify(lab, first_set)
    # Retention removes the first set: the second keeps every file, intact.
    removed = run_playbook(lab, BACKUP, extra_vars={"backup_keep_sets": 1})
    assert removed.rc == 0, removed.output
    assert first_set not in sets(lab) and second_set not in sets(lab)  # keep_sets=1 keeps only the newest
    (third,) = sets(lab)
    verify(lab, third)
    assert item(manifest(lab, third))["details"]["linked_from"] == second_set


def test_deleting_the_previous_set_leaves_the_next_intact(make_lab, run_playbook):
    lab, first_set, second_set, dummy, dummy2, dummy3 = two_nights(make_lab, run_playbook)
    state = lab.load()
    fsops.remove(Context(lab, state, "backup01.contoso.local", False, [], "test"), "D:\\LyncBackup\\%s" % first_set)
    lab.save(state)
    assert first_set not in sets(lab)
    doc = verify(lab, second_set)
    assert item(doc)["details"]["linked_files"] > 0


def test_a_share_without_hard_links_gets_a_full_copy(make_lab, run_playbook):
    def fat(lab, dummy):
        state = lab.load()
        state["hosts"]["backup01.contoso.local"]["disks"]["D"]["file_system"] = "FAT32"
        lab.save(state)
    lab, first_set, second_set, dummy, dummy2, run = two_nights(make_lab, run_playbook, fat)
    doc = verify(lab, second_set)
    details = item(doc)["details"]
    assert details["transfer"] == "full copy" and "Win32 error 50 ERROR_NOT_SUPPORTED" in details["transfer_reason"]
    assert details["linked_files"] == 0 and details["copied_bytes"] == details["bytes"]
    assert robocopy_bytes(run) == details["bytes"]


def test_an_untrusted_previous_set_is_never_linked_from(make_lab, run_playbook):
    def tamper(lab, first_set):
        sig = backup_root(lab) / first_set / "manifest.sig"
        sig.write_text("0" * 64)
    lab, first_set, second_set, dummy, dummy2, run = two_nights(make_lab, run_playbook, tamper)
    details = item(verify(lab, second_set))["details"]
    assert details["transfer"] == "full copy" and details["linked_from"] is None
    assert "no earlier complete set with a valid signature" in details["transfer_reason"]
    assert robocopy_bytes(run) == details["bytes"]
    old = backup_root(lab) / first_set / FOLDER
    assert all(p.stat().st_nlink == 1 for p in old.rglob("*") if p.is_file())


def test_a_changed_file_whose_directory_entry_is_stale_is_copied(make_lab, run_playbook):
    """Review finding 5: NTFS may leave a folder's directory entry behind a file held open for writing (FindNextFileW:
    attribute information "may not be current"). The store's listing reads size and time from the file itself
    (FileSystemInfo.Refresh), so a changed file whose entry still shows last night's size and time is copied."""
    lab, first_set, second_set, dummy, moved, run = two_nights(make_lab, run_playbook, stale_entry)
    new = backup_root(lab) / second_set / FOLDER / CHANGED
    assert new.stat().st_nlink == 1 and new.read_bytes() == (store(lab) / CHANGED).read_bytes()
    assert robocopy_bytes(run) == sum(moved.values())


def stale_entry(lab, first_set):
    """fs01's directory entry of the changed file still says last night's size and time (the lab's stale_entries)."""
    old = backup_root(lab) / first_set / FOLDER / CHANGED
    state = lab.load()
    state.setdefault("lab", {})["stale_entries"] = {
        "%s|D:\\LyncShare\\%s" % (FS, CHANGED.replace("/", "\\")): {"bytes": old.stat().st_size,
                                                                    "mtime": old.stat().st_mtime}}
    lab.save(state)


DAMAGED = "1-ApplicationServer-1/AppServerFiles/RGS/Wav/welcome-0.wav"


def damage_in_place(lab, set_id, path=DAMAGED):
    """Bit rot in a set's file: other bytes, the same size and last-write time (nothing in the directory entry
    changes, so the next night still finds the file 'same' as the store's and links it)."""
    real = backup_root(lab) / set_id / FOLDER / path
    stat = real.stat()
    data = real.read_bytes()
    real.write_bytes(bytes([data[0] ^ 0xFF]) + data[1:])
    os.utime(real, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert real.stat().st_size == stat.st_size and real.stat().st_mtime_ns == stat.st_mtime_ns


def nights_with_damage(make_lab, run_playbook, env=None):
    """Night 1 full, night 2 links (only the changes move), night 2's copy of a file damaged in place, night 3."""
    lab, first_set, second_set, dummy, moved, run = two_nights(make_lab, run_playbook, env=env)
    assert robocopy_bytes(run) == sum(moved.values())  # night 2 moved only the changed and added files
    assert (backup_root(lab) / second_set / FOLDER / DAMAGED).stat().st_nlink == 2  # linked from night 1
    assert manifest(lab, second_set)["format"] == 2  # night 3 checks its links against night 2's listing
    damage_in_place(lab, second_set)
    third = run_playbook(lab, BACKUP, env=env)
    third_set = [s for s in sets(lab) if s not in (first_set, second_set)][0]
    return lab, second_set, third_set, third


def test_a_linked_file_damaged_in_the_earlier_set_fails_the_night_and_the_next_copies_it_afresh(make_lab, run_playbook):
    """Review finding 1, with listings: the close walks the earlier set's listing (its hash checked against that
    set's manifest) and its own in step and compares every linked file's SHA-256. Night 3 links the damaged file
    (its size and time are unchanged) and its close finds it: the file-store item fails, naming the file and the
    earlier set. Night 4 does not link that file again: robocopy copies it afresh from the store, and the set is
    complete."""
    lab, second_set, third_set, third = nights_with_damage(make_lab, run_playbook)
    assert third.rc != 0
    doc = manifest(lab, third_set)
    store_item = item(doc)
    assert doc["status"] == "partial" and store_item["status"] == "failed"
    assert [i["id"] for i in doc["items"] if i["status"] != "ok"] == [STORE_ITEM]
    assert "%s/%s is a hard link to %s's copy" % (FOLDER, DAMAGED, second_set) in store_item["error"]
    assert "that copy is damaged" in store_item["error"]
    assert store_item["details"]["damaged_links"] == ["%s/%s" % (FOLDER, DAMAGED)]
    assert store_item["details"]["damaged_links_count"] == 1
    assert store_item["details"]["linked_from"] == second_set and "not_linked" not in store_item["details"]

    fourth = run_playbook(lab, BACKUP)
    assert fourth.rc == 0, fourth.output
    fourth_set = [s for s in sets(lab) if s not in (second_set, third_set)][-1]
    doc = verify(lab, fourth_set)
    details = item(doc)["details"]
    # Night 2's set is no longer trusted (night 3 found its copy damaged: review hardlink2 N5), so night 4 links from
    # night 1's, never the damaged file (night 3 named it).
    first_set = min(sets(lab))
    assert doc["status"] == "complete" and details["transfer"] == "linked" and details["linked_from"] == first_set
    fresh = backup_root(lab) / fourth_set / FOLDER / DAMAGED
    assert fresh.stat().st_nlink == 1 and fresh.read_bytes() == (store(lab) / DAMAGED).read_bytes()
    # Linked from night 1: the damaged file, and the files changed or added since night 1, are copied.
    again = [fresh.stat().st_size] + [(store(lab) / p).stat().st_size for p in (CHANGED, ADDED)]
    assert details["copied_files"] == 3 and robocopy_bytes(fourth) == sum(again)


REPLACED_TEXT = "the welcome message, recorded again"


def replaced_while_listed(lab):
    """A writer replaces the file DAMAGED (unchanged since night 1) by removing it and creating it again: it is gone
    when night 2 lists the store (lab.removed_after_listing) and back, with new bytes, when robocopy runs
    (lab.recreated_before_robocopy). The link step neither links it nor leaves it to robocopy: it is on none of
    its lists."""
    state = lab.load()
    key = "%s|D:\\LyncShare\\%s" % (FS, DAMAGED.replace("/", "\\"))
    state.setdefault("lab", {})["removed_after_listing"] = [key]
    state["lab"]["recreated_before_robocopy"] = {key: REPLACED_TEXT}
    lab.save(state)


@pytest.mark.parametrize("planted", [False, True])
def test_a_file_copied_rather_than_linked_never_blames_the_earlier_set(make_lab, run_playbook, tmp_path, planted):
    """Review hardlink3, finding 3: the close took every file the link step did not leave to robocopy for a link, so a
    file missing from the link step's listing and copied afresh by robocopy (new bytes) made night 1's good set
    "damaged". The close now asks the host which differing files are hard links (lync_file_links: LinkType, the link
    count): the copy has one name, night 2 is complete and night 1 stays trusted. Planted: the close takes every
    differing file for a link again, and night 1 is blamed."""
    env = planted_collection(tmp_path, "plugins/action/lync_backup_set.py", "if entry[0] in linked:",
                             "if True:") if planted else None
    lab = make_lab("enterprise")
    assert run_playbook(lab, BACKUP, env=env).rc == 0
    (first_set,) = sets(lab)
    change_the_store(lab)
    replaced_while_listed(lab)
    run = run_playbook(lab, BACKUP, env=env)
    second_set = [s for s in sets(lab) if s != first_set][0]
    (link,) = run.result(LINK_TASK, FS)["result"]["results"]
    assert link["mode"] == "link" and DAMAGED not in link["not_linked"]
    copy = backup_root(lab) / second_set / FOLDER / DAMAGED
    assert copy.stat().st_nlink == 1 and copy.read_text() == REPLACED_TEXT
    store_item = item(manifest(lab, second_set))
    if planted:
        assert run.rc != 0 and store_item["status"] == "failed"
        assert store_item["details"]["damaged_links"] == ["%s/%s" % (FOLDER, DAMAGED)]
        return
    assert run.rc == 0, run.output
    doc = verify(lab, second_set)
    assert doc["status"] == "complete" and store_item["details"]["linked_from"] == first_set
    assert "damaged_links" not in store_item["details"]
    # Night 1 stays trusted: night 3 links from night 2 (the newest trusted set), and night 1 is not damaged.
    third = run_playbook(lab, BACKUP)
    assert third.rc == 0, third.output
    third_set = [s for s in sets(lab) if s not in (first_set, second_set)][0]
    assert item(verify(lab, third_set))["details"]["linked_from"] == second_set


RETENTION_TASK = "Apply retention (only after a complete, verified set)"


def same_size_same_time_edit(lab, path=DAMAGED):
    """A source edit that keeps the file's size and last-write time (a tool that puts the time back): the size and
    time rule sees the file unchanged, so a link keeps the old bytes."""
    real = store(lab) / path
    stat = real.stat()
    data = real.read_bytes()
    real.write_bytes(bytes([data[0] ^ 0x55]) + data[1:])
    os.utime(real, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    return real.read_bytes()


def report_lines(lab, set_id):
    return (backup_root(lab) / set_id / "report.txt").read_text().splitlines()


@pytest.mark.parametrize("planted", [False, True])
def test_every_nth_night_copies_the_store_in_full_and_catches_a_same_size_same_time_edit(make_lab, run_playbook,
                                                                                         tmp_path, planted):
    """Review hardlink2 N3, with backup_filestore_full_every 3: night 1 copies in full; a source edit that keeps
    size and time is planted; nights 2 and 3 link the file (their sets hold the old bytes, as the size-and-time rule
    must); night 4 is the third since the full copy: it links nothing, robocopy copies the whole store, the edit is
    in the set, and each night's report says which copy it made. Planted defect (night 4 only): the rule ignored,
    night 4 links again and the edit is still missing."""
    every = {"backup_filestore_full_every": 3}
    lab = make_lab("enterprise")
    nights = []
    for night in range(1, 5):
        if night == 2:
            edited = same_size_same_time_edit(lab)
        env = planted_collection(tmp_path, "plugins/action/lync_filestore_link.py", "        if due:\n",
                                 "        if False:\n") if planted and night == 4 else None
        run = run_playbook(lab, BACKUP, extra_vars=every, env=env)
        assert run.rc == 0, run.output
        nights.append(([s for s in sets(lab) if s not in [n[0] for n in nights]][0], run))
    details = [item(verify(lab, set_id))["details"] for set_id, dummy in nights]
    held = [(backup_root(lab) / set_id / FOLDER / DAMAGED).read_bytes() == edited for set_id, dummy in nights]
    assert [d["transfer"] for d in details[:3]] == ["full copy", "linked", "linked"]
    assert [d["since_full_copy"] for d in details[:3]] == [0, 1, 2] and held[:3] == [False, False, False]
    assert any("FULL COPY" in line for line in report_lines(lab, nights[0][0]))
    assert any("night 2 since the last full copy" in line for line in report_lines(lab, nights[2][0]))
    if planted:
        assert details[3]["transfer"] == "linked" and not held[3]
        return
    assert details[3]["transfer"] == "full copy" and details[3]["since_full_copy"] == 0 and held[3]
    assert details[3]["transfer_reason"] == ("night 3 since the last full copy of this store "
                                             "(backup_filestore_full_every is 3): full copy")
    assert details[3]["linked_files"] == 0 and details[3]["copied_files"] == details[3]["file_count"]
    assert robocopy_bytes(nights[3][1]) == details[3]["bytes"]  # the whole store moved that night
    assert any("FULL COPY: night 3 since" in line for line in report_lines(lab, nights[3][0]))


@pytest.mark.parametrize("planted", [False, True])
def test_a_set_whose_copy_a_later_close_found_damaged_is_not_trusted_and_retention_keeps_the_good_one(
        make_lab, run_playbook, tmp_path, planted):
    """Review hardlink2 N5, four nights with backup_keep_sets 2. Night 1 copies in full (Z). The store changes;
    night 2 (A) copies the changed file afresh and links the rest from Z. A's copy of that file is damaged in place
    (its own data: Z's copy is another file). Night 3 links it from A, its close finds the damage (partial). From
    then on A is damaged, read from night 3's signed record (A's own manifest and signature untouched): lync
    retention does not count it as a good set, so night 4 (complete) keeps Z, the older good set, instead of
    removing it as beyond the newest two. Planted defect (night 4 only): the record not read (the scan as before);
    A counts as good and Z is removed."""
    keep = {"backup_keep_sets": 2}
    lab = make_lab("enterprise")
    assert run_playbook(lab, BACKUP, extra_vars=keep).rc == 0
    (z_set,) = sets(lab)
    change_the_store(lab)
    assert run_playbook(lab, BACKUP, extra_vars=keep).rc == 0
    (a_set,) = [s for s in sets(lab) if s != z_set]
    assert (backup_root(lab) / a_set / FOLDER / CHANGED).stat().st_nlink == 1  # A's own copy, not Z's
    a_manifest = (backup_root(lab) / a_set / "manifest.json").read_bytes()
    damage_in_place(lab, a_set, CHANGED)
    third = run_playbook(lab, BACKUP, extra_vars=keep)
    assert third.rc != 0
    (three,) = [s for s in sets(lab) if s not in (z_set, a_set)]
    assert item(manifest(lab, three))["details"]["damaged_links"] == ["%s/%s" % (FOLDER, CHANGED)]
    env = planted_collection(tmp_path, "plugins/plugin_utils/set_reader.py", "return bs.reported_damage(bs.ordered(sets))",
                             "return bs.ordered(sets)") if planted else None
    fourth = run_playbook(lab, BACKUP, extra_vars=keep, env=env)
    assert fourth.rc == 0, fourth.output
    (retention,) = [r["result"] for r in fourth.results(RETENTION_TASK)]
    conditions = {s["set_id"]: s["condition"] for s in retention["sets"]}
    if planted:
        assert conditions[a_set] == "complete" and z_set in retention["removed"] and not (backup_root(lab) / z_set).exists()
        return
    assert (backup_root(lab) / a_set / "manifest.json").read_bytes() == a_manifest  # nothing edited in A
    assert conditions[a_set] == "damaged" and z_set not in retention["removed"] and (backup_root(lab) / z_set).exists()
    assert retention["reasons"][z_set] == "kept: within the newest 2 trusted sets"
    assert verify(lab, z_set)["status"] == "complete"  # Z's files all match its manifest: the good set is kept
    (described,) = [s for s in retention["sets"] if s["set_id"] == a_set]
    assert described["reported_damage"] == ["%s/%s" % (FOLDER, CHANGED)]
    assert any("%s's close found 1 file(s)" % three in p for p in described["problems"])
    assert any(a_set in w for w in retention.get("warnings") or [])
    # Night 4 did not link from A (not trusted any more): it linked from Z.
    (four,) = [s for s in sets(lab) if s not in (z_set, a_set, three)]
    assert item(verify(lab, four))["details"]["linked_from"] == z_set


def test_without_the_comparison_the_damage_is_signed_as_verified(make_lab, run_playbook, tmp_path):
    """The planted defect: the close's comparison of linked files removed. Night 3 then closes complete and its
    manifest (through its listing) signs the damaged bytes as good (what the review found)."""
    env = planted_collection(tmp_path, "plugins/plugin_utils/backup_plan.py",
                             "if path in left or known is None or got is None or", "if True or")
    lab, second_set, third_set, third = nights_with_damage(make_lab, run_playbook, env=env)
    assert third.rc == 0, third.output
    doc = verify(lab, third_set)
    damaged = backup_root(lab) / third_set / FOLDER / DAMAGED
    assert doc["status"] == "complete" and damaged.read_bytes() != (store(lab) / DAMAGED).read_bytes()


def test_an_earlier_listing_edited_to_hide_the_damage_is_not_trusted(make_lab, run_playbook):
    """Night 2's listing edited on the share to carry the damaged file's new hash (its manifest, signed, still
    records the old listing's SHA-256): night 3's link step hashes the listing as it walks it, refuses it and links
    nothing, so robocopy copies the store afresh and the damaged bytes never reach night 3. (The close's own refusal
    of an edited earlier listing, for a listing edited after the link step, is unit-tested:
    test_close_link_check.py.)"""
    lab, first_set, second_set, dummy, moved, run = two_nights(make_lab, run_playbook)
    damage_in_place(lab, second_set)
    listing = backup_root(lab) / second_set / item(manifest(lab, second_set))["listing"]["path"]
    digest = hashlib.sha256((backup_root(lab) / second_set / FOLDER / DAMAGED).read_bytes()).hexdigest().upper()
    lines = [(digest + line[64:]) if line.endswith("\t" + DAMAGED) else line
             for line in listing.read_text(encoding="utf-8").splitlines()]
    listing.write_bytes(("\n".join(lines) + "\n").encode("utf-8"))
    third = run_playbook(lab, BACKUP)
    assert third.rc == 0, third.output
    third_set = [s for s in sets(lab) if s not in (first_set, second_set)][0]
    details = item(verify(lab, third_set))["details"]
    assert details["transfer"] == "full copy" and details["linked_from"] is None
    assert "%s's %s does not match the SHA-256 its manifest records" % (second_set, listing.relative_to(
        backup_root(lab) / second_set).as_posix()) in details["transfer_reason"]
    fresh = backup_root(lab) / third_set / FOLDER / DAMAGED
    assert fresh.stat().st_nlink == 1 and fresh.read_bytes() == (store(lab) / DAMAGED).read_bytes()


# -- planted defects --------------------------------------------------------------------------------

def test_robocopy_without_keep_existing_writes_through_a_link(make_lab):
    """Why /XC /XN /XO: a file linked from the previous set whose source changes after the listing. With the
    flags, robocopy leaves it (the previous set keeps its bytes); without them (the planted defect) robocopy
    overwrites it in place and the PREVIOUS set's file changes too."""
    lab = make_lab("enterprise")
    ctx = Context(lab, lab.load(), FS, False, [], "test")
    fsops.write_bytes(ctx, "D:\\old\\a.txt", b"old bytes")
    fsops.write_bytes(ctx, "D:\\src\\a.txt", b"new bytes, longer")
    fsops.make_dirs(ctx, "D:\\new")
    fsops.hard_link(ctx, "D:\\new\\a.txt", "D:\\old\\a.txt")
    assert fsops.link_count(ctx, "D:\\old\\a.txt") == 2
    robocopy.run(ctx, "D:\\src", "D:\\new", robocopy.parse_flags("/E /XC /XN /XO", False, False))
    assert fsops.read_bytes(ctx, "D:\\old\\a.txt") == b"old bytes"
    robocopy.run(ctx, "D:\\src", "D:\\new", robocopy.parse_flags("/E", False, False))
    assert fsops.read_bytes(ctx, "D:\\old\\a.txt") == b"new bytes, longer"  # written through the link


def test_a_file_with_1023_links_is_copied_afresh(make_lab):
    """CreateHardLinkW: at most 1023 links per file; the 1024th name fails, and robocopy copies the file."""
    lab = make_lab("enterprise")
    ctx = Context(lab, lab.load(), FS, False, [], "test")
    fsops.write_bytes(ctx, "D:\\old\\a.txt", b"x")
    fsops.make_dirs(ctx, "D:\\many")
    for number in range(fsops.MAX_LINKS - 1):
        fsops.hard_link(ctx, "D:\\many\\%d.txt" % number, "D:\\old\\a.txt")
    with pytest.raises(PSError, match="more links on a file than the file system supports"):
        fsops.hard_link(ctx, "D:\\many\\last.txt", "D:\\old\\a.txt")


def test_a_file_at_the_link_limit_is_copied_afresh_by_robocopy(make_lab, run_playbook):
    """A file of the previous set that already has 1023 names cannot get another: the link fails, robocopy copies
    it (a new file), the other files are linked."""
    limit = "1-ApplicationServer-1/AppServerFiles/RGS/Wav/welcome-0.wav"

    def fill(lab, first_set):
        old = backup_root(lab) / first_set / FOLDER / limit
        scratch = lab.host_root("backup01.contoso.local") / "D" / "scratch"
        scratch.mkdir()
        for number in range(fsops.MAX_LINKS - old.stat().st_nlink):
            os.link(old, scratch / str(number))
        assert old.stat().st_nlink == fsops.MAX_LINKS
    lab, first_set, second_set, dummy, moved, run = two_nights(make_lab, run_playbook, fill)
    details = item(verify(lab, second_set))["details"]
    assert details["transfer"] == "linked" and details["copied_files"] == 3
    new = backup_root(lab) / second_set / FOLDER / limit
    assert new.stat().st_nlink == 1 and robocopy_bytes(run) == sum(moved.values()) + new.stat().st_size
    (link,) = run.result(LINK_TASK, FS)["result"]["results"]
    assert [f["path"] for f in link["link_failures"]] == [limit.replace("/", "\\")]
    assert "more links on a file than the file system supports" in link["link_failures"][0]["error"]


def planted_collection(tmp_path, path, old, new):
    """A copy of this collection with one defect planted in `path` (old -> new), and the environment that runs it."""
    here = pathlib.Path(__file__).resolve().parents[2]
    target = tmp_path / "planted" / "ansible_collections" / "lync" / "server"
    shutil.copytree(here, target, ignore=shutil.ignore_patterns(".cache", ".git", "tests", ".venv", "changelogs"))
    text = (target / path).read_text()
    assert old in text, "the defect's anchor %r is not in %s" % (old, path)
    (target / path).write_text(text.replace(old, new, 1))
    return {"ANSIBLE_COLLECTIONS_PATH": "%s:%s:%s" % (here / "tests" / "lab" / "collections", tmp_path / "planted",
                                                      here / ".cache" / "collections")}


def robocopy_first(text):
    start = text.index("# Only changed file-store bytes")
    end = text.index("- name: Copy the file store")
    after = text.index("- name: Export the certificates")
    return text[end:after] + text[start:end]


@pytest.mark.parametrize("defect", ["link a changed file", "robocopy before the links", "link from an untrusted set",
                                    "listing without Refresh"])
def test_planted_defects_fail(make_lab, run_playbook, tmp_path, plant_defect, defect):
    """Each defect, planted in a copy of the collection, breaks what the tests above check."""
    lab = make_lab("enterprise")
    assert run_playbook(lab, BACKUP).rc == 0
    (first_set,) = sets(lab)
    moved = change_the_store(lab)
    if defect == "link a changed file":
        # Any file the earlier set has (with a hash) is "unchanged": the changed file is linked too.
        env = planted_collection(tmp_path, "plugins/plugin_utils/filestore_links.py",
                                 "unchanged = (old is not None and",
                                 "unchanged = (old is not None and known[1] is not None) or (old is not None and")
    elif defect == "robocopy before the links":
        tasks = "roles/backup/tasks/items.yml"
        text = (pathlib.Path(__file__).resolve().parents[2] / tasks).read_text()
        block = text[text.index("# Only changed file-store bytes"):text.index("- name: Export the certificates")]
        env = planted_collection(tmp_path, tasks, block, robocopy_first(text))
    elif defect == "listing without Refresh":
        stale_entry(lab, first_set)
        plant_defect("lync_file_inventory", "            $file.Refresh()\n", "")
        env = None
    else:
        (backup_root(lab) / first_set / "manifest.sig").write_text("0" * 64)
        env = planted_collection(tmp_path, "plugins/plugin_utils/filestore_links.py",
                                 'bs.is_trusted(info) and info.get("signature") == "valid"', 'info.get("manifest")')
    run = run_playbook(lab, BACKUP, env=env)
    # Linking from a tampered set is caught by the close too: it cannot check the links against that manifest.
    assert run.rc == 0 if defect != "link from an untrusted set" else run.rc != 0, run.output
    second_set = [s for s in sets(lab) if s != first_set][0]
    new_folder = backup_root(lab) / second_set / FOLDER
    if defect in ("link a changed file", "listing without Refresh"):
        # The new set holds last night's bytes of the changed file, not the store's.
        assert (new_folder / CHANGED).read_bytes() != (store(lab) / CHANGED).read_bytes()
    elif defect == "robocopy before the links":
        # robocopy moved the whole store, not only the changes.
        assert robocopy_bytes(run) > sum(moved.values())
    else:
        store_item = item(manifest(lab, second_set))
        assert store_item["details"]["linked_from"] == first_set and store_item["status"] == "failed"
        assert "linked from %s cannot be checked" % first_set in store_item["error"]


# -- the emulated commands, at the command level ---------------------------------------------------------------

def session(lab, host, powershell="5.1", file_system=None):
    state = lab.load()
    state["hosts"][host]["powershell_version"] = powershell
    if file_system:
        state["hosts"]["backup01.contoso.local"].setdefault("disks", {}).setdefault("D", {})["file_system"] = file_system
    lab.save(state)
    ctx = Context(lab, lab.load(), host, False, [], "test")
    ctx.network_user = "CONTOSO\\lyncadmin"
    return boundary.open_session(ctx).engine


SHARE = "\\\\backup01.contoso.local\\LyncBackup"
MAKE = "Set-Content -Path '%s\\a.txt' -Value 'bytes'; " % SHARE


def test_a_link_over_the_share_is_one_file_under_two_names(make_lab):
    command = "New-Item -ItemType HardLink -Path $n -Value $e | Out-Null; 'ok'"
    lab = make_lab("enterprise")
    engine = session(lab, FS)
    out = engine.run(MAKE + "$n = '%s\\b.txt'; $e = '%s\\a.txt'; " % (SHARE, SHARE) + command, {})
    assert not out.errors, out.errors
    real = backup_root(lab)
    assert (real / "b.txt").stat().st_ino == (real / "a.txt").stat().st_ino and (real / "a.txt").stat().st_nlink == 2
    # Writing through one name shows through the other.
    engine.run("Set-Content -Path '%s\\b.txt' -Value 'changed'" % SHARE, {})
    assert (real / "a.txt").read_text().startswith("changed")
    # An existing name is refused: nothing is overwritten.
    again = engine.run("$n = '%s\\b.txt'; $e = '%s\\a.txt'; " % (SHARE, SHARE) + command, {})
    assert again.errors


def test_link_type_says_hard_link_only_for_a_file_with_two_names(make_lab):
    """Get-Item's LinkType (about_FileSystem_Provider, 5.1; the link count of GetFileInformationByHandle), what
    lync_file_links reads: HardLink for both names of a linked file, nothing for a file with one name; a name that
    is gone fails Get-Item (the payload names it in Failed)."""
    lab = make_lab("enterprise")
    engine = session(lab, FS)
    out = engine.run(MAKE + "Set-Content -Path '%s\\c.txt' -Value 'alone'; "
                     "New-Item -ItemType HardLink -Path '%s\\b.txt' -Value '%s\\a.txt' | Out-Null; "
                     "foreach ($n in 'a', 'b', 'c') { \"$n=$((Get-Item -LiteralPath ('%s\\' + $n + '.txt')).LinkType)\" }"
                     % (SHARE, SHARE, SHARE, SHARE), {})
    assert out.output == ["a=HardLink", "b=HardLink", "c="], (out.output, out.errors)
    gone = engine.run("try { (Get-Item -LiteralPath '%s\\gone.txt' -ErrorAction Stop).LinkType } catch { 'failed' }"
                      % SHARE, {})
    assert gone.output == ["failed"]


def test_the_links_payload_names_the_links_and_the_files_it_cannot_read(make_lab):
    """lync_file_links, run as the close runs it (on the backup server, through the extended-length UNC path):
    a.txt has a second name, c.txt one; gone.txt is not there (named in Failed, never taken for a link or a copy)."""
    from tests.lab.test_boundary_windows import run_payload  # pylint: disable=import-outside-toplevel
    lab = make_lab("enterprise")
    folder = backup_root(lab) / "links" / "sub"
    folder.mkdir(parents=True)
    (folder / "a.txt").write_text("linked")
    os.link(folder / "a.txt", backup_root(lab) / "links" / "other-name.txt")
    (folder / "c.txt").write_text("copied")
    ctx = Context(lab, lab.load(), "backup01.contoso.local", False, [], "test")
    result = run_payload(ctx, "lync_file_links", {"Path": "\\\\?\\UNC\\backup01.contoso.local\\LyncBackup\\links",
                                                  "Files": ["sub/a.txt", "sub/c.txt", "sub/gone.txt"]})
    assert not result["error"], result["error"]
    assert result["result"]["Linked"] == ["sub/a.txt"]
    assert [f["Path"] for f in result["result"]["Failed"]] == ["sub/gone.txt"]


def _links_with_an_unreadable_one(make_lab, replace=()):
    from tests.lab.test_boundary_windows import run_payload  # pylint: disable=import-outside-toplevel
    lab = make_lab("enterprise")
    folder = backup_root(lab) / "links" / "sub"
    folder.mkdir(parents=True)
    (folder / "a.txt").write_text("linked")
    os.link(folder / "a.txt", backup_root(lab) / "links" / "other-name.txt")
    state = lab.load()
    state.setdefault("lab", {})["link_state_unreadable"] = ["links\\sub\\a.txt"]
    ctx = Context(lab, state, "backup01.contoso.local", False, [], "test")
    return run_payload(ctx, "lync_file_links", {"Path": "\\\\?\\UNC\\backup01.contoso.local\\LyncBackup\\links",
                                                "Files": ["sub/a.txt"]}, replace)


def test_a_file_whose_link_state_cannot_be_read_is_named_in_failed(make_lab):
    """Review hardfix2, finding 1: reading the LinkType property swallows the provider's error ($null, "no link"),
    so the payload calls the method behind it, whose error is caught and named: the file is unchecked, not clean."""
    result = _links_with_an_unreadable_one(make_lab)
    assert not result["error"], result["error"]
    assert result["result"]["Linked"] == [] and [f["Path"] for f in result["result"]["Failed"]] == ["sub/a.txt"]


def test_planted_the_link_type_property_lets_an_unreadable_link_pass_as_clean(make_lab):
    result = _links_with_an_unreadable_one(make_lab, replace=[(
        "[Microsoft.PowerShell.Commands.InternalSymbolicLinkLinkCodeMethods]::GetLinkType($item)", "$item.LinkType")])
    assert result["result"]["Linked"] == [] and result["result"]["Failed"] == []  # neither: what the real test fails


@pytest.mark.parametrize("file_system, local, code", [("FAT32", False, 50), ("FAT32", True, 1), ("NTFS", True, None)])
def test_new_item_hardlink_fails_with_the_win32_code(make_lab, file_system, local, code):
    """CreateHardLinkW's error reaches the script as Win32Exception.NativeErrorCode (or, for ERROR_INVALID_FUNCTION,
    as the inner exception of PowerShell's InvalidOperationException): what the payload returns as Code."""
    lab = make_lab("enterprise")
    engine = session(lab, "backup01.contoso.local" if local else FS, file_system=file_system)
    root = "D:\\LyncBackup" if local else SHARE
    script = ("Set-Content -Path '%s\\a.txt' -Value 'bytes'; "
              "Set-Content -Path '%s\\b.txt' -Value 'there'; "
              "try { New-Item -ItemType HardLink -Path '%s\\%s' -Value '%s\\a.txt' -ErrorAction Stop | Out-Null; 'linked' } "
              "catch { %s \"$code\" }") % (root, root, root, "c.txt" if code else "b.txt", root, payload_code_reader())
    out = engine.run(script, {})
    assert out.output == [str(code) if code else ""], (out.output, out.errors)


def payload_code_reader():
    """The payload's own lines that read the Win32 code in its catch block (from `$code = $null` to the line
    before `$failed +=`): the test runs them, not a copy."""
    text = (pathlib.Path(__file__).resolve().parents[2] / "plugins" / "plugin_utils" / "payloads"
            / "lync_filestore_link.ps1").read_text()
    start = text.index("        $code = $null")
    return text[start:text.index("        $failed +=", start)]


def test_the_payload_returns_codes_and_the_action_stops_on_a_fat_share(make_lab, run_playbook):
    def fat(lab, dummy):
        state = lab.load()
        state["hosts"]["backup01.contoso.local"]["disks"]["D"]["file_system"] = "FAT32"
        lab.save(state)
    lab, first_set, second_set, dummy, dummy2, run = two_nights(make_lab, run_playbook, fat)
    (link,) = run.result(LINK_TASK, FS)["result"]["results"]
    assert link["mode"] == "copy" and "Win32 error 50 ERROR_NOT_SUPPORTED" in link["reason"]
    # One call of the payload, one file: the night did not send the store's other files to the same failure.
    assert link["linked_files"] == 0 and link["link_failures"] == []


# -- Review hardfix2 4, s9a 3: New-Item -Force drops I/O errors; the link payload makes folders with CreateDirectory --

LINK_MAKE_FOLDER = ("        $null = [System.IO.Directory]::CreateDirectory($folder)\n",
                    "        $null = New-Item -ItemType Directory -Path $folder -Force\n")
DEEP = "d" * (250 - len(SHARE + "\\new\\"))  # SHARE\new\<DEEP>: a folder of 250 characters, its a.txt 256


def _link_into_an_unmakeable_folder(make_lab, where, replace=()):
    """lync_filestore_link asked to link a.txt into a folder that cannot be made (and that Windows PowerShell 5.1's
    New-Item -Force would say nothing of, lync_lab/boundary/fs.py New-Item): a subfolder of 250 characters
    (PathTooLongException), or a new set on a share that is gone ("The network name cannot be found")."""
    from tests.lab.test_boundary_windows import run_payload  # pylint: disable=import-outside-toplevel
    lab = make_lab("enterprise")
    (backup_root(lab) / "prev" / DEEP).mkdir(parents=True)
    (backup_root(lab) / "prev" / DEEP / "a.txt").write_text("bytes")
    (backup_root(lab) / "new").mkdir()
    target = "\\\\backup01.contoso.local\\Gone\\new" if where == "share gone" else SHARE + "\\new"
    params = {"Target": target, "Previous": SHARE + "\\prev", "Files": [DEEP + "\\a.txt"], "Folders": [DEEP]}
    ctx = Context(lab, lab.load(), FS, False, [], "test")
    ctx.network_user = "CONTOSO\\lyncadmin"
    return run_payload(ctx, "lync_filestore_link", params, replace), params


@pytest.mark.parametrize("where", ["folder too long", "share gone"])
def test_a_folder_the_link_payload_could_not_make_stops_it_naming_the_folder(make_lab, where):
    result, params = _link_into_an_unmakeable_folder(make_lab, where)
    folder = params["Target"] + ("\\" + DEEP if where == "folder too long" else "")
    assert result["error"], result["result"]
    message = result["error"][0]["exception"]["message"]
    assert message.startswith("LYNC_SHARE_ACCESS: this connection cannot create %s: " % folder), message
    assert ("too long" if where == "folder too long" else "network name cannot be found") in message, message


@pytest.mark.parametrize("where", ["folder too long", "share gone"])
def test_planted_new_item_force_every_link_just_fails(make_lab, where):
    """With New-Item -Force (5.1 drops the folder's IOException): no error, every link fails on its own (Win32 error 3,
    a per-file code, for the missing folder), and the step reads as 'no link could be made', not as its cause."""
    result, dummy = _link_into_an_unmakeable_folder(make_lab, where, [LINK_MAKE_FOLDER])
    assert not result["error"], result["error"]
    assert result["result"]["Linked"] == [] and len(result["result"]["Failed"]) == 1
    if where == "folder too long":
        assert result["result"]["Failed"][0]["Code"] == 3, result["result"]["Failed"]
