# -*- coding: utf-8 -*-
# Copyright: (c) 2026, lync.server maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This file only documents the module; the work is done by the action plugin
# plugins/action/lync_data_import.py, which runs PowerShell payloads through
# ansible.windows.win_powershell.

DOCUMENTATION = r"""
---
module: lync_data_import
short_description: Import user data, E9-1-1, Response Group or Persistent Chat data from a backup set
version_added: 0.1.0
description:
  - V(userdata) runs Import-CsUserData -PoolFqdn (stop the Front End services of every server of the
    pool first, with M(lync.server.lync_services)).
  - V(lis) runs Import-CsLisConfiguration, then Publish-CsLisConfiguration, which the CMS restore topic
    omits but the ABC failover topic and the cmdlet help require.
  - V(rgs) runs Import-CsRgsConfiguration -Destination service:ApplicationServer:<pool>, with
    -OverwriteOwner (needed for a rebuilt pool even with the same FQDN) and
    -ReplaceExistingRgsSettings (to bring back the application-level settings).
  - V(persistentchat) runs Import-CsPersistentChatData, when Persistent Chat was backed up by export.
  - The file is copied to a local folder first, as the restore procedures do.
options:
  kind:
    description: What to import.
    type: str
    required: true
    choices: [userdata, lis, rgs, persistentchat]
  source_file:
    description: The export in the backup set.
    type: str
    required: true
  pool_fqdn:
    description: The pool; required for V(userdata) and V(rgs).
    type: str
  db_instance:
    description: The Persistent Chat store, C(<sql fqdn>\<instance>); required for V(persistentchat).
    type: str
  overwrite_owner:
    description: -OverwriteOwner for V(rgs).
    type: bool
    default: true
  replace_rgs_settings:
    description: -ReplaceExistingRgsSettings for V(rgs).
    type: bool
    default: true
  staging_path:
    description: Local folder for the copy; default the system's temporary folder.
    type: str
    default: ""
extends_documentation_fragment:
  - lync.server.lync_action
attributes:
  check_mode:
    details: Reports a change and imports nothing.
seealso:
  - module: lync.server.lync_deploy_step
  - name: docs/recovery-runbook.md
    description: Which step of Microsoft's procedure each recovery stage is.
    link: https://github.com/lync-server/lync.server/blob/main/docs/recovery-runbook.md
author:
  - lync.server maintainers (@lync-server)
"""

EXAMPLES = r"""
- name: Restore the Response Group configuration of a pool
  lync.server.lync_data_import:
    kind: rgs
    pool_fqdn: pool01.contoso.local
    source_file: \\backup01\LyncBackup\lync-20261124T020000Z-a1b2c3\pools\pool01.contoso.local\rgs.zip
"""

RETURN = r"""
changed:
  description: The import ran.
  returned: always
  type: bool
"""
