# -*- coding: utf-8 -*-
# Copyright: (c) 2026, lync.server maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This file only documents the module; the work is done by the action plugin
# plugins/action/lync_services.py, which runs PowerShell payloads through
# ansible.windows.win_powershell.

DOCUMENTATION = r"""
---
module: lync_services
short_description: Start or stop the Lync Server services of a server and wait for them
version_added: 0.1.0
description:
  - Start-CsWindowsService or Stop-CsWindowsService with C(-NoWait) (all Lync services, or each named one -
    C(-Name) takes a single service name), then polls Get-CsWindowsService until every service that must get
    there is so; the module fails naming the services that did not get there in time.
  - Starting leaves out MASTER (Master Replicator Agent) and FTA (File Transfer Agent) unless this server is
    the active Central Management Server (O(active_cms), or the deployment facts of M(lync.server.lync_facts));
    they run only there, so a wait for them on any other Front End of the Central Management pool would time out.
  - A Front End pool's services stay starting until enough of its Front Ends are started (about 85%, three of
    three; see Microsoft's page Front End Pool high availability and management). To start a pool, start every Front End
    with O(wait=false), then wait on each with O(wait_only=true).
  - Used around Import-CsUserData, which needs the Front End services of every server of the pool
    stopped, and started again together after the import.
options:
  state:
    description: Started or stopped.
    type: str
    required: true
    choices: [started, stopped]
  names:
    description: Service names (e.g. RTCSRV); default every Lync service.
    type: list
    elements: str
    default: []
  wait:
    description: Wait for the services after starting or stopping them; V(false) returns as soon as the calls are made.
    type: bool
    default: true
  wait_only:
    description: Start or stop nothing; only wait for the services to be in O(state).
    type: bool
    default: false
  wait_timeout:
    description: Seconds to wait.
    type: int
    default: 600
  poll_interval:
    description: Seconds between two looks at the services while waiting (1-300).
    type: int
    default: 10
  active_cms:
    description:
      - FQDN of the active Central Management Server (the Active Master of
        C(Get-CsManagementStoreReplicationStatus -CentralManagementStoreStatus)); on that server a start also
        waits for MASTER and FTA.
      - Default the C(cms.replication.active_master) of the C(lync_deployment) facts, when gathered; else MASTER
        and FTA are never waited for.
    type: str
    default: ""
extends_documentation_fragment:
  - lync.server.lync_action
attributes:
  check_mode:
    details: Reports a change and starts or stops nothing.
seealso:
  - module: lync.server.lync_deploy_step
  - name: docs/recovery-runbook.md
    description: Which step of Microsoft's procedure each recovery stage is.
    link: https://github.com/lync-server/lync.server/blob/main/docs/recovery-runbook.md
author:
  - lync.server maintainers (@lync-server)
"""

EXAMPLES = r"""
- name: Stop the Front End before importing user data
  lync.server.lync_services:
    state: stopped

- name: Start every Front End of the pool, without waiting
  delegate_to: "{{ item }}"
  loop: "{{ pool_front_ends }}"
  lync.server.lync_services:
    state: started
    wait: false

- name: Then wait for each
  delegate_to: "{{ item }}"
  loop: "{{ pool_front_ends }}"
  lync.server.lync_services:
    state: started
    wait_only: true
"""

RETURN = r"""
services:
  description: Each Lync service with its C(Name) and C(Status) afterwards (C(StartPending) while starting).
  returned: success
  type: list
  elements: dict
waited_for:
  description: The services that had to reach O(state) (MASTER and FTA left out of a start except on the active CMS).
  returned: success
  type: list
  elements: str
errors:
  description:
    - The errors Start-CsWindowsService or Stop-CsWindowsService reported for single services (the payload goes on
      with the other services); the failure message repeats them when the wait fails.
  returned: success
  type: list
  elements: str
"""
