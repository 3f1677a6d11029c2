# Copyright: (c) 2026, lync.server maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Lab stand-in for ansible.windows.win_dns_client (same options, results and check mode)."""

from __future__ import annotations

DOCUMENTATION = r"""
module: win_dns_client
short_description: Lab stand-in for ansible.windows.win_dns_client
description:
  - Sets the DNS servers a lab host's network adapter uses (every lab host has one adapter, C(Ethernet)).
author: lync.server maintainers (@lync-server)
options:
  adapter_names: {type: list, elements: str, required: true, description: Adapter names; C(*) matches all.}
  dns_servers:
    type: list
    elements: str
    required: true
    aliases: [ipv4_addresses, ip_addresses, addresses]
    description: DNS server addresses in order; an empty list resets to DHCP.
  suffix_search_list: {type: list, elements: str, description: Accepted; not simulated.}
"""

import json
import os

from ansible.module_utils.basic import AnsibleModule


def main():
    module = AnsibleModule(
        argument_spec={
            "adapter_names": {"type": "list", "elements": "str", "required": True},
            "dns_servers": {"type": "list", "elements": "str", "required": True,
                            "aliases": ["ipv4_addresses", "ip_addresses", "addresses"]},
            "suffix_search_list": {"type": "list", "elements": "str"},
        },
        supports_check_mode=True,
    )
    # lync_lab is on PYTHONPATH: the lab connection puts it there.
    from lync_lab import winhost  # pylint: disable=import-error
    from lync_lab.errors import PSError  # pylint: disable=import-error
    from lync_lab.labrun import run_on_host  # pylint: disable=import-error
    params = module.params
    try:
        changed = run_on_host(os.environ, json.loads(os.environ.get("LYNC_LAB_FAULTS") or "[]"), "win_dns_client",
                              lambda ctx: winhost.set_dns_servers(ctx.record, params["adapter_names"],
                                                                  params["dns_servers"], module.check_mode))
    except PSError as err:
        module.fail_json(msg=err.message)
    module.exit_json(changed=changed)


if __name__ == "__main__":
    main()
