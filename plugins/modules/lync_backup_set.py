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
  - Closes a set. It builds the manifest from the plan and every item's record, lists and hashes every file
    that landed in the set once (on the host it runs on, the one that holds the share), fails an item whose
    file did not land with the size it wrote or with the SHA-256 its source computed, writes the identity
    records and C(report.txt) (each checked as it lands), C(manifest.sig) and C(manifest.json) last and
    atomically, releases the lock, and returns the set's verification from that one pass.
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
      - V(closed) closes the set O(set_id) from O(plan) and O(results) and releases the lock.
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
  resume:
    description:
      - With O(state=opened), resume the set O(set_id) of a run that died instead of opening a new one; the lock is
        taken again only when it names that set (or there is no lock), and only if the set exists and has no
        manifest. Its items then run into it again; detached jobs still running for it are waited for and collected.
      - A lock of that set younger than O(lock_max_age) is refused (the run that opened the set may still be alive,
        and two runs must not write into one set), with its controller, run id and start time, unless O(force).
      - The role's C(backup_resume_set) sets this (docs/backup.md, "The controller died mid-backup").
    type: bool
    default: false
  force:
    description:
      - With O(resume), take over the set's lock whatever its age. Only when the run that opened the set has
        certainly ended (its controller process is gone). The role's C(backup_resume_force) sets this.
    type: bool
    default: false
  run_id:
    description:
      - This run's random token (16 to 64 lower-case hex digits), written in the lock at O(state=opened); with
        O(state=closed) or O(state=unlocked) only the lock holding this token (or a lock written without one) is
        released, so a run that ends late never releases the lock of a run that resumed its set.
      - With O(state=closed), nothing is written when the lock names O(set_id) under another token (another run
        resumed the set and closes it); the close fails and leaves that lock alone. A lock of another set, or none,
        does not stop the close.
      - Omitted at O(state=opened), one is made and returned (RV(run_id)). Omitted at O(state=unlocked), the lock
        of O(set_id) is released whatever its token (the manual release).
    type: str
  plan:
    description:
      - With O(state=closed), the backup plan (the C(lync.server.backup_plan) filter's items); required with O(state=closed).
    type: list
    elements: dict
  results:
    description:
      - With O(state=closed), every item's record (C(lync.server.backup_item_results)) from every host; an item of the
        plan without a record is recorded as not run. Required with O(state=closed).
    type: list
    elements: dict
  deployment:
    description: With O(state=closed), the deployment facts (C(lync_deployment)) the manifest records; required then.
    type: dict
  hosts:
    description: With O(state=closed), every host's C(lync_host) facts by inventory name, for the identity records.
    type: dict
    default: {}
  started:
    description: With O(state=closed), when the backup started (UTC, C(YYYY-MM-DDTHH:MM:SSZ)); required then.
    type: str
  history:
    description:
      - With O(state=closed), the earlier sets as M(lync.server.lync_backup_set_info) lists them (its C(sets)), for the
        history of C(report.html); omitted, the page says the earlier sets could not be listed.
      - C(report.html) is written beside C(report.txt) and listed in the manifest (key C(report_html), with its size
        and SHA-256), so verification covers it. Earlier sets' figures appear only for sets whose signature matched.
    type: list
    elements: dict
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
run_id:
  description: The run id written in the lock (the one given, or one made by the open).
  returned: when O(state=opened)
  type: str
  sample: 9f86d081884c7d65
resumed:
  description: Whether the open resumed an unfinished set (O(resume)).
  returned: when O(state=opened) and O(resume)
  type: bool
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
report_html:
  description: The controller's copy of C(report.html), with this close's verification.
  returned: when O(state=closed) and not in check mode
  type: str
report:
  description: The text of C(report.txt) as written into the set.
  returned: when O(state=closed) and not in check mode
  type: str
stats:
  description: The set's figures for C(ansible.builtin.set_stats) (docs/backup-set.md).
  returned: when O(state=closed) and not in check mode
  type: dict
summary:
  description: Items ok, items failed and bytes of the set.
  returned: when O(state=closed) and not in check mode
  type: dict
set:
  description:
    - The set's verification from the close's own pass, shaped as M(lync.server.lync_backup_set_info)'s C(set)
      (C(condition), C(trusted), C(problems), C(bad_files), C(extra_files), C(checked) is V(sha256 (close))) plus
      C(errors), the manifest's item errors.
    - Each file was hashed once where it landed; the files of the exports and certificates were also compared with
      the SHA-256 their source computed. Nothing is read a second time (see M(lync.server.lync_backup_set_info) to
      read a set again).
  returned: when O(state=closed) and not in check mode
  type: dict
files:
  description: The files the close wrote, by path inside the set.
  returned: when O(state=closed) and not in check mode
  type: list
  elements: str
lock_released:
  description: Whether the lock was released.
  returned: when O(state=closed) or O(state=unlocked)
  type: bool
"""
