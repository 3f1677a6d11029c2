# -*- coding: utf-8 -*-
# Copyright: (c) 2026, lync.server maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This file only documents the module; the work is done by the action plugin
# plugins/action/lync_backup_set_info.py, which runs PowerShell payloads through
# ansible.windows.win_powershell.

DOCUMENTATION = r"""
---
module: lync_backup_set_info
short_description: List, choose and verify Lync backup sets
version_added: 0.1.0
description:
  - Lists the backup sets under a backup root with their status (V(complete), V(partial), V(incomplete)
    when the run did not finish, V(invalid)), item counts and size, and the lock.
  - Picks one set by name, or V(latest), the newest complete set whose files match their SHA-256 in the
    manifest.
  - With O(verify), checks every file of the named set against the manifest (present, same size, same
    SHA-256).
  - With O(subpath), lists and hashes the files under a folder of the named set.
options:
  root:
    description: The backup root, a UNC path or a drive path.
    type: str
    required: true
  set_id:
    description: A set name, or V(latest) for the newest complete set that verifies; required with O(verify=true).
    type: str
  verify:
    description: Check every file of O(set_id) against the manifest.
    type: bool
    default: false
  subpath:
    description: A folder inside O(set_id) whose files to list with their SHA-256.
    type: str
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
    details: Read-only; runs in check mode.
seealso:
  - module: lync.server.lync_backup_set
author:
  - lync.server maintainers (@lync-server)
"""

EXAMPLES = r"""
- name: Pick the newest trustworthy set
  lync.server.lync_backup_set_info:
    root: \\backup01.contoso.local\LyncBackup
    set_id: latest
    signing_key: "{{ lync_backup_signing_key }}"
  register: chosen

- name: Verify a named set
  lync.server.lync_backup_set_info:
    root: \\backup01.contoso.local\LyncBackup
    set_id: lync-20261124T020000Z-a1b2c3
    verify: true
    signing_key: "{{ lync_backup_signing_key }}"
"""

RETURN = r"""
sets:
  description:
    - Every set under the root, newest first, without manifests. Each has C(set_id), C(status), C(condition),
      C(signature), C(problems), C(items_ok), C(items_failed), C(bytes) and C(history).
    - C(history) summarizes the set's own manifest for the history page C(report.html)
      (M(lync.server.lync_backup_set) O(lync.server.lync_backup_set#module:history)), V(null) without one; C(finished), C(seconds), C(kinds) (per item
      kind group C(items), C(failed), C(bytes), C(seconds)) and C(failed) (C(id), C(host), C(error), C(finished) of
      each failed item). These are what the manifest claims; trust them only when C(signature) is V(valid).
    - C(reported_damage) (paths) on a set whose file-store copy a later set's close found damaged through a hard
      link (that later set's signed record names it); the set then has a problem and is V(damaged). C(shares_damage) on
      the sets it had linked that store from (they may share the data; retention hash-checks them).
  returned: always
  type: list
  elements: dict
set:
  description:
    - The chosen set with its C(manifest), C(path), C(trusted) (complete and no problem found), C(condition)
      (V(complete), V(partial), V(incomplete), V(invalid) or V(damaged)) and C(problems).
  returned: when O(set_id) is given
  type: dict
files:
  description: Files under O(subpath) with C(path), C(bytes), C(sha256).
  returned: when O(subpath) is given
  type: list
  elements: dict
lock:
  description: The set root's lock (C(.lock), held by a running backup or retention), or V(null) when there is none.
  returned: always
  type: dict
  contains:
    text:
      description: The lock file's text (JSON naming the run and its set).
      type: str
    written:
      description: When the lock file was last written (UTC, ISO 8601).
      type: str
"""
