"""The lab host's certificate stores and the Lync certificate cmdlets' rules.

A lab host keeps its certificates in record["certificates"]; each carries the store it is in:
LocalMachine\\My (Personal: server certificates with their private keys, the only store
Get-CsCertificate/Set-CsCertificate look at) or LocalMachine\\CA (Intermediate Certification
Authorities: the CA certificates between a server certificate and its root, public parts only) or
LocalMachine\\Root (Trusted Root Certification Authorities).
A record without "store" is in LocalMachine\\My (the lab's older states).

Set-CsCertificate (https://learn.microsoft.com/powershell/module/skypeforbusiness/set-cscertificate):
  * -Type is CertType[]: a value that is not a certificate type (an empty string, $null) does not
    bind, so the cmdlet never runs (PowerShell's parameter binding).
  * OAuthTokenIssuer is assigned only at the global scope, once, with -Identity global; the
    replication service then copies it to every Front End ("Assign a server-to-server
    authentication certificate", https://learn.microsoft.com/skypeforbusiness/manage/authentication/
    assign-a-server-to-server-certificate, and for Lync Server 2013
    https://learn.microsoft.com/previous-versions/office/lync-server-2013/lync-server-2013-assigning-a-
    server-to-server-authentication-certificate-to-lync-server-2013: "you should not configure the
    OAuthTokenIssuer certificate on each Front End Server"). The lab refuses a per-server assignment.
  * the certificate must be in LocalMachine\\My; a usage belongs to one certificate at a time.
"""

from .errors import PSError

PERSONAL = "LocalMachine\\My"
INTERMEDIATE = "LocalMachine\\CA"
ROOT = "LocalMachine\\Root"
STORES = (PERSONAL, INTERMEDIATE, ROOT)
# CertType values of the Set-CsCertificate page (on-premises ones) and the OAuth token issuer.
CERT_TYPES = ("AccessEdgeExternal", "AudioVideoAuthentication", "DataEdgeExternal", "Default", "External", "Internal",
              "iPhoneAPNService", "iPadAPNService", "MPNService", "WebServicesExternal", "WebServicesInternal",
              "WsFedTokenTransfer", "XmppServer", "PICWebService", "OAuthTokenIssuer")
GLOBAL_ONLY = ("OAuthTokenIssuer",)


def store_of(cert):
    return cert.get("store") or PERSONAL


def in_store(record, store=PERSONAL):
    """The certificates of a host in one store."""
    return [c for c in record.get("certificates", []) if store_of(c) == store]


def find(record, thumbprint, store=PERSONAL):
    thumb = str(thumbprint).upper()
    return next((c for c in in_store(record, store) if c["thumbprint"].upper() == thumb), None)


def add(record, cert, store):
    """X509Store(store, 'LocalMachine').Add: a certificate already there (same thumbprint) is replaced."""
    if store not in STORES:
        raise PSError("lab: no certificate store %s" % store)
    cert = dict(cert, store=store)
    thumb = cert["thumbprint"].upper()
    record["certificates"] = [c for c in record.get("certificates", [])
                              if not (store_of(c) == store and c["thumbprint"].upper() == thumb)] + [cert]
    return cert


def set_certificate(record, types, thumbprint, identity=None):
    """Set-CsCertificate [-Identity identity] -Type types -Thumbprint thumbprint on a lab host."""
    types = types if isinstance(types, list) else [types]
    for use in types:
        if use not in CERT_TYPES:
            raise PSError("Cannot bind parameter 'Type'. Cannot convert value \"%s\" to type "
                          "\"Microsoft.Rtc.Management.Deployment.CertType\"." % ("" if use is None else use),
                          "InvalidArgument")
    scope_global = str(identity or "").lower() == "global"
    local = [u for u in types if u in GLOBAL_ONLY and not scope_global]
    if local:
        raise PSError("Set-CsCertificate -Type %s without -Identity global: the OAuthTokenIssuer certificate is "
                      "assigned once, at the global scope (lab rule: Microsoft's 'Assign a server-to-server "
                      "authentication certificate' page)" % ",".join(local), "InvalidOperation")
    cert = find(record, thumbprint)
    if cert is None:
        raise PSError("Set-CsCertificate: certificate %s is not in the local computer's Personal store."
                      % str(thumbprint).upper(), "ObjectNotFound")
    for other in in_store(record, PERSONAL):  # a usage belongs to one certificate at a time
        if other is not cert:
            other["usages"] = [u for u in other.get("usages", []) if u not in types]
    cert["usages"] = sorted(set(cert.get("usages", [])) | set(types))
    return cert


