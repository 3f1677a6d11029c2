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
                 "NotExportable": False, "WriteError": None, "ChainStatus": [], "ChainWarning": None, "Subject": None,
                 "Sans": [], "Issuer": None, "NotAfter": None, "Chain": []}
        cert = certstore.find(ctx.record, thumb)
        if cert is None:
            entry["Error"] = "certificate %s is not in LocalMachine\\My" % thumb
        else:
            entry.update(Subject=cert["subject"], Sans=list(cert["sans"]), Issuer=cert["issuer"], NotAfter=cert["not_after"])
            entry["Chain"] = [{"Thumbprint": c["thumbprint"].upper(), "Subject": c["subject"], "Issuer": c["issuer"],
                               "Der": base64.b64encode(pfx.der(c)).decode("ascii")}
                              for c in certstore.build_chain(ctx.record, cert)]
            built, statuses = certstore.chain_status(ctx.record, cert)
            entry["ChainStatus"] = statuses
            if not built:
                entry["ChainWarning"] = ("its chain could not be built to a trusted root (%s); the intermediates found "
                                         "are kept" % ", ".join(statuses))
            data = None
            try:  # only the export: a key that cannot be exported is a CryptographicException
                data = pfx.export(cert, params["Password"].plain)
            except PSError as err:
                if err.error_id != "CryptographicException":
                    raise
                entry.update(NotExportable=True,
                             Error="the private key of %s cannot be exported: %s" % (thumb, err.message))
            if data:
                name = "%s.pfx" % thumb
                path = fsops.join(params["TargetFolder"], name)
                try:  # written under a temporary name, then renamed into place
                    fsops.write_bytes(ctx, path + ".partial", data)
                    fsops.write_bytes(ctx, path, fsops.read_bytes(ctx, path + ".partial"))
                    fsops.remove(ctx, path + ".partial")
                    entry.update(Exportable=True, Name=name, Bytes=len(data),
                                 Sha256=hashlib.sha256(data).hexdigest().upper())
                except PSError as err:
                    entry.update(WriteError="%s cannot be written: %s" % (path, err.message))
                    entry["Error"] = entry["WriteError"]
        out.append(entry)
    return {"Certificates": out}
