"""The hosts' jobs lock (lync.server\\jobs.lock) that lync_job_start and lync_job_remove hold open with FileShare None,
run in the lab's engine (review jobstart3, findings 2, 5, 8; review jobremove, finding 2).

* Only a sharing or lock violation (Win32 error 32 / 33 in the IOException's HResult) means "another start or
  removal holds it" (LYNC_JOB_BUSY, retried); any other error opening it is named, not retried as busy.
* Windows grants an open only if it is compatible with every open handle both ways (the new access within each
  holder's share mode, each holder's access within the new share mode): the holder here is another start, opened
  exactly as lync_job_start's text opens the lock, so a payload that shares the lock loses its exclusion in the lab.
* A removal without the lock file refuses rather than run unlocked.
* The lab's method cmdlets (Get-ScheduledTaskInfo, Start-/Stop-ScheduledTask) report a missing task as the
  provider's HRESULT 0x80070002, not the query's CmdletizationQuery_NotFound.
Each test_planted_* edits a copy of the payload the way a realistic mistake would and shows the check fails.
"""

import re

import pytest

from lync_lab import seed, values, winps

from test_boundary_windows import _ctx, run_payload, run_text

SQL_HOST = "lyncse01.contoso.local"
NAME = "lync.server-sql-lyncse01.contoso.local_rtc-c939a67c13b2"
WORK = "lync-20261128T010203Z-a1b2c3.0123456789ab"
LOCK = "C:\\ProgramData\\lync.server\\jobs.lock"
OPEN = re.compile(r"\$startLock = \[System\.IO\.File\]::Open\(\$lockFile, \[System\.IO\.FileMode\]::\w+, "
                  r"\[System\.IO\.FileAccess\]::(\w+), \[System\.IO\.FileShare\]::(\w+)\)")
CREATE = "[System.IO.File]::Create($lockFile, 4096, [System.IO.FileOptions]::None, $lockSecurity)"
# The lock opened for reading and shared for reading (review jobstart3, finding 8): two such opens both succeed.
SHARED = ("[System.IO.FileAccess]::ReadWrite, [System.IO.FileShare]::None)",
          "[System.IO.FileAccess]::Read, [System.IO.FileShare]::Read)")
# lync_job_start opens an existing lock with File.Open (the tests that hold it make it first) and creates a missing
# one with File.Create and its FileSecurity.
START_SHARED = SHARED
NO_HRESULT_CHECK = ("    if (@(-2147024864, -2147024863) -notcontains $_.Exception.HResult) {\n",
                    "    if ($false) {\n")
ADMINISTRATORS = "S-1-5-32-544"


def lock_modes(text):
    """(FileAccess, FileShare) lync_job_start's `text` opens an existing jobs.lock with (its File.Open names them);
    without one, File.Create's: read and write, FileShare None (https://learn.microsoft.com/dotnet/api/system.io.file.create)."""
    found = OPEN.search(text)
    return found.groups() if found else ("ReadWrite", "None")


@pytest.fixture()
def lab(tmp_path):
    return seed.seed("standard", tmp_path / "lab", "lync2013")


def _job(lab, state, lock=True):
    """A finished job as lync_job_start leaves it (task, folder, work.id) and, unless told, jobs.lock."""
    state["hosts"][SQL_HOST].setdefault("scheduled_tasks", {})["\\lync.server\\" + NAME] = {
        "name": NAME, "path": "\\lync.server\\", "execute": "powershell.exe", "argument": "-NoProfile",
        "user": "CONTOSO\\svc-lyncbackup", "logon_type": "Password", "run_level": "Highest",
        "multiple_instances": "IgnoreNew", "execution_time_limit": "PT3600S", "state": "Ready",
        "last_result": 0, "last_run": None, "pid": None}
    home = lab.host_root(SQL_HOST) / "C" / "ProgramData" / "lync.server"
    folder = home / "jobs" / NAME
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "work.id").write_text(WORK, encoding="ascii")
    if lock:
        (home / "jobs.lock").write_bytes(b"")
    return folder


def _another_start_holds_the_lock(state, replace=()):
    """Another run's lync_job_start is at work on the host: it holds jobs.lock as its own text opens it (FileAccess and
    FileShare read from the payload, planted defects applied), a handle of another process (lab.open_for_write)."""
    text = winps.payload_text("lync_job_start")
    for old, new in replace:
        assert old in text, old
        text = text.replace(old, new)
    access, share = lock_modes(text)
    state.setdefault("lab", {})["open_for_write"] = [{"file": SQL_HOST + "|" + LOCK, "access": access, "share": share}]


