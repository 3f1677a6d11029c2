# Copyright: (c) 2026, lync.server maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Backup sets (docs/backup-set.md): names, paths, manifests, verification and retention.

Everything here is a decision made on the controller from data a payload returned, so it
is unit-tested without a Windows host. The rules that protect users' data live here:
a set is trusted only when its manifest says complete and its files match; retention
never removes the newest trusted set, and removes untrusted sets only once they are
older than what retention keeps.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import re
import secrets

# Format 2: a file store's files are listed in its listing file (listings/<folder>.tsv, docs/backup-set.md
# "Listings"), which the manifest references; format 1 (sets made before) listed each file in the manifest.
FORMAT = 2
FORMATS = (1, 2)
LISTINGS_FOLDER = "listings"
# How many differing files verify names in a damaged file store (the rest are counted): results stay bounded.
MAX_NAMED = 200
SET_ID_RE = re.compile(r"\Alync-(?P<stamp>\d{8}T\d{6}Z)-[0-9a-f]{6}\Z")
UNC_RE = re.compile(r"\A\\\\[A-Za-z0-9][A-Za-z0-9.\-]*\\[^\\/:*?\"<>|]+(\\[^\\/:*?\"<>|]+)*\Z")
DRIVE_RE = re.compile(r"\A[A-Za-z]:\\([^\\/:*?\"<>|]+(\\[^\\/:*?\"<>|]+)*)?\Z")
ITEM_KEYS = ("id", "kind", "scope", "host", "status", "files")
# A set dated later than now by more than this is not trusted: a forged name or a clock that ran ahead.
FUTURE_TOLERANCE = datetime.timedelta(minutes=10)
SIGNATURE_NAME = "manifest.sig"
# The reports the close writes into a set, each listed in the manifest under its key: report.txt, report.html.
REPORT_KEYS = ("report", "report_html")
# Characters Windows forbids in file names, and control characters ("Naming Files, Paths, and
# Namespaces", https://learn.microsoft.com/windows/win32/fileio/naming-a-file).
BAD_NAME_RE = re.compile(r'[<>:"|?*\\\x00-\x1f]')


class BackupSetError(ValueError):
    """A backup root, set id or manifest that cannot be used."""


def utcnow():
    return datetime.datetime.now(datetime.timezone.utc)


def new_set_id(now=None, token=None):
    """A fresh set id: lync-<UTC time, ISO basic>-<6 hex>."""
    now = now or utcnow()
    return "lync-%s-%s" % (now.strftime("%Y%m%dT%H%M%SZ"), token or secrets.token_hex(3))


def check_set_id(set_id):
    if not isinstance(set_id, str) or not SET_ID_RE.match(set_id):
        raise BackupSetError("%r is not a backup set name (lync-YYYYMMDDTHHMMSSZ-xxxxxx)" % (set_id,))
    return set_id


def set_time(set_id):
    """The UTC start time encoded in a set id; BackupSetError for a date that cannot be (2026-13-99)."""
    stamp = SET_ID_RE.match(check_set_id(set_id)).group("stamp")
    try:
        return datetime.datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.timezone.utc)
    except ValueError:
        raise BackupSetError("%s is named like a backup set but its date %s is not a real time" % (set_id, stamp)) from None


ISO_TIME_RE = re.compile(r"\A(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d+))?(Z|[+-]\d\d:?\d\d)?\Z")


def parse_time(text):
    """An ISO 8601 time a manifest, a lock or a host recorded (2026-01-15T09:00:00Z; .NET's round-trip 'o' form
    with seven fraction digits and an offset) as an aware UTC datetime, or None when it is not one. A time
    without an offset is UTC. Parsed here rather than by datetime.fromisoformat, which before Python 3.11
    refuses 'Z' and fractions of other than 3 or 6 digits (ansible-core 2.16 controllers run 3.10)."""
    match = ISO_TIME_RE.match(text.strip()) if isinstance(text, str) else None
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    try:
        value = datetime.datetime(int(year), int(month), int(day), int(hour), int(minute), int(second),
                                  int((fraction or "0")[:6].ljust(6, "0")), tzinfo=datetime.timezone.utc)
    except ValueError:
        return None
    if offset and offset != "Z":
        sign = -1 if offset[0] == "-" else 1
        digits = offset[1:].replace(":", "")
        value -= sign * datetime.timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    return value


