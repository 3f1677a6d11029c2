# lync-payload: lync_recovery_check
# After a recovery: the Lync services of this server, Test-CsDatabase for the SQL Servers
# named, the Central Management store's replication state and service control point, and
# the certificates assigned to Lync usages here. Read-only.
[CmdletBinding(SupportsShouldProcess)]
param(
    [string[]]$SqlServers = @()
)
$ErrorActionPreference = 'Stop'
$Ansible.Changed = $false

$lyncModule = Get-Module -ListAvailable -Name 'SkypeForBusiness', 'Lync' | Select-Object -First 1
if (-not $lyncModule) { throw 'LYNC_SHELL_MISSING: neither the SkypeForBusiness nor the Lync module is installed' }
Import-Module $lyncModule

$databases = @(foreach ($server in $SqlServers) {
    Test-CsDatabase -ConfiguredDatabases -SqlServerFqdn $server -WhatIf:$false | ForEach-Object {
        @{ SqlServerFqdn = [string]$_.SqlServerFqdn; SqlInstanceName = [string]$_.SqlInstanceName
           DatabaseName = [string]$_.DatabaseName; Succeed = ($_.Succeed -eq $true)
           ExpectedVersion = [string]$_.ExpectedVersion; InstalledVersion = [string]$_.InstalledVersion }
    }
})
$Ansible.Result = @{
    Services = @(Get-CsWindowsService | ForEach-Object { @{ Name = [string]$_.Name; Status = [string]$_.Status } })
    Databases = $databases
    Replication = @(Get-CsManagementStoreReplicationStatus | ForEach-Object {
        @{ ReplicaFqdn = [string]$_.ReplicaFqdn; UpToDate = [bool]$_.UpToDate } })
    StoreLocation = [string](Get-CsConfigurationStoreLocation)
    Certificates = @(Get-CsCertificate | ForEach-Object { @{ Use = [string]$_.Use; Thumbprint = [string]$_.Thumbprint } })
}
