# lync-payload: lync_services
# Starts or stops the Lync Server services of this server (Start-/Stop-CsWindowsService;
# all of them, or the named ones) and waits until Get-CsWindowsService shows them so,
# because the Deployment Wizard's own start report is only "best effort".
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)][string]$State,
    [string[]]$Names = @(),
    [int]$WaitSeconds = 600
)
$ErrorActionPreference = 'Stop'

$lyncModule = Get-Module -ListAvailable -Name 'SkypeForBusiness', 'Lync' | Select-Object -First 1
if (-not $lyncModule) { throw 'LYNC_SHELL_MISSING: neither the SkypeForBusiness nor the Lync module is installed' }
Import-Module $lyncModule

function Get-LyncServiceState {
    @(Get-CsWindowsService | ForEach-Object { @{ Name = [string]$_.Name; Status = [string]$_.Status } })
}
$before = @(Get-LyncServiceState)
if ($State -eq 'started') {
    if ($Names.Count -gt 0) { Start-CsWindowsService -Name $Names -Confirm:$false } else { Start-CsWindowsService -Confirm:$false }
    $want = 'Running'
}
elseif ($State -eq 'stopped') {
    if ($Names.Count -gt 0) { Stop-CsWindowsService -Name $Names -Confirm:$false } else { Stop-CsWindowsService -Confirm:$false }
    $want = 'Stopped'
}
else { throw "unknown state: $State" }

$deadline = (Get-Date).AddSeconds($WaitSeconds)
do {
    $after = @(Get-LyncServiceState)
    $pending = @($after | Where-Object { ($Names.Count -eq 0 -or $Names -contains $_.Name) -and $_.Status -ne $want })
    if ($pending.Count -eq 0) { break }
    Start-Sleep -Seconds 5
} while ((Get-Date) -lt $deadline)

$Ansible.Changed = (($before | ForEach-Object { "$($_.Name)=$($_.Status)" }) -join ',') -ne (($after | ForEach-Object { "$($_.Name)=$($_.Status)" }) -join ',')
$Ansible.Result = @{ Before = $before; After = $after; NotYet = @($pending | ForEach-Object { $_.Name }) }
