"""File operations of the lab's simulated hosts, with Windows' rules about who may do what.

* The WinRM double hop: a session reaches a share on another server only with network
  credentials (become runas logon_type=new_credentials); otherwise access is denied.
* Share permissions: a share's `deny_write` list names accounts (or `*`) that may not write, its
  `deny_read` list accounts (or `*`) the share or folder grants nothing: they cannot even list it,
  and Test-Path answers $false, as Windows does for a folder the caller may not open.
* Disk space: every write and delete moves the drive's `free_bytes`; a write that does not
  fit leaves a partial file behind and fails like Windows does.
* MAX_PATH: a path longer than 259 characters fails with PathTooLongException unless it is an
  extended-length path (\\\\?\\D:\\... or \\\\?\\UNC\\server\\share\\...), as Windows PowerShell 5.1 and
  .NET do ("Maximum Path Length Limitation",
  https://learn.microsoft.com/en-us/windows/win32/fileio/maximum-file-path-limitation). Enumerating a
  folder checks every file's full path, so a short folder path with deep content fails too.
  robocopy handles long paths itself (its /256 switch "turns off very long path (> 256 characters)
  support", https://learn.microsoft.com/en-us/windows-server/administration/windows-commands/robocopy):
  it calls these with long_paths=True.
* Hard links (hard_link): two names, one file. The lab's files are real files, so a link is a real
  link: writing through one name shows through the other, the link count is the real one, and a
  removed name frees the drive's bytes only when it was the file's last name. CreateHardLinkW's rules
  (https://learn.microsoft.com/windows/win32/api/winbase/nf-winbase-createhardlinkw): NTFS only, files
  only, both names on one volume, at most 1023 links per file. Each drive has a `file_system`
  ("NTFS" when not set); a share may carry its own `file_system` (a NAS or another volume behind it).

Bytes read and written are counted for the bench (calls.moved: who moved them, from or to whose disk)
only while a recorded call counts them (LYNC_LAB_CALLS); otherwise counting is one test per file.
`actor` names the host that does the I/O when it is not the session's host (SQL Server's BACKUP and
RESTORE run in the SQL Server service, boundary/sql.py).
"""

import hashlib
import os

from . import calls, paths
from .errors import PSError

CHUNK = 1 << 20


def _denied(winpath):
    return PSError("Access to the path '%s' is denied." % winpath, "PermissionDenied",
                   "UnauthorizedAccessException")


def dotnet_supports_extended(ctx):
    """.NET Framework 4.6.2 and later take extended-length (\\\\?\\) paths; earlier versions refuse them with
    "Illegal characters in path." ("PathTooLongException",
    https://learn.microsoft.com/dotnet/api/system.io.pathtoolongexception). A lab host carries
    `dotnet_framework` ("4.8" when not set)."""
    version = str(ctx.state["hosts"].get(ctx.host, {}).get("dotnet_framework", "4.8"))
    return tuple(int(x) for x in version.split(".")) >= (4, 6, 2)


def lab_file(ctx, key):
    """The lab file a test names in the lab state as "<fqdn>|<local path>" (lab.open_for_write, lab.open_errors,
    lab.attributes, lab.stale_entries, ...)."""
    fqdn, local = key.split("|", 1)
    return ctx.lab.host_root(fqdn) / local[0].upper() / local[3:].replace("\\", "/")


def locate(ctx, winpath, write=False, account=None, long_paths=False):
    """The Location of winpath after checking that `account` (default: this session) may use it."""
    if str(winpath).startswith("\\\\?\\") and not long_paths and not dotnet_supports_extended(ctx):
        raise PSError("Illegal characters in path.", "InvalidArgument", "ArgumentException")
    loc = paths.locate(ctx.lab, ctx.state, ctx.host, winpath)
    if not long_paths and paths.too_long(winpath, loc.extended):
        raise paths.path_too_long(winpath)
    if loc.share is not None:
        who = account or (ctx.network_user if loc.remote else ctx.session_user)
        if not who:
            raise _denied(winpath)
        deny = [a.lower() for a in loc.share.get("deny_write", [])]
        if write and ("*" in deny or who.lower() in deny):
            raise _denied(winpath)
        deny = [a.lower() for a in loc.share.get("deny_read", [])]
        if "*" in deny or who.lower() in deny:
            raise _denied(winpath)
    return loc


