"""Which file-store files a new set hard-links from the previous one (plugin_utils/filestore_links.py)."""

import hashlib

import pytest

from ansible_collections.lync.server.plugins.plugin_utils import backup_plan, filestore_links as links
from ansible_collections.lync.server.plugins.plugin_utils import backup_set as bs

FOLDER = "filestores/fs01_lyncshare"
TARGET = "\\\\b\\s\\lync-20261125T020000Z-aaaaaa\\filestores\\fs01_lyncshare"
ORIGIN = "\\\\b\\s\\lync-20261124T020000Z-bbbbbb\\filestores\\fs01_lyncshare"
FLAGS = "/E /COPY:DAT /XF Meeting.Active"


def entry(path, size=10, written=100):
    return {"path": path, "bytes": size, "written": written}


def recorded(*entries):
    return {"%s/%s" % (FOLDER, e["path"]): (e["bytes"], "AA") for e in entries}


def decide(source, previous, flags=FLAGS, manifest=None, exclude=()):
    return links.plan(source, previous, recorded(*previous) if manifest is None else manifest, FOLDER, TARGET, ORIGIN,
                      flags, exclude)


def test_same_size_and_time_is_linked_and_anything_else_copied():
    same, newer, bigger, added = entry("a/same"), entry("a/newer", written=200), entry("a/bigger", size=11), entry("new")
    chosen = decide([same, newer, bigger, added], [entry("a/same"), entry("a/newer"), entry("a/bigger")])
    assert chosen["link"] == ["a\\same"]
    assert chosen["copy"] == ["a\\bigger", "a\\newer", "new"]  # in ordinal order, the order of a listing
    assert chosen["link_bytes"] == 10 and chosen["copy_bytes"] == 31 and chosen["problem"] is None


def test_a_file_the_previous_manifest_does_not_list_with_that_size_is_copied():
    """The share's copy is not trusted by its own say: the signed manifest must list it, same size."""
    previous = [entry("x"), entry("y")]
    chosen = decide([entry("x"), entry("y"), entry("z")], previous + [entry("z")],
                    manifest={"%s/x" % FOLDER: (10, "AA"), "%s/y" % FOLDER: (9, "AA"), "%s/z" % FOLDER: (10, None)})
    assert chosen["link"] == ["x"] and chosen["copy"] == ["y", "z"]  # z: no hash known, nothing to check it against


def test_a_file_a_later_set_found_damaged_is_copied_afresh():
    files = [entry("a/x"), entry("a/y")]
    assert decide(files, files, exclude={"%s/a/x" % FOLDER})["link"] == ["a\\y"]


def test_manifest_files_and_damaged_since():
    files = [{"path": "f/a", "bytes": 3, "sha256": "ab"}, {"path": "f/b", "bytes": 4, "sha256": None}]
    item = {"id": "filestore:s", "status": "ok", "files": files}
    assert links.manifest_files({"items": [item]}, "filestore:s") == {"f/a": (3, "AB"), "f/b": (4, None)}
    assert links.manifest_files({"items": [dict(item, status="failed")]}, "filestore:s") == {}
    failed = {"id": "filestore:s", "status": "failed", "details": {"damaged_links": ["f/a"]}}
    newer = [{"set_id": "s4", "manifest": {"items": [dict(item, details={})]}},
             {"set_id": "s3", "manifest": {"items": [failed, {"id": "filestore:t", "details": {"damaged_links": ["g/c"]}}]}},
             {"set_id": "s2", "manifest": {"items": [dict(failed, details={"damaged_links": ["f/old"]})]}}]
    # Only sets newer than the one linked from count, and only for this file store.
    assert links.damaged_since(newer, "s2", "filestore:s") == {"f/a"}
    assert links.damaged_since(newer, "s4", "filestore:s") == set()


def test_a_previous_copy_without_a_time_is_never_same():
    assert decide([entry("x")], [entry("x", written=None)])["link"] == []


