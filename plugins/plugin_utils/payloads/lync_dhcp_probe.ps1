# lync-payload: lync_dhcp_probe
# Reads DHCP options (43 and 120, which Lync phones use) of the named IPv4 scopes on this
# DHCP server, falling back to the server-wide value where the scope sets none, as a client
# would receive it. Runs on the DHCP server itself (the DhcpServer module is there).
# Read-only.
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
    foreach ($optionId in @($wanted.OptionIds)) {
        $level = 'scope'
        $value = Get-DhcpServerv4OptionValue -ScopeId $scopeId -OptionId ([int]$optionId) -ErrorAction SilentlyContinue
        if (-not $value) {
            $level = 'server'
            $value = Get-DhcpServerv4OptionValue -OptionId ([int]$optionId) -ErrorAction SilentlyContinue
        }
        if ($value) {
            $options += @{ ScopeId = $scopeId; OptionId = [int]$optionId; Level = $level
                           Value = @($value.Value | ForEach-Object { [string]$_ }) }
        }
    }
}

$Ansible.Result = @{ Server = [string]$env:COMPUTERNAME; Options = $options; MissingScopes = $missingScopes }
