"""Bench of the nightly backup on synthetic deployments (issue 12). Run by hand, not by `make test`:

    python tests/bench/backup_bench.py --pools 1 5          # 2 s injected per remote call
    python tests/bench/backup_bench.py --pools 1 5 20 --latency 0 --latency 2

For each size it seeds a lab of N Enterprise pools (lync_lab.seed.build_pools: per pool two Front
Ends, a back end and a file server), injects the lab's `slow` fault (a fixed delay after every
payload call), runs the backup playbook as `make demo` does, and prints per size and latency:
wall time, the items phase (from the end of the set's open to the close), the most remote calls
running at once (whole run and items phase), remote calls per host (max and mean), the busiest
host's own remote time and wall / that, and controller CPU (user+sys of ansible-playbook and
everything it ran: the lab's module processes run on the controller too) in total and per host.

Remote calls are counted by the lab (LYNC_LAB_CALLS, lync_lab/calls.py): each win_powershell payload
call and each stand-in module run (win_robocopy). The file is not collected by pytest (its name does
not match test_*.py and tests/bench has no tests).
"""

import argparse
import collections
import json
import os
import pathlib
import resource
import subprocess
import sys
import tempfile
import time

import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "lab"))

from lync_lab import calls, seed  # noqa: E402  pylint: disable=wrong-import-position

sys.path.insert(0, str(ROOT / "tests" / "bench"))
import bench_figures  # noqa: E402  pylint: disable=wrong-import-position

BACKUP_HOST = "backup01.contoso.local"  # build_pools' backup server: the set's disk

LAB_VARS = {
    "ansible_connection": "lab.lync.sim",
    "ansible_python_interpreter": "{{ ansible_playbook_python }}",
    "ansible_pipelining": True,
    "lab_state_file": "{{ inventory_dir }}/state.json",
    "lync_backup_root": "\\\\backup01.contoso.local\\LyncBackup",
    "lync_network_user": "CONTOSO\\svc-lyncbackup",
    "lync_network_password": "lab-share-password",
    "lync_certificate_password": "lab-Vault-Pfx-Password-1",
    "lync_backup_signing_key": "lab-Vault-Signing-Key-6f1d2a9c4e8b",
}


# The checkout's virtualenv (make bootstrap), or the one of the python running the bench (a worktree).
VENV_BIN = ROOT / ".venv" / "bin" if (ROOT / ".venv" / "bin").is_dir() else pathlib.Path(sys.executable).parent


def env():
    """The lab environment of the Makefile's LAB_ENV."""
    venv_bin = VENV_BIN
    out = dict(os.environ)
    out.update({
        "ANSIBLE_COLLECTIONS_SCAN_SYS_PATH": "false",
        "ANSIBLE_COLLECTIONS_PATH": "%s:%s" % (ROOT / "tests" / "lab" / "collections", ROOT / ".cache" / "collections"),
        "PATH": "%s:%s" % (venv_bin, out.get("PATH", "")),
        "PYTHONPATH": str(ROOT / "tests" / "lab"),
        "PYTHONDONTWRITEBYTECODE": "",
        "PYTHONPYCACHEPREFIX": str(ROOT / ".cache" / "pycache"),
        # Module runs as processes of the run: a zygote's forks are not children the run waits for,
        # so their CPU would be missing from "controller CPU" (lync_lab/zygote.py).
        "LYNC_LAB_ZYGOTE": "off",
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_RETRY_FILES_ENABLED": "false",
    })
    return out


def make_lab(folder, pools, product):
    state, files = seed.build_pools(product, pools=pools)
    folder.mkdir(parents=True)
    seed.write(folder, state, files)
    inventory = seed.inventory_for_pools(state, LAB_VARS)
    (folder / "inventory.yml").write_text(yaml.safe_dump(inventory, sort_keys=False), encoding="utf-8")
    return len(state["hosts"])


