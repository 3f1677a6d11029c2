"""The close's hard-link check against format-2 and format-1 earlier sets (lync_backup_set._check_links), and the
link step's map of a format-2 earlier set (lync_filestore_link._recorded), with listings served page by page."""

import hashlib
import importlib

import pytest

from ansible.errors import AnsibleActionFail

from ansible_collections.lync.server.plugins.plugin_utils import backup_plan
from ansible_collections.lync.server.plugins.plugin_utils import backup_set as bs

ROOT = "\\\\bk01\\LyncBackup"
FOLDER = "filestores/fs01_lyncshare"
CLOSE = importlib.import_module("ansible_collections.lync.server.plugins.action.lync_backup_set").ActionModule
LINK = importlib.import_module("ansible_collections.lync.server.plugins.action.lync_filestore_link").ActionModule


class Answer:
    def __init__(self, value):
        self.value = value


class Host:
    """Serves lync_file_listing_page over {file path ending: text}; counts the pages it hands out. Serves
    lync_file_links from `links`, the store files of the new set that have more than one name (the link step's
    links; every other file has one name: robocopy copied it), and `unreadable` ({path: message})."""

    _link_problems = CLOSE._link_problems
    _links = CLOSE._links

    def __init__(self, files, links=("a.txt", "b.txt")):
        self.files, self.calls, self.asked = files, [], []
        self.links, self.unreadable = set(links), {}

    def payload(self, name, params):
        if name == "lync_file_links":
            assert params["Path"].endswith("aaaaaa\\filestores\\fs01_lyncshare")
            self.asked.append(list(params["Files"]))
            return Answer({"Linked": [p for p in params["Files"] if p in self.links and p not in self.unreadable],
                           "Failed": [{"Path": p, "Error": self.unreadable[p]} for p in params["Files"]
                                      if p in self.unreadable]})
        assert name == "lync_file_listing_page"
        self.calls.append(params)
        text = next((t for end, t in self.files.items() if params["Path"].endswith(end)), None)
        if text is None:
            raise AnsibleActionFail("LYNC_NOT_FOUND")
        # The page payload's cursor is a byte offset into the listing's UTF-8 text.
        lines = text.encode("utf-8")[params["Offset"]:].decode("utf-8").splitlines()
        return Answer({"Exists": True, "Offset": params["Offset"], "Lines": lines[:params["Count"]]})


def listing(rows):
    return bs.listing_text([(sha, 3, p) for sha, p in rows])


def store(damaged=False, earlier_text=None, fmt=2):
    before = [("A" * 64, "a.txt"), ("B" * 64, "b.txt"), ("C" * 64, "c.txt")]
    now = [("A" * 64, "a.txt"), ("E" * 64 if damaged else "B" * 64, "b.txt"), ("9" * 64, "c.txt"), ("D" * 64, "d.txt")]
    old_text = listing(before)
    path = "listings/fs01_lyncshare.tsv"
    item = {"id": "filestore:x", "kind": "filestore", "status": "ok", "error": None,
            "details": {"folder": FOLDER, "linked_from": "lync-20261124T020000Z-bbbbbb"},
            "listing": {"path": path, "folder": FOLDER}}
    earlier_item = {"id": "filestore:x", "status": "ok"}
    if fmt == 2:
        earlier_item["files"] = [{"path": path}]
        earlier_item["listing"] = {"path": path, "folder": FOLDER,
                                   "sha256": hashlib.sha256(old_text.encode("utf-8")).hexdigest().upper()}
    else:
        earlier_item["files"] = [{"path": "%s/%s" % (FOLDER, p), "bytes": 3, "sha256": s} for s, p in before]
    host = Host({"bbbbbb\\listings\\fs01_lyncshare.tsv": earlier_text if earlier_text is not None else old_text,
                 "aaaaaa\\listings\\fs01_lyncshare.tsv": listing(now)})
    manifest = {"items": [item], "status": "complete", "errors": []}
    return host, manifest, item, {"lync-20261124T020000Z-bbbbbb": {"items": [earlier_item]}}


