# Copyright: (c) 2026, lync.server maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Lab stand-in for ansible.windows.win_service_info (same option; the documented result over the lab state)."""

from __future__ import annotations

DOCUMENTATION = r"""
module: win_service_info
short_description: Lab stand-in for ansible.windows.win_service_info
description:
  - Returns C(exists) and C(services) with the keys ansible.windows 3.3.0 documents in RETURN
    (plugins/modules/win_service_info.py), from the lab host's services (tests/lab/lync_lab/logon.py); what the lab
    does not model (dependencies, triggers, failure actions) is empty.
author: lync.server maintainers (@lync-server)
options:
  name: {type: str, description: A service name (wildcards match the name only) or a display name; all without it.}
"""

import json
import os

from ansible.module_utils.basic import AnsibleModule


def main():
    module = AnsibleModule(argument_spec={"name": {"type": "str"}}, supports_check_mode=True)
    # lync_lab is on PYTHONPATH: the lab connection puts it there.
    from lync_lab import logon  # pylint: disable=import-error
    from lync_lab.errors import PSError  # pylint: disable=import-error
    from lync_lab.labrun import run_on_host  # pylint: disable=import-error
    try:
        result = run_on_host(os.environ, json.loads(os.environ.get("LYNC_LAB_FAULTS") or "[]"), "win_service_info",
                             lambda ctx: logon.service_info(ctx.record, module.params["name"]))
    except PSError as err:
        module.fail_json(msg=err.message)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
