# -*- coding: utf-8 -*-
# Copyright: (c) 2026, lync.server maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This file only documents the module; the work is done by the action plugin
# plugins/action/lync_backup_set.py, which runs PowerShell payloads through
# ansible.windows.win_powershell.

DOCUMENTATION = r"""
---
module: lync_backup_set
short_description: Open, close or unlock a backup set of a Lync deployment
version_added: 0.1.0
description:
  - Opens a new backup set. It takes the backup root's lock (so a second backup against the same root
    refuses to start) and creates the folder C(lync-<UTC time>-<id>) for this run, as Microsoft asks
    for a new backup folder every run.
  - Closes a set. It writes the documents made on the controller (identity records, the report), checks
    that each landed unchanged, writes C(manifest.json) last and atomically, and releases the lock.
  - Unlocks, that is, releases the lock if this set holds it (never another run's lock).
  - Layout and manifest format are described in docs/backup-set.md.
options:
  root:
    description: The backup root, a UNC path (C(\\server\share[\folder])) or a drive path.
    type: str
    required: true
  state:
    description:
      - V(opened) creates a new set and takes the lock.
      - V(closed) writes O(files), O(report), O(report_html) and the O(manifest) into the set O(set_id) and releases the lock.
      - V(unlocked) releases the lock held by O(set_id).
    type: str
    required: true
    choices: [opened, closed, unlocked]
  set_id:
    description:
      - The set to close or unlock (C(lync-YYYYMMDDTHHMMSSZ-xxxxxx)); required with O(state=closed) and O(state=unlocked).
      - With O(state=opened), the id the new set takes (its time within ten minutes of now); chosen by the caller
        before the call, so that releasing the lock works even when the answer of the open is lost. Default a
        fresh id.
    type: str
  lock_max_age:
    description: Hours after which an existing lock belongs to a run that died; it is then taken over with a warning.
    type: int
    default: 24
  manifest:
    description: The manifest (format 1) to write, required with O(state=closed); it is validated first and nothing is
      written when it is invalid.
    type: dict
  files:
    description: Documents to write before the manifest, by path inside the set; dicts are written as JSON.
    type: dict
    default: {}
  report:
    description: The text of C(report.txt).
    type: str
  report_html:
    description:
      - The text of C(report.html), the history page (P(lync.server.backup_report_html#filter)). Like C(report.txt)
        it is listed in the manifest (key C(report_html), with its size and SHA-256), so verification covers it.
    type: str
  signing_key:
    description:
      - With O(state=closed), the key (from Ansible Vault) that signs the manifest with HMAC-SHA256 into
        C(manifest.sig), written just before the manifest.
    type: str
extends_documentation_fragment:
  - lync.server.lync_action
attributes:
  check_mode:
    details: V(opened) returns the set it would create; nothing is written or locked.
notes:
  - A lock younger than O(lock_max_age) makes V(opened) fail, because another backup is running against
    this root.
seealso:
  - module: lync.server.lync_backup_set_info
  - module: lync.server.lync_backup_retention
author:
  - lync.server maintainers (@lync-server)
"""

EXAMPLES = r"""
- name: Open a new set on the backup share
  lync.server.lync_backup_set:
    root: \\backup01.contoso.local\LyncBackup
    state: opened
  register: backup_set
  become: true
  become_method: ansible.builtin.runas
  become_user: CONTOSO\svc-lyncbackup
  become_flags: logon_type=new_credentials logon_flags=netcredentials_only

- name: Release the lock if the run stops early
  lync.server.lync_backup_set:
    root: \\backup01.contoso.local\LyncBackup
    state: unlocked
    set_id: "{{ backup_set.set_id }}"
"""

RETURN = r"""
set_id:
  description: The set's id.
  returned: always
  type: str
  sample: lync-20261124T020000Z-a1b2c3
path:
  description: The set folder.
  returned: always
  type: str
  sample: \\backup01.contoso.local\LyncBackup\lync-20261124T020000Z-a1b2c3
lock_taken_over:
  description: The text of a stale lock that was taken over, if any.
  returned: when O(state=opened)
  type: str
status:
  description: The manifest's status (V(complete) or V(partial)).
  returned: when O(state=closed)
  type: str
manifest_sha256:
  description: SHA-256 of the written manifest.json.
  returned: when O(state=closed) and not in check mode
  type: str
signed:
  description: Whether C(manifest.sig) was written.
  returned: when O(state=closed) and not in check mode
  type: bool
lock_released:
  description: Whether the lock was released.
  returned: when O(state=closed) or O(state=unlocked)
  type: bool
"""
