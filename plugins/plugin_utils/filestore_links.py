# Copyright: (c) 2026, lync.server maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which file-store files a new backup set hard-links from the previous set, and which robocopy copies.

docs/architecture.md, "Only changed file-store bytes". The rules:

* Link only from the newest set that is complete and whose signature is valid (backup_set.is_trusted,
  never an unsigned override, never the set being written), and only files its manifest lists for the
  same file store with the size found on the share and a SHA-256. The close compares each linked file's
  landed SHA-256 with that hash (backup_plan.settle): a file of the earlier set damaged in place (its size
  and time unchanged) fails the new set's file-store item, and the files such a failure named are never
  linked again (damaged_since): the next night copies them afresh from the store.
* A file is unchanged when the source and the previous set's copy have the same size and the same
  last-write time: robocopy's own "same" rule (robocopy's page: /IS "Includes the same files. Same files
  are identical in name, size, times, and all attributes",
  https://learn.microsoft.com/windows-server/administration/windows-commands/robocopy); robocopy's copy
  keeps the source's times (/COPY:DAT, the default).
* Nothing may ever write into a linked file (a link shares the content with the previous set): robocopy
  runs with /XC /XN /XO ("changed", newer and older existing files are excluded), so it only copies
  files that do not exist in the new set; a source file that changes after the listing keeps, in the new
  set, the previous night's bytes (the version the listing saw). Flags that make robocopy touch existing
  files (/IS /IT /IM /SECFIX /TIMFIX) or move the source (/MOV /MOVE) turn linking off; so do selection
  flags this module does not model (/XD, /XA:, /MAX: ...), since a linked file robocopy would not have
  selected would be in the set.
