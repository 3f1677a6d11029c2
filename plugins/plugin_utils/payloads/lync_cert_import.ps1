# lync-payload: lync_cert_import
# Puts certificates from a backup set back into LocalMachine\My: each PFX is checked
# against the SHA-256 the set's manifest recorded, opened with the vault password, must
# hold the expected certificate with its private key, and is stored with the key kept
# exportable (the next backup exports it again). The intermediate CA certificates of their
# chains (Base64 .cer files, checked the same way) go into LocalMachine\CA, the
# Intermediate Certification Authorities store. Then, where asked, assigns Lync usages
# with Set-CsCertificate (OAuthTokenIssuer at the global scope).
[CmdletBinding()]
param(
    [object[]]$Certificates = @(),
    [System.Security.SecureString]$Password,
    [object[]]$Intermediates = @(),
    [object[]]$Assignments = @()
)
$ErrorActionPreference = 'Stop'

function Get-Sha256([string]$Path) {
    # SHA-256 with .NET over a FileStream: Get-FileHash needs PowerShell 4.0 (Windows Server 2008 R2 has 3.0)
    $sha = New-Object -TypeName System.Security.Cryptography.SHA256CryptoServiceProvider
    $stream = [System.IO.File]::OpenRead($Path)
    try { $digest = $sha.ComputeHash($stream) } finally { $stream.Dispose(); $sha.Dispose() }
    [System.BitConverter]::ToString($digest).Replace('-', '')
}

$imported = @()
if ($Certificates.Count -gt 0) {
    $flags = [System.Security.Cryptography.X509Certificates.X509KeyStorageFlags]'MachineKeySet, PersistKeySet, Exportable'
    $store = New-Object System.Security.Cryptography.X509Certificates.X509Store('My', 'LocalMachine')
    $store.Open('ReadWrite')
    try {
        foreach ($wanted in $Certificates) {
            $thumb = ([string]$wanted.Thumbprint).ToUpperInvariant()
            $path = [string]$wanted.Path
            $hash = Get-Sha256 -Path $path
            if ($hash -ne ([string]$wanted.Sha256).ToUpperInvariant()) {
                throw ('{0} does not match the SHA-256 the backup set recorded; it was changed or damaged after the backup' -f $path)
            }
            $bytes = [System.IO.File]::ReadAllBytes($path)
            $cert = New-Object System.Security.Cryptography.X509Certificates.X509Certificate2($bytes, $Password, $flags)
            if ($cert.Thumbprint -ne $thumb) {
                throw ('{0} holds certificate {1}, not {2}' -f $path, $cert.Thumbprint, $thumb)
            }
            if (-not $cert.HasPrivateKey) {
                throw ('{0} holds no private key for {1}' -f $path, $thumb)
            }
            $store.Add($cert)
            $imported += $thumb
        }
    }
    finally {
        $store.Close()
    }
}

$importedChain = @()
if ($Intermediates.Count -gt 0) {
    $caStore = New-Object -TypeName System.Security.Cryptography.X509Certificates.X509Store -ArgumentList 'CA', 'LocalMachine'
    $caStore.Open('ReadWrite')
    try {
        foreach ($wanted in $Intermediates) {
            $thumb = ([string]$wanted.Thumbprint).ToUpperInvariant()
            $path = [string]$wanted.Path
            $hash = Get-Sha256 -Path $path
            if ($hash -ne ([string]$wanted.Sha256).ToUpperInvariant()) {
                throw ('{0} does not match the SHA-256 the backup set recorded; it was changed or damaged after the backup' -f $path)
            }
            $bytes = [System.IO.File]::ReadAllBytes($path)
            $ca = New-Object -TypeName System.Security.Cryptography.X509Certificates.X509Certificate2 -ArgumentList (, $bytes)
            if ($ca.Thumbprint -ne $thumb) {
                throw ('{0} holds certificate {1}, not {2}' -f $path, $ca.Thumbprint, $thumb)
            }
            $caStore.Add($ca)
            $importedChain += $thumb
        }
    }
    finally {
        $caStore.Close()
    }
}

$assigned = @()
if ($Assignments.Count -gt 0) {
    $module = Get-Module -ListAvailable -Name 'SkypeForBusiness', 'Lync' | Select-Object -First 1
    if (-not $module) { throw 'LYNC_SHELL_MISSING: neither the SkypeForBusiness nor the Lync module is installed' }
    Import-Module $module
    foreach ($assignment in $Assignments) {
        $thumb = ([string]$assignment.Thumbprint).ToUpperInvariant()
        if ([bool]$assignment.Global) {
            Set-CsCertificate -Identity 'global' -Type ([string]$assignment.Type) -Thumbprint $thumb -Confirm:$false
        }
        else {
            Set-CsCertificate -Type ([string]$assignment.Type) -Thumbprint $thumb -Confirm:$false
        }
        $assigned += @{ Type = [string]$assignment.Type; Thumbprint = $thumb; Global = [bool]$assignment.Global }
    }
}

$Ansible.Result = @{ Imported = $imported; ImportedChain = $importedChain; Assigned = $assigned }
