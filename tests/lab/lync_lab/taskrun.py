"""A scheduled task's run on a lab host: a separate OS process, started by Start-ScheduledTask
(boundary/tasks.py) in a new session, so it outlives the ansible-playbook (and the WinRM call) that started it.

    python -m lync_lab.taskrun <state.json> <host fqdn> <task key (TaskPath + TaskName)>

The task's action must be `powershell.exe -NoProfile -NonInteractive -Command "& ([scriptblock]::Create((Get-Content
-LiteralPath '<folder>\runner.ps1' -Raw -Encoding UTF8))) '<folder>'"` (see ARGUMENT_RE): this process runs the
runner's own text in the lab's engine on the host with the folder bound to its first parameter, as the task's
principal (its identity on this host and on the network: a logon of type Password holds the account's own
credentials, https://learn.microsoft.com/windows/win32/taskschd/principal-logontype), and records the exit code
as the task's LastTaskResult
(https://learn.microsoft.com/powershell/module/microsoft.powershell.core/about/about_powershell_exe).

Lab rules, as for win_powershell (winps.py): the script must be the collection's job runner
(plugins/plugin_utils/jobs/lync_job_runner.ps1) and the work beside it (work.ps1) a payload's text, byte for
byte. The inventory's faults apply to the work by its payload name: `slow`/`hang` make the work last (the
process sleeps before the work runs, outside the state lock, so the host answers other calls meanwhile), `long`
makes a step inside the work last (a BACKUP DATABASE, tsql.py: the lock is released while it runs, ctx.pause),
`fail` without a command makes the work throw the fault's message as it starts, `fail` with a command acts
where that command runs (as in any payload).
"""

import contextlib
import datetime
import fcntl
import json
import os
import re
import sys
import time

from . import boundary, calls, coverage, fsops, netid, psparse, replication
from . import faults as faultlib
from .context import Context
from .errors import PSError
from .state import Lab
from .winps import PAYLOAD_DIR, mutant_text

RUNNER = PAYLOAD_DIR.parent / "jobs" / "lync_job_runner.ps1"
# The runner as -Command text, not -File: execution policy governs script files, and Group Policy's
# (MachinePolicy/UserPolicy) overrides -ExecutionPolicy; text typed at the command line is not a script file
# (https://learn.microsoft.com/powershell/module/microsoft.powershell.core/about/about_execution_policies).
# `& <scriptblock> 'folder'` binds the folder to the runner's first parameter; an `exit` in it ends powershell.exe
# with that code (about_powershell_exe, -Command).
# Get-Content -Raw -Encoding UTF8, not [System.IO.File]::ReadAllText: command text runs in ConstrainedLanguage under an
# AppLocker/WDAC policy, where only core types' methods may be called
# (https://learn.microsoft.com/powershell/module/microsoft.powershell.core/about/about_language_modes).
ARGUMENT_RE = re.compile(r"\A-NoProfile -NonInteractive -Command \"& \(\[scriptblock\]::Create\(\(Get-Content -LiteralPath "
                         r"'(?P<path>[^'\"]+)\\runner\.ps1' -Raw -Encoding UTF8\)\)\) '(?P=path)'\"\Z")


def _text(data):
    text = data.decode("utf-8")
    return text[1:] if text.startswith("\ufeff") else text


def _check(ctx, script_path):
    """The runner's and the work's texts (runner.ps1, work.ps1 in the job folder); raises PSError when they are
    not the collection's. Returns (runner text, work payload name, work parameters)."""
    def read(ctx, path):
        return fsops.read_bytes(ctx, path)
    runner = _text(read(ctx, script_path))
    if runner != RUNNER.read_text(encoding="utf-8"):
        raise PSError("lab: %s is not the collection's job runner (%s)" % (script_path, RUNNER))
    folder = script_path.rsplit("\\", 1)[0]
    work = _text(read(ctx, folder + "\\work.ps1"))
    name = psparse.header_name(work)
    if not name or (PAYLOAD_DIR / (name + ".ps1")).read_text(encoding="utf-8") != work:
        raise PSError("lab: %s\\work.ps1 is not a lync.server payload's text" % folder)
    from .boundary.tasks import from_clixml  # pylint: disable=import-outside-toplevel
    params = from_clixml(read(ctx, folder + "\\parameters.xml").decode("utf-16"))
    return runner, name, params