def check_manifest_path(path):
    """A file path as a manifest lists it: relative to the set, '/'-separated names, none of them empty,
    '.' or '..', no drive, no UNC, no backslash, no character Windows forbids in a name. Every consumer
    (verify, retention, recovery, certificate import) reads manifest paths only through
    validate_manifest, which refuses the whole set on the first bad one, before any change."""
    if not isinstance(path, str) or not path:
        raise BackupSetError("manifest file path %r is not a relative path" % (path,))
    names = path.split("/")
    if any(name in ("", ".", "..") or BAD_NAME_RE.search(name) or name != name.rstrip(" .") for name in names):
        raise BackupSetError("manifest file path %r is not a plain relative path inside the set (no '..', drive, "
                             "UNC, backslash or empty name)" % (path,))
    return path


MAX_ROOT = 200  # a set's manifest lies 39 characters below the root: stay inside MAX_PATH (260) everywhere


MAX_EXTENDED_PATH = 32767  # the extended-length form's limit (Maximum Path Length Limitation)


def check_root(root):
    """A backup root must be a UNC path (\\\\server\\share[\\folder]) or a drive path; no '..', no wildcards."""
    if not isinstance(root, str) or not root.strip():
        raise BackupSetError("root must be a UNC path like \\\\backup01.contoso.local\\LyncBackup")
    if len(root) > MAX_ROOT:
        raise BackupSetError("root %r is longer than %d characters; the files of a set below it would pass Windows' "
                             "MAX_PATH (260)" % (root, MAX_ROOT))
    return _check_windows_path(root)


class TrimmedName(BackupSetError):
    """A path name ending in a period or a space (see _check_windows_path)."""


def _check_windows_path(root, what="root"):
    """check_root's form rules without its length rule: UNC or drive path, no '..', no wildcards, no name that ends
    in a period or a space."""
    text = root.rstrip("\\") if len(root.rstrip("\\")) > 2 else root
    if ".." in text.split("\\") or not (UNC_RE.match(text) or DRIVE_RE.match(text)):
        raise BackupSetError("root %r is not a UNC path (\\\\server\\share[\\folder]) or a drive path (D:\\folder)"
                             % root)
    trimmed = [part for part in text.split("\\")[1:] if part.endswith((".", " "))]
    if trimmed:
        # Win32 drops a name's trailing periods and spaces from a plain path, and an extended-length (\\?\) path keeps
        # them ("File path formats on Windows systems", https://learn.microsoft.com/dotnet/standard/io/file-path-formats):
        # the payloads given each form would use two different folders (review s11, 5).
        raise TrimmedName("%s %r has a name ending in a period or a space (%r): Windows does not keep that "
                          "character in every path form; rename the folder" % (what, root, trimmed[0]))
    return text


def check_path(path, what="path"):
    """A Windows path (UNC or drive) without '..' or wildcards, of any length the extended-length form allows (a
    path below a backup root is longer than the root's 200 characters); BackupSetError names what it is."""
    try:
        if not isinstance(path, str) or not path.strip() or len(path) > MAX_EXTENDED_PATH:
            raise BackupSetError(path)
        return _check_windows_path(path, what)
    except TrimmedName:
        raise
    except BackupSetError:
        raise BackupSetError("%s %r is not a UNC path or a drive path" % (what, path)) from None


def set_path(root, set_id):
    return "%s\\%s" % (check_root(root), check_set_id(set_id))


def extended_path(path):
    """The extended-length form of a checked Windows path: \\\\?\\UNC\\server\\share\\... or \\\\?\\D:\\....

    Windows PowerShell 5.1 refuses paths past MAX_PATH (260 characters) unless they carry this
    prefix ("Maximum Path Length Limitation",
    https://learn.microsoft.com/en-us/windows/win32/fileio/maximum-file-path-limitation), and a set's
    file-store copy lies about 90 characters deeper than the store itself. The prefix turns off
    Windows' normalisation, so the path must be clean: check_path refuses '..', '/' and wildcards.
    """
    text = str(path)
    if text.startswith("\\\\?\\"):
        return text
    text = check_path(text).replace("/", "\\")
    if ".." in text.split("\\") or "." in text.split("\\")[1:]:
        raise BackupSetError("path %r holds '.' or '..'" % path)
    if text.startswith("\\\\"):
        return "\\\\?\\UNC\\" + text[2:]
    return "\\\\?\\" + text


MAX_DIRECTORY = 248  # Windows' limit for a directory name without the extended-length prefix (less a file name)


