# -*- coding: utf-8 -*-
# Copyright: (c) 2026, lync.server maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This file only documents the module; the work is done by the action plugin
# plugins/action/lync_database.py, which runs PowerShell payloads through
# ansible.windows.win_powershell.

DOCUMENTATION = r"""
---
module: lync_database
short_description: Create Lync databases with Install-CsDatabase, as Topology Builder does
version_added: 0.1.0
description:
  - V(cms) creates the Central Management store (xds, lis) on its instance with Install-CsDatabase
    -CentralManagementDatabase; V(configured) creates every database the published topology puts on
    a SQL Server with -ConfiguredDatabases, with their ACLs.
  - Idempotent, since Test-CsDatabase tells which exist; without O(clean), existing databases are left alone.
    With O(clean) (-Clean) they are dropped and recreated, as Microsoft's CMS restore does.
options:
  mode:
    description: Which databases.
    type: str
    required: true
    choices: [cms, configured]
  sql_server:
    description: FQDN of the SQL Server (Microsoft - always the FQDN, never the short name).
    type: str
    required: true
  sql_instance:
    description:
      - The instance of the Central Management store for V(cms); empty (or V(MSSQLSERVER)) for the default instance,
        for which -SqlInstanceName is left out, as Install-CsDatabase documents. For V(configured), the one instance
        to act on (Install-CsDatabase -ForInstance, or -ForDefaultInstance for empty or V(MSSQLSERVER)); not given,
        every instance the topology puts on the server (with O(clean), all of them are dropped and recreated).
    type: str
  clean:
    description: Drop and recreate the databases (-Clean).
    type: bool
    default: false
  use_default_sql_paths:
    description: Put the files in SQL Server's default paths (-UseDefaultSqlPaths).
    type: bool
    default: false
extends_documentation_fragment:
  - lync.server.lync_action
attributes:
  check_mode:
    details: Reads what exists and reports what would be created.
seealso:
  - module: lync.server.lync_deploy_step
  - name: docs/recovery-runbook.md
    description: Which step of Microsoft's procedure each recovery stage is.
    link: https://github.com/lync-server/lync.server/blob/main/docs/recovery-runbook.md
author:
  - lync.server maintainers (@lync-server)
"""

EXAMPLES = r"""
- name: Recreate the Central Management store on the rebuilt back end
  lync.server.lync_database:
    mode: cms
    sql_server: sqlbe01.contoso.local
    sql_instance: rtc
    clean: true
"""

RETURN = r"""
databases:
  description: Test-CsDatabase's view afterwards (DatabaseName, Succeed ...).
  returned: always
  type: list
  elements: dict
created:
  description: Databases created.
  returned: always
  type: list
  elements: str
"""
