# -*- coding: utf-8 -*-
# Copyright: (c) 2026, lync.server maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This file only documents the module; the work is done by the action plugin
# plugins/action/lync_sql_check.py, which runs PowerShell payloads through
# ansible.windows.win_powershell.

DOCUMENTATION = r"""
---
module: lync_sql_check
short_description: Check the SQL Server rights the backup needs, and that SQL Server can write to the backup share
version_added: 0.1.0
description:
  - Connects to one SQL Server instance as M(lync.server.lync_sql_backup) does (Windows authentication, C(master)) and
    reads what the login holds (C(SUSER_SNAME), C(IS_SRVROLEMEMBER), C(HAS_PERMS_BY_NAME)) and the size of each database
    (C(sys.master_files)). Reading changes nothing.
  - With O(probe_root), proves that the instance's SQL Server service account can write to the backup share by letting
    SQL Server write one C(COPY_ONLY) backup of C(model) (or, when the login may not back C(model) up, of the smallest
    database of O(databases) it may, only if its data files are under 256 MB) into a new folder
    C(<probe_root>\.preflight-<random>), which is removed at once, whatever happened. Before the removal SQL Server
    reads the file back (C(RESTORE VERIFYONLY), when the login has C(CREATE DATABASE)) and the session opens it for
    reading, as the backup does with every file. A C(COPY_ONLY) backup does not touch the databases' backup chains; SQL Server records it in
    C(msdb)'s backup history. In check mode the probe does not run (RV(probe) has C(status=not_run)).
  - Judges nothing itself; the C(preflight) role turns the result into PASS and FAIL lines with the fix (docs/preflight.md).
options:
  sql_server:
    description: FQDN of the SQL Server; default the task's host.
    type: str
  sql_instance:
    description: Instance name; empty (or C(MSSQLSERVER)) for the default instance.
    type: str
    default: ""
  databases:
    description: The databases whose C(BACKUP DATABASE) permission is read (the ones the backup takes on this instance).
    type: list
    elements: str
    required: true
  probe_root:
    description:
      - The backup root (C(lync_backup_root)) to run the write probe under; without it, or when it is not a UNC or
        drive path, the probe does not run (RV(probe) says why) and the rights are still read.
      - The scratch folder is created from this session, so run the task with the network identity as the backup does
        (become runas C(logon_type=new_credentials)).
    type: str
extends_documentation_fragment:
  - lync.server.lync_action
attributes:
  check_mode:
    support: full
    details: Reads only in check mode; the write probe is skipped.
notes:
  - "Rights: the login needs to connect (C(CONNECT SQL)); sizes need C(CREATE DATABASE), C(ALTER ANY DATABASE) or
    C(VIEW ANY DEFINITION) (sys.master_files shows nothing else); the probe needs C(BACKUP DATABASE) in the database
    it backs up and Modify on O(probe_root) for the session's network identity."
seealso:
  - module: lync.server.lync_sql_backup
  - name: HAS_PERMS_BY_NAME
    link: https://learn.microsoft.com/sql/t-sql/functions/has-perms-by-name-transact-sql
    description: The effective permission of the current login, including what roles and higher permissions imply.
  - name: BACKUP (Transact-SQL), Permissions
    link: https://learn.microsoft.com/sql/t-sql/statements/backup-transact-sql#permissions
    description: BACKUP DATABASE needs sysadmin, db_owner or db_backupoperator; the service account writes the file.
author:
  - lync.server maintainers (@lync-server)
"""

EXAMPLES = r"""
- name: Check the rights of the backup's login on the Monitoring instance and let SQL Server write to the share
  lync.server.lync_sql_check:
    sql_instance: RTC
    databases: [LcsCDR, QoEMetrics, LcsLog]
    probe_root: \\backup01.contoso.local\LyncBackup
  become: true
  become_method: ansible.builtin.runas
  become_user: CONTOSO\svc-lyncbackup
  become_flags: logon_type=new_credentials logon_flags=netcredentials_only
  register: sql_check
"""

RETURN = r"""
sql_instance:
  description: The instance as connected to (C(server) or C(server\instance)).
  returned: always
  type: str
login:
  description: The login SQL Server saw (C(SUSER_SNAME())).
  returned: always
  type: str
version:
  description: SQL Server's product version.
  returned: always
  type: str
sysadmin:
  description: Whether the login is in the server role C(sysadmin).
  returned: always
  type: bool
dbcreator:
  description: Whether the login is in the server role C(dbcreator).
  returned: always
  type: bool
create_database:
  description: C(HAS_PERMS_BY_NAME('master', 'DATABASE', 'CREATE DATABASE')) is 1 (granted, or implied by
    C(CREATE ANY DATABASE), C(dbcreator) or C(sysadmin)); RESTORE VERIFYONLY needs it.
  returned: always
  type: bool
databases:
  description: One entry per O(databases) with C(name), C(exists), C(state), C(can_backup) (1, 0, or null when SQL Server
    could not answer) and C(bytes) (the size of its files, null when not visible).
  returned: always
  type: list
  elements: dict
bytes:
  description: The size of the visible files of O(databases), in bytes.
  returned: always
  type: int
sizes_known:
  description: Whether every database's size was visible.
  returned: always
  type: bool
probe:
  description:
    - The write probe, C(status) V(written), V(refused) (SQL Server could not write; C(error) is its message),
      V(share_refused) (this session could not create the folder, or the root does not exist), V(error) (the probe
      stopped; the folder may be left) or V(not_run) (C(why)), with C(database), C(folder), C(removed),
      C(remove_error), and for V(written) C(verified_by_sql) / C(verify_error) and C(read_by_session) / C(read_error).
  returned: always
  type: dict
"""
