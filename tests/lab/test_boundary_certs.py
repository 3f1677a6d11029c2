"""The certificate boundary (lync_lab/boundary/certs.py): the Cert: drive, the X509 types, the PKI and Lync
certificate cmdlets, each as its Microsoft page documents it, and the certificate payloads run through the
engine — with planted defects (edited copies of the payload text) that a lab test must catch.

Pages: about_Certificate_Provider
(https://learn.microsoft.com/powershell/module/microsoft.powershell.security/about/about_certificate_provider?view=powershell-5.1),
X509Certificate2 (https://learn.microsoft.com/dotnet/api/system.security.cryptography.x509certificates.x509certificate2),
X509KeyStorageFlags (https://learn.microsoft.com/dotnet/api/system.security.cryptography.x509certificates.x509keystorageflags),
X509ContentType (https://learn.microsoft.com/dotnet/api/system.security.cryptography.x509certificates.x509contenttype),
X509Store (https://learn.microsoft.com/dotnet/api/system.security.cryptography.x509certificates.x509store),
X509Chain (https://learn.microsoft.com/dotnet/api/system.security.cryptography.x509certificates.x509chain),
Set-CsCertificate (https://learn.microsoft.com/powershell/module/skypeforbusiness/set-cscertificate).
"""

import hashlib

import pytest

from lync_lab import boundary, certstore, content, fsops, pfx, seed, winps
from lync_lab.boundary.winpowershell import run as engine_run
from lync_lab.context import Context
from lync_lab.values import Secure

FE = "fe01.contoso.local"
PASSWORD = "Vault-Secret-1"
FOLDER = "C:\\LabExport"


def lab(topology="enterprise"):
    state, _files = seed.BUILDERS[topology]()
    return state


def context(state, name="test", host=FE, lab_dir=None):
    from lync_lab.state import Lab  # pylint: disable=import-outside-toplevel
    return Context(Lab(lab_dir / "state.json") if lab_dir else None, state, host, False, [], name)


def run(ctx, name, params, text=None):
    """Run payload `name` (or an edited copy of its text) through the engine on ctx's host."""
    return engine_run(boundary.open_session(ctx), text if text is not None else winps.payload_text(name), params,
                      False, 5)


def script(ctx, text):
    return boundary.open_session(ctx).engine.run(text)


def planted(name, old, new):
    """The payload's text with one defect planted (the original must contain `old` once)."""
    text = winps.payload_text(name)
    assert text.count(old) == 1, old
    return text.replace(old, new)


def thumbs(state, host=FE):
    return [c["thumbprint"].upper() for c in certstore.in_store(state["hosts"][host])]


def with_chain(state, host=FE):
    """host's first certificate issued by an intermediate whose root is trusted (LocalMachine\\CA and \\Root)."""
    record = state["hosts"][host]
    root = {"thumbprint": "A" * 40, "subject": "CN=Lab Root", "issuer": "CN=Lab Root", "not_after": "2040-01-01T00:00:00Z",
            "sans": [], "usages": [], "exportable": False, "private_key": None, "key_size": 4096}
    issuing = dict(root, thumbprint="B" * 40, subject="CN=Lab Issuing", issuer="CN=Lab Root")
    certstore.add(record, root, certstore.ROOT)
    certstore.add(record, issuing, certstore.INTERMEDIATE)
    certstore.in_store(record)[0]["issuer"] = "CN=Lab Issuing"
    return issuing


# --- the engine's enums (about_Enum; the X509KeyStorageFlags and X509ContentType pages) -----------------------

def test_flags_enum_from_a_comma_separated_string(tmp_path):
    """about_Enum (flags): a string of labels separated by commas casts to their bitwise OR; the page of
    X509KeyStorageFlags gives MachineKeySet 2, Exportable 4, PersistKeySet 16."""
    ran = script(context(lab()), "$f = [System.Security.Cryptography.X509Certificates.X509KeyStorageFlags]"
                                 "'MachineKeySet, PersistKeySet, Exportable'\n"
                                 "$Ansible.Result = @{ n = [int]$f; s = [string]$f; e = ($f -eq 22) }")
    assert ran.result == {"n": 22, "s": "MachineKeySet, Exportable, PersistKeySet", "e": True}