* Names that PowerShell would read as wildcards ([ ] * ?) in New-Item -Value (MicrosoftDocs/PowerShell-Docs
  issue 5552) or full paths of MAX_PATH or more are not linked: robocopy copies them. Nor is a file whose folder in
  the new set has 248 characters or more: the link payload creates it with New-Item -ItemType Directory -Force (a
  plain path), and Windows makes no such folder (CreateDirectory's 248 characters,
  https://learn.microsoft.com/windows/win32/api/winbase/nf-winbase-createdirectory). Windows PowerShell 5.1's
  New-Item -Force says nothing of it (it drops the PathTooLongException, an IOException: PowerShell issue #5290);
  the payload's Test-Path after it would stop the step naming the folder, and without that check every link into
  it would fail with Win32 error 3, which robocopy would then copy.
"""

from __future__ import annotations

import fnmatch

from ansible_collections.lync.server.plugins.plugin_utils import backup_set as bs

KEEP_EXISTING = ("/XC", "/XN", "/XO")
NO_LINK_FLAGS = ("/IS", "/IT", "/IM", "/SECFIX", "/TIMFIX", "/MOV", "/MOVE", "/CREATE", "/NOCOPY", "/XD", "/XL",
                 "/XJ", "/XJD", "/XJF", "/A", "/M", "/IF")
NO_LINK_PREFIXES = ("/XA:", "/IA:", "/MAX:", "/MIN:", "/MAXAGE:", "/MINAGE:", "/MAXLAD:", "/MINLAD:", "/LEV:")
# Win32 error codes (System Error Codes, https://learn.microsoft.com/windows/win32/debug/system-error-codes--0-499-)
# with which CreateHardLinkW says links cannot be made at all on this share: ERROR_INVALID_FUNCTION (1: a local
# volume without links, such as FAT or ReFS formatted before version 3.5), ERROR_NOT_SUPPORTED (50: over SMB,
# STATUS_NOT_SUPPORTED from such a volume or a NAS), ERROR_NOT_SAME_DEVICE (17: the two names on different
# volumes). Decided by code, never by the message, which is in the OS's language. Any other failure (1142
# ERROR_TOO_MANY_LINKS, 5 access denied, 183 exists, 2/3 not found) is per file: robocopy copies that file.
IMPOSSIBLE = {1: "ERROR_INVALID_FUNCTION", 50: "ERROR_NOT_SUPPORTED", 17: "ERROR_NOT_SAME_DEVICE"}
# Win32 codes that speak of one file, never of the share (System Error Codes): ERROR_FILE_NOT_FOUND (2) and
# ERROR_PATH_NOT_FOUND (3: the file or its folder is gone since the listing), ERROR_FILE_EXISTS (80) and
# ERROR_ALREADY_EXISTS (183: the name is taken), ERROR_TOO_MANY_LINKS (1142: that file has 1023 names). They
# are left out when the probe decides whether the share refuses links at all (same_failure).
PER_FILE = {2: "ERROR_FILE_NOT_FOUND", 3: "ERROR_PATH_NOT_FOUND", 80: "ERROR_FILE_EXISTS", 183: "ERROR_ALREADY_EXISTS",
            1142: "ERROR_TOO_MANY_LINKS"}
# After the first file, a probe of this many: when both link nothing and fail with one same code, the night copies
# in full instead of sending every other file to the same failure (a share whose code is not in IMPOSSIBLE,
# such as an SMB 3 share with continuous availability, or a read-only earlier set).
PROBE = 10
MAX_PATH = 260
WILDCARDS = "[]*?"


def robocopy_flags(flags):
    """The file-store copy's flags with /XC /XN /XO added: in a folder that starts empty they change
    nothing; after links they keep robocopy from writing into one."""
    words = (flags or "").split()
    upper = [w.upper() for w in words]
    return " ".join(words + [f for f in KEEP_EXISTING if f not in upper])


def selection(flags):
    """(recurse, excluded file-name patterns, why linking is off or None) from robocopy's flags."""
    recurse, exclude, problem = False, [], None
    taking = False
    for word in (flags or "").split():
        upper = word.upper()
        if not upper.startswith("/"):
            if taking:
                exclude.append(word)
            continue
        taking = upper == "/XF"
        if upper in ("/E", "/S", "/MIR"):
            recurse = True
        elif upper in NO_LINK_FLAGS or upper.startswith(NO_LINK_PREFIXES):
            problem = problem or "robocopy flag %s: linking needs robocopy to copy only missing files" % word
    return recurse, exclude, problem


def selected(path, recurse, exclude):
    """Whether robocopy (with these /E and /XF) copies the source file at `path` ('/' separators)."""
    name = path.rsplit("/", 1)[-1].lower()
    return (recurse or "/" not in path) and not any(fnmatch.fnmatch(name, p.lower()) for p in exclude)


def previous_set(sets, set_id):
    """The set to link from: the newest trusted set (complete, valid signature, no problem) other than the
    one being written. An unsigned set trusted only by override is never linked from."""
    for info in sets:
        if info["set_id"] != set_id and bs.is_trusted(info) and info.get("signature") == "valid":
            return info
    return None


def manifest_files(manifest, item_id):
    """{path in the set: (bytes, SHA-256 or None)} of one item of a manifest (its files as the backup recorded
    them); {} unless the item is ok."""
    for item in (manifest or {}).get("items") or []:
        if item.get("id") == item_id and item.get("status") == "ok":
            return {f["path"]: (int(f["bytes"]), str(f["sha256"]).upper() if f.get("sha256") else None)
                    for f in item.get("files") or []}
    return {}


def manifest_listing(manifest, item_id):
    """The listing {path, sha256, folder, files, ...} of one item of a format-2 manifest (None when the item is not
    ok or lists its files in the manifest, format 1)."""
    for item in (manifest or {}).get("items") or []:
        if item.get("id") == item_id and item.get("status") == "ok":
            return item.get("listing") or None
    return None


def listing_files(entries, folder):
    """{path in the set: (bytes, SHA-256 or None)} from a format-2 set's listing of a file store: the same map
    manifest_files gives for a format-1 set, held whole (for tests and small stores; the link step walks the
    listing with ListingWalk instead)."""
    prefix = folder.rstrip("/") + "/"
    return {prefix + e["path"]: (e["bytes"], e["sha256"]) for e in entries}


class ListingWalk:
    """A format-2 set's listing of a file store, looked up like manifest_files' map ({path in the set: (bytes,
    SHA-256)}.get) while it is read page by page: plan asks for the source's paths in ordinal order, the order of
    the listing's lines, so the walk moves forward only and holds one page, whatever the store's size
    (docs/architecture.md, "Only changed file-store bytes"). A lookup out of order is refused."""

    def __init__(self, entries, folder):
        self._entries = iter(entries)
        self._prefix = folder.rstrip("/") + "/"
        self._ahead = None
        self._last = None

    def get(self, path, default=None):
        key = bs.ordinal_key(path)
        if self._last is not None and key < self._last:
            raise bs.BackupSetError("listing looked up out of order at %s" % path)
        self._last = key
        while True:
            if self._ahead is None:
                entry = next(self._entries, None)
                if entry is None:
                    return default
                self._ahead = (bs.ordinal_key(self._prefix + entry["path"]), entry)
            found, entry = self._ahead
            if found < key:
                self._ahead = None
                continue
            return (entry["bytes"], entry["sha256"]) if found == key else default

    def finish(self):
        """Read the rest of the listing (so that a hash fed by its pages covers all of it)."""
        for dummy in self._entries:
            pass


def store_details(info, item_id):
    """The details a set's manifest records for one item ({} when it has none)."""
    for item in (info.get("manifest") or {}).get("items") or []:
        if item.get("id") == item_id:
            return item.get("details") or {}
    return {}


def since_full_copy(sets, info, item_id, seen=None):
    """How many nights of linking lie between `info`'s copy of a file store and the last full copy of it: 0 when
    `info` copied the store in full, else the number its record carries (`since_full_copy`, recorded since
    backup_filestore_full_every was built), else one more than the set it linked from (older records: the chain is
    followed through `linked_from`). None when the chain leads to a set no longer on the share (its start is not
    known: the caller copies in full)."""
    seen = set() if seen is None else seen
    details = store_details(info, item_id)
    if details.get("transfer") != "linked" or not details.get("linked_from"):
        return 0
    if details.get("since_full_copy") is not None:
        return int(details["since_full_copy"])
    source = next((s for s in sets if s["set_id"] == details["linked_from"]), None)
    if source is None or source["set_id"] in seen:
        return None
    seen.add(source["set_id"])
    before = since_full_copy(sets, source, item_id, seen)
    return None if before is None else before + 1


def full_copy_due(sets, previous, item_id, full_every):
    """(nights since the last full copy tonight would be, the reason to copy the store in full tonight or None):
    every `full_every`th night since the last full copy of the store the night copies it in full, no links
    (backup_filestore_full_every; 0 never). Linking trusts what the earlier copy was when its set closed and a
    source file whose size and time did not change; a full copy reads every source file again, so a copy that was
    wrong from the start, or a source edit that kept size and time, lasts at most full_every - 1 nights (review
    hardlink2, N3)."""
    since = since_full_copy(sets, previous, item_id)
    tonight = None if since is None else since + 1
    if not full_every:
        return tonight, None
    if tonight is None:
        return None, ("the chain of links before %s leads to a set no longer on the share (backup_filestore_full_every "
                      "is %d): full copy" % (previous["set_id"], full_every))
    if tonight >= full_every:
        return tonight, ("night %d since the last full copy of this store (backup_filestore_full_every is %d): full copy"
                         % (tonight, full_every))
    return tonight, None


def damaged_uncounted(sets, previous_id, item_id):
    """True when a set newer than `previous_id` found more damaged links in this file store than it could name
    (damaged_links_count above the damaged_links listed): the unnamed ones cannot be kept from being linked again,
    so the next night copies the store in full."""
    for info in sets:
        if info["set_id"] == previous_id:
            break
        for item in (info.get("manifest") or {}).get("items") or []:
            details = (item.get("details") or {}) if item.get("id") == item_id else {}
            if int(details.get("damaged_links_count") or 0) > len(details.get("damaged_links") or []):
                return True
    return False


def damaged_since(sets, previous_id, item_id):
    """Paths (in the set) of this file store that a set newer than `previous_id` found damaged in an earlier
    set's copy (its close compared the linked file with that set's manifest: backup_plan.settle records them
    as `damaged_links`). They are never linked again: robocopy copies them afresh from the store."""
    found = set()
    for info in sets:
        if info["set_id"] == previous_id:
            break
        for item in (info.get("manifest") or {}).get("items") or []:
            if item.get("id") == item_id:
                found.update(str(p) for p in (item.get("details") or {}).get("damaged_links") or [])
    return found


def plan(source, previous, recorded, folder, target, origin, flags, exclude=()):
    """Decide which source files are linked from the previous set.

    source   -- [{"path", "bytes", "written"}] of the file store (the robocopy source)
    previous -- the same of the previous set's copy of it
    recorded -- {path in the set: (bytes, sha256)} the previous set's manifest lists for this file store
                (manifest_files): a file is linked only when it is listed there with its size and a hash, which
                the close compares with the linked file's hash where it landed
    folder   -- the file store's folder in a set ("filestores/<server>_<share>")
    target, origin -- the new and the previous folder as UNC paths (for the MAX_PATH rule)
    exclude  -- paths in the set never to link (damaged_since)
    Returns {"link": [relative paths], "copy": [relative paths], "link_bytes", "copy_bytes", "problem"}.
    """
    recurse, excluded, problem = selection(flags)
    wanted = [f for f in source if selected(f["path"], recurse, excluded)]
    result = {"link": [], "copy": [], "link_bytes": 0, "copy_bytes": 0, "problem": problem}
    before = {f["path"]: f for f in previous}
    exclude = set(exclude)
    # In ordinal order (a listing's order): a format-2 earlier set's listing is walked once, page by page.
    for entry in sorted(wanted, key=lambda f: bs.ordinal_key(f["path"])):
        path, size = entry["path"], int(entry["bytes"])
        old = before.get(path)
        windows = path.replace("/", "\\")
        in_set = "%s/%s" % (folder, path)
        known = recorded.get(in_set) or (None, None)
        unchanged = (old is not None and int(old["bytes"]) == size and old.get("written") is not None
                     and old.get("written") == entry.get("written") and known[0] == size and known[1] is not None
                     and in_set not in exclude)
        folder_in_target = "%s\\%s" % (target, windows.rsplit("\\", 1)[0]) if "\\" in windows else target
        usable = (not problem and not any(c in path for c in WILDCARDS)
                  and len("%s\\%s" % (target, windows)) < MAX_PATH and len("%s\\%s" % (origin, windows)) < MAX_PATH
                  and len(folder_in_target) < bs.MAX_DIRECTORY)
        if unchanged and usable:
            result["link"].append(windows)
            result["link_bytes"] += size
        else:
            result["copy"].append(windows)
            result["copy_bytes"] += size
    return result


def folders(paths):
    """The folders (relative, deepest last) the links need, each once."""
    found = set()
    for path in paths:
        parts = path.split("\\")[:-1]
        for depth in range(1, len(parts) + 1):
            found.add("\\".join(parts[:depth]))
    return sorted(found, key=lambda f: (f.count("\\"), f.lower()))


def batches(paths, size):
    """The link list in calls of at most `size` paths (module arguments stay bounded)."""
    return [paths[i:i + size] for i in range(0, len(paths), size)]


def code_of(failure):
    """The Win32 error code of a failed link (None when the failure carried none)."""
    try:
        return int(failure.get("Code")) if failure.get("Code") not in (None, "", 0) else None
    except (TypeError, ValueError):
        return None


def unsupported(failures):
    """Why links cannot be made at all on this share, from the first call's failures (None when they can)."""
    for failure in failures or []:
        code = code_of(failure)
        if code in IMPOSSIBLE:
            return "Win32 error %d %s: %s" % (code, IMPOSSIBLE[code], " ".join(str(failure.get("Error")).split()))
    return None


def same_failure(failures):
    """The reason to stop when the first calls linked nothing and their failures, leaving out those that say
    something about one file only (PER_FILE codes, and failures without a code), carry one and the same Win32
    code (else None); when every failure has a per-file code, they must all be one. A file deleted since the
    listing (2) or one failure without a code no longer hides a share that refuses every link with a code of
    its own (87 from a WinFsp-based file system, 5 from Samba over vfat or a read-only earlier set: review
    hardlink2, N4)."""
    telling = [f for f in failures or [] if code_of(f) is not None and code_of(f) not in PER_FILE]
    if not telling and failures and None not in {code_of(f) for f in failures}:
        # Only per-file codes: stop when they are all one (every file of the probe at 1023 names, say).
        telling = list(failures)
    codes = {code_of(f) for f in telling}
    if len(codes) == 1:
        code = codes.pop()
        return "every link tried failed with Win32 error %d (%s)" % (code, " ".join(str(telling[0].get("Error")).split()))
    return None
