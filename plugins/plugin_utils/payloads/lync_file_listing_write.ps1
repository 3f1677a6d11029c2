# lync-payload: lync_file_listing_write
# Writes the canonical listing of one file store's copy in a backup set into the set (ListingPath,
# listings\<store>.tsv; its folder is created) and returns only its summary: Files, FileBytes, and the Bytes and
# Sha256 of the listing text, with the first 20 read errors and their count. Nothing per file comes back, whatever
# the store holds (docs/architecture.md "Large stores"). The close runs it once per file store; verify runs the
# read-only twin lync_file_listing, whose enumeration, order, hashing and text are the same lines as here
# (tests/lab/test_file_listing.py holds both to backup_set.listing_text, byte for byte).
# The text (docs/backup-set.md, "Listings"): one line per file, "<SHA-256, 64 upper-case hex>`t<bytes>`t<path
# relative to Path, '/'-separated>`n", UTF-8 without a BOM, lines in ordinal order of the path
# (StringComparer.Ordinal: UTF-16 code units, what the controller's Python reproduces). Windows forbids characters
# 1-31 (tab, line feed) in file names ("Naming Files, Paths, and Namespaces",
# https://learn.microsoft.com/windows/win32/fileio/naming-a-file), so a path never breaks the format. A file that
# cannot be read (held open for writing: FileInfo.OpenRead shares Read only,
# https://learn.microsoft.com/dotnet/api/system.io.fileinfo.openread; or denied) gets '-' for its hash and is counted.
# Rights: read on Path and write on the set folder (the backup identity's rights on the backup share). The host
# holds the sorted file list and the listing text (about 120 bytes a file: 60 MB at 500,000 files) and writes the
# hashed bytes with one call, so the file and its hash cannot differ (docs/architecture.md says why not a
# StreamWriter).
# Calls: Get-ChildItem -LiteralPath -Recurse -File -Force
# (https://learn.microsoft.com/powershell/module/microsoft.powershell.management/get-childitem?view=powershell-5.1;
# -File is PowerShell 3.0+), Array.Sort(Array, Array, IComparer) with StringComparer.Ordinal
# (https://learn.microsoft.com/dotnet/api/system.array.sort, https://learn.microsoft.com/dotnet/api/system.stringcomparer.ordinal),
# SHA256.Create / HashAlgorithm.ComputeHash(Stream | Byte[])
# (https://learn.microsoft.com/dotnet/api/system.security.cryptography.sha256.create,
# https://learn.microsoft.com/dotnet/api/system.security.cryptography.hashalgorithm.computehash; not Get-FileHash,
# PowerShell 4.0+), UTF8Encoding(false).GetBytes (https://learn.microsoft.com/dotnet/api/system.text.utf8encoding.-ctor:
# GetBytes never writes the preamble), Split-Path, New-Item -ItemType Directory
# (https://learn.microsoft.com/powershell/module/microsoft.powershell.management/new-item?view=powershell-5.1),
# File.WriteAllBytes (https://learn.microsoft.com/dotnet/api/system.io.file.writeallbytes: creates or overwrites),
# Move-Item -LiteralPath -Force
# (https://learn.microsoft.com/powershell/module/microsoft.powershell.management/move-item?view=powershell-5.1).
# Path and ListingPath come as extended-length paths (backup_set.extended_path): a store's copy lies deep in the
# set; lync_file_inventory's header says why and what .NET Framework it needs.
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)][string]$Path,
    [Parameter(Mandatory = $true)][string]$ListingPath
)
$ErrorActionPreference = 'Stop'
$Ansible.Changed = $true

if (-not (Test-Path -LiteralPath $Path -PathType Container)) {
    throw "LYNC_LISTING_MISSING: $Path does not exist or cannot be reached"
}
$rootName = (Get-Item -LiteralPath $Path -Force).FullName.TrimEnd('\')
$base = $rootName.Length + 1
$found = @(Get-ChildItem -LiteralPath $Path -Recurse -File -Force)
$names = [string[]]@($found | ForEach-Object {
    if (-not $_.FullName.StartsWith($rootName + '\', [System.StringComparison]::OrdinalIgnoreCase)) {
        throw "$($_.FullName) does not lie under $rootName; cannot name it relative to the store"
    }
    $_.FullName.Substring($base).Replace('\', '/')
})
[System.Array]::Sort($names, $found, [System.StringComparer]::Ordinal)
$total = $found.Count
$fileBytes = [long]0
foreach ($file in $found) { $fileBytes += $file.Length }
$sha256 = [System.Security.Cryptography.SHA256]::Create()
$errors = @()
$errorCount = 0
$lines = @(for ($index = 0; $index -lt $total; $index++) {
    $file = $found[$index]
    $digest = '-'
    try {
        $stream = $file.OpenRead()
        try {
            $digest = [System.BitConverter]::ToString($sha256.ComputeHash($stream)).Replace('-', '')
        }
        finally {
            $stream.Dispose()
        }
    }
    catch {
        # Named, not fatal: one unreadable file fails its store, not the listing. A hash object interrupted
        # mid-stream is not reused.
        $errorCount++
        if ($errors.Count -lt 20) { $errors += "$($names[$index]): $($_.Exception.Message)" }
        $sha256.Dispose()
        $sha256 = [System.Security.Cryptography.SHA256]::Create()
    }
    "$digest`t$($file.Length)`t$($names[$index])"
})
$encoding = New-Object -TypeName System.Text.UTF8Encoding -ArgumentList $false
$text = if ($lines.Count -gt 0) { ($lines -join "`n") + "`n" } else { '' }
$data = $encoding.GetBytes($text)
$listingHash = [System.BitConverter]::ToString($sha256.ComputeHash($data)).Replace('-', '')
$sha256.Dispose()
$folder = Split-Path -Path $ListingPath -Parent
if (-not (Test-Path -LiteralPath $folder)) { $null = New-Item -ItemType Directory -Path $folder -Force }
# Written under a temporary name, then moved into place: a write that fails part-way (a full share) leaves no
# partial listing under the listing's name (Move-Item -Force replaces one left by an earlier attempt).
$temp = $ListingPath + '.tmp'
[System.IO.File]::WriteAllBytes($temp, $data)
Move-Item -LiteralPath $temp -Destination $ListingPath -Force
$Ansible.Result = @{ Files = $total; FileBytes = $fileBytes; Bytes = $data.Length; Sha256 = $listingHash; Errors = $errors
                     ErrorCount = $errorCount }
