# lync-payload: lync_file_listing
# The canonical listing of one file store's copy in a backup set (docs/backup-set.md, "Listings"): one line per
# file, "<SHA-256, 64 upper-case hex>`t<bytes>`t<path relative to Path, '/'-separated>`n", UTF-8 without a BOM,
# lines in ordinal order of the path (UTF-16 code units, what the controller's Python reproduces), so the same files
# always give the same bytes on every host and in Python. Windows forbids characters 1-31 (tab, line feed) in file
# names ("Naming Files, Paths, and Namespaces", https://learn.microsoft.com/windows/win32/fileio/naming-a-file), so a
# path never breaks the format.
# Read-only (verify runs it in check mode too); lync_file_listing_write is the close's twin that writes the same
# text into the set: the walk, the order, the hashing, the line text and the errors are the same lines in both
# (tests/lab/test_file_listing.py holds both to backup_set.listing_text). Memory does not grow with the store: the
# folders are walked depth first, one folder's entries read and sorted (a folder's name with its trailing '/') when
# it is entered, each line hashed as it is made; the host holds the entries of the folders on the path being walked.
# Errors (counted, the first 20 named): a file that cannot be read (held open for writing: FileInfo.OpenRead
# shares Read only, https://learn.microsoft.com/dotnet/api/system.io.fileinfo.openread; or denied) gets '-' for its
# hash; a folder that is a reparse point (junction, symbolic link) is named and not entered; a name with an
# unpaired UTF-16 surrogate is named and gets no line (lync_file_listing_write's header says why).
# Uses, by the parameters given (the controller decides, docs/architecture.md "Large stores"):
# * neither Count nor Summary: verify hashes the files again into the listing text and returns its summary:
#   Files, FileBytes, Bytes and Sha256 of the text (equal to the manifest's listing hash: every file verified).
# * Summary: only Files and FileBytes (no file is read): retention's size check.
# * Count > 0: the next Count lines whose path comes after After (ordinal; '' from the start), only those files
#   hashed: the controller merges them, page by page, with the pages of the stored listing
#   (lync_file_listing_page) to name what differs. A folder whose paths all come before After is not entered, one
#   whose paths all come after it is (no folder is read twice for a page), and the walk stops at Count lines: a
#   page costs its own files plus the folders on the path to After, not the store.
# Sizes: a file that is read gets the size of the stream it was hashed from (FileStream.Length,
# https://learn.microsoft.com/dotnet/api/system.io.filestream.length), so a line's size and hash come from one open;
# the folder's directory entry (the enumeration's FindFirstFile/FindNextFile data) may be stale ("file attribute
# information on NTFS file systems may not be current", https://learn.microsoft.com/windows/win32/api/fileapi/nf-fileapi-findnextfilew;
# a hard link changed through another of its names). A file that cannot be read, and Summary (no file is opened), keeps the directory entry's size.
# Rights: read on Path (the backup identity's rights on the backup share); the controller receives a bounded answer.
# Calls (.NET Framework 4.0 and later, which PowerShell 3.0 needs): New-Object System.IO.DirectoryInfo
# (https://learn.microsoft.com/dotnet/api/system.io.directoryinfo.-ctor),
# DirectoryInfo.EnumerateFileSystemInfos() (https://learn.microsoft.com/dotnet/api/system.io.directoryinfo.enumeratefilesysteminfos),
# FileSystemInfo.Attributes with FileAttributes.Directory/ReparsePoint (https://learn.microsoft.com/dotnet/api/system.io.fileattributes),
# Array.Sort(Array, Array, IComparer) with StringComparer.Ordinal
# (https://learn.microsoft.com/dotnet/api/system.array.sort, https://learn.microsoft.com/dotnet/api/system.stringcomparer.ordinal),
# String.CompareOrdinal (https://learn.microsoft.com/dotnet/api/system.string.compareordinal), String.StartsWith(String,
# StringComparison.Ordinal) (https://learn.microsoft.com/dotnet/api/system.string.startswith) and String.EndsWith(String,
# StringComparison.Ordinal) (https://learn.microsoft.com/dotnet/api/system.string.endswith: .NET Framework has no
# EndsWith(Char), so a bare EndsWith('/') binds EndsWith(String), which compares with the current culture),
# ArrayList Add/RemoveAt (https://learn.microsoft.com/dotnet/api/system.collections.arraylist),
# SHA256CryptoServiceProvider (https://learn.microsoft.com/dotnet/api/system.security.cryptography.sha256cryptoserviceprovider;
# FIPS-validated, unlike SHA256.Create()'s SHA256Managed, https://learn.microsoft.com/dotnet/api/system.security.cryptography.sha256managed.-ctor),
# HashAlgorithm.ComputeHash(Stream) (https://learn.microsoft.com/dotnet/api/system.security.cryptography.hashalgorithm.computehash;
# not Get-FileHash, PowerShell 4.0+), HashAlgorithm.TransformBlock/TransformFinalBlock
# (https://learn.microsoft.com/dotnet/api/system.security.cryptography.hashalgorithm.transformblock),
# UTF8Encoding(false, true).GetBytes (https://learn.microsoft.com/dotnet/api/system.text.utf8encoding.-ctor).
# Path comes as an extended-length path (backup_set.extended_path): a store's copy lies deep in the set;
# lync_file_inventory's header says why and what .NET Framework it needs.
[CmdletBinding(SupportsShouldProcess)]
param(
    [Parameter(Mandatory = $true)][string]$Path,
    [string]$After = '',
    [int]$Count = 0,
    [switch]$Summary
)
$ErrorActionPreference = 'Stop'
$Ansible.Changed = $false

