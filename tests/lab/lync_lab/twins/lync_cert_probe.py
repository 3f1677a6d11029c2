"""Twin of lync_cert_probe.ps1: certificates in LocalMachine\\My and their Lync usages, CA certificates in
LocalMachine\\CA."""

from .. import certstore
from ..errors import PSError

PARAMETERS = {
    "Thumbprints": {"kind": "list", "mandatory": False, "default": []},
    "Intermediates": {"kind": "list", "mandatory": False, "default": []},
}
GLOBAL_USAGES = ("OAuthTokenIssuer",)


def run(ctx, params):
    ctx.changed = False
    record = ctx.record
    certs = {c["thumbprint"].upper(): c for c in certstore.in_store(record, certstore.PERSONAL)}
    present = [{"Thumbprint": t.upper(), "HasPrivateKey": bool(certs[t.upper()].get("private_key")),
                "Subject": certs[t.upper()]["subject"]} for t in params.get("Thumbprints") or [] if t.upper() in certs]
    assigned, errors = [], []
    if record.get("lync_module"):
        # Get-CsCertificate: this server's assignments; -Identity global: the CMS's (each in its own try/catch)
        for thumb, cert in sorted(certs.items()):
            for use in cert.get("usages", []):
                if use not in GLOBAL_USAGES:
                    assigned.append({"Use": use, "Thumbprint": thumb, "Scope": "local", "InMy": True})
        try:
            for use, thumb in sorted(certstore.global_assignments(ctx.state).items()):
                assigned.append({"Use": use, "Thumbprint": thumb, "Scope": "global", "InMy": thumb in certs})
        except PSError as err:
            errors.append("Get-CsCertificate -Identity global: %s" % err.message)
    present_ca = [t.upper() for t in params.get("Intermediates") or []
                  if certstore.find(record, t, certstore.INTERMEDIATE) is not None]
    return {"Present": present, "PresentCA": present_ca, "LyncShell": record.get("lync_module"), "Assigned": assigned,
            "AssignedErrors": errors}
