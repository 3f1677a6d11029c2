# Copyright: (c) 2026, lync.server maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Lab stand-in for ansible.windows.win_feature (same options, results, check mode and failures)."""

from __future__ import annotations

DOCUMENTATION = r"""
module: win_feature
short_description: Lab stand-in for ansible.windows.win_feature
description:
  - Installs or removes Windows features on a lab host (see tests/lab/lync_lab/winhost.py); names
    the host's Windows release does not know fail like Install-WindowsFeature, some features need
    a restart and stay pending until one.
author: lync.server maintainers (@lync-server)
options:
  name: {type: list, elements: str, required: true, description: Feature names.}
  state: {type: str, choices: [absent, present], default: present, description: Installed or not.}
  include_sub_features: {type: bool, default: false, description: Accepted; the lab installs only the named features.}
  include_management_tools: {type: bool, default: false, description: Accepted; the lab installs only the named features.}
  source: {type: str, description: Where the feature payload lies (needed for features whose payload was removed).}
"""

import json
import os

from ansible.module_utils.basic import AnsibleModule


def main():
    module = AnsibleModule(
        argument_spec={
            "name": {"type": "list", "elements": "str", "required": True},
            "state": {"type": "str", "choices": ["absent", "present"], "default": "present"},
            "include_sub_features": {"type": "bool", "default": False},
            "include_management_tools": {"type": "bool", "default": False},
            "source": {"type": "str"},
        },
        supports_check_mode=True,
    )
    # lync_lab is on PYTHONPATH: the lab connection puts it there.
    from lync_lab import winhost  # pylint: disable=import-error
    from lync_lab.errors import PSError  # pylint: disable=import-error
    from lync_lab.labrun import run_on_host  # pylint: disable=import-error
    params = module.params

    def work(ctx):
        if params["state"] == "present":
            return winhost.install_features(ctx.record, params["name"], params["source"], module.check_mode)
        return winhost.remove_features(ctx.record, params["name"], module.check_mode)

    try:
        changed, reboot, results = run_on_host(os.environ, json.loads(os.environ.get("LYNC_LAB_FAULTS") or "[]"),
                                               "win_feature", work)
    except PSError as err:
        verb = "install" if params["state"] == "present" else "remove"
        module.fail_json(msg="Failed to %s feature(s): %s" % (verb, err.message))
    exitcode = "NoChangeNeeded" if not changed else ("SuccessRestartRequired" if reboot else "Success")
    module.exit_json(changed=changed, reboot_required=reboot, exitcode=exitcode, success=True, feature_result=results)


if __name__ == "__main__":
    main()
