"""A file store of many files (issue 12, "Large stores"): its file list is written on the host into the set's
listing (listings/<folder>.tsv) and travels nowhere else — no payload answer, module result, task argument or
registered variable carries more than a bound that does not grow with the store — and verify checks every file
through one hash, naming the files that differ when it does not match (docs/architecture.md "Each byte moved once",
docs/backup-set.md "Listings").

The count is what the lab's engine (PowerShell interpreted in Python) runs in reasonable time; the bench
(tests/bench/store_bench.py) measures the controller's memory at larger counts."""

import hashlib
import json
import os

from lync_lab import calls

from test_backup import BACKUP, only_set, set_folder

VERIFY = "lync.server.verify_backup"
SE = "lyncse01.contoso.local"
SIGNING_KEY = "lab-Vault-Signing-Key-6f1d2a9c4e8b"  # tests/lab/topologies/standard/inventory.yml
# Files added to the standard lab's file store (a few dozen are there already).
COUNT = int(os.environ.get("LYNC_LAB_LARGE_STORE_FILES", "5000"))
# What any single answer, result, argument or record may weigh, whatever COUNT is. The format-1 close carried
# about 200 bytes a file back from the host, into the manifest and through task arguments: 4 MB at 20,000 files.
BOUND = 256 * 1024


