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


def env():
    """The lab environment of the Makefile's LAB_ENV."""
    venv_bin = ROOT / ".venv" / "bin"
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


def run_one(work, pools, latency, product, forks):
    folder = work / ("pools%d-latency%s" % (pools, latency))
    host_count = make_lab(folder / "lab", pools, product)
    record = folder / "calls.jsonl"
    extra = {"lab_faults": [{"kind": "slow", "seconds": latency}] if latency else []}
    cmd = [str(ROOT / ".venv" / "bin" / "ansible-playbook"), "-i", str(folder / "lab" / "inventory.yml"),
           "lync.server.backup", "-e", json.dumps(extra), "-f", str(forks)]
    run_env = dict(env(), LYNC_LAB_CALLS=str(record))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.time()
    proc = subprocess.run(cmd, cwd=str(folder), env=run_env, capture_output=True, text=True, check=False)
    wall = time.time() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    (folder / "ansible.log").write_text(proc.stdout + proc.stderr, encoding="utf-8")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    found = calls.load(record)
    opened = [c for c in found if c["name"] == "lync_backup_set_open"]
    since = opened[0]["end"] if opened else None
    closing = [c for c in found if since and c["start"] > since and c["host"] == opened[0]["host"]]
    until = closing[0]["start"] if closing else None
    per_host = collections.Counter(c["host"] for c in found)
    busy = collections.defaultdict(float)
    for call in found:
        busy[call["host"]] += call["end"] - call["start"]
    busiest = max(busy.values()) if busy else 0.0
    return {
        "pools": pools, "hosts": host_count, "latency": latency, "rc": proc.returncode, "wall": wall,
        "items": (until - since) if since and until else None,
        "concurrent": calls.max_concurrent(found),
        "concurrent_items": calls.max_concurrent(found, since, until) if since and until else None,
        "calls": len(found), "calls_max": max(per_host.values()) if per_host else 0,
        "calls_mean": len(found) / float(host_count), "busiest": busiest,
        "ratio": wall / busiest if busiest else None, "cpu": cpu, "cpu_host": cpu / host_count, "log": folder,
    }


def fmt(value, pattern="%.1f"):
    return "-" if value is None else pattern % value


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pools", type=int, nargs="+", default=[1, 5, 20])
    parser.add_argument("--latency", type=float, action="append",
                        help="seconds injected after every payload call (repeatable; default 2)")
    parser.add_argument("--product", default="lync2013", choices=sorted(seed.PRODUCTS))
    parser.add_argument("--forks", type=int, default=5, help="ansible-playbook --forks (default: ansible's 5)")
    parser.add_argument("--keep", help="folder for the labs and logs (default: a temporary folder)")
    args = parser.parse_args()
    work = pathlib.Path(args.keep or tempfile.mkdtemp(prefix="lync-bench-"))
    header = ("| pools | hosts | latency s | rc | wall s | items phase s | max calls at once (run / items) "
              "| calls | calls per host (max / mean) | busiest host's remote s | wall / busiest | controller CPU s "
              "| CPU per host s |")
    print(header)
    print("|" + "---|" * (header.count("|") - 1))
    for latency in args.latency or [2.0]:
        for pools in args.pools:
            r = run_one(work, pools, latency, args.product, args.forks)
            print("| %d | %d | %s | %d | %s | %s | %d / %s | %d | %d / %s | %s | %s | %s | %s |" % (
                r["pools"], r["hosts"], fmt(r["latency"], "%g"), r["rc"], fmt(r["wall"]), fmt(r["items"]),
                r["concurrent"], fmt(r["concurrent_items"], "%d"), r["calls"], r["calls_max"],
                fmt(r["calls_mean"]), fmt(r["busiest"]), fmt(r["ratio"], "%.2f"), fmt(r["cpu"]),
                fmt(r["cpu_host"], "%.2f")), flush=True)
    print("\nlabs and logs: %s" % work)


if __name__ == "__main__":
    main()