def test_robocopy_selection_is_followed():
    """/XF names are neither linked nor copied; without /E or /S only the top folder is copied."""
    files = [entry("top"), entry("a/Meeting.Active"), entry("a/deep")]
    chosen = decide(files, files)
    assert chosen["link"] == ["a\\deep", "top"] and "a\\Meeting.Active" not in chosen["copy"]
    chosen = decide(files, files, flags="/COPY:DAT")
    assert chosen["link"] == ["top"] and chosen["copy"] == []


@pytest.mark.parametrize("flag", ["/IS", "/IT", "/IM", "/SECFIX", "/TIMFIX", "/MOV", "/MOVE", "/XD", "/MAXAGE:7",
                                  "/XA:H", "/LEV:2", "/XL", "/A", "/M"])
def test_flags_that_touch_existing_files_or_select_unmodelled_turn_linking_off(flag):
    chosen = decide([entry("x")], [entry("x")], flags=FLAGS + " " + flag)
    assert chosen["link"] == [] and chosen["copy"] == ["x"] and flag.split(":")[0] in chosen["problem"]


@pytest.mark.parametrize("flag", ["/MIR", "/PURGE", "/MT:8", "/R:2", "/W:5", "/NP", "/DCOPY:T", "/Z", "/B"])
def test_harmless_flags_keep_linking(flag):
    assert decide([entry("x")], [entry("x")], flags=FLAGS + " " + flag)["link"] == ["x"]


def test_wildcard_names_and_long_paths_are_left_to_robocopy():
    files = [entry("deck [1].pptx"), entry("a" * 200), entry("ok")]
    chosen = decide(files, files)
    assert chosen["link"] == ["ok"] and len(chosen["copy"]) == 2


def test_a_file_whose_folder_in_the_set_reaches_248_characters_is_left_to_robocopy():
    """The link payload makes each file's folder with New-Item -ItemType Directory (a plain path): Windows makes no
    folder of 248 characters or more without \\\\?\\ (CreateDirectory), though the file's own path is under 260."""
    deep = "d" * (bs.MAX_DIRECTORY - len(TARGET) - 1)
    files = [entry(deep + "/x"), entry(deep[:-1] + "/y"), entry("ok")]
    assert len("%s\\%s\\x" % (TARGET, deep)) < links.MAX_PATH
    chosen = decide(files, files)
    assert chosen["link"] == [deep[:-1] + "\\y", "ok"] and chosen["copy"] == [deep + "\\x"]


def test_robocopy_flags_add_keep_existing_once():
    assert links.robocopy_flags("/E /XF Meeting.Active") == "/E /XF Meeting.Active /XC /XN /XO"
    assert links.robocopy_flags("/E /xc") == "/E /xc /XN /XO"
    assert links.robocopy_flags(None) == "/XC /XN /XO"


def test_the_plan_gives_robocopy_keep_existing():
    """backup_plan's file-store items carry /XC /XN /XO (the planted defect: without them robocopy writes through
    a link, tests/lab/test_backup_incremental.py)."""
    from .test_backup_plan import deployment, hosts  # noqa: F401  (the shared fixtures of the plan's tests)
    items = backup_plan.plan(deployment(), hosts(), {"filestore_flags": "/E /XF Meeting.Active"})
    stores = [i for i in items if i["kind"] == "filestore" and not i["problem"]]
    assert stores and all(i["args"]["flags"].endswith("/XC /XN /XO") for i in stores)


def test_previous_set_is_the_newest_trusted_signed_one_never_the_current():
    current = {"set_id": "lync-3", "status": "complete", "problems": [], "signature": "valid"}
    tampered = {"set_id": "lync-2", "status": "complete", "problems": ["wrong signature"], "signature": "wrong"}
    unsigned = {"set_id": "lync-1b", "status": "complete", "problems": [], "signature": "missing"}
    partial = {"set_id": "lync-1a", "status": "partial", "problems": [], "signature": "valid"}
    good = {"set_id": "lync-1", "status": "complete", "problems": [], "signature": "valid"}
    assert links.previous_set([current, tampered, unsigned, partial, good], "lync-3") is good
    assert links.previous_set([current, tampered, unsigned, partial], "lync-3") is None


