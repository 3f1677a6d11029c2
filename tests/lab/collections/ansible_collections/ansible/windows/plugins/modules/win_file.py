# Copyright: (c) 2026, lync.server maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Lab stand-in for ansible.windows.win_file (same options; files under the lab's drives and shares)."""

from __future__ import annotations

DOCUMENTATION = r"""
module: win_file
short_description: Lab stand-in for ansible.windows.win_file
description:
  - Creates a folder (V(directory)) or removes a file or folder tree (V(absent)) on a lab host, through the lab's
    file rules (the WinRM double hop, share rights, disk space); V(file) is not emulated.
  - V(touch), as the real module's win_file.ps1 does, creates an empty file when the path is missing and otherwise
    sets the file's last-write time to now (its content is unchanged); always changed.
  - As the real module (https://docs.ansible.com/ansible/latest/collections/ansible/windows/win_file_module.html),
    V(directory) creates missing parents and V(absent) removes a folder with everything in it; both are
    idempotent and report no change when the path is already as asked.
author: lync.server maintainers (@lync-server)
options:
  path: {type: path, required: true, aliases: [dest, name], description: The path.}
  state: {type: str, choices: [absent, directory, file, touch], description: What the path must be.}
"""

import json
import os

from ansible.module_utils.basic import AnsibleModule

SPEC = {
    "path": {"type": "path", "required": True, "aliases": ["dest", "name"]},
    "state": {"type": "str", "choices": ["absent", "directory", "file", "touch"]},
}


def main():
    module = AnsibleModule(argument_spec=SPEC, supports_check_mode=True)
    # lync_lab is on PYTHONPATH: the lab connection puts it there.
    from lync_lab import fsops  # pylint: disable=import-error
    from lync_lab.errors import PSError  # pylint: disable=import-error
    from lync_lab.labrun import run_on_host  # pylint: disable=import-error
    path, state = module.params["path"], module.params["state"]
    if state not in ("absent", "directory", "touch"):
        module.fail_json(msg="lab stand-in: win_file state=%s is not emulated (only absent, directory and touch)" % state)

    def work(ctx):
        present = fsops.exists(ctx, path)
        if state == "absent":
            if present and not module.check_mode:
                fsops.remove(ctx, path)
            return {"changed": present}
        if state == "touch":
            if not module.check_mode:
                if present:
                    os.utime(fsops.locate(ctx, path, write=True).real)
                else:
                    fsops.write_bytes(ctx, path, b"")
            return {"changed": True}
        if present:
            if not fsops.locate(ctx, path).real.is_dir():
                raise PSError("path %s is not a directory" % path)
            return {"changed": False}
        if not module.check_mode:
            fsops.make_dirs(ctx, path)
        return {"changed": True}

    try:
        result = run_on_host(os.environ, json.loads(os.environ.get("LYNC_LAB_FAULTS") or "[]"), "win_file", work)
    except PSError as err:
        module.fail_json(msg=err.message)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
