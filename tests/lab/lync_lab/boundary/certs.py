"""Certificates as the payloads reach them: the Cert: drive (the Certificate provider), the X509 types of
System.Security.Cryptography.X509Certificates, the PKI module's PFX cmdlets and the Lync certificate cmdlets,
over the lab's certificate stores (certstore) and PFX files (pfx).

Pages (behaviour and declarations follow them):
Certificate provider  https://learn.microsoft.com/powershell/module/microsoft.powershell.security/about/about_certificate_provider?view=powershell-5.1
X509Certificate2      https://learn.microsoft.com/dotnet/api/system.security.cryptography.x509certificates.x509certificate2
  .ctor(Byte[], SecureString, X509KeyStorageFlags), Export(X509ContentType, SecureString), HasPrivateKey, DnsNameList
X509KeyStorageFlags   https://learn.microsoft.com/dotnet/api/system.security.cryptography.x509certificates.x509keystorageflags
X509ContentType       https://learn.microsoft.com/dotnet/api/system.security.cryptography.x509certificates.x509contenttype
X509Store             https://learn.microsoft.com/dotnet/api/system.security.cryptography.x509certificates.x509store
  (.ctor(String, StoreLocation), Open(OpenFlags), Add, Remove, Close; StoreName, StoreLocation, OpenFlags)
X509Chain             https://learn.microsoft.com/dotnet/api/system.security.cryptography.x509certificates.x509chain
  (.ctor(Boolean useMachineContext), ChainPolicy, Build, ChainElements, ChainStatus, Reset; X509RevocationMode,
  X509ChainStatusFlags)
X509Certificate2Collection.Import https://learn.microsoft.com/dotnet/api/system.security.cryptography.x509certificates.x509certificate2collection.import
Export-PfxCertificate https://learn.microsoft.com/powershell/module/pki/export-pfxcertificate
Import-PfxCertificate https://learn.microsoft.com/powershell/module/pki/import-pfxcertificate
Get-CsCertificate / Set-CsCertificate / Import-CsCertificate: ../shared/reference/lync-cmdlets.json
  (https://learn.microsoft.com/powershell/module/skypeforbusiness/get-cscertificate, set-cscertificate,
  import-cscertificate); there is no Export-CsCertificate in that reference, so it is not recognized.

Lab rules kept from the model: certstore (which store holds what, Set-CsCertificate's rules, X509Chain.Build over
the CA and Root stores), pfx (the lab's PFX and DER encodings; a wrong password fails), cmdlets.get_cs_certificate.

Also here, because the certificate payloads need them and no other area declares them yet (each is added only when
the session lacks it, so an area that owns it wins): New-Item, Remove-Item, Get-Module, Import-Module,
[System.IO.File]::ReadAllBytes/WriteAllBytes/Move/OpenRead, [System.Convert]::ToBase64String,
[System.Security.Cryptography.SHA256]::Create.
"""

import base64
import datetime
import hashlib
import inspect
import json
import os

from .. import certstore, cmdlets, fsops, pfx
from ..engine import Command, Param, reference
from ..engine import types as T
from ..engine import values as V
from ..engine.errors import ErrorRecord, NetException, PSRuntimeError
from ..errors import PSError
from .fs import dotnet_io

PAYLOADS = ("lync_cert_probe", "lync_cert_export", "lync_cert_import")
X509 = "System.Security.Cryptography.X509Certificates."
CRYPTO_ERROR = "System.Security.Cryptography.CryptographicException"
MANAGEMENT = "Microsoft.PowerShell.Management"
# ../shared/reference/lync-cmdlets.json beside the checkout (or a worktree's checkout); tests/payloads/lync-cmdlets.json
# (names and types, no sets or positions) stands in without it, as in test_engine_payloads.
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))
REFERENCES = (str(reference.LAB_REFERENCE),)

# --- enums, with the values their .NET pages list --------------------------------------------------------------
KEY_FLAGS = T.enum_type(X509 + "X509KeyStorageFlags", [
    ("DefaultKeySet", 0), ("UserKeySet", 1), ("MachineKeySet", 2), ("Exportable", 4), ("UserProtected", 8),
    ("PersistKeySet", 16), ("EphemeralKeySet", 32)], flags=True)
CONTENT_TYPE = T.enum_type(X509 + "X509ContentType", [
    ("Unknown", 0), ("Cert", 1), ("SerializedCert", 2), ("Pfx", 3), ("Pkcs12", 3), ("SerializedStore", 4),
    ("Pkcs7", 5), ("Authenticode", 6)])
REVOCATION_MODE = T.enum_type(X509 + "X509RevocationMode", [("NoCheck", 0), ("Online", 1), ("Offline", 2)])
REVOCATION_FLAG = T.enum_type(X509 + "X509RevocationFlag", [
    ("EndCertificateOnly", 0), ("EntireChain", 1), ("ExcludeRoot", 2)])
OPEN_FLAGS = T.enum_type(X509 + "OpenFlags", [
    ("ReadOnly", 0), ("ReadWrite", 1), ("MaxAllowed", 2), ("OpenExistingOnly", 4), ("IncludeArchived", 8)], flags=True)
STORE_LOCATION = T.enum_type(X509 + "StoreLocation", [("CurrentUser", 1), ("LocalMachine", 2)])
STORE_NAME = T.enum_type(X509 + "StoreName", [
    ("AddressBook", 1), ("AuthRoot", 2), ("CertificateAuthority", 3), ("Disallowed", 4), ("My", 5), ("Root", 6),
    ("TrustedPeople", 7), ("TrustedPublisher", 8)])
