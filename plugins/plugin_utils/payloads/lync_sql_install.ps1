# lync-payload: lync_sql_install
# Installs one SQL Server instance unattended: setup.exe from the installation media with
# the configuration file the inventory names, the instance name pinned on the command line
# (which overrides the file), and the service account's password handed to setup only as
# an argument of its process, never written anywhere. Returns setup's exit code; 3010
# means Windows must restart. On failure the end of setup's Summary.txt says why.
# Per instance, whatever the shared file says: /INSTANCEID and the SQL Server Agent account.
# Start-Process joins -ArgumentList with spaces and setup.exe splits by the C runtime rules:
# the quoted values arrive already escaped for them (trailing backslashes doubled, by Python).
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)][string]$MediaPath,
    [Parameter(Mandatory = $true)][string]$ConfigurationFile,
    [Parameter(Mandatory = $true)][string]$InstanceName,
    [string]$ServiceAccount,
    [System.Security.SecureString]$ServicePassword,
    [string]$AgentAccount,
    [System.Security.SecureString]$AgentPassword,
    [switch]$Quiet
)
$ErrorActionPreference = 'Stop'

$arguments = @(
    ('/ConfigurationFile="{0}"' -f $ConfigurationFile),
    ('/INSTANCENAME="{0}"' -f $InstanceName),
    ('/INSTANCEID="{0}"' -f $InstanceName),
    '/IACCEPTSQLSERVERLICENSETERMS'
)
if ($AgentAccount) { $arguments += ('/AGTSVCACCOUNT="{0}"' -f $AgentAccount) }
if ($Quiet) { $arguments += '/Q' }
if ($ServiceAccount) { $arguments += ('/SQLSVCACCOUNT="{0}"' -f $ServiceAccount) }
if ($ServicePassword) {
    $pointer = [System.Runtime.InteropServices.Marshal]::SecureStringToBSTR($ServicePassword)
    try {
        $arguments += ('/SQLSVCPASSWORD="{0}"' -f [System.Runtime.InteropServices.Marshal]::PtrToStringBSTR($pointer))
    }
    finally {
        [System.Runtime.InteropServices.Marshal]::ZeroFreeBSTR($pointer)
    }
}
if ($AgentPassword) {
    $pointer = [System.Runtime.InteropServices.Marshal]::SecureStringToBSTR($AgentPassword)
    try {
        $arguments += ('/AGTSVCPASSWORD="{0}"' -f [System.Runtime.InteropServices.Marshal]::PtrToStringBSTR($pointer))
    }
    finally {
        [System.Runtime.InteropServices.Marshal]::ZeroFreeBSTR($pointer)
    }
}

$setupExe = Join-Path -Path $MediaPath -ChildPath 'setup.exe'
# Only a Summary.txt written by this run tells why it failed (an older one is another run's).
$started = Get-Date
$process = Start-Process -FilePath $setupExe -ArgumentList $arguments -Wait -PassThru -NoNewWindow
$exitCode = [int]$process.ExitCode
$arguments = $null

if ($exitCode -ne 0 -and $exitCode -ne 3010) {
    $summary = Get-ChildItem -Path (Join-Path -Path $env:ProgramFiles -ChildPath 'Microsoft SQL Server\*\Setup Bootstrap\Log\Summary.txt') -ErrorAction SilentlyContinue |
        Where-Object { $_.LastWriteTime -ge $started } | Sort-Object -Property LastWriteTime -Descending |
        Select-Object -First 1
    $why = ''
    if ($summary) {
        $why = (@(Get-Content -LiteralPath $summary.FullName | Where-Object { $_ -match 'Exit message|Exit code|Exit facility' }) -join ' ')
    }
    throw ('SQL Server setup for instance {0} ended with exit code {1}. {2} (log: {3})' -f $InstanceName, $exitCode, $why, $(if ($summary) { $summary.FullName } else { 'no Summary.txt from this run' }))
}

$Ansible.Result = @{ InstanceName = $InstanceName; ExitCode = $exitCode; RebootRequired = ($exitCode -eq 3010) }
