# -*- coding: utf-8 -*-
# Copyright: (c) 2026, lync.server maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This file only documents the module; the work is done by the action plugin
# plugins/action/lync_deploy_step.py, which runs PowerShell payloads through
# ansible.windows.win_powershell.

DOCUMENTATION = r"""
---
module: lync_deploy_step
short_description: Run one step of the Lync Server Deployment Wizard, unattended and only when needed
version_added: 0.1.0
description:
  - Runs Deployment Wizard steps 1-4 ("Install or Update Lync Server System") without the wizard, each
    only when its work is not already on the server.
  - V(local_store) (step 1) runs Bootstrapper.exe /BootstrapLocalMgmt, imports the Central Management
    store's configuration into the local store (Import-CsConfiguration -LocalStore, from the CMS or,
    for an Edge Server, from O(configuration_file)), Enable-CsReplica and starts the replica
    service.
  - V(components) (step 2) runs Bootstrapper.exe, which installs the components the published topology
    gives this server. It refuses to run again on a server whose collocated databases already hold
    restored data, because it would recreate them empty.
  - V(certificates) (step 3) assigns certificates already in LocalMachine\My to their Lync usages (Set-
    CsCertificate).
  - V(services) (step 4) starts the Lync services (Start-CsWindowsService) and waits until Get-
    CsWindowsService shows them running.
  - V(sql_express) installs the RTC SQL Express instance of a first Standard Edition server that hosts
    the Central Management store.
  - What is and is not documented about Bootstrapper.exe is kept in one place,
    plugins/plugin_utils/bootstrapper.py; its exit codes are undocumented, so anything but 0 is a
    failure, and a pending reboot is read from Windows and returned as RV(reboot_required).
options:
  step:
    description: The step.
    type: str
    required: true
    choices: [sql_express, local_store, components, certificates, services]
  product:
    description: The product, for the default install folder.
    type: str
    default: Lync Server 2013
    choices: [Lync Server 2013, Skype for Business Server 2015, Skype for Business Server 2019]
  install_dir:
    description: The Lync install folder; default the product's folder under C:\Program Files.
    type: str
  media:
    description: The installation media folder (holding Setup\amd64); passed to Bootstrapper.exe as /SourceDirectory (a community-documented switch).
    type: str
  components:
    description:
      - The components step 2 must leave installed (e.g. V(Front End Server), V(Persistent Chat Server)), to tell whether it is done.
      - Without them step 2 (O(step=components)) cannot tell, and runs every time.
    type: list
    elements: str
    default: []
  certificates:
    description: For step 3, each certificate's thumbprint and the Lync usages to assign.
    type: list
    elements: dict
    default: []
    suboptions:
      thumbprint:
        description: The certificate's thumbprint.
        type: str
        required: true
      types:
        description:
          - Lync usages of this server (Set-CsCertificate -Type without -Identity).
          - C(OAuthTokenIssuer) is not one of them - Microsoft assigns it once, at the global scope
            (Set-CsCertificate -Identity global -Type OAuthTokenIssuer), and the replication service copies it to
            every Front End; lync.server.lync_cert_import does that assignment.
        type: list
        elements: str
        required: true
        choices: [Default, WebServicesInternal, WebServicesExternal, Internal, AccessEdgeExternal, DataEdgeExternal,
                  AudioVideoAuthentication]
  collocated_databases:
    description: The server's Lync databases live on it (Standard Edition); step 2 then refuses after data was restored.
    type: bool
    default: false
  configuration_file:
    description: For step 1 on an Edge Server, the exported configuration zip to import into the local store.
    type: str
    default: ""
  wait:
    description:
      - Whether step 4 waits for the services (MASTER and FTA only on the active Central Management Server).
      - V(false) starts them (C(-NoWait)) and returns; for all but the last rebuilt Front End of a pool of three or
        more, whose services stay starting until about 85% of the pool's Front Ends are started. Then wait with
        M(lync.server.lync_services) (O(lync.server.lync_services#module:wait_only=true)).
    type: bool
    default: true
  wait_timeout:
    description: Seconds step 4 waits for the services.
    type: int
    default: 900
extends_documentation_fragment:
  - lync.server.lync_action
attributes:
  check_mode:
    details: Reads what is done and reports whether the step would run.
seealso:
  - module: lync.server.lync_deploy_step
  - name: docs/recovery-runbook.md
    description: Which step of Microsoft's procedure each recovery stage is.
    link: https://github.com/lync-server/lync.server/blob/main/docs/recovery-runbook.md
author:
  - lync.server maintainers (@lync-server)
"""

EXAMPLES = r"""
- name: Step 1, the local configuration store
  lync.server.lync_deploy_step:
    step: local_store
    media: \\backup01.contoso.local\LyncMedia\Lync

- name: Step 3, the certificates
  lync.server.lync_deploy_step:
    step: certificates
    certificates:
      - thumbprint: 42A144FAA0698B6FC1295B8406A5636F14029795
        types: [Default, WebServicesInternal, WebServicesExternal]
"""

RETURN = r"""
step:
  description: The step.
  returned: always
  type: str
reboot_required:
  description:
    - Windows waits for a reboot (Component Based Servicing's RebootPending or Windows Update's
      RebootRequired key); reboot (ansible.windows.win_reboot) and run the step again.
    - Pending file rename operations alone do not set it; see RV(file_rename_pending), except before a step
      that installs SQL Server Express (V(sql_express), V(local_store), and V(components) with
      O(collocated_databases)), because SQL Server Setup's RebootRequiredCheck refuses to install while file renames
      are pending; such a step is not run and RV(reboot_required) is true.
  returned: always
  type: bool
file_rename_pending:
  description:
    - Session Manager's PendingFileRenameOperations holds entries, as read before the step. Many healthy
      servers have some (installers and antivirus leave them until the next restart), so this is
      reported for information only and does not make RV(reboot_required) true, except before a step that
      installs SQL Server Express (see RV(reboot_required)).
  returned: always
  type: bool
exit_code:
  description: Bootstrapper.exe's exit code.
  returned: when Bootstrapper.exe ran
  type: int
"""