CHAIN_STATUS = T.enum_type(X509 + "X509ChainStatusFlags", [
    ("NoError", 0), ("NotTimeValid", 1), ("NotTimeNested", 2), ("Revoked", 4), ("NotSignatureValid", 8),
    ("NotValidForUsage", 16), ("UntrustedRoot", 32), ("RevocationStatusUnknown", 64), ("Cyclic", 128),
    ("InvalidExtension", 256), ("InvalidPolicyConstraints", 512), ("InvalidBasicConstraints", 1024),
    ("InvalidNameConstraints", 2048), ("HasNotSupportedNameConstraint", 4096), ("HasNotDefinedNameConstraint", 8192),
    ("HasNotPermittedNameConstraint", 16384), ("HasExcludedNameConstraint", 32768), ("PartialChain", 65536),
    ("CtlNotTimeValid", 131072), ("CtlNotSignatureValid", 262144), ("CtlNotValidForUsage", 524288),
    ("HasWeakSignature", 1048576), ("OfflineRevocation", 16777216), ("NoIssuanceChainPolicy", 33554432),
    ("ExplicitDistrust", 67108864), ("HasNotSupportedCriticalExtension", 134217728)], flags=True)
# Set-CsCertificate -Type: Microsoft.Rtc.Management.Deployment.CertType (the values its page lists).
CERT_TYPE = T.enum_type("Microsoft.Rtc.Management.Deployment.CertType",
                        [(name, index) for index, name in enumerate(certstore.CERT_TYPES)])

# Store names as the Cert: drive and X509Store(String, ...) take them -> the lab's store (None: a store Windows
# has that the lab keeps empty). StoreName.CertificateAuthority is the store "CA".
STORES = {"my": certstore.PERSONAL, "ca": certstore.INTERMEDIATE, "root": certstore.ROOT, "authroot": None,
          "trustedpeople": None, "trustedpublisher": None, "disallowed": None, "addressbook": None,
          "remote desktop": None, "request": None, "smartcardroot": None, "trust": None, "webhosting": None}
ENUM_STORE = {"certificateauthority": "ca"}
EKU = {"WebServer": [("Server Authentication", "1.3.6.1.5.5.7.3.1")],
       "Computer": [("Client Authentication", "1.3.6.1.5.5.7.3.2"), ("Server Authentication", "1.3.6.1.5.5.7.3.1")]}


def crypto_error(message):
    return T.DotNetError(CRYPTO_ERROR, message)


def _plain(password):
    if password is None:
        return ""
    if isinstance(password, T.SecureString):
        return password._plain  # pylint: disable=protected-access
    return V.to_string(password)


def _bytes(value):
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    return bytes(V.to_integer(b, "System.Byte") for b in V.enumerate_value(value))


def _argument(value, enum_type, name, method):
    """A .NET method argument converted to an enum parameter, or PowerShell's MethodArgumentConversionInvalidCastArgument
    ('Cannot convert argument "name", with value: "v", for "M" to type "T": "..."')."""
    try:
        return V.to_enum(value, enum_type)
    except PSRuntimeError as exc:
        raise PSRuntimeError(ErrorRecord(NetException(
            'Cannot convert argument "%s", with value: "%s", for "%s" to type "%s": "%s"' % (
                name, V.to_string(value), method, enum_type.full_name, exc.record.Exception.Message),
            "System.Management.Automation.MethodException"), "MethodArgumentConversionInvalidCastArgument")) from None


def _date(text):
    if isinstance(text, datetime.datetime):
        return text
    try:
        return datetime.datetime.strptime(str(text).rstrip("Z")[:19], "%Y-%m-%dT%H:%M:%S")
    except ValueError:
        return None


# --- X509 objects -------------------------------------------------------------------------------------------------

class DnsName(V.NetObject):
    """System.Security.Cryptography.X509Certificates.DnsNameRepresentation (an entry of DnsNameList)."""

    TYPE_NAME = "Microsoft.Powershell.Commands.DnsNameRepresentation"

    def __init__(self, name):
        self.Unicode = name
        self.Punycode = name

    def ToString(self):
        return self.Unicode


class EnhancedKeyUsage(V.NetObject):
    TYPE_NAME = "Microsoft.Powershell.Commands.EnhancedKeyUsageRepresentation"

    def __init__(self, friendly, oid):
        self.FriendlyName = friendly
        self.ObjectId = oid

    def ToString(self):
        return "%s (%s)" % (self.FriendlyName, self.ObjectId)


class PrivateKey(V.NetObject):
    """X509Certificate2.PrivateKey (an RSACryptoServiceProvider): CspKeyContainerInfo.Exportable says whether
    Export(Pfx) can include it."""

    TYPE_NAME = "System.Security.Cryptography.RSACryptoServiceProvider"

    def __init__(self, record):
        self.KeySize = record.get("key_size") or 2048
        self.CspKeyContainerInfo = V.PSObject([("Exportable", bool(record.get("exportable"))),
                                               ("MachineKeyStore", True)])


