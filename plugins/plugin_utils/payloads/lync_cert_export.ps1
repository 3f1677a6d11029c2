# lync-payload: lync_cert_export
# Exports the certificates assigned to Lync usages on this server (Get-CsCertificate),
# with their private keys, as PFX files protected by a password (there is no
# Export-CsCertificate; this uses .NET's X509Certificate2.Export). A certificate whose
# private key is not exportable is reported, not skipped silently.
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)][string]$TargetFolder,
    [Parameter(Mandatory = $true)][System.Security.SecureString]$Password,
    [string[]]$Thumbprints = @()
)
$ErrorActionPreference = 'Stop'

$lyncModule = Get-Module -ListAvailable -Name 'SkypeForBusiness', 'Lync' | Select-Object -First 1
if (-not $lyncModule) { throw 'LYNC_SHELL_MISSING: neither the SkypeForBusiness nor the Lync module is installed' }
Import-Module $lyncModule

$usages = @{}
foreach ($assigned in @(Get-CsCertificate)) {
    $thumb = ([string]$assigned.Thumbprint).ToUpperInvariant()
    if (-not $usages.ContainsKey($thumb)) { $usages[$thumb] = @() }
    $usages[$thumb] += [string]$assigned.Use
}
$wanted = @(if ($Thumbprints.Count -gt 0) { $Thumbprints | ForEach-Object { $_.ToUpperInvariant() } } else { $usages.Keys | Sort-Object })
if (-not (Test-Path -LiteralPath $TargetFolder)) { $null = New-Item -ItemType Directory -Path $TargetFolder -Force }

$certificates = @()
foreach ($thumb in $wanted) {
    $entry = @{ Thumbprint = $thumb; Usages = @($usages[$thumb]); Exportable = $false; Name = $null; Bytes = 0
                Sha256 = $null; Error = $null; Subject = $null; Sans = @(); Issuer = $null; NotAfter = $null }
    $cert = Get-Item -LiteralPath "Cert:\LocalMachine\My\$thumb" -ErrorAction SilentlyContinue
    if (-not $cert) {
        $entry.Error = "certificate $thumb is assigned to Lync but is not in LocalMachine\My"
    }
    else {
        $entry.Subject = [string]$cert.Subject
        $entry.Sans = @($cert.DnsNameList | ForEach-Object { [string]$_.Unicode })
        $entry.Issuer = [string]$cert.Issuer
        $entry.NotAfter = $cert.NotAfter.ToUniversalTime().ToString('o')
        try {
            $bytes = $cert.Export([System.Security.Cryptography.X509Certificates.X509ContentType]::Pfx, $Password)
            $name = "$thumb.pfx"
            $path = Join-Path -Path $TargetFolder -ChildPath $name
            [System.IO.File]::WriteAllBytes($path, $bytes)
            $entry.Exportable = $true
            $entry.Name = $name
            $entry.Bytes = (Get-Item -LiteralPath $path).Length
            $entry.Sha256 = [string](Get-FileHash -LiteralPath $path -Algorithm SHA256).Hash
        }
        catch {
            $entry.Error = "the private key of $thumb cannot be exported: $($_.Exception.Message)"
        }
    }
    $certificates += $entry
}
$Ansible.Result = @{ Certificates = $certificates }
