# lync-payload: lync_cert_export
# Exports the named certificates of LocalMachine\My with their private keys, as PFX files
# protected by a password (there is no Export-CsCertificate; this uses .NET's
# X509Certificate2.Export), and returns the CA certificates above each one (X509Chain.Build,
# revocation not checked) as their DER bytes in Base64, for the controller to keep the
# intermediates. Which certificates, and which Lync usages they have, the controller decides
# (lync_cert_probe). A certificate whose private key is not exportable is reported, not
# skipped silently.
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)][string]$TargetFolder,
    [Parameter(Mandatory = $true)][System.Security.SecureString]$Password,
    [string[]]$Thumbprints = @()
)
$ErrorActionPreference = 'Stop'

if (-not (Test-Path -LiteralPath $TargetFolder)) { $null = New-Item -ItemType Directory -Path $TargetFolder -Force }

$certificates = @()
foreach ($wanted in $Thumbprints) {
    $thumb = $wanted.ToUpperInvariant()
    $entry = @{ Thumbprint = $thumb; Exportable = $false; Name = $null; Bytes = 0; Sha256 = $null; Error = $null
                Subject = $null; Sans = @(); Issuer = $null; NotAfter = $null; Chain = @() }
    $cert = Get-Item -LiteralPath ('Cert:\LocalMachine\My\{0}' -f $thumb) -ErrorAction SilentlyContinue
    if (-not $cert) {
        $entry.Error = ('certificate {0} is not in LocalMachine\My' -f $thumb)
    }
    else {
        $entry.Subject = [string]$cert.Subject
        $entry.Sans = @($cert.DnsNameList | ForEach-Object { [string]$_.Unicode })
        $entry.Issuer = [string]$cert.Issuer
        $entry.NotAfter = $cert.NotAfter.ToUniversalTime().ToString('o')
        $chain = New-Object -TypeName System.Security.Cryptography.X509Certificates.X509Chain
        $chain.ChainPolicy.RevocationMode = [System.Security.Cryptography.X509Certificates.X509RevocationMode]::NoCheck
        $null = $chain.Build($cert)
        $entry.Chain = @($chain.ChainElements | Select-Object -Skip 1 | ForEach-Object {
            @{ Thumbprint = [string]$_.Certificate.Thumbprint; Subject = [string]$_.Certificate.Subject
               Issuer = [string]$_.Certificate.Issuer; Der = [System.Convert]::ToBase64String($_.Certificate.RawData) }
        })
        $chain.Reset()
        try {
            $bytes = $cert.Export([System.Security.Cryptography.X509Certificates.X509ContentType]::Pfx, $Password)
            $name = '{0}.pfx' -f $thumb
            $path = Join-Path -Path $TargetFolder -ChildPath $name
            [System.IO.File]::WriteAllBytes($path, $bytes)
            $entry.Exportable = $true
            $entry.Name = $name
            $entry.Bytes = (Get-Item -LiteralPath $path).Length
            $entry.Sha256 = [string](Get-FileHash -LiteralPath $path -Algorithm SHA256).Hash
        }
        catch {
            $entry.Error = ('the private key of {0} cannot be exported: {1}' -f $thumb, $_.Exception.Message)
        }
    }
    $certificates += $entry
}
$Ansible.Result = @{ Certificates = $certificates }
