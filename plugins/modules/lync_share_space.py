# -*- coding: utf-8 -*-
# Copyright: (c) 2026, lync.server maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This file only documents the module; the work is done by the action plugin
# plugins/action/lync_share_space.py, which runs a PowerShell payload through
# ansible.windows.win_powershell.

DOCUMENTATION = r"""
---
module: lync_share_space
short_description: Free space on the volume that holds a backup share
version_added: 0.1.0
description:
  - Run on the server that holds the share. Finds the share's local folder (C(Win32_Share)) and the volume holding it
    (C(Win32_Volume), the longest mount path that contains the folder, so a volume mounted in a folder counts), and
    returns its free space and size. Read-only.
  - A root that is a drive path (C(D:\LyncBackup)) is looked up among the host's volumes directly.
options:
  root:
    description: The backup root, C(\\server\share[\folder]) or a drive path.
    type: str
    required: true
extends_documentation_fragment:
  - lync.server.lync_action
attributes:
  check_mode:
    support: full
    details: Read-only; runs in check mode.
notes:
  - Disk quotas (FSRM or NTFS) on the folder are not read; the volume's free space is the upper bound.
  - Runs as the connection's user, a local administrator of the server; no network identity is needed.
seealso:
  - name: Win32_Volume class
    link: https://learn.microsoft.com/previous-versions/windows/desktop/legacy/aa394515(v=vs.85)
    description: Name (drive root or mount point), Capacity and FreeSpace in bytes.
  - name: Win32_Share class
    link: https://learn.microsoft.com/windows/win32/cimwin32prov/win32-share
    description: A share's local Path.
author:
  - lync.server maintainers (@lync-server)
"""

EXAMPLES = r"""
- name: Read the free space of the backup share's volume
  lync.server.lync_share_space:
    root: \\backup01.contoso.local\LyncBackup
  delegate_to: backup01.contoso.local
  register: share_space
"""

RETURN = r"""
server:
  description: The server named in O(root) (the task's host for a drive path).
  returned: always
  type: str
share:
  description: The share's name (empty for a drive path).
  returned: always
  type: str
path:
  description: The local folder O(root) is.
  returned: always
  type: str
volume:
  description: The volume's mount path (C(D:\), or a mount point's folder).
  returned: always
  type: str
free_bytes:
  description: Free bytes on that volume.
  returned: always
  type: int
size_bytes:
  description: The volume's size in bytes.
  returned: always
  type: int
"""
