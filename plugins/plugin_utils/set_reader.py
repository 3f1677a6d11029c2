# Copyright: (c) 2026, lync.server maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read and verify the backup sets under a root through payloads (shared by info and retention)."""

from __future__ import annotations

import datetime

from ansible_collections.lync.server.plugins.plugin_utils import backup_set as bs
from ansible_collections.lync.server.plugins.plugin_utils import report_html

# How long after its close a set counts as verified by that close (retention's `verified`).
VERIFIED_FOR = datetime.timedelta(hours=6)


def scan(action, root, key=None, allow_unsigned=False):
    """(sets, lock): describe() of every set under root, newest first by the time its manifest
    recorded, and the lock (or None). With the signing key, each manifest's signature is checked."""
    value = action.payload("lync_backup_set_scan", {"Root": root}).value
    now = bs.utcnow()
    sets = [bs.describe(s["Name"], s.get("Manifest"), now, s.get("Signature"), key, allow_unsigned, s.get("ReadError"))
            for s in value.get("Sets") or []]
    lock = value.get("Lock")
    return bs.ordered(sets), ({"text": lock.get("Text"), "written": lock.get("Written")} if lock else None)


def check_files(action, root, info, deep):
    """Compare a set's files with its manifest (SHA-256 when deep, sizes otherwise); add problems to info."""
    if info["manifest"] is None:
        return info
    listing = action.payload("lync_file_inventory", {"Path": bs.extended_path(bs.set_path(root, info["set_id"])),
                                                     "Hash": deep}).value
    bad, extra = bs.file_problems(info["manifest"], listing.get("Files") or [], hashed=deep)
    info["problems"].extend(bad[path] for path in sorted(bad))
    info["bad_files"] = sorted(bad)
    info["extra_files"] = extra
    info["checked"] = "sha256" if deep else "size"
    return info


def newest_trusted(action, root, sets, verified=None):
    """The newest complete set whose files match their hashes (each candidate is hash-checked).

    verified -- {set_id: manifest SHA-256} of sets the same run has just verified (the backup's close hashed
    every file of its set): such a set is not read again when its manifest is still the one verified and was
    finished less than VERIFIED_FOR ago (a hash given days later proves nothing about the files now); its
    signature is still checked, as for every set.
    """
    verified = verified or {}
    now = bs.utcnow()
    for info in sets:
        if info["status"] != "complete":
            continue
        sha = verified.get(info["set_id"])
        finished = bs.parse_time((info.get("manifest") or {}).get("finished"))
        if sha and info.get("manifest_sha256") and str(sha).upper() == info["manifest_sha256"] \
                and finished is not None and abs(now - finished) <= VERIFIED_FOR:
            info["checked"] = "sha256 (this run)"
            info.setdefault("bad_files", [])
            info.setdefault("extra_files", [])
        else:
            check_files(action, root, info, deep=True)
        if bs.is_trusted(info):
            return info
    return None


def public(info):
    """A set description without its (large) manifest."""
    return {k: v for k, v in info.items() if k != "manifest"}


def listed(info):
    """A set as lync_backup_set_info lists it: public(), its condition, and `history`, a summary of its own
    manifest for report.html (which shows it only for a set whose signature matched)."""
    return dict(public(info), condition=bs.condition(info),
                history=report_html.summary(info["manifest"]) if info["manifest"] else None)
