# -*- coding: utf-8 -*-
# Copyright: (c) 2026, lync.server maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This file only documents the module; the work is done by the action plugin
# plugins/action/lync_cert_export.py, which runs PowerShell payloads through
# ansible.windows.win_powershell.

DOCUMENTATION = r"""
---
module: lync_cert_export
short_description: Export a Lync server's certificates with their private keys into a backup set
version_added: 0.1.0
description:
  - Exports every certificate assigned to a Lync usage on this server (Get-CsCertificate) from
    LocalMachine\My, with its private key, as C(certs/<host>/<thumbprint>.pfx) protected by
    O(password), and writes C(certs/<host>/certificates.json) (subject, names, issuer, expiry,
    usages, exportable, chain). Which certificates have which usages the module reads first
    (lync_cert_probe) and decides itself; a certificate named in O(thumbprints) without a Lync usage
    is recorded with C(usages=[]).
  - A certificate with a global usage (the OAuthTokenIssuer certificate, Get-CsCertificate -Identity global) is
    exported only when it is in this server's LocalMachine\My, since replication copies it to Front End servers
    only, so on an Edge, Director or Mediation server it is recorded in C(details.global_elsewhere) instead.
  - The chain is built in the machine context with revocation not checked and a short URL retrieval
    timeout; a chain that does not reach a root (for example C(PartialChain)) is a warning.
  - The PFX is written under a temporary name and renamed into place. A PFX that cannot be written to the
    backup share fails the module with the file error, not as a key that cannot be exported.
  - The PFX holds the certificate alone (X509Certificate2.Export). The intermediate CA certificates of its
    chain (X509Chain.Build on the server, without the self-signed root) are kept as Base64 files
    C(certs/<host>/chain/<thumbprint>.cer), so a certificate from a public CA comes back with its chain.
  - There is no Export-CsCertificate; the export is Windows' own (.NET X509Certificate2.Export).
  - A certificate whose private key is not exportable is reported and the module fails, so the backup
    set is partial and the operator knows to re-enroll it on a rebuild. With O(allow_not_exportable=true)
    it is recorded as not restorable (C(exportable=false), no PFX) with a warning instead and the module
    succeeds. Request-CsCertificate makes a key exportable only when asked (C(-PrivateKeyExportable)).
options:
  password:
    description: The PFX password (keep it in Ansible Vault as C(lync_certificate_password)); never logged or written to the set.
    type: str
    required: true
  thumbprints:
    description: Export only these certificates; default every certificate assigned to a Lync usage.
    type: list
    elements: str
    default: []
  allow_not_exportable:
    description:
      - Record a certificate whose private key cannot be exported as not restorable, with a warning, instead
        of failing. Keep the default where the certificate must come back on a rebuild (it cannot, without its key).
    type: bool
    default: false
  host_fqdn:
    description: The folder name under C(certs/); default the host the task runs on.
    type: str
extends_documentation_fragment:
  - lync.server.backup_set
  - lync.server.lync_action
attributes:
  check_mode:
    details: Returns the files it would write (C(planned)) and contacts no host.
seealso:
  - module: lync.server.lync_backup_set
author:
  - lync.server maintainers (@lync-server)
"""

EXAMPLES = r"""
- name: Export the Front End's certificates
  lync.server.lync_cert_export:
    set_path: "{{ backup_set.path }}"
    password: "{{ lync_certificate_password }}"
"""

RETURN = r"""
files:
  description: PFX files, intermediate CA C(.cer) files and certificates.json written, with C(path), C(bytes), C(sha256)
    (of the bytes exported, hashed in memory before writing).
  returned: always
  type: list
  elements: dict
details:
  description: C(certificates), as in certificates.json.
  returned: always
  type: dict
"""
