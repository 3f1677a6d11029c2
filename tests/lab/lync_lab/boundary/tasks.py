"""Scheduled tasks (the ScheduledTasks module) and CLIXML (Export-Clixml / Import-Clixml): what a detached
job (plugins/plugin_utils/detached.py) calls on a lab host.

The lab keeps a host's tasks in its record, `scheduled_tasks` {"<TaskPath><TaskName>": task}. When a task
starts, its action runs as a separate, detached OS process (`python -m lync_lab.taskrun`, a new session, so it
outlives the ansible-playbook that started it), which runs the action's `powershell.exe -File <script>` in the
lab's engine as the task's principal (lync_lab/taskrun.py). Stop-ScheduledTask ends that process.

The ScheduledTasks module exists from Windows Server 2012 / Windows 8 (kernel 6.2, winhost.COMMANDS_SINCE);
on an older host its commands are not there ("not recognized"), as on Windows.

Pages (parameters as declared below):
Get-ScheduledTask https://learn.microsoft.com/powershell/module/scheduledtasks/get-scheduledtask
  (a name that matches nothing is a non-terminating ObjectNotFound error: "No MSFT_ScheduledTask objects found with
  property 'TaskName' equal to '<name>'.  Verify the value of the property and retry.", FullyQualifiedErrorId
  CmdletizationQuery_NotFound_TaskName,Get-ScheduledTask - with -TaskPath as well, two filters, the bare
  CmdletizationQuery_NotFound,Get-ScheduledTask from a CimJobException; host state `task_scheduler_failure` {message, hresult}
  makes it fail otherwise - a non-terminating CimException "HRESULT <hresult>,Get-ScheduledTask")
Get-ScheduledTaskInfo https://learn.microsoft.com/powershell/module/scheduledtasks/get-scheduledtaskinfo
  (MSFT_TaskDynamicInfo: LastRunTime, LastTaskResult, NextRunTime, NumberOfMissedRuns, TaskName, TaskPath)
New-ScheduledTaskAction https://learn.microsoft.com/powershell/module/scheduledtasks/new-scheduledtaskaction
New-ScheduledTaskSettingsSet https://learn.microsoft.com/powershell/module/scheduledtasks/new-scheduledtasksettingsset
  (ExecutionTimeLimit defaults to 72 hours, PT72H, and is bypassed for a task started on demand,
  https://learn.microsoft.com/windows/win32/api/taskschd/nf-taskschd-itasksettings-get_executiontimelimit - the lab
  records it and never enforces it; MultipleInstances IgnoreNew is the default)
Register-ScheduledTask https://learn.microsoft.com/powershell/module/scheduledtasks/register-scheduledtask
  (-User with -Password: the task runs whether the user is logged on or not, logon type Password; a task that
  exists without -Force: "Cannot create a file when that file already exists." HRESULT 0x800700b7)
Start-ScheduledTask https://learn.microsoft.com/powershell/module/scheduledtasks/start-scheduledtask
Stop-ScheduledTask https://learn.microsoft.com/powershell/module/scheduledtasks/stop-scheduledtask
Unregister-ScheduledTask https://learn.microsoft.com/powershell/module/scheduledtasks/unregister-scheduledtask
Task states (MSFT_ScheduledTask.State): Unknown 0, Disabled 1, Queued 2, Ready 3, Running 4,
  https://learn.microsoft.com/windows/win32/taskschd/registeredtask-state (TASK_STATE)
LastTaskResult constants https://learn.microsoft.com/windows/win32/taskschd/task-scheduler-error-and-success-constants
  (267009 SCHED_S_TASK_RUNNING, 267011 SCHED_S_TASK_HAS_NOT_RUN, 267014 SCHED_S_TASK_TERMINATED)
Processes (the host record's "processes" {id: {"name", "start" (UTC, ISO 8601), "parent", "os_pid"}}: the task
  processes of lync_lab/taskrun.py and what they start; a process whose OS process is gone has ended):
Get-Process https://learn.microsoft.com/powershell/module/microsoft.powershell.management/get-process
  (-Id: "Cannot find a process with the process identifier <id>." a non-terminating ObjectNotFound error;
  System.Diagnostics.Process: Id, ProcessName without ".exe", StartTime a local DateTime)
Stop-Process https://learn.microsoft.com/powershell/module/microsoft.powershell.management/stop-process
  (-Id, -Force; the process ends: the lab kills its OS process)
Stop-ScheduledTask ends the task's own process (powershell.exe) and, in the lab, the OS process that runs it; what
  that process started stays (MS-TSCH SchRpcStop stops "running instances of a task"; nothing says its children
  end: https://learn.microsoft.com/openspecs/windows_protocols/ms-tsch/f7bb5834-1230-4e5e-8495-85a4d635495a)
Export-Clixml https://learn.microsoft.com/powershell/module/microsoft.powershell.utility/export-clixml
Import-Clixml https://learn.microsoft.com/powershell/module/microsoft.powershell.utility/import-clixml
  (the CLIXML format: https://learn.microsoft.com/openspecs/windows_protocols/ms-psrp/ - primitive types 2.2.5.1,
  hashtables <DCT> 2.2.5.2.6.4, lists <LST> 2.2.5.2.6.3, extended properties <MS> 2.2.5.2.9)
"""

