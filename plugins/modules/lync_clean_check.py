# -*- coding: utf-8 -*-
# Copyright: (c) 2026, lync.server maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This file only documents the module; the work is done by the action plugin
# plugins/action/lync_clean_check.py, which runs PowerShell payloads through
# ansible.windows.win_powershell.

DOCUMENTATION = r"""
---
module: lync_clean_check
short_description: Decide whether a server is clean enough to restore Lync Server onto
version_added: 0.1.0
description:
  - 'Microsoft: "this process requires that the server is clean or new" (Backup and restoration process overview for
    Lync Server 2013, https://technet.microsoft.com/en-us/library/Hh202192(v=OCS.15)). Clean means
    (docs/clean-server.md): no Lync Server components, Management Shell or services; no local
    configuration store (RTCLOCAL, LYNCLOCAL); no SQL instance holding Lync databases, and no RTC instance
    at all unless the server is a database server being rebuilt (O(database_instances)) and the instance
    is empty; joined to the right domain (O(domain)) with its original computer account (O(computer_sid),
    working secure channel), or - while preparation may still join it - in a workgroup.'
  - Fails with every reason unless O(fail_on_unclean=false). Changes nothing.
options:
  domain:
    description: DNS domain the server must belong to (C(lync_pins.domain)).
    type: str
  domain_joined:
    description: V(false) for an Edge Server, which must not be a domain member.
    type: bool
    default: true
  require_domain_join:
    description: A server in a workgroup is not clean (after preparation, in the recovery preflight).
    type: bool
    default: false
  computer_sid:
    description: SID of the server's AD computer account at backup time (C(computer_account.sid) of its identity record).
    type: str
  database_instances:
    description: SQL instances this server had as a database server (C(lync_pins.sql_instances)); they may exist if empty.
    type: list
    elements: str
    default: []
  fail_on_unclean:
    description: Fail when the server is not clean.
    type: bool
    default: true
extends_documentation_fragment:
  - lync.server.lync_action
attributes:
  check_mode:
    details: Read-only; runs in check mode.
seealso:
  - module: lync.server.lync_facts
  - module: lync.server.lync_pins_check
  - name: Backup and restoration process overview for Lync Server 2013
    description: Microsoft restores only onto a clean or new server with the same FQDN.
    link: https://technet.microsoft.com/en-us/library/Hh202192(v=OCS.15)
author:
  - lync.server maintainers (@lync-server)
"""

EXAMPLES = r"""
- name: Refuse a server that is not clean
  lync.server.lync_clean_check:
    domain: "{{ lync_pins.domain }}"
    computer_sid: "{{ chosen.set.manifest.identities[lync_pins.fqdn].computer_account.sid | default(omit) }}"
    database_instances: "{{ lync_pins.sql_instances | default([]) }}"
    require_domain_join: true
"""

RETURN = r"""
clean:
  description: V(true) when nothing stands in the way of a restore.
  returned: always
  type: bool
reasons:
  description: Why the server is not clean.
  returned: always
  type: list
  elements: str
host:
  description: FQDN, name, domain, membership, computer account SID, secure channel and OS of the server.
  returned: always
  type: dict
sql_instances:
  description: SQL Server instances with their databases.
  returned: always
  type: list
  elements: dict
lync_products:
  description: Lync Server products installed.
  returned: always
  type: list
  elements: dict
"""