class X509Certificate2(V.NetObject):
    """A certificate: the lab record behind it, as the Cert: drive and the constructors give it."""

    TYPE_NAME = X509 + "X509Certificate2"
    TYPE_NAMES = (X509 + "X509Certificate2", X509 + "X509Certificate")

    def __init__(self, record, location=None, store=None):
        self.record = dict(record)
        self.Thumbprint = str(record.get("thumbprint") or "").upper()
        self.Subject = record.get("subject") or ""
        self.Issuer = record.get("issuer") or ""
        self.NotAfter = _date(record.get("not_after"))
        self.NotBefore = _date(record.get("not_before") or "2020-01-01T00:00:00Z")
        self.HasPrivateKey = bool(record.get("private_key"))
        self.PrivateKey = PrivateKey(record) if self.HasPrivateKey else None
        self.FriendlyName = record.get("friendly_name") or ""
        self.DnsNameList = [DnsName(name) for name in record.get("sans") or []]
        self.EnhancedKeyUsageList = [EnhancedKeyUsage(f, o) for f, o in EKU.get(record.get("template"), [])]
        self.Extensions = []
        self.RawData = list(pfx.der(record))
        self.SerialNumber = self.Thumbprint[:16]
        if location and store:
            self.PSParentPath = "Microsoft.PowerShell.Security\\Certificate::%s\\%s" % (location, store)
            self.PSPath = "%s\\%s" % (self.PSParentPath, self.Thumbprint)
            self.PSChildName = self.Thumbprint
            self.PSIsContainer = False

    def GetCertHashString(self):
        return self.Thumbprint

    def GetNameInfo(self, kind, for_issuer):
        name = self.Issuer if V.to_bool(for_issuer) else self.Subject
        return name.split(",", 1)[0].split("=", 1)[-1]

    def Export(self, content_type, password=None):
        """X509Certificate2.Export: Cert gives the DER encoding (no key); Pfx/Pkcs12 a PFX with the private key when
        the certificate has one. A key not marked exportable fails with CryptographicException ("Key not valid for
        use in specified state."); a certificate without a key exports as a PFX of the certificate alone."""
        kind = _argument(content_type, CONTENT_TYPE, "contentType", "Export")
        if kind.number == 1:
            return list(pfx.der(self.record))
        if kind.number != 3:
            raise crypto_error("lab: X509Certificate2.Export(%s) is not modelled" % kind.ToString())
        if self.HasPrivateKey and not self.record.get("exportable"):
            raise crypto_error("Key not valid for use in specified state.\r\n")
        record = self.record if self.HasPrivateKey else dict(self.record, private_key="", exportable=True)
        return list(pfx.export(record, _plain(password)))

    def Reset(self):
        return None

    def Dispose(self):
        return None

    def Equals(self, other):
        return isinstance(other, X509Certificate2) and other.Thumbprint == self.Thumbprint


def load_certificate(data, password, flags=None):
    """The certificate in `data` (a lab PFX or DER/PEM file) as X509Certificate2(Byte[], password, flags) opens it.
    The key storage flags decide what happens to the private key (X509KeyStorageFlags): without Exportable the key
    cannot be exported later; without MachineKeySet it goes to the user's key store and without PersistKeySet it is
    not persisted, so a LocalMachine store the certificate is added to holds no usable key (recorded as none)."""
    flags = _argument(flags if flags is not None else 0, KEY_FLAGS, "keyStorageFlags", "X509Certificate2").number
    text = data[:64].decode("utf-8", "replace")
    try:
        if '"body"' in text or '"mac"' in text:
            record = pfx.load(data, _plain(password))
        else:
            record = pfx.load_cer(data)
    except PSError as exc:
        message = exc.message.split(" (", 1)[0]
        raise crypto_error(message + "\r\n") from None
    if record.get("private_key"):
        record["exportable"] = bool(flags & 4)
        if not (flags & 2 and flags & 16):
            record["key_lost_on_store"] = True
    record.setdefault("usages", [])
    return record


class ChainPolicy(V.NetObject):
    TYPE_NAME = X509 + "X509ChainPolicy"

    def __init__(self):
        self.RevocationMode = REVOCATION_MODE.value("Online")
        self.RevocationFlag = REVOCATION_FLAG.value("ExcludeRoot")
        self.UrlRetrievalTimeout = datetime.timedelta(0)
        self.VerificationFlags = 0

    def set_member(self, name, value):
        kinds = {"RevocationMode": REVOCATION_MODE, "RevocationFlag": REVOCATION_FLAG}
        if name in kinds:
            value = V.to_enum(value, kinds[name])
        elif name == "UrlRetrievalTimeout":
            value = V.convert(value, "System.TimeSpan") if not isinstance(value, datetime.timedelta) else value
        setattr(self, name, value)


class ChainStatus(V.NetObject):
    TYPE_NAME = X509 + "X509ChainStatus"

    def __init__(self, label, information):
        self.Status = CHAIN_STATUS.value(label)
        self.StatusInformation = information


class ChainElement(V.NetObject):
    TYPE_NAME = X509 + "X509ChainElement"

    def __init__(self, certificate):
        self.Certificate = certificate
        self.ChainElementStatus = []
        self.Information = ""


class X509Chain(V.NetObject):
    """X509Chain(useMachineContext): Build finds the issuers in the host's CA and Root stores (certstore.build_chain);
    a chain that does not end in a trusted root returns $false with PartialChain. Revocation is checked unless
    ChainPolicy.RevocationMode is NoCheck; the lab's CAs publish no reachable CRL, so a check ends in
    RevocationStatusUnknown and OfflineRevocation and Build returns $false."""

    TYPE_NAME = X509 + "X509Chain"

    def __init__(self, record, machine=False):
        self._host = record
        self.machine = V.to_bool(machine)
        self.ChainPolicy = ChainPolicy()
        self.ChainElements = []
        self.ChainStatus = []

    def Build(self, certificate):
        if not isinstance(certificate, X509Certificate2):
            raise T.DotNetError("System.ArgumentException", "Invalid handle.")
        record = certificate.record
        chain = certstore.build_chain(self._host, record)
        built, statuses = certstore.chain_status(self._host, record)
        self.ChainElements = [ChainElement(certificate)] + [ChainElement(X509Certificate2(c)) for c in chain]
        status = [ChainStatus(s, "The certificate chain could not be built to a trusted root authority.")
                  for s in statuses]
        if self.ChainPolicy.RevocationMode.number != 0:
            status += [ChainStatus("RevocationStatusUnknown", "The revocation function was unable to check "
                                   "revocation for the certificate."),
                       ChainStatus("OfflineRevocation", "The revocation function was unable to check revocation "
                                   "because the revocation server was offline.")]
            built = False
        self.ChainStatus = status
        return bool(built)

    def Reset(self):
        self.ChainElements = []
        self.ChainStatus = []

    def Dispose(self):
        self.Reset()