def build_chain(record, cert):
    """X509Chain.Build on the host: the certificates above `cert`, issuer by issuer, found in the host's
    CA and Root stores (a self-signed root ends the chain; a missing issuer ends it early, as Build then
    returns the partial chain). The leaf itself is not in the list."""
    pool = in_store(record, INTERMEDIATE) + in_store(record, ROOT)
    chain, current = [], cert
    while current["issuer"] != current["subject"]:
        issuer = next((c for c in pool if c["subject"] == current["issuer"] and c not in chain), None)
        if issuer is None:
            break
        chain.append(issuer)
        current = issuer
    return chain


def chain_status(record, cert):
    """(built, statuses) of X509Chain.Build for `cert`: a chain that does not end in a self-signed root the
    host holds returns false with X509ChainStatusFlags.PartialChain ("X509ChainStatusFlags",
    https://learn.microsoft.com/dotnet/api/system.security.cryptography.x509certificates.x509chainstatusflags)."""
    chain = build_chain(record, cert)
    top = chain[-1] if chain else cert
    if top["issuer"] != top["subject"]:
        return False, ["PartialChain"]
    return True, []


def replicate_global(state, fqdn):
    """The replica service applies the CMS's global certificate assignments on a server: Set-CsCertificate
    -Identity global is made once and "Global certificates will automatically be copied and distributed to
    the appropriate computers" (Set-CsCertificate, -Identity). A server whose Personal store holds the
    globally assigned certificate reports that usage for it (Get-CsCertificate)."""
    from . import model  # pylint: disable=import-outside-toplevel
    try:
        documents = (model.cms(state).get("content") or {}).get("documents") or {}
    except PSError:
        return
    record = state["hosts"][fqdn]
    for key, doc in sorted(documents.items()):
        if not (key.startswith("Global/Certificate/") and key.endswith(":Global")):
            continue
        use = key.split("/")[2].split(":")[0]
        cert = find(record, (doc or {}).get("Thumbprint") or "")
        if cert is not None:
            for other in in_store(record, PERSONAL):
                if other is not cert:
                    other["usages"] = [u for u in other.get("usages", []) if u != use]
            cert["usages"] = sorted(set(cert.get("usages", [])) | {use})


GLOBAL_PREFIX = "Global/Certificate/"


def global_assignments(state):
    """Get-CsCertificate -Identity global: the global-scope assignments the Central Management store holds
    ({use: thumbprint}), whatever this server's own store holds. It reads the CMS, so it fails like any CMS
    read when the store cannot be reached (model.cms raises). The OAuthTokenIssuer certificate is copied by
    replication to Front End servers only ("Assigning a server-to-server authentication certificate to Lync
    Server 2013", https://learn.microsoft.com/en-us/previous-versions/office/lync-server-2013/lync-server-2013-
    assigning-a-server-to-server-authentication-certificate-to-lync-server-2013), so on an Edge, Director or
    Mediation server the thumbprint named here is usually not in LocalMachine\\My."""
    from . import model  # pylint: disable=import-outside-toplevel
    documents = (model.cms(state).get("content") or {}).get("documents") or {}
    found = {}
    for key, doc in sorted(documents.items()):
        if key.startswith(GLOBAL_PREFIX) and key.endswith(":Global") and (doc or {}).get("Thumbprint"):
            found[key[len(GLOBAL_PREFIX):].split(":")[0]] = str(doc["Thumbprint"]).upper()
    return found


def set_global(state, use, thumbprint):
    """Set-CsCertificate -Identity global writes the assignment to the Central Management store; every server
    then gets it by replication (replicate_global)."""
    from . import model  # pylint: disable=import-outside-toplevel
    content = model.cms(state).setdefault("content", {})
    content.setdefault("documents", {})["%s%s:Global" % (GLOBAL_PREFIX, use)] = {"Thumbprint": str(thumbprint).upper()}
