# lync-payload: lync_file_inventory
# Lists every file under a folder with its size, its last-write time (UTC, in .NET ticks: what robocopy
# compares, with the size, to call a file "same") and, when asked, its SHA-256. Read-only. A file that
# cannot be opened for reading (held open for writing by another process: FileInfo.OpenRead shares
# Read only, https://learn.microsoft.com/dotnet/api/system.io.fileinfo.openread; or denied) is listed
# with its Error and no hash instead of failing the whole listing. With Refresh, each file's size and
# time are read from the file itself (FileSystemInfo.Refresh,
# https://learn.microsoft.com/dotnet/api/system.io.filesysteminfo.refresh), not from the folder's directory
# entry that Get-ChildItem enumerates, which NTFS may not have brought up to date (FindNextFileW: "file
# attribute information on NTFS file systems may not be current",
# https://learn.microsoft.com/windows/win32/api/fileapi/nf-fileapi-findnextfilew): the file-store link
# step decides "unchanged" from them. One metadata open per file; a file removed since the enumeration
# (FileInfo.Exists false after Refresh, https://learn.microsoft.com/dotnet/api/system.io.fileinfo.exists) is
# left out.
# The controller passes Path as an extended-length path (\\?\UNC\server\share\... or \\?\D:\...,
# backup_set.extended_path): a set's copy of a file store lies about 90 characters deeper than the
# store, and Windows PowerShell 5.1 refuses paths past MAX_PATH (260 characters) without the prefix.
# The hash is read through the FileInfo Get-ChildItem returns (which carries the prefix), not with
# Get-FileHash (PowerShell 4.0+; Lync Server 2013 on Windows Server 2008 R2 may have 3.0).
# The prefix needs .NET Framework 4.6.2 or later ("PathTooLongException",
# https://learn.microsoft.com/dotnet/api/system.io.pathtoolongexception); before it, Test-Path swallows
# "Illegal characters in path" and returns $false, so a missing folder is told apart from an
# unsupported prefix by asking .NET about the plain path.
# Skip: folders (relative, '/'-separated) whose files are not listed: the file stores of a set, each checked
# through its own listing (lync_file_listing), so a 500,000-file store never travels back here file by file.
# They are pruned, not filtered: the folders that hold a skipped folder are read one level at a time
# (Get-ChildItem without -Recurse), every other folder with -Recurse, and a skipped folder is never entered, so a
# set's inventory costs its own files, not its stores'. Names compare case-insensitively (-eq, String.StartsWith
# with OrdinalIgnoreCase, https://learn.microsoft.com/dotnet/api/system.string.startswith), as NTFS names do.
# Hashing: SHA256CryptoServiceProvider
# (https://learn.microsoft.com/dotnet/api/system.security.cryptography.sha256cryptoserviceprovider), FIPS-validated:
# SHA256.Create() fails when the "System cryptography: Use FIPS compliant algorithms" policy is on, on .NET Framework
# 4.6.1 and earlier (https://learn.microsoft.com/dotnet/api/system.security.cryptography.sha256.create; Windows Server
# 2012 R2 ships 4.5.1), and SHA256Managed's constructor throws under it
# (https://learn.microsoft.com/dotnet/api/system.security.cryptography.sha256managed.-ctor).
[CmdletBinding(SupportsShouldProcess)]
param(
    [Parameter(Mandatory = $true)][string]$Path,
    [switch]$Hash,
    [string[]]$Skip = @(),
    [switch]$Refresh
)
$ErrorActionPreference = 'Stop'
$Ansible.Changed = $false

$exists = Test-Path -LiteralPath $Path -PathType Container
if (-not $exists -and $Path.StartsWith('\\?\', [System.StringComparison]::Ordinal)) {
    $plain = if ($Path.StartsWith('\\?\UNC\', [System.StringComparison]::OrdinalIgnoreCase)) { '\\' + $Path.Substring(8) } else { $Path.Substring(4) }
    if ([System.IO.Directory]::Exists($plain)) {
        throw "$plain exists but its extended-length form $Path does not: this needs .NET Framework 4.6.2 or later on $env:COMPUTERNAME to read paths past 260 characters"
    }
}
$files = @()
if ($exists) {
    $rootName = (Get-Item -LiteralPath $Path -Force).FullName.TrimEnd('\')
    $base = $rootName.Length + 1
    $sha256 = New-Object -TypeName System.Security.Cryptography.SHA256CryptoServiceProvider
    $skipped = @($Skip | ForEach-Object { $_.Trim('/').Replace('/', '\') })
    $found = [System.Collections.ArrayList]@()
    # Folders (relative, '' for Path) that hold a skipped folder: read one level at a time.
    $pending = [System.Collections.ArrayList]@('')
    while ($pending.Count -gt 0) {
        $relative = $pending[$pending.Count - 1]
        $pending.RemoveAt($pending.Count - 1)
        $folder = if ($relative -eq '') { $Path } else { $Path + '\' + $relative }
        foreach ($child in @(Get-ChildItem -LiteralPath $folder -Force)) {
            if (-not $child.PSIsContainer) {
                $null = $found.Add($child)
                continue
            }
            $childRelative = if ($relative -eq '') { $child.Name } else { $relative + '\' + $child.Name }
            $isSkipped = $false
            $holdsSkipped = $false
            foreach ($skip in $skipped) {
                if ($skip -eq $childRelative) { $isSkipped = $true }
                elseif ($skip.StartsWith($childRelative + '\', [System.StringComparison]::OrdinalIgnoreCase)) { $holdsSkipped = $true }
            }
            if ($isSkipped) { continue }
            if ($holdsSkipped) {
                $null = $pending.Add($childRelative)
                continue
            }
            foreach ($file in @(Get-ChildItem -LiteralPath $child.FullName -Recurse -File -Force)) { $null = $found.Add($file) }
        }
    }
    $files = @($found | Sort-Object -Property FullName | ForEach-Object {
        if (-not $_.FullName.StartsWith($rootName + '\', [System.StringComparison]::OrdinalIgnoreCase)) {
            throw "$($_.FullName) does not lie under $rootName; cannot name it relative to the set"
        }
        $file = $_
        if ($Refresh) {
            $file.Refresh()
            # Removed since the enumeration (the sort holds every entry first): Length would throw
            # FileNotFoundException (FileInfo.Length); a file that is gone is not listed.
            if (-not $file.Exists) { return }
        }
        $digest = $null
        $readError = $null
        if ($Hash) {
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
                # A file another process still holds open for writing (OpenRead shares Read only: a timed-out item
                # still running on its host), or one this identity may not read: named, not fatal, so one such file
                # fails only what claims it. A hash object interrupted mid-stream is not reused.
                $readError = [string]$_.Exception.Message
                $sha256.Dispose()
                $sha256 = New-Object -TypeName System.Security.Cryptography.SHA256CryptoServiceProvider
            }
        }
        @{ Path = $file.FullName.Substring($base).Replace('\', '/'); Bytes = $file.Length; Sha256 = $digest; Error = $readError
            Written = $file.LastWriteTimeUtc.Ticks }
    })
    $sha256.Dispose()
}
$Ansible.Result = @{ Exists = $exists; Files = $files }
