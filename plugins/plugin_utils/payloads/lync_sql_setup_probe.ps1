# lync-payload: lync_sql_setup_probe
# What a SQL Server installation would start from: the SQL Server instances already on this
# server, the setup program on the installation media (its version) and the settings of the
# configuration file that matter (never its passwords), and whether Windows waits for a
# restart (SQL Server setup refuses to run then). Read-only.
[CmdletBinding(SupportsShouldProcess)]
param(
    [Parameter(Mandatory = $true)][string]$MediaPath,
    [Parameter(Mandatory = $true)][string]$ConfigurationFile
)
$ErrorActionPreference = 'Stop'
$Ansible.Changed = $false

$instances = @()
$namesKey = 'HKLM:\SOFTWARE\Microsoft\Microsoft SQL Server\Instance Names\SQL'
if (Test-Path -LiteralPath $namesKey) {
    $names = Get-ItemProperty -LiteralPath $namesKey
    foreach ($name in (Get-Item -LiteralPath $namesKey).Property) {
        $id = [string]$names.$name
        $setupKey = "HKLM:\SOFTWARE\Microsoft\Microsoft SQL Server\$id\Setup"
        $setup = Get-ItemProperty -LiteralPath $setupKey -ErrorAction SilentlyContinue
        $instances += @{ Name = [string]$name; Id = $id; Version = [string]$setup.Version; Edition = [string]$setup.Edition }
    }
}

$setupExe = Join-Path -Path $MediaPath -ChildPath 'setup.exe'
$setupVersion = $null
if (Test-Path -LiteralPath $setupExe -PathType Leaf) {
    $setupVersion = [string](Get-Item -LiteralPath $setupExe).VersionInfo.ProductVersion
}

# Only these settings are read back; passwords stay in the file.
$wantedKeys = 'ACTION', 'FEATURES', 'INSTANCENAME', 'INSTANCEID', 'QUIET', 'QUIETSIMPLE', 'SQLSVCACCOUNT',
    'SQLSYSADMINACCOUNTS', 'INSTANCEDIR', 'SQLCOLLATION', 'IACCEPTSQLSERVERLICENSETERMS', 'AGTSVCACCOUNT', 'UIMODE'
$settings = @{}
$passwordKeys = @()
$configFound = Test-Path -LiteralPath $ConfigurationFile -PathType Leaf
if ($configFound) {
    foreach ($line in (Get-Content -LiteralPath $ConfigurationFile)) {
        if ($line -match '^\s*([A-Za-z0-9_]+)\s*=\s*"?(.*?)"?\s*$') {
            $key = $Matches[1].ToUpperInvariant()
            if ($key -like '*PASSWORD*' -or $key -like '*PWD*') { $passwordKeys += $key }
            elseif ($wantedKeys -contains $key) { $settings[$key] = $Matches[2] }
        }
    }
}

$pending = @()
if (Test-Path -LiteralPath 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Component Based Servicing\RebootPending') {
    $pending += 'Component Based Servicing'
}
if (Test-Path -LiteralPath 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\WindowsUpdate\Auto Update\RebootRequired') {
    $pending += 'Windows Update'
}
$sessionManager = Get-ItemProperty -LiteralPath 'HKLM:\SYSTEM\CurrentControlSet\Control\Session Manager' -ErrorAction SilentlyContinue
if ($sessionManager.PendingFileRenameOperations) { $pending += 'pending file rename operations' }

$Ansible.Result = @{
    Instances = $instances
    SetupFound = [bool]$setupVersion
    SetupVersion = $setupVersion
    ConfigurationFound = [bool]$configFound
    Settings = $settings
    PasswordKeys = $passwordKeys
    PendingReboot = $pending
}
