# Copyright: (c) 2026, lync.server maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Long work that survives the WinRM connection and the controller (docs/architecture.md, "Detached work").

A multi-hour SQL backup, SQL restore or file-store copy runs as a scheduled task on the host, and the
controller polls it with short calls, all through the one door (payload.run_payload):

* ``lync_job_start`` registers and starts the task, or reports the task that already exists under the
  job's name. The name says what work runs (``lync.server-<kind>-<target>-<digest>``: one SQL backup job per
  instance, whatever the set), so a rerun always finds a job still running on that target. The job folder
  records the job's *work id* (the set and a digest of every parameter): a rerun of the same work (the same
  set, resumed) waits for the job and collects it; a job of other work (another, interrupted set) is waited
  for, removed, and this work started after it (with a warning naming that work) - never two at once.
* ``lync_job_status`` (read-only) reports the task's state, its LastTaskResult and the job's result once
  the runner (jobs/lync_job_runner.ps1) has written it; a dropped connection is retried until the
  deadline.
* ``lync_job_remove`` unregisters the task and deletes the job folder once the result has been read
  (once), when the job ended without one, or, with ``Stop``, when the controller's timeout passes.
* ``lync_job_stop`` ends what a stopped job leaves running (Stop-ScheduledTask ends the task's powershell.exe
  only): the SQL session its work opened (KILL, only the session the work recorded, checked by its login time
  and program name) and the child processes of the runner (robocopy.exe, checked by parent, name and start
  time); then it deletes what the stopped work wrote that belongs to this job only (``leftovers``: the
  action's own list, e.g. the .bak files of this backup in this set).
* ``lync_job_sweep`` lists the collection's tasks on the host; :func:`sweep_plan` decides which orphans (the
  job of a set no longer open, not running) are removed at the next start there, and which running ones are
  only reported.

The work's parameters are written to the job folder, so they must hold no secret: :func:`run` refuses
secrets and credentials for the work. The one secret, the task principal's password (the collection's
network identity), goes only to Register-ScheduledTask.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import re
import time

from ansible.utils.display import Display

from ansible_collections.lync.server.plugins.plugin_utils import payload as door

PREFIX = "lync.server-"
NAME_LIMIT = 200  # characters after the prefix (the payloads' ValidatePattern says the same)
WORK_LIMIT = 120  # characters of a work id (lync_job_start's ValidatePattern says the same)
RUNNER_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "jobs", "lync_job_runner.ps1")
UNSUPPORTED_MARKER = "LYNC_JOB_UNSUPPORTED"
REFUSED_MARKER = "LYNC_JOB_REGISTER_REFUSED"
BUSY_MARKER = "LYNC_JOB_BUSY"  # another start or removal on the host holds its lock for a moment: tried again
# Registrations Windows refuses for the principal's credential, and what to change
# (https://learn.microsoft.com/windows/win32/debug/system-error-codes--500-999- ,
#  https://learn.microsoft.com/windows/win32/debug/system-error-codes--1300-1699-):
CREDENTIAL_REFUSALS = (
    ("0x80070520", "Windows cannot store the principal's password for the task (ERROR_NO_SUCH_LOGON_SESSION): the "
                   "policy \"Network access: Do not allow storage of passwords and credentials for network "
                   "authentication\" is enabled on the host, or the remote session cannot store credentials"),
    ("0x8007052e", "the principal's user name or password is wrong (ERROR_LOGON_FAILURE): check lync_network_password"),
    ("0x80070569", "the principal lacks \"Log on as a batch job\" on the host (ERROR_LOGON_TYPE_NOT_GRANTED)"),
)
DEFAULT_POLL = 15
DEFAULT_WAIT = 24 * 3600  # without a task timeout: how long to wait for a job (and for an unreachable host)

# Task Scheduler's LastTaskResult constants,
# https://learn.microsoft.com/windows/win32/taskschd/task-scheduler-error-and-success-constants
TASK_RUNNING = 267009  # SCHED_S_TASK_RUNNING (0x41301)
TASK_HAS_NOT_RUN = 267011  # SCHED_S_TASK_HAS_NOT_RUN (0x41303)
TASK_TERMINATED = 267014  # SCHED_S_TASK_TERMINATED (0x41306)
BUSY_STATES = ("Running", "Queued")