def _store_key(name):
    if isinstance(name, V.EnumValue):
        name = name.ToString()
    lower = V.to_string(name).lower()
    return ENUM_STORE.get(lower, lower)


class X509Store(V.NetObject):
    """X509Store(storeName, storeLocation) over the host's stores. LocalMachine's My, CA and Root are the lab's
    certstore stores; the CurrentUser stores belong to the connection's user profile (record["user_certificates"]),
    which no Lync service reads."""

    TYPE_NAME = X509 + "X509Store"

    def __init__(self, record, name="My", location="CurrentUser"):
        self._host = record
        self.Name = V.to_string(name.ToString() if isinstance(name, V.EnumValue) else name)
        if isinstance(name, V.EnumValue) and name.enum_type is STORE_NAME and name.ToString() == "CertificateAuthority":
            self.Name = "CA"
        self.Location = _argument(location, STORE_LOCATION, "storeLocation", "X509Store")
        self.opened = None

    @property
    def Certificates(self):  # pylint: disable=invalid-name
        return [X509Certificate2(c) for c in self._records()]

    def _records(self):
        if self.Location.number == 1:
            return [c for c in self._host.get("user_certificates", []) if c.get("store", "").lower() == self.Name.lower()]
        store = STORES.get(_store_key(self.Name))
        return certstore.in_store(self._host, store) if store else []

    def Open(self, flags):
        self.opened = _argument(flags, OPEN_FLAGS, "flags", "Open")

    def _writable(self):
        if self.opened is None:
            raise crypto_error("The store is not open.\r\n")  # lab wording
        if not self.opened.number & 1 and not self.opened.number & 2:
            raise crypto_error("Access is denied.\r\n")

    def Add(self, certificate):
        """X509Store.Add: a certificate already there is replaced, keeping what the store knew about it (the lab's
        Lync usages)."""
        self._writable()
        record = dict(certificate.record)
        key_lost = record.pop("key_lost_on_store", False)
        if key_lost:
            record["private_key"] = None
        if self.Location.number == 1:
            users = self._host.setdefault("user_certificates", [])
            users[:] = [c for c in users if not (c.get("store") == self.Name and c["thumbprint"] == record["thumbprint"])]
            users.append(dict(record, store=self.Name))
            return
        key = _store_key(self.Name)
        if key not in STORES:
            raise crypto_error("lab: no certificate store LocalMachine\\%s" % self.Name)
        if STORES[key] is None:
            raise crypto_error("lab: LocalMachine\\%s is kept empty in the lab" % self.Name)
        old = certstore.find(self._host, record["thumbprint"], STORES[key])
        if old is not None:
            record["usages"] = list(old.get("usages", []))
        certstore.add(self._host, record, STORES[key])

    def Remove(self, certificate):
        self._writable()
        store = STORES.get(_store_key(self.Name))
        thumb = certificate.Thumbprint
        self._host["certificates"] = [c for c in self._host.get("certificates", [])
                                      if not (certstore.store_of(c) == store and c["thumbprint"].upper() == thumb)]

    def Close(self):
        self.opened = None

    def Dispose(self):
        self.opened = None


class X509Certificate2Collection(list, V.NetObject):
    """X509Certificate2Collection: Import(Byte[]|String, password, flags) adds the certificates a PFX holds."""

    TYPE_NAME = X509 + "X509Certificate2Collection"

    def __init__(self, engine, *items):
        super().__init__()
        self.engine = engine
        for item in items:
            self.extend(V.enumerate_value(item))

    def Import(self, data, password=None, flags=None):
        if isinstance(data, str):
            data = _read(self.engine, data)
        self.append(X509Certificate2(load_certificate(_bytes(data), password, flags)))

    def Add(self, certificate):
        self.append(certificate)
        return len(self) - 1


def _read(engine, path):
    ctx = engine.lab_session.ctx
    return dotnet_io(lambda: fsops.read_bytes(ctx, V.to_string(path)))


def _new_certificate(engine, data=None, password=None, flags=None):
    if data is None:
        return X509Certificate2({})
    if isinstance(data, str):
        data = _read(engine, data)
    return X509Certificate2(load_certificate(_bytes(data), password, flags))


# --- the Cert: drive ----------------------------------------------------------------------------------------------

