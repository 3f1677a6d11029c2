"""A takeover of the backup lock during the close, run through the backup playbook (issue 12; reviews s12 3, s13 5).

Another controller's run takes the root's lock over while this run's close lists its file stores: it moves the lock
aside (the `takeover` lab fault, step `move`, on the first listing) and has not written its own when the close's last
write reads the lock, which then answers LYNC_LOCK_MOVING; before the next try it finishes (step `finish`: its lock,
for a set of its own, written and the moved-aside one deleted). The close asks again and goes on: the staged listings
are renamed into place without their stores being read a second time, and the set closes complete.
"""

import json

from lync_lab import calls

from test_backup import BACKUP, only_set, set_folder
from test_backup_hashed_once import CLOSE, listing_calls

OTHER_RUN = "c" * 16
OTHER_LOCK = '{"set_id": "lync-20991231T000000Z-cccccc", "run": "%s", "controller": "awx02"}' % OTHER_RUN


def takeover_faults():
    root = "D:\\LyncBackup"
    return [
        {"kind": "takeover", "step": "move", "payload": "lync_file_listing_write", "times": 1, "root": root,
         "run": OTHER_RUN},
        # The last write is the second write_files call of the close (the first is its early lock check): the
        # takeover finishes just before the third, the close's second try of its last write.
        {"kind": "takeover", "step": "finish", "payload": "lync_backup_set_write_files", "after": 2, "times": 1,
         "root": root, "run": OTHER_RUN, "lock": OTHER_LOCK},
    ]


def test_a_takeover_during_the_close_is_waited_for_and_no_store_is_read_twice(
        make_lab, run_playbook, tmp_path, monkeypatch):
    lab = make_lab("enterprise")
    record = tmp_path / "calls.jsonl"
    monkeypatch.setenv("LYNC_LAB_CALLS", str(record))
    run = run_playbook(lab, BACKUP, "-e", json.dumps({"lab_faults": takeover_faults()}))
    assert run.rc == 0, run.output
    set_id, manifest = only_set(lab)
    assert manifest["status"] == "complete"
    stores = [i for i in manifest["items"] if i["kind"] == "filestore"]
    # Each store listed once; the last write was asked twice (LYNC_LOCK_MOVING, then the lock of the other set).
    assert stores and listing_calls(record) == [("backup01.contoso.local", "lync_file_listing_write")] * len(stores)
    writes = [c for c in calls.load(record)
              if c["name"] == "lync_backup_set_write_files" and c["host"] == "backup01.contoso.local"]
    assert len(writes) == 3 and writes[2]["start"] - writes[1]["end"] >= 5, writes  # LOCK_MOVING_WAIT between
    folder = set_folder(lab, set_id)
    listed = sorted(p.name for p in (folder / "listings").iterdir())
    assert listed == sorted(i["listing"]["path"].split("/", 1)[1] for i in stores)
    (closed,) = [r["result"] for r in run.results(CLOSE)]
    assert closed["set"]["trusted"] is True and closed["set"]["extra_files"] == []
    # The other run's lock stays: this run releases only its own.
    lock = lab.host_root("backup01.contoso.local") / "D" / "LyncBackup" / ".lync-backup.lock"
    assert lock.read_text() == OTHER_LOCK and closed["lock_released"] is False