def long_path(path, deepest):
    """path in the extended-length form only when a file `deepest` characters below it would pass MAX_PATH: such
    paths need .NET Framework 4.6.2 on the host (earlier versions refuse the prefix), which a Lync Front End may
    lack, so short paths keep the plain form every .NET version takes."""
    text = check_path(str(path)) if not str(path).startswith("\\\\?\\") else str(path)
    return extended_path(text) if len(text) + deepest >= MAX_DIRECTORY else text


FQDN_RE = re.compile(r"\A(?=.{1,253}\Z)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}\Z")
INSTANCE_RE = re.compile(r"\A[A-Za-z_][A-Za-z0-9_$#]{0,15}\Z")


def check_fqdn(name, what="host"):
    """A DNS name (lower-cased), as pools, servers and SQL hosts must be."""
    if not isinstance(name, str) or not FQDN_RE.match(name):
        raise BackupSetError("%s %r is not a fully qualified domain name" % (what, name))
    return name.lower()


def check_instance(name):
    """A SQL Server instance name (empty or MSSQLSERVER for the default instance)."""
    if name in (None, "", "MSSQLSERVER", "mssqlserver"):
        return ""
    if not isinstance(name, str) or not INSTANCE_RE.match(name):
        raise BackupSetError("%r is not a SQL Server instance name" % (name,))
    return name


def check_set_path(path):
    """A set folder: a valid root followed by a set id. Returns (root, set_id)."""
    if not isinstance(path, str) or "\\" not in path.rstrip("\\")[2:]:
        raise BackupSetError("set_path %r is not <backup root>\\<set id>" % (path,))
    root, dummy, set_id = path.rstrip("\\").rpartition("\\")
    return check_root(root), check_set_id(set_id)


def document_text(document):
    """How a JSON document is written into a set (identity records, certificates.json, manifest)."""
    return json.dumps(document, indent=2, sort_keys=True)


def document_entry(path, document):
    """The manifest entry of a JSON document written with document_text (UTF-8)."""
    data = document_text(document).encode("utf-8")
    return {"path": path, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest().upper()}


def file_entries(prefix, files):
    """Manifest file entries for files a payload wrote under <set>/<prefix>/ (Name, Bytes and, where the source
    hashed its own copy, Sha256). Without a source hash, sha256 is None until the close hashes what landed."""
    return [{"path": "%s/%s" % (prefix.strip("/"), f["Name"]), "bytes": int(f["Bytes"]),
             "sha256": str(f["Sha256"]).upper() if f.get("Sha256") else None}
            for f in files]


def parse_manifest(text):
    """The manifest dict from its text; BackupSetError when it is not a format-1 manifest."""
    try:
        manifest = json.loads(text)
    except (TypeError, ValueError) as exc:
        raise BackupSetError("manifest.json is not JSON: %s" % exc) from None
    validate_manifest(manifest)
    return manifest


def validate_manifest(manifest):
    if not isinstance(manifest, dict):
        raise BackupSetError("manifest is not an object")
    if manifest.get("format") not in FORMATS:
        raise BackupSetError("manifest format %r is not one of %s" % (manifest.get("format"), ", ".join(map(str, FORMATS))))
    check_set_id(manifest.get("set_id"))
    if manifest.get("status") not in ("complete", "partial"):
        raise BackupSetError("manifest status %r is neither complete nor partial" % manifest.get("status"))
    items = manifest.get("items")
    if not isinstance(items, list):
        raise BackupSetError("manifest has no item list")
    for item in items:
        if not isinstance(item, dict):
            raise BackupSetError("manifest item %r is not an object" % (item,))
        missing = [k for k in ITEM_KEYS if k not in item]
        if missing:
            raise BackupSetError("manifest item %r lacks %s" % (item.get("id"), ", ".join(missing)))
        if not isinstance(item["files"], list):
            raise BackupSetError("manifest item %r has no file list" % item["id"])
        for entry in item["files"]:
            if not isinstance(entry, dict):
                raise BackupSetError("manifest item %r lists a file that is not an object" % item["id"])
            check_manifest_path(entry.get("path"))
        if item.get("listing") is not None:
            _check_listing(item)
    for key in REPORT_KEYS:
        if manifest.get(key) is not None:
            check_manifest_path((manifest[key] or {}).get("path"))
    complete = all(item["status"] == "ok" for item in items)
    if complete != (manifest["status"] == "complete"):
        raise BackupSetError("manifest says %s but its items say otherwise" % manifest["status"])
    if manifest["status"] == "complete":
        lacking = sorted(required_items(manifest) - {item["id"] for item in items})
        if not items or lacking:
            raise BackupSetError("manifest says complete but lacks the items its topology requires: %s"
                                 % (", ".join(lacking) or "it lists no items"))
    return manifest


