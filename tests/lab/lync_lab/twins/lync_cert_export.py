"""Twin of lync_cert_export.ps1: the named certificates of LocalMachine\\My as PFX files, and their chains."""

import base64
import hashlib

from .. import certstore, fsops, pfx
from ..errors import PSError

PARAMETERS = {
    "TargetFolder": {"kind": "string", "mandatory": True},
    "Password": {"kind": "secure", "mandatory": True},
    "Thumbprints": {"kind": "list", "mandatory": False, "default": []},
}


def run(ctx, params):
    fsops.make_dirs(ctx, params["TargetFolder"])
    out = []
    for wanted in params.get("Thumbprints") or []:
        thumb = str(wanted).upper()
        entry = {"Thumbprint": thumb, "Exportable": False, "Name": None, "Bytes": 0, "Sha256": None, "Error": None,
                 "Subject": None, "Sans": [], "Issuer": None, "NotAfter": None, "Chain": []}
        cert = certstore.find(ctx.record, thumb)
        if cert is None:
            entry["Error"] = "certificate %s is not in LocalMachine\\My" % thumb
        else:
            entry.update(Subject=cert["subject"], Sans=list(cert["sans"]), Issuer=cert["issuer"], NotAfter=cert["not_after"])
            entry["Chain"] = [{"Thumbprint": c["thumbprint"].upper(), "Subject": c["subject"], "Issuer": c["issuer"],
                               "Der": base64.b64encode(pfx.der(c)).decode("ascii")}
                              for c in certstore.build_chain(ctx.record, cert)]
            try:
                data = pfx.export(cert, params["Password"].plain)
                name = "%s.pfx" % thumb
                fsops.write_bytes(ctx, fsops.join(params["TargetFolder"], name), data)
                entry.update(Exportable=True, Name=name, Bytes=len(data), Sha256=hashlib.sha256(data).hexdigest().upper())
            except PSError as err:
                entry["Error"] = "the private key of %s cannot be exported: %s" % (thumb, err.message)
        out.append(entry)
    return {"Certificates": out}
