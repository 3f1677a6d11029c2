# Copyright: (c) 2026, lync.server maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Putting a server's certificates back from a backup set (docs/backup-set.md, certs/<host>/).

Decisions only: which certificates the set holds for a host and with which file hashes,
which of them the server lacks, and which Lync usages must be assigned again. The
backup set's manifest is the source (not certificates.json alone), so every PFX is
checked against the SHA-256 recorded when it was written.
"""

from __future__ import annotations

import re

THUMBPRINT_RE = re.compile(r"\A[0-9A-F]{40}\Z")
# Lync certificate usages (Set-CsCertificate -Type) this collection restores; OAuthTokenIssuer is global.
USAGES = ("Default", "WebServicesInternal", "WebServicesExternal", "OAuthTokenIssuer", "Internal", "External",
          "AccessEdgeExternal", "DataEdgeExternal", "AudioVideoAuthentication", "XmppServer", "PICWebService")
GLOBAL_USAGES = ("OAuthTokenIssuer",)


class CertPlanError(ValueError):
    """The backup set cannot give this host its certificates."""


def from_manifest(manifest, host):
    """(certificates, not_restorable) of `host` in a set's manifest.

    certificates    -- [{thumbprint, file, sha256, bytes, usages, subject, not_after}] with a PFX in the set
    not_restorable  -- [{thumbprint, subject, usages, reason}] recorded without a PFX (key not exportable)
    """
    item = next((i for i in (manifest or {}).get("items") or []
                 if i.get("kind") == "certificates" and str(i.get("scope", "")).lower() == host), None)
    if item is None:
        raise CertPlanError("backup set %s has no certificates of %s (the server had no Lync certificates or was not "
                            "backed up)" % ((manifest or {}).get("set_id"), host))
    files = {f["path"]: f for f in item.get("files") or []}
    prefix = "certs/%s/" % host
    found, missing = [], []
    for cert in (item.get("details") or {}).get("certificates") or []:
        thumb = str(cert.get("thumbprint") or "").upper()
        if not THUMBPRINT_RE.match(thumb):
            raise CertPlanError("the set's certificate list for %s holds %r, which is not a thumbprint" % (host, thumb))
        entry = files.get(cert.get("file") or "")
        if not cert.get("file") or entry is None:
            missing.append({"thumbprint": thumb, "subject": cert.get("subject"), "usages": list(cert.get("usages") or []),
                            "reason": "its private key was not exportable at backup time; re-enroll it"
                            if not cert.get("exportable") else "its PFX file is not listed in the manifest"})
            continue
        if not str(entry["path"]).startswith(prefix) or ".." in str(entry["path"]).split("/"):
            raise CertPlanError("the set lists %s for %s, outside %s" % (entry["path"], host, prefix))
        found.append({"thumbprint": thumb, "file": entry["path"], "sha256": str(entry["sha256"]).upper(),
                      "bytes": int(entry.get("bytes") or 0), "usages": list(cert.get("usages") or []),
                      "subject": cert.get("subject"), "not_after": cert.get("not_after")})
    return found, missing


def plan(wanted, present, assigned, shell, assign):
    """What to do: (to_import, assignments, pending).

    wanted   -- from_manifest() certificates to restore
    present  -- [{Thumbprint, HasPrivateKey}] in LocalMachine\\My now (lync_cert_probe)
    assigned -- [{Use, Thumbprint, Scope}] Lync usages now (empty without the Lync shell)
    shell    -- the Lync shell module name, or None
    assign   -- 'auto' (assign when the shell is installed), 'always' or 'never'
    """
    have = {str(p["Thumbprint"]).upper(): bool(p.get("HasPrivateKey")) for p in present}
    to_import = [c for c in wanted if not have.get(c["thumbprint"])]
    current = {}
    for entry in assigned:
        scope = "global" if str(entry.get("Scope", "")).lower() == "global" else "local"
        current[(scope, str(entry.get("Use")))] = str(entry.get("Thumbprint") or "").upper()
    needed = []
    for cert in wanted:
        for use in cert["usages"]:
            scope = "global" if use in GLOBAL_USAGES else "local"
            if current.get((scope, use)) != cert["thumbprint"]:
                needed.append({"Type": use, "Thumbprint": cert["thumbprint"], "Global": scope == "global"})
    if assign == "never" or (assign == "auto" and not shell):
        return to_import, [], needed
    if assign == "always" and not shell and needed:
        raise CertPlanError("assign=always, but the Lync Server Management Shell is not installed on this server: "
                            "run Deployment Wizard step 2 first")
    return to_import, needed, []
