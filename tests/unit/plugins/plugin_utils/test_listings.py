"""File-store listings (docs/backup-set.md "Listings"): the canonical text, the manifest's reference to it, and verify
walking two listings page by page (set_reader.check_store) — with a fake host that answers the listing payloads from
a dict of files, counting what each answer carries."""

import hashlib

import pytest
from ansible.errors import AnsibleActionFail

from ansible_collections.lync.server.plugins.plugin_utils import backup_set as bs
from ansible_collections.lync.server.plugins.plugin_utils import payload as payload_mod
from ansible_collections.lync.server.plugins.plugin_utils import recovery_plan
from ansible_collections.lync.server.plugins.plugin_utils import set_reader

FOLDER = "filestores/fs01.contoso.local_share"
SET = "\\\\backup01\\LyncBackup\\lync-20261124T020000Z-abcdef"


def sha(data):
    return hashlib.sha256(data).hexdigest().upper()


def text_of(files):
    return bs.listing_text([(sha(data), len(data), path) for path, data in files.items()])


class Host:
    """lync_file_listing / lync_file_listing_page over `files` (the store's folder now) and `stored` (the listing
    file's text), as the payloads answer: pages of lines in ordinal order."""

    def __init__(self, files, stored):
        self.files, self.stored, self.calls, self.largest = files, stored, [], 0

    def payload(self, name, parameters):
        self.calls.append((name, dict(parameters)))
        lines = text_of(self.files).splitlines()
        if name == "lync_file_listing_page":
            assert parameters["Path"].endswith("\\listings\\fs01.contoso.local_share.tsv")
            # A byte offset into the stored listing's UTF-8 text.
            stored = self.stored.encode("utf-8")[parameters["Offset"]:].decode("utf-8").splitlines()
            value = {"Exists": True, "Offset": parameters["Offset"], "Lines": stored[:parameters["Count"]]}
        else:
            assert parameters["Path"].endswith("\\filestores\\fs01.contoso.local_share")
            value = {"Files": len(lines), "FileBytes": sum(len(d) for d in self.files.values()), "Errors": [],
                     "ErrorCount": 0}
            if parameters.get("Count"):
                # The lines whose path comes after After (ordinal), as the payload pages the store's folder.
                after = bs.ordinal_key(parameters.get("After") or "")
                later = [line for line in lines if not parameters.get("After")
                         or bs.ordinal_key(line.split("\t", 2)[2]) > after]
                value["Lines"] = later[:parameters["Count"]]
                value["Files"] = len(value["Lines"])
            elif not parameters.get("Summary"):
                data = text_of(self.files).encode("utf-8")
                value.update(Bytes=len(data), Sha256=sha(data))
        self.largest = max(self.largest, len(repr(value)))
        return type("Answer", (), {"value": value})()


def listing_of(files):
    data = text_of(files).encode("utf-8")
    return {"path": bs.listing_path(FOLDER), "bytes": len(data), "sha256": sha(data), "folder": FOLDER,
            "files": len(files), "file_bytes": sum(len(d) for d in files.values())}


FILES = {"a/%05d.txt" % n: b"%d" % n for n in range(2500)}


def test_the_canonical_text_is_ordinal_tab_separated_and_parses_back():
    text = text_of({"b": b"1", "B": b"22", "_": b"", "a/b": b"x", "a-b": b"y"})
    assert [line.split("\t")[2] for line in text.splitlines()] == ["B", "_", "a-b", "a/b", "b"]
    assert text.endswith("\n") and "\r" not in text
    line = text.splitlines()[0]
    assert bs.parse_listing_line(line) == {"sha256": sha(b"22"), "bytes": 2, "path": "B"}
    for bad in ("x\t1\tB", sha(b"") + "\tone\tB", sha(b"") + "\t1\t../B", sha(b"") + "\t1"):
        with pytest.raises(bs.BackupSetError):
            bs.parse_listing_line(bad)
    with pytest.raises(bs.BackupSetError, match="ordinal order"):
        list(bs.merge_listings([[text.splitlines()[1], text.splitlines()[0]]], []))


def test_an_intact_store_costs_one_bounded_answer():
    host = Host(dict(FILES), text_of(FILES))
    assert set_reader.check_store(host, SET, listing_of(FILES), deep=True) == ({}, [])
    assert [c[0] for c in host.calls] == ["lync_file_listing"] and host.largest < 400


