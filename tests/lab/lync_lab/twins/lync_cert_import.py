"""Twin of lync_cert_import.ps1: PFX files from a backup set into the host's certificate store."""

import hashlib

from .. import certstore, fsops, model, pfx
from ..errors import PSError

PARAMETERS = {
    "Certificates": {"kind": "list", "mandatory": False, "default": []},
    "Password": {"kind": "secure", "mandatory": False},
    "Intermediates": {"kind": "list", "mandatory": False, "default": []},
    "Assignments": {"kind": "list", "mandatory": False, "default": []},
}


def run(ctx, params):
    record = ctx.record
    record.setdefault("certificates", [])
    imported = []
    for wanted in params.get("Certificates") or []:
        thumb, path = str(wanted["Thumbprint"]).upper(), str(wanted["Path"])
        data = fsops.read_bytes(ctx, path)
        if hashlib.sha256(data).hexdigest().upper() != str(wanted["Sha256"]).upper():
            raise PSError("%s does not match the SHA-256 the backup set recorded; it was changed or damaged after the "
                          "backup" % path, "InvalidData")
        if params.get("Password") is None:
            raise PSError("The specified network password is not correct.", "InvalidArgument")
        cert = pfx.load(data, params["Password"].plain)
        if cert["thumbprint"].upper() != thumb:
            raise PSError("%s holds certificate %s, not %s" % (path, cert["thumbprint"], thumb), "InvalidData")
        cert.update(usages=[], exportable=True)
        certstore.add(record, cert, certstore.PERSONAL)
        imported.append(thumb)
    imported_chain = []
    for wanted in params.get("Intermediates") or []:
        thumb, path = str(wanted["Thumbprint"]).upper(), str(wanted["Path"])
        data = fsops.read_bytes(ctx, path)
        if hashlib.sha256(data).hexdigest().upper() != str(wanted["Sha256"]).upper():
            raise PSError("%s does not match the SHA-256 the backup set recorded; it was changed or damaged after the "
                          "backup" % path, "InvalidData")
        cert = pfx.load_cer(data)
        if cert["thumbprint"].upper() != thumb:
            raise PSError("%s holds certificate %s, not %s" % (path, cert["thumbprint"], thumb), "InvalidData")
        certstore.add(record, cert, certstore.INTERMEDIATE)
        imported_chain.append(thumb)
    assigned = []
    if params.get("Assignments"):
        model.require_lync_shell(record)
        for assignment in params["Assignments"]:
            thumb = str(assignment["Thumbprint"]).upper()
            use = "" if assignment.get("Type") is None else str(assignment["Type"])  # [string]$null is ""
            if certstore.find(record, thumb) is None:
                raise PSError("Cannot find certificate with thumbprint %s in LocalMachine\\My" % thumb, "ObjectNotFound")
            certstore.set_certificate(record, [use], thumb, "global" if assignment.get("Global") else None)
            if assignment.get("Global"):
                certstore.set_global(ctx.state, use, thumb)
            assigned.append({"Type": use, "Thumbprint": thumb, "Global": bool(assignment.get("Global"))})
    return {"Imported": imported, "ImportedChain": imported_chain, "Assigned": assigned}