def test_enum_label_that_does_not_exist_fails_as_powershell_says():
    ran = script(context(lab()), "[System.Security.Cryptography.X509Certificates.X509KeyStorageFlags]'MachineKeySet, Persist'")
    assert ran.error_messages == [
        'Cannot convert value "MachineKeySet, Persist" to type "System.Security.Cryptography.X509Certificates.'
        'X509KeyStorageFlags". Error: "Unable to match the identifier name Persist to a valid enumerator name. Specify '
        'one of the following enumerator names and try again: DefaultKeySet, UserKeySet, MachineKeySet, Exportable, '
        'UserProtected, PersistKeySet, EphemeralKeySet"']


def test_enum_static_member_and_synonym():
    """X509ContentType: Pfx and Pkcs12 are both 3 (the page lists them with the same value)."""
    ran = script(context(lab()), "$t = [System.Security.Cryptography.X509Certificates.X509ContentType]::Pkcs12\n"
                                 "$Ansible.Result = @{ pfx = ($t -eq 'Pfx'); n = [string][int]$t }")
    assert ran.result == {"pfx": True, "n": "3"}


# --- the Cert: drive ------------------------------------------------------------------------------------------

def test_cert_drive_items_and_tests():
    state = lab()
    thumb = thumbs(state)[0]
    ran = script(context(state), (
        "$c = Get-Item -LiteralPath 'Cert:\\LocalMachine\\My\\%s'\n"
        "$Ansible.Result = @{ t = $c.Thumbprint; k = $c.HasPrivateKey; n = @(Get-ChildItem Cert:\\LocalMachine\\My).Count\n"
        "  leaf = Test-Path -LiteralPath 'Cert:\\LocalMachine\\My\\%s' -PathType Leaf; no = Test-Path 'Cert:\\LocalMachine\\My\\%s'\n"
        "  ca = Test-Path 'Cert:\\LocalMachine\\CA\\%s'; user = Test-Path 'Cert:\\CurrentUser\\My\\%s'\n"
        "  type = $c.GetType().FullName; path = $c.PSPath }") % (thumb, thumb, "0" * 40, thumb, thumb))
    assert ran.result == {"t": thumb, "k": True, "n": len(thumbs(state)), "leaf": True, "no": False, "ca": False,
                          "user": False, "type": "System.Security.Cryptography.X509Certificates.X509Certificate2",
                          "path": "Microsoft.PowerShell.Security\\Certificate::LocalMachine\\My\\" + thumb}


def test_get_item_of_a_missing_certificate_is_item_not_found():
    ran = script(context(lab()), "Get-Item -LiteralPath 'Cert:\\LocalMachine\\My\\%s'" % ("0" * 40))
    assert ran.error_messages == ["Cannot find path 'Cert:\\LocalMachine\\My\\%s' because it does not exist." % ("0" * 40)]


# --- X509Certificate2.Export and the constructor ---------------------------------------------------------------

def test_export_pfx_without_an_exportable_key_is_a_cryptographic_exception():
    state = lab()
    cert = certstore.in_store(state["hosts"][FE])[0]
    cert["exportable"] = False
    ran = script(context(state), "$c = Get-Item 'Cert:\\LocalMachine\\My\\%s'\n"
                                 "try { $c.Export('Pfx', 'x') } catch { $Ansible.Result = @{ t = $_.Exception.InnerException.GetType().FullName"
                                 "; m = $_.Exception.Message } }" % cert["thumbprint"])
    assert ran.result == {"t": "System.Security.Cryptography.CryptographicException",
                          "m": 'Exception calling "Export" with "2" argument(s): "Key not valid for use in specified state.\r\n"'}