def _disk(ctx, loc):
    return ctx.state["hosts"][loc.host].setdefault("disks", {}).setdefault(
        loc.drive, {"size_bytes": 100 * 2 ** 30, "free_bytes": 60 * 2 ** 30})


def file_system(ctx, loc):
    """The file system a Location is on: its share's `file_system`, else its drive's, else NTFS."""
    if loc.share is not None and loc.share.get("file_system"):
        return str(loc.share["file_system"])
    return str(_disk(ctx, loc).get("file_system") or "NTFS")


MAX_LINKS = 1023  # "The maximum number of hard links that can be created with this function is 1023 per file."


def hard_link(ctx, new_path, existing_path, account=None, long_paths=False):
    """CreateHardLinkW(new_path, existing_path) (https://learn.microsoft.com/windows/win32/api/winbase/nf-winbase-createhardlinkw):
    "only supported on the NTFS file system, and only for files, not directories"; "all hard links to a file
    must be on the same volume"; "The maximum number of hard links ... is 1023 per file". Over SMB the
    server does it (MS-FSCC 2.4.27.2 FileLinkInformation for the SMB2 Protocol,
    https://learn.microsoft.com/openspecs/windows_protocols/ms-fscc/58f44021-120d-4662-bf2c-9905ed4940dc),
    answering STATUS_NOT_SUPPORTED or STATUS_TOO_MANY_LINKS; the Win32 messages and error codes are raised here
    (System Error Codes: 1 ERROR_INVALID_FUNCTION, 2, 3, 5, 17 ERROR_NOT_SAME_DEVICE, 50 ERROR_NOT_SUPPORTED,
    183 ERROR_ALREADY_EXISTS, 1142 ERROR_TOO_MANY_LINKS,
    https://learn.microsoft.com/windows/win32/debug/system-error-codes--0-499-)."""
    new = locate(ctx, new_path, write=True, account=account, long_paths=long_paths)
    old = locate(ctx, existing_path, account=account, long_paths=long_paths)
    if not old.real.exists():
        raise PSError("Cannot find path '%s' because it does not exist." % existing_path, "ObjectNotFound",
                      "FileNotFoundException", code=2)
    if old.real.is_dir():
        raise PSError("Access to the path '%s' is denied." % existing_path, "PermissionDenied",
                      "UnauthorizedAccessException", code=5)
    if new.real.exists():
        raise PSError("Cannot create a file when that file already exists.", "WriteError", "IOException", code=183)
    if not new.real.parent.is_dir():
        raise PSError("The system cannot find the path specified.", "ObjectNotFound", "DirectoryNotFoundException",
                      code=3)
    if (new.host, new.drive) != (old.host, old.drive) or (new.share or {}).get("file_system") != \
            (old.share or {}).get("file_system"):
        raise PSError("The system cannot move the file to a different disk drive.", "WriteError", "IOException", code=17)
    if file_system(ctx, new).upper() != "NTFS":
        remote = new.remote or new.share is not None  # over SMB: STATUS_NOT_SUPPORTED -> ERROR_NOT_SUPPORTED (50)
        raise PSError("The request is not supported." if remote else "Incorrect function.", "NotImplemented",
                      "IOException", code=50 if remote else 1)
    if old.real.stat().st_nlink >= MAX_LINKS:
        raise PSError("An attempt was made to create more links on a file than the file system supports.",
                      "WriteError", "IOException", code=1142)
    os.link(old.real, new.real)
    return new


def link_count(ctx, winpath, account=None, long_paths=False):
    """How many names the file has (1 for a file that was never linked)."""
    return locate(ctx, winpath, account=account, long_paths=long_paths).real.stat().st_nlink


def _check_tree(winpath, loc, files, long_paths):
    """PathTooLong for the first file under winpath whose full path Windows would refuse."""
    if long_paths or loc.extended:
        return
    for path in files:
        full = join(winpath, path.relative_to(loc.real).as_posix().replace("/", "\\"))
        if paths.too_long(full, False):
            raise paths.path_too_long(full)


