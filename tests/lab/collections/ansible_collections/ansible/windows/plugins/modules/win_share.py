# Copyright: (c) 2026, lync.server maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Lab stand-in for ansible.windows.win_share (same options; shares in the lab state)."""

from __future__ import annotations

DOCUMENTATION = r"""
module: win_share
short_description: Lab stand-in for ansible.windows.win_share
description:
  - Adds or removes a share of a lab host; the folder must exist, as on Windows.
author: lync.server maintainers (@lync-server)
options:
  caching_mode: {type: str, default: Manual, choices: [BranchCache, Documents, Manual, None, Programs, Unknown],
                 description: Unused in the lab.}
  change: {type: str, description: Recorded.}
  deny: {type: str, description: Recorded.}
  description: {type: str, description: Recorded.}
  encrypt: {type: bool, default: false, description: Unused in the lab.}
  full: {type: str, description: Recorded.}
  list: {type: bool, default: false, description: Unused in the lab.}
  name: {type: str, required: true, description: Share name.}
  path: {type: path, required: true, description: Folder to share.}
  read: {type: str, description: Recorded.}
  rule_action: {type: str, default: set, choices: [add, set], description: Unused in the lab.}
  scope_name: {type: str, description: Unused in the lab.}
  state: {type: str, default: present, choices: [absent, present], description: Add or remove.}
"""

import json
import os

from ansible.module_utils.basic import AnsibleModule

SPEC = {
    "caching_mode": {"type": "str", "default": "Manual",
                     "choices": ["BranchCache", "Documents", "Manual", "None", "Programs", "Unknown"]}, "change": {"type": "str"}, "deny": {"type": "str"},
    "description": {"type": "str"}, "encrypt": {"type": "bool", "default": False}, "full": {"type": "str"},
    "list": {"type": "bool", "default": False}, "name": {"type": "str", "required": True}, "path": {"type": "path", "required": True},
    "read": {"type": "str"}, "rule_action": {"type": "str", "default": "set", "choices": ["add", "set"]},
    "scope_name": {"type": "str"}, "state": {"type": "str", "default": "present", "choices": ["absent", "present"]},
}


def main():
    module = AnsibleModule(argument_spec=SPEC, supports_check_mode=True)
    # lync_lab is on PYTHONPATH: the lab connection puts it there.
    from lync_lab import packages  # pylint: disable=import-error
    from lync_lab.errors import PSError  # pylint: disable=import-error
    from lync_lab.labrun import run_on_host  # pylint: disable=import-error
    try:
        result = run_on_host(os.environ, json.loads(os.environ.get("LYNC_LAB_FAULTS") or "[]"), "win_share",
                             lambda ctx: packages.share(ctx, module.params, module.check_mode))
    except PSError as err:
        module.fail_json(msg=err.message)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
