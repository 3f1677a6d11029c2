# -*- coding: utf-8 -*-
# Copyright: (c) 2026, lync.server maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This file only documents the module; the work is done by the action plugin
# plugins/action/lync_facts.py, which runs PowerShell payloads through
# ansible.windows.win_powershell.

DOCUMENTATION = r"""
---
module: lync_facts
short_description: Gather facts about a Lync Server 2013 / Skype for Business Server host and deployment
version_added: 0.1.0
description:
  - Reports what a Windows host is (FQDN, domain, IPv4 addresses, DNS client servers, file shares) and which
    Lync Server traces it carries (products, services, local configuration store, SQL Server
    instances and Lync databases), and decides whether it is a I(clean) server that a restore
    may target.
  - On a host with the Lync Server Management Shell, also reads the deployment's topology, namely the
    product and build (Lync Server 2013, Skype for Business Server 2015 or 2019), sites, pools
    with their computers and roles, SQL stores with the Lync databases each holds, file stores,
    and the Central Management store location with its replication state.
  - The work is done by an action plugin that runs read-only PowerShell payloads through
    M(ansible.windows.win_powershell); values never become script text.
options:
  gather_subset:
    description:
      - Which facts to gather.
      - V(host) gathers only C(lync_host).
      - V(topology) also reads the topology and fails when the host has no Lync Server
        Management Shell.
      - V(all) gathers C(lync_host), and C(lync_deployment) when the shell is installed
        (otherwise C(lync_deployment) is V(null)).
    type: list
    elements: str
    choices: [all, host, topology]
    default: [all]
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes.facts
  - lync.server.lync_action
attributes:
  check_mode:
    details: Both payloads are read-only probes and run in check mode.
  facts:
    support: full
notes:
  - Run it against a Front End or Standard Edition server to get the topology; every other host
    (SQL back ends, file servers, a freshly installed replacement) reports host facts only.
  - The database list of each SQL store follows Microsoft's role-to-database map (rtcxds, rtcshared,
    rtcab on a user store; rgsconfig, rgsdyn, cpsdyn on an application store; xds and lis for the
    Central Management store; LcsLog, LcsCDR, QoEMetrics, mgc, mgccomp for Archiving, Monitoring
    and Persistent Chat) with how each is protected (C(backup) is V(required), V(safety) or V(never)).
seealso:
  - module: ansible.windows.win_powershell
  - name: Microsoft's Lync Server 2013 backup and restore topics
    description: The procedures this collection automates, restated in docs/architecture.md.
    link: https://learn.microsoft.com/previous-versions/office/lync-server-2013/lync-server-2013-backing-up-and-restoring-lync-server
author:
  - lync.server maintainers (@lync-server)
"""

EXAMPLES = r"""
- name: Gather Lync facts from a Front End server
  lync.server.lync_facts:

- name: Only check whether a replacement server is clean
  lync.server.lync_facts:
    gather_subset: host

- name: Stop when the host is not clean
  ansible.builtin.assert:
    that: ansible_facts.lync_host.clean
    fail_msg: "{{ ansible_facts.lync_host.clean_reasons | join('; ') }}"

- name: List the SQL stores and their databases
  ansible.builtin.debug:
    msg: "{{ item.name }}: {{ item.databases | map(attribute='name') | join(', ') }}"
  loop: "{{ ansible_facts.lync_deployment.sql_stores }}"
"""

RETURN = r"""
ansible_facts:
  description: The gathered facts.
  returned: always
  type: complex
  contains:
    lync_host:
      description: This host's identity and Lync traces.
      returned: always
      type: dict
      sample:
        fqdn: fe01.contoso.local
        hostname: FE01
        domain: contoso.local
        domain_joined: true
        os: {caption: Microsoft Windows Server 2012 R2 Standard, version: 6.3.9600}
        powershell_version: 5.1.14409.1005
        powershell_edition: Desktop
        ipv4: [10.0.0.11]
        dns_servers: [10.0.0.2]
        lync_shell: Lync
        lync_products: [{name: "Microsoft Lync Server 2013, Core Components", version: 5.0.8308.984}]
        lync_services: [{name: RTCSRV, display_name: Lync Server Front-End, state: running, start_mode: auto}]
        shares: [{name: LyncShare, path: D:\LyncShare}]
        sql_instances: [{name: RTCLOCAL, databases: [xds], lync_databases: [xds], error: null}]
        local_store: true
        clean: false
        clean_reasons: ["Lync Server components are installed: Microsoft Lync Server 2013, Core Components"]
    lync_deployment:
      description:
        - The deployment's topology as read from the Central Management store; V(null) when the
          host has no Lync Server Management Shell.
      returned: when C(gather_subset) includes V(all) or V(topology)
      type: dict
      sample:
        product: Lync Server 2013
        version: 5.0.8308.984
        shell_module: Lync
        sites: [{name: Redmond, identity: "Site:Redmond", pools: [pool01.contoso.local]}]
        pools:
          - fqdn: pool01.contoso.local
            site: Redmond
            edition: Enterprise
            front_end: true
            computers: [fe01.contoso.local, fe02.contoso.local]
            roles: [ApplicationServer, Registrar, UserServer, WebServer]
            user_database: sqlbe01.contoso.local
            application_database: sqlbe01.contoso.local
            response_group: true
        sql_stores:
          - name: sqlbe01.contoso.local\rtc
            fqdn: sqlbe01.contoso.local
            instance: rtc
            roles: [CentralManagementDatabase, UserDatabase, ApplicationDatabase]
            collocated: false
            mirror_instance: null
            databases: [{name: xds, role: CentralManagementDatabase, backup: safety,
                         export: Export-CsConfiguration, restore: Import-CsConfiguration}]
        file_stores: [{identity: "FileStore:fs01.contoso.local", fqdn: fs01.contoso.local, share: LyncShare,
                       unc: \\fs01.contoso.local\LyncShare, used_by: ["Registrar:pool01.contoso.local"]}]
        cms:
          pool: pool01.contoso.local
          sql_fqdn: sqlbe01.contoso.local
          sql_instance: rtc
          mirror_instance: null
          store_location: sqlbe01.contoso.local\rtc
          replication: {active_master: fe01.contoso.local, up_to_date: true, stale_replicas: [], replicas: []}
"""