def test_a_certificate_without_its_key_exports_a_pfx_that_holds_no_key():
    """.NET exports what the certificate has: Export(Pfx) of a certificate without a private key succeeds, and the
    PFX opened again has HasPrivateKey $false."""
    state = lab()
    cert = certstore.in_store(state["hosts"][FE])[0]
    cert["private_key"] = None
    ran = script(context(state), (
        "$c = Get-Item 'Cert:\\LocalMachine\\My\\%s'\n$b = $c.Export('Pfx', 'pw')\n"
        "$o = New-Object System.Security.Cryptography.X509Certificates.X509Certificate2($b, 'pw', 'MachineKeySet, PersistKeySet')\n"
        "$Ansible.Result = @{ k = $o.HasPrivateKey; t = $o.Thumbprint }") % cert["thumbprint"])
    assert ran.result == {"k": False, "t": cert["thumbprint"].upper()}


def test_new_object_with_a_byte_array_needs_the_unary_comma(tmp_path):
    """-ArgumentList $bytes passes each byte as an argument (New-Object's page: "-ArgumentList (,$bytes)")."""
    state = lab()
    cer = list(pfx.der(certstore.in_store(state["hosts"][FE])[0]))
    ctx = context(state, lab_dir=tmp_path)
    session = boundary.open_session(ctx)
    fsops_path = "C:\\t\\a.cer"
    ctx_files(ctx, {fsops_path: bytes(cer)})
    ok = session.engine.run("$b = [System.IO.File]::ReadAllBytes('%s')\n$c = New-Object -TypeName "
                            "System.Security.Cryptography.X509Certificates.X509Certificate2 -ArgumentList (, $b)\n"
                            "$Ansible.Result = $c.Thumbprint" % fsops_path)
    assert ok.result == certstore.in_store(state["hosts"][FE])[0]["thumbprint"].upper()
    bad = boundary.open_session(ctx).engine.run(
        "$b = [System.IO.File]::ReadAllBytes('%s')\nNew-Object -TypeName "
        "System.Security.Cryptography.X509Certificates.X509Certificate2 -ArgumentList $b" % fsops_path)
    assert bad.error_messages == ['Cannot find an overload for "X509Certificate2" and the argument count: "%d".' % len(cer)]


def ctx_files(ctx, files):
    for path, data in files.items():
        fsops.write_bytes(ctx, path, data)


# --- X509Store and X509Chain -------------------------------------------------------------------------------------

def test_store_add_needs_an_open_writable_store(tmp_path):
    state = lab()
    ctx = context(state, lab_dir=tmp_path)
    ctx_files(ctx, {"C:\\t\\a.cer": pfx.der(dict(certstore.in_store(state["hosts"][FE])[0], thumbprint="C" * 40))})
    ran = script(ctx, "$c = New-Object System.Security.Cryptography.X509Certificates.X509Certificate2('C:\\t\\a.cer')\n"
                      "$s = New-Object System.Security.Cryptography.X509Certificates.X509Store('CA', 'LocalMachine')\n"
                      "$s.Open('ReadOnly')\ntry { $s.Add($c) } catch { $Ansible.Result = $_.Exception.InnerException.Message }\n"
                      "$s.Open('ReadWrite'); $s.Add($c); $s.Close()")
    assert ran.result == "Access is denied.\r\n"
    assert certstore.find(state["hosts"][FE], "C" * 40, certstore.INTERMEDIATE) is not None


def test_store_location_enum_refuses_a_wrong_name():
    ran = script(context(lab()), "New-Object System.Security.Cryptography.X509Certificates.X509Store('My', 'LocalComputer')")
    assert ran.error_messages[0].startswith(
        'Cannot convert argument "storeLocation", with value: "LocalComputer", for "X509Store" to type '
        '"System.Security.Cryptography.X509Certificates.StoreLocation": "Cannot convert value "LocalComputer" to type')


