# lync-payload: lync_backup_set_write_files
# Writes text files (UTF-8, no BOM) into a backup set, in the order given: each first
# under a temporary name, then renamed into place, so a reader never sees half a file.
# When a file carries an expected SHA-256 and what landed differs, it stops before the
# files after it (the manifest comes last, so a set is never closed over a bad file).
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)][string]$SetPath,
    [Parameter(Mandatory = $true)][hashtable[]]$Files
)
$ErrorActionPreference = 'Stop'

function Get-Sha256([string]$Path) {
    # Get-FileHash is PowerShell 4.0+; Lync Server 2013 on Windows Server 2008 R2 may have 3.0.
    $sha256 = [System.Security.Cryptography.SHA256]::Create()
    $stream = [System.IO.File]::OpenRead($Path)
    try {
        [System.BitConverter]::ToString($sha256.ComputeHash($stream)).Replace('-', '')
    }
    finally {
        $stream.Dispose()
        $sha256.Dispose()
    }
}

$encoding = New-Object -TypeName System.Text.UTF8Encoding -ArgumentList $false
$written = @()
foreach ($file in $Files) {
    $relative = [string]$file.Path
    if ($relative -match '(^[\\/])|(^[A-Za-z]:)|(\.\.)') { throw "not a path inside the set: $relative" }
    $target = Join-Path -Path $SetPath -ChildPath ($relative -replace '/', '\')
    $folder = Split-Path -Path $target -Parent
    if (-not (Test-Path -LiteralPath $folder)) { $null = New-Item -ItemType Directory -Path $folder -Force }
    $temp = "$target.tmp"
    [System.IO.File]::WriteAllText($temp, [string]$file.Content, $encoding)
    Move-Item -LiteralPath $temp -Destination $target -Force
    $hash = (Get-Sha256 $target)
    if ($file.Sha256 -and $hash -ne ([string]$file.Sha256).ToUpperInvariant()) {
        throw "LYNC_WRITE_MISMATCH: $relative landed with SHA-256 $hash, expected $($file.Sha256)"
    }
    $written += @{ Path = $relative; Bytes = (Get-Item -LiteralPath $target).Length; Sha256 = $hash }
}
$Ansible.Result = @{ Files = $written }
