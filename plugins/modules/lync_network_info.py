# -*- coding: utf-8 -*-
# Copyright: (c) 2026, lync.server maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This file only documents the module; the work is done by the action plugin
# plugins/action/lync_network_info.py, which runs PowerShell payloads through
# ansible.windows.win_powershell.

DOCUMENTATION = r"""
---
module: lync_network_info
short_description: Read the DNS records and DHCP options a Lync server's identity pins name
version_added: 0.1.0
description:
  - Reads what the pins (docs/pins.md) say must not change under a restore but lives outside the server.
  - V(dns) asks the DNS server C(pins.dns.server) for every pinned record by DNS query (Resolve-DnsName),
    so it runs on any Windows host that reaches that server. Resolve-DnsName (DnsClient module) exists from
    Windows Server 2012 on; on Windows Server 2008 R2 the read fails with C(LYNC_DNS_CLIENT_MISSING), so
    run it on a Windows Server 2012 or later host (the roles C(delegate_to) C(lync_dns_probe_host)).
  - V(dhcp) reads the pinned options of the pinned scopes with the DhcpServer module; run it on the DHCP
    server (C(delegate_to) the host C(pins.dhcp.server) names). Option 120 is read in the standard class,
    Lync's option 43 as the sub-options 1-5 of the vendor class C(MSUCClient), where Microsoft's DHCPUtil
    stores it. The scope value wins over the server-wide value, as a client sees it.
  - Pass the results to M(lync.server.lync_pins_check).
options:
  pins:
    description: The server's identity pins (C(lync_pins)).
    type: dict
    required: true
  read:
    description: What to read.
    type: list
    elements: str
    choices: [dns, dhcp]
    default: [dns, dhcp]
  pins_host:
    description: The inventory host the pins belong to (checked against C(pins.fqdn)); default none.
    type: str
extends_documentation_fragment:
  - lync.server.lync_action
attributes:
  check_mode:
    details: Read-only; runs in check mode.
seealso:
  - module: lync.server.lync_pins_check
author:
  - lync.server maintainers (@lync-server)
"""

EXAMPLES = r"""
- name: Read the DHCP options on the DHCP server
  delegate_to: "{{ lync_pins.dhcp.server }}"
  lync.server.lync_network_info:
    pins: "{{ lync_pins }}"
    read: [dhcp]
  register: dhcp
"""

RETURN = r"""
dns_server:
  description: The DNS server asked.
  returned: always
  type: str
dns_records:
  description: Records found, C(name), C(type), C(data) (SRV data as C(priority weight port target)); V(null) when not read.
  returned: always
  type: list
  elements: dict
dhcp_server:
  description: The host the DHCP options were read on.
  returned: always
  type: str
dhcp_options:
  description: >-
    Options found, C(scope), C(option), C(vendor_class) (V(null) for the standard class, else e.g. V(MSUCClient)),
    C(value) (as the DHCP server lists it), C(level) (V(scope) or V(server)); V(null) when not read.
  returned: always
  type: list
  elements: dict
dhcp_missing_scopes:
  description: Pinned scopes the DHCP server does not have.
  returned: always
  type: list
  elements: str
"""
