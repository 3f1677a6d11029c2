# lync-payload: lync_filestore_copy
# Copies a folder tree with robocopy.exe (a Lync file store into a backup set, or back from a set onto a
# file server). Source, destination and each flag arrive as parameters and reach robocopy.exe as
# separate arguments of a native command (PowerShell passes each element of an array as its own
# argument, quoted where needed): nothing given is ever pasted into command text (no Invoke-Expression,
# no cmd.exe /c, no Start-Process -ArgumentList string). The decisions (what
# the exit code means, the counts of robocopy's closing table) are the action's
# (plugins/action/lync_filestore_copy.py); this returns the exit code, the last lines of robocopy's
# output (its summary table) and its ERROR lines.
# Run detached (plugins/plugin_utils/detached.py) robocopy.exe runs inside the scheduled task's
# powershell.exe, so the copy outlives the WinRM connection and the controller.
# Rights: read on the source tree and write on the destination (NTFS and, for a share, the share's own
# permissions) for the identity that runs it: the task's principal (lync_network_user) when detached,
# the become identity in session. No backup privilege is used (no /B or /ZB in the flags the roles give).
# stderr is not merged into the output (no 2>&1): on Windows PowerShell 5.1 with
# $ErrorActionPreference = 'Stop' a native program's stderr line redirected that way becomes a
# terminating NativeCommandError. Works on PowerShell 3.0 (native commands and $LASTEXITCODE are
# older than 3.0). robocopy.exe is found on the PATH (%SystemRoot%\System32, Windows Server 2008 and later).
# Microsoft pages:
#   https://learn.microsoft.com/windows-server/administration/windows-commands/robocopy
#     (syntax `robocopy <source> <destination> [<file>[ ...]] [<options>]`; exit codes: below 8 success,
#     "Any value greater than 8 indicates that there was at least one failure during the copy operation",
#     8 = "Several files didn't copy")
#   https://learn.microsoft.com/powershell/module/microsoft.powershell.core/about/about_parsing
#     (arguments to native programs; arrays passed as separate arguments)
#   https://learn.microsoft.com/powershell/module/microsoft.powershell.core/about/about_automatic_variables
#     ($LASTEXITCODE: the exit code of the last native program that was run)
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)][string]$Source,
    [Parameter(Mandatory = $true)][string]$Destination,
    [string[]]$Flags = @()
)
$ErrorActionPreference = 'Stop'

$lines = @(robocopy.exe $Source $Destination $Flags)
$exitCode = $LASTEXITCODE
$Ansible.Result = @{
    ExitCode = [int]$exitCode
    Tail     = @($lines | Select-Object -Last 40 | ForEach-Object { [string]$_ })
    Errors   = @($lines | Where-Object { [string]$_ -match '\bERROR\b' } | Select-Object -First 20 | ForEach-Object { [string]$_ })
}
$Ansible.Changed = $true