class CertProvider:
    """Cert:\\<location>\\<store>\\<thumbprint> (about_Certificate_Provider): Test-Path, Get-Item, Get-ChildItem and
    Remove-Item on the host's stores. Provider paths are case-insensitive."""

    def __init__(self, ctx):
        self.ctx = ctx

    @staticmethod
    def parts(path):
        rest = path.split(":", 1)[1].strip("\\/")
        return [p for p in rest.replace("/", "\\").split("\\") if p]

    def resolve(self, path):
        """('root'|'location'|'store'|'cert', value) or None when the path does not exist."""
        parts = self.parts(path)
        if not parts:
            return ("root", None)
        location = {"localmachine": "LocalMachine", "currentuser": "CurrentUser"}.get(parts[0].lower())
        if location is None:
            return None
        if len(parts) == 1:
            return ("location", location)
        key = parts[1].lower()
        if key not in STORES:
            return None
        store = X509Store(self.ctx.record, parts[1], location)
        if len(parts) == 2:
            return ("store", store)
        if len(parts) > 3:
            return None
        found = next((c for c in store._records() if c["thumbprint"].upper() == parts[2].upper()), None)  # pylint: disable=protected-access
        if found is None:
            return None
        return ("cert", X509Certificate2(found, location, store.Name))

    def test_path(self, call, path):
        """fs.py's Test-Path for a Cert: path: [True/False] per -PathType (a certificate is a leaf)."""
        kind = V.to_string(call.args.get("PathType") or "Any").lower()
        found = self.resolve(path)
        if found is None:
            return [False]
        return [found[0] == "cert" if kind == "leaf" else found[0] != "cert" if kind == "container" else True]

    def get_item(self, call, path):
        found = self.resolve(path)
        if found is None:
            call.error("Cannot find path '%s' because it does not exist." % path,
                       "System.Management.Automation.ItemNotFoundException", "PathNotFound", "ObjectNotFound", path)
            return []
        return [found[1]] if found[0] in ("cert", "store") else [V.PSObject([("Location", found[1])])]

    def get_child_item(self, call, path, recurse=None):
        recurse = call.switch("Recurse") if recurse is None else recurse
        found = self.resolve(path)
        if found is None:
            call.error("Cannot find path '%s' because it does not exist." % path,
                       "System.Management.Automation.ItemNotFoundException", "PathNotFound", "ObjectNotFound", path)
            return []
        kind, value = found
        if kind == "cert":
            return [value]
        if kind == "store":
            return [X509Certificate2(c, value.Location.ToString(), value.Name)
                    for c in value._records()]  # pylint: disable=protected-access
        stores = [X509Store(self.ctx.record, name, value or "LocalMachine") for name in ("My", "CA", "Root")]
        if not recurse:
            return stores
        return stores + [c for s in stores for c in self.get_child_item(call, "Cert:\\%s\\%s" % (
            s.Location.ToString(), s.Name))]

    def remove_item(self, call, path):
        found = self.resolve(path)
        if found is None or found[0] != "cert":
            call.error("Cannot find path '%s' because it does not exist." % path,
                       "System.Management.Automation.ItemNotFoundException", "PathNotFound", "ObjectNotFound", path)
            return
        if call.should_process(path, "Remove certificate"):
            parts = self.parts(path)
            store = X509Store(self.ctx.record, parts[1], parts[0])
            store.Open("ReadWrite")
            store.Remove(found[1])


# --- install --------------------------------------------------------------------------------------------------------

def _type(session, name):
    """The session's (or the engine's) NetType `name`, or a new one for this session."""
    lower = name.lower()
    return session.engine.types.get(lower) or T.REGISTRY.get(lower) or session.net_type(name)


def _add_method(net_type, name, function):
    if name.lower() not in net_type.methods:
        net_type.method(name)(function)


def _add_command(session, command):
    if session.engine.commands.get(command.name) is None:
        session.command(command)


class FileStream(V.NetObject):
    TYPE_NAME = "System.IO.FileStream"

    def __init__(self, data, name):
        self.data = data
        self.Name = name
        self.Length = V.Long(len(data))

    def Dispose(self):
        return None

    def Close(self):
        return None


class HashAlgorithm(V.NetObject):
    """[System.Security.Cryptography.SHA256]::Create(): ComputeHash(Stream|Byte[]) -> Byte[]
    (https://learn.microsoft.com/dotnet/api/system.security.cryptography.hashalgorithm.computehash)."""

    TYPE_NAME = "System.Security.Cryptography.SHA256CryptoServiceProvider"
    TYPE_NAMES = (TYPE_NAME, "System.Security.Cryptography.SHA256", "System.Security.Cryptography.HashAlgorithm")

    def ComputeHash(self, data):
        raw = data.data if isinstance(data, FileStream) else _bytes(data)
        return list(hashlib.sha256(raw).digest())

    def Dispose(self):
        return None


class ModuleInfo(V.NetObject):
    TYPE_NAME = "System.Management.Automation.PSModuleInfo"

    def __init__(self, name):
        self.Name = name
        self.ModuleType = "Manifest"
        self.Path = "C:\\Program Files\\Common Files\\Skype for Business Server 2015\\Modules\\%s\\%s.psd1" % (name, name)

    def ToString(self):
        return self.Name


