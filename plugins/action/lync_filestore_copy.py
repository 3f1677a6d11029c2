# Copyright: (c) 2026, lync.server maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for lync.server.lync_filestore_copy (documentation: plugins/modules/lync_filestore_copy.py)."""

from __future__ import annotations

import re

from ansible.errors import AnsibleActionFail

from ansible_collections.lync.server.plugins.plugin_utils import detached
from ansible_collections.lync.server.plugins.plugin_utils.action import LyncAction

DEFAULT_FLAGS = "/E /COPY:DAT /DCOPY:T /R:2 /W:5 /NP /NFL /NDL"
ARGUMENT_SPEC = {
    "src": {"type": "str", "required": True},
    "dest": {"type": "str", "required": True},
    "flags": {"type": "str", "default": DEFAULT_FLAGS},
    "detached": {"type": "bool", "default": True},
    "poll_interval": {"type": "int", "default": detached.DEFAULT_POLL},
}
# Flags that take the words after them (names or paths) until the next flag.
_TAKES_WORDS = ("/XF", "/XD")
# robocopy's exit code is a bit mask; 8 and above is a failure
# (https://learn.microsoft.com/windows-server/administration/windows-commands/robocopy, "Exit (return) codes").
_BITS = ((1, "files were copied"), (2, "extra files or folders are in the destination"),
         (4, "mismatched files or folders were found"), (8, "some files or folders could not be copied"),
         (16, "fatal error: robocopy copied nothing (source or destination not reachable, or bad arguments)"))
_UNITS = {"k": 2 ** 10, "m": 2 ** 20, "g": 2 ** 30, "t": 2 ** 40}
_COLUMNS = ("total", "copied", "skipped", "mismatch", "failed", "extras")
_ROW_RE = re.compile(r"^\s*(Dirs|Files|Bytes)\s*:\s*(.*)$", re.I)


def meaning(rc):
    """robocopy's exit code in words."""
    if rc == 0:
        return "no files were copied: source and destination are already in step"
    return "; ".join(text for bit, text in _BITS if rc & bit) or "exit code %s" % rc


def split_flags(flags):
    """robocopy's options as separate arguments: each word a flag (/X or /X:value) or, after /XF or /XD, a name.
    Raises ValueError for a word that is neither (a file-name filter: not supported here)."""
    words = (flags or "").split()
    taking = False
    for word in words:
        if word.startswith("/"):
            taking = word.upper() in _TAKES_WORDS
        elif not taking:
            raise ValueError("flag %r is not a robocopy option (/...) nor a name after /XF or /XD" % word)
    # Without /R and /W robocopy retries a locked file a million times, 30 seconds apart (its page: /r default
    # 1,000,000, /w default 30): one file held open would hold the copy until the item's timeout.
    # Appended last: a word starting with '/' ends the names of a /XF or /XD before it.
    upper = [w.upper() for w in words if w.startswith("/")]
    return words + [flag for flag, given in (("/R:2", "/R:"), ("/W:5", "/W:"))
                    if not any(w.startswith(given) for w in upper)]


def _number(tokens):
    """The numbers of one row of robocopy's closing table; '1.5 m' style values in bytes (rounded)."""
    values, index = [], 0
    while index < len(tokens):
        token = tokens[index]
        unit = tokens[index + 1].lower() if index + 1 < len(tokens) and tokens[index + 1].lower() in _UNITS else None
        try:
            value = float(token)
        except ValueError:
            index += 1
            continue
        values.append(int(round(value * _UNITS[unit])) if unit else int(value))
        index += 2 if unit else 1
    return values


def summary(lines):
    """robocopy's closing table (Dirs, Files, Bytes rows: Total Copied Skipped Mismatch FAILED Extras) as
    {"dirs": {...}, "files": {...}, "bytes": {...}}; rows it did not print are left out (/NJS prints none)."""
    found = {}
    for line in lines or []:
        match = _ROW_RE.match(str(line))
        if match:
            values = _number(match.group(2).split())
            if len(values) == len(_COLUMNS):
                found[match.group(1).lower()] = dict(zip(_COLUMNS, values))
    return found


