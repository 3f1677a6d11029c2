# lync-payload: lync_services
# Starts or stops the Lync Server services of this server (Start-/Stop-CsWindowsService -NoWait; all of
# them, or each named one: -Name takes a single service name) and reports every service's state with
# Get-CsWindowsService, before and after. State 'query' only reports. It never waits: the action plugin polls with
# 'query' and decides which services must get there (MASTER and FTA run only on the active Central
# Management Server; a Front End pool's services stay StartPending until enough of its Front Ends start).
# A non-terminating error of one Start-/Stop-CsWindowsService call must not end the payload (with
# $ErrorActionPreference = 'Stop' it would, and the services after it would never be asked): each call
# runs with -ErrorAction SilentlyContinue -ErrorVariable +failed, and the error texts travel back in
# Errors for the action plugin to report when the wait fails. Get-CsWindowsService -ExcludeActivityLevel
# (Lync Server 2013, Skype for Business Server 2015 and 2019) leaves out the activity counters it does
# not need.
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)][string]$State,
    [string[]]$Names = @()
)
$ErrorActionPreference = 'Stop'

$lyncModule = Get-Module -ListAvailable -Name 'SkypeForBusiness', 'Lync' | Select-Object -First 1
if (-not $lyncModule) { throw 'LYNC_SHELL_MISSING: neither the SkypeForBusiness nor the Lync module is installed' }
Import-Module $lyncModule

if ($State -notin @('started', 'stopped', 'query')) { throw "unknown state: $State" }
$failed = New-Object -TypeName System.Collections.ArrayList  # -ErrorVariable +failed appends to it
$before = @(Get-CsWindowsService -ExcludeActivityLevel | ForEach-Object { @{ Name = [string]$_.Name; Status = [string]$_.Status } })
# -ErrorAction SilentlyContinue "has no effect on terminating errors" (about_CommonParameters): each call is
# also in try/catch, so a terminating error on one service is collected and the next call still runs.
if ($State -eq 'started' -and $Names.Count -eq 0) {
    try { Start-CsWindowsService -NoWait -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable +failed } catch { $null = $failed.Add($_) }
}
if ($State -eq 'stopped' -and $Names.Count -eq 0) {
    try { Stop-CsWindowsService -NoWait -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable +failed } catch { $null = $failed.Add($_) }
}
foreach ($name in $Names) {
    if ($State -eq 'started') {
        try { Start-CsWindowsService -Name $name -NoWait -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable +failed } catch { $null = $failed.Add($_) }
    }
    if ($State -eq 'stopped') {
        try { Stop-CsWindowsService -Name $name -NoWait -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable +failed } catch { $null = $failed.Add($_) }
    }
}

$Ansible.Changed = $State -ne 'query'
$Ansible.Result = @{
    Before   = $before
    Services = @(Get-CsWindowsService -ExcludeActivityLevel | ForEach-Object { @{ Name = [string]$_.Name; Status = [string]$_.Status } })
    Errors   = @($failed | ForEach-Object { [string]$_ })
}
