# -*- coding: utf-8 -*-
# Copyright: (c) 2026, lync.server maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This file only documents the module; the work is done by the action plugin
# plugins/action/lync_topology.py, which runs PowerShell payloads through
# ansible.windows.win_powershell.

DOCUMENTATION = r"""
---
module: lync_topology
short_description: Enable the published Lync topology
version_added: 0.1.0
description:
  - Enable-CsTopology makes the published topology take effect and sets the ACLs of the file stores
    (Microsoft's file store restore, step 2).
options:
  state:
    description: Only V(enabled).
    type: str
    default: enabled
    choices: [enabled]
extends_documentation_fragment:
  - lync.server.lync_action
attributes:
  check_mode:
    details: Reports a change and enables nothing.
seealso:
  - module: lync.server.lync_deploy_step
  - name: docs/recovery-runbook.md
    description: Which step of Microsoft's procedure each recovery stage is.
    link: https://github.com/lync-server/lync.server/blob/main/docs/recovery-runbook.md
author:
  - lync.server maintainers (@lync-server)
"""

EXAMPLES = r"""
- name: Set the ACLs of a rebuilt file store
  lync.server.lync_topology:
"""

RETURN = r"""
changed:
  description: Enable-CsTopology ran.
  returned: always
  type: bool
"""
