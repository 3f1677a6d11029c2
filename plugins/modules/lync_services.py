# -*- coding: utf-8 -*-
# Copyright: (c) 2026, lync.server maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This file only documents the module; the work is done by the action plugin
# plugins/action/lync_services.py, which runs PowerShell payloads through
# ansible.windows.win_powershell.

DOCUMENTATION = r"""
---
module: lync_services
short_description: Start or stop the Lync Server services of a server and wait for them
version_added: 0.1.0
description:
  - Start-CsWindowsService or Stop-CsWindowsService (all Lync services, or the named ones), then waits
    until Get-CsWindowsService shows every one of them so; the module fails naming the services that
    did not get there in time.
  - Used around Import-CsUserData, which needs the Front End services of every server of the pool
    stopped, and started again together after the import.
options:
  state:
    description: Started or stopped.
    type: str
    required: true
    choices: [started, stopped]
  names:
    description: Service names (e.g. RTCSRV); default every Lync service.
    type: list
    elements: str
    default: []
  wait_timeout:
    description: Seconds to wait.
    type: int
    default: 600
extends_documentation_fragment:
  - lync.server.lync_action
attributes:
  check_mode:
    details: Reports a change and starts or stops nothing.
seealso:
  - module: lync.server.lync_deploy_step
  - name: docs/recovery-runbook.md
    description: Which step of Microsoft's procedure each recovery stage is.
    link: https://github.com/lync-server/lync.server/blob/main/docs/recovery-runbook.md
author:
  - lync.server maintainers (@lync-server)
"""

EXAMPLES = r"""
- name: Stop the Front End before importing user data
  lync.server.lync_services:
    state: stopped
"""

RETURN = r"""
services:
  description: Each Lync service with its C(Name) and C(Status) afterwards.
  returned: success
  type: list
  elements: dict
"""
