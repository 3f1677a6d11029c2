# lync-payload: lync_backup_set_write_files
# Writes text files (UTF-8, no BOM) into a backup set, in the order given: each first
# under a temporary name, then renamed into place, so a reader never sees half a file.
# When a file carries an expected SHA-256 and what landed differs, it stops before the
# files after it (the manifest comes last, so a set is never closed over a bad file).
# With -LockRoot, -LockSetId and -LockRunId (the close of a set, lync_backup_set state=closed): nothing is written
# when the root's lock names this set under another run's id - another run resumed the set (backup_resume_set) and
# writes into it; two runs must not both close it (LYNC_LOCK_LOST); nor when the set has a manifest.json already (that
# run closed it and released the lock). A lock of another set, or none (the operator released a dead run's lock),
# leaves this set to this run alone. The lock is JSON the collection wrote
# ({"set_id": "<id>", "run": "<token>", ...}, read as lync_backup_set_unlock reads it).
# No lock, but a lock another run moved aside (.lync-backup.lock.<run id>): that run is taking the lock over at this
# moment, and which set its new lock names is not known yet: LYNC_LOCK_MOVING, and the collection asks again.
# -Files @() (an empty list; -Files is still mandatory): the lock check alone, which the close makes before its
# first write into the set (the listings of its file stores, written under staged names).
# A file given as @{ Path; From; Sha256 } is not written but renamed into place from From, a file this run wrote
# into the set (a store's listing, lync_file_listing_write, under its staged name <listing>.<run id>.staged), and
# must land with the Sha256 its writer hashed. Renamed only here, after the lock check: a listing takes as long as
# its store's bytes take to read, and a takeover of the lock at that moment must not make the close read them again
# (reviews s12 3, s13 5): LYNC_LOCK_MOVING leaves the staged files for the next try. LYNC_LOCK_LOST removes them: the
# set is another run's.
# Calls: Get-ChildItem -LiteralPath -Force -File
# (https://learn.microsoft.com/powershell/module/microsoft.powershell.management/get-childitem?view=powershell-5.1),
# Sort-Object -Property <scriptblock> (https://learn.microsoft.com/powershell/module/microsoft.powershell.utility/sort-object?view=powershell-5.1),
# Move-Item -LiteralPath -Force (https://learn.microsoft.com/powershell/module/microsoft.powershell.management/move-item?view=powershell-5.1),
# Remove-Item -LiteralPath -Force -ErrorAction SilentlyContinue
# (https://learn.microsoft.com/powershell/module/microsoft.powershell.management/remove-item?view=powershell-5.1),
# String.StartsWith(String, StringComparison) (https://learn.microsoft.com/dotnet/api/system.string.startswith),
# File.ReadAllText (FileNotFoundException when the file is missing: https://learn.microsoft.com/dotnet/api/system.io.file.readalltext).
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)][string]$SetPath,
    [Parameter(Mandatory = $true)][AllowEmptyCollection()][hashtable[]]$Files,
    [string]$LockRoot,
    [ValidatePattern('^lync-\d{8}T\d{6}Z-[0-9a-f]{6}$')][string]$LockSetId,
    [ValidatePattern('^[0-9a-f]{16,64}$')][string]$LockRunId
)
$ErrorActionPreference = 'Stop'

# Every path checked before anything is touched. From, which may be removed below, must be one of this run's staged
# listings: listings\<name>.<LockRunId>.staged (review s15, 4).
foreach ($file in $Files) {
    foreach ($relative in @([string]$file.Path, [string]$file.From)) {
        if ($relative -match '(^[\\/])|(^[A-Za-z]:)|(\.\.)') { throw "not a path inside the set: $relative" }
    }
    if ($file.From -and -not ($LockRunId -and ([string]$file.From) -cmatch ('\Alistings[\\/][^\\/]+\.' + $LockRunId + '\.staged\z'))) {
        throw "not a staged listing of this run: $($file.From)"
    }
}

