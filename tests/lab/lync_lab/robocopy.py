"""What robocopy does, as the lab's stand-in community.windows.win_robocopy needs it.

Supported flags: /E /S (recurse), /MIR and /PURGE (delete extra destination files),
/XF <names> (exclude files by name, wildcards allowed), /L (list only), /XC /XN /XO (leave
existing destination files alone), /IS /IT (copy "same" files again); the others
(/COPY:, /DCOPY:, /R:, /W:, /NP, /NFL, /NDL, /MT: ...) do not change what is copied here.
Which files robocopy copies (https://learn.microsoft.com/en-us/windows-server/administration/windows-commands/robocopy):
a file missing from the destination ("lonely") is copied; one with the same size and last-write time
is "same" and skipped (/IS "Includes the same files"); one whose times differ (newer/older, excluded by
/XN and /XO) or whose size differs at the same time ("changed", excluded by /XC) is copied OVER the
destination file — opened and written in place, so a destination file that is a hard link is written
through to every name it has (fsops.write_bytes on a linked lab file does exactly that). A copied file
keeps the source's last-write time (/COPY:DAT, the default, T = timestamps).
Long paths: robocopy copies paths past MAX_PATH natively (its /256 switch turns that off,
https://learn.microsoft.com/en-us/windows-server/administration/windows-commands/robocopy),
so it uses fsops with long_paths=True.
Return codes as robocopy's: 0 nothing to do, 1 files copied, 2 extra files, 8 some copies
failed, 16 fatal (source missing or not reachable).
"""

import fnmatch
import os

from . import fsops
from .errors import PSError


def parse_flags(flags, recurse, purge):
    words = (flags or "").split(" ") if flags is not None else []
    opts = {"recurse": recurse, "purge": purge, "exclude": [], "list_only": False, "skip_existing": set(),
            "include_same": False}
    if flags is not None:
        opts.update(recurse=False, purge=False)
    taking_names = False
    for word in [w for w in words if w]:
        upper = word.upper()
        if upper.startswith("/"):
            taking_names = upper == "/XF"
            if upper in ("/E", "/S"):
                opts["recurse"] = True
            elif upper == "/MIR":
                opts.update(recurse=True, purge=True)
            elif upper == "/PURGE":
                opts["purge"] = True
            elif upper == "/L":
                opts["list_only"] = True
            elif upper in ("/XC", "/XN", "/XO"):
                opts["skip_existing"].add({"/XC": "changed", "/XN": "newer", "/XO": "older"}[upper])
            elif upper in ("/IS", "/IT"):
                opts["include_same"] = True
        elif taking_names:
            opts["exclude"].append(word)
    return opts


def _excluded(name, patterns):
    return any(fnmatch.fnmatch(name.lower(), p.lower()) for p in patterns)


def summary(copied, skipped, extra, failed, total_bytes, copied_bytes=None, skipped_bytes=0):
    """robocopy's closing table (Total, Copied, Skipped, Mismatch, FAILED, Extras), files and bytes."""
    copied_bytes = total_bytes if copied_bytes is None else copied_bytes
    return ["-------------------------------------------------------------------------------",
            "               Total    Copied   Skipped  Mismatch    FAILED    Extras",
            "    Files :  %8d  %8d  %8d         0  %8d  %8d" % (copied + skipped + failed, copied, skipped, failed, extra),
            "    Bytes :  %8d  %8d  %8d         0         0         0" % (total_bytes, copied_bytes, skipped_bytes)]


def classify(src_stat, dest_stat):
    """robocopy's class of a source file against an existing destination file: same, newer, older, changed."""
    if src_stat.st_mtime_ns == dest_stat.st_mtime_ns:
        return "same" if src_stat.st_size == dest_stat.st_size else "changed"
    return "newer" if src_stat.st_mtime_ns > dest_stat.st_mtime_ns else "older"


def recreated_before_robocopy(ctx):
    """A writer that replaces a file by removing it and creating it again: gone while the link step listed the store
    (the lab state's `lab.removed_after_listing`, boundary/fs.py), back with new bytes when robocopy runs. The lab
    state's `lab.recreated_before_robocopy` maps "<fqdn>|<local path>" to the new text; a file not there when robocopy
    starts is written with it (review hardlink3, finding 3: such a file is on neither of the link step's lists)."""
    for key, text in sorted((ctx.state.get("lab", {}).get("recreated_before_robocopy") or {}).items()):
        real = fsops.lab_file(ctx, key)
        if not real.exists():
            real.write_text(text)


def run(ctx, src, dest, opts):
    """Copy src to dest on the lab host; return (rc, output lines, error message or None)."""
    recreated_before_robocopy(ctx)
    try:
        source = fsops.listing(ctx, src, long_paths=True)
    except PSError as err:
        return 16, ["ERROR 5 (0x00000005) Accessing Source Directory %s" % src, err.message], \
            "ERROR : Access is denied. %s" % err.message
    if source is None:
        return 16, ["ERROR 2 (0x00000002) Accessing Source Directory %s" % src], \
            "ERROR : The system cannot find the file specified. %s" % src
    wanted = [(rel, size) for rel, size, dummy in source
              if (opts["recurse"] or "/" not in rel) and not _excluded(rel.rsplit("/", 1)[-1], opts["exclude"])]
    try:
        existing = {rel: size for rel, size, dummy in (fsops.listing(ctx, dest, long_paths=True) or [])}
    except PSError as err:
        return 16, ["ERROR 5 (0x00000005) Accessing Destination Directory %s" % dest], \
            "ERROR : Access is denied. %s" % err.message
    copied = skipped = failed = 0
    total = copied_bytes = skipped_bytes = 0
    error = None
    for rel, size in wanted:
        target = fsops.join(dest, rel.replace("/", "\\"))
        origin = fsops.join(src, rel.replace("/", "\\"))
        total += size
        if rel in existing:
            kind = classify(fsops.locate(ctx, origin, long_paths=True).real.stat(),
                            fsops.locate(ctx, target, long_paths=True).real.stat())
            if (kind == "same" and not opts["include_same"]) or kind in opts["skip_existing"]:
                skipped += 1
                skipped_bytes += size
                continue
        if opts["list_only"]:
            copied += 1
            continue
        try:
            data = fsops.read_bytes(ctx, origin, long_paths=True)
            mtime = fsops.locate(ctx, origin, long_paths=True).real.stat().st_mtime_ns
            fsops.write_bytes(ctx, target, data, long_paths=True)
            real = fsops.locate(ctx, target, long_paths=True).real
            os.utime(real, ns=(mtime, mtime))  # /COPY:DAT: the copy keeps the source's times
            copied += 1
            copied_bytes += size
        except PSError as err:
            failed += 1
            error = "ERROR 112 (0x00000070) Copying File %s There is not enough space on the disk." % rel \
                if "not enough space" in err.message else "ERROR 5 (0x00000005) Copying File %s %s" % (rel, err.message)
            if "not enough space" in err.message:
                break
    wanted_names = {rel for rel, dummy in wanted}
    extra = [rel for rel in existing if rel not in wanted_names]
    if opts["purge"] and not opts["list_only"]:
        for rel in extra:
            fsops.remove(ctx, fsops.join(dest, rel.replace("/", "\\")), long_paths=True)
    output = ["ROBOCOPY     ::     Robust File Copy for Windows", " Source : %s" % src, "   Dest : %s" % dest]
    if error:
        output.append(error)
    output += summary(copied, skipped, len(extra), failed, total, copied_bytes, skipped_bytes)
    rc = (1 if copied else 0) + (2 if extra and not opts["purge"] else 0) + (8 if failed else 0)
    return rc, output, error