def _check_listing(item):
    """A listing-backed item: its listing {path, bytes, sha256, files, file_bytes, folder} is also one of its files
    (so every check of the item's files checks the listing's own hash), and its folder is a plain relative path."""
    listing = item["listing"]
    if not isinstance(listing, dict):
        raise BackupSetError("manifest item %r has a listing that is not an object" % item["id"])
    check_manifest_path(listing.get("path"))
    check_manifest_path(listing.get("folder"))
    for key in ("bytes", "files", "file_bytes"):
        if not isinstance(listing.get(key), int) or isinstance(listing.get(key), bool) or listing[key] < 0:
            raise BackupSetError("manifest item %r has a listing without a count %s" % (item["id"], key))
    if not isinstance(listing.get("sha256"), str) or not SIGNATURE_RE.match(listing["sha256"]):
        raise BackupSetError("manifest item %r has a listing without its SHA-256" % item["id"])
    entry = next((f for f in item["files"] if f.get("path") == listing["path"]), None)
    if entry is None or int(entry.get("bytes") or -1) != listing["bytes"] or \
            str(entry.get("sha256") or "").upper() != listing["sha256"].upper():
        raise BackupSetError("manifest item %r does not list its listing %s as one of its files"
                             % (item["id"], listing["path"]))


# --- listings: a file store's file list, in the set (docs/backup-set.md, "Listings") ---------------------------

def listing_path(folder):
    """The listing of the file store copied into <set>/<folder>: listings/<last name of folder>.tsv."""
    return "%s/%s.tsv" % (LISTINGS_FOLDER, folder.rstrip("/").rsplit("/", 1)[-1])


def ordinal_key(path):
    """Ordinal order (.NET's StringComparer.Ordinal: UTF-16 code units), the order of a listing's lines."""
    return path.encode("utf-16-be", "surrogatepass")


def listing_line(sha256, size, path):
    return "%s\t%d\t%s" % (sha256 or "-", int(size), path)


def listing_text(entries):
    """The canonical listing of [(sha256, bytes, relative '/'-path)]: what lync_file_listing writes."""
    ordered_entries = sorted(entries, key=lambda e: ordinal_key(e[2]))
    return "".join(listing_line(*e) + "\n" for e in ordered_entries)


LISTING_BAD_NAME_RE = re.compile(r'[\\:\x00-\x1f]')
LISTING_SIZE_RE = re.compile(r"[0-9]+")


def check_listing_path(path):
    """A path as a store's listing names it: relative, '/'-separated names, none empty, '.' or '..', no backslash,
    no ':' (a drive or a stream) and no character 0-31. Looser than check_manifest_path on purpose: the host lists
    whatever the store's copy holds, and NTFS keeps names Win32 refuses (a name ending in a space or a dot, made
    through a \\\\?\\ path, which robocopy copies): verify must name such a file when it differs, not refuse the
    listing ("Naming Files, Paths, and Namespaces", https://learn.microsoft.com/windows/win32/fileio/naming-a-file)."""
    if not isinstance(path, str) or not path:
        raise BackupSetError("listing path %r is not a relative path" % (path,))
    if any(name in ("", ".", "..") or LISTING_BAD_NAME_RE.search(name) for name in path.split("/")):
        raise BackupSetError("listing path %r is not a plain relative path inside the store (no '..', drive, "
                             "backslash or empty name)" % (path,))
    return path


def parse_listing_line(line):
    """{"sha256", "bytes", "path"} of one listing line; BackupSetError for a line that is not one."""
    parts = str(line).rstrip("\n").split("\t")
    # ASCII digits only: str.isdigit() also accepts '²' or '٣', which int() then refuses with a ValueError.
    if len(parts) != 3 or not LISTING_SIZE_RE.fullmatch(parts[1]) \
            or not (parts[0] == "-" or SIGNATURE_RE.match(parts[0])):
        raise BackupSetError("listing line %r is not <SHA-256> TAB <bytes> TAB <path>" % (str(line)[:200],))
    return {"sha256": None if parts[0] == "-" else parts[0].upper(), "bytes": int(parts[1]),
            "path": check_listing_path(parts[2])}


