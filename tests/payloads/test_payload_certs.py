"""Static checks over the certificate payloads (issue 9, certfix), each with the defective text of
1a7fef5 it must flag.

* Get-CsCertificate under $ErrorActionPreference = 'Stop' outside try/catch stops the whole probe; and
  -ErrorAction SilentlyContinue "has no effect on terminating errors" (about_CommonParameters,
  https://learn.microsoft.com/powershell/module/microsoft.powershell.core/about/about_commonparameters).
* X509Chain.Build returns whether the chain reached a trusted root; its result must be read
  (https://learn.microsoft.com/dotnet/api/system.security.cryptography.x509certificates.x509chain.build),
  the chain built in the machine context (X509Chain(Boolean useMachineContext),
  https://learn.microsoft.com/dotnet/api/system.security.cryptography.x509certificates.x509chain.-ctor)
  with a bounded URL retrieval time (X509ChainPolicy.UrlRetrievalTimeout,
  https://learn.microsoft.com/dotnet/api/system.security.cryptography.x509certificates.x509chainpolicy.urlretrievaltimeout).
* X509Certificate2.Export throws CryptographicException for a key that cannot be exported
  (https://learn.microsoft.com/dotnet/api/system.security.cryptography.x509certificates.x509certificate.export):
  only the export may sit in the try that reports "cannot be exported".
"""

import pathlib

from lync_lab import psparse

PAYLOADS = pathlib.Path(__file__).resolve().parents[2] / "plugins" / "plugin_utils" / "payloads"
WRITES = {"writeallbytes", "move", "computehash", "openread"}


def text(name):
    return (PAYLOADS / (name + ".ps1")).read_text(encoding="utf-8")


def get_cscertificate_problems(script):
    found = ["line %d: %s outside try/catch" % c for c in psparse.commands_outside_try(script, ["Get-CsCertificate"])]
    found += ["line %d: Get-CsCertificate -ErrorAction SilentlyContinue" % c["line"]
              for c in psparse.commands(script) if c["name"].lower() == "get-cscertificate"
              and any(a["parameter"].lower() == "erroraction" for a in c["arguments"])]
    return found


def chain_problems(script):
    found = ["line %d: the result of X509Chain.Build is thrown away (%s)" % d
             for d in psparse.discarded_results(script, "Build")]
    if "X509Chain -ArgumentList $true" not in script:
        found.append("the X509Chain is not built in the machine context (-ArgumentList $true)")
    if "UrlRetrievalTimeout" not in script:
        found.append("X509ChainPolicy.UrlRetrievalTimeout is not set")
    return found


def export_try_problems(script):
    return ["line %d: the try around Export() also covers %s" % (b["line"], sorted(set(b["methods"]) & WRITES |
                                                                                   set(b["commands"]) & {"get-item", "get-filehash"}))
            for b in psparse.try_blocks(script)
            if "export" in b["methods"] and (set(b["methods"]) & WRITES or set(b["commands"]) & {"get-item", "get-filehash"})]


def test_the_probe_reads_certificate_assignments_in_try_catch():
    assert get_cscertificate_problems(text("lync_cert_probe")) == []


def test_the_export_reads_the_chain_build_result_in_machine_context():
    assert chain_problems(text("lync_cert_export")) == []


def test_only_the_export_is_in_the_not_exportable_try():
    assert export_try_problems(text("lync_cert_export")) == []


# The defective text of 1a7fef5 (and of main before this branch): the checks must flag it.
OLD_PROBE = r"""
$ErrorActionPreference = 'Stop'
$module = Get-Module -ListAvailable -Name 'SkypeForBusiness', 'Lync' | Select-Object -First 1
$assigned = @()
if ($module) {
    Import-Module $module
    foreach ($entry in @(Get-CsCertificate)) {
        $assigned += @{ Use = [string]$entry.Use; Thumbprint = ([string]$entry.Thumbprint).ToUpperInvariant(); Scope = 'local' }
    }
    foreach ($entry in @(Get-CsCertificate -Identity 'global' -ErrorAction SilentlyContinue)) {
        $assigned += @{ Use = [string]$entry.Use; Thumbprint = ([string]$entry.Thumbprint).ToUpperInvariant(); Scope = 'global' }
    }
}
"""

OLD_EXPORT = r"""
$ErrorActionPreference = 'Stop'
foreach ($wanted in $Thumbprints) {
    $cert = Get-Item -LiteralPath ('Cert:\LocalMachine\My\{0}' -f $thumb) -ErrorAction SilentlyContinue
    $chain = New-Object -TypeName System.Security.Cryptography.X509Certificates.X509Chain
    $chain.ChainPolicy.RevocationMode = [System.Security.Cryptography.X509Certificates.X509RevocationMode]::NoCheck
    $null = $chain.Build($cert)
    try {
        $bytes = $cert.Export([System.Security.Cryptography.X509Certificates.X509ContentType]::Pfx, $Password)
        $name = '{0}.pfx' -f $thumb
        $path = Join-Path -Path $TargetFolder -ChildPath $name
        [System.IO.File]::WriteAllBytes($path, $bytes)
        $entry.Bytes = (Get-Item -LiteralPath $path).Length
        $entry.Sha256 = [string](Get-FileHash -LiteralPath $path -Algorithm SHA256).Hash
    }
    catch {
        $entry.Error = ('the private key of {0} cannot be exported: {1}' -f $thumb, $_.Exception.Message)
    }
}
"""


def test_the_checks_flag_the_old_text():
    probe = get_cscertificate_problems(OLD_PROBE)
    assert len([p for p in probe if "outside try/catch" in p]) == 2 and any("SilentlyContinue" in p for p in probe)
    chain = chain_problems(OLD_EXPORT)
    assert len(chain) == 3
    assert len(export_try_problems(OLD_EXPORT)) == 1