def test_links_impossible_is_decided_by_win32_code_not_by_text():
    """Localized Windows: the German message of ERROR_NOT_SUPPORTED still stops at once; an English message with
    a per-file code does not."""
    german = [{"Path": "x", "Error": "Die Anforderung wird nicht unterst\u00fctzt.", "Code": 50}]
    assert links.unsupported(german).startswith("Win32 error 50 ERROR_NOT_SUPPORTED")
    assert links.unsupported([{"Error": "Unzul\u00e4ssige Funktion.", "Code": 1}]).startswith("Win32 error 1 ")
    assert links.unsupported([{"Error": "x", "Code": 17}]).startswith("Win32 error 17 ERROR_NOT_SAME_DEVICE")
    assert links.unsupported([{"Error": "The request is not supported.", "Code": None}]) is None
    assert links.unsupported([{"Error": "An attempt was made to create more links on a file than the file system "
                                        "supports.", "Code": 1142}]) is None


def test_a_probe_failing_with_one_code_stops_but_mixed_failures_do_not():
    assert "Win32 error 5" in links.same_failure([{"Error": "Zugriff verweigert", "Code": 5}] * 11)
    assert links.same_failure([{"Code": 5}, {"Code": 87}]) is None
    assert links.same_failure([{"Code": None, "Error": "exists"}] * 3) is None
    assert links.same_failure([]) is None
    assert links.code_of({"Code": "50"}) == 50 and links.code_of({"Code": 0}) is None


@pytest.mark.parametrize("first", [{"Code": 2, "Error": "gone since the listing"}, {"Code": None, "Error": "no code"},
                                   {"Code": 183, "Error": "exists"}, {"Code": 1142, "Error": "1023 names"}])
def test_a_per_file_failure_does_not_mask_a_share_that_refuses_every_link(first):
    """Review hardlink2 N4: the first file fails for a reason of its own (deleted since the listing, no code, an
    existing name, 1023 names), then the whole probe fails with one code that is not in IMPOSSIBLE (87 from a
    WinFsp-based file system): the night stops after the probe instead of sending every batch to the same
    failure. The per-file failure is left out of the decision."""
    probe = [{"Path": "f%d" % n, "Error": "The parameter is incorrect.", "Code": 87} for n in range(links.PROBE)]
    reason = links.same_failure([first] + probe)
    assert reason == "every link tried failed with Win32 error 87 (The parameter is incorrect.)"
    # Per-file codes alone: all one code stops (every file at 1023 names), mixed ones do not.
    assert "Win32 error 1142" in links.same_failure([{"Code": 1142, "Error": "x"}] * 11)
    assert links.same_failure([{"Code": 2, "Error": "x"}, {"Code": 1142, "Error": "y"}]) is None


def test_folders_and_batches():
    assert links.folders(["a\\b\\c.txt", "a\\d.txt", "e.txt"]) == ["a", "a\\b"]
    assert links.batches(list(range(5)), 2) == [[0, 1], [2, 3], [4]]


def test_link_details_say_what_was_linked_and_from_where():
    details = backup_plan.link_details({"mode": "link", "linked_files": 2, "linked_bytes": 30, "previous_set": "s1",
                                        "reason": "2 linked", "not_linked": ["c"], "since_full_copy": 3})
    assert details == {"transfer": "linked", "transfer_reason": "2 linked", "linked_from": "s1", "linked_files": 2,
                       "linked_bytes": 30, "not_linked": ["c"], "since_full_copy": 3}
    failed = backup_plan.link_details({"failed": True, "msg": "timed out", "previous_set": "s1"})
    assert failed["transfer"] == "full copy" and failed["linked_from"] is None and "timed out" in failed["transfer_reason"]
    assert failed["since_full_copy"] == 0
    none = backup_plan.link_details({"mode": "link", "linked_files": 0})
    assert none["transfer"] == "full copy" and none["linked_files"] == 0
    assert backup_plan.link_details(None)["transfer_reason"] == "no link step ran: full copy"