def grow_store(lab, count):
    """count small files under the store's share, in folders of 500 (as meeting content lies)."""
    share = lab.host_root(SE) / "C" / "LyncShare" / "1-WebServices-1" / "bulk"
    for n in range(count):
        folder = share / ("%03d" % (n // 500))
        if n % 500 == 0:
            folder.mkdir(parents=True, exist_ok=True)
        (folder / ("f%06d.dat" % n)).write_bytes(b"%d\n" % n)
    return share


def sizes(run, record):
    """The largest JSON (bytes) among every payload's parameters and answer, and every task's arguments and
    result (registered variables are task results), with who carried it."""
    found = [(c["args_bytes"], "parameters of %s" % c["name"]) for c in calls.load(record) if "args_bytes" in c]
    found += [(c["result_bytes"], "answer of %s" % c["name"]) for c in calls.load(record) if "result_bytes" in c]
    found += [(len(json.dumps(r["result"], default=str)), "result of %s" % r["task"]) for r in run.records]
    found += [(r["args_bytes"], "arguments of %s" % r["task"]) for r in run.records]
    return sorted(found)


def test_a_large_store_is_listed_on_the_host_and_verified_through_its_listing(
        make_lab, run_playbook, tmp_path, monkeypatch):
    lab = make_lab("standard")
    grow_store(lab, COUNT)
    record = tmp_path / "calls.jsonl"
    monkeypatch.setenv("LYNC_LAB_CALLS", str(record))
    run = run_playbook(lab, BACKUP)
    assert run.rc == 0, run.output[-4000:]
    set_id, manifest = only_set(lab)
    assert manifest["status"] == "complete" and manifest["format"] == 2
    (store,) = [i for i in manifest["items"] if i["kind"] == "filestore"]
    listing = store["listing"]
    assert listing["files"] >= COUNT and store["files"] == [{k: listing[k] for k in ("path", "bytes", "sha256")}]
    # The listing in the set is the canonical text of the store's copy, byte for byte, and its hash is the
    # manifest's (which manifest.sig signs).
    folder = set_folder(lab, set_id)
    data = (folder / listing["path"]).read_bytes()
    assert hashlib.sha256(data).hexdigest().upper() == listing["sha256"] and len(data) == listing["bytes"]
    copied = folder / listing["folder"]
    files = sorted((p for p in copied.rglob("*") if p.is_file()),
                   key=lambda p: p.relative_to(copied).as_posix().encode("utf-16-be", "surrogatepass"))
    assert len(files) == listing["files"]
    assert data.decode("utf-8") == "".join(
        "%s\t%d\t%s\n" % (hashlib.sha256(p.read_bytes()).hexdigest().upper(), p.stat().st_size,
                          p.relative_to(copied).as_posix()) for p in files)
    # Nothing that crossed WinRM or Ansible carried the file list: every size is bounded independently of COUNT.
    biggest = sizes(run, record)[-1]
    assert biggest[0] < BOUND, biggest
    assert len((folder / "manifest.json").read_bytes()) < BOUND

    # Verify (the restore test's hash check: lync_backup_set_info verify) passes through the listing's hash.
    record.unlink()
    run = run_playbook(lab, VERIFY, "-e", "lync_backup_set_id=%s" % set_id)
    assert run.rc == 0, run.output[-4000:]
    assert sizes(run, record)[-1][0] < BOUND, sizes(run, record)[-1]
    assert [c["name"] for c in calls.load(record) if c["name"].startswith("lync_file_listing")] == ["lync_file_listing"]
    assert not (folder / listing["path"]).with_suffix(".tsv.tmp").exists()

    # Planted defects: a file changed in the store's copy, then the listing edited on the share.
    changed = next(copied.rglob("f%06d.dat" % (COUNT // 2)))
    changed.write_bytes(b"tampered\n")
    run = run_playbook(lab, VERIFY, "-e", "lync_backup_set_id=%s" % set_id)
    assert run.rc != 0
    named = changed.relative_to(folder).as_posix()
    assert named in run.output and "has 9 bytes" in run.output, run.output[-3000:]
    changed.write_bytes(b"%d\n" % (COUNT // 2))
    text = data.decode("utf-8")
    line = next(entry for entry in text.splitlines() if entry.endswith("f%06d.dat" % 7))
    (folder / listing["path"]).write_bytes(text.replace(line, line.replace("\t2\t", "\t3\t")).encode("utf-8"))
    run = run_playbook(lab, VERIFY, "-e", "lync_backup_set_id=%s" % set_id)
    assert run.rc != 0
    assert listing["path"] in run.output, run.output[-3000:]


def test_a_set_written_before_listings_is_still_verified_file_by_file(make_lab, run_playbook, tmp_path):
    """A format-1 set (each store file in the manifest, no listing) still reads, verifies and names a bad file."""
    lab = make_lab("standard")
    run = run_playbook(lab, BACKUP)
    assert run.rc == 0, run.output[-4000:]
    set_id, manifest = only_set(lab)
    folder = set_folder(lab, set_id)
    # Rewrite the set as the collection wrote it before: the store's files listed in its item, no listing, format 1.
    (store,) = [i for i in manifest["items"] if i["kind"] == "filestore"]
    listing = store.pop("listing")
    (folder / listing["path"]).unlink()
    (folder / "listings").rmdir()
    store["files"] = [{"path": "%s/%s" % (listing["folder"], p.relative_to(folder / listing["folder"]).as_posix()),
                       "bytes": p.stat().st_size, "sha256": hashlib.sha256(p.read_bytes()).hexdigest().upper()}
                      for p in sorted((folder / listing["folder"]).rglob("*")) if p.is_file()]
    manifest["format"] = 1
    from ansible_collections.lync.server.plugins.plugin_utils import backup_set as bs  # pylint: disable=import-outside-toplevel
    text = bs.document_text(manifest)
    (folder / "manifest.json").write_bytes(text.encode("utf-8"))
    (folder / "manifest.sig").write_bytes((bs.sign(text, SIGNING_KEY) + "\n").encode("utf-8"))
    run = run_playbook(lab, VERIFY, "-e", "lync_backup_set_id=%s" % set_id)
    assert run.rc == 0, run.output[-4000:]
    victim = folder / store["files"][0]["path"]
    victim.write_bytes(victim.read_bytes() + b"x")
    run = run_playbook(lab, VERIFY, "-e", "lync_backup_set_id=%s" % set_id)
    assert run.rc != 0 and store["files"][0]["path"] in run.output, run.output[-3000:]
