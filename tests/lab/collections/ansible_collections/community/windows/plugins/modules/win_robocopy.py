# Copyright: (c) 2026, lync.server maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Lab stand-in for community.windows.win_robocopy (same options, return codes and failures)."""

from __future__ import annotations

DOCUMENTATION = r"""
module: win_robocopy
short_description: Lab stand-in for community.windows.win_robocopy
description:
  - Copies files between lab hosts' folders with robocopy's semantics (see tests/lab/lync_lab/robocopy.py).
author: lync.server maintainers (@lync-server)
options:
  src: {type: path, required: true, description: Source folder.}
  dest: {type: path, required: true, description: Destination folder.}
  recurse: {type: bool, default: false, description: /E.}
  purge: {type: bool, default: false, description: /PURGE.}
  flags: {type: str, description: Robocopy flags; when set, recurse and purge are ignored.}
"""

import json
import os

from ansible.module_utils.basic import AnsibleModule

MESSAGES = {0: "No files copied.", 1: "Files copied successfully!",
            2: "Some Extra files or directories were detected. No files were copied.",
            3: "(2+1) Some files were copied. Additional files were present."}


def main():
    module = AnsibleModule(
        argument_spec={"src": {"type": "path", "required": True}, "dest": {"type": "path", "required": True},
                       "recurse": {"type": "bool", "default": False}, "purge": {"type": "bool", "default": False},
                       "flags": {"type": "str"}},
        supports_check_mode=True,
    )
    # lync_lab is on PYTHONPATH: the lab connection puts it there.
    from lync_lab import robocopy  # pylint: disable=import-error
    from lync_lab.labrun import run_on_host  # pylint: disable=import-error
    params = module.params
    opts = robocopy.parse_flags(params["flags"], params["recurse"], params["purge"])
    opts["list_only"] = opts["list_only"] or module.check_mode
    from lync_lab.errors import PSError  # pylint: disable=import-error
    try:
        rc, output, error = run_on_host(os.environ, json.loads(os.environ.get("LYNC_LAB_FAULTS") or "[]"),
                                        "win_robocopy", lambda ctx: robocopy.run(ctx, params["src"], params["dest"], opts))
    except PSError as err:
        module.fail_json(msg="Error synchronizing %s to %s! Msg: %s" % (params["src"], params["dest"], err.message))
    result = {"changed": rc in (1, 3), "src": params["src"], "dest": params["dest"], "recurse": params["recurse"],
              "purge": params["purge"], "flags": params["flags"], "rc": rc, "return_code": rc, "output": output,
              "cmd": "robocopy %s %s %s" % (params["src"], params["dest"], params["flags"] or "")}
    if rc >= 8:
        module.fail_json(msg=error or "Some files or directories could not be copied!", **result)
    # Like the real module: rc 1-7 are successes, and saying so keeps Ansible from failing on rc != 0.
    module.exit_json(msg=MESSAGES.get(rc, "Success"), failed=False, **result)


if __name__ == "__main__":
    main()
