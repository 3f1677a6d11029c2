# lync-payload: lync_cert_export
# Exports the named certificates of LocalMachine\My with their private keys, as PFX files
# protected by a password (there is no Export-CsCertificate; this uses .NET's
# X509Certificate2.Export), and returns the CA certificates above each one (X509Chain.Build,
# revocation not checked) as their DER bytes in Base64, for the controller to keep the
# intermediates. Which certificates, and which Lync usages they have, the controller decides
# (lync_cert_probe). A certificate whose private key is not exportable is reported
# (NotExportable), not skipped silently; a PFX that cannot be written is reported apart (WriteError).
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)][string]$TargetFolder,
    [Parameter(Mandatory = $true)][System.Security.SecureString]$Password,
    [string[]]$Thumbprints = @()
)
$ErrorActionPreference = 'Stop'

# Directory.CreateDirectory, not New-Item -Force, which drops I/O errors in Windows PowerShell 5.1 (review s9a, 5).
$null = [System.IO.Directory]::CreateDirectory($TargetFolder)

$certificates = @()
foreach ($wanted in $Thumbprints) {
    $thumb = $wanted.ToUpperInvariant()
    $entry = @{ Thumbprint = $thumb; Exportable = $false; Name = $null; Bytes = 0; Sha256 = $null; Error = $null
                NotExportable = $false; WriteError = $null; ChainStatus = @(); ChainWarning = $null
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
        # Machine context (the certificates of LocalMachine, not of the connection's user profile), revocation
        # not checked, and a short wait for any AIA download (X509ChainPolicy.UrlRetrievalTimeout, .NET 4.x).
        $chain = New-Object -TypeName System.Security.Cryptography.X509Certificates.X509Chain -ArgumentList $true
        $chain.ChainPolicy.RevocationMode = [System.Security.Cryptography.X509Certificates.X509RevocationMode]::NoCheck
        $chain.ChainPolicy.UrlRetrievalTimeout = [System.TimeSpan]::FromSeconds(5)
        $built = $chain.Build($cert)
        $entry.ChainStatus = @($chain.ChainStatus | ForEach-Object { [string]$_.Status })
        if (-not $built) {
            $entry.ChainWarning = ('its chain could not be built to a trusted root ({0}); the intermediates found are kept' -f ($entry.ChainStatus -join ', '))
        }
        $entry.Chain = @($chain.ChainElements | Select-Object -Skip 1 | ForEach-Object {
            @{ Thumbprint = [string]$_.Certificate.Thumbprint; Subject = [string]$_.Certificate.Subject
               Issuer = [string]$_.Certificate.Issuer; Der = [System.Convert]::ToBase64String($_.Certificate.RawData) }
        })
        $chain.Reset()
        # Only the export in this try: a key that cannot be exported is a CryptographicException
        # (wrapped in a MethodInvocationException by PowerShell); anything else stops the payload.
        $bytes = $null
        try {
            $bytes = $cert.Export([System.Security.Cryptography.X509Certificates.X509ContentType]::Pfx, $Password)
        }
        catch {
            $cause = $_.Exception
            if ($cause.InnerException) { $cause = $cause.InnerException }
            if (-not ($cause -is [System.Security.Cryptography.CryptographicException])) { throw }
            $entry.NotExportable = $true
            $entry.Error = ('the private key of {0} cannot be exported: {1}' -f $thumb, $cause.Message)
        }
        if ($bytes) {
            $name = '{0}.pfx' -f $thumb
            $path = Join-Path -Path $TargetFolder -ChildPath $name
            $partial = '{0}.partial' -f $path
            # SHA-256 of the exported bytes in memory (HashAlgorithm.ComputeHash(Byte[])), before the write: no read
            # back over the network; the close hashes what landed on the share and compares.
            $sha = New-Object -TypeName System.Security.Cryptography.SHA256CryptoServiceProvider
            try { $digest = $sha.ComputeHash($bytes) } finally { $sha.Dispose() }
            try {
                [System.IO.File]::WriteAllBytes($partial, $bytes)
                if (Test-Path -LiteralPath $path) { Remove-Item -LiteralPath $path -Force }
                [System.IO.File]::Move($partial, $path)
                $entry.Sha256 = [System.BitConverter]::ToString($digest).Replace('-', '')
                $entry.Bytes = $bytes.Length
                $entry.Exportable = $true
                $entry.Name = $name
            }
            catch {
                $entry.WriteError = ('{0} cannot be written: {1}' -f $path, $_.Exception.Message)
                $entry.Error = $entry.WriteError
            }
        }
    }
    $certificates += $entry
}
$Ansible.Result = @{ Certificates = $certificates }
