# lync-payload: lync_file_listing_write
# Writes the canonical listing of one file store's copy in a backup set into the set (ListingPath,
# listings\<store>.tsv; its folder is created) and returns only its summary: Files, FileBytes, and the Bytes and
# Sha256 of the listing text, with the first 20 errors and their count. Nothing per file comes back, whatever
# the store holds (docs/architecture.md "Large stores"). The close runs it once per file store; verify runs the
# read-only twin lync_file_listing, whose walk, order, hashing and line text are the same lines as here
# (tests/lab/test_file_listing.py holds both to backup_set.listing_text, byte for byte).
# The text (docs/backup-set.md, "Listings"): one line per file, "<SHA-256, 64 upper-case hex>`t<bytes>`t<path
# relative to Path, '/'-separated>`n", UTF-8 without a BOM, lines in ordinal order of the path
# (UTF-16 code units, what the controller's Python reproduces). Windows forbids characters 1-31 (tab, line feed) in
# file names ("Naming Files, Paths, and Namespaces", https://learn.microsoft.com/windows/win32/fileio/naming-a-file),
# so a path never breaks the format.
# Memory does not grow with the store: the folders are walked depth first, one folder's entries read and sorted
# when it is entered (each folder's entries ordered by name, a folder's name taken with its trailing '/': that is
# the ordinal order of the whole paths, docs/backup-set.md), each line encoded, written to the temporary file and
# added to the listing's hash as it is made. The host holds the entries of the folders on the path being walked
# (their depth times their width), never the whole store.
# Errors (each counted, the first 20 named; any fails the item): a file that cannot be read (held open for writing:
# FileInfo.OpenRead shares Read only, https://learn.microsoft.com/dotnet/api/system.io.fileinfo.openread; or
# denied) gets '-' for its hash; a folder that is a reparse point (a junction or a symbolic link) is named and not
# entered: the copy's robocopy /E (no /XJ) copies what a junction of the store points to as plain folders, so a
# reparse point in the set was not made by the copy, and following one may loop; a name holding an unpaired UTF-16
# surrogate (NTFS allows it) has no UTF-8 form: it is named and gets no line (no replacement character).
# Sizes: a file that is read gets the size of the stream it was hashed from (FileStream.Length,
# https://learn.microsoft.com/dotnet/api/system.io.filestream.length), so a line's size and hash come from one open;
# the folder's directory entry (the enumeration's FindFirstFile/FindNextFile data) may be stale ("file attribute
# information on NTFS file systems may not be current", https://learn.microsoft.com/windows/win32/api/fileapi/nf-fileapi-findnextfilew;
# a hard link changed through another of its names). A file that cannot be read keeps the directory entry's size.
# Rights: read on Path and write on the set folder (the backup identity's rights on the backup share).
# Calls (.NET Framework 4.0 and later, which PowerShell 3.0 needs): New-Object System.IO.DirectoryInfo
# (https://learn.microsoft.com/dotnet/api/system.io.directoryinfo.-ctor),
# DirectoryInfo.EnumerateFileSystemInfos() (https://learn.microsoft.com/dotnet/api/system.io.directoryinfo.enumeratefilesysteminfos),
# FileSystemInfo.Attributes with FileAttributes.Directory/ReparsePoint (https://learn.microsoft.com/dotnet/api/system.io.fileattributes),
# Array.Sort(Array, Array, IComparer) with StringComparer.Ordinal
# (https://learn.microsoft.com/dotnet/api/system.array.sort, https://learn.microsoft.com/dotnet/api/system.stringcomparer.ordinal),
# ArrayList Add/RemoveAt (https://learn.microsoft.com/dotnet/api/system.collections.arraylist),
# SHA256CryptoServiceProvider (https://learn.microsoft.com/dotnet/api/system.security.cryptography.sha256cryptoserviceprovider:
# FIPS-validated; SHA256.Create() fails when the "System cryptography: Use FIPS compliant algorithms" policy is on, on
# .NET Framework 4.6.1 and earlier, https://learn.microsoft.com/dotnet/api/system.security.cryptography.sha256.create,
# and SHA256Managed's constructor throws under it), HashAlgorithm.ComputeHash(Stream)
# (https://learn.microsoft.com/dotnet/api/system.security.cryptography.hashalgorithm.computehash; not Get-FileHash,
# PowerShell 4.0+), HashAlgorithm.TransformBlock/TransformFinalBlock
# (https://learn.microsoft.com/dotnet/api/system.security.cryptography.hashalgorithm.transformblock,
# https://learn.microsoft.com/dotnet/api/system.security.cryptography.hashalgorithm.transformfinalblock),
# UTF8Encoding(false, true).GetBytes (https://learn.microsoft.com/dotnet/api/system.text.utf8encoding.-ctor: no
# preamble from GetBytes; throwOnInvalidBytes: EncoderFallbackException for an unpaired surrogate), File.Open(path,
# Create, Write, None) and FileStream.Write/Flush(Boolean) (https://learn.microsoft.com/dotnet/api/system.io.file.open,
# https://learn.microsoft.com/dotnet/api/system.io.filestream.flush; FileStream buffers writes, so a full share may
# fail Flush or Dispose rather than Write, https://learn.microsoft.com/dotnet/api/system.io.filestream), Split-Path, New-Item -ItemType Directory
# (https://learn.microsoft.com/powershell/module/microsoft.powershell.management/new-item?view=powershell-5.1),
# Remove-Item, Move-Item -LiteralPath -Force
# (https://learn.microsoft.com/powershell/module/microsoft.powershell.management/move-item?view=powershell-5.1).
# The bytes written and the bytes hashed are the same array, line by line, so the file and its hash cannot differ.
# Path and ListingPath come as extended-length paths (backup_set.extended_path): a store's copy lies deep in the
# set; lync_file_inventory's header says why and what .NET Framework it needs.
# The close of a set gives a staged ListingPath (<listing>.<run id>.staged), which lync_backup_set_write_files renames
# into place under the set's lock (reviews s9main 2, s12 3, s13 5): this payload checks no lock.
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
$encoding = New-Object -TypeName System.Text.UTF8Encoding -ArgumentList $false, $true
$fileHash = New-Object -TypeName System.Security.Cryptography.SHA256CryptoServiceProvider
$textHash = New-Object -TypeName System.Security.Cryptography.SHA256CryptoServiceProvider
$folder = Split-Path -Path $ListingPath -Parent
# Directory.CreateDirectory, not New-Item -Force, which drops I/O errors in Windows PowerShell 5.1 (review s9a, 5).
$null = [System.IO.Directory]::CreateDirectory($folder)
# Written under a temporary name, then moved into place: a write that fails part-way (a full share) leaves no
# partial listing under the listing's name (Move-Item -Force replaces one left by an earlier attempt).
$temp = $ListingPath + '.tmp'
$out = [System.IO.File]::Open($temp, [System.IO.FileMode]::Create, [System.IO.FileAccess]::Write, [System.IO.FileShare]::None)
$files = 0
$fileBytes = [long]0
$bytes = [long]0
$errors = @()
$errorCount = 0
try {
    # The entries still to visit, the next one last: (relative name, FileSystemInfo); a folder's name ends in '/'.
    $pending = [System.Collections.ArrayList]@()
    $null = $pending.Add(@('', (New-Object -TypeName System.IO.DirectoryInfo -ArgumentList $Path)))
    while ($pending.Count -gt 0) {
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
            for ($index = $children.Count - 1; $index -ge 0; $index--) { $null = $pending.Add(@($keys[$index], $children[$index])) }
            continue
        }
        $digest = '-'
        $size = $entry.Length
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
        $out.Write($line, 0, $line.Length)
        $null = $textHash.TransformBlock($line, 0, $line.Length, $null, 0)
        $files++
        $fileBytes += $size
        $bytes += $line.Length
    }
    $null = $textHash.TransformFinalBlock([byte[]]@(), 0, 0)
    $out.Flush($true)
    $out.Dispose()
}
catch {
    $failure = $_
    # FileStream buffers writes, so a full share fails Write, Flush or Dispose; a Dispose after a failed flush tries
    # the flush again and throws again, having closed the handle all the same (FileStream.Dispose: the flush, then
    # the handle closed in a finally). Its second error must not skip removing the .tmp, nor replace the first.
    try {
        $out.Dispose()
    }
    catch {
        Write-Verbose -Message "closing $temp after the error: $($_.Exception.Message)"
    }
    Remove-Item -LiteralPath $temp -Force -ErrorAction SilentlyContinue
    throw $failure
}
$listingHash = [System.BitConverter]::ToString($textHash.Hash).Replace('-', '')
$textHash.Dispose()
$fileHash.Dispose()
Move-Item -LiteralPath $temp -Destination $ListingPath -Force
$Ansible.Result = @{ Files = $files; FileBytes = $fileBytes; Bytes = $bytes; Sha256 = $listingHash; Errors = $errors
                     ErrorCount = $errorCount }
