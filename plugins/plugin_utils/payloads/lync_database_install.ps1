# lync-payload: lync_database_install
# Install-CsDatabase as Topology Builder does it: the Central Management store database
# (-CentralManagementDatabase, on the CMS host's instance) or every database the topology
# puts on a SQL Server (-ConfiguredDatabases), with their ACLs. -Clean drops and recreates.
# An empty SqlInstanceName is the default SQL Server instance: -SqlInstanceName is then left
# out ("If this parameter is omitted, ... the default SQL Server instance").
# -ConfiguredDatabases acts on every instance of the server unless -ForInstance <name> or
# -ForDefaultInstance keeps it to one ("only act against the specified SQL Server instance").
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)][string]$Mode,
    [Parameter(Mandatory = $true)][string]$SqlServerFqdn,
    [string]$SqlInstanceName = '',
    [string]$ForInstance = '',
    [switch]$ForDefaultInstance,
    [switch]$Clean,
    [switch]$UseDefaultSqlPaths
)
$ErrorActionPreference = 'Stop'

$lyncModule = Get-Module -ListAvailable -Name 'SkypeForBusiness', 'Lync' | Select-Object -First 1
if (-not $lyncModule) { throw 'LYNC_SHELL_MISSING: neither the SkypeForBusiness nor the Lync module is installed' }
Import-Module $lyncModule

if ($Mode -eq 'cms' -and $SqlInstanceName) {
    Install-CsDatabase -CentralManagementDatabase -SqlServerFqdn $SqlServerFqdn -SqlInstanceName $SqlInstanceName -Clean:$Clean -UseDefaultSqlPaths:$UseDefaultSqlPaths -Confirm:$false
}
elseif ($Mode -eq 'cms') {
    Install-CsDatabase -CentralManagementDatabase -SqlServerFqdn $SqlServerFqdn -Clean:$Clean -UseDefaultSqlPaths:$UseDefaultSqlPaths -Confirm:$false
}
elseif ($Mode -eq 'configured' -and $ForInstance -and $ForDefaultInstance) {
    # Install-CsDatabase: "You cannot use both ForDefaultInstance and ForInstance in the same command."
    throw 'You cannot use both ForInstance and ForDefaultInstance in the same command.'
}
elseif ($Mode -eq 'configured' -and $ForInstance) {
    Install-CsDatabase -ConfiguredDatabases -SqlServerFqdn $SqlServerFqdn -ForInstance $ForInstance -Clean:$Clean -UseDefaultSqlPaths:$UseDefaultSqlPaths -Confirm:$false
}
elseif ($Mode -eq 'configured' -and $ForDefaultInstance) {
    Install-CsDatabase -ConfiguredDatabases -SqlServerFqdn $SqlServerFqdn -ForDefaultInstance -Clean:$Clean -UseDefaultSqlPaths:$UseDefaultSqlPaths -Confirm:$false
}
elseif ($Mode -eq 'configured') {
    Install-CsDatabase -ConfiguredDatabases -SqlServerFqdn $SqlServerFqdn -Clean:$Clean -UseDefaultSqlPaths:$UseDefaultSqlPaths -Confirm:$false
}
else { throw "unknown mode: $Mode" }
$Ansible.Result = @{ Mode = $Mode; SqlServerFqdn = $SqlServerFqdn }