def _entries(pages):
    """Parsed listing lines from an iterable of pages (lists of lines), checking that they stay in order."""
    last = None
    for page in pages:
        for line in page:
            entry = parse_listing_line(line)
            key = ordinal_key(entry["path"])
            if last is not None and key <= last:
                raise BackupSetError("listing is not in ordinal order at %s" % entry["path"])
            last = key
            yield entry


def listing_entries(pages):
    """Parsed, order-checked entries of a listing read page by page (one page in memory)."""
    return _entries(pages)


def hashing_pages(pages, digest):
    """Pass a listing's pages through, feeding `digest` (hashlib) with the bytes of the file they were read from:
    a listing is UTF-8 without BOM, each line ending with "\n" (listing_text), so the controller checks what it
    walked against the SHA-256 a manifest records without another read on the host."""
    for page in pages:
        for line in page:
            digest.update((str(line) + "\n").encode("utf-8"))
        yield page


def merge_listings(recorded, found):
    """Walk two listings in step, page by page (memory: one page of each): yields (path, recorded entry or None,
    found entry or None) for every path of either. recorded, found -- iterables of pages of listing lines."""
    left, right = _entries(recorded), _entries(found)
    a, b = next(left, None), next(right, None)
    while a is not None or b is not None:
        if b is None or (a is not None and ordinal_key(a["path"]) < ordinal_key(b["path"])):
            yield a["path"], a, None
            a = next(left, None)
        elif a is None or ordinal_key(b["path"]) < ordinal_key(a["path"]):
            yield b["path"], None, b
            b = next(right, None)
        else:
            yield a["path"], a, b
            a, b = next(left, None), next(right, None)


def listing_differences(folder, recorded, found, hashed=True, limit=MAX_NAMED):
    """({relative path: problem}, [extra paths], count of differences) between a store's recorded listing and the
    listing of what is in its folder now, named up to `limit` (problems and extras each); the count is complete."""
    bad, extra, count = {}, [], 0
    prefix = folder.rstrip("/") + "/"
    for path, was, now in merge_listings(recorded, found):
        problem = None
        if now is None:
            problem = "%s%s is missing" % (prefix, path)
        elif was is None:
            count += 1
            if len(extra) < limit:
                extra.append(prefix + path)
            continue
        elif now["sha256"] is None and hashed:
            problem = "%s%s could not be read" % (prefix, path)
        elif now["bytes"] != was["bytes"]:
            problem = "%s%s has %d bytes, the listing says %d" % (prefix, path, now["bytes"], was["bytes"])
        elif hashed and now["sha256"] != was["sha256"]:
            problem = "%s%s does not match its SHA-256 (changed after the backup)" % (prefix, path)
        if problem:
            count += 1
            if len(bad) < limit:
                bad[prefix + path] = problem
    return bad, extra, count


def listed_stores(manifest):
    """The listing-backed items of a manifest (format 2 file stores that succeeded)."""
    return [item for item in manifest["items"] if item.get("listing")]


def item_bytes(item):
    """The bytes an item holds in the set: its files, and for a listing-backed store the files its listing names."""
    total = sum(int(f.get("bytes") or 0) for f in item.get("files") or [])
    return total + int((item.get("listing") or {}).get("file_bytes") or 0)


def item_file_count(item):
    return len(item.get("files") or []) + int((item.get("listing") or {}).get("files") or 0)


def item_claims(item, path):
    """True when the set's file `path` belongs to the item: one of its files, or under its listed folder."""
    listing = item.get("listing")
    if listing and path.startswith(listing["folder"].rstrip("/") + "/"):
        return True
    return any(f["path"] == path for f in item.get("files") or [])


def required_items(manifest):
    """Ids of the items every backup of the manifest's topology makes: the Central Management store
    exports, user data and Response Group configuration per pool, the SQL backups, the file stores and
    one identity record per server (the plan of backup_plan.plan, whatever hosts answered)."""
    from ansible_collections.lync.server.plugins.plugin_utils import backup_plan  # pylint: disable=import-outside-toplevel
    topology = manifest.get("topology")
    if not isinstance(topology, dict):
        raise BackupSetError("manifest has no topology")
    try:
        return {item["id"] for item in backup_plan.plan(topology, {}, {"persistent_chat_export": False})}
    except (KeyError, TypeError, AttributeError) as exc:
        raise BackupSetError("manifest topology is not one lync.server recorded (%s)" % exc) from None


