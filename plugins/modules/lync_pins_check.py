# -*- coding: utf-8 -*-
# Copyright: (c) 2026, lync.server maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This file only documents the module; the work is done by the action plugin
# plugins/action/lync_pins_check.py, which runs PowerShell payloads through
# ansible.windows.win_powershell.

DOCUMENTATION = r"""
---
module: lync_pins_check
short_description: Compare a server's identity pins with the target and the backup set
version_added: 0.1.0
description:
  - Microsoft restores Lync Server only onto a server with the same FQDN, domain, IP and DNS settings,
    DNS records, DHCP options, file store paths and SQL instance names as at backup time. This module
    compares three sources field by field, the inventory's pins (O(pins), see docs/pins.md), the target
    as it is now, and the identity record of the chosen backup set (O(backup_manifest)), and returns
    every difference with the field it is in.
  - A difference is V(refuse) (the run must stop), V(apply) (in O(stage=prepare), a value preparation
    sets on the target itself - computer name and domain while the server is in a workgroup, DNS client
    servers - when inventory and backup agree) or V(unchecked) (the backup set did not record it).
  - Fails on any V(refuse) difference, listing them all, unless O(override) is set; then it warns loudly
    and returns C(overridden=true).
  - DNS records and DHCP options are compared with what M(lync.server.lync_network_info) read from the
    DNS and DHCP servers the pins name; pins that name them without O(dns_records) / O(dhcp_options)
    are a difference.
options:
  pins:
    description:
      - The server's identity pins (inventory variable C(lync_pins), docs/pins.md), validated with a precise
        message for every missing or malformed value.
    type: dict
    required: true
  backup_manifest:
    description:
      - The manifest of the chosen backup set (C(set.manifest) of M(lync.server.lync_backup_set_info)); its
        identity record for the pinned FQDN and its topology (file stores) are the backup side of the comparison.
      - Omit to compare the inventory with the target only.
    type: dict
  dns_records:
    description: C(dns_records) returned by M(lync.server.lync_network_info).
    type: list
    elements: dict
  dhcp_options:
    description: C(dhcp_options) returned by M(lync.server.lync_network_info) on the DHCP server.
    type: list
    elements: dict
  stage:
    description:
      - V(prepare) lets fields that preparation applies differ on the target (action V(apply)).
      - V(final) (recovery preflight, or after preparation) requires every field to agree.
    type: str
    default: final
    choices: [prepare, final]
  override:
    description:
      - Go on although fields disagree. Logged as a warning naming every field; use only when you know why
        they differ (e.g. a documented change of DNS server since the backup).
    type: bool
    default: false
  sql_service_account:
    description:
      - Deprecated host-wide SQL Server service account (C(lync_sql_service_account)), the account of every
        pinned instance whose C(sql_instances) item names none. Pin the account per instance instead
        (C(sql_instances) items C({name, service_account}), docs/pins.md).
    type: str
extends_documentation_fragment:
  - lync.server.lync_action
attributes:
  check_mode:
    details: Read-only; runs in check mode.
seealso:
  - module: lync.server.lync_network_info
  - module: lync.server.lync_clean_check
author:
  - lync.server maintainers (@lync-server)
"""

EXAMPLES = r"""
- name: Read the DNS records the pins name
  lync.server.lync_network_info:
    pins: "{{ lync_pins }}"
    read: [dns]
  register: dns

- name: Compare inventory, target and backup set
  lync.server.lync_pins_check:
    pins: "{{ lync_pins }}"
    backup_manifest: "{{ chosen.set.manifest }}"
    dns_records: "{{ dns.dns_records }}"
    stage: final
"""

RETURN = r"""
agree:
  description: V(true) when no difference must stop the run.
  returned: always
  type: bool
differences:
  description:
    - Every difference with C(field) (V(fqdn), V(domain), V(computer_account), V(ipv4), V(dns_servers),
      V(sql_instances), V(file_stores), V(dns_records), V(dhcp_options)), C(key) (the record, option or
      share within the field), C(inventory), C(target), C(backup), C(action) and C(reason).
  returned: always
  type: list
  elements: dict
summary:
  description: One line per difference.
  returned: always
  type: list
  elements: str
apply:
  description: "Fields preparation sets on the target: {field: pinned value}."
  returned: always
  type: dict
fields:
  description: The fields compared.
  returned: always
  type: list
  elements: str
pins:
  description: The validated, normalised pins.
  returned: always
  type: dict
backup_set_id:
  description: The set whose identity record was used.
  returned: always
  type: str
backup_identity:
  description: That identity record (docs/backup-set.md).
  returned: always
  type: dict
target:
  description: The target's identity now (FQDN, domain, addresses, DNS servers, computer account SID, shares).
  returned: always
  type: dict
target_sql_instances:
  description: SQL Server instances on the target now.
  returned: always
  type: list
  elements: str
sql_service_accounts:
  description:
    - The account each pinned SQL Server instance must run under (instance name to account), from the pins
      (or the deprecated O(sql_service_account)), or the backup's record when that is setup's default virtual
      account; V(null) when nothing names one. Preparation installs each instance under its account.
  returned: always
  type: dict
overridden:
  description: V(true) when O(override) let disagreeing fields pass.
  returned: always
  type: bool
"""
