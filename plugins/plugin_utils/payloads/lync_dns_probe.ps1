# lync-payload: lync_dns_probe
# Asks one DNS server for the records Lync depends on (pool A records, SRV and A for sip,
# lyncdiscover, web services), by DNS query: no DNS Server tools are needed, so it runs on
# any server that can reach the DNS server. A name that does not exist yields no record;
# a server that does not answer is an error. Read-only.
# Resolve-DnsName comes with the DnsClient module of Windows Server 2012 and later; Windows Server
# 2008 R2 (supported by Lync Server 2013) has none, even with PowerShell 3.0. The controller sends
# this payload to a host that has it (lync_dns_probe_host, docs/pins.md); on one that does not, it
# fails with LYNC_DNS_CLIENT_MISSING instead of reporting every record as unanswered.
[CmdletBinding(SupportsShouldProcess)]
param(
    [Parameter(Mandatory = $true)][string]$Server,
    [Parameter(Mandatory = $true)][object[]]$Records
)
$ErrorActionPreference = 'Stop'
$Ansible.Changed = $false

if (-not (Get-Command -Name 'Resolve-DnsName' -ErrorAction SilentlyContinue)) {
    throw 'LYNC_DNS_CLIENT_MISSING: Resolve-DnsName (DnsClient module, Windows Server 2012 and later) is not on this host'
}

$found = @()
$problems = @()
foreach ($wanted in $Records) {
    $name = [string]$wanted.Name
    $type = [string]$wanted.Type
    $answers = @()
    try {
        $answers = @(Resolve-DnsName -Name $name -Type $type -Server $Server -DnsOnly -NoHostsFile -QuickTimeout |
            Where-Object { [string]$_.Section -eq 'Answer' -and [string]$_.Type -eq $type })
    }
    catch {
        # 9003 (DNS_ERROR_RCODE_NAME_ERROR): the name does not exist, which is an answer.
        if ([string]$_.FullyQualifiedErrorId -notlike 'DNS_ERROR_RCODE_NAME_ERROR*') {
            $problems += ('{0} {1}: {2}' -f $name, $type, $_.Exception.Message)
        }
    }
    foreach ($answer in $answers) {
        $data = switch ($type) {
            'A' { [string]$answer.IPAddress }
            'AAAA' { [string]$answer.IPAddress }
            'CNAME' { [string]$answer.NameHost }
            'SRV' { '{0} {1} {2} {3}' -f $answer.Priority, $answer.Weight, $answer.Port, $answer.NameTarget }
        }
        $found += @{ Name = $name; Type = $type; Data = $data }
    }
}

$Ansible.Result = @{ Server = $Server; Records = $found; Problems = $problems }
