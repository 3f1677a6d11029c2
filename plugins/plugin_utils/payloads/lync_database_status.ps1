# lync-payload: lync_database_status
# Test-CsDatabase for the Central Management store or for the databases the topology puts
# on a SQL Server: which exist and at which version. Read-only; Test-CsDatabase gets
# -WhatIf:$false because win_powershell runs probes with -WhatIf in check mode. An empty
# SqlInstanceName is the default SQL Server instance: -SqlInstanceName is then left out.
# -ConfiguredDatabases has no instance filter: Python keeps the rows of the instance it wants.
# Succeed is compared with $true ([bool] of the string 'False' would be $true).
[CmdletBinding(SupportsShouldProcess)]
param(
    [Parameter(Mandatory = $true)][string]$Mode,
    [Parameter(Mandatory = $true)][string]$SqlServerFqdn,
    [string]$SqlInstanceName = ''
)
$ErrorActionPreference = 'Stop'
$Ansible.Changed = $false

$lyncModule = Get-Module -ListAvailable -Name 'SkypeForBusiness', 'Lync' | Select-Object -First 1
if (-not $lyncModule) { throw 'LYNC_SHELL_MISSING: neither the SkypeForBusiness nor the Lync module is installed' }
Import-Module $lyncModule

if ($Mode -eq 'cms' -and $SqlInstanceName) {
    $tests = Test-CsDatabase -CentralManagementDatabase -SqlServerFqdn $SqlServerFqdn -SqlInstanceName $SqlInstanceName -WhatIf:$false
}
elseif ($Mode -eq 'cms') {
    $tests = Test-CsDatabase -CentralManagementDatabase -SqlServerFqdn $SqlServerFqdn -WhatIf:$false
}
elseif ($Mode -eq 'configured') {
    $tests = Test-CsDatabase -ConfiguredDatabases -SqlServerFqdn $SqlServerFqdn -WhatIf:$false
}
else { throw "unknown mode: $Mode" }
$Ansible.Result = @{ Databases = @($tests | ForEach-Object {
    @{ SqlServerFqdn = [string]$_.SqlServerFqdn; SqlInstanceName = [string]$_.SqlInstanceName
       DatabaseName = [string]$_.DatabaseName; Succeed = ($_.Succeed -eq $true)
       ExpectedVersion = [string]$_.ExpectedVersion; InstalledVersion = [string]$_.InstalledVersion }
}) }
