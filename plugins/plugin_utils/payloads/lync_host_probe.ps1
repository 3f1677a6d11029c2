# lync-payload: lync_host_probe
# Reports what this Windows host is and what Lync Server traces it carries: identity,
# installed Lync products, services, file shares, SQL Server instances and their databases,
# and the computer's account in the domain.
# Read-only; needs no Lync shell, so it also runs on a freshly installed server.
[CmdletBinding(SupportsShouldProcess)]
param()
$ErrorActionPreference = 'Stop'
$Ansible.Changed = $false

$system = Get-CimInstance -ClassName Win32_ComputerSystem
# The FQDN is the DNS host name with the primary DNS suffix (Tcpip\Parameters Hostname / Domain, the values in
# effect; 'NV Domain' is the configured one, used when Domain is empty), not Win32_ComputerSystem.Domain: that is
# the AD domain, or the workgroup name on a host outside a domain (Edge), and differs from the DNS suffix in a
# disjoint namespace (https://learn.microsoft.com/windows/win32/cimwin32prov/win32-computersystem).
$tcpip = Get-ItemProperty -LiteralPath 'HKLM:\SYSTEM\CurrentControlSet\Services\Tcpip\Parameters'
$dnsHost = if ($tcpip.Hostname) { [string]$tcpip.Hostname } else { [string]$system.DNSHostName }
$dnsSuffix = if ($tcpip.Domain) { [string]$tcpip.Domain } else { [string]$tcpip.'NV Domain' }
$fqdn = if ($dnsSuffix) { '{0}.{1}' -f $dnsHost, $dnsSuffix } else { $dnsHost }
$os = Get-CimInstance -ClassName Win32_OperatingSystem
$adapters = @(Get-CimInstance -ClassName Win32_NetworkAdapterConfiguration -Filter 'IPEnabled = TRUE')
$ipv4 = @($adapters | ForEach-Object { $_.IPAddress } | Where-Object { $_ -match '^\d+\.\d+\.\d+\.\d+$' })
$dns = @($adapters | ForEach-Object { $_.DNSServerSearchOrder } | Where-Object { $_ })

$uninstallKeys = 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall\*',
    'HKLM:\SOFTWARE\Wow6432Node\Microsoft\Windows\CurrentVersion\Uninstall\*'
$products = @(Get-ItemProperty -Path $uninstallKeys -ErrorAction SilentlyContinue |
    Where-Object { $_.DisplayName } |
    ForEach-Object { @{ Name = [string]$_.DisplayName; Version = [string]$_.DisplayVersion } })

$services = @(Get-CimInstance -ClassName Win32_Service | ForEach-Object {
    @{ Name = [string]$_.Name; DisplayName = [string]$_.DisplayName; Status = [string]$_.State; StartMode = [string]$_.StartMode
       StartName = [string]$_.StartName }
})

# Type 0: disk shares; admin shares (C$, ADMIN$) have other types.
$shares = @(Get-CimInstance -ClassName Win32_Share -Filter 'Type = 0' | ForEach-Object {
    @{ Name = [string]$_.Name; Path = [string]$_.Path }
})

$instances = @()
$instanceKey = 'HKLM:\SOFTWARE\Microsoft\Microsoft SQL Server\Instance Names\SQL'
if (Test-Path -LiteralPath $instanceKey) {
    foreach ($name in (Get-Item -LiteralPath $instanceKey).Property) {
        $entry = @{ Name = [string]$name; Databases = @(); Error = $null }
        $server = if ($name -eq 'MSSQLSERVER') { 'localhost' } else { "localhost\$name" }
        $connection = New-Object System.Data.SqlClient.SqlConnection "Server=$server;Integrated Security=True;Connect Timeout=15"
        try {
            $connection.Open()
            $command = $connection.CreateCommand()
            $command.CommandText = 'SELECT name FROM sys.databases WHERE database_id > 4 ORDER BY name'
            $reader = $command.ExecuteReader()
            $names = while ($reader.Read()) { [string]$reader.GetString(0) }
            $entry.Databases = @($names)
        }
        catch {
            $entry.Error = [string]$_.Exception.Message
        }
        finally {
            $connection.Dispose()
        }
        $instances += $entry
    }
}

$module = Get-Module -ListAvailable -Name 'SkypeForBusiness', 'Lync' | Select-Object -First 1

# The computer's own account in the domain: its SID (looked up through the machine's secure
# channel, so the WinRM double hop does not matter) and whether that channel works. An
# account deleted and created again has another SID, and the old machine cannot use it.
$computerSid = $null
$secureChannel = $null
if ($system.PartOfDomain) {
    try {
        $account = New-Object System.Security.Principal.NTAccount ('{0}$' -f $system.Name)
        $computerSid = [string]$account.Translate([System.Security.Principal.SecurityIdentifier]).Value
    }
    catch {
        $computerSid = $null
    }
    # -WhatIf:$false: in check mode win_powershell runs this probe with -WhatIf, and
    # Test-ComputerSecureChannel supports ShouldProcess, so it would inherit -WhatIf, print a
    # what-if line and return nothing (reported as a broken channel).
    try {
        $secureChannel = [bool](Test-ComputerSecureChannel -WhatIf:$false)
    }
    catch {
        $secureChannel = $false
    }
}

$Ansible.Result = @{
    # The PowerShell that runs this payload: the one win_powershell starts for every payload
    # (about_Automatic_Variables, $PSVersionTable: PSVersion is a System.Version, its string
    # Major.Minor.Build.Revision; present since PowerShell 2.0).
    # https://learn.microsoft.com/powershell/module/microsoft.powershell.core/about/about_automatic_variables#psversiontable
    PowerShellVersion = [string]$PSVersionTable.PSVersion
    # Desktop (Windows PowerShell) or Core (PowerShell 7, where the Lync module loads only through implicit
    # remoting); PowerShell 3.0 and 4.0 have no PSEdition (an empty string).
    PowerShellEdition = [string]$PSVersionTable.PSEdition
    ComputerName = [string]$system.Name
    Fqdn = $fqdn.ToLowerInvariant()
    DnsSuffix = $dnsSuffix.ToLowerInvariant()
    Domain = [string]$system.Domain
    PartOfDomain = [bool]$system.PartOfDomain
    OsCaption = [string]$os.Caption
    OsVersion = [string]$os.Version
    Ipv4 = $ipv4
    DnsServers = $dns
    LyncModule = if ($module) { [string]$module.Name } else { $null }
    Products = $products
    Services = $services
    Shares = $shares
    SqlInstances = $instances
    ComputerSid = $computerSid
    SecureChannel = $secureChannel
}
