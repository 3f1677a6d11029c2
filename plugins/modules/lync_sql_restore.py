# -*- coding: utf-8 -*-
# Copyright: (c) 2026, lync.server maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This file only documents the module; the work is done by the action plugin
# plugins/action/lync_sql_restore.py, which runs PowerShell payloads through
# ansible.windows.win_powershell.

DOCUMENTATION = r"""
---
module: lync_sql_restore
short_description: Verify, restore or test-restore the SQL Server backup of a Lync database
version_added: 0.1.0
description:
  - V(verify) runs RESTORE VERIFYONLY (WITH CHECKSUM).
  - V(restore) restores WITH REPLACE over the database Install-CsDatabase recreated, taking it
    OFFLINE WITH ROLLBACK IMMEDIATE in the same batch (the Front Ends and Persistent Chat servers
    that use it are disconnected and cannot reconnect; SINGLE_USER would leave its one slot to the
    first of them that reconnects), the RESTORE bringing it back ONLINE; if the restore does not
    finish, a fresh connection sets the database ONLINE again. Each file of the backup is moved onto
    the file of the database it replaces (same type and file id), so a backup taken on a server with
    another disk layout or SQL Server version restores; a database that does not exist gets the
    backup's recorded paths. Then makes sure
    O(acl_group) (DOMAIN\RTCComponentUniversalServices) is a user with the ServerRole role
    (the role must exist; the user is found by the group's SID; membership from sys.database_role_members),
    Microsoft's ACL check for Monitoring and Archiving (sp_addrolemember, so SQL Server 2008 R2 too).
    The connection opens master. Only databases restored from SQL backups
    (LcsLog, LcsCDR, QoEMetrics, mgc) are accepted; the core databases come back from their exports.
  - V(test) restores under a scratch name (lync_restore_test_<database>) with every file in
    O(scratch_folder) (WITH REPLACE), runs DBCC CHECKDB and drops the scratch database (SINGLE_USER WITH
    ROLLBACK IMMEDIATE first), for restore tests on a test
    instance. The scratch database is dropped before and after, whatever happened, so an interrupted
    test does not block the next; when the drop after fails, the module warns.
  - Names and paths travel as SQL parameters; the identifiers SQL Server cannot take as parameters go
    through QUOTENAME.
options:
  sql_server:
    description: FQDN of the SQL Server; default the host the task runs on.
    type: str
  sql_instance:
    description: The instance; empty for the default instance.
    type: str
    default: ""
  database:
    description: The database.
    type: str
    required: true
  files:
    description: The backup's files (all stripes).
    type: list
    elements: str
    required: true
  mode:
    description: What to do.
    type: str
    default: restore
    choices: [verify, restore, test]
  scratch_folder:
    description: Folder on the SQL Server for the files of a test restore (required for V(test)).
    type: str
  acl_group:
    description: DOMAIN\RTCComponentUniversalServices, checked after a restore.
    type: str
    default: ""
  checksum:
    description: Use CHECKSUM.
    type: bool
    default: true
extends_documentation_fragment:
  - lync.server.detached
  - lync.server.lync_action
attributes:
  check_mode:
    details: Reports what it would do and touches no database.
notes:
  - Detached (the default), the job is named after the instance, the database, the mode and a digest of the
    files and options (C(lync.server-restore-<server>_<instance>-<database>-<mode>-<digest>)). When the task's
    C(timeout) passes, a C(mode=restore) job is NOT stopped (a RESTORE ... WITH REPLACE cut short leaves the
    database RESTORING) but left to finish, and the task fails telling the operator to run the play again to
    collect it; C(verify) and C(test) jobs are stopped.
seealso:
  - module: lync.server.lync_deploy_step
  - name: docs/recovery-runbook.md
    description: Which step of Microsoft's procedure each recovery stage is.
    link: https://github.com/lync-server/lync.server/blob/main/docs/recovery-runbook.md
author:
  - lync.server maintainers (@lync-server)
"""

EXAMPLES = r"""
- name: Restore the Archiving database
  lync.server.lync_sql_restore:
    sql_instance: rtc
    database: LcsLog
    files: [\\backup01\LyncBackup\lync-20261124T020000Z-a1b2c3\sql\sqlmon01.contoso.local_rtc\LcsLog.bak]
    acl_group: CONTOSO\RTCComponentUniversalServices
"""

RETURN = r"""
verified:
  description: RESTORE VERIFYONLY passed.
  returned: success
  type: bool
restored:
  description: The database was restored.
  returned: success
  type: bool
checkdb:
  description: V(ok), or DBCC CHECKDB's error, for V(test).
  returned: success
  type: str
acl_fixed:
  description: The ACL group had to be added.
  returned: success
  type: bool
"""