def linked_store(not_linked=("a/new.txt",)):
    """A manifest with one file store whose link step linked from s1 (all but `not_linked`), its listing summary as
    the close's lync_file_listing_write gives it, this set's listing lines and s1's (format 2) and s1's manifest
    in format 1 (per-file hashes)."""
    item = {"id": "filestore:x", "kind": "filestore", "scope": "x", "host": "fs", "status": "ok", "error": None,
            "started": None, "finished": None, "files": []}
    link = {"mode": "link", "linked_files": 2, "linked_bytes": 6, "previous_set": "s1", "reason": "2 linked",
            "not_linked": list(not_linked)}
    item["details"] = dict(backup_plan.link_details(link), folder=FOLDER)
    now = [("A" * 64, "a/same.txt"), ("B" * 64, "b.txt"), ("C" * 64, "a/new.txt")]
    before = [("A" * 64, "a/same.txt"), ("B" * 64, "b.txt"), ("0" * 64, "a/new.txt"), ("D" * 64, "gone.txt")]
    lines = bs.listing_text([(sha, 3, p) for sha, p in now]).splitlines()
    earlier_lines = bs.listing_text([(sha, 3, p) for sha, p in before]).splitlines()
    summary = {"Files": 3, "FileBytes": 9, "Bytes": 100, "Sha256": "F" * 64, "Errors": [], "ErrorCount": 0}
    earlier = {"items": [{"id": "filestore:x", "status": "ok",
                          "files": [{"path": "%s/%s" % (FOLDER, p), "bytes": 3, "sha256": sha} for sha, p in before]}]}
    doc = {"items": [item], "status": "complete", "errors": []}
    return doc, item, {"filestore:x": summary}, lines, earlier_lines, earlier


def pages(lines, size=2):
    return [lines[i:i + size] for i in range(0, len(lines), size)]


def damage(item, lines, earlier_lines, left):
    """link_damage over every candidate (differing), as if the host found each a hard link (the close's
    lync_file_links answer: tests/unit/plugins/action/test_close_link_check.py)."""
    return backup_plan.link_damage(item, "s1", backup_plan.differing(
        backup_plan.listed_pairs(pages(earlier_lines), pages(lines)), left))


def test_settle_references_the_listing_and_says_what_the_night_copied():
    doc, item, listings, dummy, dummy2, dummy3 = linked_store()
    assert backup_plan.linked_from(doc) == ["s1"]
    left = backup_plan.take_not_linked(doc)
    assert left == {"filestore:x": ["a/new.txt"]} and "not_linked" not in item["details"]
    assert backup_plan.settle(doc, {}, (), None, listings) == []
    assert doc["status"] == "complete" and item["listing"]["files"] == 3
    assert item["details"]["copied_files"] == 1 and item["details"]["copied_bytes"] == 3


def test_links_that_read_as_the_earlier_listing_says_pass():
    doc, item, listings, lines, earlier_lines, dummy = linked_store()
    assert damage(item, lines, earlier_lines, ["a/new.txt"]) == ([], [], 0)


def test_a_linked_file_that_differs_from_the_earlier_listing_is_damaged():
    """The earlier set's copy was damaged in place (size and time kept): the link shares the damage; the check names
    the file and the earlier set, and the paths go to damaged_links for the next night's link step."""
    doc, item, listings, lines, earlier_lines, dummy = linked_store()
    lines = [line.replace("B" * 64, "E" * 64) for line in lines]
    found, damaged, count = damage(item, lines, earlier_lines, ["a/new.txt"])
    assert count == 1 and damaged == ["%s/b.txt" % FOLDER] and len(found) == 1
    assert "%s/b.txt is a hard link to s1's copy" % FOLDER in found[0] and "that copy is damaged" in found[0]
    # a/new.txt differs from s1's too, but robocopy copied it (the link step left it): not a link, not checked.
    assert "new.txt" not in found[0]
    backup_plan.settle(doc, {}, (), None, listings)
    backup_plan.fail_item(doc, item, found)
    assert doc["status"] == "partial" and item["status"] == "failed" and doc["errors"] == ["filestore:x: " + found[0]]


