"""The bench's figures from what a run recorded (pure computations; tests/unit/test_bench_figures.py).

Inputs: the remote calls the lab recorded (lync_lab/calls.py: host, name, start, end, bytes moved) and
the task starts the bench's callback recorded (callback_plugins/bench_tasks.py: time, name, action,
role, state). See docs/performance.md for what each figure means.
"""

import collections

# The backup's phases in the order they depend on each other (docs/performance.md, "Critical path").
PHASES = ("start", "discovery", "plan", "open", "items", "close", "verify", "retention", "unlock", "report")

# Remote calls of the items phase by item kind (payload or stand-in module name).
ITEM_KINDS = {
    "lync_sql_backup": "SQL backup",
    "lync_filestore_copy": "file store",
    "lync_backup_set_scan": "file store",
    "lync_file_inventory": "file store",
    "lync_cms_export": "exports",
    "lync_data_export": "exports",
    "lync_cert_probe": "certificates",
    "lync_cert_export": "certificates",
}
# Otherwise (lync_backup_set_write_files, ...) by the task that ran them (its action's last name).
TASK_KINDS = {
    "lync_sql_backup": "SQL backup",
    "lync_filestore_copy": "file store",
    "lync_backup_set_info": "file store",
    "lync_cms_export": "exports",
    "lync_data_export": "exports",
    "lync_cert_export": "certificates",
}
# The set's top folders that hold each item kind's bytes.
KIND_FOLDERS = {"SQL backup": ("sql",), "file store": ("filestores",), "exports": ("cms", "pools"),
                "certificates": ("certs",)}


def _task_phase(task, current):
    """The phase a task starts, or None when it continues the current one."""
    action = (task.get("action") or "").rsplit(".", 1)[-1]
    role = task.get("role") or ""
    state = task.get("state")
    if task.get("name") == "(end of the run)":
        return "report"
    if role.endswith("discover"):
        return "discovery"
    if action == "lync_backup_set" and state == "unlocked" and current == "open":
        return None  # the playbook's first play ends with the lock's release for a failed open (skipped otherwise)
    if action == "lync_backup_set" and state in ("opened", "closed", "unlocked"):
        return {"opened": "open", "closed": "close", "unlocked": "unlock"}[state]
    if action == "lync_backup_retention":
        return "retention"
    if action == "lync_backup_set_info" and current in ("close", "verify"):
        return "verify"
    if current == "discovery":
        return "plan"
    if current == "open":
        return "items"
    if current == "unlock":
        return "report"
    return None


def phase_marks(tasks):
    """[(time, phase)]: when each phase began, from the task starts (oldest first)."""
    marks = []
    current = "start"
    for task in sorted(tasks, key=lambda t: t["time"]):
        phase = _task_phase(task, current)
        if phase and phase != current:
            marks.append((task["time"], phase))
            current = phase
    return marks


def phase_of(time, marks):
    """The phase running at `time`: the last one begun at or before it."""
    current = "start"
    for began, phase in marks:
        if began > time:
            break
        current = phase
    return current


def task_at(time, tasks):
    """The action (last name) of the last task started at or before `time`."""
    action = None
    for task in sorted(tasks, key=lambda t: t["time"]):
        if task["time"] > time:
            break
        action = (task.get("action") or "").rsplit(".", 1)[-1]
    return action


def kind_of(call, phase, tasks=()):
    """What a call's bytes and time count as: its item kind in the items phase (by its name, else by the
    task running when it started: exact under the linear strategy), else its phase."""
    if phase != "items":
        return phase
    if call["name"] in ITEM_KINDS:
        return ITEM_KINDS[call["name"]]
    return TASK_KINDS.get(task_at(call["start"], tasks), "items: %s" % call["name"])


def remote_time(call):
    """A call's time as a real host would spend it: its duration less the lab's own time."""
    return call["end"] - call["start"] - call.get("lab", 0.0)


def lab_work(call, latency, per_mb):
    """A call's time in the lab's engine (or stand-in module) under the lab lock: its remote time less the
    delays the `slow` fault injected after it (payloads get `latency`; stand-in modules, whose names do not
    start with lync_, do not; both get per_mb seconds per MiB moved between hosts)."""
    network = sum(m["bytes"] for m in call.get("bytes") or [] if m["actor"] != m["disk"])
    injected = (latency if call["name"].startswith("lync_") else 0.0) + per_mb * network / 2.0 ** 20
    return max(remote_time(call) - injected, 0.0)


def critical_path(calls, marks):
    """({phase: seconds}, total): the longest chain of remote time given the dependencies. Phases run one
    after another; within a phase each host's calls run one after another and hosts run in parallel, so a
    phase's length is its busiest host's remote time in it, and the chain is the sum over phases. A call's
    remote time leaves out the lab's own time (its "lab" seconds: the lab lock and state, calls.py)."""
    per_host = collections.defaultdict(float)
    for call in calls:
        per_host[(phase_of(call["start"], marks), call["host"])] += remote_time(call)
    lengths = {}
    for (phase, dummy), seconds in per_host.items():
        lengths[phase] = max(lengths.get(phase, 0.0), seconds)
    return lengths, sum(lengths.values())


def phase_span(marks, phase, end=None):
    """Wall seconds from the start of `phase` to the start of the next phase (or `end`), None if absent."""
    for index, (began, name) in enumerate(marks):
        if name == phase:
            until = marks[index + 1][0] if index + 1 < len(marks) else end
            return None if until is None else until - began
    return None


def byte_counts(calls, marks, backup_host, tasks=()):
    """{kind: {"network": bytes moved between hosts, "backup_reads": bytes read from backup_host's disk}}."""
    out = collections.defaultdict(lambda: {"network": 0, "backup_reads": 0})
    for call in calls:
        kind = kind_of(call, phase_of(call["start"], marks), tasks)
        for move in call.get("bytes") or []:
            if move["actor"] != move["disk"]:
                out[kind]["network"] += move["bytes"]
            if move["disk"] == backup_host and move["op"] == "read":
                out[kind]["backup_reads"] += move["bytes"]
    return dict(out)


def per_set_byte(counts, set_folders):
    """{kind: (network per byte, backup reads per byte, denominator bytes)}: an item kind against its own
    bytes in the set (KIND_FOLDERS), any other kind and "all" against the whole set."""
    whole = sum(set_folders.values())
    out = {}
    total = {"network": 0, "backup_reads": 0}
    for kind, count in counts.items():
        base = sum(set_folders.get(f, 0) for f in KIND_FOLDERS[kind]) if kind in KIND_FOLDERS else whole
        out[kind] = (count["network"] / float(base) if base else None,
                     count["backup_reads"] / float(base) if base else None, base)
        total["network"] += count["network"]
        total["backup_reads"] += count["backup_reads"]
    out["all"] = (total["network"] / float(whole) if whole else None,
                  total["backup_reads"] / float(whole) if whole else None, whole)
    return out
