# lync-payload: lync_cms_import
# Brings the Central Management store back, as Microsoft's CMS restore does: the AD service
# control point (Set-CsConfigurationStoreLocation), the configuration from the backup
# (Import-CsConfiguration, copied to a local folder first) and Enable-CsTopology.
# An empty SqlInstanceName is the default SQL Server instance: -SqlInstanceName is then left
# out (SqlClient cannot reach a default instance as <server>\MSSQLSERVER).
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)][string]$SqlServerFqdn,
    [string]$SqlInstanceName = '',
    [Parameter(Mandatory = $true)][string]$ConfigurationFile,
    [string]$StagingPath = ''
)
$ErrorActionPreference = 'Stop'

$lyncModule = Get-Module -ListAvailable -Name 'SkypeForBusiness', 'Lync' | Select-Object -First 1
if (-not $lyncModule) { throw 'LYNC_SHELL_MISSING: neither the SkypeForBusiness nor the Lync module is installed' }
Import-Module $lyncModule

if (-not $StagingPath) { $StagingPath = [System.IO.Path]::GetTempPath() }
$stage = Join-Path -Path $StagingPath -ChildPath ('lync-import-' + [guid]::NewGuid().ToString('N'))
$null = New-Item -ItemType Directory -Path $stage
try {
    $local = Join-Path -Path $stage -ChildPath 'config.zip'
    Copy-Item -LiteralPath $ConfigurationFile -Destination $local
    if ($SqlInstanceName) {
        Set-CsConfigurationStoreLocation -SqlServerFqdn $SqlServerFqdn -SqlInstanceName $SqlInstanceName -Force -Confirm:$false
    }
    else {
        Set-CsConfigurationStoreLocation -SqlServerFqdn $SqlServerFqdn -Force -Confirm:$false
    }
    Import-CsConfiguration -FileName $local -Force
    Enable-CsTopology -Force -Confirm:$false
}
finally {
    Remove-Item -LiteralPath $stage -Recurse -Force -ErrorAction SilentlyContinue
}
$Ansible.Result = @{ StoreLocation = [string](Get-CsConfigurationStoreLocation) }
