# -*- coding: utf-8 -*-
# Copyright: (c) 2026, lync.server maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This file only documents the module; the work is done by the action plugin
# plugins/action/lync_data_export.py, which runs PowerShell payloads through
# ansible.windows.win_powershell.

DOCUMENTATION = r"""
---
module: lync_data_export
short_description: Export a pool's user data or Response Group configuration, or Persistent Chat data, into a backup set
version_added: 0.1.0
description:
  - V(userdata) runs Export-CsUserData -PoolFqdn (user data and conference directories) into
    C(pools/<pool>/userdata.zip); run it for every Front End pool and Standard Edition server.
  - V(rgs) runs Export-CsRgsConfiguration -Source service:ApplicationServer:<pool> into
    C(pools/<pool>/rgs.zip); run it for every pool running Response Group.
  - V(persistentchat) runs Export-CsPersistentChatData -DBInstance into
    C(persistentchat/<sql>_<instance>/mgc.zip) (needs CsPersistentChatAdministrator).
  - The folder records the pool or store the file came from.
options:
  kind:
    description: What to export.
    type: str
    required: true
    choices: [userdata, rgs, persistentchat]
  pool_fqdn:
    description: The pool (or Standard Edition server) FQDN; required for V(userdata) and V(rgs).
    type: str
  db_instance:
    description: The Persistent Chat store, C(<sql fqdn>\<instance>); required for V(persistentchat).
    type: str
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
- name: Export the user data of a pool
  lync.server.lync_data_export:
    set_path: "{{ backup_set.path }}"
    kind: userdata
    pool_fqdn: pool01.contoso.local
"""

RETURN = r"""
files:
  description: Files written, with C(path), C(bytes), C(sha256) (of the local export, hashed before the copy).
  returned: success
  type: list
  elements: dict
details:
  description: C(pool_fqdn) (and C(source) for V(rgs)) or C(db_instance).
  returned: always
  type: dict
"""
