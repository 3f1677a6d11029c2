# -*- coding: utf-8 -*-
# Copyright: (c) 2026, lync.server maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This file only documents the module; the work is done by the action plugin
# plugins/action/lync_backup_retention.py, which runs PowerShell payloads through
# ansible.windows.win_powershell.

DOCUMENTATION = r"""
---
module: lync_backup_retention
short_description: Remove old Lync backup sets, never the last good one
version_added: 0.1.0
description:
  - Keeps the newest O(keep_sets) complete sets and/or complete sets younger than O(keep_days); removes
    older ones.
  - Never removes the newest trusted set (complete, and its files match the manifest), even when it is
    older than the retention; removes nothing at all when no trusted set exists.
  - Removes partial, unfinished, invalid or damaged sets only once they are older than what retention
    keeps, and never a set named in O(protect) or the set holding the lock.
options:
  root:
    description: The backup root.
    type: str
    required: true
  keep_sets:
    description: Keep the newest N trusted sets (at least 1). This or O(keep_days) (or both) is required.
    type: int
  keep_days:
    description: Keep trusted sets younger than this many days. This or O(keep_sets) (or both) is required.
    type: int
  verify:
    description:
      - V(newest) hash-checks complete sets from the newest until one matches its manifest (the one always kept)
        and checks the sizes of the others; V(all) hash-checks every set.
    type: str
    default: newest
    choices: [newest, all]
  protect:
    description: Sets never removed (e.g. the one being written).
    type: list
    elements: str
    default: []
  verified:
    description:
      - Sets the same run has just verified, as set id => the SHA-256 of its C(manifest.json) (the backup passes the
        set its close hashed and verified, with M(lync.server.lync_backup_set)'s C(manifest_sha256)).
      - With O(verify=newest), such a set is not read again when its manifest is still the one verified and the
        manifest records that the set was finished less than six hours ago; its signature is checked as for every
        set. Any other set is hashed as before.
    type: dict
    default: {}
  signing_key:
    description:
      - The key (from Ansible Vault) the sets' manifests are signed with (HMAC-SHA256, C(manifest.sig)). A set is
        trusted only when its signature matches; without the key no set is trusted unless O(allow_unsigned).
    type: str
  allow_unsigned:
    description:
      - Trust a set without C(manifest.sig) or without O(signing_key) (sets made before signing existed); the result
        carries a warning naming them. A set whose signature is wrong is never trusted.
    type: bool
    default: false
extends_documentation_fragment:
  - lync.server.lync_action
attributes:
  check_mode:
    details: Reports the sets it would remove and removes nothing.
  diff_mode:
    support: full
seealso:
  - module: lync.server.lync_backup_set
author:
  - lync.server maintainers (@lync-server)
"""

EXAMPLES = r"""
- name: Keep a week of backups
  lync.server.lync_backup_retention:
    root: \\backup01.contoso.local\LyncBackup
    keep_sets: 7
"""

RETURN = r"""
removed:
  description: Sets the host removed, as its payload reports them (in check mode, the sets that would be removed);
    a planned set the host did not remove is a warning.
  returned: always
  type: list
  elements: str
kept:
  description: Sets kept.
  returned: always
  type: list
  elements: str
reasons:
  description: Why each set was kept or removed.
  returned: always
  type: dict
bytes_freed:
  description: Bytes freed.
  returned: when sets were removed
  type: int
"""