_PART_RE = re.compile(r"[^A-Za-z0-9._-]+")
# What a job's runner and work record for a stop (lync_job_status reports them as Records), validated here before
# they travel to lync_job_stop as typed parameters (never as text of a command or a statement):
# SQL Server session ids are smallint (sys.dm_exec_sessions.session_id); login times and process start times are
# ISO 8601 as CONVERT(..., 126) writes them; a process's start is DateTime ticks (UTC).
_TIME_RE = re.compile(r"\A\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,7})?\Z")
_PATH_RE = re.compile(r"\A(?:[A-Za-z]:\\|\\\\[^\\/*?\"<>|]+\\[^\\/*?\"<>|]+\\)[^*?\"<>|]*\Z")
MAX_TICKS = 3155378975999999999  # DateTime.MaxValue.Ticks
STOP_WAITS = 5  # checks, after the KILL, that no request of the session remains (a KILL takes a moment)


JOB_NAME_RE = re.compile(r"\Alync\.server-[A-Za-z0-9._-]{1,200}\Z")
SET_ID_RE = re.compile(r"\Alync-\d{8}T\d{6}Z-[0-9a-f]{6}\Z")  # backup_set.SET_ID_RE
WORK_ID_RE = re.compile(r"\A[A-Za-z0-9._-]{1,120}\Z")  # lync_job_start's and lync_job_remove's -WorkId


def work_set(work):
    """The backup set a work id names (<set id>.<digest>), or None (a work of no set: a restore)."""
    label = str(work or "").strip().rsplit(".", 1)[0] if "." in str(work or "") else ""
    return label if SET_ID_RE.match(label) else None


def _account(name):
    """An account name compared as Windows compares them: case-insensitive; DOMAIN\\user and user@domain alike."""
    text = str(name or "").strip().lower()
    if "\\" in text:
        return text.rsplit("\\", 1)[-1]
    return text.split("@", 1)[0]


# An idle orphan is removed only when its job last wrote (result.xml, else work.id) this long ago on the host's
# clock: a live run of another set (another backup root, a resumed set) collects its finished job within its poll
# interval, so a day without that means no run will; younger ones wait for a later night (review detstop 5).
SWEEP_MIN_AGE = 24 * 3600


def _utc_seconds(text):
    """Seconds since the epoch of a .NET round-trip ('o') UTC time, or None when it is not one."""
    try:
        stamp = datetime.datetime.strptime(str(text or "")[:19], "%Y-%m-%dT%H:%M:%S")
    except ValueError:
        return None
    return (stamp - datetime.datetime(1970, 1, 1)).total_seconds()


def sweep_plan(tasks, current_work, principal_user, current_job=None, now=None):
    """Which of the host's \\lync.server\\ tasks (lync_job_sweep's list) are orphans of this collection.

    An orphan is named like a job of this collection, runs as the collection's principal, names in its work id a
    backup set that is not this run's (the open set: the one this run holds the lock of), and is not running: it
    is removed ([(name, work id)] to remove: the removal checks the job still holds that work, as the name may be
    taken by newer work before it runs). One that runs is reported, never stopped ([names] to report): only the
    operator ends other work. A task of another folder, another name, another account, a job of no set (a
    restore's) or of this run's set is left alone, and so is an idle one that last wrote less than SWEEP_MIN_AGE
    before `now` (the host's clock; both as lync_job_sweep reports them) or whose times are unknown. Returns
    (remove, report)."""
    this_set = work_set(current_work)
    remove, report = [], []
    if this_set is None:
        return remove, report
    for task in tasks or []:
        if not isinstance(task, dict):
            continue
        name = str(task.get("Name") or "")
        if str(task.get("Path") or "") != "\\lync.server\\" or not JOB_NAME_RE.match(name) or name == current_job:
            continue
        if _account(task.get("UserId")) != _account(principal_user) or not principal_user:
            continue
        other = work_set(task.get("WorkId"))
        if other is None or other == this_set or not WORK_ID_RE.match(str(task.get("WorkId")).strip()):
            continue
        if str(task.get("State") or "") in BUSY_STATES:
            report.append(name)
            continue
        changed, at = _utc_seconds(task.get("Changed")), _utc_seconds(now)
        if changed is not None and at is not None and at - changed >= SWEEP_MIN_AGE:
            remove.append((name, str(task.get("WorkId")).strip()))
    return sorted(remove), sorted(report)


