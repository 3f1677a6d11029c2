# -*- coding: utf-8 -*-
# Copyright: (c) 2026, lync.server maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This file only documents the module; the work is done by the action plugin
# plugins/action/lync_cms_export.py, which runs PowerShell payloads through
# ansible.windows.win_powershell.

DOCUMENTATION = r"""
---
module: lync_cms_export
short_description: Export the Central Management store, E9-1-1 configuration and topology into a backup set
version_added: 0.1.0
description:
  - Runs Export-CsConfiguration (topology, policies, configuration, including Archiving and Monitoring
    settings), Export-CsLisConfiguration (E9-1-1 locations) and Get-CsTopology -AsXml on a server
    with the Lync Server Management Shell.
  - Exports to a local staging folder, then copies each file to C(<set>/cms/) as Microsoft's procedure
    does, and returns each copy's size and the SHA-256 of the local export (hashed before the copy, a local
    read; M(lync.server.lync_backup_set) compares it with the file that landed when it closes the set).
  - Run it once per deployment, where the Central Management store is reachable.
options:
  items:
    description: What to export.
    type: list
    elements: str
    choices: [config, lis, topology]
    default: [config, lis, topology]
  local_store:
    description: Export the configuration from the local replica (C(-LocalStore)) when the Central Management store is down.
    type: bool
    default: false
  staging_path:
    description: Local folder for the export before the copy; default the system's temporary folder.
    type: str
    default: ""
extends_documentation_fragment:
  - lync.server.backup_set
  - lync.server.lync_action
attributes:
  check_mode:
    details: Returns the files it would write (C(planned)) and contacts no host.
seealso:
  - module: lync.server.lync_backup_set
author:
  - lync.server maintainers (@lync-server)
"""

EXAMPLES = r"""
- name: Export the CMS and LIS into the open set
  lync.server.lync_cms_export:
    set_path: "{{ backup_set.path }}"
"""

RETURN = r"""
files:
  description: Files written, with C(path) (relative to the set), C(bytes), C(sha256) (of the local export).
  returned: success
  type: list
  elements: dict
  sample: [{path: cms/config.zip, bytes: 6871, sha256: 9F2C0A...}]
planned:
  description: Files the export writes.
  returned: always
  type: list
  elements: str
"""
