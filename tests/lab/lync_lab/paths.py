"""Map Windows paths to the lab's real folders.

fs/<fqdn>/<drive>/... holds each host's drives. A UNC path \\\\server\\share\\rest is
resolved through the share table of the server that owns it, so a backup written to
the backup server's share lands in that server's D: folder.
"""

import collections
import pathlib
import re

from . import model
from .errors import PSError

DRIVE_RE = re.compile(r"^(?P<drive>[A-Za-z]):[\\/]?(?P<rest>.*)$")
UNC_RE = re.compile(r"^\\\\(?P<server>[^\\/]+)[\\/](?P<share>[^\\/]+)[\\/]?(?P<rest>.*)$")
# Extended-length paths ("Maximum Path Length Limitation",
# https://learn.microsoft.com/en-us/windows/win32/fileio/maximum-file-path-limitation):
# \\?\D:\very long path and \\?\UNC\server\share\very long path reach past MAX_PATH.
EXTENDED_PREFIX = "\\\\?\\"
EXTENDED_UNC_PREFIX = "\\\\?\\UNC\\"
# MAX_PATH is 260 characters including the terminating null: 259 characters of path.
MAX_PATH_CHARS = 259


def _parts(rest):
    return [p for p in re.split(r"[\\/]+", rest) if p and p != "."]


def _walk_case_insensitive(base, parts):
    """Join parts onto base, reusing existing entries whose names differ only by case (NTFS semantics)."""
    current = base
    for part in parts:
        if part == "..":
            raise PSError("lab: '..' in a path is not allowed: %s" % "\\".join(parts), "InvalidArgument")
        candidate = current / part
        if not candidate.exists() and current.is_dir():
            for entry in current.iterdir():
                if entry.name.lower() == part.lower():
                    candidate = entry
                    break
        current = candidate
    return current


def local(lab, fqdn, drive, rest):
    """The real path of <drive>:\\<rest> on host fqdn."""
    return _walk_case_insensitive(lab.host_root(fqdn) / drive.upper(), _parts(rest))


Location = collections.namedtuple("Location", "real host drive share remote extended")
Location.__new__.__defaults__ = (False,)


def split_extended(winpath):
    """(path without the \\\\?\\ or \\\\?\\UNC\\ prefix, True) for an extended-length path, else (path, False).

    With the prefix Windows does no normalisation: '/' is not a separator and '.'/'..' are names,
    so the lab refuses a prefixed path that holds them (the payload must pass a clean path).
    """
    text = str(winpath)
    if text[:8].upper() == EXTENDED_UNC_PREFIX.upper():
        plain = "\\\\" + text[8:]
    elif text.startswith(EXTENDED_PREFIX):
        plain = text[4:]
    else:
        return text, False
    if "/" in plain or any(part in (".", "..") for part in plain.split("\\")):
        raise PSError("lab: an extended-length path is not normalised by Windows: %s" % text, "InvalidArgument")
    return plain, True


def too_long(winpath, extended):
    """True when Windows refuses winpath for MAX_PATH: longer than 259 characters and not extended-length."""
    return not extended and len(str(winpath)) > MAX_PATH_CHARS


# A directory Windows creates must have a path shorter than 248 characters without the \\?\\ prefix: CreateDirectory,
# "there is a default string size limit for paths of 248 characters (MAX_PATH - enough room for a 8.3 filename)"
# (https://learn.microsoft.com/windows/win32/api/winbase/nf-winbase-createdirectory; the CreateDirectoryA page,
# https://learn.microsoft.com/windows/win32/api/fileapi/nf-fileapi-createdirectorya), and .NET Framework under
# Windows PowerShell 5.1 refuses it with PathTooLongException, "the directory name must be less than 248 characters"
# (https://learn.microsoft.com/dotnet/api/system.io.pathtoolongexception).
MAX_DIRECTORY_CHARS = 247


def directory_too_long(winpath, extended):
    """True when Windows refuses to create the directory winpath: 248 characters or more and not extended-length."""
    return not extended and len(str(winpath).rstrip("\\")) > MAX_DIRECTORY_CHARS


def path_too_long(winpath):
    """The error PowerShell 5.1 / .NET raise for a path past MAX_PATH without the \\\\?\\ prefix."""
    return PSError("The specified path, file name, or both are too long. The fully qualified file name must be "
                   "less than 260 characters, and the directory name must be less than 248 characters. : '%s'"
                   % winpath, "ReadError", "DirIOError,Microsoft.PowerShell.Commands.GetChildItemCommand")


def locate(lab, state, current_host, winpath):
    """Where a Windows path seen from current_host really is: Location(real, host, drive, share, remote).

    share is the share record for a UNC path (None for a drive path); remote is True when the
    path is on another server than current_host (the case the WinRM double hop breaks).
    """
    text, extended = split_extended(winpath)
    unc = UNC_RE.match(text)
    if unc:
        fqdn = model.find_host(state, unc.group("server"))
        if fqdn is None or state["hosts"][fqdn].get("powered_off"):
            raise PSError("The network path was not found: \\\\%s" % unc.group("server"), "ObjectNotFound")
        shares = {k.lower(): v for k, v in state["hosts"][fqdn].get("shares", {}).items()}
        share = shares.get(unc.group("share").lower())
        if share is None:
            raise PSError("The network name cannot be found: \\\\%s\\%s" % (unc.group("server"), unc.group("share")),
                          "ObjectNotFound")
        target = DRIVE_RE.match(share["path"])
        real = local(lab, fqdn, target.group("drive"), target.group("rest") + "\\" + unc.group("rest"))
        return Location(real, fqdn, target.group("drive").upper(), share, fqdn != current_host, extended)
    drive = DRIVE_RE.match(text)
    if drive:
        return Location(local(lab, current_host, drive.group("drive"), drive.group("rest")), current_host,
                        drive.group("drive").upper(), None, False, extended)
    raise PSError("lab: not an absolute Windows path: %s" % text, "InvalidArgument")


def resolve(lab, state, current_host, winpath):
    """The real path for a Windows path as seen from current_host."""
    return locate(lab, state, current_host, winpath).real


def to_windows(lab, fqdn, real):
    """The Windows path (D:\\...) of a real path under a host's folder."""
    rel = pathlib.Path(real).relative_to(lab.host_root(fqdn))
    drive, *rest = rel.parts
    return "%s:\\%s" % (drive, "\\".join(rest))