def check(host, manifest, earlier, left=("c.txt", "d.txt")):
    CLOSE._check_links(host, ROOT, bs.set_path(ROOT, "lync-20261125T020000Z-aaaaaa"), manifest, earlier,
                       {"filestore:x": list(left)})


def test_links_that_read_as_the_earlier_listing_says_pass():
    host, manifest, item, earlier = store()
    check(host, manifest, earlier)
    assert item["status"] == "ok" and manifest["status"] == "complete" and "damaged_links" not in item["details"]
    assert len(host.calls) == 2  # one page of each listing


def test_a_damaged_earlier_copy_fails_the_store():
    host, manifest, item, earlier = store(damaged=True)
    check(host, manifest, earlier)
    assert item["status"] == "failed" and manifest["status"] == "partial"
    assert "%s/b.txt is a hard link to lync-20261124T020000Z-bbbbbb's copy" % FOLDER in item["error"]
    assert item["details"]["damaged_links"] == ["%s/b.txt" % FOLDER] and item["details"]["damaged_links_count"] == 1


def test_a_differing_file_that_is_not_a_link_does_not_blame_the_earlier_set():
    """Review hardlink3, finding 3: c.txt differs from the earlier set's record and is not on the link step's
    not-linked list (it was missing from the link step's listing: removed or being replaced while listed), but
    robocopy copied it: it has one name. The earlier set is not blamed, nothing goes to damaged_links; only the
    files that differ are asked about, never the store's list."""
    host, manifest, item, earlier = store()
    check(host, manifest, earlier, left=("d.txt",))
    assert item["status"] == "ok" and manifest["status"] == "complete" and "damaged_links" not in item["details"]
    assert host.asked == [["c.txt"]]


def test_a_differing_file_that_is_a_link_blames_the_earlier_set():
    """The same file, but the host finds it has two names (it is the earlier set's file): that copy is damaged."""
    host, manifest, item, earlier = store()
    host.links.add("c.txt")
    check(host, manifest, earlier, left=("d.txt",))
    assert item["status"] == "failed" and item["details"]["damaged_links"] == ["%s/c.txt" % FOLDER]


def test_a_differing_file_whose_links_cannot_be_read_fails_unchecked_without_blame():
    host, manifest, item, earlier = store()
    host.unreadable["c.txt"] = "Could not find file"
    check(host, manifest, earlier, left=("d.txt",))
    assert item["status"] == "failed" and "cannot be checked" in item["error"]
    assert "Could not find file" in item["error"]
    assert "damaged_links" not in item["details"]


def test_links_are_asked_about_in_bounded_batches(monkeypatch):
    monkeypatch.setattr(importlib.import_module("ansible_collections.lync.server.plugins.action.lync_backup_set"),
                        "LINK_BATCH", 1)
    host, manifest, item, earlier = store(damaged=True)
    check(host, manifest, earlier, left=())
    assert host.asked == [["b.txt"], ["c.txt"]]
    assert item["details"]["damaged_links"] == ["%s/b.txt" % FOLDER]


def test_a_changed_earlier_listing_is_not_trusted():
    """s1's listing edited to agree with the damage: its hash no longer matches s1's manifest, so nothing it says
    counts and the store fails as unchecked."""
    host, manifest, item, earlier = store(damaged=True, earlier_text=listing(
        [("A" * 64, "a.txt"), ("E" * 64, "b.txt"), ("C" * 64, "c.txt")]))
    check(host, manifest, earlier)
    assert item["status"] == "failed" and "cannot be checked" in item["error"] and "does not match" in item["error"]
    assert "damaged_links" not in item["details"]


