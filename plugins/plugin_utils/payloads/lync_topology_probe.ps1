# lync-payload: lync_topology_probe
# Reads the deployment's topology from the Lync Server Management Shell: product build,
# sites, pools, services (SQL stores, file stores, applications), the Central
# Management store location and its replication state. Read-only.
[CmdletBinding(SupportsShouldProcess)]
param()
$ErrorActionPreference = 'Stop'
$Ansible.Changed = $false

$lyncModule = Get-Module -ListAvailable -Name 'SkypeForBusiness', 'Lync' | Select-Object -First 1
if (-not $lyncModule) { throw 'LYNC_SHELL_MISSING: neither the SkypeForBusiness nor the Lync module is installed' }
Import-Module $lyncModule

function ConvertTo-Strings($Value) { @($Value | Where-Object { $null -ne $_ } | ForEach-Object { [string]$_ }) }

$coreKey = Get-ItemProperty -Path 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall\*' -ErrorAction SilentlyContinue |
    Where-Object { $_.DisplayName -match '(Lync Server|Skype for Business Server) \d{4}, Core Components' } |
    Select-Object -First 1

$sites = @(Get-CsSite | ForEach-Object {
    @{ Identity = [string]$_.Identity; SiteId = [string]$_.SiteId; DisplayName = [string]$_.DisplayName }
})
$pools = @(Get-CsPool | ForEach-Object {
    @{ Identity = [string]$_.Identity; Fqdn = [string]$_.Fqdn; Site = [string]$_.Site
       Computers = ConvertTo-Strings $_.Computers; Services = ConvertTo-Strings $_.Services }
})
$properties = 'Identity', 'Role', 'PoolFqdn', 'SiteId', 'SqlInstanceName', 'MirrorSqlInstanceName', 'UncPath',
    'ShareName', 'UserDatabase', 'ApplicationDatabase', 'FileStore', 'Registrar', 'Version'
$services = @(Get-CsService | ForEach-Object {
    $service = $_
    $entry = @{ DependentServiceList = ConvertTo-Strings $service.DependentServiceList }
    foreach ($name in $properties) {
        $value = $service.PSObject.Properties[$name]
        $entry[$name] = if ($value -and $null -ne $value.Value) { [string]$value.Value } else { $null }
    }
    $entry
})
$replication = @(Get-CsManagementStoreReplicationStatus | ForEach-Object {
    @{ ReplicaFqdn = [string]$_.ReplicaFqdn; UpToDate = [bool]$_.UpToDate
       LastStatusReport = [string]$_.LastStatusReport; LastUpdateCreation = [string]$_.LastUpdateCreation }
})
$cmsStatus = Get-CsManagementStoreReplicationStatus -CentralManagementStoreStatus

$Ansible.Result = @{
    Module = [string]$lyncModule.Name
    ServerVersion = [string](Get-CsServerVersion)
    ProductVersion = if ($coreKey) { [string]$coreKey.DisplayVersion } else { $null }
    Sites = $sites
    Pools = $pools
    Services = $services
    StoreLocation = [string](Get-CsConfigurationStoreLocation)
    Replication = $replication
    CmsStatus = @{
        ActiveMasterFqdn = [string]$cmsStatus.ActiveMasterFqdn
        ActiveFileTransferAgents = ConvertTo-Strings $cmsStatus.ActiveFileTransferAgents
        ActiveReplicatorAgents = ConvertTo-Strings $cmsStatus.ActiveReplicatorAgents
    }
}
