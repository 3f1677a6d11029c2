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
        see. Without such an identity, or on a host older than Windows Server 2012 (no ScheduledTasks
        module), the work runs in the WinRM session as with C(false), with a warning.
      - The task's C(timeout) keyword bounds the wait; connection errors while polling are retried until
        then (24 hours without a timeout). See docs/architecture.md, "Detached work".
      - C(false) runs the work in the WinRM session; it dies with the connection.
    type: bool
    default: true
  poll_interval:
    description: Seconds between two polls of a detached job (and between retries while the host does not answer).
    type: int
    default: 15
"""