def test_chain_build_with_and_without_revocation_check():
    state = lab()
    issuing = with_chain(state)
    thumb = thumbs(state)[0]
    text = ("$c = Get-Item 'Cert:\\LocalMachine\\My\\%s'\n$ch = New-Object System.Security.Cryptography.X509Certificates.X509Chain($true)\n"
            "%s$b = $ch.Build($c)\n$Ansible.Result = @{ b = $b; s = @($ch.ChainStatus | ForEach-Object { [string]$_.Status })\n"
            "  e = @($ch.ChainElements | ForEach-Object { $_.Certificate.Thumbprint }) }")
    nocheck = script(context(state), text % (thumb, "$ch.ChainPolicy.RevocationMode = 'NoCheck'\n"))
    assert nocheck.result == {"b": True, "s": [], "e": [thumb, issuing["thumbprint"], "A" * 40]}
    online = script(context(state), text % (thumb, ""))
    assert online.result["b"] is False and online.result["s"] == ["RevocationStatusUnknown", "OfflineRevocation"]


# --- Lync certificate cmdlets, declared from the reference ----------------------------------------------------------

def test_set_cscertificate_type_binds_to_cert_type():
    state = lab()
    ran = script(context(state), "Set-CsCertificate -Type NotAType -Thumbprint '%s'" % thumbs(state)[0])
    assert ran.error_messages[0].startswith("Cannot bind parameter 'Type'. Cannot convert value \"NotAType\" to type "
                                            "\"Microsoft.Rtc.Management.Deployment.CertType\"")


def test_set_cscertificate_thumbprint_set_does_not_need_identity():
    """Set-CsCertificate: -Identity is mandatory in the Path set only (the reference's required_in)."""
    state = lab()
    ran = script(context(state), "Set-CsCertificate -Type Default -Thumbprint '%s' -Confirm:$false" % thumbs(state)[0])
    assert ran.error_messages == [] and "Default" in certstore.in_store(state["hosts"][FE])[0]["usages"]


def test_lync_cmdlets_and_export_cscertificate_are_not_recognized_without_the_shell():
    state = lab()
    state["hosts"][FE]["lync_module"] = None
    ran = script(context(state), "Get-CsCertificate")
    assert ran.error_messages[0].startswith("The term 'Get-CsCertificate' is not recognized")
    ran = script(context(lab()), "Export-CsCertificate -Path C:\\x.pfx")
    assert ran.error_messages[0].startswith("The term 'Export-CsCertificate' is not recognized")


# --- the payloads, and planted defects --------------------------------------------------------------------------

def probe(state, text=None, intermediates=()):
    return run(context(state, "lync_cert_probe"), "lync_cert_probe",
               {"Thumbprints": [t.lower() for t in thumbs(state)], "Intermediates": list(intermediates)}, text)


def test_probe_reports_present_certificates_and_usages():
    state = lab()
    issuing = with_chain(state)
    ran = probe(state, intermediates=[issuing["thumbprint"]])
    assert not ran["failed"], ran["error"]
    result = ran["result"]
    assert [p["Thumbprint"] for p in result["Present"]] == thumbs(state)
    assert all(p["HasPrivateKey"] for p in result["Present"]) and result["PresentCA"] == [issuing["thumbprint"]]
    assert result["LyncShell"] == "Lync" and result["AssignedErrors"] == []
    assert all(a["InMy"] for a in result["Assigned"])
    assert {(a["Use"], a["Scope"]) for a in result["Assigned"]} >= {("Default", "local"), ("OAuthTokenIssuer", "global")}


