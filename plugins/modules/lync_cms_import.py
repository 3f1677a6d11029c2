# -*- coding: utf-8 -*-
# Copyright: (c) 2026, lync.server maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This file only documents the module; the work is done by the action plugin
# plugins/action/lync_cms_import.py, which runs PowerShell payloads through
# ansible.windows.win_powershell.

DOCUMENTATION = r"""
---
module: lync_cms_import
short_description: Bring the Central Management store back from a backup set
version_added: 0.1.0
description:
  - As Microsoft's CMS restore does (steps 7-9), Set-CsConfigurationStoreLocation points the Active
    Directory service control point at the rebuilt instance, Import-CsConfiguration imports the
    backed-up configuration (copied to a local folder first), Enable-CsTopology enables the
    topology.
options:
  sql_server:
    description: FQDN of the SQL Server of the Central Management store.
    type: str
    required: true
  sql_instance:
    description:
      - Its instance; empty (or V(MSSQLSERVER)) for the default instance, for which -SqlInstanceName is left out
        (a default instance cannot be reached as C(<server>\MSSQLSERVER)).
    type: str
    default: ""
  configuration_file:
    description: The backup set's cms\config.zip.
    type: str
    required: true
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
- name: Import the CMS
  lync.server.lync_cms_import:
    sql_server: sqlbe01.contoso.local
    sql_instance: rtc
    configuration_file: \\backup01\LyncBackup\lync-20261124T020000Z-a1b2c3\cms\config.zip
"""

RETURN = r"""
store_location:
  description: The service control point afterwards.
  returned: always
  type: str
"""