def test_an_unreadable_earlier_listing_or_manifest_fails_the_store():
    host, manifest, item, earlier = store()
    host.files.pop("bbbbbb\\listings\\fs01_lyncshare.tsv")
    check(host, manifest, earlier)
    assert item["status"] == "failed" and "cannot be checked" in item["error"]
    host, manifest, item, earlier = store()
    check(host, manifest, {"lync-20261124T020000Z-bbbbbb": None})
    assert item["status"] == "failed" and "signature does not match" in item["error"]


def test_an_earlier_set_in_format_1_is_checked_from_its_manifest():
    host, manifest, item, earlier = store(fmt=1)
    check(host, manifest, earlier)
    assert item["status"] == "ok"
    host, manifest, item, earlier = store(damaged=True, fmt=1)
    check(host, manifest, earlier)
    assert item["status"] == "failed" and item["details"]["damaged_links"] == ["%s/b.txt" % FOLDER]


def test_a_store_that_linked_nothing_is_not_read_again():
    host, manifest, item, earlier = store(damaged=True)
    item["details"]["linked_from"] = None
    check(host, manifest, earlier)
    assert item["status"] == "ok" and host.calls == []


def test_the_link_step_walks_a_format_2_earlier_set_page_by_page(monkeypatch):
    host, manifest, item, earlier = store()
    monkeypatch.setattr("ansible_collections.lync.server.plugins.plugin_utils.set_reader.PAGE_LINES", 2)
    previous = {"set_id": "lync-20261124T020000Z-bbbbbb", "manifest": earlier["lync-20261124T020000Z-bbbbbb"]}
    walk, finish = LINK._recorded(host, ROOT, previous, "filestore:x", FOLDER)
    assert host.calls == []  # nothing read before the plan asks
    assert walk.get("%s/a.txt" % FOLDER) == (3, "A" * 64) and len(host.calls) == 1
    assert walk.get("%s/b0.txt" % FOLDER) is None and walk.get("%s/c.txt" % FOLDER) == (3, "C" * 64)
    assert finish() is None and len(host.calls) == 2
    with pytest.raises(bs.BackupSetError):
        walk.get("%s/a.txt" % FOLDER)
    host.files["bbbbbb\\listings\\fs01_lyncshare.tsv"] = listing([("A" * 64, "a.txt")])
    walk, finish = LINK._recorded(host, ROOT, previous, "filestore:x", FOLDER)
    assert walk.get("%s/a.txt" % FOLDER) == (3, "A" * 64)
    assert "does not match the SHA-256" in finish()
    previous["manifest"] = store(fmt=1)[3]["lync-20261124T020000Z-bbbbbb"]
    recorded, finish = LINK._recorded(host, ROOT, previous, "filestore:x", FOLDER)
    assert len(recorded) == 3 and finish() is None


def test_fail_item_keeps_an_earlier_error():
    doc = {"items": [{"id": "x", "status": "ok", "error": None}], "status": "complete", "errors": []}
    backup_plan.fail_item(doc, doc["items"][0], ["one", "two"])
    assert doc["errors"] == ["x: one; two"] and doc["status"] == "partial"


def test_the_close_reads_its_own_listing_under_its_staged_name():
    """The close checks links before its last write renames this set's listing into place: with a run id it reads
    listings/<store>.tsv.<run id>.staged (found by the full suite: reading the final name found no file)."""
    host, manifest, item, earlier = store(damaged=True)
    own = "aaaaaa\\listings\\fs01_lyncshare.tsv"
    host.files[own + ".%s.staged" % ("f" * 16)] = host.files.pop(own)
    CLOSE._check_links(host, ROOT, bs.set_path(ROOT, "lync-20261125T020000Z-aaaaaa"), manifest, earlier,
                       {"filestore:x": ["c.txt", "d.txt"]}, "f" * 16)
    assert item["status"] == "failed" and item["details"]["damaged_links"] == ["%s/b.txt" % FOLDER]
    assert any(c["Path"].endswith(".%s.staged" % ("f" * 16)) for c in host.calls)
