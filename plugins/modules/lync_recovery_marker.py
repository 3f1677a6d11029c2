# -*- coding: utf-8 -*-
# Copyright: (c) 2026, lync.server maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This file only documents the module; the work is done by the action plugin
# plugins/action/lync_recovery_marker.py, which runs PowerShell payloads through
# ansible.windows.win_powershell.

DOCUMENTATION = r"""
---
module: lync_recovery_marker
short_description: Read or write the markers of finished recovery stages on a server
version_added: 0.1.0
description:
  - Each recovery stage that finishes leaves a marker on the server it recovered
    (%ProgramData%\lync.server\recovery\<marker>.json, holding the backup set it came from), so a
    rerun of the recovery resumes at the first unfinished stage.
  - V(query) lists the markers, V(present) writes one, V(absent) removes one (to force a stage to run
    again).
options:
  state:
    description: What to do.
    type: str
    default: query
    choices: [present, absent, query]
  marker:
    description: The marker's name (the stage, and for repeated stages the pool or store); required for V(present) and V(absent).
    type: str
  set_id:
    description: The backup set the stage restored from (required for V(present)).
    type: str
  label:
    description: What the stage worked on, recorded in the marker.
    type: str
    default: ""
extends_documentation_fragment:
  - lync.server.lync_action
attributes:
  check_mode:
    details: Reads markers; reports the change it would make without making it.
seealso:
  - module: lync.server.lync_deploy_step
  - name: docs/recovery-runbook.md
    description: Which step of Microsoft's procedure each recovery stage is.
    link: https://github.com/lync-server/lync.server/blob/main/docs/recovery-runbook.md
author:
  - lync.server maintainers (@lync-server)
"""

EXAMPLES = r"""
- name: Which stages are done on this server
  lync.server.lync_recovery_marker:
  register: markers

- name: Record a finished stage
  lync.server.lync_recovery_marker:
    state: present
    marker: cms_import
    set_id: lync-20261124T020000Z-a1b2c3
"""

RETURN = r"""
markers:
  description: The markers found before the change, each with C(Stage) and C(Text) (JSON with set_id, stage, label, finished).
  returned: always
  type: list
  elements: dict
"""
