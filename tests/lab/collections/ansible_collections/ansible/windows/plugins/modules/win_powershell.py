# Copyright: (c) 2026, lync.server maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Lab stand-in for ansible.windows.win_powershell (same options, same check mode, same result)."""

from __future__ import annotations

DOCUMENTATION = r"""
module: win_powershell
short_description: Lab stand-in for ansible.windows.win_powershell
description:
  - Answers lync.server payloads with their Python twins against the lab state.
  - Has the real module's options and check-mode rule (scripts without SupportsShouldProcess
    are skipped in check mode and report changed).
author: lync.server maintainers (@lync-server)
options:
  arguments: {type: list, elements: str, description: Unused in the lab.}
  chdir: {type: str, description: Unused in the lab.}
  creates: {type: str, description: Unused in the lab.}
  depth: {type: int, default: 2, description: Depth of result objects before they are flattened to strings.}
  error_action:
    type: str
    choices: [silently_continue, continue, stop]
    default: continue
    description: ErrorActionPreference.
  executable: {type: str, description: Unused in the lab.}
  parameters: {type: dict, description: Parameters bound to the script's param block.}
  path: {type: str, description: Not simulated.}
  remote_src: {type: bool, default: false, description: Unused in the lab.}
  removes: {type: str, description: Unused in the lab.}
  script: {type: str, description: The payload text.}
  sensitive_parameters:
    type: list
    elements: dict
    description: SecureString and PSCredential parameters.
    suboptions:
      name: {type: str, required: true, description: Parameter name.}
      username: {type: str, description: PSCredential user.}
      password: {type: str, description: PSCredential password.}
      value: {type: str, description: SecureString value.}
"""

import os

from ansible.module_utils.basic import AnsibleModule

SENSITIVE = {
    "name": {"type": "str", "required": True},
    "username": {"type": "str"},
    "password": {"type": "str", "no_log": True},
    "value": {"type": "str", "no_log": True},
}

ARGUMENT_SPEC = {
    "arguments": {"type": "list", "elements": "str"},
    "chdir": {"type": "str"},
    "creates": {"type": "str"},
    "depth": {"type": "int", "default": 2},
    "error_action": {"type": "str", "choices": ["silently_continue", "continue", "stop"], "default": "continue"},
    "executable": {"type": "str"},
    "parameters": {"type": "dict"},
    "path": {"type": "str"},
    "remote_src": {"type": "bool", "default": False},
    "removes": {"type": "str"},
    "script": {"type": "str"},
    "sensitive_parameters": {
        "type": "list", "elements": "dict", "options": SENSITIVE,
        "mutually_exclusive": [["value", "username"], ["value", "password"]],
        "required_one_of": [["username", "value"]],
        "required_together": [["username", "password"]],
    },
}


def main():
    module = AnsibleModule(
        argument_spec=ARGUMENT_SPEC,
        required_one_of=[["path", "script"]],
        mutually_exclusive=[["path", "script"]],
        supports_check_mode=True,
    )
    # lync_lab is on PYTHONPATH: the lab connection puts it there.
    from lync_lab import winps  # pylint: disable=import-error
    result = winps.run(
        module.params,
        module.check_mode,
        state_path=os.environ["LYNC_LAB_STATE"],
        host=os.environ["LYNC_LAB_HOST"],
        fault_list=__import__("json").loads(os.environ.get("LYNC_LAB_FAULTS") or "[]"),
    )
    if result.get("failed"):
        module.fail_json(msg=result.pop("msg", "lab payload failed"), **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