def install(session):  # pylint: disable=too-many-locals,too-many-statements
    ctx = session.ctx
    if not hasattr(session, "providers"):
        session.providers = {}
    provider = session.providers["cert"] = CertProvider(ctx)

    # .NET types
    for name in ("X509Certificate2", "X509Certificate", "X509Store", "X509Chain", "X509Certificate2Collection"):
        session.net_type(X509 + name)
    session.net_type(CRYPTO_ERROR)
    session.factory(X509 + "X509Certificate2", _constructor(_new_certificate, "X509Certificate2"))
    session.factory(X509 + "X509Store", _constructor(lambda e, name="My", location="CurrentUser": X509Store(
        ctx.record, name, location), "X509Store"))
    session.factory(X509 + "X509Chain", _constructor(lambda e, machine=False: X509Chain(ctx.record, machine), "X509Chain"))
    session.factory(X509 + "X509Certificate2Collection", _constructor(X509Certificate2Collection, "X509Certificate2Collection"))

    io_file = _type(session, "System.IO.File")
    _add_method(io_file, "ReadAllBytes", lambda e, path: list(_read(e, path)))
    _add_method(io_file, "WriteAllBytes", lambda e, path, data: dotnet_io(
        lambda: fsops.write_bytes(ctx, V.to_string(path), _bytes(data))) and None)
    _add_method(io_file, "OpenRead", lambda e, path: FileStream(_read(e, path), V.to_string(path)))
    _add_method(io_file, "Exists", lambda e, path: fsops.test_path(ctx, V.to_string(path)) and not fsops.test_path(
        ctx, V.to_string(path), container=True))

    @_add_method_deco(io_file, "Move")
    def move(e, source, target):
        source, target = V.to_string(source), V.to_string(target)
        if not fsops.test_path(ctx, source):
            raise T.DotNetError("System.IO.FileNotFoundException", "Could not find file '%s'." % source)
        if fsops.test_path(ctx, target):
            raise T.DotNetError("System.IO.IOException", "Cannot create a file when that file already exists.\r\n")
        if source.rsplit("\\", 1)[0].lower() == target.rsplit("\\", 1)[0].lower():
            dotnet_io(lambda: fsops.rename(ctx, source, target.rsplit("\\", 1)[-1]))
        else:
            dotnet_io(lambda: fsops.write_bytes(ctx, target, fsops.read_bytes(ctx, source)))
            dotnet_io(lambda: fsops.remove(ctx, source))

    convert = _type(session, "System.Convert")
    _add_method(convert, "ToBase64String", lambda e, data: base64.b64encode(_bytes(data)).decode("ascii"))
    _add_method(convert, "FromBase64String", lambda e, text: list(_from_base64(text)))
    sha = _type(session, "System.Security.Cryptography.SHA256")
    _add_method(sha, "Create", lambda e, name=None: HashAlgorithm())

    # Commands (the file system ones only when no area declared them)
    def new_item(call):
        kind = V.to_string(call.args.get("ItemType") or "").lower()
        out = []
        for path in V.enumerate_value(call.args.get("Path")):
            path = V.to_string(path)
            if call.args.get("Name") is not None:
                path = fsops.join(path, V.to_string(call.args["Name"]))
            if fsops.test_path(ctx, path) and not call.switch("Force"):
                call.error("An item with the specified name %s already exists." % path, "System.IO.IOException",
                           "DirectoryExist", "ResourceExists", path)
                continue
            if not call.should_process(path, "Create %s" % ("Directory" if kind == "directory" else "File")):
                continue
            try:
                if kind == "directory":
                    fsops.make_dirs(ctx, path)
                else:
                    fsops.write_bytes(ctx, path, V.to_string(call.args.get("Value") or "").encode("utf-8"))
            except PSError as exc:
                if kind == "directory" and call.switch("Force") and fsops.io_exception(exc):
                    continue  # -Force drops CreateDirectory's IOExceptions, as boundary/fs.py's New-Item says why
                call.error(exc.message, "System.UnauthorizedAccessException", exc.error_id, "PermissionDenied", path)
                continue
            from .fs import FileSystemInfo  # pylint: disable=import-outside-toplevel
            out.append(FileSystemInfo(path, fsops.locate(ctx, path).real))
        return out

    _add_command(session, Command("New-Item", [
        Param("Path", "System.String[]", position=0, mandatory=True, sets=("pathSet",), by_property=True),
        Param("Name", "System.String", mandatory=True, sets=("nameSet",), by_property=True),
        Param("ItemType", "System.String", by_property=True, aliases=("Type",)),
        Param("Value", "System.Object", pipeline=True, by_property=True, aliases=("Target",)),
        Param("Force", switch=True), Param("Credential", "System.Management.Automation.PSCredential")],
        new_item, should_process=True, default_set="pathSet", aliases=("ni",), module=MANAGEMENT))

    def remove_item(call):
        literal = call.args.get("LiteralPath")
        for path in V.enumerate_value(literal if literal is not None else call.args.get("Path")):
            path = V.to_string(path)
            if path.lower().startswith("cert:"):
                provider.remove_item(call, path)
                continue
            if not fsops.test_path(ctx, path):
                call.error("Cannot find path '%s' because it does not exist." % path,
                           "System.Management.Automation.ItemNotFoundException", "PathNotFound", "ObjectNotFound", path)
                continue
            if fsops.test_path(ctx, path, container=True) and not call.switch("Recurse") and any(
                    fsops.locate(ctx, path).real.iterdir()):
                call.error("The item at %s has children and the Recurse parameter was not specified." % path,
                           "System.IO.IOException", "RemoveItemIOError", "WriteError", path)
                continue
            if call.should_process(path, "Remove File"):
                try:
                    fsops.remove(ctx, path)
                except PSError as exc:
                    call.error(exc.message, "System.IO.IOException", exc.error_id, "WriteError", path)

    _add_command(session, Command("Remove-Item", [
        Param("Path", "System.String[]", position=0, mandatory=True, sets=("Path",), pipeline=True, by_property=True),
        Param("LiteralPath", "System.String[]", mandatory=True, sets=("LiteralPath",), by_property=True,
              aliases=("PSPath", "LP")),
        Param("Recurse", switch=True), Param("Force", switch=True), Param("Filter", "System.String"),
        Param("Include", "System.String[]"), Param("Exclude", "System.String[]"),
        Param("Credential", "System.Management.Automation.PSCredential")],
        remove_item, should_process=True, default_set="Path", aliases=("rm", "del", "ri", "erase", "rd", "rmdir"),
        module=MANAGEMENT))

    # Get-Module / Import-Module (https://learn.microsoft.com/powershell/module/microsoft.powershell.core/get-module,
    # import-module): the Lync or SkypeForBusiness module is there when the lab host has the Lync shell installed.
    installed = ctx.record.get("lync_module")

    def get_module(call):
        if not call.switch("ListAvailable"):
            return [ModuleInfo(n) for n in getattr(session, "imported_modules", [])]
        names = [V.to_string(n) for n in V.enumerate_value(call.args.get("Name"))] if call.args.get("Name") else None
        from ..engine import operators as O  # pylint: disable=import-outside-toplevel
        if installed and (names is None or any(V.to_bool(O.comparison("like", installed, n)) for n in names)):
            return [ModuleInfo(installed)]
        return []

    def import_module(call):
        for item in V.enumerate_value(call.args.get("Name") if call.args.get("Name") is not None
                                      else call.args.get("ModuleInfo")):
            name = item.Name if isinstance(item, ModuleInfo) else V.to_string(item)
            if not installed or name.lower() != str(installed).lower():
                call.error("The specified module '%s' was not loaded because no valid module file was found in any "
                           "module directory." % name, "System.IO.FileNotFoundException",
                           "Modules_ModuleNotFound,Microsoft.PowerShell.Commands.ImportModuleCommand",
                           "ResourceUnavailable", name)
                continue
            session.imported_modules = getattr(session, "imported_modules", []) + [installed]

    _add_command(session, Command("Get-Module", [
        Param("Name", "System.String[]", position=0, pipeline=True), Param("ListAvailable", switch=True),
        Param("All", switch=True), Param("Refresh", switch=True)], get_module, module="Microsoft.PowerShell.Core"))
    _add_command(session, Command("Import-Module", [
        Param("Name", "System.String[]", position=0, mandatory=True, sets=("Name",), pipeline=True),
        Param("ModuleInfo", "System.Management.Automation.PSModuleInfo[]", position=0, mandatory=True,
              sets=("ModuleInfo",), pipeline=True),
        Param("Force", switch=True), Param("Global", switch=True), Param("DisableNameChecking", switch=True)],
        import_module, default_set="Name", aliases=("ipmo",), module="Microsoft.PowerShell.Core"))

    _install_pki(session, ctx)
    if installed:
        _install_lync(session, ctx, installed)