@pytest.mark.parametrize("old,new,check", [
    # a wrong store location: the certificates are in LocalMachine, not in the connection's user profile
    ("('Cert:\\LocalMachine\\My\\{0}' -f $thumb.ToUpperInvariant())", "('Cert:\\CurrentUser\\My\\{0}' -f $thumb.ToUpperInvariant())",
     lambda r: r["result"]["Present"] == []),
    # a wrong .NET member reads as $null: no private key reported
    ("HasPrivateKey = [bool]$cert.HasPrivateKey", "HasPrivateKey = [bool]$cert.PrivateKeyExists",
     lambda r: not any(p["HasPrivateKey"] for p in r["result"]["Present"])),
    # intermediates looked up in the Root store
    ("'Cert:\\LocalMachine\\CA\\{0}'", "'Cert:\\LocalMachine\\Root\\{0}'", lambda r: r["result"]["PresentCA"] == []),
    # a typo'd variable in the local read: its usages never reach the result
    ("            $assigned += @{ Use = [string]$entry.Use; Thumbprint = $thumb; Scope = 'local'",
     "            $asigned += @{ Use = [string]$entry.Use; Thumbprint = $thumb; Scope = 'local'",
     lambda r: not any(a["Scope"] == "local" for a in r["result"]["Assigned"])),
])
def test_planted_defects_in_the_probe_are_seen(old, new, check):
    state = lab()
    issuing = with_chain(state)
    assert not check(probe(state, intermediates=[issuing["thumbprint"]]))
    assert check(probe(state, planted("lync_cert_probe", old, new), intermediates=[issuing["thumbprint"]]))


def test_old_probe_text_fails_when_the_global_read_fails():
    """Issue 9 (1a7fef5): `Get-CsCertificate -Identity 'global' -ErrorAction SilentlyContinue` — -ErrorAction does not
    silence a terminating error (about_CommonParameters), so a CMS that cannot be read failed the whole probe."""
    old = ("$module = Get-Module -ListAvailable -Name 'SkypeForBusiness', 'Lync' | Select-Object -First 1\n"
           "$assigned = @()\nif ($module) {\n    Import-Module $module\n"
           "    foreach ($entry in @(Get-CsCertificate -Identity 'global' -ErrorAction SilentlyContinue)) {\n"
           "        $assigned += @{ Use = [string]$entry.Use }\n    }\n}\n$Ansible.Result = @{ Assigned = $assigned }\n")
    state = lab()
    state["ad"]["scp"] = None
    ran = engine_run(boundary.open_session(context(state)), "$ErrorActionPreference = 'Stop'\n" + old, {}, False, 2)
    assert ran["failed"] and "Cannot find the Central Management store" in ran["error"][0]["exception"]["message"]
    now = probe(state)
    assert not now["failed"] and now["result"]["AssignedErrors"][0].startswith("Get-CsCertificate -Identity global: ")


def export(state, tmp_path, text=None, wanted=None):
    ctx = context(state, "lync_cert_export", lab_dir=tmp_path)
    ran = run(ctx, "lync_cert_export", {"TargetFolder": FOLDER, "Password": Secure(PASSWORD),
                                        "Thumbprints": wanted if wanted is not None else thumbs(state)}, text)
    return ctx, ran


def import_back(ctx, state, exported, text=None):
    """Wipe the host's Personal store and run lync_cert_import on the exported PFX files."""
    record = state["hosts"][FE]
    record["certificates"] = [c for c in record["certificates"] if certstore.store_of(c) != certstore.PERSONAL]
    wanted = [{"Thumbprint": e["Thumbprint"], "Path": FOLDER + "\\" + e["Name"], "Sha256": e["Sha256"]}
              for e in exported if e["Name"]]
    return run(context(state, "lync_cert_import", lab_dir=ctx.lab.dir),
               "lync_cert_import", {"Certificates": wanted, "Password": Secure(PASSWORD)}, text)


def test_export_then_import_round_trip(tmp_path):
    state = lab()
    issuing = with_chain(state)
    ctx, ran = export(state, tmp_path)
    assert not ran["failed"], ran["error"]
    first = ran["result"]["Certificates"][0]
    assert first["Exportable"] and first["ChainWarning"] is None and first["ChainStatus"] == []
    assert [c["Thumbprint"] for c in first["Chain"]] == [issuing["thumbprint"], "A" * 40]
    data = fsops.read_bytes(ctx, FOLDER + "\\" + first["Name"])
    assert hashlib.sha256(data).hexdigest().upper() == first["Sha256"] and len(data) == first["Bytes"]
    assert not fsops.test_path(ctx, FOLDER + "\\" + first["Name"] + ".partial")
    back = import_back(ctx, state, ran["result"]["Certificates"])
    assert not back["failed"], back["error"]
    assert sorted(back["result"]["Imported"]) == sorted(thumbs(state))
    stored = certstore.in_store(state["hosts"][FE])
    assert all(c["private_key"] and c["exportable"] for c in stored)