import datetime
import os
import signal
import subprocess
import sys
import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape

from .. import faults, fsops, winhost
from ..engine import Command, Param
from ..engine import values as V

PAYLOADS = ("lync_job_start", "lync_job_status", "lync_job_remove", "lync_job_stop", "lync_job_sweep")
MODULE = "ScheduledTasks"
UTILITY = "Microsoft.PowerShell.Utility"
TASK_STATE = V.EnumType("Microsoft.PowerShell.Cmdletization.GeneratedTypes.ScheduledTask.StateEnum", {
    "Unknown": 0, "Disabled": 1, "Queued": 2, "Ready": 3, "Running": 4})
HAS_NOT_RUN = 267011
RUNNING = 267009
TERMINATED = 267014
LAB_PYTHONPATH = os.path.abspath(os.path.join(os.path.dirname(__file__), os.pardir, os.pardir))


class CimTask(V.NetObject):
    """MSFT_ScheduledTask."""

    TYPE_NAME = "Microsoft.Management.Infrastructure.CimInstance#Root/Microsoft/Windows/TaskScheduler/MSFT_ScheduledTask"

    def __init__(self, task):
        self.TaskName = task["name"]
        self.TaskPath = task["path"]
        self.State = V.to_enum(task["state"], TASK_STATE)
        self.Actions = [CimAction(task["execute"], task["argument"])]
        self.Principal = CimPrincipal(task)
        self.Author = task.get("author")
        self.Description = task.get("description")


class CimPrincipal(V.NetObject):
    """MSFT_TaskPrincipal2: the account the task runs as (UserId, as registered with -User), LogonType, RunLevel."""

    TYPE_NAME = "Microsoft.Management.Infrastructure.CimInstance#Root/Microsoft/Windows/TaskScheduler/MSFT_TaskPrincipal2"

    def __init__(self, task):
        self.UserId = task.get("user")
        self.LogonType = task.get("logon_type")
        self.RunLevel = task.get("run_level")
        self.Id = "Author"


class CimTaskInfo(V.NetObject):
    """MSFT_TaskDynamicInfo."""

    TYPE_NAME = "Microsoft.Management.Infrastructure.CimInstance#Root/Microsoft/Windows/TaskScheduler/MSFT_TaskDynamicInfo"

    def __init__(self, task):
        self.TaskName = task["name"]
        self.TaskPath = task["path"]
        self.LastTaskResult = int(task.get("last_result", HAS_NOT_RUN))
        self.LastRunTime = task.get("last_run")
        self.NextRunTime = None
        self.NumberOfMissedRuns = 0


class CimAction(V.NetObject):
    """MSFT_TaskExecAction."""

    TYPE_NAME = "Microsoft.Management.Infrastructure.CimInstance#Root/Microsoft/Windows/TaskScheduler/MSFT_TaskExecAction"

    def __init__(self, execute, argument, working=None):
        self.Execute = execute
        self.Arguments = argument
        self.WorkingDirectory = working
        self.Id = None


class CimSettings(V.NetObject):
    """MSFT_TaskSettings3 (the defaults New-ScheduledTaskSettingsSet documents)."""

    TYPE_NAME = "Microsoft.Management.Infrastructure.CimInstance#Root/Microsoft/Windows/TaskScheduler/MSFT_TaskSettings3"

    def __init__(self):
        self.ExecutionTimeLimit = "PT72H"
        self.MultipleInstances = "IgnoreNew"
        self.DisallowStartIfOnBatteries = True
        self.StopIfGoingOnBatteries = True
        self.Enabled = True