def _constructor(function, type_name):
    """A New-Object factory whose .NET exceptions come out as PowerShell shows a failed constructor:
    'Exception calling ".ctor" with "N" argument(s): "..."' (MethodInvocationException); arguments that fit no
    constructor fail as 'Cannot find an overload for "<type>" and the argument count: "N".'."""
    def construct(engine, *args):
        try:
            inspect.signature(function).bind(engine, *args)
        except TypeError:
            raise T.overload_not_found(type_name, len(args)) from None
        try:
            return T.invoke(".ctor", lambda *a: function(engine, *a), list(args))
        except PSRuntimeError as exc:
            exc.record.FullyQualifiedErrorId = "ConstructorInvokedThrowException,Microsoft.PowerShell.Commands.NewObjectCommand"
            raise
    return construct


def _add_method_deco(net_type, name):
    def register(function):
        _add_method(net_type, name, function)
        return function
    return register


def _from_base64(text):
    try:
        return base64.b64decode(V.to_string(text), validate=True)
    except ValueError:
        raise T.DotNetError("System.FormatException", "The input is not a valid Base-64 string as it contains a "
                            "non-base 64 character, more than two padding characters, or an illegal character among "
                            "the padding characters.") from None


def _install_pki(session, ctx):
    """Export-PfxCertificate / Import-PfxCertificate (the PKI module, Windows Server 2012 and later)."""
    from .. import winhost  # pylint: disable=import-outside-toplevel
    provider = session.providers["cert"]

    def export_pfx(call):
        cert = call.args.get("Cert")
        if cert is None:
            found = provider.resolve(V.to_string(call.args.get("PFXData") or call.args.get("Path") or ""))
            cert = found[1] if found and found[0] == "cert" else None
        if not isinstance(cert, X509Certificate2):
            call.terminate("Cannot export: no certificate was found at the given path.",
                           "System.Management.Automation.ItemNotFoundException", "PathNotFound", "ObjectNotFound")
        if not cert.HasPrivateKey or not cert.record.get("exportable"):
            call.terminate("Cannot export non-exportable private key.", "System.ComponentModel.Win32Exception",
                           "System.ComponentModel.Win32Exception,Microsoft.CertificateServices.Commands."
                           "ExportPfxCertificate", "NotSpecified")
        path = V.to_string(call.args["FilePath"])
        if call.should_process(path, "Export-PfxCertificate"):
            dotnet_io(lambda: fsops.write_bytes(ctx, path, pfx.export(cert.record, _plain(call.args.get("Password")))))
            from .fs import FileSystemInfo  # pylint: disable=import-outside-toplevel
            return [FileSystemInfo(path, fsops.locate(ctx, path).real)]
        return []

    def import_pfx(call):
        path = V.to_string(call.args["FilePath"])
        try:
            record = load_certificate(fsops.read_bytes(ctx, path), call.args.get("Password"),
                                      2 | 16 | (4 if call.switch("Exportable") else 0))
        except (T.DotNetError, PSError) as exc:
            call.terminate(exc.message.strip(), CRYPTO_ERROR, "System.Security.Cryptography.CryptographicException,"
                           "Microsoft.CertificateServices.Commands.ImportPfxCertificate", "NotSpecified")
        target = V.to_string(call.args.get("CertStoreLocation") or "Cert:\\CurrentUser\\My")
        parts = CertProvider.parts(target)
        if call.should_process(target, "Import-PfxCertificate"):
            store = X509Store(ctx.record, parts[1] if len(parts) > 1 else "My", parts[0] if parts else "CurrentUser")
            store.Open("ReadWrite")
            store.Add(X509Certificate2(record))
        return [X509Certificate2(record)]

    if winhost.has_command(ctx.record, "Export-PfxCertificate") and tuple(
            int(x) for x in str(ctx.record.get("os", {}).get("version", "6.3")).split(".")[:2]) >= (6, 2):
        session.command(Command("Export-PfxCertificate", [
            Param("PFXData", "System.Object", mandatory=True, sets=("PFXData",), pipeline=True),
            Param("Cert", "System.Object", mandatory=True, sets=("CertificateObject",), pipeline=True),
            Param("FilePath", "System.String", position=1, mandatory=True),
            Param("Password", "System.Security.SecureString"),
            Param("ChainOption", "System.String"), Param("NoProperties", switch=True), Param("NoClobber", switch=True),
            Param("Force", switch=True), Param("ProtectTo", "System.String[]")],
            export_pfx, should_process=True, default_set="CertificateObject", module="PKI"))
        session.command(Command("Import-PfxCertificate", [
            Param("FilePath", "System.String", position=0, mandatory=True, pipeline=True, by_property=True),
            Param("CertStoreLocation", "System.String"), Param("Exportable", switch=True),
            Param("Password", "System.Security.SecureString")],
            import_pfx, should_process=True, module="PKI"))