@pytest.mark.parametrize("old,new", [
    # the PFX exported without its private key (X509ContentType.Cert: the DER certificate alone)
    ("X509ContentType]::Pfx, $Password)", "X509ContentType]::Cert, $Password)"),
    # a wrong enum value: [X509ContentType]::Pkcs does not exist and reads as $null
    ("X509ContentType]::Pfx, $Password)", "X509ContentType]::Pkcs, $Password)"),
    # a typo'd variable: the password never reaches Export, the PFX is protected by an empty one
    ("X509ContentType]::Pfx, $Password)", "X509ContentType]::Pfx, $Pasword)"),
])
def test_planted_export_defects_fail_the_round_trip(tmp_path, old, new):
    state = lab()
    ctx, ran = export(state, tmp_path, planted("lync_cert_export", old, new))
    entries = ran["result"]["Certificates"] if not ran["failed"] else []
    if entries and all(e["Exportable"] for e in entries):
        back = import_back(ctx, state, entries)
        assert back["failed"]  # the import refuses what the export wrote
    else:
        assert ran["failed"] or not all(e["Exportable"] for e in entries)


def test_a_pfx_exported_without_its_private_key_fails_the_import(tmp_path):
    """The brief's case: a certificate whose key is not there exports a PFX of the certificate alone; the import
    refuses it (HasPrivateKey is $false), naming the file."""
    state = lab()
    certstore.in_store(state["hosts"][FE])[0]["private_key"] = None
    ctx, ran = export(state, tmp_path)
    assert all(e["Exportable"] for e in ran["result"]["Certificates"])
    back = import_back(ctx, state, ran["result"]["Certificates"])
    assert back["failed"] and "holds no private key for" in back["error"][0]["exception"]["message"]


def test_planted_chain_defects_are_seen(tmp_path):
    state = lab()
    with_chain(state)
    _ctx, online = export(state, tmp_path, planted(
        "lync_cert_export", "        $chain.ChainPolicy.RevocationMode = [System.Security.Cryptography.X509Certificates."
        "X509RevocationMode]::NoCheck\n", ""))
    assert online["result"]["Certificates"][0]["ChainWarning"]  # the chain is reported broken
    _ctx, leaf = export(state, tmp_path, planted("lync_cert_export", "$chain.ChainElements | Select-Object -Skip 1 |",
                                                 "$chain.ChainElements |"))
    assert leaf["result"]["Certificates"][0]["Chain"][0]["Thumbprint"] == thumbs(state)[0]  # the leaf kept as a CA


@pytest.mark.parametrize("old,new,check", [
    # without Exportable the next backup cannot export the key again
    ("'MachineKeySet, PersistKeySet, Exportable'", "'MachineKeySet, PersistKeySet'",
     lambda state, r: not any(c["exportable"] for c in certstore.in_store(state["hosts"][FE]))),
    # without PersistKeySet the key is not kept with the stored certificate
    ("'MachineKeySet, PersistKeySet, Exportable'", "'MachineKeySet, Exportable'",
     lambda state, r: not any(c["private_key"] for c in certstore.in_store(state["hosts"][FE]))),
    # a wrong store location: the connection's user store, which no Lync service reads
    ("X509Store('My', 'LocalMachine')", "X509Store('My', 'CurrentUser')",
     lambda state, r: certstore.in_store(state["hosts"][FE]) == []),
    # a misspelt enum label fails the cast
    ("'MachineKeySet, PersistKeySet, Exportable'", "'MachineKeySet, PersistKeySet, Exportible'",
     lambda state, r: r["failed"] and "Unable to match the identifier name Exportible" in r["error"][0]["exception"]["message"]),
])
def test_planted_import_defects_are_seen(tmp_path, old, new, check):
    state = lab()
    ctx, ran = export(state, tmp_path)
    good = import_back(ctx, state, ran["result"]["Certificates"])
    assert not check(state, good)
    bad = import_back(ctx, state, ran["result"]["Certificates"], planted("lync_cert_import", old, new))
    assert check(state, bad)


