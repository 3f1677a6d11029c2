# -*- coding: utf-8 -*-
# Copyright: (c) 2026, lync.server maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)


class ModuleDocFragment:
    """Long work run as a detached job on the host (plugins/plugin_utils/detached.py)."""

    DOCUMENTATION = r"""
options:
  detached:
    description:
      - Run the work as a scheduled task on the host (a detached job) and poll it with short calls, so that
        it survives a dropped WinRM connection and the controller's death; a rerun of the same work finds
        the job, running or finished, waits for it and collects its result instead of starting it again.
      - The task runs as the task's network identity (become runas C(logon_type=new_credentials) as
        C(lync_network_user), with its password), which then needs "Log on as a batch job" on the host
        (Administrators and Backup Operators hold it by default) and is the identity SQL Server and the share
        see. Without such an identity, on a host older than Windows Server 2012 (no ScheduledTasks
        module), or where Windows refuses to register the task for the credential (0x80070520 with the policy
        "Do not allow storage of passwords and credentials for network authentication" (Network access), a
        wrong password, a missing batch-logon right), the work runs in the WinRM session as with C(false),
        with a warning that names the cause.
      - The Task Scheduler stores the principal's password on the host while the task exists; PowerShell
        module logging of ScheduledTasks would record it (the preflight checks this).
      - One job per target (a SQL instance); a job of an earlier, unfinished run there is waited for and
        removed before this work starts, with a warning.
      - The task's C(timeout) keyword bounds the wait; connection errors while polling are retried until
        then (24 hours without a timeout). See docs/architecture.md, "Detached work".
      - A job stopped at the timeout is ended whole - the task, the SQL session its work opened (C(KILL),
        ALTER ANY CONNECTION), the robocopy.exe it started (C(Stop-Process)) - and what it wrote into the set
        is deleted. Jobs of earlier runs' sets that no longer run are removed at the next start on the host;
        running ones are reported, never stopped.
      - C(false) runs the work in the WinRM session; it dies with the connection.
    type: bool
    default: true
  poll_interval:
    description: Seconds between two polls of a detached job (and between retries while the host does not answer).
    type: int
    default: 15
"""