def _context(lab, state, host, task, faults, payload):
    ctx = Context(lab, state, host, False, faults, payload)
    ctx.session_user = task["user"]
    ctx.network_user = task["user"]
    return ctx


def main(argv):
    state_path, host, key = argv[1:4]
    lab = Lab(state_path)
    faults = faultlib.from_env()
    exit_code = 1
    try:
        with lab.locked() as state:
            task = state["hosts"][host]["scheduled_tasks"][key]
            match = ARGUMENT_RE.match(task["argument"] or "")
            if task["execute"].lower() not in ("powershell.exe", "c:\\windows\\system32\\windowspowershell\\v1.0\\powershell.exe") \
                    or not match:
                raise PSError("lab: only `powershell.exe -NoProfile -NonInteractive -Command \"& ([scriptblock]::Create(("
                              "Get-Content -LiteralPath '<folder>\\runner.ps1' -Raw -Encoding UTF8))) '<folder>'\"` task "
                              "actions are modelled; got %s %s" % (task["execute"], task["argument"]))
            folder = match.group("path")
            script_path = folder + "\\runner.ps1"
            ctx = _context(lab, state, host, task, faults, "lync_job_runner")
            with netid.session(ctx):
                runner, work, params = _check(ctx, script_path)
            given = dict(params.items()) if hasattr(params, "items") else {}
            fault = faultlib.active(faults, work, {k: str(v) for k, v in given.items()}, state, host,
                                    ("slow", "hang", "fail"))
        delay = float(fault.get("seconds", 3600 if fault["kind"] == "hang" else 2)) if fault and \
            fault["kind"] in ("slow", "hang") else 0
        if delay:
            time.sleep(delay)  # the work takes its time; the host answers other calls meanwhile
        with _locked(lab) as (state, pause, exit_now):
            task = state["hosts"][host].get("scheduled_tasks", {}).get(key)
            if task is None or task.get("state") != "Running":
                return 0  # stopped (or removed) while it waited: the work never ran
            ctx = _context(lab, state, host, task, faults, work)
            ctx.pause = pause
            ctx.exit_now = exit_now
            session = boundary.open_session(ctx)
            engine = session.engine
            # This process is the task's powershell.exe: $PID and its record in the host's process table (Get-Process).
            own = str(os.getpid())
            state["hosts"][host].setdefault("processes", {})[own] = {
                "name": "powershell.exe", "parent": None, "os_pid": os.getpid(),
                "start": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")}
            engine.global_scope.set("PID", os.getpid())
            _count_work_statements(engine)
            if fault and fault["kind"] == "fail":
                _fail_when_work_starts(engine, fault.get("message") or "lab fault: %s failed on %s" % (work, host))
            mutant = mutant_text(work)
            if mutant is not None:
                _replace_work(engine, mutant)
            try:
                with netid.session(ctx), calls.recorded(host, work):  # the work's bytes count as its own call's
                    ran = engine.run(runner, {"JobFolder": folder}, False, error_action="stop")
            finally:
                # Under the state lock, before the task reads as ended: a poll that collects the result finds the
                # work's statement lines already recorded.
                coverage.record(work, engine.coverage)
            replication.replicate(state)
            exit_code = ran.exit_code if ran.exit_code is not None else (1 if ran.terminating_error else 0)
            table = state["hosts"][host].get("processes") or {}
            table.pop(own, None)
            if "processes" in state["hosts"][host] and not table:
                del state["hosts"][host]["processes"]
            task = state["hosts"][host].get("scheduled_tasks", {}).get(key)  # as the state holds it now
            if task is not None:
                task.update(state="Ready", last_result=int(exit_code), pid=None)
        return 0
    finally:
        if exit_code != 0:
            _mark_ended(lab, host, key, exit_code)


def _refresh(old, new):
    """Make `old` equal `new` in place, dict by dict, so references the engine holds into the state (the host's
    record, an SQL instance's record) stay the state's own."""
    for key in [k for k in old if k not in new]:
        del old[key]
    for key, value in new.items():
        if isinstance(old.get(key), dict) and isinstance(value, dict):
            _refresh(old[key], value)
        else:
            old[key] = value


@contextlib.contextmanager
def _locked(lab):
    """Lab.locked() for the work's run, with ctx.pause(seconds, ended): long work in the work (a BACKUP made long by
    the fault `long`, tsql.py) writes the state back and releases the lab lock while it lasts, so the host answers
    other calls meanwhile (the collection's polls, a stop, a KILL), as a Windows host does; every 0.2 s it reads the
    state and stops waiting when ended(state) says so. It then takes the lock again and reads what others changed.
    Returns whether ended() said so. A process killed meanwhile (Stop-ScheduledTask) leaves the state as written."""
    with open(str(lab.state_path) + ".lock", "a", encoding="utf-8") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            with open(lab.state_path, encoding="utf-8") as handle:
                text = handle.read()
            state = json.loads(text)

            def pause(seconds, ended):
                lab.save(state)
                fcntl.flock(lock, fcntl.LOCK_UN)
                stop = False
                try:
                    until = time.monotonic() + float(seconds)
                    while not stop and time.monotonic() < until:
                        time.sleep(0.2)
                        with open(lab.state_path, encoding="utf-8") as handle:
                            stop = bool(ended(json.loads(handle.read())))
                finally:
                    fcntl.flock(lock, fcntl.LOCK_EX)
                    with open(lab.state_path, encoding="utf-8") as handle:
                        _refresh(state, json.loads(handle.read()))
                return stop

            def exit_now():
                lab.save(state)
                os._exit(0)  # pylint: disable=protected-access
            yield state, pause, exit_now
            lab.save(state)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _mark_ended(lab, host, key, exit_code):
    """A run that ended without marking its task (an error in the lab itself): Ready, with the exit code."""
    with lab.locked() as state:
        task = state["hosts"][host].get("scheduled_tasks", {}).get(key)
        if task is not None and task.get("state") == "Running":
            task.update(state="Ready", last_result=int(exit_code), pid=None)


def _count_work_statements(engine):
    """Payload statement coverage (lync_lab/coverage.py) for the work: the engine counts the statements of the
    script it runs, here the runner; from the moment the runner creates the work's script block, count that
    block's statements instead (the work's text is the payload's, byte for byte, so its line numbers are the
    payload's), and none of the runner's."""
    create = engine.create_scriptblock

    def created(text):
        block = create(text)
        engine.script_data = block.evaluator.data
        engine.coverage = set()
        return block
    engine.create_scriptblock = created


def _fail_when_work_starts(engine, message):
    """A `fail` fault on the work's payload: the work throws as it starts (its first command)."""
    create = engine.create_scriptblock
    armed = {"on": False}

    def created(text):
        armed["on"] = True
        return create(text)
    engine.create_scriptblock = created
    hook = engine.command_hook

    def fire(command, bound):
        if armed["on"]:
            armed["on"] = False
            raise PSError(message)
        if hook is not None:
            hook(command, bound)
    engine.command_hook = fire


def _replace_work(engine, text):
    """A planted defect (LYNC_LAB_MUTANT_DIR, see winps.mutant_text): the work's text is replaced."""
    create = engine.create_scriptblock
    engine.create_scriptblock = lambda _original: create(text)


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except Exception as exc:  # pylint: disable=broad-except
        print("lync_lab.taskrun: %s: %s" % (type(exc).__name__, exc), file=sys.stderr)
        sys.exit(1)