def write_bytes(ctx, winpath, data, account=None, long_paths=False, actor=None, sent=None):
    """Write a whole file; on a full disk, write what fits, then fail. `sent`: the bytes this write
    moves when less than the whole file (a FileStream writes a chunk and the lab rewrites the file)."""
    loc = locate(ctx, winpath, write=True, account=account, long_paths=long_paths)
    disk = _disk(ctx, loc)
    old = loc.real.stat().st_size if loc.real.exists() else 0  # a linked file is written in place: every name sees it
    loc.real.parent.mkdir(parents=True, exist_ok=True)
    room = disk["free_bytes"] + old
    with open(loc.real, "wb") as handle:
        handle.write(data[:max(room, 0)])
    written = min(len(data), max(room, 0))
    calls.moved(actor or ctx.host, loc.host, "write", written if sent is None else min(sent, written))
    disk["free_bytes"] = disk["free_bytes"] + old - written
    if written < len(data):
        raise PSError("There is not enough space on the disk. : '%s'" % winpath, "WriteError", "IOException")
    return written


def append_bytes(ctx, winpath, data, account=None, actor=None):
    """Add bytes at the end of an existing file (a FileStream writing at its end), with write_bytes' disk rules,
    without rewriting what the file holds (a streamed file of N lines costs N small writes, not N whole files)."""
    loc = locate(ctx, winpath, write=True, account=account)
    disk = _disk(ctx, loc)
    room = disk["free_bytes"]
    with open(loc.real, "ab") as handle:
        handle.write(data[:max(room, 0)])
    written = min(len(data), max(room, 0))
    calls.moved(actor or ctx.host, loc.host, "write", written)
    disk["free_bytes"] = disk["free_bytes"] - written
    if written < len(data):
        raise PSError("There is not enough space on the disk. : '%s'" % winpath, "WriteError", "IOException")
    return written


def read_bytes(ctx, winpath, account=None, long_paths=False, actor=None, counted=True):
    """A whole file's bytes. `counted` False: the lab reads the file without the program reading it (a
    FileStream opened only to write)."""
    loc = locate(ctx, winpath, account=account, long_paths=long_paths)
    if not loc.real.is_file():
        raise PSError("Could not find file '%s'." % winpath, "ObjectNotFound", "FileNotFoundException")
    data = loc.real.read_bytes()
    if counted:
        calls.moved(actor or ctx.host, loc.host, "read", len(data))
    return data


def make_dirs(ctx, winpath, account=None):
    """Create a folder and its parents (CreateDirectory): a folder not there yet whose path has 248 characters or
    more is refused without the \\\\?\\ prefix (paths.directory_too_long), with .NET's PathTooLongException text.
    New-Item -ItemType Directory -Force drops such IOExceptions (boundary/fs.py new_item, io_exception)."""
    loc = locate(ctx, winpath, write=True, account=account)
    if not loc.real.is_dir() and paths.directory_too_long(winpath, loc.extended):
        raise paths.path_too_long(winpath)
    loc.real.mkdir(parents=True, exist_ok=True)
    return loc


def exception_type(err):
    """The .NET exception type a lab rule's refusal (a PSError raised here or by paths) stands for."""
    kind = {"UnauthorizedAccessException": "System.UnauthorizedAccessException",
            "FileNotFoundException": "System.IO.FileNotFoundException",
            "DirectoryNotFoundException": "System.IO.DirectoryNotFoundException",
            "ArgumentException": "System.ArgumentException"}.get(err.error_id, "System.IO.IOException")
    if "too long" in err.message:
        kind = "System.IO.PathTooLongException"
    return kind


def io_exception(err):
    """True when the refusal is an IOException or one of its subclasses (PathTooLongException,
    DirectoryNotFoundException, FileNotFoundException; "The network name cannot be found", a full disk); never for
    the lab's own "lab: ..." refusals, which say what the lab does not model and stay visible."""
    return exception_type(err).startswith("System.IO.") and not str(err.message).startswith("lab:")


def exists(ctx, winpath, account=None):
    return locate(ctx, winpath, account=account).real.exists()


def test_path(ctx, winpath, container=False, account=None):
    """Test-Path -LiteralPath: $false, not an error, for a path it cannot use (an invalid path included)."""
    try:
        real = locate(ctx, winpath, account=account).real
    except PSError:
        return False
    return real.is_dir() if container else real.exists()