def _remove(lab, state, replace=()):
    out = run_payload(_ctx(lab, SQL_HOST, state), "lync_job_remove", {"JobName": NAME}, replace)
    return out, state["hosts"][SQL_HOST].get("scheduled_tasks", {})


def _start(lab, state, replace=()):
    params = {"JobName": NAME, "WorkId": WORK, "RunnerText": "# runner", "WorkText": "# work",
              "Principal": values.Credential("CONTOSO\\svc-lyncbackup", "secret")}
    return run_payload(_ctx(lab, SQL_HOST, state), "lync_job_start", params, replace)


def _corrupt_lock(state):
    """The volume fails every open of jobs.lock with ERROR_FILE_CORRUPT (1392): not a sharing violation."""
    state.setdefault("lab", {})["open_errors"] = {
        SQL_HOST + "|" + LOCK: {"code": 1392, "message": "The file or directory is corrupted and unreadable."}}


# -- another start holds the lock -------------------------------------------------------------------------------

def test_a_removal_while_another_start_holds_the_lock_is_busy_and_removes_nothing(lab):
    state = lab.load()
    folder = _job(lab, state)
    _another_start_holds_the_lock(state)
    out, tasks = _remove(lab, state)
    assert out["failed"] and "LYNC_JOB_BUSY" in str(out["error"]), out
    assert list(tasks) == ["\\lync.server\\" + NAME] and folder.exists()


def test_a_start_while_another_start_holds_the_lock_is_busy(lab):
    state = lab.load()
    _another_start_holds_the_lock(state)
    (lab.host_root(SQL_HOST) / "C" / "ProgramData" / "lync.server").mkdir(parents=True)
    (lab.host_root(SQL_HOST) / "C" / "ProgramData" / "lync.server" / "jobs.lock").write_bytes(b"")
    state["hosts"][SQL_HOST]["task_scheduler_failure"] = {"hresult": "0x80070422"}  # would stop it after the lock
    out = _start(lab, state)
    assert out["failed"] and "LYNC_JOB_BUSY" in str(out["error"]), out
    assert not state["hosts"][SQL_HOST].get("scheduled_tasks")


def test_planted_a_lock_shared_for_reading_lets_a_removal_run_while_a_start_holds_it(lab):
    state = lab.load()
    folder = _job(lab, state)
    _another_start_holds_the_lock(state, replace=[START_SHARED])
    out, tasks = _remove(lab, state, replace=[SHARED])
    assert not out["failed"] and tasks == {} and not folder.exists()  # what the real test checks fails


def test_planted_a_lock_shared_for_reading_lets_two_starts_run(lab):
    state = lab.load()
    _another_start_holds_the_lock(state, replace=[START_SHARED])
    (lab.host_root(SQL_HOST) / "C" / "ProgramData" / "lync.server").mkdir(parents=True)
    (lab.host_root(SQL_HOST) / "C" / "ProgramData" / "lync.server" / "jobs.lock").write_bytes(b"")
    state["hosts"][SQL_HOST]["task_scheduler_failure"] = {"hresult": "0x80070422"}  # stops it just after the lock
    out = _start(lab, state, replace=[START_SHARED])
    assert "0x80070422" in str(out["error"]), out  # it got the lock: what the real test checks fails


def test_a_lock_shared_for_reading_but_opened_for_writing_still_excludes(lab):
    """FileShare Read with ReadWrite access on both sides: each open asks for write, which the other does not share -
    still exclusive on Windows, so the lab must not call it a defect."""
    state = lab.load()
    folder = _job(lab, state)
    read_share = ("[System.IO.FileAccess]::ReadWrite, [System.IO.FileShare]::None)",
                  "[System.IO.FileAccess]::ReadWrite, [System.IO.FileShare]::Read)")
    _another_start_holds_the_lock(state, replace=[read_share])
    out, dummy = _remove(lab, state, replace=[read_share])
    assert out["failed"] and "LYNC_JOB_BUSY" in str(out["error"]), out
    assert folder.exists()


# -- any other error opening the lock is named, not taken for busy -----------------------------------------------

def test_a_removal_that_cannot_open_the_lock_for_another_reason_names_it(lab):
    state = lab.load()
    folder = _job(lab, state)
    _corrupt_lock(state)
    out, tasks = _remove(lab, state)
    said = str(out["error"])
    assert out["failed"] and "LYNC_JOB_LOCK_FAILED" in said and "corrupted and unreadable" in said, out
    assert "LYNC_JOB_BUSY" not in said
    assert list(tasks) == ["\\lync.server\\" + NAME] and folder.exists()


