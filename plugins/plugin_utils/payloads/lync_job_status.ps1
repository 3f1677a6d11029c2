# lync-payload: lync_job_status
# Read-only probe of a detached job (see lync_job_start): the scheduled task's state and last result,
# and the job's result, once the runner has written it (result.xml appears whole: the runner writes a
# temporary file and renames it), and what the job recorded for a stop (Records: process.xml, the runner's
# process id and start time; sql_session.xml, the SQL session the work opened): values the collection checks
# before they go to lync_job_stop. Changes nothing.
# Rights: a local Administrator (tasks registered with another account's credentials are visible to
# administrators); reading the job folder under $env:ProgramData.
# Microsoft pages:
#   https://learn.microsoft.com/powershell/module/scheduledtasks/get-scheduledtask
#   https://learn.microsoft.com/powershell/module/scheduledtasks/get-scheduledtaskinfo
#   https://learn.microsoft.com/powershell/module/microsoft.powershell.utility/import-clixml
#   https://learn.microsoft.com/windows/win32/taskschd/task-scheduler-error-and-success-constants
#     (LastTaskResult 267009 = SCHED_S_TASK_RUNNING, 267011 = SCHED_S_TASK_HAS_NOT_RUN, 267014 = SCHED_S_TASK_TERMINATED)
[CmdletBinding(SupportsShouldProcess = $true)]
param(
    [Parameter(Mandatory = $true)][ValidatePattern('^lync\.server-[A-Za-z0-9._-]{1,200}$')][string]$JobName
)
$ErrorActionPreference = 'Stop'
$Ansible.Changed = $false

$taskPath = '\lync.server\'
$folder = Join-Path -Path $env:ProgramData -ChildPath "lync.server\jobs\$JobName"
$resultFile = Join-Path -Path $folder -ChildPath 'result.xml'
$processFile = Join-Path -Path $folder -ChildPath 'process.xml'
$sqlFile = Join-Path -Path $folder -ChildPath 'sql_session.xml'
# Only "no such task" is no task (the query's CmdletizationQuery_NotFound, see lync_job_start): a Task Scheduler or
# CIM failure is rethrown, not read as "the job is gone" (review s9b, finding 1).
$task = $null
try {
    $task = Get-ScheduledTask -TaskName $JobName -TaskPath $taskPath -ErrorAction Stop
} catch {
    $queryError = [string]$_.FullyQualifiedErrorId
    if (-not $queryError.StartsWith('CmdletizationQuery_NotFound', [System.StringComparison]::Ordinal)) {
        throw
    }
}
$state = ''
$lastResult = $null
if ($task) {
    # This probe takes no lock: another run's collection may remove the task between the two calls. The method
    # cmdlet reports a missing task as the provider's HRESULT 0x80070002 (PowerShell/PowerShell#2967): gone.
    try {
        $lastResult = [long](Get-ScheduledTaskInfo -TaskName $JobName -TaskPath $taskPath -ErrorAction Stop).LastTaskResult
        $state = [string]$task.State
    } catch {
        if (-not ([string]$_.FullyQualifiedErrorId).StartsWith('HRESULT 0x80070002,', [System.StringComparison]::Ordinal)) {
            throw
        }
        $task = $null
        $lastResult = $null
    }
}
# The work the job runs (work.id, as lync_job_start wrote it): the collection collects only its own work's result;
# the name is the same on every run, so a worker of a run that died can find a newer run's job under it.
$workFile = Join-Path -Path $folder -ChildPath 'work.id'
$workId = $null
if (Test-Path -LiteralPath $workFile -PathType Leaf) {
    $workId = [System.IO.File]::ReadAllText($workFile)
}
$outcome = $null
if (Test-Path -LiteralPath $resultFile -PathType Leaf) {
    $outcome = Import-Clixml -LiteralPath $resultFile
}
$records = @{ Process = $null; Sql = $null }
if (Test-Path -LiteralPath $processFile -PathType Leaf) {
    $records.Process = Import-Clixml -LiteralPath $processFile
}
if (Test-Path -LiteralPath $sqlFile -PathType Leaf) {
    $records.Sql = Import-Clixml -LiteralPath $sqlFile
}
$Ansible.Result = @{ Job = $JobName; WorkId = $workId; Exists = [bool]$task; State = $state; LastTaskResult = $lastResult; HasOutcome = ($null -ne $outcome); Outcome = $outcome; Records = $records }