def _install_lync(session, ctx, module):
    """Get-CsCertificate / Set-CsCertificate / Import-CsCertificate, declared from the reference, over certstore."""
    ref = reference.load(next(p for p in REFERENCES if os.path.exists(p)))

    class CertificateAssignment(V.NetObject):
        TYPE_NAME = "Microsoft.Rtc.Management.Deployment.CertificateReference"

        def __init__(self, use, thumb):
            self.Use = use
            self.Thumbprint = thumb
            cert = certstore.find(ctx.record, thumb)
            self.Subject = cert["subject"] if cert else None
            self.Issuer = cert["issuer"] if cert else None
            self.NotAfter = _date(cert["not_after"]) if cert else None
            self.AlternativeNames = list(cert.get("sans", [])) if cert else []

    def lab_call(call, action):
        try:
            return action()
        except PSError as exc:
            call.terminate(exc.message, "System.InvalidOperationException", exc.error_id, "InvalidOperation")
        return None

    def get_cs_certificate(call):
        identity = V.to_string(call.args.get("Identity") or "")
        if identity.lower() == "global":
            found = lab_call(call, lambda: certstore.global_assignments(ctx.state))
            return [CertificateAssignment(use, thumb) for use, thumb in sorted(found.items())]
        found = lab_call(call, lambda: cmdlets.get_cs_certificate(ctx.record))
        wanted = [V.to_string(t).lower() for t in V.enumerate_value(call.args.get("Type"))] if call.args.get("Type") else None
        return [CertificateAssignment(e["Use"], e["Thumbprint"]) for e in found
                if wanted is None or e["Use"].lower() in wanted]

    def set_cs_certificate(call):
        thumb = V.to_string(call.args.get("Thumbprint") or "").upper()
        uses = [V.to_string(e) for e in V.enumerate_value(call.args.get("Type"))]
        identity = V.to_string(call.args.get("Identity") or "") or None
        if not call.should_process(thumb, "Set-CsCertificate"):
            return []
        lab_call(call, lambda: certstore.set_certificate(ctx.record, uses, thumb, identity))
        if str(identity or "").lower() == "global":
            for use in uses:
                lab_call(call, lambda use=use: certstore.set_global(ctx.state, use, thumb))
        # The replica service has applied the CMS's global assignments by the time a server's own
        # certificates are assigned (Set-CsCertificate, -Identity: "Global certificates will automatically
        # be copied and distributed to the appropriate computers").
        certstore.replicate_global(ctx.state, ctx.host)
        return []

    def import_cs_certificate(call):
        path = V.to_string(call.args["Path"])
        data = lab_call(call, lambda: fsops.read_bytes(ctx, path))
        try:
            record = load_certificate(data, call.args.get("Password"),
                                      2 | 16 | (4 if call.switch("PrivateKeyExportable") else 0))
        except T.DotNetError as exc:
            call.terminate(exc.message.strip(), CRYPTO_ERROR, "CryptographicException", "InvalidOperation")
        if call.should_process(path, "Import-CsCertificate"):
            store = X509Store(ctx.record, "My", "LocalMachine")
            store.Open("ReadWrite")
            store.Add(X509Certificate2(record))
        return [X509Certificate2(record)]

    get_cmd = reference.command(ref, "Get-CsCertificate", get_cs_certificate, module=module)
    set_cmd = reference.command(ref, "Set-CsCertificate", set_cs_certificate, module=module)
    import_cmd = reference.command(ref, "Import-CsCertificate", import_cs_certificate, module=module)
    for command in (get_cmd, set_cmd):
        for param in command.params:
            if param.name == "Type":
                param.type = "Microsoft.Rtc.Management.Deployment.CertType[]"
    for command in (get_cmd, set_cmd, import_cmd):
        session.command(command)


def lab_json(data):
    """The lab document inside a PFX or .cer file (for tests)."""
    return json.loads(bytes(data).decode("utf-8"))
