# -*- coding: utf-8 -*-
# Copyright: (c) 2026, lync.server maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This file only documents the module; the work is done by the action plugin
# plugins/action/lync_sql_backup.py, which runs PowerShell payloads through
# ansible.windows.win_powershell.

DOCUMENTATION = r"""
---
module: lync_sql_backup
short_description: Copy-only full backups of the Lync databases of one SQL Server instance into a backup set
version_added: 0.1.0
description:
  - Backs up databases with BACKUP DATABASE ... WITH COPY_ONLY, CHECKSUM (and COMPRESSION where the
    edition supports it), optionally striped over several files, then checks them with RESTORE
    VERIFYONLY.
  - With O(databases=auto), takes the databases Microsoft says to protect on a store with
    O(store_roles), namely Archiving (LcsLog), Monitoring (LcsCDR, QoEMetrics) and Persistent Chat (mgc),
    plus, as an extra safety copy, the persistent core databases (xds, lis, rtcxds, rtcshared,
    rgsconfig); never the transient ones (rtcab, rgsdyn, cpsdyn, mgccomp).
  - Connects to master with Windows authentication and checks the login's rights first; a missing one
    (BACKUP DATABASE - db_backupoperator, db_owner or sysadmin; CREATE DATABASE for RESTORE VERIFYONLY -
    granted in master, CREATE ANY DATABASE, dbcreator or sysadmin) fails with the login and the right named.
  - Creates the set's folder from the WinRM session (which holds the share credentials). The backup is
    written by the SQL Server service account; when that account cannot write to the set, the module
    fails with a message naming it, and for a virtual account (C(NT Service\\...)), NETWORK SERVICE or
    LocalSystem the computer account (C(DOMAIN\\COMPUTER$)) the share sees.
  - Database names and paths travel as SQL parameters, never as T-SQL text. One failed database does not
    stop the others; the module fails at the end listing them.
options:
  sql_server:
    description: FQDN of the SQL Server; default the host the task runs on.
    type: str
  sql_instance:
    description: Instance name; empty for the default instance.
    type: str
    default: ""
  databases:
    description: Databases to back up; V(auto) selects them from O(store_roles).
    type: list
    elements: str
    default: [auto]
  store_roles:
    description: The store's roles (C(lync_deployment.sql_stores[].roles) from M(lync.server.lync_facts)).
    type: list
    elements: str
    default: []
    choices: [CentralManagementDatabase, UserDatabase, ApplicationDatabase, ArchivingDatabase, MonitoringDatabase,
              PersistentChatDatabase, PersistentChatComplianceDatabase]
  exclude_databases:
    description: Databases to leave out.
    type: list
    elements: str
    default: []
  copy_only:
    description: COPY_ONLY, so the SQL team's own backup chain (differentials, log backups) is never broken.
    type: bool
    default: true
  checksum:
    description: WITH CHECKSUM (and RESTORE VERIFYONLY WITH CHECKSUM).
    type: bool
    default: true
  compress:
    description: Compress where the edition supports it (not Express); otherwise write uncompressed and warn.
    type: bool
    default: true
  verify:
    description: RESTORE VERIFYONLY each backup.
    type: bool
    default: true
  file_count:
    description: Stripe each backup over this many files (1-64).
    type: int
    default: 1
  block_size:
    description: BLOCKSIZE in bytes, a power of two from 512 to 65536 (0 leaves SQL Server's choice).
    type: int
    default: 0
  buffer_count:
    description: BUFFERCOUNT (0 leaves SQL Server's choice).
    type: int
    default: 0
  max_transfer_size:
    description: MAXTRANSFERSIZE in bytes, a multiple of 65536 up to 4194304 (0 leaves SQL Server's choice).
    type: int
    default: 0
extends_documentation_fragment:
  - lync.server.backup_set
  - lync.server.detached
  - lync.server.lync_action
attributes:
  check_mode:
    details: Returns the files it would write (C(planned)) and contacts no host.
notes:
  - Options follow the vocabulary of lowlydba.sqlserver (copy_only, checksum, compress, verify,
    file_count, block_size, buffer_count, max_transfer_size).
  - A database in the FULL recovery model gets a warning, because copy-only backups do not truncate its
    log; the SQL Server log backups must keep running.
  - Detached (the default), the job is named after the instance, whatever the set (a rerun with a new set waits for a BACKUP still running there)
    (C(lync.server-sql-<server>_<instance>-<digest of the connection>)). When the task's C(timeout) passes, the job is
    stopped (Stop-ScheduledTask), then the SQL session its BACKUP runs in is ended with C(KILL) (the session the
    work recorded, checked by its login time; this needs ALTER ANY CONNECTION, held by sysadmin and
    processadmin) and this backup's partial C(.bak) files are deleted from the set; the item is recorded as
    failed and the set closes partial. A stop that cannot end the session says so and deletes nothing.
  - Refuses, before any BACKUP and in check mode too, when a backup file
    (C(<set_path>\\sql\\<server>_<instance>\\<database>.bak), or C(<database>_<i>of<n>.bak) with O(file_count))
    would be longer than 259 characters, the longest disk backup device name SQL Server takes (Msg 3057); the
    message names the file and by how much the backup root is too long. The preflight checks the same files.
seealso:
  - module: lync.server.lync_backup_set
author:
  - lync.server maintainers (@lync-server)
"""

EXAMPLES = r"""
- name: Back up the Monitoring and Archiving store
  lync.server.lync_sql_backup:
    set_path: "{{ backup_set.path }}"
    sql_instance: rtc
    databases: [auto]
    store_roles: [ArchivingDatabase, MonitoringDatabase]
"""

RETURN = r"""
files:
  description:
    - Backup files written, with C(path) and C(bytes); C(sha256) is null.
    - Hashing a C(.bak) from the SQL Server would read it back over the network, so M(lync.server.lync_backup_set)
      hashes it where it landed when it closes the set.
  returned: always
  type: list
  elements: dict
details:
  description:
    - C(sql_fqdn), C(instance), C(edition), C(service_account) (null when neither sys.dm_server_services nor,
      on the SQL server itself, the Windows service could tell) and C(databases), each with C(name), C(status),
      C(error), C(files), C(recovery_model), C(data_file), C(log_file), C(checksum), C(compressed), C(verified).
  returned: always
  type: dict
"""
