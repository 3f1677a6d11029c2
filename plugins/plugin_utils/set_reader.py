# Copyright: (c) 2026, lync.server maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read and verify the backup sets under a root through payloads (shared by info and retention)."""

from __future__ import annotations

import datetime

from ansible.errors import AnsibleActionFail

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
    # A set whose copy a later set's close found damaged is marked from that later set's signed record.
    return bs.reported_damage(bs.ordered(sets)), ({"text": lock.get("Text"), "written": lock.get("Written")} if lock else None)


# Lines of a listing per page when verify names the files of a damaged store (about 100 bytes a line).
PAGE_LINES = 1000


def check_files(action, root, info, deep):
    """Compare a set's files with its manifest (SHA-256 when deep, sizes otherwise); add problems to info.

    The file stores of a format-2 set are checked through their listings (check_store): the set's own listing
    leaves their folders out, so no answer grows with a store's file count."""
    if info["manifest"] is None:
        return info
    set_path = bs.set_path(root, info["set_id"])
    stores = bs.listed_stores(info["manifest"])
    params = {"Path": bs.extended_path(set_path), "Hash": deep}
    if stores:
        params["Skip"] = [item["listing"]["folder"] for item in stores]
    listing = action.payload("lync_file_inventory", params).value
    bad, extra = bs.file_problems(info["manifest"], listing.get("Files") or [], hashed=deep)
    for item in stores:
        store_bad, store_extra = check_store(action, set_path, item["listing"], deep)
        bad.update(store_bad)
        extra = sorted(set(extra) | set(store_extra))
    info["problems"].extend(bad[path] for path in sorted(bad))
    info["bad_files"] = sorted(set(bad) | set(info.get("reported_damage") or []))
    info["extra_files"] = extra
    info["checked"] = "sha256" if deep else "size"
    return info


def _store_path(set_path, relative):
    return bs.extended_path("%s\\%s" % (set_path, relative.replace("/", "\\")))


class PageFailed(AnsibleActionFail):
    """A page of a listing could not be read (its payload failed): `side` says which listing ("stored", the listing
    file in the set, or "found", the store's folder listed now), so check_store names the right one."""

    def __init__(self, side, message):
        super().__init__(message)
        self.side = side


def _pages(action, payload, path, **extra):
    """The lines of a listing, page by page (lync_file_listing over the store's folder, or lync_file_listing_page
    over the stored listing file): one page held at a time. Each page resumes where the last one ended, so no call
    reads what an earlier page did: the stored listing from a byte offset (the UTF-8 bytes of the lines read, a line
    feed each), the store's folder after the last path returned (the host skips the folders wholly before it).
    A page whose payload fails raises PageFailed (an AnsibleActionFail) naming the side and the page."""
    offset, after = 0, ""
    stored = payload == "lync_file_listing_page"
    while True:
        cursor = {"Offset": offset} if stored else {"After": after}
        try:
            value = action.payload(payload, dict(extra, Path=path, Count=PAGE_LINES, **cursor)).value
        except AnsibleActionFail as exc:
            raise PageFailed("stored" if stored else "found", "%s (%s): %s" % (
                payload, "from byte %d" % offset if stored else "after %r" % after if after else "first page",
                " ".join(str(exc).split()))) from None
        if stored and value.get("Exists") is False:
            # lync_file_listing_page answers a missing file with no lines: that is no listing, not an empty one.
            raise PageFailed("stored", "%s: the listing file %s does not exist" % (payload, path))
        lines = list(value.get("Lines") or [])
        if not lines:
            return
        yield lines
        offset += sum(len(line.encode("utf-8", "surrogatepass")) + 1 for line in lines)
        after = lines[-1].split("\t", 2)[-1]
        if len(lines) < PAGE_LINES:
            return


def listing_pages(action, set_path, relative):
    """The lines of a listing file stored in a set (relative path, e.g. listings/<store>.tsv), page by page
    (lync_file_listing_page): the close's link check walks an earlier set's listing and its own with them."""
    return _pages(action, "lync_file_listing_page", _store_path(set_path, relative))


def check_store(action, set_path, listing, deep):
    """({relative path: problem}, [extra paths]) for one listing-backed file store.

    Deep: the host hashes the store's files again into the canonical listing and returns its SHA-256 only; equal
    to the manifest's listing hash, every file is verified (the listing file's own hash is checked with the set's
    other files). Otherwise the store's folder and its stored listing are merged page by page (one page of each
    held at a time) to name the files that differ, at most bs.MAX_NAMED, the rest counted. Not deep (retention's
    size check): the file count and bytes against the listing's."""
    folder = listing["folder"]
    path = _store_path(set_path, folder)
    try:
        now = action.payload("lync_file_listing", {"Path": path, "Summary": True} if not deep else {"Path": path}).value
    except AnsibleActionFail as exc:
        return {folder + "/": "%s/ could not be listed: %s" % (folder, " ".join(str(exc).split()))}, []
    errors = _listing_errors(folder, now)
    if not deep:
        if int(now["Files"]) != listing["files"] or int(now["FileBytes"]) != listing["file_bytes"]:
            return {folder + "/": "%s/ holds %s files of %s bytes, its listing says %d files of %d bytes"
                    % (folder, now["Files"], now["FileBytes"], listing["files"], listing["file_bytes"])}, []
        # A junction or an unlistable name leaves no line and no byte: the counts alone would pass such a store.
        return ({folder + "/": errors} if errors else {}), []
    hash_matches = str(now.get("Sha256") or "").upper() == listing["sha256"].upper()
    if hash_matches:
        # Every line the host made is the recorded one: nothing for the merge to name but the host's errors.
        return ({folder + "/": errors} if errors else {}), []
    try:
        bad, extra, count = bs.listing_differences(
            folder, _pages(action, "lync_file_listing_page", _store_path(set_path, listing["path"])),
            _pages(action, "lync_file_listing", path))
    except PageFailed as exc:
        if exc.side == "stored":
            return {listing["path"]: "%s could not be read page by page: %s" % (listing["path"], exc)}, []
        return {folder + "/": "%s/ could not be listed page by page: %s" % (folder, exc)}, []
    except bs.BackupSetError as exc:
        return {listing["path"]: "%s cannot be read as a listing: %s" % (listing["path"], exc)}, []
    named = len(bad) + len(extra)
    if errors:
        # Entries the host could not list (a reparse-point folder, a name with an unpaired surrogate) have no line
        # on either side: the merge cannot see them, the host's errors name them.
        bad[folder + "/"] = errors
    elif count > named:
        bad[folder + "/"] = "%s/ differs from its listing in %d more file(s) than named here" % (folder, count - named)
    if count > named and errors:
        bad[folder + "/"] += "; it differs from its listing in %d more file(s) than named here" % (count - named)
    if not bad and not extra and not hash_matches:
        # The files match the stored listing line by line, yet not the manifest's hash: the listing was changed.
        bad[listing["path"]] = "%s does not match its SHA-256 (changed after the backup)" % listing["path"]
    return bad, extra


def _listing_errors(folder, now):
    """The problem text for the entries lync_file_listing reported it could not list or read (its ErrorCount,
    the first 20 named in Errors), or None."""
    count = int(now.get("ErrorCount") or 0)
    if not count:
        return None
    shown = [str(e) for e in now.get("Errors") or []]
    return "%s/: %d entr%s could not be listed or read: %s%s" % (
        folder, count, "y" if count == 1 else "ies", "; ".join(shown), "; ..." if count > len(shown) else "")


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
