# lync-job-runner
# Not a win_powershell payload: lync_job_start writes this text to the job folder as runner.ps1, and the
# job's scheduled task runs it as command text, not as a script file: `powershell.exe -NoProfile
# -NonInteractive -Command "& ([scriptblock]::Create((Get-Content -LiteralPath '<folder>\runner.ps1' -Raw -Encoding
# UTF8))) '<folder>'"`. Execution policy governs script files, and a Group Policy execution policy (AllSigned)
# overrides -ExecutionPolicy Bypass, so an unsigned runner.ps1 run with -File would be refused there;
# text given with -Command is not a script file (about_Execution_Policies). It gives the work (work.ps1: a lync.server payload's text, unchanged) what
# ansible.windows.win_powershell gives a script - its parameters bound to param() and an $Ansible object
# with Result, Changed and Failed - runs it, and writes what came of it to result.xml: first to a
# temporary file, then renamed, so a reader sees the whole result or none. A work that throws is recorded
# as failed with its own error (its own error path has already removed what it left half done);
# powershell.exe then exits 1, the task's LastTaskResult.
# FullLanguage is required (docs/architecture.md): under an AppLocker or WDAC policy's ConstrainedLanguage,
# [scriptblock]::Create and [pscustomobject] are refused (about_Language_Modes); files are read with Get-Content
# -Raw -Encoding UTF8 (PowerShell 3.0 and later), not [System.IO.File]::ReadAllText.
# First it records its own process (process.xml: $PID and its start time in UTC ticks), so that a stop can end the processes
# it started (robocopy.exe: Stop-ScheduledTask ends this powershell.exe, not its children; lync_job_stop).
# Rights: those of the work, as the task's principal.
# Microsoft pages:
#   https://learn.microsoft.com/powershell/module/microsoft.powershell.core/about/about_execution_policies
#   https://learn.microsoft.com/powershell/module/microsoft.powershell.core/about/about_powershell_exe (-Command; exit codes)
#   https://learn.microsoft.com/powershell/module/microsoft.powershell.utility/import-clixml
#   https://learn.microsoft.com/powershell/module/microsoft.powershell.utility/export-clixml
#   https://learn.microsoft.com/dotnet/api/system.management.automation.scriptblock.create
#   https://learn.microsoft.com/powershell/module/microsoft.powershell.core/about/about_splatting
#   https://learn.microsoft.com/powershell/module/microsoft.powershell.management/move-item
#   https://learn.microsoft.com/powershell/module/microsoft.powershell.management/get-content (-Raw, -Encoding)
#   https://learn.microsoft.com/powershell/module/microsoft.powershell.management/get-process (StartTime)
#   https://learn.microsoft.com/powershell/module/microsoft.powershell.core/about/about_language_modes
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)][string]$JobFolder
)
$ErrorActionPreference = 'Stop'

$folder = $JobFolder
$self = Get-Process -Id $PID
Export-Clixml -LiteralPath (Join-Path -Path $folder -ChildPath 'process.xml') -InputObject @{ ProcessId = $PID; StartTicks = $self.StartTime.ToUniversalTime().Ticks }
$parameters = Import-Clixml -LiteralPath (Join-Path -Path $folder -ChildPath 'parameters.xml')
$work = [scriptblock]::Create((Get-Content -LiteralPath (Join-Path -Path $folder -ChildPath 'work.ps1') -Raw -Encoding UTF8))
$Ansible = [pscustomobject]@{ Result = @{}; Changed = $true; Failed = $false; CheckMode = $false; Diff = @{}; Verbosity = 0; Tmpdir = $folder }
try {
    $null = & $work @parameters
    $outcome = @{ Failed = [bool]$Ansible.Failed; Changed = [bool]$Ansible.Changed; Result = $Ansible.Result; Error = $null }
} catch {
    $outcome = @{ Failed = $true; Changed = [bool]$Ansible.Changed; Result = $null; Error = [string]$_.Exception.Message }
}
$temporary = Join-Path -Path $folder -ChildPath 'result.tmp'
Export-Clixml -LiteralPath $temporary -InputObject $outcome -Depth 16
Move-Item -LiteralPath $temporary -Destination (Join-Path -Path $folder -ChildPath 'result.xml') -Force
if ($outcome.Failed) {
    exit 1
}
