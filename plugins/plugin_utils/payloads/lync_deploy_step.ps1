# lync-payload: lync_deploy_step
# One step of the Lync Server Deployment Wizard ("Install or Update Lync Server System"),
# unattended:
#   local_store   Bootstrapper.exe with the arguments given (step 1), then the CMS's
#                 configuration into the local store (from the CMS, or from a file for an
#                 Edge Server), Enable-CsReplica, and the replica service started
#   components    Bootstrapper.exe with the arguments given (step 2)
#   sql_express   Bootstrapper.exe with the arguments given ("Prepare first Standard Edition
#                 server": the RTC SQL Express instance for the CMS)
#   certificates  Set-CsCertificate for each certificate and its Lync usages (step 3); never
#                 OAuthTokenIssuer, which is assigned once with -Identity global (lync_cert_import)
# Step 4 (start services) is lync_services. Bootstrapper's arguments come from the
# controller (plugins/plugin_utils/bootstrapper.py), which keeps what is and is not
# documented about them in one place.
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)][string]$Step,
    [string]$BootstrapperPath = '',
    [string[]]$BootstrapperArguments = @(),
    [string]$ConfigurationFile = '',
    [hashtable[]]$Certificates = @()
)
$ErrorActionPreference = 'Stop'

$exitCode = $null
if (@('local_store', 'components', 'sql_express') -contains $Step) {
    if (-not (Test-Path -LiteralPath $BootstrapperPath)) { throw "Bootstrapper.exe not found at $BootstrapperPath (install the core components first)" }
    & $BootstrapperPath $BootstrapperArguments | Out-Null
    $exitCode = $LASTEXITCODE
    if ($exitCode -ne 0) { throw "LYNC_BOOTSTRAPPER_FAILED: Bootstrapper.exe $($BootstrapperArguments -join ' ') exited with $exitCode" }
}
elseif ($Step -ne 'certificates') {
    throw "unknown deployment step: $Step"
}

if ($Step -eq 'local_store' -or $Step -eq 'certificates') {
    $lyncModule = Get-Module -ListAvailable -Name 'SkypeForBusiness', 'Lync' | Select-Object -First 1
    if (-not $lyncModule) { throw 'LYNC_SHELL_MISSING: neither the SkypeForBusiness nor the Lync module is installed' }
    Import-Module $lyncModule
}
if ($Step -eq 'local_store') {
    if ($ConfigurationFile) { Import-CsConfiguration -FileName $ConfigurationFile -LocalStore }
    else { Import-CsConfiguration -ByteInput (Export-CsConfiguration -AsBytes) -LocalStore }
    Enable-CsReplica -Confirm:$false
    Start-CsWindowsService -Name 'REPLICA' -Confirm:$false
}
elseif ($Step -eq 'certificates') {
    foreach ($certificate in $Certificates) {
        Set-CsCertificate -Type ([string[]]$certificate.Types) -Thumbprint ([string]$certificate.Thumbprint) -Confirm:$false
    }
}

$rebootKeys = 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Component Based Servicing\RebootPending',
    'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\WindowsUpdate\Auto Update\RebootRequired'
$Ansible.Result = @{
    Step = $Step
    ExitCode = $exitCode
    RebootPending = [bool](@($rebootKeys | Where-Object { Test-Path -LiteralPath $_ }).Count -gt 0)
}