def set_folders(lab_folder, root_share="LyncBackup", backup_host=BACKUP_HOST):
    """{top folder or file of the newest set: bytes} (the set's bytes, by item kind's folder)."""
    root = lab_folder / "fs" / backup_host / "D" / root_share
    sets = sorted((p for p in root.glob("*") if (p / "manifest.json").is_file()), key=lambda p: p.stat().st_mtime)
    out = collections.Counter()
    if sets:
        for path in sets[-1].rglob("*"):
            if path.is_file():
                out[path.relative_to(sets[-1]).parts[0]] += path.stat().st_size
    return dict(out)


def run_one(work, pools, latency, per_mb, product, forks):
    """Seed, run the backup, keep the records (run.json, calls.jsonl, tasks.jsonl) in the run's folder."""
    folder = work / ("pools%d-latency%g-mb%g" % (pools, latency, per_mb))
    host_count = make_lab(folder / "lab", pools, product)
    record, tasks = folder / "calls.jsonl", folder / "tasks.jsonl"
    slow = {"kind": "slow", "seconds": latency}
    if per_mb:
        slow["seconds_per_mb"] = per_mb
    extra = {"lab_faults": [slow] if latency or per_mb else []}
    cmd = [str(VENV_BIN / "ansible-playbook"), "-i", str(folder / "lab" / "inventory.yml"),
           "lync.server.backup", "-e", json.dumps(extra), "-f", str(forks or host_count)]
    run_env = dict(env(), LYNC_LAB_CALLS=str(record), LYNC_BENCH_TASKS=str(tasks),
                   ANSIBLE_CALLBACK_PLUGINS=str(ROOT / "tests" / "bench" / "callback_plugins"),
                   ANSIBLE_CALLBACKS_ENABLED="bench_tasks")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.time()
    proc = subprocess.run(cmd, cwd=str(folder), env=run_env, capture_output=True, text=True, check=False)
    end = time.time()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    (folder / "ansible.log").write_text(proc.stdout + proc.stderr, encoding="utf-8")
    run = {"pools": pools, "hosts": host_count, "forks": forks or host_count, "latency": latency, "per_mb": per_mb, "rc": proc.returncode,
           "start": start, "end": end, "cpu": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
           "load": os.getloadavg(), "set": set_folders(folder / "lab")}
    (folder / "run.json").write_text(json.dumps(run, indent=1), encoding="utf-8")
    return folder


def load_lines(path):
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def figures(folder):
    """The figures of one kept run (bench_figures)."""
    run = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    found = calls.load(folder / "calls.jsonl")
    tasks = load_lines(folder / "tasks.jsonl")
    marks = bench_figures.phase_marks(tasks)
    wall = run["end"] - run["start"]
    lengths, path = bench_figures.critical_path(found, marks)
    per_host = collections.Counter(c["host"] for c in found)
    items_start = next((t for t, p in marks if p == "items"), None)
    close_start = next((t for t, p in marks if p == "close"), None)
    counts = bench_figures.byte_counts(found, marks, BACKUP_HOST, tasks)
    serial = sum(bench_figures.lab_work(c, run["latency"], run["per_mb"]) for c in found)
    modules = sum(c.get("cpu", 0.0) for c in found) if found and "cpu" in found[0] else None
    return dict(run, wall=wall, critical=path, serial=serial, modules=modules,
                ansible_host=(run["cpu"] - modules) / run["hosts"] if modules is not None else None, phases=lengths, ratio=wall / path if path else None,
                discovery=bench_figures.phase_span(marks, "discovery"),
                items=bench_figures.phase_span(marks, "items"),
                concurrent_items=calls.max_concurrent(found, items_start, close_start) if close_start else None,
                calls=len(found), calls_max=max(per_host.values()) if per_host else 0,
                calls_mean=len(found) / float(run["hosts"]), cpu_host=run["cpu"] / run["hosts"],
                counts=counts, per_byte=bench_figures.per_set_byte(counts, run["set"]), folder=str(folder))