class JobTimeout(door.PayloadError):
    """The job did not finish before the deadline."""


def job_name(*parts, payload=None, parameters=None):
    """The job's name: lync.server-<readable parts>-<12 hex digits of the payload and its parameters>.

    Same work (same set, item, payload and parameters) gives the same name on every run; a change in
    any parameter gives another job."""
    digest = hashlib.sha256(json.dumps({"payload": payload, "parameters": parameters or {}}, sort_keys=True,
                                       default=str).encode("utf-8")).hexdigest()[:12]
    readable = "-".join(p for p in (_PART_RE.sub("_", str(part)).strip("_.-") for part in parts) if p)
    readable = readable[:NAME_LIMIT - len(digest) - 1]
    return "%s%s-%s" % (PREFIX, readable, digest) if readable else PREFIX + digest


def work_id(label, payload=None, parameters=None):
    """The job's work id: <label>.<12 hex digits of the payload and its parameters>. A rerun of the same work
    (same set, same parameters) gives the same id; the start payload records it in the job folder."""
    digest = hashlib.sha256(json.dumps({"payload": payload, "parameters": parameters or {}}, sort_keys=True,
                                       default=str).encode("utf-8")).hexdigest()[:12]
    readable = _PART_RE.sub("_", str(label or "")).strip("_.-")[:WORK_LIMIT - len(digest) - 1]
    return "%s.%s" % (readable, digest) if readable else digest


def runner_text():
    """The runner script the task runs (jobs/lync_job_runner.ps1), sent unchanged."""
    with open(RUNNER_PATH, "rb") as handle:
        return handle.read().decode("utf-8")


def principal(action):
    """(user, password) of the task's principal: the network identity of the task (become runas
    logon_type=new_credentials as lync_network_user), or None when the task carries none."""
    become = getattr(getattr(action, "_connection", None), "become", None)
    if become is None or become.name.split(".")[-1] != "runas":
        return None
    try:
        flags = str(become.get_option("become_flags") or "")
        user = become.get_option("become_user")
        password = become.get_option("become_pass")
    except KeyError:
        return None
    if "logon_type=new_credentials" not in flags or not user or not password:
        return None
    return str(user), str(password)


def task_timeout(action):
    """The task's `timeout` keyword in seconds, or None."""
    value = getattr(getattr(action, "_task", None), "timeout", None)
    try:
        return int(value) if value else None
    except (TypeError, ValueError):
        return None


def _is_int(value, low, high):
    """An int (not a bool) within [low, high]."""
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _is_task_timeout(exc):
    """ansible-core's TaskTimeoutError (a BaseException raised by the task's `timeout` alarm)."""
    return any(cls.__name__ in ("TaskTimeoutError", "AnsibleTimeoutError") for cls in type(exc).__mro__)