def test_planted_intermediate_store_defect(tmp_path):
    """The intermediates go to LocalMachine\\CA; 'Root' would make them trusted roots."""
    state = lab()
    issuing = dict(content.certificate(FE, "Lab Issuing", [], []), private_key=None, exportable=False)
    ctx = context(state, "lync_cert_import", lab_dir=tmp_path)
    data = pfx.der(issuing)
    fsops.write_bytes(ctx, "C:\\t\\i.cer", data)
    params = {"Intermediates": [{"Thumbprint": issuing["thumbprint"], "Path": "C:\\t\\i.cer",
                                 "Sha256": hashlib.sha256(data).hexdigest()}]}
    good = run(ctx, "lync_cert_import", params)
    assert not good["failed"] and certstore.find(state["hosts"][FE], issuing["thumbprint"], certstore.INTERMEDIATE)
    state = lab()
    ctx = context(state, "lync_cert_import", lab_dir=tmp_path)
    bad = run(ctx, "lync_cert_import", params, planted("lync_cert_import", "-ArgumentList 'CA', 'LocalMachine'",
                                                       "-ArgumentList 'Root', 'LocalMachine'"))
    assert not bad["failed"]
    assert certstore.find(state["hosts"][FE], issuing["thumbprint"], certstore.INTERMEDIATE) is None


def test_old_export_text_records_a_null_usage():
    """Issue 9 (1a7fef5): `Usages = @($usages[$thumb])` for a certificate with no Lync usage is @($null) — one
    element, $null — which the set recorded as usages [null]."""
    old = ("$usages = @{}\n$thumb = 'ABC'\n$entry = @{ Thumbprint = $thumb; Usages = @($usages[$thumb]) }\n"
           "$Ansible.Result = @{ n = $entry.Usages.Count; first = $entry.Usages[0] }")
    ran = script(context(lab()), old)
    assert ran.result == {"n": 1, "first": None}


# --- the PKI module (Windows Server 2012 and later) -----------------------------------------------------------------

def test_export_and_import_pfxcertificate(tmp_path):
    """Export-PfxCertificate -Cert -FilePath -Password; Import-PfxCertificate -FilePath -CertStoreLocation -Password
    [-Exportable] (https://learn.microsoft.com/powershell/module/pki/export-pfxcertificate, .../import-pfxcertificate):
    without -Exportable the imported key cannot be exported again."""
    state = lab()
    ctx = context(state, lab_dir=tmp_path)
    thumb = thumbs(state)[0]
    ran = boundary.open_session(ctx).engine.run(
        "param($Password)\n$c = Get-Item 'Cert:\\LocalMachine\\My\\%s'\n"
        "$null = Export-PfxCertificate -Cert $c -FilePath C:\\t\\c.pfx -Password $Password\n"
        "Remove-Item -LiteralPath 'Cert:\\LocalMachine\\My\\%s'\n"
        "$i = Import-PfxCertificate -FilePath C:\\t\\c.pfx -CertStoreLocation Cert:\\LocalMachine\\My -Password $Password\n"
        "$Ansible.Result = @{ t = $i.Thumbprint; there = (Test-Path 'Cert:\\LocalMachine\\My\\%s') }" % (thumb, thumb, thumb),
        {"Password": Secure(PASSWORD)})
    assert ran.error_messages == [] and ran.result == {"t": thumb, "there": True}
    stored = certstore.find(state["hosts"][FE], thumb)
    assert stored["private_key"] and not stored["exportable"]


def test_pki_cmdlets_are_not_recognized_on_windows_server_2008_r2():
    state = lab()
    state["hosts"][FE]["os"]["version"] = "6.1.7601"
    ran = script(context(state), "Export-PfxCertificate -Cert $null -FilePath C:\\x.pfx")
    assert ran.error_messages[0].startswith("The term 'Export-PfxCertificate' is not recognized")
