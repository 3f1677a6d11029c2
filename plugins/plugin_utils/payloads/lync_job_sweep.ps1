# lync-payload: lync_job_sweep
# Read-only list of this collection's detached jobs on the host (see lync_job_start): every scheduled task in the
# task folder \lync.server\, with its state, the account it runs as (Principal.UserId) and the work id its job
# folder records (work.id: <set id>.<digest>). The collection (plugins/plugin_utils/detached.py, sweep_plan)
# decides which are orphans - named like its jobs, run as its principal, of a backup set other than the one this
# run holds open, and not running - and removes them with lync_job_remove -OnlyIfIdle; a running one is only
# reported. Changes nothing.
# Rights: a local Administrator (tasks registered with another account's credentials are visible to
# administrators); reading the job folders under $env:ProgramData.
# Microsoft pages:
#   https://learn.microsoft.com/powershell/module/scheduledtasks/get-scheduledtask
#     (-TaskPath: "\lync.server\" lists the tasks of that folder; Principal.UserId, State)
#   https://learn.microsoft.com/powershell/module/microsoft.powershell.management/get-content
[CmdletBinding(SupportsShouldProcess = $true)]
param()
$ErrorActionPreference = 'Stop'
$Ansible.Changed = $false

$jobs = Join-Path -Path $env:ProgramData -ChildPath 'lync.server\jobs'
# Changed: when the job last wrote - its result.xml, else its work.id (written at the start) - in UTC, ISO 8601, with
# this host's clock (Now): the collection removes an idle orphan only once that is old enough that no live run of
# another set can still be about to collect it.
$found = @(Get-ScheduledTask -TaskPath '\lync.server\' -ErrorAction SilentlyContinue | ForEach-Object {
    $folder = Join-Path -Path $jobs -ChildPath $_.TaskName
    $workFile = Join-Path -Path $folder -ChildPath 'work.id'
    $resultFile = Join-Path -Path $folder -ChildPath 'result.xml'
    $workId = $null
    $changed = $null
    if (Test-Path -LiteralPath $workFile -PathType Leaf) {
        $workId = (Get-Content -LiteralPath $workFile -Raw -Encoding ASCII)
        $changed = (Get-Item -LiteralPath $workFile -Force).LastWriteTimeUtc.ToString('o')
    }
    if (Test-Path -LiteralPath $resultFile -PathType Leaf) {
        $changed = (Get-Item -LiteralPath $resultFile -Force).LastWriteTimeUtc.ToString('o')
    }
    @{ Name = [string]$_.TaskName; Path = [string]$_.TaskPath; State = [string]$_.State; UserId = [string]$_.Principal.UserId; WorkId = $workId; Changed = $changed }
})
$Ansible.Result = @{ Tasks = $found; Now = [DateTime]::UtcNow.ToString('o') }
