# Copyright: (c) 2026, lync.server maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Lab stand-in for ansible.windows.win_reg_stat (same options; the documented result over the lab state).

The lab models the registry keys the preflight reads: the PowerShell module logging policy (module_logging below) and
the .NET Framework 4.x `Release` value under
HKLM:\\SOFTWARE\\Microsoft\\NET Framework Setup\\NDP\\v4\\Full, from the host's `dotnet_framework` (the same field that
decides whether the lab's .NET takes \\\\?\\ paths: lync_lab/fsops.dotnet_supports_extended). Every other key reads as
absent (exists: false), as win_reg_stat answers for a key that is not there.
"""

from __future__ import annotations

DOCUMENTATION = r"""
module: win_reg_stat
short_description: Lab stand-in for ansible.windows.win_reg_stat
description:
  - Returns C(changed), C(exists) and, for a property that exists, C(type), C(value) and C(raw_value), the keys
    ansible.windows 3.3.0 documents (plugins/modules/win_reg_stat.py); only the .NET Framework 4.x Release value is
    modelled.
author: lync.server maintainers (@lync-server)
options:
  path: {type: str, required: true, aliases: [key], description: The registry key.}
  name: {type: str, aliases: [entry, value, property], description: The property name.}
"""

import json
import os

from ansible.module_utils.basic import AnsibleModule

NDP_FULL = "hklm:\\software\\microsoft\\net framework setup\\ndp\\v4\\full"
# The lowest Release of each version ("Determine which .NET Framework versions are installed",
# https://learn.microsoft.com/dotnet/framework/migration-guide/how-to-determine-which-versions-are-installed).
RELEASES = {"4.5": 378389, "4.5.1": 378675, "4.5.2": 379893, "4.6": 393295, "4.6.1": 394254, "4.6.2": 394802,
            "4.7": 460798, "4.7.1": 461308, "4.7.2": 461808, "4.8": 528040, "4.8.1": 533320}


MODULE_LOGGING = "hklm:\\software\\policies\\microsoft\\windows\\powershell\\modulelogging"


def module_logging(record, key):
    """The policy "Turn on Module Logging" (about_Group_Policy_Settings): EnableModuleLogging (REG_DWORD 1) under
    ...\\PowerShell\\ModuleLogging and one REG_SZ value per module name under its ModuleNames subkey, from the host's
    `powershell_module_logging` (a list of module names; absent: the policy is not configured)."""
    names = record.get("powershell_module_logging")
    if names is None:
        return {"changed": False, "exists": False}
    if key == MODULE_LOGGING:
        return {"changed": False, "exists": True, "sub_keys": ["ModuleNames"],
                "properties": {"EnableModuleLogging": {"type": "REG_DWORD", "value": 1, "raw_value": 1}}}
    return {"changed": False, "exists": True, "sub_keys": [],
            "properties": {str(n): {"type": "REG_SZ", "value": str(n), "raw_value": str(n)} for n in names}}


def read(record, path, name):
    """The module's result for path/name on a lab host record."""
    key = path.lower().replace("hkey_local_machine\\", "hklm:\\").replace("hklm\\", "hklm:\\").rstrip("\\")
    if key in (MODULE_LOGGING, MODULE_LOGGING + "\\modulenames") and not name:
        return module_logging(record, key)
    version = str(record.get("dotnet_framework", "4.8"))
    if key != NDP_FULL or version not in RELEASES:
        return {"changed": False, "exists": False}
    if not name:
        return {"changed": False, "exists": True, "sub_keys": ["1033"],
                "properties": {"Release": {"type": "REG_DWORD", "value": RELEASES[version],
                                           "raw_value": RELEASES[version]},
                               "Version": {"type": "REG_SZ", "value": version, "raw_value": version}}}
    if name.lower() == "release":
        return {"changed": False, "exists": True, "type": "REG_DWORD", "value": RELEASES[version],
                "raw_value": RELEASES[version]}
    return {"changed": False, "exists": False}


def main():
    module = AnsibleModule(argument_spec={"path": {"type": "str", "required": True, "aliases": ["key"]},
                                          "name": {"type": "str", "aliases": ["entry", "value", "property"]}},
                           supports_check_mode=True)
    # lync_lab is on PYTHONPATH: the lab connection puts it there.
    from lync_lab.errors import PSError  # pylint: disable=import-error
    from lync_lab.labrun import run_on_host  # pylint: disable=import-error
    try:
        result = run_on_host(os.environ, json.loads(os.environ.get("LYNC_LAB_FAULTS") or "[]"), "win_reg_stat",
                             lambda ctx: read(ctx.record, module.params["path"], module.params["name"]))
    except PSError as err:
        module.fail_json(msg=err.message)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
