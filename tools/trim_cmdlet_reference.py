"""Make tests/payloads/lync-cmdlets.json from the shared cmdlet syntax table.

The full table (shared/reference/lync-cmdlets.json, extracted from Microsoft's
office-docs-powershell pages) is 3.5 MB; the payload tests need only each cmdlet's
parameter names, the products each applies to, and whether it takes -WhatIf/-Confirm.

Usage: python tools/trim_cmdlet_reference.py <full table> <output>
"""

import json
import sys


def trim(full):
    cmdlets = {}
    for name, info in full["cmdlets"].items():
        cmdlets[name] = {
            "applicable": info.get("applicable_versions") or [],
            "supports_should_process": bool(info.get("supports_should_process")),
            "parameters": {pname: {"applicable": p.get("applicable") or [], "aliases": p.get("aliases") or [],
                                   "type": p.get("type")}
                           for pname, p in sorted(info.get("parameters", {}).items())},
        }
    return {
        "source": full["source"],
        "source_folder": full["source_folder"],
        "trimmed_by": "tools/trim_cmdlet_reference.py",
        "common_parameters": full["common_parameters"],
        "common_parameter_aliases": full["common_parameter_aliases"],
        "should_process_parameters": full["should_process_parameters"],
        "cmdlets": cmdlets,
    }


def main():
    with open(sys.argv[1], encoding="utf-8") as handle:
        full = json.load(handle)
    with open(sys.argv[2], "w", encoding="utf-8") as handle:
        json.dump(trim(full), handle, indent=0, sort_keys=True)
        handle.write("\n")


if __name__ == "__main__":
    main()