def manifest_files(manifest):
    """{relative path: file entry} of every file the manifest lists (items and the report)."""
    files = {}
    for item in manifest["items"]:
        for entry in item.get("files") or []:
            files[entry["path"]] = entry
    for key in REPORT_KEYS:
        if manifest.get(key):
            files[manifest[key]["path"]] = manifest[key]
    return files


def compare(manifest, listing, hashed):
    """Problems found comparing a manifest with the files really in the set.

    listing -- [{"Path", "Bytes", "Sha256"}] from lync_file_inventory (Sha256 None unless hashed)
    Returns (problems, extra): problems make the set untrustworthy; extra files are only reported.
    """
    bad, extra = file_problems(manifest, listing, hashed)
    return [bad[path] for path in sorted(bad)], extra


def file_problems(manifest, listing, hashed):
    """({relative path: problem} for every listed file that is missing or differs, [files the manifest
    does not list]) — recovery refuses an item with a bad file and restores only listed files."""
    present = {f["Path"]: f for f in listing}
    bad = {}
    for path, entry in sorted(manifest_files(manifest).items()):
        found = present.get(path)
        if found is None:
            bad[path] = "%s is missing" % path
        elif hashed and found.get("Error"):
            bad[path] = "%s could not be read: %s" % (path, found["Error"])
        elif int(found["Bytes"]) != int(entry["bytes"]):
            bad[path] = "%s has %s bytes, the manifest says %s" % (path, found["Bytes"], entry["bytes"])
        elif hashed and str(found["Sha256"]).upper() != str(entry["sha256"]).upper():
            bad[path] = "%s does not match its SHA-256 (changed after the backup)" % path
    known = set(manifest_files(manifest)) | {"manifest.json", SIGNATURE_NAME}
    extra = sorted(p for p in present if p not in known)
    return bad, extra


def sign(manifest_text, key):
    """The HMAC-SHA256 (hex, upper case) of a manifest's bytes under the signing key kept in Ansible Vault."""
    return hmac.new(str(key).encode("utf-8"), manifest_text.encode("utf-8"), hashlib.sha256).hexdigest().upper()


SIGNATURE_RE = re.compile(r"\A[0-9A-Fa-f]{64}\Z")


def signature_state(manifest_text, signature_text, key):
    """valid, missing (no manifest.sig), wrong, or unchecked (no key given) for a manifest and its manifest.sig.
    A manifest.sig that exists but is empty or not 64 hex digits is wrong: the backup never writes one."""
    if not key:
        return "unchecked"
    if signature_text is None:
        return "missing"
    text = str(signature_text).strip().lstrip("\ufeff")
    if not SIGNATURE_RE.match(text):
        return "wrong"
    return "valid" if hmac.compare_digest(text.upper().encode("ascii"), sign(manifest_text, key).encode("ascii")) else "wrong"


