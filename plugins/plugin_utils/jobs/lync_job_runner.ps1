# lync-job-runner
# Not a win_powershell payload: lync_job_start writes this text to the job folder as runner.ps1, and the
# job's scheduled task runs it as `powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -File
# runner.ps1`. It gives the work (work.ps1: a lync.server payload's text, unchanged) what
# ansible.windows.win_powershell gives a script - its parameters bound to param() and an $Ansible object
# with Result, Changed and Failed - runs it, and writes what came of it to result.xml: first to a
# temporary file, then renamed, so a reader sees the whole result or none. A work that throws is recorded
# as failed with its own error (its own error path has already removed what it left half done);
# powershell.exe then exits 1, the task's LastTaskResult.
# Rights: those of the work, as the task's principal.
# Microsoft pages:
#   https://learn.microsoft.com/powershell/module/microsoft.powershell.core/about/about_automatic_variables ($PSScriptRoot, PowerShell 3.0)
#   https://learn.microsoft.com/powershell/module/microsoft.powershell.utility/import-clixml
#   https://learn.microsoft.com/powershell/module/microsoft.powershell.utility/export-clixml
#   https://learn.microsoft.com/dotnet/api/system.management.automation.scriptblock.create
#   https://learn.microsoft.com/powershell/module/microsoft.powershell.core/about/about_splatting
#   https://learn.microsoft.com/powershell/module/microsoft.powershell.management/move-item
[CmdletBinding()]
param()
$ErrorActionPreference = 'Stop'

$folder = $PSScriptRoot
$parameters = Import-Clixml -LiteralPath (Join-Path -Path $folder -ChildPath 'parameters.xml')
$work = [scriptblock]::Create([System.IO.File]::ReadAllText((Join-Path -Path $folder -ChildPath 'work.ps1')))
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
