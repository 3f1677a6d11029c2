"""Twin of lync_cert_probe.ps1: certificates in LocalMachine\\My and their Lync usages, CA certificates in
LocalMachine\\CA."""

from .. import certstore

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
    assigned = []
    if record.get("lync_module"):
        for thumb, cert in sorted(certs.items()):
            for use in cert.get("usages", []):
                assigned.append({"Use": use, "Thumbprint": thumb, "Scope": "global" if use in GLOBAL_USAGES else "local"})
    present_ca = [t.upper() for t in params.get("Intermediates") or []
                  if certstore.find(record, t, certstore.INTERMEDIATE) is not None]
    return {"Present": present, "PresentCA": present_ca, "LyncShell": record.get("lync_module"), "Assigned": assigned}