def fmt(value, pattern="%.1f"):
    return "-" if value is None else pattern % value


HEADER = ("| pools (hosts) | s per call / s per MiB | rc | wall s | critical path s | wall / critical path "
          "| discovery s | items phase s | max calls at once (items) | calls per host (max / mean) "
          "| controller CPU s (per host) | of which Ansible's, per host s | lab's serial work s | network / set byte | backup-disk reads / set byte "
          "| load (1 min) |")


def row(r):
    every = r["per_byte"]["all"]
    return "| %d (%d) | %g / %g | %d | %s | %s | %s | %s | %s | %s | %d / %s | %s (%s) | %s | %s | %s | %s | %s |" % (
        r["pools"], r["hosts"], r["latency"], r["per_mb"], r["rc"], fmt(r["wall"]), fmt(r["critical"]),
        fmt(r["ratio"], "%.2f"), fmt(r["discovery"]), fmt(r["items"]), fmt(r["concurrent_items"], "%d"),
        r["calls_max"], fmt(r["calls_mean"]), fmt(r["cpu"]), fmt(r["cpu_host"], "%.2f"),
        fmt(r["ansible_host"], "%.2f"), fmt(r["serial"]),
        fmt(every[0], "%.2f"), fmt(every[1], "%.2f"), fmt(r["load"][0], "%.1f"))


def detail(r):
    """The critical path by phase and the bytes by item kind, for one run."""
    lines = ["pools %d, %g s per call, %g s per MiB: critical path by phase: %s" % (
        r["pools"], r["latency"], r["per_mb"], ", ".join(
            "%s %.1f" % (p, r["phases"][p]) for p in bench_figures.PHASES if p in r["phases"]))]
    for kind in sorted(r["per_byte"]):
        net, reads, base = r["per_byte"][kind]
        count = r["counts"].get(kind, {"network": 0, "backup_reads": 0})
        lines.append("  %-16s network %s (%d B)  backup-disk reads %s (%d B)  per %d set bytes" % (
            kind, fmt(net, "%.2f"), count.get("network", 0) if kind != "all" else sum(
                c["network"] for c in r["counts"].values()), fmt(reads, "%.2f"),
            count.get("backup_reads", 0) if kind != "all" else sum(c["backup_reads"] for c in r["counts"].values()),
            base))
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pools", type=int, nargs="+", default=[1, 5, 20])
    parser.add_argument("--latency", type=float, action="append",
                        help="seconds injected after every payload call (repeatable; default 2)")
    parser.add_argument("--seconds-per-mb", type=float, default=0.0,
                        help="seconds injected per MiB a call moves between hosts (the `slow` fault's seconds_per_mb; "
                             "default 0: off)")
    parser.add_argument("--product", default="lync2013", choices=sorted(seed.PRODUCTS))
    parser.add_argument("--forks", type=int, default=0,
                        help="ansible-playbook --forks (default: the number of hosts, so forks never bound the hosts "
                             "that work at once)")
    parser.add_argument("--keep", help="folder for the labs and logs (default: a temporary folder)")
    parser.add_argument("--report", nargs="+", metavar="RUN", help="print the figures of kept runs (their folders) "
                        "without running anything")
    args = parser.parse_args()
    print(HEADER)
    print("|" + "---|" * (HEADER.count("|") - 1))
    details = []
    if args.report:
        for folder in args.report:
            result = figures(pathlib.Path(folder))
            print(row(result), flush=True)
            details.append(detail(result))
        print("\n" + "\n".join(details))
        return
    work = pathlib.Path(args.keep or tempfile.mkdtemp(prefix="lync-bench-"))
    for latency in args.latency or [2.0]:
        for pools in args.pools:
            result = figures(run_one(work, pools, latency, args.seconds_per_mb, args.product, args.forks))
            print(row(result), flush=True)
            details.append(detail(result))
    print("\n" + "\n".join(details))
    print("\nlabs and logs: %s" % work)


if __name__ == "__main__":
    main()