def test_a_start_that_cannot_open_the_lock_for_another_reason_names_it(lab):
    state = lab.load()
    (lab.host_root(SQL_HOST) / "C" / "ProgramData" / "lync.server").mkdir(parents=True)
    (lab.host_root(SQL_HOST) / "C" / "ProgramData" / "lync.server" / "jobs.lock").write_bytes(b"")
    _corrupt_lock(state)
    out = _start(lab, state)
    said = str(out["error"])
    assert out["failed"] and "LYNC_JOB_LOCK_FAILED" in said and "corrupted and unreadable" in said, out
    assert "LYNC_JOB_BUSY" not in said


def test_planted_no_hresult_check_takes_a_corrupt_lock_for_busy(lab):
    state = lab.load()
    _job(lab, state)
    _corrupt_lock(state)
    out, dummy = _remove(lab, state, replace=[NO_HRESULT_CHECK])
    assert "LYNC_JOB_BUSY" in str(out["error"]), out  # what the real test checks fails
    state = lab.load()
    (lab.host_root(SQL_HOST) / "C" / "ProgramData" / "lync.server" / "jobs.lock").write_bytes(b"")
    _corrupt_lock(state)
    out = _start(lab, state, replace=[NO_HRESULT_CHECK])
    assert "LYNC_JOB_BUSY" in str(out["error"]), out  # what the real test checks fails


# -- access denied opening the lock (review s9b, finding 5) ------------------------------------------------------

def _denied_lock(state):
    """Every open of jobs.lock fails with ERROR_ACCESS_DENIED (a ReadOnly or Hidden file, a denying ACL, a file
    pending deletion): .NET throws UnauthorizedAccessException, which is not an IOException."""
    state.setdefault("lab", {})["open_errors"] = {SQL_HOST + "|" + LOCK: {"code": 5, "message": "Access is denied."}}


def test_a_start_or_removal_denied_the_lock_names_it(lab):
    state = lab.load()
    folder = _job(lab, state)
    _denied_lock(state)
    out, tasks = _remove(lab, state)
    said = str(out["error"])
    assert out["failed"] and "LYNC_JOB_LOCK_FAILED" in said and "is denied" in said and "nothing was removed" in said
    assert list(tasks) == ["\\lync.server\\" + NAME] and folder.exists()
    out = _start(lab, state)
    said = str(out["error"])
    assert out["failed"] and "LYNC_JOB_LOCK_FAILED" in said and "is denied" in said and "nothing was started" in said


def test_planted_no_access_denied_catch_leaves_the_raw_dotnet_error(lab):
    state = lab.load()
    _job(lab, state)
    _denied_lock(state)
    out = _start(lab, state, replace=[("} catch [System.UnauthorizedAccessException] {", "} catch [System.ArgumentException] {")])
    said = str(out["error"])
    assert out["failed"] and "LYNC_JOB_LOCK_FAILED" not in said and "is denied" in said, out  # what the real test checks fails


# -- the lock's owner (review s9b, finding 3) -------------------------------------------------------------------

def _object_creator(state):
    """"System objects: Default owner for objects created by members of the Administrators group" = "Object creator"
    (https://support.microsoft.com/kb/318825): what an administrator creates is owned by the user."""
    state["hosts"][SQL_HOST]["admin_default_owner"] = "object_creator"


def test_a_start_makes_the_lock_owned_by_administrators_whatever_the_default_owner(lab):
    state = lab.load()
    _object_creator(state)
    state["hosts"][SQL_HOST]["task_scheduler_failure"] = {"hresult": "0x80070422"}  # stops it after the lock
    out = _start(lab, state)
    assert "0x80070422" in str(out["error"]), out
    record = state["hosts"][SQL_HOST]["acls"][LOCK.lower()]
    assert record["owner"] == ADMINISTRATORS and record["protected"], record
    assert sorted(r["identity"] for r in record["rules"]) == ["S-1-5-18", ADMINISTRATORS]
    del state["hosts"][SQL_HOST]["task_scheduler_failure"]
    _job(lab, state, lock=False)
    out, tasks = _remove(lab, state)  # the removal takes the lock the start made
    assert not out["failed"], out["error"]
    assert tasks == {}


