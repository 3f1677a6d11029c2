# -*- coding: utf-8 -*-
# Copyright: (c) 2026, lync.server maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)


class ModuleDocFragment:
    """Options shared by the modules that write an item into an open backup set."""

    DOCUMENTATION = r"""
options:
  set_path:
    description:
      - The open backup set folder, C(<backup root>\<set id>), as returned by
        M(lync.server.lync_backup_set) with O(lync.server.lync_backup_set#module:state=opened).
      - The files land in the set's fixed layout (docs/backup-set.md).
    type: str
    required: true
notes:
  - The set is on a share of another server, so run the task with network credentials
    (C(become_method=ansible.builtin.runas), C(become_flags=logon_type=new_credentials logon_flags=netcredentials_only))
    unless Kerberos delegation or CredSSP gives the WinRM session its own (the double hop).
"""