def test_without_the_link_list_every_differing_common_file_is_a_candidate():
    doc, item, listings, lines, earlier_lines, dummy = linked_store()
    assert [p for p, dummy2, dummy3 in backup_plan.differing(
        backup_plan.listed_pairs(pages(earlier_lines), pages(lines)), [])] == ["a/new.txt"]
    found, damaged, count = damage(item, lines, earlier_lines, [])
    assert damaged == ["%s/a/new.txt" % FOLDER] and count == 1


def test_damaged_links_are_named_up_to_a_bound_and_counted():
    doc, item, listings, dummy, dummy2, dummy3 = linked_store()
    old = bs.listing_text([("A" * 64, 1, "f%03d" % n) for n in range(7)]).splitlines()
    new = bs.listing_text([("B" * 64, 1, "f%03d" % n) for n in range(7)]).splitlines()
    found, damaged, count = backup_plan.link_damage(item, "s1", backup_plan.differing(
        backup_plan.listed_pairs(pages(old), pages(new)), []), limit=3)
    assert count == 7 and len(damaged) == 3 and len(found) == 4 and "4 more linked file(s)" in found[-1]


def test_an_earlier_set_in_format_1_is_checked_from_its_manifest():
    doc, item, listings, lines, dummy, earlier = linked_store()
    recorded = links.manifest_files(earlier, "filestore:x")
    ok = backup_plan.link_damage(item, "s1", backup_plan.differing(
        backup_plan.recorded_pairs(recorded, FOLDER, pages(lines)), ["a/new.txt"]))
    assert ok == ([], [], 0)
    lines = [line.replace("A" * 64, "E" * 64) for line in lines]
    found, damaged, count = backup_plan.link_damage(item, "s1", backup_plan.differing(
        backup_plan.recorded_pairs(recorded, FOLDER, pages(lines)), ["a/new.txt"]))
    assert damaged == ["%s/a/same.txt" % FOLDER] and count == 1


def test_a_listing_out_of_order_is_refused():
    doc, item, listings, lines, earlier_lines, dummy = linked_store()
    with pytest.raises(bs.BackupSetError):
        damage(item, lines, list(reversed(earlier_lines)), [])


def test_hashing_pages_gives_the_listing_files_sha256():
    text = bs.listing_text([("A" * 64, 3, "a.txt"), (None, 0, "b/c.txt")])
    digest = hashlib.sha256()
    assert [line for page in bs.hashing_pages(pages(text.splitlines(), 1), digest) for line in page] == text.splitlines()
    assert digest.hexdigest() == hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_listing_files_is_the_format_1_map_of_a_format_2_listing():
    text = bs.listing_text([("A" * 64, 3, "a.txt"), (None, 5, "b/c.txt")])
    assert links.listing_files(bs.listing_entries(pages(text.splitlines())), FOLDER + "/") == {
        "%s/a.txt" % FOLDER: (3, "A" * 64), "%s/b/c.txt" % FOLDER: (5, None)}
    assert links.manifest_listing({"items": [{"id": "x", "status": "ok", "listing": {"path": "l"}}]}, "x") == {"path": "l"}
    assert links.manifest_listing({"items": [{"id": "x", "status": "failed", "listing": {"path": "l"}}]}, "x") is None