def test_planted_a_lock_opened_without_its_security_is_the_users_and_refused(lab):
    state = lab.load()
    _object_creator(state)
    state["hosts"][SQL_HOST]["task_scheduler_failure"] = {"hresult": "0x80070422"}
    old_open = (CREATE, "[System.IO.File]::Open($lockFile, [System.IO.FileMode]::OpenOrCreate, "
                        "[System.IO.FileAccess]::ReadWrite, [System.IO.FileShare]::None)")
    _start(lab, state, replace=[old_open])
    del state["hosts"][SQL_HOST]["task_scheduler_failure"]
    _job(lab, state, lock=False)
    out, dummy = _remove(lab, state)
    assert out["failed"] and "LYNC_JOB_UNSAFE" in str(out["error"]), out  # what the real test checks fails


def test_the_lab_gives_a_new_file_the_tokens_default_owner(lab):
    """A file created without a security descriptor: Administrators own it by default, the user under "Object
    creator"; File.Create with a FileSecurity naming Administrators gives Administrators either way."""
    text = ("$null = New-Item -ItemType Directory -Path 'C:\\ProgramData' -Force\n"
            "$f = 'C:\\ProgramData\\made-%s.txt'\n"
            "[System.IO.File]::WriteAllText($f, 'x')\n"
            "$Ansible.Result = @{ Owner = (Get-Acl -LiteralPath $f).GetOwner([System.Security.Principal.SecurityIdentifier]).Value;"
            " Type = (Get-Acl -LiteralPath $f).GetType().FullName }\n")
    state = lab.load()
    out = run_text(_ctx(lab, SQL_HOST, state), text % "a", {})
    assert not out["error"], out["error"]
    assert out["result"] == {"Owner": ADMINISTRATORS, "Type": "System.Security.AccessControl.FileSecurity"}, out
    _object_creator(state)
    out = run_text(_ctx(lab, SQL_HOST, state), text % "b", {})
    assert out["result"]["Owner"] not in (ADMINISTRATORS, "S-1-5-18") and out["result"]["Owner"].startswith("S-1-5-21-")


# -- a removal without the lock file ----------------------------------------------------------------------------

def test_a_removal_without_the_lock_file_refuses_and_removes_nothing(lab):
    state = lab.load()
    folder = _job(lab, state, lock=False)
    out, tasks = _remove(lab, state)
    assert out["failed"] and "LYNC_JOB_UNSAFE" in str(out["error"]) and "is missing" in str(out["error"]), out
    assert list(tasks) == ["\\lync.server\\" + NAME] and folder.exists()


def test_a_removal_with_a_folder_named_like_the_lock_refuses(lab):
    state = lab.load()
    folder = _job(lab, state, lock=False)
    (lab.host_root(SQL_HOST) / "C" / "ProgramData" / "lync.server" / "jobs.lock").mkdir()
    out, tasks = _remove(lab, state)
    assert out["failed"] and "LYNC_JOB_UNSAFE" in str(out["error"]), out
    assert list(tasks) == ["\\lync.server\\" + NAME] and folder.exists()


# -- the lab: sharing both ways, the HResult, the method cmdlets' not-found ---------------------------------------

@pytest.mark.parametrize("held, opened, refused", [
    (("ReadWrite", "None"), ("Read", "ReadWrite"), True),  # nothing shared
    (("Read", "Read"), ("Read", "Read"), False),  # readers sharing reading
    (("Read", "ReadWrite"), ("ReadWrite", "None"), True),  # the holder reads, the new open shares nothing
    (("Read", "ReadWrite"), ("ReadWrite", "Read"), False),
    (("Write", "ReadWrite"), ("Read", "Read"), True),  # the holder writes, the new open does not share writing
    (("ReadWrite", "Read"), ("Read", "ReadWrite"), False),
    (("ReadWrite", "Read"), ("ReadWrite", "ReadWrite"), True),  # the new open writes, the holder shares reading only
])
def test_the_lab_checks_share_modes_both_ways(lab, held, opened, refused):
    state = lab.load()
    _job(lab, state)
    state.setdefault("lab", {})["open_for_write"] = [{"file": SQL_HOST + "|" + LOCK, "access": held[0],
                                                      "share": held[1]}]
    text = ("$ErrorActionPreference = 'Stop'\n"
            "try {\n"
            "    $s = [System.IO.File]::Open('%s', 'Open', '%s', '%s')\n"
            "    $s.Dispose()\n"
            "    $Ansible.Result = @{ HResult = 0 }\n"
            "} catch [System.IO.IOException] {\n"
            "    $Ansible.Result = @{ HResult = $_.Exception.HResult; Code = $_.Exception.HResult -band 0xFFFF }\n"
            "}\n" % (LOCK, opened[0], opened[1]))
    out = run_text(_ctx(lab, SQL_HOST, state), text, {})
    assert not out["failed"], out["error"]
    if refused:
        assert out["result"] == {"HResult": -2147024864, "Code": 32}  # 0x80070020, ERROR_SHARING_VIOLATION
    else:
        assert out["result"] == {"HResult": 0}


