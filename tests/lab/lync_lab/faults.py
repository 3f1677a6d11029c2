"""Faults the inventory injects into the lab (variable `lab_faults` on a host).

Each fault is a dict:
  kind     fail | malformed | slow | hang | unreachable | disk_full | sql_abort | drop | long
  payload  payload name it applies to (default: every payload)
  when     {parameter: value} that the bound parameters must match (default: always)
  times    fire only this many times, then behave normally (default: always); counted per host and
           per fault (its whole definition), across runs: a different fault in a later run fires anew
  message  text of the PowerShell error for `fail`
  seconds  delay for `slow` / `hang`
  seconds_per_mb  for slow: a further delay of this many seconds per MiB (2**20 bytes) the call moved
           over the lab's "network" (file bytes read or written by a host whose disk does not hold
           them; lync_lab/calls.py counts them); off when not set. Applies to stand-in modules
           (win_robocopy) too, which get no per-call `seconds`. A bench knob (tests/bench/), not a
           model of any Windows behaviour.
  target   for disk_full: the host whose disk is full (default: every host)
  command  for fail: a command name (Export-CsConfiguration, Get-FileHash, ...): the fault fires when
           the payload calls that command on the host, as a terminating error of the command, where
           Windows fails; `when` then matches the command's bound parameters. Without `command` a
           fault acts on the whole payload call. SqlClient members count as commands too:
           SqlConnection.Open, SqlCommand.ExecuteReader / ExecuteNonQuery / ExecuteScalar (a SqlException
           with `message` and `number`; `when` on DataSource, Database or CommandText; boundary/sql.py).

drop: the lab's connection (lab.lync.sim) raises AnsibleConnectionFailure for module runs on the host, as
WinRM does when the network or the listener goes away: while a scheduled task of the host is Running
(`while: task_running`, the default: "after the job started") or for every call (`while: always`), at most
`times` times. Detached work (lync_lab/taskrun.py) goes on meanwhile.

slow / hang / fail on a payload that runs as a detached job (plugins/plugin_utils/detached.py) act on the job's
work by its payload name (lync_lab/taskrun.py): the work lasts `seconds`, or throws the fault's message.

long: in a detached job's work (lync_lab/taskrun.py) a BACKUP DATABASE lasts `seconds` while the host answers
other calls (the lab lock released); it is a request of its SQL session that a KILL ends (tsql.py), and it goes on
if the task's process is stopped meanwhile. `when` may name the payload's parameters and Statement (BACKUP DATABASE).

takeover: another controller's run taking over a backup root's lock, as lync_backup_set_open does, done on the
host's files just before the payload call runs (its own text then meets that state): `step: move` renames
`<root>\\.lync-backup.lock` to `<root>\\.lync-backup.lock.<run>`, `step: finish` writes `lock` (its text) as the new
lock and deletes the one moved aside. `root` is the root's local path on the host (D:\\LyncBackup), `run` the other
run's id. `after`: this many matching calls go by before the fault fires (any kind).

sql_abort: the connection breaks while the lab's SQL Server runs a RESTORE DATABASE (the WinRM shell
died): SQL Server aborts the RESTORE and leaves the database RESTORING; `when` may name the
payload's parameters and Statement (RESTORE DATABASE) (tsql.py).
"""

import json
import os


MIB = float(2 ** 20)


def transfer_delay(fault, network_bytes):
    """Seconds a `slow` fault adds for the bytes a call moved between hosts (its seconds_per_mb)."""
    return float((fault or {}).get("seconds_per_mb") or 0) * network_bytes / MIB


def from_env():
    """The faults the lab connection passed to this module run."""
    return json.loads(os.environ.get("LYNC_LAB_FAULTS") or "[]")


def _matches(fault, payload, params, command=None):
    if fault.get("payload") not in (None, "*", payload):
        return False
    if (fault.get("command") or "").lower() != (command or "").lower():
        return False
    for key, want in (fault.get("when") or {}).items():
        if str(params.get(key)).lower() != str(want).lower():
            return False
    return True


def active(faults, payload, params, state, host, kinds, command=None):
    """The first fault of one of `kinds` that applies now (to the payload call, or with `command` to
    that command inside it); counts it when limited by `times`."""
    counts = state.setdefault("lab", {}).setdefault("fault_counts", {})
    for fault in faults:
        if fault.get("kind") not in kinds or not _matches(fault, payload, params, command):
            continue
        key = "%s#%s" % (host, json.dumps(fault, sort_keys=True))
        if fault.get("after"):
            counts[key + "#seen"] = counts.get(key + "#seen", 0) + 1
            if counts[key + "#seen"] <= int(fault["after"]):
                continue
        if fault.get("times") is not None and counts.get(key, 0) >= int(fault["times"]):
            continue
        counts[key] = counts.get(key, 0) + 1
        return fault
    return None


def take_over(ctx, fault):
    """A `takeover` fault's step on the host's files (see the module's docstring)."""
    from . import fsops  # pylint: disable=import-outside-toplevel
    lock = fsops.join(fault["root"], ".lync-backup.lock")
    aside = lock + "." + fault["run"]
    if fault["step"] == "move":
        fsops.rename(ctx, lock, ".lync-backup.lock." + fault["run"])
    else:
        fsops.write_bytes(ctx, lock, fault["lock"].encode("utf-8"))
        fsops.remove(ctx, aside)