def _path(value, name):
    text = (value or "").strip()
    if not text or text.startswith("/") or "\x00" in text or '"' in text:
        raise AnsibleActionFail("lync_filestore_copy: %s %r is not a folder path" % (name, value))
    # A trailing backslash would escape the closing quote PowerShell puts around a path with spaces
    # (robocopy reads its command line by the C runtime's rules); a drive root keeps its own.
    return text if re.match(r"\A[A-Za-z]:\\\Z", text) else text.rstrip("\\")


def _leaf(path):
    return [part for part in path.replace("/", "\\").split("\\") if part]


SET_PART_RE = re.compile(r"\Alync-\d{8}T\d{6}Z-[0-9a-f]{6}\Z")


def store_and_set(src, dest):
    """(the file store's path, the backup set's id or None) of a copy: the side without a set id in its path is
    the store (the source of a backup, the destination of a recovery), whatever the night."""
    for store, other in ((src, dest), (dest, src)):
        found = [part for part in _leaf(other) if SET_PART_RE.match(part)]
        if found and not any(SET_PART_RE.match(part) for part in _leaf(store)):
            return store, found[-1]
    return dest, None


class ActionModule(LyncAction):
    """Copy a folder tree with robocopy.exe on the task's host, detached from the connection."""

    ARGUMENT_SPEC = ARGUMENT_SPEC

    def execute(self, params):
        src = _path(params["src"], "src")
        dest = _path(params["dest"], "dest")
        try:
            flags = split_flags(params["flags"])
        except ValueError as exc:
            raise AnsibleActionFail("lync_filestore_copy: %s" % exc) from None
        result = {"src": src, "dest": dest, "flags": params["flags"],
                  "cmd": "robocopy %s" % " ".join(['"%s"' % src, '"%s"' % dest] + flags)}
        if self.check_mode:
            return dict(result, changed=True, failed=False, rc=None, return_code=None, output=[], errors=[], summary={},
                        msg="check mode: robocopy was not run")
        parameters = {"Source": src, "Destination": dest, "Flags": flags}
        # One copy job per file store, whatever the set (a rerun of the role with a new set finds a copy of the
        # store still running and waits for it: detached.py); the work id names the set and covers every parameter.
        store, set_id = store_and_set(src, dest)
        job = detached.job_name("copy", *(_leaf(store)[-2:] or ["root"]), payload="lync_filestore_copy",
                                parameters={"Store": store.lower()})
        work = detached.work_id(set_id or (_leaf(dest) or ["root"])[-1], payload="lync_filestore_copy",
                                parameters=parameters)
        # A stopped copy INTO a set (a backup: the store is the source) leaves a partial copy of the store there, which
        # belongs to this job alone: deleted after the stop. A copy onto a file store (a recovery) deletes nothing.
        # Only a folder strictly inside the set: never the set itself.
        leftovers = [dest] if set_id and store == src and (_leaf(dest) or [set_id])[-1] != set_id else []
        value = detached.run(self, self.task_vars, "lync_filestore_copy", parameters, job, detached=params["detached"],
                             poll=params["poll_interval"], required_keys=("ExitCode", "Tail"), work=work,
                             leftovers=leftovers).value
        rc = int(value["ExitCode"])
        output = [str(line) for line in value.get("Tail") or []]
        errors = [str(line) for line in value.get("Errors") or []]
        purge = any(word.upper() in ("/MIR", "/PURGE") for word in flags)
        # failed=False said outright: ansible-core fails a result with an `rc` other than 0 and no `failed` key.
        result.update(rc=rc, return_code=rc, output=output, errors=errors, summary=summary(output),
                      changed=bool(rc & 1) or bool(rc & 2 and purge), msg=meaning(rc), failed=False)
        if rc >= 8:
            result.update(failed=True, msg="lync_filestore_copy on %s: robocopy %s -> %s exited with %d (%s)%s" % (
                self.host, src, dest, rc, meaning(rc), (": " + " | ".join(errors[:5])) if errors else ""))
        return result
