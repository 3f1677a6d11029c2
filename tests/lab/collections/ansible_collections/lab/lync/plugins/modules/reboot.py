# Copyright: (c) 2026, lync.server maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Restart a lab host (used by the lab's ansible.windows.win_reboot action)."""

from __future__ import annotations

DOCUMENTATION = r"""
module: reboot
short_description: Restart a lab host
description:
  - Applies what waits for a restart on a lab host (a new computer name, features pending a restart)
    and clears the pending-restart flags; see tests/lab/lync_lab/winhost.py.
author: lync.server maintainers (@lync-server)
options:
  msg: {type: str, default: Reboot initiated by Ansible, description: The shutdown message.}
"""

import json
import os

from ansible.module_utils.basic import AnsibleModule


def main():
    module = AnsibleModule(argument_spec={"msg": {"type": "str", "default": "Reboot initiated by Ansible"}})
    # lync_lab is on PYTHONPATH: the lab connection puts it there.
    from lync_lab import winhost  # pylint: disable=import-error
    from lync_lab.errors import PSError  # pylint: disable=import-error
    from lync_lab.labrun import run_on_host  # pylint: disable=import-error
    try:
        boots = run_on_host(os.environ, json.loads(os.environ.get("LYNC_LAB_FAULTS") or "[]"), "win_reboot",
                            lambda ctx: (winhost.reboot(ctx.record), ctx.record["boot_count"])[1])
    except PSError as err:
        module.fail_json(msg=err.message)
    module.exit_json(changed=True, boot_count=boots)


if __name__ == "__main__":
    main()
