# lync-payload: lync_job_start
# Starts one piece of long work (a lync.server payload: a SQL backup, a SQL restore, a file-store copy)
# as a scheduled task, detached from this WinRM session, or reports the task that already exists under
# the job's name: a rerun finds its job (running or finished) and never starts a second one. The job's
# name is chosen by the collection (plugins/plugin_utils/detached.py) from what the work is.
# The job folder $env:ProgramData\lync.server\jobs\<name>\ receives the runner (jobs/lync_job_runner.ps1),
# the work's payload text and its parameters (Export-Clixml). No secret is written there: the work's
# parameters carry none (detached.py refuses them); the task principal's password goes only to
# Register-ScheduledTask, which keeps it in the Task Scheduler's protected credential store.
# The task runs powershell.exe on the runner as $Principal (logon type Password, run level Highest),
# so the work has that account's identity both on this host and on the network (the share, SQL Server).
# Rights: a local Administrator in this session (Register-ScheduledTask with -RunLevel Highest and
# another account's password); the principal needs "Log on as a batch job" on this host
# (members of Administrators and Backup Operators hold it by default).
# Hosts without the ScheduledTasks module (before Windows Server 2012 / Windows 8) get the marker
# LYNC_JOB_UNSUPPORTED; the collection then runs the work in this session, with a warning.
# Microsoft pages:
#   https://learn.microsoft.com/powershell/module/scheduledtasks/get-scheduledtask
#   https://learn.microsoft.com/powershell/module/scheduledtasks/new-scheduledtaskaction
#   https://learn.microsoft.com/powershell/module/scheduledtasks/new-scheduledtasksettingsset
#   https://learn.microsoft.com/powershell/module/scheduledtasks/register-scheduledtask
#   https://learn.microsoft.com/powershell/module/scheduledtasks/start-scheduledtask
#   https://learn.microsoft.com/powershell/module/microsoft.powershell.utility/export-clixml
#   https://learn.microsoft.com/dotnet/api/system.io.file.writealltext
#   https://learn.microsoft.com/windows/win32/taskschd/security-contexts-for-running-tasks
#     (a task of logon type Password or S4U starts only when its user holds "Log on as a batch job";
#     Administrators and Backup Operators hold it by default. S4U - what ansible.windows.win_updates uses -
#     gives the task no network credentials, hence Password here: the work reaches the share and SQL Server.)
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)][ValidatePattern('^lync\.server-[A-Za-z0-9._-]{1,200}$')][string]$JobName,
    [Parameter(Mandatory = $true)][string]$RunnerText,
    [Parameter(Mandatory = $true)][string]$WorkText,
    [hashtable]$WorkParameters = @{},
    [Parameter(Mandatory = $true)][System.Management.Automation.PSCredential]$Principal
)
$ErrorActionPreference = 'Stop'

$taskPath = '\lync.server\'
if (-not (Get-Command -Name Register-ScheduledTask -ErrorAction SilentlyContinue)) {
    throw 'LYNC_JOB_UNSUPPORTED: this host has no ScheduledTasks module (Windows Server 2012 / Windows 8 or later)'
}
$folder = Join-Path -Path $env:ProgramData -ChildPath "lync.server\jobs\$JobName"
$existing = Get-ScheduledTask -TaskName $JobName -TaskPath $taskPath -ErrorAction SilentlyContinue
$started = $false
$state = ''
if ($existing) {
    $state = [string]$existing.State
} else {
    $null = New-Item -Path $folder -ItemType Directory -Force
    # A result left by a job whose task was removed by hand is not this run's result.
    Remove-Item -LiteralPath (Join-Path -Path $folder -ChildPath 'result.xml') -Force -ErrorAction SilentlyContinue
    $runner = Join-Path -Path $folder -ChildPath 'runner.ps1'
    [System.IO.File]::WriteAllText($runner, $RunnerText, [System.Text.Encoding]::UTF8)
    [System.IO.File]::WriteAllText((Join-Path -Path $folder -ChildPath 'work.ps1'), $WorkText, [System.Text.Encoding]::UTF8)
    Export-Clixml -LiteralPath (Join-Path -Path $folder -ChildPath 'parameters.xml') -InputObject $WorkParameters -Depth 8
    $action = New-ScheduledTaskAction -Execute 'powershell.exe' -Argument ('-NoProfile -NonInteractive -ExecutionPolicy Bypass -File "{0}"' -f $runner)
    $settings = New-ScheduledTaskSettingsSet -AllowStartIfOnBatteries -DontStopIfGoingOnBatteries -MultipleInstances IgnoreNew
    # The password leaves this process only for the Task Scheduler (held in memory here, never written).
    $password = $Principal.GetNetworkCredential().Password
    $null = Register-ScheduledTask -TaskName $JobName -TaskPath $taskPath -Action $action -Settings $settings -User $Principal.UserName -Password $password -RunLevel Highest
    Start-ScheduledTask -TaskName $JobName -TaskPath $taskPath
    $started = $true
    $state = 'Running'
}
$Ansible.Changed = $started
$Ansible.Result = @{ Job = $JobName; Started = $started; State = $state }