def test_a_changed_file_a_missing_one_and_an_extra_one_are_named_page_by_page():
    now = dict(FILES)
    now["a/01234.txt"] = b"changed"
    del now["a/02000.txt"]
    now["a/zz-planted.txt"] = b"x"
    host = Host(now, text_of(FILES))
    bad, extra = set_reader.check_store(host, SET, listing_of(FILES), deep=True)
    assert bad == {FOLDER + "/a/01234.txt": FOLDER + "/a/01234.txt has 7 bytes, the listing says 4",
                   FOLDER + "/a/02000.txt": FOLDER + "/a/02000.txt is missing"}
    assert extra == [FOLDER + "/a/zz-planted.txt"]
    pages = [c for c in host.calls if c[1].get("Count")]
    assert pages and all(c[1]["Count"] == set_reader.PAGE_LINES for c in pages)
    # One page of each listing at a time: no answer carries more than a page.
    assert host.largest < set_reader.PAGE_LINES * 200


def test_same_size_other_content_is_named_by_its_hash():
    now = dict(FILES, **{"a/00007.txt": b"8"})
    bad, dummy = set_reader.check_store(Host(now, text_of(FILES)), SET, listing_of(FILES), deep=True)
    assert bad == {FOLDER + "/a/00007.txt": FOLDER + "/a/00007.txt does not match its SHA-256 (changed after the backup)"}


def test_a_listing_edited_on_the_share_is_named_when_the_files_still_match_the_manifest():
    edited = text_of(FILES).replace(sha(b"5"), sha(b"6"))
    # The store's files hash to the manifest's listing hash: every file verified; the listing file's own hash is
    # checked with the set's other files (file_problems), which names it.
    host = Host(dict(FILES), edited)
    assert set_reader.check_store(host, SET, listing_of(FILES), deep=True) == ({}, [])
    manifest = {"items": [{"id": "filestore:x", "files": [{"path": bs.listing_path(FOLDER), "bytes": len(edited),
                                                           "sha256": listing_of(FILES)["sha256"]}],
                           "listing": listing_of(FILES)}]}
    bad, dummy = bs.file_problems(manifest, [{"Path": bs.listing_path(FOLDER), "Bytes": len(edited),
                                              "Sha256": sha(edited.encode())}], hashed=True)
    assert list(bad) == [bs.listing_path(FOLDER)]
    # Edited listing and edited files that agree with each other, but not with the manifest's hash: named too.
    now = dict(FILES, **{"a/00005.txt": b"6"})
    bad, dummy = set_reader.check_store(Host(now, text_of(now)), SET, listing_of(FILES), deep=True)
    assert list(bad) == [bs.listing_path(FOLDER)]


def test_named_differences_are_bounded_and_the_rest_counted():
    now = {path: data + b"!" for path, data in FILES.items()}
    bad, extra = set_reader.check_store(Host(now, text_of(FILES)), SET, listing_of(FILES), deep=True)
    assert len(bad) == bs.MAX_NAMED + 1 and not extra
    assert bad[FOLDER + "/"] == "%s/ differs from its listing in %d more file(s) than named here" % (
        FOLDER, len(FILES) - bs.MAX_NAMED)


def test_the_size_check_compares_counts_and_bytes_only():
    host = Host(dict(FILES), text_of(FILES))
    assert set_reader.check_store(host, SET, listing_of(FILES), deep=False) == ({}, [])
    assert host.calls[0][1].get("Summary") is True
    fewer = dict(FILES)
    fewer.pop("a/00000.txt")
    bad, dummy = set_reader.check_store(Host(fewer, text_of(FILES)), SET, listing_of(FILES), deep=False)
    assert list(bad) == [FOLDER + "/"] and "2499 files" in bad[FOLDER + "/"]


def test_a_manifest_must_list_the_listing_it_references():
    listing = listing_of(FILES)
    entry = {k: listing[k] for k in ("path", "bytes", "sha256")}
    item = {"id": "filestore:x", "files": [entry], "listing": listing}
    bs._check_listing(item)  # pylint: disable=protected-access
    for broken in (dict(item, files=[]), dict(item, files=[dict(entry, sha256="0" * 64)]),
                   dict(item, listing=dict(listing, folder="../x")), dict(item, listing=dict(listing, files=-1)),
                   dict(item, listing=dict(listing, sha256="x"))):
        with pytest.raises(bs.BackupSetError):
            bs._check_listing(broken)  # pylint: disable=protected-access


