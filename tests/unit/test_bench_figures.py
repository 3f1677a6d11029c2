"""The bench's pure computations (tests/bench/bench_figures.py): phases from task starts, the critical path
with its dependencies, and bytes per set byte by item kind."""

import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "bench"))

import bench_figures as bf  # noqa: E402  pylint: disable=wrong-import-position,import-error

TASKS = [
    {"time": 0, "name": "Choose", "action": "ansible.builtin.set_fact", "role": "lync.server.backup", "state": None},
    {"time": 1, "name": "Gather", "action": "lync.server.lync_facts", "role": "lync.server.discover", "state": None},
    {"time": 10, "name": "Plan", "action": "ansible.builtin.set_fact", "role": "lync.server.backup", "state": None},
    {"time": 11, "name": "Open", "action": "lync.server.lync_backup_set", "role": "lync.server.backup",
     "state": "opened"},
    {"time": 12, "name": "SQL", "action": "lync.server.lync_sql_backup", "role": "lync.server.backup", "state": None},
    {"time": 20, "name": "List", "action": "lync.server.lync_backup_set_info", "role": "lync.server.backup",
     "state": None},
    {"time": 30, "name": "Close", "action": "lync.server.lync_backup_set", "role": "lync.server.backup",
     "state": "closed"},
    {"time": 32, "name": "Verify", "action": "lync.server.lync_backup_set_info", "role": "lync.server.backup",
     "state": None},
    {"time": 34, "name": "Retention", "action": "lync.server.lync_backup_retention", "role": "lync.server.backup",
     "state": None},
    {"time": 36, "name": "Unlock", "action": "lync.server.lync_backup_set", "role": "lync.server.backup",
     "state": "unlocked"},
    {"time": 37, "name": "(end of the run)", "action": None, "role": None, "state": None},
]


def call(host, name, start, end, moves=()):
    return {"host": host, "name": name, "start": start, "end": end,
            "bytes": [{"actor": a, "disk": d, "op": o, "bytes": n} for a, d, o, n in moves]}


def test_phases_follow_the_tasks():
    marks = bf.phase_marks(TASKS)
    assert [p for dummy, p in marks] == ["discovery", "plan", "open", "items", "close", "verify", "retention",
                                         "unlock", "report"]
    # the file store's listing (lync_backup_set_info) inside the items phase is not the set's verify
    assert bf.phase_of(21, marks) == "items" and bf.phase_of(33, marks) == "verify"
    assert bf.phase_span(marks, "discovery") == 9 and bf.phase_span(marks, "items") == 18


def test_the_release_after_the_open_is_not_the_unlock_phase():
    """The playbook's first play ends with the lock's release for a failed open (skipped when the open answered):
    its start must not end the open and begin the unlock phase before the items."""
    release = {"time": 11.5, "name": "Release when the open failed", "action": "lync.server.lync_backup_set",
               "role": "lync.server.backup", "state": "unlocked"}
    marks = bf.phase_marks(TASKS + [release])
    assert [p for dummy, p in marks] == ["discovery", "plan", "open", "items", "close", "verify", "retention",
                                         "unlock", "report"]
    assert bf.phase_of(15, marks) == "items" and bf.phase_span(marks, "items") == 18


def test_critical_path_chains_phases_and_takes_the_busiest_host_of_each():
    marks = bf.phase_marks(TASKS)
    calls = [call("fe1", "lync_host_probe", 2, 3), call("fe2", "lync_host_probe", 2, 4),  # discovery: 2
             call("fe1", "lync_topology_probe", 4, 5),                                    # fe1: 1 + 1 = 2
             call("bk", "lync_backup_set_open", 11, 11.5),                                # open: 0.5
             call("be", "lync_sql_backup", 12, 18), call("fs", "lync_filestore_copy", 12, 15),   # items: be 6,
             call("fs", "lync_file_inventory", 20, 24),                                   # fs 3 + 4 = 7
             call("bk", "lync_backup_set_write_files", 30, 31),                           # close: 1
             call("bk", "lync_file_inventory", 32, 33.5),                                 # verify: 1.5
             call("bk", "lync_backup_set_unlock", 36, 36.25),                             # unlock: 0.25
             dict(call("bk", "lync_backup_set_unlock", 36.5, 39), lab=2.5)]  # only waited for the lab lock
    lengths, total = bf.critical_path(calls, marks)
    assert lengths == {"discovery": 2, "open": 0.5, "items": 7, "close": 1, "verify": 1.5, "unlock": 0.25}
    assert total == 12.25


def test_bytes_per_set_byte_by_item_kind():
    marks = bf.phase_marks(TASKS)
    calls = [call("be", "lync_sql_backup", 12, 13, [("be", "bk", "write", 100), ("be", "bk", "read", 100),
                                                    ("fe", "bk", "read", 100)]),
             call("fs", "lync_filestore_copy", 13, 14, [("fs", "fs", "read", 500), ("fs", "bk", "write", 500)]),
             call("bk", "lync_file_inventory", 32, 33, [("bk", "bk", "read", 1000)]),
             # a payload named for no item kind counts for the task that ran it
             call("be", "lync_backup_set_write_files", 14, 15, [("be", "bk", "write", 20), ("be", "bk", "read", 20)])]
    counts = bf.byte_counts(calls, marks, "bk", TASKS)
    assert counts == {"SQL backup": {"network": 340, "backup_reads": 220},
                      "file store": {"network": 500, "backup_reads": 0},
                      "verify": {"network": 0, "backup_reads": 1000}}
    ratios = bf.per_set_byte(counts, {"sql": 100, "filestores": 500, "manifest.json": 400})
    assert ratios["SQL backup"] == (3.4, 2.2, 100)
    assert ratios["file store"] == (1.0, 0.0, 500)
    assert ratios["verify"] == (0.0, 1.0, 1000)
    assert ratios["all"] == (0.84, 1.22, 1000)


def test_lab_work_leaves_out_the_injected_delays():
    payload = dict(call("be", "lync_sql_backup", 10, 15, [("be", "bk", "write", 2 ** 20), ("be", "be", "read", 2 ** 20)]),
                   lab=0.5)
    assert bf.lab_work(payload, latency=2, per_mb=1) == 1.5  # 5 - 0.5 lab - 2 per call - 1 for the MiB that crossed
    robocopy = call("fs", "win_robocopy", 10, 13, [("fs", "bk", "write", 2 ** 20)])
    assert bf.lab_work(robocopy, latency=2, per_mb=1) == 2  # no per-call delay for a stand-in module