function Get-InSet([string]$Relative) {
    # A path the checks above passed, as a full path in the set.
    Join-Path -Path $SetPath -ChildPath ($Relative -replace '/', '\')
}

if ($LockRoot) {
    if (-not ($LockSetId -and $LockRunId)) { throw 'LockRoot needs LockSetId and LockRunId' }
    try {
        # A set that has its manifest was closed, by the run that resumed it (which then released the lock): a late
        # close must not write over it.
        if (Test-Path -LiteralPath (Join-Path -Path $SetPath -ChildPath 'manifest.json') -PathType Leaf) {
            throw "LYNC_LOCK_LOST: the set $SetPath is closed already (it has a manifest.json): another run closed it"
        }
        $lockPath = Join-Path -Path $LockRoot -ChildPath '.lync-backup.lock'
        # Read, not Test-Path first: Test-Path answers $false for a lock it cannot read (access denied, a share gone),
        # and that would pass as "no lock". Only a lock that is not there is no lock; any other error stops the close.
        $holder = $null
        try {
            $holder = [System.IO.File]::ReadAllText($lockPath)
        }
        catch [System.IO.FileNotFoundException] {
            # No lock, unless another run is taking it over at this moment: lync_backup_set_open moves the old lock to
            # .lync-backup.lock.<its run id> and removes that only once its own lock exists (review s9main 3). One
            # listing of the root, filtered by the server (-Filter: only these names come back), decides: another run's moved-aside
            # lock, or the lock itself (a takeover that ended after the read above; review s12, 4), is LYNC_LOCK_MOVING,
            # and the collection asks again. The shortest name first: the lock itself, when it is listed, is what the
            # message names (a share that lists a lock it cannot open; review s14, 3).
            $moving = @(Get-ChildItem -LiteralPath $LockRoot -Filter '.lync-backup.lock*' -Force -File | Where-Object {
                $_.Name.Equals('.lync-backup.lock', [System.StringComparison]::Ordinal) -or
                ($_.Name.StartsWith('.lync-backup.lock.', [System.StringComparison]::Ordinal) -and
                 $_.Name -cne ('.lync-backup.lock.' + $LockRunId)) } | Sort-Object -Property { $_.Name.Length })
            if ($moving.Count -gt 0) {
                throw "LYNC_LOCK_MOVING: there is no lock $lockPath to read, but another run is taking it over: $($moving[0].FullName)"
            }
            $holder = $null
        }
        if ($null -ne $holder) {
            $thisSet = $holder.Contains('"set_id": "' + $LockSetId + '"')
            $otherRun = $holder.Contains('"run": ') -and -not $holder.Contains('"run": "' + $LockRunId + '"')
            if ($thisSet -and $otherRun) {
                throw "LYNC_LOCK_LOST: the lock $lockPath names this set under another run: $holder"
            }
        }
    }
    catch {
        if ($_.Exception.Message.StartsWith('LYNC_LOCK_LOST: ', [System.StringComparison]::Ordinal)) {
            foreach ($file in $Files) {
                if ($file.From) { Remove-Item -LiteralPath (Get-InSet $file.From) -Force -ErrorAction SilentlyContinue }
            }
        }
        throw
    }
    # The set is this run's: in its last write (the one that writes its manifest), the staged files in listings\ that
    # this write does not rename (names ending in .<run id>.staged or .<run id>.staged.tmp) are removed: other runs'
    # (a close that died, or was refused, before its last write; review s15, 1) and this run's own that no rename takes
    # (a .tmp whose removal failed, a listing of an earlier try of this close that failed this time; review s18, 3),
    # so the set holds only what its manifest lists. A file a writer still holds (another run's, or this run's that
    # went on after its connection dropped) is open without delete sharing: its removal fails and is passed over; a
    # listing of the folder that fails leaves them, and does not fail the close (review s16, 3). Names compare as
    # Windows compares them, case-insensitively (review s19, 1). The close's earlier lock-only check lists nothing.
    $listings = Join-Path -Path $SetPath -ChildPath 'listings'
    $closing = @($Files | Where-Object { ([string]$_.Path) -ceq 'manifest.json' }).Count -gt 0
    $renamed = @(foreach ($file in $Files) { if ($file.From) { ([string]$file.From).Substring('listings\'.Length) } })
    if ($closing -and (Test-Path -LiteralPath $listings -PathType Container)) {
        try {
            Get-ChildItem -LiteralPath $listings -Filter '*.staged*' -Force -File -ErrorAction SilentlyContinue | Where-Object {
                $_.Name -cmatch '\.[0-9a-f]{16,64}\.staged(\.tmp)?\z' -and $renamed -notcontains $_.Name
            } | ForEach-Object { Remove-Item -LiteralPath $_.FullName -Force -ErrorAction SilentlyContinue }
        }
        catch {
            Write-Warning "staged listings left in $listings could not be removed: $($_.Exception.Message)"
        }
    }
}

function Get-Sha256([string]$Path) {
    # Get-FileHash is PowerShell 4.0+; Lync Server 2013 on Windows Server 2008 R2 may have 3.0. The FIPS-validated
    # provider: SHA256.Create() fails under the FIPS policy on .NET Framework 4.6.1 and earlier
    # (https://learn.microsoft.com/dotnet/api/system.security.cryptography.sha256.create; review s15, 8; s16, 5).
    $sha256 = New-Object -TypeName System.Security.Cryptography.SHA256CryptoServiceProvider
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
    $target = Get-InSet $relative
    if ($file.From) {
        Move-Item -LiteralPath (Get-InSet $file.From) -Destination $target -Force
    }
    else {
        $folder = Split-Path -Path $target -Parent
        # Directory.CreateDirectory, not New-Item -Force, which drops I/O errors in Windows PowerShell 5.1 (review s9a, 5).
        $null = [System.IO.Directory]::CreateDirectory($folder)
        $temp = "$target.tmp"
        [System.IO.File]::WriteAllText($temp, [string]$file.Content, $encoding)
        Move-Item -LiteralPath $temp -Destination $target -Force
    }
    $hash = (Get-Sha256 $target)
    if ($file.Sha256 -and $hash -ne ([string]$file.Sha256).ToUpperInvariant()) {
        throw "LYNC_WRITE_MISMATCH: $relative landed with SHA-256 $hash, expected $($file.Sha256)"
    }
    $written += @{ Path = $relative; Bytes = (Get-Item -LiteralPath $target).Length; Sha256 = $hash }
}
$Ansible.Result = @{ Files = $written }