def test_recovery_refuses_a_store_whose_file_verify_named():
    listing = listing_of(FILES)
    item = {"id": "filestore:\\\\fs01\\share", "kind": "filestore", "status": "ok",
            "files": [{k: listing[k] for k in ("path", "bytes", "sha256")}], "listing": listing}
    manifest = {"items": [item, {"id": "cms_config:global", "kind": "cms_config", "status": "ok", "files": []}]}
    assert bs.item_claims(item, FOLDER + "/a/00001.txt") and bs.item_claims(item, FOLDER + "/")
    assert bs.item_claims(item, listing["path"]) and not bs.item_claims(item, FOLDER + "x/a.txt")
    with pytest.raises(recovery_plan.RecoveryPlanError, match="whose files do not match their hashes"):
        recovery_plan.check_items(manifest, [item["id"]], [FOLDER + "/a/00001.txt"])
    assert recovery_plan.check_items(manifest, ["cms_config:global"], [FOLDER + "/a/00001.txt"]) == {"cms_config:global"}


def test_a_listed_name_windows_would_refuse_is_named_not_fatal():
    """NTFS keeps names Win32 refuses (a trailing space or dot, made through a \\\\?\\ path; robocopy copies them):
    a listing path is checked for what would leave the store (empty, '.', '..', backslash, ':', 0-31), not with the
    manifest's Windows-name rule, so verify names such a file when it differs instead of refusing the listing."""
    for name in ("a/trailing.", "a/trailing ", "a/what?.txt"):
        assert bs.parse_listing_line("%s\t1\t%s" % (sha(b"x"), name))["path"] == name
    for name in ("a/../b", "a//b", "./a", "a\\b", "C:/a", "a/\x01"):
        with pytest.raises(bs.BackupSetError):
            bs.parse_listing_line("%s\t1\t%s" % (sha(b"x"), name))
    recorded = text_of({"a/trailing.": b"1", "b": b"2"})
    found = text_of({"a/trailing.": b"changed", "b": b"2"})
    bad, extra, count = bs.listing_differences(FOLDER, [recorded.splitlines()], [found.splitlines()])
    assert list(bad) == [FOLDER + "/a/trailing."] and not extra and count == 1


def test_planted_manifest_rule_on_listing_paths_refuses_the_listing(monkeypatch):
    """The defect the looser rule fixes: with the manifest's rule, the same merge raises instead of naming."""
    monkeypatch.setattr(bs, "check_listing_path", bs.check_manifest_path)
    recorded = text_of({"a/trailing.": b"1"})
    with pytest.raises(bs.BackupSetError):
        bs.listing_differences(FOLDER, [recorded.splitlines()], [recorded.splitlines()])


class FailingHost(Host):
    """Host whose `fail` payload throws from its second page on (a listing that became unreadable, bytes that are
    not UTF-8, a WinRM drop), as run_payload raises it: PayloadError, an AnsibleActionFail."""

    def __init__(self, files, stored, fail):
        super().__init__(files, stored)
        self.fail = fail

    def payload(self, name, parameters):
        if name == self.fail and parameters.get("Count") and (parameters.get("Offset") or parameters.get("After")):
            raise payload_mod.PayloadError("Exception calling \"ReadLine\": Unable to translate bytes [FF]")
        return super().payload(name, parameters)


@pytest.mark.parametrize("side, key", [("lync_file_listing_page", "stored"), ("lync_file_listing", "found")])
def test_a_page_that_fails_marks_the_store_not_the_run(side, key):
    """Review listing2 finding 2: a failed page names the side it was reading; verify and retention go on."""
    now = dict(FILES)
    now["a/02400.txt"] = b"changed"
    bad, extra = set_reader.check_store(FailingHost(now, text_of(FILES), side), SET, listing_of(FILES), deep=True)
    assert not extra
    if key == "stored":
        assert list(bad) == [bs.listing_path(FOLDER)]
        assert bad[bs.listing_path(FOLDER)].startswith(
            bs.listing_path(FOLDER) + " could not be read page by page: lync_file_listing_page (from byte ")
    else:
        assert list(bad) == [FOLDER + "/"]
        assert bad[FOLDER + "/"].startswith(FOLDER + "/ could not be listed page by page: lync_file_listing (after ")
    assert "Unable to translate bytes [FF]" in bad[list(bad)[0]]


