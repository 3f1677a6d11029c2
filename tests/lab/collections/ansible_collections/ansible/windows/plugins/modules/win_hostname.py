# Copyright: (c) 2026, lync.server maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Lab stand-in for ansible.windows.win_hostname (same option, results and check mode)."""

from __future__ import annotations

DOCUMENTATION = r"""
module: win_hostname
short_description: Lab stand-in for ansible.windows.win_hostname
description:
  - Renames a lab host; like Windows, the new name takes effect at the next restart, and until
    then the module compares against the current name.
author: lync.server maintainers (@lync-server)
options:
  name: {type: str, required: true, description: The new computer name.}
"""

import json
import os

from ansible.module_utils.basic import AnsibleModule


def main():
    module = AnsibleModule(argument_spec={"name": {"type": "str", "required": True}}, supports_check_mode=True)
    # lync_lab is on PYTHONPATH: the lab connection puts it there.
    from lync_lab import winhost  # pylint: disable=import-error
    from lync_lab.errors import PSError  # pylint: disable=import-error
    from lync_lab.labrun import run_on_host  # pylint: disable=import-error
    name = module.params["name"]

    def work(ctx):
        old = ctx.record["hostname"]
        return old, winhost.rename(ctx.record, name, module.check_mode)

    try:
        old, changed = run_on_host(os.environ, json.loads(os.environ.get("LYNC_LAB_FAULTS") or "[]"), "win_hostname", work)
    except PSError as err:
        module.fail_json(msg="Failed to rename computer to '%s': %s" % (name, err.message))
    module.exit_json(changed=changed, old_name=old, reboot_required=changed, diff={"before": old, "after": name})


if __name__ == "__main__":
    main()
