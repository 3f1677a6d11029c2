# lync-payload: lync_job_remove
# Removes a detached job (see lync_job_start) once its result has been read, or when it is given up:
# with -Stop, a task still running is stopped first (Stop-ScheduledTask ends the task's powershell.exe;
# work it started in another process - a BACKUP in SQL Server - is that process's to abort: SQL Server
# aborts a BACKUP when its client connection closes). Then the task is unregistered and the job folder
# (runner, work text, parameters, result) deleted. A job that is already gone is not an error.
# -OnlyIfIdle (the sweep of orphans, lync_job_sweep): a task that runs (or is queued) is left alone and reported
# Skipped; nothing is removed. With -WorkId (the sweep passes the work id it listed), the job is removed only while
# its folder's work.id is still that work: a job name is the same on every run, so between the sweep's listing and
# this call another start may have removed the listed job and registered newer work under the name - that job is
# left alone and reported Skipped (Reused).
# Rights: a local Administrator.
# Microsoft pages:
#   https://learn.microsoft.com/powershell/module/scheduledtasks/get-scheduledtask
#   https://learn.microsoft.com/powershell/module/scheduledtasks/stop-scheduledtask
#   https://learn.microsoft.com/powershell/module/scheduledtasks/unregister-scheduledtask
#   https://learn.microsoft.com/powershell/module/microsoft.powershell.management/remove-item
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)][ValidatePattern('^lync\.server-[A-Za-z0-9._-]{1,200}$')][string]$JobName,
    [switch]$Stop,
    [switch]$OnlyIfIdle,
    [ValidatePattern('^[A-Za-z0-9._-]{1,120}$')][string]$WorkId
)
$ErrorActionPreference = 'Stop'

$taskPath = '\lync.server\'
$folder = Join-Path -Path $env:ProgramData -ChildPath "lync.server\jobs\$JobName"
# Never while a start works on this host (lync_job_start holds lync.server\jobs.lock open, FileShare None, from its
# "no task" query to its Start): between a removal's Unregister and its Remove-Item, a start could make a new folder
# under the same name (review jobstart2, finding 3). Busy: LYNC_JOB_BUSY, which the collection retries.
# The lock file must be there: every removal follows a start of this run on this host, which made it. Missing (an
# operator deleted it) or not a file, the removal refuses rather than run unlocked: a start could make the file and
# hold it meanwhile (review jobstart3, finding 5); the next start makes it again.
$lockFile = Join-Path -Path $env:ProgramData -ChildPath 'lync.server\jobs.lock'
if (-not (Test-Path -LiteralPath $lockFile -PathType Leaf)) {
    throw "LYNC_JOB_UNSAFE: $lockFile is missing or not a file, so this removal cannot exclude a start; nothing was removed. The next start of a job on this host makes it again; then run again"
}
# Only the lock file lync_job_start made (owned by Administrators or SYSTEM, not a link): see lync_job_start.
$lockItem = Get-Item -LiteralPath $lockFile -Force
$lockOwner = (Get-Acl -LiteralPath $lockFile).GetOwner([System.Security.Principal.SecurityIdentifier]).Value
if (($lockItem.Attributes -band [System.IO.FileAttributes]::ReparsePoint) -ne 0 -or @('S-1-5-32-544', 'S-1-5-18') -notcontains $lockOwner) {
    throw "LYNC_JOB_UNSAFE: $lockFile is not the lock file this collection makes (owner $lockOwner); check who made it, close what holds it, delete it, and run again"
}
try {
    $removeLock = [System.IO.File]::Open($lockFile, [System.IO.FileMode]::Open, [System.IO.FileAccess]::ReadWrite, [System.IO.FileShare]::None)
} catch [System.UnauthorizedAccessException] {
    # Access denied is not an IOException: see lync_job_start (review s9b, finding 5).
    throw "LYNC_JOB_LOCK_FAILED: $lockFile could not be opened: $($_.Exception.Message) (check its attributes and ACL); nothing was removed"
} catch [System.IO.IOException] {
    # Only a sharing or lock violation (HResult 0x80070020 or 0x80070021, compared whole) is "held": see lync_job_start.
    if (@(-2147024864, -2147024863) -notcontains $_.Exception.HResult) {
        throw "LYNC_JOB_LOCK_FAILED: $lockFile could not be opened: $($_.Exception.Message); nothing was removed"
    }
    throw "LYNC_JOB_BUSY: a start of a lync.server job on this host holds $lockFile; nothing was removed"
}
try {
    # Only "no such task" means no task (the id with name and path given: CmdletizationQuery_NotFound,Get-ScheduledTask;
    # see lync_job_start); any other failure is rethrown - taken for "no task", it would delete a running job's folder.
    $task = $null
    try {
        $task = Get-ScheduledTask -TaskName $JobName -TaskPath $taskPath -ErrorAction Stop
    } catch {
        $queryError = [string]$_.FullyQualifiedErrorId
        if (-not $queryError.StartsWith('CmdletizationQuery_NotFound', [System.StringComparison]::Ordinal)) {
            throw
        }
    }
    $reused = $false
    if ($WorkId) {
        $workFile = Join-Path -Path $folder -ChildPath 'work.id'
        $current = $null
        if (Test-Path -LiteralPath $workFile -PathType Leaf) {
            $current = [System.IO.File]::ReadAllText($workFile)
        }
        $reused = -not $WorkId.Equals($current, [System.StringComparison]::Ordinal)
    }
    $skipped = [bool]($reused -or ($OnlyIfIdle -and $task -and (@('Running', 'Queued') -contains [string]$task.State)))
    $stopped = $false
    if ($task -and $Stop -and -not $skipped -and [string]$task.State -eq 'Running') {
        Stop-ScheduledTask -TaskName $JobName -TaskPath $taskPath
        $stopped = $true
    }
    if ($task -and -not $skipped) {
        Unregister-ScheduledTask -TaskName $JobName -TaskPath $taskPath -Confirm:$false
    }
    $hadFolder = (-not $skipped) -and (Test-Path -LiteralPath $folder -PathType Container)
    $folderError = $null
    if ($hadFolder) {
        try {
            Remove-Item -LiteralPath $folder -Recurse -Force
        } catch {
            # A file held for a moment (antivirus, the indexer) does not undo the job's result: the collection warns
            # and names the folder to delete (the next start of this job refuses a folder it did not create).
            $folderError = [string]$_.Exception.Message
        }
    }
} finally {
    $removeLock.Dispose()
}
$Ansible.Changed = (([bool]$task -and -not $skipped) -or $hadFolder)
$Ansible.Result = @{ Job = $JobName; Unregistered = ([bool]$task -and -not $skipped); Stopped = $stopped; FolderRemoved = ($hadFolder -and $null -eq $folderError); FolderError = $folderError; Skipped = $skipped; Reused = $reused }