def test_planted_uncaught_page_failure_aborts_the_run(monkeypatch):
    """The defect finding 2 fixes: with the payload's error passed through untagged, check_store raises."""
    def untagged(action, payload, path, **extra):
        value = action.payload(payload, dict(extra, Path=path, Count=set_reader.PAGE_LINES, After="", Offset=1)).value
        yield value["Lines"]
    monkeypatch.setattr(set_reader, "_pages", untagged)
    now = dict(FILES, **{"a/02400.txt": b"changed"})
    with pytest.raises(AnsibleActionFail):
        set_reader.check_store(FailingHost(now, text_of(FILES), "lync_file_listing_page"), SET, listing_of(FILES),
                               deep=True)


class ErrorHost(Host):
    """The host's listing reports entries it could not list (a junction, a name with an unpaired surrogate): they
    leave no line, so the listing's text and hash are unchanged."""

    ERRORS = ["a/junction: a reparse point (junction or symbolic link), not followed",
              "a/bad?.txt: the name holds an unpaired UTF-16 surrogate (no UTF-8 form); not listed"]

    def payload(self, name, parameters):
        answer = super().payload(name, parameters)
        if name == "lync_file_listing":
            answer.value.update(Errors=list(self.ERRORS), ErrorCount=len(self.ERRORS))
        return answer


@pytest.mark.parametrize("deep", [True, False])
def test_listing_errors_are_named_not_blamed_on_the_stored_listing(deep):
    """Review listing2 finding 1: the host's errors are the problem; the intact listing is not accused, and the size
    check (retention) does not pass a store whose listing reported errors."""
    bad, extra = set_reader.check_store(ErrorHost(dict(FILES), text_of(FILES)), SET, listing_of(FILES), deep=deep)
    assert not extra and list(bad) == [FOLDER + "/"]
    assert bad[FOLDER + "/"] == "%s/: 2 entries could not be listed or read: %s" % (FOLDER, "; ".join(ErrorHost.ERRORS))


def test_listing_errors_with_a_changed_file_name_both():
    now = dict(FILES, **{"a/00007.txt": b"8"})
    bad, dummy = set_reader.check_store(ErrorHost(now, text_of(FILES)), SET, listing_of(FILES), deep=True)
    assert sorted(bad) == [FOLDER + "/", FOLDER + "/a/00007.txt"]
    assert bs.listing_path(FOLDER) not in bad


def test_planted_ignored_error_count_blames_the_listing_and_passes_retention(monkeypatch):
    """The defect finding 1 fixes, planted: without the host's errors, deep verify accuses the stored listing and
    the size check passes the store."""
    monkeypatch.setattr(set_reader, "_listing_errors", lambda folder, now: None)
    host = ErrorHost(dict(FILES), text_of(FILES))
    assert set_reader.check_store(host, SET, listing_of(FILES), deep=False) == ({}, [])


def test_a_size_in_other_digits_is_not_a_listing_line():
    """Review listing2 (stream.md 6): '²' passes str.isdigit() and int() then raised ValueError, not BackupSetError,
    so check_store (which catches BackupSetError) would have aborted the run on a damaged listing."""
    for size in ("\u00b2", "\u0663", "1\u00b2", "", "+1", " 1"):
        with pytest.raises(bs.BackupSetError):
            bs.parse_listing_line("%s\t%s\ta.txt" % (sha(b"x"), size))
    damaged = text_of(FILES).replace("\t4\ta/01234.txt", "\t\u00b2\ta/01234.txt")
    now = dict(FILES, **{"a/00007.txt": b"8"})
    bad, dummy = set_reader.check_store(Host(now, damaged), SET, listing_of(FILES), deep=True)
    assert list(bad) == [bs.listing_path(FOLDER)] and "is not <SHA-256> TAB <bytes> TAB <path>" in bad[bs.listing_path(FOLDER)]


def test_a_stored_listing_that_does_not_exist_is_a_failed_page_not_an_empty_listing():
    """lync_file_listing_page answers a missing file with Exists false and no lines: read as an empty listing, a
    missing one would match a store with nothing in it and hide every difference (the link check's own listing)."""
    class Missing:
        def payload(self, name, parameters):
            assert name == "lync_file_listing_page"
            return payload_mod.PayloadResult({"Exists": False, "Offset": parameters["Offset"], "Lines": []}, False, [])
    with pytest.raises(set_reader.PageFailed, match="does not exist") as caught:
        list(set_reader.listing_pages(Missing(), SET, "listings/x.tsv"))
    assert caught.value.side == "stored"
