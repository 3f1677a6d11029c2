"""Controller memory for a large file store (issue 12, "Large stores"): run by hand, prints a table.

    python tests/bench/store_bench.py [10000 100000 500000]     (from the checkout, with ansible-core installed)

For each file count it runs the controller's own code of the close and of verify, with a stand-in host that
answers the payloads as the lab's engine does (lync_file_listing: a summary or a page of lines;
lync_file_listing_page: a page of the stored listing), and measures with tracemalloc the controller's peak
memory and the largest payload answer it received:

* close (format 2): backup_plan.settle with the store's listing summary, validate_manifest, the manifest's text.
* verify, intact: set_reader.check_store (one hash compared).
* verify, damaged: every file differs by one byte: the two listings merged page by page, MAX_NAMED named.
* format 1, for comparison: what the close did before listings: the whole store's listing back from the host
  (about 200 bytes a file), settle into the manifest, and the manifest's text.

No timed assertion anywhere: the figures go into docs/performance.md ("Large stores").
"""

import gc
import hashlib
import json
import pathlib
import sys
import tracemalloc

# The checkout as the collection lync.server (.cache/collections/ansible_collections/lync/server -> checkout).
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / ".cache" / "collections"))

from ansible_collections.lync.server.plugins.plugin_utils import backup_plan  # noqa: E402 pylint: disable=wrong-import-position
from ansible_collections.lync.server.plugins.plugin_utils import backup_set as bs  # noqa: E402 pylint: disable=wrong-import-position
from ansible_collections.lync.server.plugins.plugin_utils import set_reader  # noqa: E402 pylint: disable=wrong-import-position

FOLDER = "filestores/fs01.contoso.local_share"
SET = "\\\\backup01\\LyncBackup\\lync-20261124T020000Z-abcdef"
TOPOLOGY = {"pools": [], "cms": {"pool": None}, "sql_stores": [],
            "file_stores": [{"fqdn": "fs01.contoso.local", "share": "share", "unc": "\\\\fs01.contoso.local\\share"}]}