def remove(ctx, winpath, account=None, long_paths=False):
    """Remove a file or a folder tree, giving its bytes back to the drive."""
    loc = locate(ctx, winpath, write=True, account=account, long_paths=long_paths)
    if not loc.real.exists():
        return 0
    files = [loc.real] if loc.real.is_file() else [p for p in loc.real.rglob("*") if p.is_file()]
    if not loc.real.is_file():
        _check_tree(winpath, loc, files, long_paths)
    # A name that is not the file's last one frees nothing: the other names still hold its bytes.
    names = {}
    for path in files:
        stat = path.stat()
        names.setdefault(stat.st_ino, [stat, 0])[1] += 1
    freed = sum(stat.st_size for stat, count in names.values() if stat.st_nlink == count)
    if loc.real.is_file():
        loc.real.unlink()
    else:
        for path in sorted(loc.real.rglob("*"), key=lambda p: len(p.parts), reverse=True):
            path.unlink() if path.is_file() else path.rmdir()
        loc.real.rmdir()
    _disk(ctx, loc)["free_bytes"] += freed
    return freed


def rename(ctx, winpath, new_name, account=None):
    """Rename-Item -LiteralPath winpath -NewName new_name: one rename in the same folder; the new name is a
    name, not a path ("Rename-Item", https://learn.microsoft.com/powershell/module/microsoft.powershell.management/rename-item)."""
    if "\\" in new_name or "/" in new_name:
        raise PSError("Cannot rename the specified target, because it represents a path or device name.",
                      "InvalidArgument", "PSArgumentException")
    loc = locate(ctx, winpath, write=True, account=account)
    if not loc.real.exists():
        raise PSError("Cannot rename because item at '%s' does not exist." % winpath, "InvalidOperation",
                      "PSInvalidOperationException")
    target = loc.real.with_name(new_name)
    if target.exists():
        raise PSError("Cannot create a file when that file already exists.", "WriteError", "IOException")
    loc.real.rename(target)
    return winpath.rstrip("\\").rsplit("\\", 1)[0] + "\\" + new_name


def listing(ctx, winpath, hash_files=False, account=None, long_paths=False):
    """[(relative path with '/', bytes, sha256 or None)] of every file under a folder."""
    loc = locate(ctx, winpath, account=account, long_paths=long_paths)
    if not loc.real.is_dir():
        return None
    found = []
    files = sorted(p for p in loc.real.rglob("*") if p.is_file())
    _check_tree(winpath, loc, files, long_paths)
    for path in files:
        digest = None
        if hash_files:
            sha = hashlib.sha256()
            with open(path, "rb") as handle:
                for block in iter(lambda h=handle: h.read(CHUNK), b""):
                    sha.update(block)
            digest = sha.hexdigest().upper()
            calls.moved(ctx.host, loc.host, "read", path.stat().st_size)
        found.append((path.relative_to(loc.real).as_posix(), path.stat().st_size, digest))
    return found


def join(*parts):
    """Join Windows path parts with single backslashes."""
    first, rest = str(parts[0]).rstrip("\\"), [str(p).strip("\\") for p in parts[1:] if str(p)]
    return "\\".join([first] + rest)


def move(ctx, source, destination, account=None, long_paths=False):
    """Move a file or folder to the full path `destination` (which must not exist). On the same volume it
    is one rename and the drive's free space does not change; a file moved to another volume is copied
    and deleted (MoveFileEx with MOVEFILE_COPY_ALLOWED), a folder cannot be ("Move-Item",
    https://learn.microsoft.com/powershell/module/microsoft.powershell.management/move-item: it "will move
    files between drives that are supported by the same provider, but it will move directories only within
    the same drive"). A move keeps the file's times."""
    src = locate(ctx, source, write=True, account=account, long_paths=long_paths)
    dest = locate(ctx, destination, write=True, account=account, long_paths=long_paths)
    if not src.real.exists():
        raise PSError("Could not find file '%s'." % source, "ObjectNotFound", "FileNotFoundException")
    if dest.real.exists():
        raise PSError("Cannot create a file when that file already exists.", "WriteError", "IOException")
    if not dest.real.parent.is_dir():
        raise PSError("Could not find a part of the path '%s'." % destination, "ObjectNotFound",
                      "DirectoryNotFoundException")
    if (src.host, src.drive) == (dest.host, dest.drive):
        src.real.rename(dest.real)
        return
    if src.real.is_dir():
        raise PSError("Source and destination path must have identical roots. Move will not work across volumes.",
                      "WriteError", "IOException")
    stat = src.real.stat()
    calls.moved(ctx.host, src.host, "read", stat.st_size)
    write_bytes(ctx, destination, src.real.read_bytes(), account=account, long_paths=long_paths)
    os.utime(dest.real, (stat.st_atime, stat.st_mtime))
    remove(ctx, source, account=account, long_paths=long_paths)
