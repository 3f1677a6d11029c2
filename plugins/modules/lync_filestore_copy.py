# -*- coding: utf-8 -*-
# Copyright: (c) 2026, lync.server maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This file only documents the module; the work is done by the action plugin
# plugins/action/lync_filestore_copy.py, which runs PowerShell payloads through
# ansible.windows.win_powershell.

DOCUMENTATION = r"""
---
module: lync_filestore_copy
short_description: Copy a Lync file store with robocopy, detached from the connection
version_added: 0.1.0
description:
  - Runs C(robocopy.exe) on the host with O(src), O(dest) and O(flags), by default as a detached job (a scheduled
    task) that survives a dropped WinRM connection and the controller's death; a rerun of the same copy finds the
    job and collects its result instead of copying again. The backup role copies each file store into the set
    with it, and the recovery role copies a store back from a set.
  - Source, destination and each flag reach robocopy as separate arguments (never as command text).
  - robocopy's exit code is a bit mask; below 8 is success (1 files copied, 2 extra files in the destination,
    4 mismatches), 8 and above a failure (8 some files or folders could not be copied, 16 a fatal error), as
    Microsoft's robocopy page documents. A failure fails the task with the code in words and robocopy's ERROR
    lines.
options:
  src:
    description: The folder to copy (a local path on the host, or a UNC path).
    type: str
    required: true
  dest:
    description: The folder to copy into (created by robocopy when missing).
    type: str
    required: true
  flags:
    description:
      - robocopy's options, separated by spaces; each word is an option (C(/X) or C(/X:value)) or, after C(/XF) or
        C(/XD), a name. File-name filters before the options are not supported, nor names with spaces.
      - C(/R:2) and C(/W:5) are added when the flags set no C(/R:) or C(/W:) (robocopy's own defaults retry a locked
        file a million times, 30 seconds apart).
    type: str
    default: /E /COPY:DAT /DCOPY:T /R:2 /W:5 /NP /NFL /NDL
extends_documentation_fragment:
  - lync.server.detached
  - lync.server.lync_action
attributes:
  check_mode:
    details: Returns the command it would run (C(cmd)) and contacts no host.
notes:
  - Detached (the default), the job is named after the work
    (C(lync.server-copy-<source folder>-<last three parts of the destination>-<digest of the options>)). When the
    task's C(timeout) passes, the job is stopped (robocopy ends) and removed.
  - Never run a copy again into a folder a stopped copy filled partly with C(/XC /XN /XO) among the flags; a partly
    copied file then counts as older or newer and is kept. The backup role copies into a new set folder each run.
seealso:
  - module: community.windows.win_robocopy
  - module: lync.server.lync_filestore_link
author:
  - lync.server maintainers (@lync-server)
"""

EXAMPLES = r"""
- name: Copy the file store into the backup set
  lync.server.lync_filestore_copy:
    src: D:\LyncFileStore
    dest: "{{ backup_set.path }}\\filestores\\fs01_lyncshare"
    flags: /E /COPY:DAT /DCOPY:T /R:2 /W:5 /NP /NFL /NDL /XF Meeting.Active
"""

RETURN = r"""
rc:
  description: robocopy's exit code (null in check mode).
  returned: always
  type: int
return_code:
  description: The same as C(rc) (the name community.windows.win_robocopy also returns).
  returned: always
  type: int
msg:
  description: The exit code in words.
  returned: always
  type: str
output:
  description: The last 40 lines robocopy printed (its closing table among them).
  returned: always
  type: list
  elements: str
errors:
  description: Up to 20 of robocopy's ERROR lines.
  returned: always
  type: list
  elements: str
summary:
  description:
    - robocopy's closing table, C(dirs), C(files) and C(bytes), each with C(total), C(copied), C(skipped),
      C(mismatch), C(failed), C(extras); a row robocopy did not print (C(/NJS)) is left out; byte values printed
      with a unit (C(1.5 m)) are rounded.
  returned: always
  type: dict
cmd:
  description: The command line robocopy ran, for the log.
  returned: always
  type: str
src:
  description: The source folder.
  returned: always
  type: str
dest:
  description: The destination folder.
  returned: always
  type: str
flags:
  description: The flags given.
  returned: always
  type: str
"""
