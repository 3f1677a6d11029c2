# lync-payload: lync_job_remove
# Removes a detached job (see lync_job_start) once its result has been read, or when it is given up:
# with -Stop, a task still running is stopped first (Stop-ScheduledTask ends the task's powershell.exe;
# work it started in another process - a BACKUP in SQL Server - is that process's to abort: SQL Server
# aborts a BACKUP when its client connection closes). Then the task is unregistered and the job folder
# (runner, work text, parameters, result) deleted. A job that is already gone is not an error.
# Rights: a local Administrator.
# Microsoft pages:
#   https://learn.microsoft.com/powershell/module/scheduledtasks/get-scheduledtask
#   https://learn.microsoft.com/powershell/module/scheduledtasks/stop-scheduledtask
#   https://learn.microsoft.com/powershell/module/scheduledtasks/unregister-scheduledtask
#   https://learn.microsoft.com/powershell/module/microsoft.powershell.management/remove-item
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)][ValidatePattern('^lync\.server-[A-Za-z0-9._-]{1,200}$')][string]$JobName,
    [switch]$Stop
)
$ErrorActionPreference = 'Stop'

$taskPath = '\lync.server\'
$folder = Join-Path -Path $env:ProgramData -ChildPath "lync.server\jobs\$JobName"
$task = Get-ScheduledTask -TaskName $JobName -TaskPath $taskPath -ErrorAction SilentlyContinue
$stopped = $false
if ($task -and $Stop -and [string]$task.State -eq 'Running') {
    Stop-ScheduledTask -TaskName $JobName -TaskPath $taskPath
    $stopped = $true
}
if ($task) {
    Unregister-ScheduledTask -TaskName $JobName -TaskPath $taskPath -Confirm:$false
}
$hadFolder = Test-Path -LiteralPath $folder -PathType Container
if ($hadFolder) {
    Remove-Item -LiteralPath $folder -Recurse -Force
}
$Ansible.Changed = ([bool]$task -or $hadFolder)
$Ansible.Result = @{ Job = $JobName; Unregistered = [bool]$task; Stopped = $stopped; FolderRemoved = $hadFolder }