def name(n):
    return "1-WebServices-1/CollabContent/%03d/%08d/content-%08d.dat" % (n // 10000, n, n)


def digest(n, damaged=False):
    return hashlib.sha256(b"%d%s" % (n, b"!" if damaged else b"")).hexdigest().upper()


class Answer:  # pylint: disable=too-few-public-methods
    """A payload's answer (.value), as LyncAction.payload returns it (one class: a class per answer would be
    cyclic garbage that only the collector frees, and would be measured as if the controller held it)."""

    def __init__(self, value):
        self.value = value


class Host:
    """The host's side, generated line by line (the host's memory is not the controller's)."""

    def __init__(self, count, damaged=False):
        self.count, self.damaged, self.largest = count, damaged, 0
        self.at_offset, self.after_path = {0: 0}, {"": 0}

    def line(self, n, damaged):
        return bs.listing_line(digest(n, damaged), 100 + n % 1000, name(n))

    def text_hash(self, damaged):
        sha, size = hashlib.sha256(), 0
        for n in range(self.count):
            data = (self.line(n, damaged) + "\n").encode("utf-8")
            sha.update(data)
            size += len(data)
        return sha.hexdigest().upper(), size

    def payload(self, payload, parameters):
        count = parameters.get("Count", 0)
        if payload == "lync_file_listing_page":
            # The cursor is a byte offset: the line it starts at, remembered from the page that ended there.
            first = self.at_offset.get(parameters.get("Offset", 0), self.count)
            lines = [self.line(n, False) for n in range(first, min(self.count, first + count))]
            self.at_offset[parameters.get("Offset", 0) + sum(len(x.encode("utf-8")) + 1 for x in lines)] = first + len(lines)
            value = {"Exists": True, "Offset": parameters.get("Offset", 0), "Lines": lines}
        elif count:
            # The cursor is the last path of the previous page (names sort as their numbers do).
            first = self.after_path.get(parameters.get("After") or "", self.count)
            lines = [self.line(n, self.damaged) for n in range(first, min(self.count, first + count))]
            if lines:
                self.after_path[name(first + len(lines) - 1)] = first + len(lines)
            value = {"Files": len(lines), "Errors": [], "ErrorCount": 0, "Lines": lines}
        else:
            sha, size = self.text_hash(self.damaged)
            value = {"Files": self.count, "FileBytes": 0, "Bytes": size, "Sha256": sha, "Errors": [], "ErrorCount": 0}
        self.largest = max(self.largest, len(json.dumps(value)))
        return Answer(value)


def manifest_with_store():
    plan = backup_plan.plan(TOPOLOGY, {}, {})
    item = next(i for i in plan if i["kind"] == "filestore")
    doc = {"format": bs.FORMAT, "set_id": "lync-20261124T020000Z-abcdef", "status": "complete", "topology": TOPOLOGY,
           "started": "2026-11-24T02:00:00Z", "finished": "2026-11-24T03:00:00Z", "errors": [],
           "items": [{"id": i["id"], "kind": i["kind"], "scope": i["scope"], "host": "h", "status": "ok", "error": None,
                      "files": [], "details": {"folder": FOLDER} if i is item else {}} for i in plan]}
    return doc, item["id"]


def measured(function):
    gc.collect()
    tracemalloc.start()
    try:
        function()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def close_v2(count):
    host = Host(count)

    def run():
        doc, item_id = manifest_with_store()
        summary = host.payload("lync_file_listing", {"Path": "x", "ListingPath": "y"}).value
        backup_plan.settle(doc, {}, (), {}, {item_id: summary})
        bs.validate_manifest(doc)
        run.size = len(bs.document_text(doc))
    return measured(run), host.largest, run.size


def close_v1(count):
    def run():
        doc, dummy = manifest_with_store()
        # The format-1 close: every file back from the host, into settle and the manifest.
        answer = json.dumps({"Exists": True, "Files": [{"Path": name(n), "Bytes": 100 + n % 1000, "Sha256": digest(n),
                                                        "Error": None} for n in range(count)]})
        run.largest = len(answer)
        files = json.loads(answer)["Files"]
        del answer
        item = next(i for i in doc["items"] if i["kind"] == "filestore")
        item["files"] = [{"path": "%s/%s" % (FOLDER, f["Path"]), "bytes": f["Bytes"], "sha256": f["Sha256"]}
                         for f in files]
        del files
        run.size = len(bs.document_text(doc))
    return measured(run), run.largest, run.size


def verify(count, damaged):
    host = Host(count, damaged)
    sha, size = Host(count).text_hash(False)
    listing = {"path": bs.listing_path(FOLDER), "bytes": size, "sha256": sha, "folder": FOLDER, "files": count,
               "file_bytes": 0}
    out = {}

    def run():
        out["bad"], dummy = set_reader.check_store(host, SET, listing, deep=True)
    return measured(run), host.largest, len(out["bad"])


def mib(value):
    return "%.1f MiB" % (value / 2.0 ** 20)


def main(counts):
    print("| files | close, format 2: peak / largest answer / manifest | verify intact: peak / largest answer "
          "| verify, every file damaged: peak / largest answer / named | close, format 1: peak / largest answer / manifest |")
    print("|---|---|---|---|---|")
    for count in counts:
        v2 = close_v2(count)
        ok = verify(count, False)
        bad = verify(count, True)
        v1 = close_v1(count)
        print("| %d | %s / %d B / %d B | %s / %d B | %s / %d B / %d | %s / %s / %s |" % (
            count, mib(v2[0]), v2[1], v2[2], mib(ok[0]), ok[1], mib(bad[0]), bad[1], bad[2],
            mib(v1[0]), mib(v1[1]), mib(v1[2])))
        sys.stdout.flush()


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [10000, 100000, 500000])
