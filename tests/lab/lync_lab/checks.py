"""Checks of a lab after backups, for molecule's verify step and for tests.

A backup must not change what it backs up: every host's state and every file outside the
backup share must be as they were before. Every set on the share must be complete, and
each file must have the size and SHA-256 its manifest records.
"""

import hashlib
import json

from . import compare, seed

SNAPSHOT = "snapshot.json"


def backup_hosts(state):
    """Hosts that hold a backup share (their state changes with every backup)."""
    return {fqdn for fqdn, host in state["hosts"].items() if "LyncBackup" in host.get("shares", {})}


def save_snapshot(lab):
    (lab.dir / SNAPSHOT).write_text(json.dumps(seed.snapshot(lab), sort_keys=True), encoding="utf-8")


def server_changes(lab):
    """Differences between the lab now and its snapshot, outside the backup servers."""
    if not (lab.dir / SNAPSHOT).exists():
        return ["no snapshot in %s: the scenario's create step did not run (a stale molecule state said "
                "'created'?)" % lab.dir]
    before = json.loads((lab.dir / SNAPSHOT).read_text(encoding="utf-8"))
    now = seed.snapshot(lab)
    skip = backup_hosts(now["state"])
    problems = []
    for fqdn, host in now["state"]["hosts"].items():
        earlier = before["state"]["hosts"].get(fqdn)
        if fqdn not in skip and (earlier is None or compare.without_jobs_home(host) != compare.without_jobs_home(earlier)):
            problems.append("host %s changed" % fqdn)
    for name in sorted(set(before["files"]) | set(now["files"])):
        if name.split("/", 1)[0] in skip or any(part in "/" + name for part in compare.IGNORED_FILE_PARTS):
            continue  # the jobs' home (its jobs.lock stays, empty) and scratch, as compare.files_view leaves them
        if before["files"].get(name) != now["files"].get(name):
            problems.append("file %s changed" % name)
    return problems


def set_problems(lab):
    """(set ids, problems) for every backup set on the lab's backup shares."""
    state = lab.load()
    ids, problems = [], []
    for fqdn in sorted(backup_hosts(state)):
        share = state["hosts"][fqdn]["shares"]["LyncBackup"]["path"]
        root = lab.host_root(fqdn) / share[0].upper() / share[3:].replace("\\", "/")
        for folder in sorted(p for p in root.iterdir() if p.is_dir()):
            ids.append(folder.name)
            manifest_path = folder / "manifest.json"
            if not manifest_path.exists():
                problems.append("%s has no manifest" % folder.name)
                continue
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
            if manifest["status"] != "complete":
                problems.append("%s is %s" % (folder.name, manifest["status"]))
            for item in manifest["items"]:
                for entry in item["files"]:
                    path = folder / entry["path"]
                    if not path.is_file():
                        problems.append("%s: %s is missing" % (folder.name, entry["path"]))
                    elif hashlib.sha256(path.read_bytes()).hexdigest().upper() != entry["sha256"].upper():
                        problems.append("%s: %s differs from its manifest" % (folder.name, entry["path"]))
    return ids, problems
