"""A record of the lab's remote calls, for the bench (tests/bench/) and tests that count them.

With LYNC_LAB_CALLS naming a file, every win_powershell payload call and every stand-in module
run under the lab lock (win_robocopy, ...) appends one JSON line when it ends:
{"host", "name", "start", "end"} (time.time() seconds; injected `slow` delays included). The
lab state is untouched; without the variable nothing is written.
"""

import contextlib
import json
import os
import time


@contextlib.contextmanager
def recorded(host, name):
    """Time the body as one remote call of `name` on `host` (when LYNC_LAB_CALLS is set)."""
    path = os.environ.get("LYNC_LAB_CALLS")
    start = time.time()
    try:
        yield
    finally:
        if path:
            line = json.dumps({"host": host, "name": name, "start": start, "end": time.time()})
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
