# lync-payload: lync_deploy_status
# What the Deployment Wizard has done on this server: core components and shell, the
# local configuration store, installed components, Lync services, the certificates
# assigned to Lync usages, recovery markers, and whether Windows waits for a reboot.
# Read-only; needs no Lync shell (it reports whether there is one).
# Paths are joined with [System.IO.Path]::Combine: Join-Path resolves the drive and throws "Cannot find
# drive" when it does not exist. Get-CsCertificate runs in try/catch: -ErrorAction SilentlyContinue does not
# silence a terminating error (about_CommonParameters); its message is returned in CertificateError.
[CmdletBinding(SupportsShouldProcess)]
param(
    [string]$InstallDir = ''
)
$ErrorActionPreference = 'Stop'
$Ansible.Changed = $false

$uninstallKeys = 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall\*',
    'HKLM:\SOFTWARE\Wow6432Node\Microsoft\Windows\CurrentVersion\Uninstall\*'
$products = @(Get-ItemProperty -Path $uninstallKeys -ErrorAction SilentlyContinue |
    Where-Object { $_.DisplayName -match '(Lync Server|Skype for Business Server)' } |
    ForEach-Object { @{ Name = [string]$_.DisplayName; Version = [string]$_.DisplayVersion } })
$instanceKey = 'HKLM:\SOFTWARE\Microsoft\Microsoft SQL Server\Instance Names\SQL'
$instances = @()
if (Test-Path -LiteralPath $instanceKey) { $instances = @((Get-Item -LiteralPath $instanceKey).Property) }
$services = @(Get-CimInstance -ClassName Win32_Service | Where-Object {
        $_.DisplayName -match '^(Lync Server|Skype for Business Server) ' } | ForEach-Object {
    @{ Name = [string]$_.Name; Status = [string]$_.State }
})
$bootstrapper = if ($InstallDir) { [System.IO.Path]::Combine($InstallDir, 'Deployment\Bootstrapper.exe') } else { '' }
$module = Get-Module -ListAvailable -Name 'SkypeForBusiness', 'Lync' | Select-Object -First 1
$assigned = @()
$certificateError = $null
if ($module) {
    Import-Module $module
    try {
        $assigned = @(Get-CsCertificate | ForEach-Object {
            @{ Use = [string]$_.Use; Thumbprint = ([string]$_.Thumbprint).ToUpperInvariant() }
        })
    }
    catch {
        $assigned = @()
        $certificateError = [string]$_.Exception.Message
    }
}
$markerFolder = [System.IO.Path]::Combine($env:ProgramData, 'lync.server\recovery')
# @() around the whole right side: an if/else (or pipeline) unrolls its output, so a folder with
# one marker would give a string, not a list of one.
$markers = @()
if (Test-Path -LiteralPath $markerFolder) {
    $markers = @(Get-ChildItem -LiteralPath $markerFolder -Filter '*.json' | ForEach-Object { $_.BaseName })
}
$rebootKeys = 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Component Based Servicing\RebootPending',
    'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\WindowsUpdate\Auto Update\RebootRequired'
# PendingFileRenameOperations is set on many healthy servers (installers and antivirus leave
# entries that wait for the next restart); it is reported apart and does not make a restart pending.
$sessionManager = Get-ItemProperty -Path 'HKLM:\SYSTEM\CurrentControlSet\Control\Session Manager' -ErrorAction SilentlyContinue

$Ansible.Result = @{
    LyncModule = if ($module) { [string]$module.Name } else { $null }
    Products = $products
    SqlInstances = @($instances | ForEach-Object { [string]$_ })
    Services = $services
    BootstrapperExists = [bool]($bootstrapper -and (Test-Path -LiteralPath $bootstrapper))
    Certificates = $assigned
    CertificateError = $certificateError
    Markers = $markers
    RebootPending = [bool](@($rebootKeys | Where-Object { Test-Path -LiteralPath $_ }).Count -gt 0)
    PendingFileRenames = [bool]($sessionManager -and $sessionManager.PendingFileRenameOperations)
}