class Job:
    """One detached run of payload `name` with `parameters` as job `job` on the task's host.

    stop_on_timeout -- when the deadline passes, stop the task (True), or leave it to finish and tell
                       the operator (False: a RESTORE ... WITH REPLACE must not be aborted).
    leftovers       -- full paths (files or folders) that the work writes and that belong to this job only
                       (the action knows them: this backup's .bak files in this set, this store's copy in
                       this set); removed after a stop, once nothing of the work runs any more.
    clock, sleep    -- time.monotonic and time.sleep (tests give their own).
    """

    def __init__(self, action, task_vars, name, parameters, job, credentials, timeout=None, poll=DEFAULT_POLL,
                 stop_on_timeout=True, required_keys=(), clock=time.monotonic, sleep=time.sleep, work=None,
                 leftovers=()):
        self.action = action
        self.leftovers = [str(path) for path in leftovers or ()]
        for path in self.leftovers:
            if not _PATH_RE.match(path) or "\\..\\" in path + "\\":
                raise door.PayloadError("payload %s: a leftover to remove after a stop must be a full path without "
                                        "wildcards or '..': %r" % (name, path))
        self.work = work or work_id("", name, parameters)
        self.task_vars = task_vars
        self.name = name
        self.parameters = dict(parameters or {})
        self.job = job
        self.credentials = credentials
        self.timeout = timeout or DEFAULT_WAIT
        self.poll = max(1, int(poll or DEFAULT_POLL))
        self.stop_on_timeout = stop_on_timeout
        self.required_keys = tuple(required_keys)
        self.clock = clock
        self.sleep = sleep
        self.deadline = None
        self.busy = None  # the last LYNC_JOB_BUSY answer, while the host's jobs' lock is held by another start
        self.host = door._host_name(action, task_vars)  # pylint: disable=protected-access
        self.where = "payload %s on %s (detached job %s)" % (name, self.host, job)

    # -- calls through the door, retried while the host does not answer -------------------------------

    def _call(self, payload, parameters, credentials=None, required_keys=(), retry_busy=True):
        while True:
            try:
                value = door.run_payload(self.action, self.task_vars, payload, parameters=parameters,
                                         credentials=credentials, required_keys=required_keys).value
                self.busy = None
                return value
            except door.PayloadUnreachable as exc:
                if self.clock() >= self.deadline:
                    raise JobTimeout("%s: the host did not answer before the deadline (%d s): %s"
                                     % (self.where, self.timeout, exc)) from exc
                Display().vvv("%s: the host does not answer (%s); trying again in %d s" % (self.where, exc, self.poll))
                self.sleep(self.poll)
            except door.PayloadError as exc:
                # A start or removal of another job on the host held the jobs' lock (lync_job_start): nothing was
                # done; the same call is made again until the deadline.
                if BUSY_MARKER not in str(exc) or not retry_busy:
                    self.busy = None
                    raise
                self.busy = " ".join(str(exc).split())
                if self.clock() >= self.deadline:
                    raise JobTimeout("%s: the host stayed busy until the deadline (%d s): %s"
                                     % (self.where, self.timeout, " ".join(str(exc).split()))) from exc
                Display().vvv("%s: %s; trying again in %d s" % (self.where, " ".join(str(exc).split()), self.poll))
                self.sleep(self.poll)

    def start(self, existing=False):
        """Register and start the task, or find the one that exists (and with `existing`, start it if it never
        ran). Returns the start result."""
        parameters = {"JobName": self.job, "WorkId": self.work, "RunnerText": runner_text(),
                      "WorkText": door.load_payload(self.name).text, "WorkParameters": self.parameters,
                      # The task's ExecutionTimeLimit: the item's timeout (Task Scheduler bypasses it for a run
                      # started on demand; the controller's deadline is what stops this run).
                      "TimeLimitSeconds": min(max(int(self.timeout), 60), 30 * 24 * 3600)}
        if existing:
            parameters["StartExisting"] = True
        return self._call("lync_job_start", parameters, credentials={"Principal": self.credentials},
                          required_keys=("Started", "State"))

    def status(self):
        return self._call("lync_job_status", {"JobName": self.job}, required_keys=("Exists", "State", "HasOutcome"))

    def remove(self, stop=False, work=None):
        """Stop (with `stop`) and remove the job - only while it runs `work` (this work's by default): the name is the
        same on every run, so between this run's last look and the removal another run may have taken it; that
        job is left alone and the answer says Reused (review jobremove, finding 1)."""
        parameters = {"JobName": self.job}
        if stop:
            parameters["Stop"] = True
        work = self.work if work is None else work
        if WORK_ID_RE.match(str(work)):
            parameters["WorkId"] = work
        return self._call("lync_job_remove", parameters, required_keys=("Unregistered",))

    # -- the whole run -------------------------------------------------------------------------------

    def run(self):
        """Start (or find) the job, wait for it, collect its result once, remove it. Returns a PayloadResult."""
        self.deadline = self.clock() + self.timeout
        self.owned = False  # whether the job under this name runs this work: only then may a timeout stop it
        try:
            started = self.start()
            self.owned = bool(started.get("Started")) or str(started.get("WorkId") or "") == self.work
            self._swept(started)
            if started.get("Started"):
                self.sweep()
            if not started.get("Started") and str(started.get("WorkId") or "") != self.work:
                self._replace(str(started.get("WorkId") or ""))
            elif not started.get("Started"):
                self._check_idle(started)
            return self._wait()
        except door.PayloadError:
            raise
        except BaseException as exc:
            if _is_task_timeout(exc):
                self._give_up()
            raise

    def sweep(self):
        """At a new start on this host: remove the orphans of earlier runs (sweep_plan), report the running ones.
        Best effort: a sweep that fails is a warning, never this work's failure."""
        if work_set(self.work) is None:
            return
        try:
            # Best effort: a busy host is not waited for (the next start sweeps), so this work's own job is not.
            listed = self._call("lync_job_sweep", {}, required_keys=("Tasks",), retry_busy=False)
            remove, report = sweep_plan(listed.get("Tasks"), self.work, self.credentials[0], current_job=self.job,
                                        now=listed.get("Now"))
            removed = []
            for name, work in remove:
                done = self._call("lync_job_remove", {"JobName": name, "OnlyIfIdle": True, "WorkId": work},
                                  required_keys=("Unregistered",), retry_busy=False)
                if done.get("Unregistered"):
                    removed.append(name)
                elif done.get("Reused"):
                    # Another start removed the listed orphan and registered newer work under its name meanwhile.
                    Display().vvv("%s: %s holds newer work than the sweep listed; left alone" % (self.where, name))
                elif done.get("Skipped"):
                    report.append(name)
        except door.PayloadError as exc:
            _warn(self.action, "%s: the sweep of earlier runs' jobs on %s failed (%s); it is tried again at the next "
                               "start" % (self.where, self.host, " ".join(str(exc).split())))
            return
        if removed:
            Display().vvv("%s: removed the finished jobs of earlier runs: %s" % (self.where, ", ".join(removed)))
        if report:
            _warn(self.action, "%s: jobs of earlier runs still run on %s and were left alone: %s. They write into "
                               "sets no run will close; stop them (Stop-ScheduledTask -TaskPath '\\lync.server\\' "
                               "-TaskName <name>) or let them finish: the next start removes them"
                  % (self.where, self.host, ", ".join(sorted(set(report)))))

    def _swept(self, started):
        """The start removed this job's leftover folder (an earlier run's cleanup failed after its result was read)."""
        if started.get("Swept"):
            _warn(self.action, "%s: the folder an earlier run of this job left behind (its cleanup failed after its "
                               "result was read) was removed before this job started" % self.where)

    def _check_idle(self, status):
        """This work's task exists but does not run: Disabled (refused, with the fix), or registered and never
        started (a run cut between Register and Start): start it."""
        state = str(status.get("State") or "")
        if state == "Disabled":
            raise door.PayloadError("%s: the scheduled task \\lync.server\\%s on %s is disabled; enable it "
                                    "(Enable-ScheduledTask) or remove it (Unregister-ScheduledTask) and run again"
                                    % (self.where, self.job, self.host))
        if state == "Ready" and status.get("LastTaskResult") == TASK_HAS_NOT_RUN and not status.get("HasOutcome"):
            Display().vvv("%s: the job's task was registered but never started; starting it" % self.where)
            self.start(existing=True)
            return True
        return False

    def _replace(self, other):
        """The job's name holds another work's job (another run's set, interrupted): wait until it no longer runs
        (never two at once on one target), remove it, and start this work's job."""
        waits = 0
        while True:
            status = self.status()
            if not status.get("Exists") or str(status.get("State") or "") not in BUSY_STATES:
                break
            if self.clock() >= self.deadline:
                raise JobTimeout("%s: the scheduled task \\lync.server\\%s on %s still runs other work (%s, from an "
                                 "earlier run that did not finish) after %d s; it was NOT stopped and this work did not "
                                 "start. Let it finish (or stop it) and run again"
                                 % (self.where, self.job, self.host, other or "unknown", self.timeout))
            self.sleep(min(self.poll, 2 ** waits))
            waits += 1
        if self.remove(work=other).get("Reused"):
            raise door.PayloadError("%s: another run started other work under this job's name meanwhile; nothing was "
                                    "removed; run again once it has finished" % self.where)
        _warn(self.action, "%s: the job of an earlier run that did not finish (work %s) was %s and removed before "
                           "this one started; what it wrote stays in that run's set, which was never closed (no "
                           "manifest: untrusted, and retention removes it)"
                           % (self.where, other or "unknown", "waited for" if waits else "found finished"))
        started = self.start()
        self.owned = bool(started.get("Started")) or str(started.get("WorkId") or "") == self.work
        self._swept(started)
        if not started.get("Started") and str(started.get("WorkId") or "") != self.work:
            raise door.PayloadError("%s: another run started other work (%s) under this job's name meanwhile; run "
                                    "again once it has finished" % (self.where, started.get("WorkId") or "unknown"))

    def _wait(self):
        waits = 0
        idle = 0
        while True:
            status = self.status()
            other = str(status.get("WorkId") or "").strip()
            if other and other != self.work:
                # The name holds other work now: this work's job was collected or replaced by another run (or a
                # worker of this run that outlived its controller polls on). Its result is not this work's to take.
                raise door.PayloadError("%s: the job under this name now runs other work (%s): this work's job was "
                                        "collected or replaced by another run; nothing was taken or removed"
                                        % (self.where, other))
            outcome = status.get("Outcome") if status.get("HasOutcome") else None
            state = str(status.get("State") or "")
            if isinstance(outcome, dict) and state not in BUSY_STATES:
                return self._collect(outcome)
            if outcome is None and status.get("Exists") and state not in BUSY_STATES \
                    and status.get("LastTaskResult") != TASK_HAS_NOT_RUN:
                self.remove()
                raise door.PayloadError("%s: the job ended without a result (task state %s, LastTaskResult %s%s); "
                                        "its task and folder were removed" % (
                                            self.where, state or "unknown", status.get("LastTaskResult"),
                                            " = stopped" if status.get("LastTaskResult") == TASK_TERMINATED else ""))
            if outcome is None and status.get("Exists") and state not in BUSY_STATES:
                # Registered, never started (or disabled): Start-ScheduledTask is asynchronous, so a task just
                # started may show Ready/267011 for a moment; only a second sight of it starts it again.
                idle += 1
                if state == "Disabled" or idle >= 2:
                    if self._check_idle(status):
                        idle = 0
            else:
                idle = 0
            if outcome is None and not status.get("Exists"):
                raise door.PayloadError("%s: the job is gone (no scheduled task and no result): it was removed "
                                        "by someone else, or collected by another run" % self.where)
            if self.clock() >= self.deadline:
                self._give_up()
            # 1, 2, 4 ... seconds, then every poll interval: a short job is collected soon, a long one polled rarely.
            self.sleep(min(self.poll, 2 ** waits))
            waits += 1

    def _collect(self, outcome):
        """The job's result, read once: remove the job, then report its result or its error. A removal that fails
        (a file held for a moment by antivirus) is a warning: the work's result stands."""
        try:
            removed = self.remove()
        except door.PayloadError as exc:
            removed = {"FolderError": str(exc)}
        if removed.get("FolderError"):
            _warn(self.action, "%s: the job's result was read, but its cleanup failed (%s); delete what is left of "
                               "%%ProgramData%%\\lync.server\\jobs\\%s (and the scheduled task \\lync.server\\%s, "
                               "if it is still there) on %s, or let the next start of this job remove it (it removes "
                               "a leftover folder this collection made, and refuses any other)"
                               % (self.where, " ".join(str(removed["FolderError"]).split()), self.job, self.job,
                                  self.host))
        if outcome.get("Failed"):
            text = " ".join(str(outcome.get("Error") or "the work reported failure").split())
            raise door.PayloadError("%s failed: %s" % (self.where, text))
        value = outcome.get("Result")
        if not isinstance(value, dict) or not value:
            raise door.PayloadError("%s returned a malformed result: expected one result object" % self.where)
        missing = [key for key in self.required_keys if key not in value]
        if missing:
            raise door.PayloadError("%s returned a malformed result: missing %s" % (self.where, ", ".join(missing)))
        return door.PayloadResult(value, bool(outcome.get("Changed")), [])

    def stop_parameters(self, records):
        """lync_job_stop's parameters from what the job recorded (lync_job_status's Records), each value checked
        here: a SQL session id is an int of SQL Server's range, a login time ISO 8601, a process id and its start (UTC
        ticks) positive ints, the SQL instance is the work's
        own parameter (never taken from the host). Anything else is left out: that part is not stopped."""
        records = records if isinstance(records, dict) else {}
        parameters = {}
        sql = records.get("Sql") if isinstance(records.get("Sql"), dict) else {}
        spid, login = sql.get("SessionId"), str(sql.get("LoginTime") or "")
        instance = self.parameters.get("SqlInstance")
        if _is_int(spid, 1, 32767) and _TIME_RE.match(login) and isinstance(instance, str) and instance:
            parameters.update(SqlInstance=instance, SqlSessionId=spid, SqlLoginTime=login)
        process = records.get("Process") if isinstance(records.get("Process"), dict) else {}
        pid, ticks = process.get("ProcessId"), process.get("StartTicks")
        if _is_int(pid, 1, 2 ** 31 - 1) and _is_int(ticks, 1, MAX_TICKS):
            parameters.update(RunnerProcessId=pid, RunnerStartTicks=ticks)
        return parameters

    def end_work(self, records):
        """After Stop-ScheduledTask (which ends only the task's powershell.exe): end the work's SQL session and the
        runner's child processes, check that nothing of them runs, then delete the job's leftovers. Returns what
        could not be done (for the message), [] when all is clean."""
        parameters = self.stop_parameters(records)
        if not parameters and not self.leftovers:
            return []
        left = []
        running = True
        for attempt in range(STOP_WAITS):
            try:
                ended = self._call("lync_job_stop", dict(parameters), required_keys=("SqlRunning", "ProcessesRunning"))
            except door.PayloadError as exc:
                return ["ending its work failed (%s); check on %s that no BACKUP/RESTORE of the job's SQL session "
                        "and no robocopy.exe of it still runs, and delete %s by hand"
                        % (" ".join(str(exc).split()), self.host, ", ".join(self.leftovers) or "nothing")]
            if ended.get("SqlError"):
                left.append("its SQL session %s on %s could not be ended (%s; KILL needs ALTER ANY CONNECTION "
                            "- sysadmin or processadmin - and seeing the session VIEW SERVER STATE)"
                            % (parameters.get("SqlSessionId"), parameters.get("SqlInstance"),
                               " ".join(str(ended["SqlError"]).split())))
                break
            running = bool(ended.get("SqlRunning")) or bool(ended.get("ProcessesRunning"))
            if not running:
                break
            # Ended, not yet gone (a KILL's abort or a process exit takes a moment): look again. The payload ends only
            # what still matches the records (the session's login time, the processes' parent and start time).
            self.sleep(min(self.poll, 2 ** attempt))
        if running and not left:
            left.append("its work still ran after the stop (SQL session %s, processes %s); check on %s"
                        % (parameters.get("SqlSessionId"), ended.get("ProcessesRunning"), self.host))
        if left or not self.leftovers:
            if self.leftovers and left:
                left.append("what it wrote was NOT deleted: %s" % ", ".join(self.leftovers))
            return left
        try:
            removed = self._call("lync_job_stop", {"RemoveFiles": list(self.leftovers)},
                                 required_keys=("RemoveErrors",))
        except door.PayloadError as exc:
            removed = {"RemoveErrors": [str(exc)]}
        if removed.get("RemoveErrors"):
            left.append("deleting what it wrote failed: %s" % "; ".join(" ".join(str(e).split())
                                                                        for e in removed["RemoveErrors"]))
        return left

    def _give_up(self):
        """The deadline passed: stop the job (or leave it running, for work that must not be cut)."""
        self.deadline = self.clock() + max(self.poll * 4, 60)  # a short grace for the calls below
        if not getattr(self, "owned", False):
            # The timeout came while this work waited for another run's job under the same name (or before its
            # own was known to run): that job is not ours to stop, KILL or delete from (review detstop, finding 2).
            if self.busy:
                raise JobTimeout("%s did not start within %d s: the host stayed busy (%s), so this work's start was "
                                 "not made and nothing was stopped; the start that held the lock (a retry of this "
                                 "one's, or another run's) may have started the job: run again to find it"
                                 % (self.where, self.timeout, self.busy))
            raise JobTimeout("%s did not start within %d s: the scheduled task \\lync.server\\%s on %s still ran "
                             "other work, which was NOT stopped. Let it finish (or stop it) and run again"
                             % (self.where, self.timeout, self.job, self.host))
        if self.stop_on_timeout:
            # What the work recorded (its SQL session, the runner's process) is read before the folder goes.
            try:
                records = self.status().get("Records")
            except door.PayloadError as exc:
                records = None
                Display().vvv("%s: the job's records could not be read before the stop: %s" % (self.where, exc))
            try:
                removed = self.remove(stop=True)
            except door.PayloadError as exc:
                # The removal refused (no lock file: LYNC_JOB_UNSAFE), could not open the lock (LYNC_JOB_LOCK_FAILED),
                # found the host busy or unreachable for the whole grace, or failed after its stop: the job may run
                # on past the item's timeout; say so, with what to do (review s9b, finding 2; review s10, finding 2).
                raise JobTimeout("%s did not finish within %d s and the stop could not be completed (%s): the job may "
                                 "still run as the scheduled task \\lync.server\\%s on %s. Check it (Get-ScheduledTask "
                                 "-TaskPath '\\lync.server\\' -TaskName %s) and stop it (Stop-ScheduledTask, same "
                                 "names); a later night's start sweeps it once it has stopped"
                                 % (self.where, self.timeout, " ".join(str(exc).split()), self.job, self.host,
                                    self.job)) from exc
            if removed.get("Reused"):
                raise JobTimeout("%s did not finish within %d s; the job under its name now runs other work (another "
                                 "run took the name), which was NOT stopped" % (self.where, self.timeout))
            # A removal that found no task to stop or unregister (another run removed it, or it was never there)
            # says so, not "stopped" (review s10, finding 2a).
            done = "was stopped and removed" if removed.get("Stopped") or removed.get("Unregistered") else \
                "was gone (no scheduled task to stop), and its folder was removed"
            left = self.end_work(records)
            if left:
                raise JobTimeout("%s did not finish within %d s; the job %s, but %s"
                                 % (self.where, self.timeout, done, "; ".join(left)))
            raise JobTimeout("%s did not finish within %d s; the job %s%s"
                             % (self.where, self.timeout, done, ", and what it left running and wrote was ended and "
                                "deleted" if (records or self.leftovers) else ""))
        raise JobTimeout("%s did not finish within %d s. It was NOT stopped: it goes on as the scheduled task "
                         "\\lync.server\\%s on %s. Run the same play again to wait for it and collect its result."
                         % (self.where, self.timeout, self.job, self.host))