def describe(name, manifest_text, now=None, signature_text=None, key=None, allow_unsigned=False, read_error=None):
    """What a scanned set is, before any file is checked: id, time, status, manifest, signature.

    A folder named like a set whose date cannot be, or lies in the future, is listed as invalid
    (never fatal, never trusted). With a signing key, a set is trusted only when manifest.sig holds
    the manifest's HMAC; allow_unsigned accepts a missing one (sets made before signing), never a
    wrong one. Sets are ordered by the start time their manifest recorded (`recorded`), not by name.
    """
    now = now or utcnow()
    info = {"set_id": name, "started": None, "recorded": None, "status": "incomplete", "manifest": None,
            "problems": [], "items_ok": 0, "items_failed": 0, "bytes": 0, "signature": None,
            "manifest_sha256": None}
    try:
        started = set_time(name)
    except BackupSetError as exc:
        info.update(status="invalid", problems=[str(exc)])
        return info
    info["started"] = info["recorded"] = started.isoformat().replace("+00:00", "Z")
    if started > now + FUTURE_TOLERANCE:
        info.update(status="invalid", problems=["%s is dated in the future (the share's clock or a forged set)" % name])
        return info
    if read_error:
        info.update(status="invalid", problems=["its manifest or signature could not be read: %s" % read_error])
        return info
    if manifest_text is None:
        info["problems"].append("no manifest.json (the run did not finish)")
        return info
    info["manifest_sha256"] = hashlib.sha256(manifest_text.encode("utf-8")).hexdigest().upper()
    try:
        manifest = parse_manifest(manifest_text)
    except BackupSetError as exc:
        info.update(status="invalid", problems=[str(exc)])
        return info
    if manifest["set_id"] != name:
        info.update(status="invalid", problems=["manifest.json belongs to %s" % manifest["set_id"]])
        return info
    recorded = parse_time(manifest.get("started"))
    if recorded is None or recorded > now + FUTURE_TOLERANCE or abs(recorded - started) > datetime.timedelta(days=1):
        info.update(status="invalid", problems=["manifest.json records a start time %r that does not match %s"
                                                % (manifest.get("started"), name)])
        return info
    info.update(status=manifest["status"], manifest=manifest, recorded=recorded.isoformat().replace("+00:00", "Z"),
                items_ok=sum(1 for i in manifest["items"] if i["status"] == "ok"),
                items_failed=sum(1 for i in manifest["items"] if i["status"] != "ok"),
                bytes=sum(int(f["bytes"]) for f in manifest_files(manifest).values())
                + sum(int(i["listing"]["file_bytes"]) for i in listed_stores(manifest)))
    state = signature_state(manifest_text, signature_text, key)
    info["signature"] = state
    info["signature_accepted"] = state == "valid" or (state in ("missing", "unchecked") and bool(allow_unsigned))
    if state == "wrong":
        info["problems"].append("manifest.sig does not match the manifest under the signing key (the manifest "
                                "was changed after the backup, or signed with another key)")
    elif state == "missing" and not allow_unsigned:
        info["problems"].append("the set is not signed (no manifest.sig); a set made before signing existed can "
                                "be used with the explicit override allow_unsigned")
    elif state == "unchecked" and not allow_unsigned:
        info["problems"].append("no signing key was given (lync_backup_signing_key), so the manifest's signature "
                                "cannot be checked")
    return info


def reported_damage(sets):
    """Mark the sets whose file-store copy a later set's close found damaged (review hardlink2, N5).

    A night that hard-linked files from an earlier set X compares each linked file with X's manifest; a file that
    reads otherwise is X's own data (a link shares it), so X no longer holds what its manifest records. That
    finding is recorded, signed, in the later set's manifest (the file store's `details.damaged_links`, the count in
    `damaged_links_count`, with `linked_from`: X); X's own manifest, signed at its close, is never edited. Each scan
    reads it back here: X gets a problem (so it is no longer trusted: condition `damaged`, never linked from, not
    counted by retention as a good set, refused by recovery unless recovery_items leaves its file store out) and the
    named paths in `reported_damage` (verify adds them to `bad_files`). The sets X itself linked that store from,
    back to the store's last full copy, may share the same data: they are named in `shares_damage`, and retention
    hash-checks them (not only sizes) before counting them. A finding counts only from a manifest whose signature is
    valid (or, without a signing key, not checked); a tampered manifest marks nothing."""
    by_id = {s["set_id"]: s for s in sets}
    for reporter in sets:
        if reporter.get("signature") not in ("valid", "unchecked"):
            continue
        for item in (reporter.get("manifest") or {}).get("items") or []:
            details = item.get("details") or {} if item.get("kind") == "filestore" else {}
            named = [str(p) for p in details.get("damaged_links") or []]
            count = max(int(details.get("damaged_links_count") or 0), len(named))
            target = by_id.get(details.get("linked_from"))
            if not count or target is None or target is reporter:
                continue
            shown = ", ".join(named[:5]) + (", ..." if count > min(len(named), 5) else "")
            target["problems"].append(
                "%s's close found %d file(s) of its copy of %s damaged (hard links to this set's data that no longer "
                "read as this set's manifest records them: %s): do not restore them from this set"
                % (reporter["set_id"], count, item.get("id"), shown))
            target["reported_damage"] = sorted(set(target.get("reported_damage") or []) | set(named))
            seen = {target["set_id"]}
            walk = target
            while True:
                earlier = _store_details(walk, item.get("id"))
                older = by_id.get(earlier.get("linked_from")) if earlier.get("transfer") == "linked" else None
                if older is None or older["set_id"] in seen:
                    break
                seen.add(older["set_id"])
                note = "%s found in %s (linked from this set's copy of %s)" % (reporter["set_id"], target["set_id"],
                                                                               item.get("id"))
                older["shares_damage"] = sorted(set(older.get("shares_damage") or []) | {note})
                walk = older
    return sets


def _store_details(info, item_id):
    for item in (info.get("manifest") or {}).get("items") or []:
        if item.get("id") == item_id:
            return item.get("details") or {}
    return {}


