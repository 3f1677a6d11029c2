# Copyright: (c) 2026, lync.server maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Putting a server's certificates back from a backup set (docs/backup-set.md, certs/<host>/).

Decisions only: which certificates the set holds for a host and with which file hashes,
which of them the server lacks, and which Lync usages must be assigned again. The
backup set's manifest is the source (not certificates.json alone), so every PFX is
checked against the SHA-256 recorded when it was written.
"""

from __future__ import annotations

import base64
import re

THUMBPRINT_RE = re.compile(r"\A[0-9A-F]{40}\Z")
# Lync certificate usages (Set-CsCertificate -Type) this collection restores; OAuthTokenIssuer is global.
USAGES = ("Default", "WebServicesInternal", "WebServicesExternal", "OAuthTokenIssuer", "Internal", "External",
          "AccessEdgeExternal", "DataEdgeExternal", "AudioVideoAuthentication", "XmppServer", "PICWebService")
GLOBAL_USAGES = ("OAuthTokenIssuer",)


class CertPlanError(ValueError):
    """The backup set cannot give this host its certificates."""


def usage_map(assigned):
    """{thumbprint: [usages]} from lync_cert_probe's Assigned (Get-CsCertificate, local and global scope).

    Decided here, not in PowerShell: a certificate named for backup without any Lync usage has [] (the old
    payload's @($usages[$thumb]) was @($null), recorded as [null] and restored as Set-CsCertificate -Type '').
    """
    found = {}
    for entry in assigned or []:
        thumb, use = str(entry.get("Thumbprint") or "").upper(), entry.get("Use")
        if THUMBPRINT_RE.match(thumb) and use:
            uses = found.setdefault(thumb, [])
            if str(use) not in uses:
                uses.append(str(use))
    return found


def export_plan(assigned):
    """What lync_cert_export backs up on this server, from lync_cert_probe's Assigned: (thumbprints, usages, elsewhere).

    thumbprints -- every certificate with a local-scope usage, plus a certificate with a global-scope usage
                   (OAuthTokenIssuer) only when it is in this server's LocalMachine\\My (InMy). The global OAuth
                   certificate is copied by replication to Front End servers only ("Assigning a server-to-server
                   authentication certificate to Lync Server 2013", https://learn.microsoft.com/en-us/previous-
                   versions/office/lync-server-2013/lync-server-2013-assigning-a-server-to-server-authentication-
                   certificate-to-lync-server-2013), so an Edge, Director or Mediation server does not hold it.
    usages      -- usage_map() of the certificates backed up
    elsewhere   -- [{use, thumbprint}] global usages whose certificate is not on this server (information)
    """
    local, elsewhere = [], []
    for entry in assigned or []:
        scope = str(entry.get("Scope") or "").lower()
        if scope == "global" and not entry.get("InMy"):
            thumb = str(entry.get("Thumbprint") or "").upper()
            if THUMBPRINT_RE.match(thumb) and entry.get("Use"):
                item = {"use": str(entry["Use"]), "thumbprint": thumb}
                if item not in elsewhere:
                    elsewhere.append(item)
            continue
        local.append(entry)
    usages = usage_map(local)
    return sorted(usages), usages, elsewhere


def usages_of(cert):
    """A certificate's recorded usages without empty ones (sets written before the fix hold [null])."""
    return [str(u) for u in cert.get("usages") or [] if u]


def intermediates(chain):
    """The CA certificates of a chain to keep (lync_cert_export's Chain, leaf excluded): every issuer but a
    self-signed root, which the server's own trusted roots provide (a public root) or Group Policy does."""
    return [c for c in chain or [] if str(c.get("Subject")) != str(c.get("Issuer"))]


def pem(der_base64):
    """A certificate's DER bytes (Base64) as a Base64 .cer file (PEM text), which X509Certificate2(byte[]) reads."""
    body = "".join(str(der_base64).split())
    base64.b64decode(body, validate=True)
    lines = [body[i:i + 64] for i in range(0, len(body), 64)]
    return "-----BEGIN CERTIFICATE-----\r\n%s\r\n-----END CERTIFICATE-----\r\n" % "\r\n".join(lines)


def chain_file(host, thumbprint):
    return "certs/%s/chain/%s.cer" % (host, thumbprint.upper())


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
        chain = []
        for ca in cert.get("chain") or []:
            ca_thumb, ca_entry = str(ca.get("thumbprint") or "").upper(), files.get(ca.get("file") or "")
            if not THUMBPRINT_RE.match(ca_thumb) or ca_entry is None or ca_entry["path"] != chain_file(host, ca_thumb):
                raise CertPlanError("the set records CA certificate %r of %s without its file %s in the manifest"
                                    % (ca_thumb, thumb, ca.get("file")))
            chain.append({"thumbprint": ca_thumb, "file": ca_entry["path"], "sha256": str(ca_entry["sha256"]).upper(),
                          "subject": ca.get("subject")})
        entry = files.get(cert.get("file") or "")
        if not cert.get("file") or entry is None:
            missing.append({"thumbprint": thumb, "subject": cert.get("subject"), "usages": usages_of(cert),
                            "reason": "its private key was not exportable at backup time; re-enroll it"
                            if not cert.get("exportable") else "its PFX file is not listed in the manifest"})
            continue
        if not str(entry["path"]).startswith(prefix) or ".." in str(entry["path"]).split("/"):
            raise CertPlanError("the set lists %s for %s, outside %s" % (entry["path"], host, prefix))
        found.append({"thumbprint": thumb, "file": entry["path"], "sha256": str(entry["sha256"]).upper(),
                      "bytes": int(entry.get("bytes") or 0), "usages": usages_of(cert),
                      "subject": cert.get("subject"), "not_after": cert.get("not_after"), "chain": chain})
    return found, missing


def chain_to_import(wanted, present_ca):
    """The intermediate CA certificates of `wanted` that LocalMachine\\CA lacks (present_ca: thumbprints there)."""
    have = {str(t).upper() for t in present_ca or []}
    found = {}
    for cert in wanted:
        for ca in cert.get("chain") or []:
            if ca["thumbprint"] not in have:
                found.setdefault(ca["thumbprint"], ca)
    return [found[t] for t in sorted(found)]


def plan(wanted, present, assigned, shell, assign, errors=None):
    """What to do: (to_import, assignments, pending, kept).

    wanted   -- from_manifest() certificates to restore
    present  -- [{Thumbprint, HasPrivateKey}] in LocalMachine\\My now (lync_cert_probe)
    assigned -- [{Use, Thumbprint, Scope}] Lync usages now (empty without the Lync shell)
    shell    -- the Lync shell module name, or None
    assign   -- 'auto' (assign when the shell is installed), 'always' or 'never'
    errors   -- lync_cert_probe's AssignedErrors (Get-CsCertificate failed): fatal only when assigning
    kept     -- global usages left alone: the deployment has another certificate assigned for them now.
                Set-CsCertificate -Identity global changes it for every server of the deployment (Set-CsCertificate,
                -Identity: "Global certificates will automatically be copied and distributed"), so restoring one
                server must not roll the deployment's OAuthTokenIssuer certificate back to the one in the set.
    """
    have = {str(p["Thumbprint"]).upper(): bool(p.get("HasPrivateKey")) for p in present}
    to_import = [c for c in wanted if not have.get(c["thumbprint"])]
    current = {}
    for entry in assigned:
        scope = "global" if str(entry.get("Scope", "")).lower() == "global" else "local"
        current[(scope, str(entry.get("Use")))] = str(entry.get("Thumbprint") or "").upper()
    needed, kept = [], []
    for cert in wanted:
        for use in cert["usages"]:
            if not use:
                raise CertPlanError("certificate %s has an empty Lync usage; Set-CsCertificate -Type needs one"
                                    % cert["thumbprint"])
            scope = "global" if use in GLOBAL_USAGES else "local"
            now = current.get((scope, use))
            if now == cert["thumbprint"]:
                continue
            if scope == "global" and now:
                kept.append({"Type": use, "Thumbprint": cert["thumbprint"], "Global": True, "Current": now})
                continue
            needed.append({"Type": use, "Thumbprint": cert["thumbprint"], "Global": scope == "global"})
    if assign == "never" or (assign == "auto" and not shell):
        return to_import, [], needed, kept
    if assign == "always" and not shell and needed:
        raise CertPlanError("assign=always, but the Lync Server Management Shell is not installed on this server: "
                            "run Deployment Wizard step 2 first")
    if errors and (needed or kept):
        raise CertPlanError("cannot tell which certificates the Lync usages have now, so none is assigned: %s"
                            % "; ".join(str(e) for e in errors))
    return to_import, needed, [], kept
