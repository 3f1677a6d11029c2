# lync-payload: lync_backup_set_open
# Takes the backup lock of a backup root and creates a new, empty backup set folder.
# The lock file is created with CreateNew, so two runs that start together cannot both
# get it; a lock older than LockMaxAgeHours is stale (its run died) and is taken over.
# With -Resume, the set $SetId of a run that died is opened again instead, only if the set folder exists and holds
# no manifest.json (a closed set is never reopened; the marker LYNC_RESUME_REFUSED says why not). Its lock is taken
# over when there is none, when it is stale (older than LockMaxAgeHours, as for a new set), or - with -TakeOver,
# which the collection passes only when the operator forces the resume - when it names that set whatever its age:
# a young lock may belong to a run that is still alive, and two runs must not write into one set. A refused
# lock's text (set, run id, controller, start time) and age travel in LYNC_BACKUP_LOCKED for the collection.
# The lock's text carries the run's random token ("run"): lync_backup_set_unlock releases only its own run's lock.
# A lock is taken over by renaming it (File.Move fails when another run has moved or removed it first: one of two
# runs taking over together wins), checking that what was renamed is the lock read (not the fresh lock of a run
# that took over first: then it is put back and the open refused), then creating the new one with CreateNew, and
# only then removing the one moved aside (lync_backup_set_write_files reads a moved-aside lock as a takeover under way).
# Pages: https://learn.microsoft.com/dotnet/api/system.io.file.move (IOException when the destination exists,
#   FileNotFoundException when the source is gone), https://learn.microsoft.com/dotnet/api/system.io.filemode
#   (CreateNew: IOException when the file exists), https://learn.microsoft.com/dotnet/api/system.io.file.readalltext,
#   https://learn.microsoft.com/dotnet/api/system.io.file.delete (no exception when the file does not exist;
#   IOException when it is in use, UnauthorizedAccessException when denied or read-only),
#   Exception.HResult (https://learn.microsoft.com/dotnet/api/system.exception.hresult; .NET Framework 4.5 and later)
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)][string]$Root,
    [Parameter(Mandatory = $true)][string]$SetId,
    [Parameter(Mandatory = $true)][string]$LockText,
    [int]$LockMaxAgeHours = 24,
    [switch]$Resume,
    [switch]$TakeOver,
    [ValidatePattern('^[0-9a-f]{16,64}$')][string]$RunId = '0000000000000000'
)
$ErrorActionPreference = 'Stop'

