"""Compare a recovered lab with its state before the disaster.

Nothing may differ except what Microsoft says is transient or rebuilt (domain brief 1.4,
4.2, 4.3), and what only measures time or space:
  * the transient databases rtcab, rgsdyn, cpsdyn, mgccomp (recreated empty; the Address
    Book is regenerated from AD DS) and rtcshared, which the documented path recreates empty;
  * the local stores RTCLOCAL and LYNCLOCAL (rebuilt by Deployment Wizard steps 1-2) beyond
    their existence;
  * the CMS's internal version counter, its last update time and the replicas' status
    reports (the configuration and topology themselves must be equal);
  * Meeting.Active files (locked files of meetings in progress; never copied);
  * free disk space, reboots, recovery markers, temporary files, and the backup server's share.
"""

import copy
import hashlib

# Transient (brief 1.4), plus rtcshared: no cmdlet export covers it and the documented
# restore path recreates it empty (brief 1.4, [INFERRED]).
TRANSIENT_DATABASES = ("rtcab", "rgsdyn", "cpsdyn", "mgccomp", "rtcshared")
LOCAL_STORES = ("RTCLOCAL", "LYNCLOCAL")
# SQL Server setup's logs (Setup Bootstrap\Log\Summary.txt, written by every setup run) are not
# state a recovery brings back.
IGNORED_FILE_PARTS = ("/ProgramData/lync.server/", "/Windows/Temp/", "/Setup Bootstrap/Log/")


def is_jobs_home(folder):
    """The collection's own folder for detached jobs (C:\\ProgramData\\lync.server and its jobs folder): made with a
    protected ACL by the first job on a host and kept, like IGNORED_FILE_PARTS' files (docs/architecture.md)."""
    return "\\programdata\\lync.server" in folder.lower()


def without_jobs_home(host):
    """A copy of a host's state without the jobs home's ACL records (is_jobs_home)."""
    view = copy.deepcopy(host)
    acls = {folder: acl for folder, acl in (view.pop("acls", None) or {}).items() if not is_jobs_home(folder)}
    if acls:
        view["acls"] = acls
    return view


def _host_view(host):
    view = without_jobs_home(host)
    for disk in view.get("disks", {}).values():
        disk.pop("free_bytes", None)
    view.pop("reboot_pending", None)
    view.pop("boot_count", None)
    for name, instance in view.get("sql", {}).items():
        if name.upper() in LOCAL_STORES:
            instance["databases"] = sorted(instance.get("databases", {}))
            continue
        for db_name, db in instance.get("databases", {}).items():
            if db_name in TRANSIENT_DATABASES:
                db.pop("content", None)
            if db_name == "xds" and isinstance(db.get("content"), dict):
                content = db["content"]
                for key in ("version", "last_update_creation", "replication"):
                    content.pop(key, None)
    view["features"] = sorted(view.get("features", []))
    view["products"] = sorted(view.get("products", []), key=lambda p: p["Name"])
    view["certificates"] = sorted(view.get("certificates", []), key=lambda c: c["thumbprint"])
    for cert in view["certificates"]:
        cert["usages"] = sorted(cert.get("usages", []))
    return view


def state_view(state, skip_hosts=()):
    """The part of a lab state a recovery must bring back exactly."""
    view = {"ad": copy.deepcopy(state["ad"]), "hosts": {}}
    for fqdn, host in state["hosts"].items():
        if fqdn not in skip_hosts:
            view["hosts"][fqdn] = _host_view(host)
    return view


def files_view(lab, skip_hosts=()):
    """{host/drive/path: sha256} of every file that must come back, Meeting.Active and scratch excluded."""
    found = {}
    for path in sorted(p for p in lab.fs_root.rglob("*") if p.is_file()):
        rel = path.relative_to(lab.fs_root).as_posix()
        if rel.split("/", 1)[0] in skip_hosts or path.name == "Meeting.Active":
            continue
        if any(part in "/" + rel for part in IGNORED_FILE_PARTS):
            continue
        found[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def differences(before, after, prefix=""):
    """Readable differences between two nested structures (empty when equal)."""
    found = []
    if isinstance(before, dict) and isinstance(after, dict):
        for key in sorted(set(before) | set(after), key=str):
            if key not in after:
                found.append("%s%s: missing after recovery" % (prefix, key))
            elif key not in before:
                found.append("%s%s: new after recovery" % (prefix, key))
            else:
                found += differences(before[key], after[key], "%s%s." % (prefix, key))
    elif isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        for index, (old, new) in enumerate(zip(before, after)):
            found += differences(old, new, "%s%d." % (prefix, index))
    elif before != after:
        found.append("%s: %r -> %r" % (prefix.rstrip("."), _short(before), _short(after)))
    return found


def _short(value):
    text = repr(value)
    return text if len(text) < 160 else text[:157] + "..."


def compare(before_state, before_files, lab, skip_hosts=()):
    """All differences between the lab now and its state and files before the disaster."""
    after_state = lab.load()
    found = differences(state_view(before_state, skip_hosts), state_view(after_state, skip_hosts))
    found += differences(before_files, files_view(lab, skip_hosts), "file ")
    return found