if (-not (Test-Path -LiteralPath $Path -PathType Container)) {
    throw "LYNC_LISTING_MISSING: $Path does not exist or cannot be reached"
}
$encoding = New-Object -TypeName System.Text.UTF8Encoding -ArgumentList $false, $true
$fileHash = New-Object -TypeName System.Security.Cryptography.SHA256CryptoServiceProvider
$textHash = New-Object -TypeName System.Security.Cryptography.SHA256CryptoServiceProvider
$paging = $Count -gt 0
$lines = [System.Collections.ArrayList]@()
$files = 0
$fileBytes = [long]0
$bytes = [long]0
$errors = @()
$errorCount = 0
# The entries still to visit, the next one last: (relative name, FileSystemInfo); a folder's name ends in '/'.
$pending = [System.Collections.ArrayList]@()
$null = $pending.Add(@('', (New-Object -TypeName System.IO.DirectoryInfo -ArgumentList $Path)))
while ($pending.Count -gt 0 -and -not ($paging -and $lines.Count -ge $Count)) {
    $next = $pending[$pending.Count - 1]
    $pending.RemoveAt($pending.Count - 1)
    $name = $next[0]
    $entry = $next[1]
    if (($entry.Attributes -band [System.IO.FileAttributes]::Directory) -ne 0) {
        if ($name -ne '' -and ($entry.Attributes -band [System.IO.FileAttributes]::ReparsePoint) -ne 0) {
            $errorCount++
            if ($errors.Count -lt 20) {
                $errors += "$(($name -replace '[\uD800-\uDFFF]', '?')): a reparse point (junction or symbolic link), not followed"
            }
            continue
        }
        $children = @($entry.EnumerateFileSystemInfos())
        $keys = [string[]]@(foreach ($child in $children) {
            if (($child.Attributes -band [System.IO.FileAttributes]::Directory) -ne 0) { $name + $child.Name + '/' }
            else { $name + $child.Name }
        })
        [System.Array]::Sort($keys, $children, [System.StringComparer]::Ordinal)
        for ($index = $children.Count - 1; $index -ge 0; $index--) {
            $key = $keys[$index]
            # A page starts after After: an entry wholly before it is left out (a folder holding After is entered).
            if ($After -ne '' -and [string]::CompareOrdinal($key, $After) -le 0 -and
                -not ($key.EndsWith('/', [System.StringComparison]::Ordinal) -and
                     $After.StartsWith($key, [System.StringComparison]::Ordinal))) { continue }
            $null = $pending.Add(@($key, $children[$index]))
        }
        continue
    }
    $digest = '-'
    $size = $entry.Length
    if (-not $Summary) {
        try {
            $stream = $entry.OpenRead()
            try {
                # The size on the line comes from the same open as the hash (FileStream.Length), not from the
                # folder's directory entry, which NTFS may leave stale (header).
                $size = $stream.Length
                $digest = [System.BitConverter]::ToString($fileHash.ComputeHash($stream)).Replace('-', '')
            }
            finally {
                $stream.Dispose()
            }
        }
        catch {
            # Named, not fatal: one unreadable file fails its store, not the listing. A hash object interrupted
            # mid-stream is not reused.
            $errorCount++
            if ($errors.Count -lt 20) { $errors += "$(($name -replace '[\uD800-\uDFFF]', '?')): $($_.Exception.Message)" }
            $fileHash.Dispose()
            $fileHash = New-Object -TypeName System.Security.Cryptography.SHA256CryptoServiceProvider
        }
    }
    try {
        $line = $encoding.GetBytes("$digest`t$size`t$name`n")
    }
    catch {
        $errorCount++
        if ($errors.Count -lt 20) {
            $errors += "$(($name -replace '[\uD800-\uDFFF]', '?')): the name holds an unpaired UTF-16 surrogate (no UTF-8 form); not listed"
        }
        continue
    }
    if ($paging) { $null = $lines.Add("$digest`t$size`t$name") }
    elseif (-not $Summary) { $null = $textHash.TransformBlock($line, 0, $line.Length, $null, 0) }
    $files++
    $fileBytes += $size
    $bytes += $line.Length
}
$result = @{ Files = $files; FileBytes = $fileBytes; Errors = $errors; ErrorCount = $errorCount }
if ($paging) {
    $result.Lines = @($lines)
}
elseif (-not $Summary) {
    $null = $textHash.TransformFinalBlock([byte[]]@(), 0, 0)
    $result.Bytes = $bytes
    $result.Sha256 = [System.BitConverter]::ToString($textHash.Hash).Replace('-', '')
}
$textHash.Dispose()
$fileHash.Dispose()
$Ansible.Result = $result