def run(action, task_vars, name, parameters, job, detached=True, secrets=None, credentials=None, required_keys=(),
        stop_on_timeout=True, poll=DEFAULT_POLL, clock=time.monotonic, sleep=time.sleep, work=None, leftovers=()):
    """Run payload `name` detached as job `job` (see module docstring); in this session when `detached` is
    false, when the task carries no network identity to run the job as, or on a host without the
    ScheduledTasks module (with a warning). Returns a PayloadResult like payload.run_payload."""
    def in_session():
        return door.run_payload(action, task_vars, name, parameters=parameters, secrets=secrets,
                                credentials=credentials, required_keys=required_keys)
    if not detached or action._task.check_mode:  # pylint: disable=protected-access
        return in_session()
    if secrets or credentials:
        raise door.PayloadError("payload %s: a detached job cannot carry secrets (its parameters are written to "
                                "the job folder); run it with detached: false" % name)
    who = principal(action)
    host = door._host_name(action, task_vars)  # pylint: disable=protected-access
    if who is None:
        _warn(action, "payload %s on %s: ran in this session, not detached: a detached job runs as the task's "
                      "network identity (become runas logon_type=new_credentials as lync_network_user, with its "
                      "password), and this task has none" % (name, host))
        return in_session()
    job = Job(action, task_vars, name, parameters, job, who, timeout=task_timeout(action), poll=poll,
              stop_on_timeout=stop_on_timeout, required_keys=required_keys, clock=clock, sleep=sleep, work=work,
              leftovers=leftovers)
    try:
        return job.run()
    except door.PayloadError as exc:
        text = str(exc)
        if isinstance(exc, JobTimeout):
            raise
        if UNSUPPORTED_MARKER in text:
            why = "the host has no ScheduledTasks module (Windows Server 2012 / Windows 8 or later)"
        else:
            why = refusal(text)
            if why is None:
                raise
    _warn(action, "payload %s on %s: ran in this session, not detached: %s; the work dies with the connection. Set "
                  "backup_detached: false (the module's detached: false) to run it in session without this warning"
                  % (name, host, why))
    return in_session()


def refusal(text):
    """Why Windows refused to register the job's task for its principal's credential, or None (another error)."""
    if REFUSED_MARKER not in text:
        return None
    lowered = text.lower()
    for code, why in CREDENTIAL_REFUSALS:
        if code in lowered:
            return "registering the job's task was refused: " + why
    return None


def _warn(action, text):
    """A warning shown with the task's result (kept like a payload's warnings)."""
    kept = getattr(action, door._WARNINGS_ATTR, None)  # pylint: disable=protected-access
    if kept is None:
        kept = []
        setattr(action, door._WARNINGS_ATTR, kept)  # pylint: disable=protected-access
    if text not in kept:
        kept.append(text)
