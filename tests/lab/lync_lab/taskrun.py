"""A scheduled task's run on a lab host: a separate OS process, started by Start-ScheduledTask
(boundary/tasks.py) in a new session, so it outlives the ansible-playbook (and the WinRM call) that started it.

    python -m lync_lab.taskrun <state.json> <host fqdn> <task key (TaskPath + TaskName)>

The task's action must be `powershell.exe -NoProfile -NonInteractive -Command "& ([scriptblock]::Create(
[System.IO.File]::ReadAllText('<folder>\runner.ps1'))) '<folder>'"` (see ARGUMENT_RE): this process runs the
runner's own text in the lab's engine on the host with the folder bound to its first parameter, as the task's
principal (its identity on this host and on the network: a logon of type Password holds the account's own
credentials, https://learn.microsoft.com/windows/win32/taskschd/principal-logontype), and records the exit code
as the task's LastTaskResult
(https://learn.microsoft.com/powershell/module/microsoft.powershell.core/about/about_powershell_exe).

Lab rules, as for win_powershell (winps.py): the script must be the collection's job runner
(plugins/plugin_utils/jobs/lync_job_runner.ps1) and the work beside it (work.ps1) a payload's text, byte for
byte. The inventory's faults apply to the work by its payload name: `slow`/`hang` make the work last (the
process sleeps before the work runs, outside the state lock, so the host answers other calls meanwhile),
`fail` without a command makes the work throw the fault's message as it starts, `fail` with a command acts
where that command runs (as in any payload).
"""

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
ARGUMENT_RE = re.compile(r"\A-NoProfile -NonInteractive -Command \"& \(\[scriptblock\]::Create\(\[System\.IO\.File\]::"
                         r"ReadAllText\('(?P<path>[^'\"]+)\\runner\.ps1'\)\)\) '(?P=path)'\"\Z")


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
                raise PSError("lab: only `powershell.exe -NoProfile -NonInteractive -Command \"& ([scriptblock]::Create("
                              "[System.IO.File]::ReadAllText('<folder>\\runner.ps1'))) '<folder>'\"` task actions are "
                              "modelled; got %s %s" % (task["execute"], task["argument"]))
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
        with lab.locked() as state:
            task = state["hosts"][host].get("scheduled_tasks", {}).get(key)
            if task is None or task.get("state") != "Running":
                return 0  # stopped (or removed) while it waited: the work never ran
            ctx = _context(lab, state, host, task, faults, work)
            session = boundary.open_session(ctx)
            engine = session.engine
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
            task.update(state="Ready", last_result=int(exit_code), pid=None)
        return 0
    finally:
        if exit_code != 0:
            _mark_ended(lab, host, key, exit_code)


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
