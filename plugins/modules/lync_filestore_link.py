# -*- coding: utf-8 -*-
# Copyright: (c) 2026, lync.server maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This file only documents the module; the work is done by the action plugin
# plugins/action/lync_filestore_link.py, which runs PowerShell payloads through
# ansible.windows.win_powershell.

DOCUMENTATION = r"""
---
module: lync_filestore_link
short_description: Hard-link a file store's unchanged files from the previous backup set
version_added: 0.1.0
description:
  - Runs on the file-store host before the file store's robocopy into a new backup set. Finds the newest
    set under O(root) that is complete and whose manifest signature is valid (never an unsigned one, never
    O(set_id) itself), lists the file store and that set's copy of it, and hard-links into O(set_id) every
    file whose size and last-write time are the same in both (robocopy's "same" rule) and which the previous
    manifest lists with that size and a SHA-256. robocopy then copies only the files that are missing.
  - The sizes and times are read from each file itself (C(FileSystemInfo.Refresh)), not from directory entries that
    NTFS may not have brought up to date.
  - The backup's close compares each file's SHA-256 where it landed with the hash the earlier set's manifest
    records; a file that differs (RV(not_linked) spares it the files known not to be links) counts against the
    earlier set only when the host finds it is a hard link (more than one name), since a file missing from this
    step's listing and copied by robocopy is on none of its lists. Such a mismatch fails the file-store item, and
    the files it named are never linked again (the next night copies them afresh).
  - Nothing is ever written into a linked file. Links are only made where no file exists yet; the file store's
    copy must run with C(/XC /XN /XO) (returned in RV(flags); the backup role's plan adds them), so robocopy never
    overwrites a file of the new set.
  - Falls back to a full copy (nothing linked, RV(mode=copy), RV(reason) says why) when there is no trusted
    earlier set, when the backup share cannot take hard links (decided by the Win32 error code of the first link,
    never by its localized message; 1 C(ERROR_INVALID_FUNCTION), 50 C(ERROR_NOT_SUPPORTED), 17
    C(ERROR_NOT_SAME_DEVICE); a volume that is not NTFS, such as FAT, a ReFS volume formatted before ReFS 3.5, or
    many NAS), when the first file and a probe of ten more all fail with one same code (per-file codes such as 2
    C(ERROR_FILE_NOT_FOUND) or 1142 C(ERROR_TOO_MANY_LINKS) left out), when O(flags) would make
    robocopy touch existing files or select files this module does not model, or on every O(full_every)th night.
  - Links are made with C(New-Item -ItemType HardLink) (Windows PowerShell 5.1, the collection's minimum).
  - A link that fails (for example a file that already has NTFS's 1023 links) is reported in RV(link_failures)
    and left for robocopy to copy afresh.
options:
  root:
    description: The backup root (UNC path), as for M(lync.server.lync_backup_set).
    type: str
    required: true
  set_id:
    description: The set being written (opened, not yet closed).
    type: str
    required: true
  signing_key:
    description: The key the sets' manifests are signed with; only a set whose signature matches is linked from.
    type: str
    required: true
  item_id:
    description: The file store's item id in the manifests (C(filestore:\\server\share)).
    type: str
    required: true
  src:
    description: The file store's local path on this host (the robocopy source).
    type: str
    required: true
  folder:
    description: The file store's folder inside a set (C(filestores/<server>_<share>)).
    type: str
    required: true
  flags:
    description: The robocopy flags of the copy that follows (its C(/E), C(/S), C(/XF) select the files to link).
    type: str
  batch_size:
    description: How many links one payload call makes (module arguments stay bounded for large stores).
    type: int
    default: 2000
  full_every:
    description:
      - Copy the store in full, with no links, every O(full_every)th night since its last full copy (counted along
        the chain of sets each linked from the one before, from the earlier set's record); V(0) never.
      - Linking trusts the earlier copy as it was when its set closed and a source file whose size and last-write
        time did not change; only a full copy reads every source file again. A copy that was already wrong when its
        set closed, or a source edit that kept its size and time, lasts at most O(full_every) - 1 nights.
      - The cost is a full copy of the store on those nights (its bytes over the network and on the backup share's
        disk, as before linking existed).
    type: int
    default: 0
extends_documentation_fragment:
  - lync.server.lync_action
attributes:
  check_mode:
    details: Lists and decides, makes no link.
seealso:
  - module: lync.server.lync_backup_set_info
author:
  - lync.server maintainers (@lync-server)
"""

EXAMPLES = r"""
- name: Link the unchanged files of the file store from the previous set
  lync.server.lync_filestore_link:
    root: \\backup01.contoso.local\LyncBackup
    set_id: lync-20261125T020000Z-a1b2c3
    signing_key: "{{ lync_backup_signing_key }}"
    item_id: filestore:\\fs01.contoso.local\LyncShare
    src: D:\LyncShare
    folder: filestores/fs01.contoso.local_lyncshare
    flags: /E /COPY:DAT /XF Meeting.Active /XC /XN /XO
"""

RETURN = r"""
mode:
  description: V(link) when files were linked, V(copy) when the whole store is left to robocopy.
  returned: always
  type: str
reason:
  description: Why, in one line (the fallback's cause, or how many files were linked).
  returned: always
  type: str
previous_set:
  description: The set linked from, or V(null).
  returned: always
  type: str
since_full_copy:
  description: The nights since the store's last full copy that tonight is when files were linked (V(1) the first
    night after a full copy), V(0) when the whole store is left to robocopy, V(null) when the chain's start is no
    longer on the share (with O(full_every=0)).
  returned: always
  type: int
linked_files:
  description: Files linked (not moved over the network).
  returned: always
  type: int
linked_bytes:
  description: Their bytes.
  returned: always
  type: int
copy_files:
  description: Files robocopy is left to copy (changed, added, or not linkable), V(null) before the listing.
  returned: always
  type: int
copy_bytes:
  description: Their bytes.
  returned: always
  type: int
link_failures:
  description: Up to 20 links that failed (C(path), C(error), C(code), the Win32 error code or V(null)); each such file
    is copied by robocopy.
  returned: always
  type: list
  elements: dict
not_linked:
  description: The files (relative paths, C(/) separators) left to robocopy when files were linked (changed, added,
    not linkable, failed links), V(null) otherwise; the backup's close does not ask the host about them. It does
    not name every file that is not a link (a file missing from the listing is on no list).
  returned: always
  type: list
  elements: str
flags:
  description: O(flags) with C(/XC /XN /XO) added.
  returned: always
  type: str
"""
