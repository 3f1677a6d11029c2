# lync-payload: lync_job_remove
# Removes a detached job (see lync_job_start) once its result has been read, or when it is given up:
# with -Stop, a task still running is stopped first (Stop-ScheduledTask ends the task's powershell.exe;
# work it started in another process - a BACKUP in SQL Server - is that process's to abort: SQL Server
# aborts a BACKUP when its client connection closes). Then the task is unregistered and the job folder
# (runner, work text, parameters, result) deleted. A job that is already gone is not an error.
# -OnlyIfIdle (the sweep of orphans, lync_job_sweep): a task that runs (or is queued) is left alone and reported
# Skipped; nothing is removed.
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
    [switch]$OnlyIfIdle
)
$ErrorActionPreference = 'Stop'

$taskPath = '\lync.server\'
$folder = Join-Path -Path $env:ProgramData -ChildPath "lync.server\jobs\$JobName"
$task = Get-ScheduledTask -TaskName $JobName -TaskPath $taskPath -ErrorAction SilentlyContinue
$skipped = [bool]($OnlyIfIdle -and $task -and (@('Running', 'Queued') -contains [string]$task.State))
$stopped = $false
if ($task -and $Stop -and [string]$task.State -eq 'Running') {
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
$Ansible.Changed = (([bool]$task -and -not $skipped) -or $hadFolder)
$Ansible.Result = @{ Job = $JobName; Unregistered = ([bool]$task -and -not $skipped); Stopped = $stopped; FolderRemoved = ($hadFolder -and $null -eq $folderError); FolderError = $folderError; Skipped = $skipped }
