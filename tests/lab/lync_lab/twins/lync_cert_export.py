"""Twin of lync_cert_export.ps1."""

import hashlib

from .. import fsops, model, pfx
from ..errors import PSError

PARAMETERS = {
    "TargetFolder": {"kind": "string", "mandatory": True},
    "Password": {"kind": "secure", "mandatory": True},
    "Thumbprints": {"kind": "list", "mandatory": False, "default": []},
}


def run(ctx, params):
    model.require_lync_shell(ctx.record)
    certs = {c["thumbprint"].upper(): c for c in ctx.record.get("certificates", [])}
    usages = {}
    for thumb, cert in sorted(certs.items()):
        if cert.get("usages"):
            usages[thumb] = list(cert["usages"])
    wanted = [t.upper() for t in params.get("Thumbprints") or []] or sorted(usages)
    fsops.make_dirs(ctx, params["TargetFolder"])
    out = []
    for thumb in wanted:
        entry = {"Thumbprint": thumb, "Usages": usages.get(thumb, []), "Exportable": False, "Name": None, "Bytes": 0,
                 "Sha256": None, "Error": None, "Subject": None, "Sans": [], "Issuer": None, "NotAfter": None}
        cert = certs.get(thumb)
        if cert is None:
            entry["Error"] = "certificate %s is assigned to Lync but is not in LocalMachine\\My" % thumb
        else:
            entry.update(Subject=cert["subject"], Sans=list(cert["sans"]), Issuer=cert["issuer"], NotAfter=cert["not_after"])
            try:
                data = pfx.export(cert, params["Password"].plain)
                name = "%s.pfx" % thumb
                fsops.write_bytes(ctx, fsops.join(params["TargetFolder"], name), data)
                entry.update(Exportable=True, Name=name, Bytes=len(data), Sha256=hashlib.sha256(data).hexdigest().upper())
            except PSError as err:
                entry["Error"] = "the private key of %s cannot be exported: %s" % (thumb, err.message)
        out.append(entry)
    return {"Certificates": out}
