# lync-payload: lync_file_listing
# The canonical listing of one file store's copy in a backup set (docs/backup-set.md, "Listings"): one line per
# file, "<SHA-256, 64 upper-case hex>`t<bytes>`t<path relative to Path, '/'-separated>`n", UTF-8 without a BOM,
# lines in ordinal order of the path (String.CompareOrdinal: UTF-16 code units, what the controller's Python
# reproduces), so the same files always give the same bytes on every host and in Python. Windows forbids
# characters 1-31 (tab, line feed) in file names ("Naming Files, Paths, and Namespaces",
# https://learn.microsoft.com/windows/win32/fileio/naming-a-file), so a path never breaks the format.
# A file that cannot be read (held open for writing: FileInfo.OpenRead shares Read only,
# https://learn.microsoft.com/dotnet/api/system.io.fileinfo.openread; or denied) gets '-' for its hash and is
# counted in ErrorCount; the first 20 errors are returned.
# Read-only (verify runs it in check mode too); lync_file_listing_write is the close's twin that writes the same
# text into the set (tests/lab/test_file_listing.py holds both to backup_set.listing_text). Uses, by the
# parameters given (the controller decides, docs/architecture.md "Large stores"):
# * neither Count nor Summary: verify hashes the files again into the listing text and returns its summary:
#   Files, FileBytes, Bytes and Sha256 of the text (equal to the manifest's listing hash: every file verified).
# * Summary: only Files and FileBytes (no file is read): retention's size check.
# * Count > 0: the lines from Offset to Offset+Count-1 only (only those files are hashed): the controller merges
#   them, page by page, with the pages of the stored listing (lync_file_listing_page) to name what differs.
# Rights: read on Path (the backup identity's rights on the backup share). The host holds the sorted file list
# and, for the summary, the listing text (about 120 bytes a file); the controller receives a bounded answer.
# Calls: Get-ChildItem -LiteralPath -Recurse -File -Force
# (https://learn.microsoft.com/powershell/module/microsoft.powershell.management/get-childitem?view=powershell-5.1;
# -File is PowerShell 3.0+), Array.Sort(Array, Array, IComparer) with StringComparer.Ordinal
# (https://learn.microsoft.com/dotnet/api/system.array.sort, https://learn.microsoft.com/dotnet/api/system.stringcomparer.ordinal),
# SHA256.Create / HashAlgorithm.ComputeHash(Stream | Byte[])
# (https://learn.microsoft.com/dotnet/api/system.security.cryptography.sha256.create,
# https://learn.microsoft.com/dotnet/api/system.security.cryptography.hashalgorithm.computehash; not Get-FileHash,
# PowerShell 4.0+), UTF8Encoding(false).GetBytes (https://learn.microsoft.com/dotnet/api/system.text.utf8encoding.-ctor).
# Path comes as an extended-length path (backup_set.extended_path): a store's copy lies deep in the set;
# lync_file_inventory's header says why and what .NET Framework it needs.
[CmdletBinding(SupportsShouldProcess)]
param(
    [Parameter(Mandatory = $true)][string]$Path,
    [long]$Offset = 0,
    [int]$Count = 0,
    [switch]$Summary
)
$ErrorActionPreference = 'Stop'
$Ansible.Changed = $false

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
$first = [int][Math]::Min([long]$total, [Math]::Max([long]0, $Offset))
$last = if ($Count -gt 0) { [int][Math]::Min([long]$total, [long]$first + $Count) } else { $total }
if ($Summary) { $last = $first }
$fileBytes = [long]0
foreach ($file in $found) { $fileBytes += $file.Length }
$sha256 = [System.Security.Cryptography.SHA256]::Create()
$errors = @()
$errorCount = 0
$lines = @(for ($index = $first; $index -lt $last; $index++) {
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
$result = @{ Files = $total; Offset = $first; FileBytes = $fileBytes; Errors = $errors; ErrorCount = $errorCount }
if ($Count -gt 0) {
    $result.Lines = $lines
}
elseif (-not $Summary) {
    $encoding = New-Object -TypeName System.Text.UTF8Encoding -ArgumentList $false
    $text = if ($lines.Count -gt 0) { ($lines -join "`n") + "`n" } else { '' }
    $data = $encoding.GetBytes($text)
    $result.Bytes = $data.Length
    $result.Sha256 = [System.BitConverter]::ToString($sha256.ComputeHash($data)).Replace('-', '')
}
$sha256.Dispose()
$Ansible.Result = $result
