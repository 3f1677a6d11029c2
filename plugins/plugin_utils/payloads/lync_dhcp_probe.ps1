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

$options = @()
$missingScopes = @()
foreach ($wanted in $Scopes) {
    $scopeId = [string]$wanted.ScopeId
    $scope = Get-DhcpServerv4Scope -ScopeId $scopeId -ErrorAction SilentlyContinue
    if (-not $scope) {
        $missingScopes += $scopeId
        continue
    }
    foreach ($option in @($wanted.Options)) {
        $optionId = [int]$option.OptionId
        $vendorClass = [string]$option.VendorClass
        $level = 'scope'
        if ($vendorClass) {
            $value = Get-DhcpServerv4OptionValue -ScopeId $scopeId -VendorClass $vendorClass -OptionId $optionId -ErrorAction SilentlyContinue
            if (-not $value) {
                $level = 'server'
                $value = Get-DhcpServerv4OptionValue -VendorClass $vendorClass -OptionId $optionId -ErrorAction SilentlyContinue
            }
        }
        else {
            $value = Get-DhcpServerv4OptionValue -ScopeId $scopeId -OptionId $optionId -ErrorAction SilentlyContinue
            if (-not $value) {
                $level = 'server'
                $value = Get-DhcpServerv4OptionValue -OptionId $optionId -ErrorAction SilentlyContinue
            }
        }
        if ($value) {
            $options += @{ ScopeId = $scopeId; OptionId = $optionId; VendorClass = $vendorClass; Level = $level
                           Value = @($value.Value | ForEach-Object { [string]$_ }) }
        }
    }
}

$Ansible.Result = @{ Server = [string]$env:COMPUTERNAME; Options = $options; MissingScopes = $missingScopes }
