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


Location = collections.namedtuple("Location", "real host drive share remote")


def locate(lab, state, current_host, winpath):
    """Where a Windows path seen from current_host really is: Location(real, host, drive, share, remote).

    share is the share record for a UNC path (None for a drive path); remote is True when the
    path is on another server than current_host (the case the WinRM double hop breaks).
    """
    text = str(winpath)
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
        return Location(real, fqdn, target.group("drive").upper(), share, fqdn != current_host)
    drive = DRIVE_RE.match(text)
    if drive:
        return Location(local(lab, current_host, drive.group("drive"), drive.group("rest")), current_host,
                        drive.group("drive").upper(), None, False)
    raise PSError("lab: not an absolute Windows path: %s" % text, "InvalidArgument")


def resolve(lab, state, current_host, winpath):
    """The real path for a Windows path as seen from current_host."""
    return locate(lab, state, current_host, winpath).real


def to_windows(lab, fqdn, real):
    """The Windows path (D:\\...) of a real path under a host's folder."""
    rel = pathlib.Path(real).relative_to(lab.host_root(fqdn))
    drive, *rest = rel.parts
    return "%s:\\%s" % (drive, "\\".join(rest))