def override_warning(sets):
    """The loud line for sets trusted only because allow_unsigned was given (None when there are none)."""
    unsigned = [s["set_id"] for s in sets if s.get("signature") in ("missing", "unchecked") and is_trusted(s)]
    if not unsigned:
        return None
    return ("OVERRIDE: allow_unsigned trusts backup sets whose manifest signature was not checked: %s"
            % ", ".join(unsigned))


def ordered(sets):
    """Sets newest first by the start time their manifest recorded (the name's time without one)."""
    return sorted(sets, key=lambda s: (s.get("recorded") or "", s["set_id"]), reverse=True)


def is_trusted(info):
    """A set recovery and retention may rely on: complete, signed (or explicitly allowed unsigned), and
    no file problem found."""
    return info["status"] == "complete" and not info["problems"]


def condition(info):
    """One word for a set: complete, partial, incomplete, invalid, tampered (its signature does not match),
    damaged (complete but files differ) or unsigned (complete, intact, signature not checked)."""
    if info.get("signature") == "wrong":
        return "tampered"
    if info.get("signature_accepted") is False:
        return "unsigned"
    if info["status"] != "complete" or not info["problems"]:
        return info["status"]
    return "damaged"


def retention_plan(sets, now, keep_sets=None, keep_days=None, protect=()):
    """Decide which sets to remove. Returns (remove, keep, reasons: {set_id: why}).

    A folder named like a set whose date cannot be is never removed nor counted: it is kept and
    named in the reasons (something other than this collection put it there).
    """
    strays = [s for s in sets if not s.get("started")]
    remove, keep, reasons = _retention_plan([s for s in sets if s.get("started")], now, keep_sets, keep_days, protect)
    for s in strays:
        keep.append(s["set_id"])
        reasons[s["set_id"]] = "kept: not a backup set (%s); never removed" % "; ".join(s["problems"])
    return remove, keep, reasons


def _retention_plan(sets, now, keep_sets, keep_days, protect):
    """retention_plan over sets with a real date.

    sets -- describe() results, after verification added any problems
    Rules: nothing is removed without keep_sets or keep_days; the newest trusted set is
    always kept; trusted sets are kept while within keep_sets (newest first) or keep_days;
    untrusted sets (partial, unfinished, invalid, tampered) are removed only once older
    than what retention keeps; when no trusted set exists, nothing is removed; sets in
    `protect` (e.g. the one being written) are always kept.
    """
    ordered_sets = ordered(sets)
    reasons = {}
    if keep_sets is None and keep_days is None:
        return [], [s["set_id"] for s in ordered_sets], {s["set_id"]: "no retention configured" for s in ordered_sets}
    trusted = [s for s in ordered_sets if is_trusted(s)]
    if not trusted:
        return [], [s["set_id"] for s in ordered_sets], {s["set_id"]: "kept: no trusted set exists" for s in ordered_sets}

    def age_days(s):
        return (now - set_time(s["set_id"])).total_seconds() / 86400

    kept_trusted = []
    for index, s in enumerate(trusted):
        if index == 0:
            reasons[s["set_id"]] = "kept: newest trusted set"
        elif keep_sets is not None and index < keep_sets:
            reasons[s["set_id"]] = "kept: within the newest %d trusted sets" % keep_sets
        elif keep_days is not None and age_days(s) <= keep_days:
            reasons[s["set_id"]] = "kept: younger than %d days" % keep_days
        else:
            continue
        kept_trusted.append(s)
    oldest_kept = min(set_time(s["set_id"]) for s in kept_trusted)
    remove = []
    for s in ordered_sets:
        sid = s["set_id"]
        if sid in protect:
            reasons[sid] = "kept: protected"
        elif sid in reasons:
            continue
        elif is_trusted(s):
            reasons[sid] = "removed: beyond retention"
            remove.append(sid)
        else:
            # Without keep_days, an untrusted set goes only once keep_sets trusted sets are newer than it:
            # the first signed night does not sweep away the good unsigned sets made before signing.
            beyond = age_days(s) > keep_days if keep_days is not None else (
                set_time(sid) < oldest_kept and len(kept_trusted) >= keep_sets)
            if beyond:
                reasons[sid] = "removed: %s set older than retention" % condition(s)
                remove.append(sid)
            else:
                reasons[sid] = "kept: %s set still within retention" % condition(s)
    keep = [s["set_id"] for s in ordered_sets if s["set_id"] not in remove]
    return remove, keep, reasons