if ($SetId -cnotmatch '\Alync-\d{8}T\d{6}Z-[0-9a-f]{6}\z') { throw "invalid backup set id: $SetId" }
if (-not (Test-Path -LiteralPath $Root -PathType Container)) {
    throw "LYNC_ROOT_MISSING: the backup root $Root does not exist or cannot be reached"
}
$lockPath = Join-Path -Path $Root -ChildPath '.lync-backup.lock'
$setPath = Join-Path -Path $Root -ChildPath $SetId
if ($Resume) {
    if (-not (Test-Path -LiteralPath $setPath -PathType Container)) {
        throw "LYNC_RESUME_REFUSED: the set $setPath does not exist"
    }
    if (Test-Path -LiteralPath (Join-Path -Path $setPath -ChildPath 'manifest.json') -PathType Leaf) {
        throw "LYNC_RESUME_REFUSED: the set $setPath is closed (it has a manifest); start a new backup"
    }
}
$takenOver = $null
if (Test-Path -LiteralPath $lockPath -PathType Leaf) {
    # -Force: a share that reports dot files as hidden (Samba's "hide dot files") hides the lock from Get-Item.
    $previous = [System.IO.File]::ReadAllText($lockPath)
    $lock = Get-Item -LiteralPath $lockPath -Force
    $age = ([DateTime]::UtcNow - $lock.LastWriteTimeUtc).TotalHours
    # The lock's text is JSON the collection wrote (Python's json.dumps): {"set_id": "<id>", ...}.
    $ownLock = $Resume -and $TakeOver -and $previous.Contains('"set_id": "' + $SetId + '"')
    if ($age -lt $LockMaxAgeHours -and -not $ownLock) {
        throw "LYNC_BACKUP_LOCKED: $lockPath is held since $($lock.LastWriteTimeUtc.ToString('o')) (age $([Math]::Round($age, 2)) h) by $previous"
    }
    $aside = $lockPath + '.' + $RunId
    try {
        [System.IO.File]::Move($lockPath, $aside)
    } catch [System.IO.IOException] {
        # FileNotFoundException (an IOException): another run moved or released it first.
        throw "LYNC_BACKUP_LOCKED: $lockPath is held since $([DateTime]::UtcNow.ToString('o')) (age 0 h) by another run that took it over at the same moment ($($_.Exception.Message))"
    }
    # What was moved aside must be the lock judged above, and stale: two runs that read the same stale lock both get
    # here; the first takes it over and writes its own, and the second's Move would then take that fresh lock. Its
    # text is compared, and its age read again under the new name (a path this client has not asked about, so no
    # cached metadata of the old lock answers - the SMB client caches file information for seconds). Another text, or
    # a young lock that is not this set's own, is put back and the open refused.
    $moved = [System.IO.File]::ReadAllText($aside)
    $movedAge = ([DateTime]::UtcNow - (Get-Item -LiteralPath $aside -Force).LastWriteTimeUtc).TotalHours
    if (-not $moved.Equals($previous, [System.StringComparison]::Ordinal) -or ($movedAge -lt $LockMaxAgeHours -and -not $ownLock)) {
        try {
            [System.IO.File]::Move($aside, $lockPath)
        } catch [System.IO.IOException] {
            # A third run created a lock meanwhile: the one moved aside stays beside it, named, for the operator.
            throw "LYNC_BACKUP_LOCKED: $lockPath is held since $([DateTime]::UtcNow.ToString('o')) (age 0 h) by another run; the lock of a third run ($moved) could not be put back and is at $aside - check which backups run, then delete it"
        }
        throw "LYNC_BACKUP_LOCKED: $lockPath is held since $([DateTime]::UtcNow.ToString('o')) (age $([Math]::Round($movedAge, 2)) h) by $moved"
    }
    $takenOver = $previous
}
$asideLeft = $null
$created = $false
try {
    try {
        $stream = [System.IO.File]::Open($lockPath, [System.IO.FileMode]::CreateNew, [System.IO.FileAccess]::Write)
        $created = $true
        try {
            $bytes = [System.Text.Encoding]::UTF8.GetBytes($LockText)
            $stream.Write($bytes, 0, $bytes.Length)
        }
        finally {
            $stream.Dispose()
        }
    }
    finally {
        # The lock moved aside goes only now, once the new one exists (or another run's CreateNew won): a close that
        # reads the lock meanwhile finds one of the two, never neither (LYNC_LOCK_MOVING; review s9main 3).
        # File.Delete, not Remove-Item then Test-Path: Delete throws when the file stays (denied, in use) and not when
        # it is gone, where Test-Path answers $false for a file it cannot read too (review s13, 6). A removal that
        # fails does not fail the open (it holds its lock now): the file left is named in AsideLeft for a warning
        # (review s12, 5).
        if ($null -ne $takenOver) {
            try {
                [System.IO.File]::Delete($aside)
            }
            catch {
                $asideLeft = $aside
            }
        }
    }
}
catch {
    $failure = $_.Exception.Message
    $cause = $_.Exception
    if ($null -ne $cause.InnerException) { $cause = $cause.InnerException }  # a .NET method's error, as PowerShell wraps it
    if ($created) {
        # This run's lock exists but its text could not be written (a full share): a lock that names no set is one no
        # unlock releases, so it goes (review s16, 8), and one that cannot go is named (review s17, 2).
        try {
            [System.IO.File]::Delete($lockPath)
        }
        catch {
            $failure += "; this run's lock $lockPath holds no set and could not be deleted: delete it"
        }
    }
    elseif ($cause -is [System.IO.IOException] -and ($cause.HResult -eq -2147024816 -or $cause.HResult -eq -2147024713)) {
        # CreateNew lost: the file exists (ERROR_FILE_EXISTS 0x80070050, ERROR_ALREADY_EXISTS 0x800700B7): another run
        # created the lock first. Said in the collection's words, not only in the system's message, which is in the
        # system's language (reviews s16, 1 and s17, 1: the error code, not File.Exists, which is true for a lock being
        # deleted too).
        $failure = "LYNC_BACKUP_LOCKED: $lockPath is held since $([DateTime]::UtcNow.ToString('o')) (age 0 h) by another run that created it at the same moment ($failure)"
    }
    if ($null -ne $asideLeft) {
        $failure += "; the lock this run took over was moved to $asideLeft and could not be deleted: delete it (a close that finds no lock would take it for a takeover under way)"
    }
    throw $failure
}
if (-not $Resume) {
    $null = New-Item -ItemType Directory -Path $setPath
}

$Ansible.Result = @{ Path = $setPath; LockPath = $lockPath; TakenOverLock = $takenOver; AsideLeft = $asideLeft }