def test_the_plan_walks_a_listing_in_step_and_links_as_from_the_map():
    previous = [entry("b/z.txt"), entry("B.txt"), entry("a.txt"), entry("a b.txt", written=5)]
    text = bs.listing_text([("A" * 64, 10, e["path"]) for e in previous])
    source = [entry("b/z.txt"), entry("a.txt"), entry("B.txt"), entry("new.txt"), entry("a b.txt")]
    walk = links.ListingWalk(bs.listing_entries(pages(text.splitlines(), 1)), FOLDER)
    walked = links.plan(source, previous, walk, FOLDER, TARGET, ORIGIN, FLAGS)
    mapped = links.plan(source, previous, links.listing_files(bs.listing_entries(pages(text.splitlines())), FOLDER),
                        FOLDER, TARGET, ORIGIN, FLAGS)
    assert walked == mapped and sorted(walked["link"]) == ["B.txt", "a.txt", "b\\z.txt"]
    assert sorted(walked["copy"]) == ["a b.txt", "new.txt"]


def test_more_damage_than_named_sends_the_next_night_to_a_full_copy():
    sets = [{"set_id": "s3", "manifest": {"items": [{"id": "x", "details": {"damaged_links": ["a"],
                                                                            "damaged_links_count": 2}}]}},
            {"set_id": "s2", "manifest": None}]
    assert links.damaged_uncounted(sets, "s2", "x") and not links.damaged_uncounted(sets, "s3", "x")
    assert not links.damaged_uncounted(sets, "s2", "y")
    sets[0]["manifest"]["items"][0]["details"]["damaged_links_count"] = 1
    assert not links.damaged_uncounted(sets, "s2", "x")


def test_a_failed_store_keeps_no_link_list_in_the_manifest():
    doc, item, listings, dummy, dummy2, dummy3 = linked_store()
    item.update(status="failed", error="robocopy failed")
    backup_plan.settle(doc, {}, (), None, listings)
    assert "not_linked" not in item["details"]


def chain(*transfers, recorded=True):
    """Sets newest first: transfers oldest first, 'full' or 'linked' (each linked set links from the one before);
    `recorded`: the sets carry since_full_copy (made since backup_filestore_full_every), else the chain is walked."""
    sets, since = [], 0
    for number, transfer in enumerate(transfers):
        since = 0 if transfer == "full" else since + 1
        details = {"transfer": "linked" if transfer == "linked" else "full copy",
                   "linked_from": "lync-%d" % (number - 1) if transfer == "linked" else None}
        if recorded:
            details["since_full_copy"] = since
        sets.insert(0, {"set_id": "lync-%d" % number, "manifest": {"items": [{"id": "fs", "details": details}]}})
    return sets


@pytest.mark.parametrize("recorded", [True, False])
def test_a_full_copy_every_nth_night_since_the_last_full_copy(recorded):
    """Review hardlink2 N3: with full_every 3, nights go full, linked, linked, full, ... counted from the earlier
    sets' records (or, for older records, along linked_from)."""
    sets = chain("full", "linked", "linked", recorded=recorded)
    assert links.since_full_copy(sets, sets[0], "fs") == 2
    tonight, due = links.full_copy_due(sets, sets[0], "fs", 3)
    assert tonight == 3 and due == "night 3 since the last full copy of this store (backup_filestore_full_every is 3): full copy"
    assert links.full_copy_due(sets, sets[1], "fs", 3) == (2, None)
    assert links.full_copy_due(sets, sets[0], "fs", 0) == (3, None)  # never
    assert links.full_copy_due(sets, sets[0], "fs", 1)[1] is not None  # every night
    assert links.full_copy_due(chain("full"), chain("full")[0], "fs", 7) == (1, None)


def test_a_chain_whose_start_was_removed_copies_in_full():
    sets = chain("full", "linked", "linked", recorded=False)[:2]  # retention removed lync-0
    assert links.since_full_copy(sets, sets[0], "fs") is None
    assert "no longer on the share" in links.full_copy_due(sets, sets[0], "fs", 7)[1]
    assert links.full_copy_due(sets, sets[0], "fs", 0) == (None, None)
