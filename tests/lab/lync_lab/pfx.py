"""The lab's PFX files: a certificate and its private key, protected by a password.

Real PFX files need real keys; the lab keeps the same contract with a small format:
JSON with the public parts in clear and the private key encrypted under a key derived
from the password (PBKDF2-HMAC-SHA256 keystream) and authenticated with an HMAC. A wrong
password fails the way Import-PfxCertificate does; the password is never stored.
"""

import base64
import hashlib
import hmac
import json
import os

from .errors import PSError

PUBLIC = ("thumbprint", "subject", "sans", "issuer", "not_after", "key_size", "template")


def _keys(password, salt):
    material = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, 1000, dklen=64)
    return material[:32], material[32:]


def _stream(key, size):
    out = bytearray()
    counter = 0
    while len(out) < size:
        out.extend(hashlib.sha256(key + counter.to_bytes(4, "big")).digest())
        counter += 1
    return bytes(out[:size])


def export(cert, password):
    """PFX bytes for a lab certificate record (which must have an exportable private key)."""
    if not cert.get("exportable"):
        raise PSError("Cannot export the private key of certificate %s: the key is not marked as exportable. "
                      "(Export-PfxCertificate: Cannot export non-exportable private key.)" % cert["thumbprint"],
                      "InvalidOperation", "CryptographicException")
    salt = os.urandom(16)
    enc_key, mac_key = _keys(password, salt)
    secret = cert["private_key"].encode("utf-8")
    cipher = bytes(a ^ b for a, b in zip(secret, _stream(enc_key, len(secret))))
    body = {"lab_pfx": 1, "public": {k: cert.get(k) for k in PUBLIC},
            "salt": base64.b64encode(salt).decode(), "key": base64.b64encode(cipher).decode()}
    blob = json.dumps(body, sort_keys=True).encode("utf-8")
    tag = hmac.new(mac_key, blob, hashlib.sha256).hexdigest()
    return json.dumps({"body": body, "mac": tag}, sort_keys=True).encode("utf-8")


def load(data, password):
    """The certificate record (with private key) in PFX bytes; PSError on a wrong password or damage."""
    try:
        outer = json.loads(data.decode("utf-8"))
        body = outer["body"]
        salt = base64.b64decode(body["salt"])
    except (ValueError, KeyError, UnicodeDecodeError) as exc:
        raise PSError("The PFX file is damaged or is not a PFX file (%s)" % exc, "InvalidData") from None
    enc_key, mac_key = _keys(password, salt)
    blob = json.dumps(body, sort_keys=True).encode("utf-8")
    if not hmac.compare_digest(hmac.new(mac_key, blob, hashlib.sha256).hexdigest(), outer.get("mac", "")):
        raise PSError("The specified network password is not correct. (Import-PfxCertificate)", "InvalidArgument")
    cipher = base64.b64decode(body["key"])
    cert = dict(body["public"])
    cert["private_key"] = bytes(a ^ b for a, b in zip(cipher, _stream(enc_key, len(cipher)))).decode("utf-8")
    cert["exportable"] = True
    return cert


CER_PUBLIC = ("thumbprint", "subject", "issuer", "not_after", "key_size")


def der(cert):
    """A certificate's public part as the lab's stand-in for its DER encoding (X509Certificate2.RawData)."""
    return json.dumps({"lab_cer": 1, "public": {k: cert.get(k) for k in CER_PUBLIC}}, sort_keys=True).encode("utf-8")


def load_cer(data):
    """new X509Certificate2(byte[]): DER or PEM (Base64 between BEGIN/END CERTIFICATE lines) -> public record.

    https://learn.microsoft.com/dotnet/api/system.security.cryptography.x509certificates.x509certificate2.-ctor
    (X509Certificate2(Byte[]): "binary (DER) encoded or Base64-encoded X.509 data")."""
    text = data.decode("ascii", "replace")
    if "-----BEGIN CERTIFICATE-----" in text:
        body = text.split("-----BEGIN CERTIFICATE-----", 1)[1].split("-----END CERTIFICATE-----", 1)[0]
        try:
            data = base64.b64decode("".join(body.split()), validate=True)
        except ValueError:
            raise PSError("Cannot find the requested object. (the certificate file is damaged)", "InvalidData") from None
    try:
        outer = json.loads(data.decode("utf-8"))
        return dict(outer["public"], sans=[], usages=[], exportable=False, private_key=None)
    except (ValueError, KeyError, UnicodeDecodeError):
        raise PSError("Cannot find the requested object. (not a certificate file)", "InvalidData") from None
