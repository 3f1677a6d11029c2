# Copyright: (c) 2026, lync.server maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Lab stand-in for ansible.windows.win_whoami (no options; the documented result over the lab state)."""

from __future__ import annotations

DOCUMENTATION = r"""
module: win_whoami
short_description: Lab stand-in for ansible.windows.win_whoami
description:
  - Returns the keys ansible.windows 3.3.0 documents in RETURN (plugins/modules/win_whoami.py) for the WinRM
    session's user on the lab host, its groups and mandatory label from the lab's accounts and the host's local
    Administrators (tests/lab/lync_lab/logon.py).
author: lync.server maintainers (@lync-server)
options: {}
"""

import json
import os

from ansible.module_utils.basic import AnsibleModule


def main():
    module = AnsibleModule(argument_spec={}, supports_check_mode=True)
    # lync_lab is on PYTHONPATH: the lab connection puts it there.
    from lync_lab import logon  # pylint: disable=import-error
    from lync_lab.errors import PSError  # pylint: disable=import-error
    from lync_lab.labrun import run_on_host  # pylint: disable=import-error
    try:
        result = run_on_host(os.environ, json.loads(os.environ.get("LYNC_LAB_FAULTS") or "[]"), "win_whoami",
                             lambda ctx: logon.whoami(ctx.state, ctx.host, ctx.session_user))
    except PSError as err:
        module.fail_json(msg=err.message)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
