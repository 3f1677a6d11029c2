"""Which file-store files a new set hard-links from the previous one (plugin_utils/filestore_links.py)."""

import pytest

from ansible_collections.lync.server.plugins.plugin_utils import backup_plan, filestore_links as links

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
    assert chosen["copy"] == ["a\\newer", "a\\bigger", "new"]
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
    assert chosen["link"] == ["top", "a\\deep"] and "a\\Meeting.Active" not in chosen["copy"]
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
    assert links.same_failure([{"Code": 5}, {"Code": 1142}]) is None
    assert links.same_failure([{"Code": None, "Error": "exists"}] * 3) is None
    assert links.same_failure([]) is None
    assert links.code_of({"Code": "50"}) == 50 and links.code_of({"Code": 0}) is None


def test_folders_and_batches():
    assert links.folders(["a\\b\\c.txt", "a\\d.txt", "e.txt"]) == ["a", "a\\b"]
    assert links.batches(list(range(5)), 2) == [[0, 1], [2, 3], [4]]


def test_link_details_say_what_was_linked_and_from_where():
    details = backup_plan.link_details({"mode": "link", "linked_files": 2, "linked_bytes": 30, "previous_set": "s1",
                                        "reason": "2 linked", "not_linked": ["c"]})
    assert details == {"transfer": "linked", "transfer_reason": "2 linked", "linked_from": "s1", "linked_files": 2,
                       "linked_bytes": 30, "not_linked": ["c"]}
    failed = backup_plan.link_details({"failed": True, "msg": "timed out", "previous_set": "s1"})
    assert failed["transfer"] == "full copy" and failed["linked_from"] is None and "timed out" in failed["transfer_reason"]
    none = backup_plan.link_details({"mode": "link", "linked_files": 0})
    assert none["transfer"] == "full copy" and none["linked_files"] == 0
    assert backup_plan.link_details(None)["transfer_reason"] == "no link step ran: full copy"


def linked_store(not_linked=("a/new.txt",)):
    """A manifest with one file store whose link step linked from s1 (all but `not_linked`)."""
    item = {"id": "filestore:x", "kind": "filestore", "scope": "x", "host": "fs", "status": "ok", "error": None,
            "started": None, "finished": None, "files": []}
    link = {"mode": "link", "linked_files": 2, "linked_bytes": 6, "previous_set": "s1", "reason": "2 linked",
            "not_linked": list(not_linked)}
    item["details"] = dict(backup_plan.link_details(link), folder=FOLDER)
    landed = {"%s/%s" % (FOLDER, p): {"Path": "%s/%s" % (FOLDER, p), "Bytes": 3, "Sha256": sha}
              for p, sha in (("a/same.txt", "aa"), ("b.txt", "bb"), ("a/new.txt", "cc"))}
    recorded = [("a/same.txt", "AA"), ("b.txt", "BB"), ("a/new.txt", "00")]
    earlier = {"items": [{"id": "filestore:x", "status": "ok",
                          "files": [{"path": "%s/%s" % (FOLDER, p), "bytes": 3, "sha256": sha} for p, sha in recorded]}]}
    return {"items": [item], "status": "complete", "errors": []}, item, landed, earlier


def test_settle_accepts_links_that_read_as_the_earlier_manifest_says():
    doc, item, landed, earlier = linked_store()
    assert backup_plan.linked_from(doc) == ["s1"]
    assert backup_plan.settle(doc, landed, (), None, {"s1": earlier}) == []
    assert doc["status"] == "complete" and "not_linked" not in item["details"] and "damaged_links" not in item["details"]
    assert item["details"]["copied_files"] == 1 and item["details"]["copied_bytes"] == 3


def test_settle_fails_a_store_whose_linked_file_differs_from_the_earlier_manifest():
    """The earlier set's copy was damaged in place (size and time kept): the link shares the damage; the close
    names the file and the earlier set and records it for the next night's link step."""
    doc, item, landed, earlier = linked_store()
    landed["%s/b.txt" % FOLDER]["Sha256"] = "ee"
    problems = backup_plan.settle(doc, landed, (), None, {"s1": earlier})
    assert doc["status"] == "partial" and item["status"] == "failed" and len(problems) == 1
    assert "%s/b.txt is a hard link to s1's copy" % FOLDER in item["error"] and "that copy is damaged" in item["error"]
    assert item["details"]["damaged_links"] == ["%s/b.txt" % FOLDER] and "not_linked" not in item["details"]
    # a/new.txt differs from s1's too, but robocopy copied it (the link step left it): not a link, not checked.
    assert "new.txt" not in item["error"]


def test_settle_fails_links_it_cannot_check():
    doc, item, landed, dummy = linked_store()
    backup_plan.settle(doc, landed, (), None, {"s1": None})
    assert item["status"] == "failed" and "linked from s1 cannot be checked" in item["error"]


def test_a_failed_store_keeps_no_link_list_in_the_manifest():
    doc, item, landed, earlier = linked_store()
    item.update(status="failed", error="robocopy failed")
    backup_plan.settle(doc, landed, (), None, {"s1": earlier})
    assert "not_linked" not in item["details"]