class Process(V.NetObject):
    """System.Diagnostics.Process (the members the payloads read)."""

    TYPE_NAME = "System.Diagnostics.Process"

    def __init__(self, pid, record):
        self.Id = int(pid)
        self.ProcessName = record["name"][:-4] if record["name"].lower().endswith(".exe") else record["name"]
        self.Name = self.ProcessName
        self.StartTime = V.with_kind(datetime.datetime.fromisoformat(record["start"].rstrip("Z")), "Local")


class Win32Process(V.NetObject):
    """CIM Win32_Process (the properties the payloads read)."""

    TYPE_NAME = "Microsoft.Management.Infrastructure.CimInstance#root/cimv2/Win32_Process"

    def __init__(self, pid, record):
        self.ProcessId = int(pid)
        self.ParentProcessId = int(record.get("parent") or 0)
        self.Name = record["name"]
        self.CreationDate = V.with_kind(datetime.datetime.fromisoformat(record["start"].rstrip("Z")), "Local")


def os_alive(os_pid):
    """Whether the OS process still runs (not gone, not a zombie waiting for its parent)."""
    try:
        os.kill(int(os_pid), 0)
    except (ProcessLookupError, PermissionError, ValueError, TypeError):
        return False
    try:
        with open("/proc/%d/stat" % int(os_pid), encoding="ascii") as handle:
            return handle.read().rsplit(")", 1)[-1].split()[0] != "Z"
    except OSError:
        return True


def processes(record):
    """The host's live processes {id: record}; records of ended ones are dropped."""
    table = record.get("processes") or {}
    for pid in [p for p, r in table.items() if not os_alive(r.get("os_pid"))]:
        del table[pid]
    if "processes" in record and not table:
        del record["processes"]
    return dict(table)


