# lync-payload: lync_dhcp_probe
# Reads the DHCP options Lync phones use on the named IPv4 scopes of this DHCP server, falling back
# to the server-wide value where the scope sets none, as a client would receive it. Each wanted
# option names its class: option 120 (SIP server) is a standard option (VendorClass ''); Lync's
# option 43 is kept by Windows DHCP as sub-options 1-5 of the vendor class MSUCClient (Microsoft's
# DHCPUtil / DHCPConfigScript.bat), which Get-DhcpServerv4OptionValue reads only with -VendorClass.
# Runs on the DHCP server itself (the DhcpServer module is there). Read-only.
[CmdletBinding(SupportsShouldProcess)]
param(
    [Parameter(Mandatory = $true)][object[]]$Scopes
)
$ErrorActionPreference = 'Stop'
$Ansible.Changed = $false

if (-not (Get-Command -Name 'Get-DhcpServerv4OptionValue' -ErrorAction SilentlyContinue)) {
    throw 'LYNC_DHCP_MISSING: the DhcpServer PowerShell module is not installed here; run this on the DHCP server'
}

# Every read with -ErrorAction Stop: a stopped DHCP service, access denied or an RPC error is an error, not an
# absent option. Each level (server, each scope) is read once per class without -OptionId (all its values),
# and the wanted options are picked from those lists; a vendor class the server does not define
# (Get-DhcpServerv4Class -Type Vendor, https://learn.microsoft.com/powershell/module/dhcpserver/get-dhcpserverv4class)
# is not read, as -VendorClass with an unknown class fails.
$vendorClasses = @(Get-DhcpServerv4Class -Type Vendor -ErrorAction Stop | ForEach-Object { [string]$_.Name })
$scopeIds = @(Get-DhcpServerv4Scope -ErrorAction Stop | ForEach-Object { [string]$_.ScopeId })
$serverLevel = @{ '' = @(Get-DhcpServerv4OptionValue -ErrorAction Stop) }
foreach ($class in $vendorClasses) {
    $serverLevel[$class.ToLowerInvariant()] = @(Get-DhcpServerv4OptionValue -VendorClass $class -ErrorAction Stop)
}

$options = @()
$missingScopes = @()
foreach ($wanted in $Scopes) {
    $scopeId = [string]$wanted.ScopeId
    if ($scopeIds -notcontains $scopeId) {
        $missingScopes += $scopeId
        continue
    }
    $scopeLevel = @{ '' = @(Get-DhcpServerv4OptionValue -ScopeId $scopeId -ErrorAction Stop) }
    foreach ($class in $vendorClasses) {
        $scopeLevel[$class.ToLowerInvariant()] = @(Get-DhcpServerv4OptionValue -ScopeId $scopeId -VendorClass $class -ErrorAction Stop)
    }
    foreach ($option in @($wanted.Options)) {
        $optionId = [int]$option.OptionId
        $vendorClass = [string]$option.VendorClass
        $key = $vendorClass.ToLowerInvariant()
        if ($vendorClass -and $vendorClasses -notcontains $vendorClass) { continue }
        $level = 'scope'
        $value = @($scopeLevel[$key] | Where-Object { [int]$_.OptionId -eq $optionId }) | Select-Object -First 1
        if (-not $value) {
            $level = 'server'
            $value = @($serverLevel[$key] | Where-Object { [int]$_.OptionId -eq $optionId }) | Select-Object -First 1
        }
        if ($value) {
            $options += @{ ScopeId = $scopeId; OptionId = $optionId; VendorClass = $vendorClass; Level = $level
                           Value = @($value.Value | ForEach-Object { [string]$_ }) }
        }
    }
}

$Ansible.Result = @{ Server = [string]$env:COMPUTERNAME; Options = $options; MissingScopes = $missingScopes }
