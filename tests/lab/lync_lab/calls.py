"""A record of the lab's remote calls, for the bench (tests/bench/) and tests that count them.

With LYNC_LAB_CALLS naming a file, every win_powershell payload call and every stand-in module
run under the lab lock (win_robocopy, ...) appends one JSON line when it ends:
{"host", "name", "start", "end", "lab", "bytes", "args_bytes", "result_bytes"} (time.time() seconds; injected `slow` delays included;
"lab": the seconds of it spent waiting for the lab lock and loading and saving the lab state, the lab's
own cost: the lock makes the lab run one payload at a time, where real hosts work at once; "cpu": the
user + system CPU seconds of the process that ran the call, when it ended: a module run is one process,
so this is the lab's share of the controller's CPU, which on a real deployment the host spends).
The lab state is untouched; without the variable nothing is written.

"bytes" lists the file bytes the call moved, one entry per (actor, disk, op): `actor` the host that
read or wrote (the session's host, or the SQL Server that runs a BACKUP / RESTORE), `disk` the host
whose disk holds the file, `op` "read" or "write", `bytes`. A byte with actor != disk crossed the
lab's network (SMB). fsops counts them (moved()); they are counted only while a call is recorded,
or while a `slow` fault with a per-byte cost needs them (count_bytes()), so the lab's normal runs
pay nothing.
"""

import contextlib
import json
import os
import resource
import time

# The running call: {"tally": {(actor, disk, op): bytes} or None when not counting, "lab": seconds}.
_CURRENT = []


def moved(actor, disk, operation, count):
    """Count `count` file bytes read or written (operation) by host `actor` on `disk`'s disk, when counting."""
    if _CURRENT and _CURRENT[-1]["tally"] is not None and count:
        key = (actor, disk, operation)
        _CURRENT[-1]["tally"][key] = _CURRENT[-1]["tally"].get(key, 0) + count


def count_bytes():
    """Count the running call's bytes even when no record is written (a per-byte cost needs them)."""
    if _CURRENT and _CURRENT[-1]["tally"] is None:
        _CURRENT[-1]["tally"] = {}


def network_bytes():
    """Bytes the running call has moved between hosts so far (0 when not counting)."""
    tally = _CURRENT[-1]["tally"] if _CURRENT else None
    return sum(n for (actor, disk, dummy), n in (tally or {}).items() if actor != disk)


def note_sizes(arguments, result):
    """Record the JSON size of the running call's parameters and of its result (what crossed WinRM each way, as
    text): tests bound them (a file store's listing never travels whole, docs/architecture.md)."""
    if _CURRENT:
        _CURRENT[-1]["sizes"] = {"args_bytes": len(json.dumps(arguments, default=str)),
                                 "result_bytes": len(json.dumps(result, default=str))}


def lab_time(seconds):
    """Add time the running call spent on the lab itself (waiting for the lab lock, loading and saving the
    state: state.Lab.locked), which a real host would not spend."""
    if _CURRENT:
        _CURRENT[-1]["lab"] += seconds


@contextlib.contextmanager
def recorded(host, name):
    """Time the body as one remote call of `name` on `host` (when LYNC_LAB_CALLS is set)."""
    path = os.environ.get("LYNC_LAB_CALLS")
    start = time.time()
    _CURRENT.append({"tally": {} if path else None, "lab": 0.0})
    try:
        yield
    finally:
        current = _CURRENT.pop()
        if path:
            tally = sorted((current["tally"] or {}).items())
            moves = [{"actor": a, "disk": d, "op": o, "bytes": n} for (a, d, o), n in tally]
            usage = resource.getrusage(resource.RUSAGE_SELF)
            line = json.dumps({"host": host, "name": name, "start": start, "end": time.time(),
                               "lab": round(current["lab"], 6), "cpu": round(usage.ru_utime + usage.ru_stime, 3),
                               "bytes": moves, **current.get("sizes", {})})
            with open(path, "a", encoding="utf-8") as handle:  # one short append: whole lines
                handle.write(line + "\n")


def load(path):
    """The recorded calls, oldest start first."""
    try:
        with open(path, encoding="utf-8") as handle:
            calls = [json.loads(line) for line in handle if line.strip()]
    except FileNotFoundError:
        return []
    return sorted(calls, key=lambda c: c["start"])


def max_concurrent(calls, since=None, until=None):
    """The most calls running at the same moment (optionally only calls that start in [since, until])."""
    events = []
    for call in calls:
        if since is not None and call["start"] < since:
            continue
        if until is not None and call["start"] > until:
            continue
        events += [(call["start"], 1), (call["end"], -1)]
    running = best = 0
    for step in [e[1] for e in sorted(events)]:  # (time, -1) sorts before (time, 1): an end before a start at the same moment
        running += step
        best = max(best, running)
    return best