def _child_process(ctx, inner):
    """robocopy.exe in a task's work (lync_lab/taskrun.py) is a process of its own, a child of the task's
    powershell.exe: in the host's process table while it runs. With the fault `long` (the work's payload) it copies,
    then goes on for `seconds` with the lab lock released (ctx.pause). Stop-ScheduledTask ends the powershell.exe,
    not this child (stop() below); Stop-Process -Id ends it. A child whose parent was stopped ends the task's OS
    process when it ends (ctx.exit_now), the rest of the work never running."""
    def run(engine, argv):
        lines, code = inner(engine, argv)
        fault = faults.active(ctx.faults or [], ctx.payload, {}, ctx.state, ctx.host, ("long",))
        if not fault:
            return lines, code
        parent = str(engine.global_scope.find("PID").value)
        table = ctx.record.setdefault("processes", {})
        child = str(max([int(p) for p in table] + [int(parent)]) + 4)  # Windows process ids are multiples of 4
        table[child] = {"name": "robocopy.exe", "parent": int(parent), "os_pid": os.getpid(),
                        "start": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")}
        host = ctx.host
        ctx.pause(float(fault.get("seconds", 3600)),
                  lambda state: child not in (state["hosts"][host].get("processes") or {}))
        (ctx.record.get("processes") or {}).pop(child, None)
        if parent not in (ctx.record.get("processes") or {}):
            ctx.exit_now()  # its powershell.exe was stopped meanwhile: nothing of the work runs after the child
        return lines, code
    run.child = True
    return run


def install_processes(session):
    ctx = session.ctx

    def get_process(call):
        live = processes(ctx.record)
        ids = [V.to_integer(i) for i in V.enumerate_value(call.args.get("Id"))] if call.args.get("Id") is not None else None
        if ids is None:
            names = [V.to_string(n).lower() for n in V.enumerate_value(call.args.get("Name") or [])]
            return [Process(p, r) for p, r in sorted(live.items(), key=lambda kv: int(kv[0]))
                    if not names or Process(p, r).ProcessName.lower() in names]
        out = []
        for pid in ids:
            if str(pid) in live:
                out.append(Process(pid, live[str(pid)]))
            else:
                call.error("Cannot find a process with the process identifier %d." % pid,
                           "Microsoft.PowerShell.Commands.ProcessCommandException",
                           "NoProcessFoundForGivenId,Microsoft.PowerShell.Commands.GetProcessCommand", "ObjectNotFound", pid)
        return out

    def stop_process(call):
        live = processes(ctx.record)
        for value in V.enumerate_value(call.args.get("Id")):
            pid = V.to_integer(value)
            record = live.get(str(pid))
            if record is None:
                call.error("Cannot find a process with the process identifier %d." % pid,
                           "Microsoft.PowerShell.Commands.ProcessCommandException",
                           "NoProcessFoundForGivenId,Microsoft.PowerShell.Commands.StopProcessCommand", "ObjectNotFound", pid)
                continue
            if not call.should_process("%s (%d)" % (record["name"], pid), "Stop-Process"):
                continue
            try:
                os.kill(int(record["os_pid"]), signal.SIGKILL)
            except ProcessLookupError:
                pass
            ctx.record.get("processes", {}).pop(str(pid), None)
        return None

    cim = session.engine.commands.get("Get-CimInstance")
    if cim is not None and not getattr(cim.function, "serves_win32_process", False):
        inner = cim.function

        def get_cim_instance(call):
            """Win32_Process (https://learn.microsoft.com/windows/win32/cimwin32prov/win32-process): ProcessId,
            ParentProcessId, Name (with .exe), CreationDate; other classes: the area that declared the command."""
            if V.to_string(call.args.get("ClassName")).lower() != "win32_process" or call.args.get("Filter") is not None:
                return inner(call)
            return [Win32Process(p, r) for p, r in sorted(processes(ctx.record).items(), key=lambda kv: int(kv[0]))]
        get_cim_instance.serves_win32_process = True
        cim.function = get_cim_instance
    robocopy = session.engine.commands.get("robocopy.exe")
    if robocopy is not None and getattr(ctx, "pause", None) and not getattr(robocopy.function, "child", False):
        robocopy.function = _child_process(ctx, robocopy.function)
    if session.engine.commands.get("Get-Process") is None:
        session.command(Command("Get-Process", [
            Param("Name", "System.String[]", position=0, sets=("Name",), pipeline=True, by_property=True,
                  aliases=("ProcessName",)),
            Param("Id", "System.Int32[]", mandatory=True, sets=("Id",), by_property=True, aliases=("PID",)),
            Param("ComputerName", "System.String[]", aliases=("Cn",)), Param("Module", switch=True),
            Param("FileVersionInfo", switch=True, aliases=("FV", "FVI"))],
            get_process, default_set="Name", aliases=("gps", "ps"), module="Microsoft.PowerShell.Management"))
    if session.engine.commands.get("Stop-Process") is None:
        session.command(Command("Stop-Process", [
            Param("Id", "System.Int32[]", position=0, mandatory=True, sets=("Id",), by_property=True),
            Param("Name", "System.String[]", mandatory=True, sets=("Name",), by_property=True, aliases=("ProcessName",)),
            Param("InputObject", "System.Object[]", mandatory=True, sets=("InputObject",), pipeline=True),
            Param("PassThru", switch=True), Param("Force", switch=True)],
            stop_process, should_process=True, default_set="Id", aliases=("spps", "kill"),
            module="Microsoft.PowerShell.Management"))


# -- CLIXML ------------------------------------------------------------------------------------------

NS = "http://schemas.microsoft.com/powershell/2004/04"


def to_clixml(value, depth):
    """Export-Clixml's document for one object (past `depth` levels an object is written as its string)."""
    refs = [0]

    def tn(names):
        refs[0] += 1
        return "<TN RefId=\"%d\">%s</TN>" % (refs[0] - 1, "".join("<T>%s</T>" % escape(n) for n in names))

    def node(val, level, name=None):
        attr = ' N="%s"' % escape(name, {'"': "&quot;"}) if name is not None else ""
        if val is None:
            return "<Nil%s />" % attr
        if isinstance(val, V.SwitchValue):
            val = val.IsPresent
        if isinstance(val, bool):
            return "<B%s>%s</B>" % (attr, "true" if val else "false")
        if isinstance(val, int):
            tag = "I32" if -2 ** 31 <= val < 2 ** 31 else "I64"
            return "<%s%s>%d</%s>" % (tag, attr, val, tag)
        if isinstance(val, float):
            return "<Db%s>%r</Db>" % (attr, val)
        if isinstance(val, datetime.datetime):
            return "<DT%s>%s</DT>" % (attr, val.isoformat())
        if isinstance(val, str):
            return "<S%s>%s</S>" % (attr, escape(val))
        if level >= depth:
            return "<S%s>%s</S>" % (attr, escape(V.to_string(val)))
        if isinstance(val, V.Hashtable):
            entries = "".join("<En>%s%s</En>" % (node(k, level + 1, "Key"), node(v, level + 1, "Value"))
                              for k, v in val.items())
            return "<Obj%s>%s<DCT>%s</DCT></Obj>" % (attr, tn(["System.Collections.Hashtable", "System.Object"]), entries)
        if isinstance(val, (list, tuple)):
            return "<Obj%s>%s<LST>%s</LST></Obj>" % (attr, tn(["System.Object[]", "System.Array", "System.Object"]),
                                                     "".join(node(v, level + 1) for v in val))
        if isinstance(val, V.PSObject):
            props = val.props.items()
            names = ["System.Management.Automation.PSCustomObject", "System.Object"]
        elif isinstance(val, V.NetObject):
            props = [(k, v) for k, v in vars(val).items() if k[:1].isupper() and not callable(v)]
            names = [val.type_name, "System.Object"]
        else:
            return "<S%s>%s</S>" % (attr, escape(V.to_string(val)))
        members = "".join(node(v, level + 1, V.to_string(k)) for k, v in props)
        return "<Obj%s>%s<ToString>%s</ToString><MS>%s</MS></Obj>" % (attr, tn(names), escape(V.to_string(val)), members)

    return '<Objs Version="1.1.0.1" xmlns="%s">\r\n  %s\r\n</Objs>' % (NS, node(value, 0))


def from_clixml(text):
    """Import-Clixml's objects: hashtables come back as hashtables, lists as lists (ArrayList), other
    objects as property bags (Deserialized.<type>)."""
    root = ET.fromstring(text)

    def local(elem):
        return elem.tag.split("}", 1)[-1]

    def value(elem):
        tag = local(elem)
        if tag == "Nil":
            return None
        if tag == "B":
            return elem.text == "true"
        if tag in ("I32", "I64", "I16", "By", "U32", "U64"):
            return int(elem.text)
        if tag in ("Db", "Sg", "D"):
            return float(elem.text)
        if tag == "DT":
            return datetime.datetime.fromisoformat(elem.text)
        if tag == "S":
            return elem.text or ""
        if tag == "Obj":
            children = {local(c): c for c in elem}
            if "DCT" in children:
                table = V.Hashtable([])
                for entry in children["DCT"]:
                    pair = {c.get("N"): value(c) for c in entry}
                    table[pair.get("Key")] = pair.get("Value")
                return table
            if "LST" in children:
                return [value(c) for c in children["LST"]]
            if "MS" in children:
                return V.PSObject([(c.get("N"), value(c)) for c in children["MS"]])
            return children["ToString"].text if "ToString" in children else None
        return elem.text
    objects = [value(c) for c in root]
    return objects[0] if len(objects) == 1 else objects


# -- the commands ------------------------------------------------------------------------------------

def install(session):
    ctx = session.ctx
    _install_clixml(session)
    install_processes(session)
    if not winhost.has_command(ctx.record, "Register-ScheduledTask"):
        return

    def tasks():
        return ctx.record.setdefault("scheduled_tasks", {})

    def first(value):
        items = V.enumerate_value(value) if value is not None else []
        return V.to_string(items[0]) if items else None

    def key(call):
        return (first(call.args.get("TaskPath")) or "\\") + (first(call.args.get("TaskName")) or "")

    def found(call, quiet=False):
        task = tasks().get(key(call))
        if task is None and not quiet and call.args.get("TaskPath") is not None:
            # Two filters (name and path) that match nothing: the cmdletization query names no property, so the id
            # has no suffix - CmdletizationQuery_NotFound,<cmdlet> from a CimJobException (PowerShell's
            # src/Microsoft.PowerShell.Commands.Management/cimSupport/cmdletization/cim/clientSideQuery.cs and
            # QueryJobBase.cs: with more than one filter, no property is named in the id).
            call.error("No matching MSFT_ScheduledTask objects found by CIM query for instances of the "
                       "Root/Microsoft/Windows/TaskScheduler/MSFT_ScheduledTask class on the  CIM server. Verify query "
                       "parameters and retry.", "Microsoft.Management.Infrastructure.CimJobException",
                       "CmdletizationQuery_NotFound", "ObjectNotFound", first(call.args.get("TaskName")))
        elif task is None and not quiet:
            call.error("No MSFT_ScheduledTask objects found with property 'TaskName' equal to '%s'.  Verify the value "
                       "of the property and retry." % first(call.args.get("TaskName")),
                       "Microsoft.Management.Infrastructure.CimException", "CmdletizationQuery_NotFound_TaskName",
                       "ObjectNotFound", first(call.args.get("TaskName")))
        return task

    def get_task(call):
        if call.args.get("TaskName") is None:
            # -TaskPath alone: the tasks of that folder (the path compared as Task Scheduler does, case-insensitively).
            folders = [V.to_string(p).lower() for p in V.enumerate_value(call.args.get("TaskPath"))] \
                if call.args.get("TaskPath") is not None else None
            return [CimTask(tasks()[name]) for name in sorted(tasks())
                    if folders is None or tasks()[name]["path"].lower() in folders]
        failure = ctx.record.get("task_scheduler_failure")
        if failure:
            # Host state: the Task Scheduler (its service, or the CIM provider behind the CDXML cmdlet) fails. A CIM
            # cmdlet writes such a failure as a non-terminating error (so -ErrorAction SilentlyContinue hides it,
            # about_CommonParameters); its FullyQualifiedErrorId carries the HRESULT, not "NotFound".
            call.error(failure.get("message") or "The service cannot be started, either because it is disabled or "
                       "because it has no enabled devices associated with it.",
                       "Microsoft.Management.Infrastructure.CimException",
                       "HRESULT %s" % (failure.get("hresult") or "0x80070422"), "NotSpecified",
                       first(call.args.get("TaskName")))
            return []
        task = found(call)
        return [CimTask(task)] if task is not None else []

    def found_by_method(call):
        """The task a method cmdlet names (Get-ScheduledTaskInfo, Start-ScheduledTask, Stop-ScheduledTask): these call
        static methods of PS_ScheduledTask (StartByPath, StopByObject, ...), not a CIM query, so a missing task is the
        provider's HRESULT, not CmdletizationQuery_NotFound (review jobremove, finding 2): "The system cannot find the
        file specified.", CimException, ObjectNotFound, target PS_ScheduledTask, HRESULT 0x80070002,<cmdlet>
        (PowerShell/PowerShell#2967: Get-ScheduledTaskInfo -TaskName on 2012 R2; the same HRESULT for Start- and
        Stop- follows from the same method call and is not captured here)."""
        task = tasks().get(key(call))
        if task is None:
            call.error("The system cannot find the file specified.", "Microsoft.Management.Infrastructure.CimException",
                       "HRESULT 0x80070002", "ObjectNotFound", "PS_ScheduledTask")
        return task

    def get_info(call):
        task = found_by_method(call)
        return [CimTaskInfo(task)] if task is not None else []

    def new_action(call):
        return CimAction(V.to_string(call.args.get("Execute")), V.to_string(call.args.get("Argument") or ""),
                         call.args.get("WorkingDirectory"))

    def new_settings(call):
        settings = CimSettings()
        if call.switch("AllowStartIfOnBatteries"):
            settings.DisallowStartIfOnBatteries = False
        if call.switch("DontStopIfGoingOnBatteries"):
            settings.StopIfGoingOnBatteries = False
        if call.args.get("MultipleInstances") is not None:
            settings.MultipleInstances = V.to_string(call.args["MultipleInstances"])
        if call.args.get("ExecutionTimeLimit") is not None:
            limit = call.args["ExecutionTimeLimit"]
            seconds = limit.total_seconds() if hasattr(limit, "total_seconds") else float(V.to_string(limit))
            settings.ExecutionTimeLimit = "PT%dS" % int(seconds)
        return settings

    def register(call):
        name = V.to_string(call.args["TaskName"])
        if key(call) in tasks() and not call.switch("Force"):
            call.terminate("Cannot create a file when that file already exists.",
                           "Microsoft.Management.Infrastructure.CimException", "HRESULT 0x800700b7,Register-ScheduledTask",
                           "ResourceExists", name)
        actions = [a for a in V.enumerate_value(call.args.get("Action")) if isinstance(a, CimAction)]
        if len(actions) != 1:
            call.terminate("lab: a task with exactly one exec action is modelled", "System.NotImplementedException")
        user = V.to_string(call.args.get("User") or "")
        has_password = call.args.get("Password") is not None
        settings = call.args.get("Settings") or CimSettings()
        task = {"name": name, "path": V.to_string(call.args.get("TaskPath") or "\\"),
                "execute": actions[0].Execute, "argument": actions[0].Arguments,
                "user": user, "logon_type": "Password" if has_password else "InteractiveToken",
                "run_level": V.to_string(call.args.get("RunLevel") or "Limited"),
                "multiple_instances": getattr(settings, "MultipleInstances", "IgnoreNew"),
                "execution_time_limit": getattr(settings, "ExecutionTimeLimit", "PT72H"),
                "state": "Ready", "last_result": HAS_NOT_RUN, "last_run": None, "pid": None}
        # The password is the Task Scheduler's to keep (its credential store); the lab keeps only that one was given.
        tasks()[key(call)] = task
        return CimTask(task)

    def start(call):
        task = found_by_method(call)
        if task is None:
            return None
        if task["state"] == "Running" and task.get("multiple_instances", "IgnoreNew") == "IgnoreNew":
            return None
        if task["logon_type"] != "Password":
            call.terminate("lab: only tasks registered with -User and -Password (logon type Password) are modelled",
                           "System.NotImplementedException")
        # Lab bookkeeping (state["lab"], as the backup history): a task started while another lync.server task runs
        # on the same host, so tests can show that a rerun never runs two BACKUPs of one instance at once.
        running = sorted(k for k, other in tasks().items() if other.get("state") == "Running" and k != key(call))
        if running:
            ctx.state.setdefault("lab", {}).setdefault("task_overlaps", []).append(
                {"host": ctx.host, "started": key(call), "running": running})
        env = dict(os.environ, PYTHONPATH=LAB_PYTHONPATH, LYNC_LAB_FAULTS=__import__("json").dumps(ctx.faults or []))
        log = open(str(ctx.lab.dir / "taskrun.log"), "a", encoding="utf-8")  # pylint: disable=consider-using-with
        with log:
            proc = subprocess.Popen(  # pylint: disable=consider-using-with
                [sys.executable, "-m", "lync_lab.taskrun", str(ctx.lab.state_path), ctx.host, key(call)],
                stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=env, start_new_session=True, close_fds=True)
        task.update(state="Running", last_result=RUNNING, pid=proc.pid,
                    last_run=datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"))
        return None

    def stop(call):
        task = found_by_method(call)
        if task is None or task["state"] != "Running":
            return None
        pid = task.get("pid")
        table = ctx.record.get("processes") or {}
        children = [p for p, r in table.items() if str(r.get("parent")) == str(pid) and os_alive(r.get("os_pid"))]
        if pid and children:
            # The task's powershell.exe ends; the child it started (robocopy.exe) goes on, a process of its own.
            table.pop(str(pid), None)
        elif pid:
            try:
                os.killpg(pid, signal.SIGKILL)  # the task's process ends (its own session)
            except ProcessLookupError:
                pass
        task.update(state="Ready", last_result=TERMINATED, pid=None)
        return None

    def unregister(call):
        task = found(call)
        if task is None:
            return None
        if not call.should_process(task["name"], "Unregister-ScheduledTask"):
            return None
        del tasks()[key(call)]
        if not tasks():
            del ctx.record["scheduled_tasks"]  # a host that never had a task and one whose tasks are gone look alike
        return None

    named = [Param("TaskName", "System.String", position=0, mandatory=True, sets=("Name",), by_property=True),
             Param("TaskPath", "System.String", position=1, sets=("Name",), by_property=True),
             Param("InputObject", "Microsoft.Management.Infrastructure.CimInstance", mandatory=True,
                   sets=("Object",), pipeline=True),
             Param("CimSession", "System.Object[]", aliases=("Session",)), Param("ThrottleLimit", "System.Int32"),
             Param("AsJob", switch=True)]
    session.command(Command("Get-ScheduledTask", [
        Param("TaskName", "System.String[]", position=0, sets=("TaskName",)),
        Param("TaskPath", "System.String[]", position=1, sets=("TaskName",)),
        Param("CimSession", "System.Object[]", aliases=("Session",)), Param("ThrottleLimit", "System.Int32"),
        Param("AsJob", switch=True)], get_task, default_set="TaskName", module=MODULE))
    session.command(Command("Get-ScheduledTaskInfo", list(named), get_info, default_set="Name", module=MODULE))
    session.command(Command("New-ScheduledTaskAction", [
        Param("Execute", "System.String", position=0, mandatory=True), Param("Argument", "System.String", position=1),
        Param("WorkingDirectory", "System.String", position=2), Param("Id", "System.String"),
        Param("CimSession", "System.Object[]", aliases=("Session",)), Param("ThrottleLimit", "System.Int32"),
        Param("AsJob", switch=True)], new_action, module=MODULE))
    session.command(Command("New-ScheduledTaskSettingsSet", [
        Param("AllowStartIfOnBatteries", switch=True), Param("DontStopIfGoingOnBatteries", switch=True),
        Param("MultipleInstances", "System.String"), Param("ExecutionTimeLimit", "System.TimeSpan"),
        Param("Hidden", switch=True), Param("StartWhenAvailable", switch=True), Param("Priority", "System.Int32"),
        Param("RestartCount", "System.Int32"), Param("RestartInterval", "System.TimeSpan"),
        Param("DontStopOnIdleEnd", switch=True), Param("Disable", switch=True), Param("RunOnlyIfNetworkAvailable", switch=True),
        Param("WakeToRun", switch=True), Param("Compatibility", "System.String"),
        Param("CimSession", "System.Object[]", aliases=("Session",)), Param("ThrottleLimit", "System.Int32"),
        Param("AsJob", switch=True)], new_settings, module=MODULE))
    session.command(Command("Register-ScheduledTask", [
        Param("TaskName", "System.String", position=0, mandatory=True, sets=("User", "Principal")),
        Param("TaskPath", "System.String", position=1, sets=("User", "Principal")),
        Param("Action", "System.Object[]", position=2, mandatory=True, sets=("User", "Principal")),
        Param("Trigger", "System.Object[]", position=3, sets=("User", "Principal")),
        Param("Settings", "System.Object", position=4, sets=("User", "Principal")),
        Param("User", "System.String", position=5, sets=("User",)),
        Param("Password", "System.String", position=6, sets=("User",)),
        Param("RunLevel", "System.String", sets=("User",)),
        Param("Principal", "System.Object", sets=("Principal",)),
        Param("Description", "System.String"), Param("Force", switch=True),
        Param("CimSession", "System.Object[]", aliases=("Session",)), Param("ThrottleLimit", "System.Int32"),
        Param("AsJob", switch=True)], register, default_set="User", module=MODULE))
    session.command(Command("Start-ScheduledTask", list(named), start, default_set="Name", module=MODULE))
    session.command(Command("Stop-ScheduledTask", list(named), stop, default_set="Name", module=MODULE))
    session.command(Command("Unregister-ScheduledTask", list(named) + [Param("PassThru", switch=True)], unregister,
                            should_process=True, default_set="Name", module=MODULE))


def _install_clixml(session):
    ctx = session.ctx

    def export(call):
        path = V.to_string(call.args.get("LiteralPath") or call.args.get("Path"))
        depth = int(call.args.get("Depth") or 2)
        values = list(call.input) if getattr(call, "input", None) else []
        value = call.args.get("InputObject") if not values else (values[0] if len(values) == 1 else values)
        if not call.should_process(path, "Export-Clixml"):
            return None
        fsops.write_bytes(ctx, path, to_clixml(value, depth).encode("utf-16"))
        return None

    def import_(call):
        path = V.to_string(V.enumerate_value(call.args.get("LiteralPath") or call.args.get("Path"))[0])
        data = fsops.read_bytes(ctx, path)
        return [from_clixml(data.decode("utf-16"))]

    literal = ("PSPath", "LP")
    session.command(Command("Export-Clixml", [
        Param("Path", "System.String", mandatory=True, sets=("ByPath",)),
        Param("LiteralPath", "System.String", mandatory=True, sets=("ByLiteralPath",), aliases=literal),
        # The page declares -InputObject <PSObject>, which wraps what it is given (a hashtable stays a hashtable);
        # the lab binder's [psobject] conversion is the [pscustomobject] cast, so the lab declares Object.
        Param("InputObject", "System.Object", mandatory=True, pipeline=True),
        Param("Depth", "System.Int32"), Param("Force", switch=True), Param("NoClobber", switch=True, aliases=("NoOverwrite",)),
        Param("Encoding", "System.String")], export, should_process=True, default_set="ByPath", module=UTILITY))
    session.command(Command("Import-Clixml", [
        Param("Path", "System.String[]", position=0, mandatory=True, sets=("ByPath",), pipeline=True, by_property=True),
        Param("LiteralPath", "System.String[]", mandatory=True, sets=("ByLiteralPath",), by_property=True, aliases=literal),
        Param("IncludeTotalCount", switch=True), Param("Skip", "System.UInt64"), Param("First", "System.UInt64")],
        import_, default_set="ByPath", module=UTILITY))