@pytest.mark.parametrize("command", ["Get-ScheduledTaskInfo", "Start-ScheduledTask", "Stop-ScheduledTask"])
def test_the_lab_method_cmdlets_report_a_missing_task_as_the_providers_hresult(lab, command):
    text = ("try { %s -TaskName 'lync.server-nosuch' -TaskPath '\\lync.server\\' -ErrorAction Stop } catch {\n"
            "    $Ansible.Result = @{ Id = $_.FullyQualifiedErrorId; Message = $_.Exception.Message;\n"
            "        Category = [string]$_.CategoryInfo.Category; Type = $_.Exception.GetType().FullName }\n"
            "}\n" % command)
    out = run_text(_ctx(lab, SQL_HOST), text, {})
    assert not out["failed"], out["error"]
    assert out["result"] == {"Id": "HRESULT 0x80070002," + command, "Message": "The system cannot find the file "
                             "specified.", "Category": "ObjectNotFound",
                             "Type": "Microsoft.Management.Infrastructure.CimException"}


def test_the_lab_query_cmdlet_keeps_the_not_found_id(lab):
    text = ("try { Get-ScheduledTask -TaskName 'lync.server-nosuch' -TaskPath '\\lync.server\\' -ErrorAction Stop }"
            " catch { $Ansible.Result = @{ Id = $_.FullyQualifiedErrorId } }\n")
    out = run_text(_ctx(lab, SQL_HOST), text, {})
    assert out["result"] == {"Id": "CmdletizationQuery_NotFound,Get-ScheduledTask"}, out


# -- the parents' write-rights check (review s11, 2; s12, 1 and 2) ----------------------------------------------

JOBS = "C:\\ProgramData\\lync.server\\jobs"
OURS = [{"identity": sid, "rights": "FullControl", "inheritance": "ContainerInherit, ObjectInherit",
         "propagation": "None", "type": "Allow"} for sid in ("S-1-5-32-544", "S-1-5-18")]


@pytest.mark.parametrize("extra, repaired", [
    # What Explorer's "convert inherited permissions into explicit" leaves: grants nothing on the folder itself.
    ({"identity": "S-1-3-0", "rights": "FullControl", "inheritance": "ContainerInherit, ObjectInherit",
      "propagation": "InheritOnly", "type": "Allow"}, False),
    # Users may modify every file made below: counted though inherit-only.
    ({"identity": "S-1-5-32-545", "rights": "Modify", "inheritance": "ObjectInherit", "propagation": "InheritOnly",
      "type": "Allow"}, True),
    # GENERIC_WRITE on the folder itself.
    ({"identity": "S-1-5-32-545", "rights": "1073741824", "inheritance": "None", "propagation": "None",
      "type": "Allow"}, True),
])
def test_a_start_repairs_a_jobs_folder_others_may_write_and_leaves_a_creator_only_rule(lab, extra, repaired):
    state = lab.load()
    (lab.host_root(SQL_HOST) / "C" / "ProgramData" / "lync.server" / "jobs").mkdir(parents=True)
    planted = {"owner": ADMINISTRATORS, "protected": True, "inherited": False, "rules": OURS + [extra]}
    state["hosts"][SQL_HOST].setdefault("acls", {})[JOBS.lower()] = planted
    state["hosts"][SQL_HOST]["task_scheduler_failure"] = {"hresult": "0x80070422"}  # stops it after the check
    out = _start(lab, state)
    assert "0x80070422" in str(out["error"]), out
    rules = state["hosts"][SQL_HOST]["acls"][JOBS.lower()]["rules"]
    assert (extra not in rules) == repaired, rules


def test_a_junction_as_lync_server_is_refused_before_jobs_is_made_through_it(lab):
    """A user plants C:\\ProgramData\\lync.server as a junction to a folder of theirs: the start refuses it before
    it creates jobs where it points (review s13, 2)."""
    state = lab.load()
    target = lab.host_root(SQL_HOST) / "C" / "Users" / "mallory" / "planted"
    target.mkdir(parents=True)
    base = lab.host_root(SQL_HOST) / "C" / "ProgramData" / "lync.server"
    base.parent.mkdir(parents=True, exist_ok=True)
    base.symlink_to(target, target_is_directory=True)
    out = _start(lab, state)
    assert out["failed"] and "LYNC_JOB_UNSAFE" in str(out["error"]) and "reparse point" in str(out["error"]), out
    assert list(target.iterdir()) == []
