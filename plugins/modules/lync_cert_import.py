# -*- coding: utf-8 -*-
# Copyright: (c) 2026, lync.server maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This file only documents the module; the work is done by the action plugin
# plugins/action/lync_cert_import.py, which runs PowerShell payloads through
# ansible.windows.win_powershell.

DOCUMENTATION = r"""
---
module: lync_cert_import
short_description: Reinstall a Lync server's certificates from a backup set and assign their usages
version_added: 0.1.0
description:
  - Imports the certificates the backup set holds for the server (C(certs/<host>/<thumbprint>.pfx), see
    docs/backup-set.md) into LocalMachine\My with their private keys, kept exportable so the next backup can
    export them again. Each PFX is checked against the SHA-256 the set's manifest recorded before it is opened.
  - The intermediate CA certificates the set kept of their chains (C(certs/<host>/chain/<thumbprint>.cer)),
    checked against the manifest the same way, go into LocalMachine\CA (Intermediate Certification
    Authorities), those not already there.
  - Idempotent by thumbprint; a certificate already in the store with its private key is left alone.
  - When the Lync Server Management Shell is installed (after Deployment Wizard step 2), assigns the usages the
    backup recorded with Set-CsCertificate (Default, WebServicesInternal, WebServicesExternal;
    OAuthTokenIssuer at the global scope), only those not already assigned to that certificate. Without the
    shell the assignments are returned as C(pending_assignments) (O(assign=auto)).
  - A global usage (OAuthTokenIssuer) is assigned only when the deployment has none assigned at the global
    scope; when another certificate holds it now (it was renewed after the backup), it is left alone and
    reported in C(left_alone) with a warning, because Set-CsCertificate -Identity global changes it for every
    server of the deployment.
  - When Get-CsCertificate fails (for example the Central Management store cannot be reached), the module
    fails with its message only if it has usages to assign; importing the certificates does not need it.
  - Certificates whose private key was not exportable at backup time are reported (C(not_restorable)) with a
    warning; re-enroll them.
  - The PFX password reaches the server only as a SecureString parameter; it is never logged or written.
options:
  set_path:
    description: The backup set folder, C(<backup root>\<set id>) (C(set.path) of M(lync.server.lync_backup_set_info)).
    type: str
    required: true
  manifest:
    description: The set's manifest (C(set.manifest) of M(lync.server.lync_backup_set_info)).
    type: dict
    required: true
  password:
    description: The PFX password the backup used (Ansible Vault, C(lync_certificate_password)).
    type: str
    required: true
  host_fqdn:
    description: Whose certificates to import (the folder under C(certs/)); default the host the task runs on.
    type: str
  thumbprints:
    description: Import only these; default every certificate the set holds for O(host_fqdn).
    type: list
    elements: str
    default: []
  assign:
    description:
      - V(auto) assigns usages when the Lync shell is installed, V(always) fails without it, V(never) only imports.
    type: str
    default: auto
    choices: [auto, always, never]
extends_documentation_fragment:
  - lync.server.lync_action
attributes:
  check_mode:
    details: Reads the store and reports what it would import and assign.
notes:
  - The set is on a share of another server, so run the task with network credentials
    (C(become_method=ansible.builtin.runas), C(become_flags=logon_type=new_credentials logon_flags=netcredentials_only)).
seealso:
  - module: lync.server.lync_cert_export
  - module: lync.server.lync_backup_set_info
author:
  - lync.server maintainers (@lync-server)
"""

EXAMPLES = r"""
- name: Put the Front End's certificates back
  lync.server.lync_cert_import:
    set_path: "{{ chosen.set.path }}"
    manifest: "{{ chosen.set.manifest }}"
    password: "{{ lync_certificate_password }}"
"""

RETURN = r"""
certificates:
  description: The certificates the set holds for the host (C(thumbprint), C(subject), C(usages), C(not_after)).
  returned: always
  type: list
  elements: dict
imported:
  description: Thumbprints imported by this run.
  returned: always
  type: list
  elements: str
imported_chain:
  description: Thumbprints of intermediate CA certificates imported into LocalMachine\CA by this run.
  returned: always
  type: list
  elements: str
assigned:
  description: Usages assigned by this run (C(type), C(thumbprint), C(global)).
  returned: always
  type: list
  elements: dict
pending_assignments:
  description: Usages to assign once the Lync shell is installed.
  returned: always
  type: list
  elements: dict
left_alone:
  description: Global usages not assigned because another certificate holds them now (C(type), C(thumbprint), C(global), C(current)).
  returned: always
  type: list
  elements: dict
not_restorable:
  description: Certificates the set could not back up with their key (C(thumbprint), C(subject), C(usages), C(reason)).
  returned: always
  type: list
  elements: dict
"""
