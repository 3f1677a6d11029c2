"""Which statements of each payload the lab has run: a planted defect on a line no lab test runs
goes unseen, so the lab keeps count.

With LYNC_LAB_COVERAGE_DIR set, every engine run of a payload appends the line numbers of the
statements it ran to <dir>/<payload>.<pid>.lines; `report(dir)` compares them with every statement
line of the payload (the children of its statement lists, as the evaluator runs them). tests/lab's
conftest sets the directory for the session and prints the report at the end (`make test`).
"""

import json
import os
import pathlib

from . import psparse

PAYLOAD_DIR = pathlib.Path(__file__).resolve().parents[3] / "plugins" / "plugin_utils" / "payloads"


def statement_lines(text):
    """The first line of every statement in a script (what the engine counts as it runs them)."""
    tree, dummy = psparse.parse(text)
    lines = set()
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        if node.type == "statement_list":
            lines.update(c.start_point[0] + 1 for c in node.named_children if c.type != "comment")
        stack.extend(node.children)
    return lines


def record(payload, lines):
    """Append one run's statement lines (called by boundary.winpowershell)."""
    folder = os.environ.get("LYNC_LAB_COVERAGE_DIR")
    if not folder or not lines:
        return
    path = pathlib.Path(folder) / ("%s.%d.lines" % (payload, os.getpid()))
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(sorted(lines)) + "\n")


def report(folder, payload_dir=PAYLOAD_DIR):
    """{payload: (statements run, statements, [lines never run])} for every payload."""
    ran = {}
    for path in pathlib.Path(folder).glob("*.lines"):
        name = path.name.split(".", 1)[0]
        for line in path.read_text(encoding="utf-8").splitlines():
            ran.setdefault(name, set()).update(json.loads(line))
    out = {}
    for script in sorted(pathlib.Path(payload_dir).glob("*.ps1")):
        lines = statement_lines(script.read_text(encoding="utf-8"))
        done = ran.get(script.stem, set()) & lines
        out[script.stem] = (len(done), len(lines), sorted(lines - done))
    return out


def format_report(table):
    rows = ["payload statements run by the lab tests (lines never run):"]
    for name, (done, total, missing) in table.items():
        rows.append("  %-32s %3d/%-3d %s" % (name, done, total, ",".join(map(str, missing)) if missing else ""))
    done = sum(v[0] for v in table.values())
    total = sum(v[1] for v in table.values())
    rows.append("  %-32s %3d/%-3d (%.0f%%)" % ("all payloads", done, total, 100.0 * done / max(total, 1)))
    return "\n".join(rows)
