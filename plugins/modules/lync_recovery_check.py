# -*- coding: utf-8 -*-
# Copyright: (c) 2026, lync.server maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This file only documents the module; the work is done by the action plugin
# plugins/action/lync_recovery_check.py, which runs PowerShell payloads through
# ansible.windows.win_powershell.

DOCUMENTATION = r"""
---
module: lync_recovery_check
short_description: Check that a recovered Lync deployment is back in service
version_added: 0.1.0
description:
  - Reads the Lync services of the server (Get-CsWindowsService), Test-CsDatabase for the SQL Servers
    named, the Central Management store's replication (every replica up to date), the service
    control point, and the certificates assigned to Lync usages.
  - Fails, listing every problem, unless O(fail_on_problems=false).
options:
  sql_servers:
    description: SQL Servers whose configured databases Test-CsDatabase checks.
    type: list
    elements: str
    default: []
  expected_store_location:
    description: C(<sql fqdn>\<instance>) the service control point must name.
    type: str
  fail_on_problems:
    description: Fail when something is not back.
    type: bool
    default: true
extends_documentation_fragment:
  - lync.server.lync_action
attributes:
  check_mode:
    details: Read-only; runs in check mode.
seealso:
  - module: lync.server.lync_deploy_step
  - name: docs/recovery-runbook.md
    description: Which step of Microsoft's procedure each recovery stage is.
    link: https://github.com/lync-server/lync.server/blob/main/docs/recovery-runbook.md
author:
  - lync.server maintainers (@lync-server)
"""

EXAMPLES = r"""
- name: Is everything back?
  lync.server.lync_recovery_check:
    sql_servers: [sqlbe01.contoso.local]
    expected_store_location: sqlbe01.contoso.local\rtc
"""

RETURN = r"""
problems:
  description: What is not back (empty when all is well).
  returned: always
  type: list
  elements: str
services:
  description: The Lync services and their status.
  returned: always
  type: list
  elements: dict
databases:
  description: Test-CsDatabase results.
  returned: always
  type: list
  elements: dict
replication:
  description: Each replica and whether it is up to date.
  returned: always
  type: list
  elements: dict
store_location:
  description: The service control point.
  returned: always
  type: str
certificates:
  description: Certificates assigned to Lync usages on this server.
  returned: always
  type: list
  elements: dict
"""
