# lync-payload: lync_cert_probe
# Which of the given certificates are in LocalMachine\My (and whether their private key is
# there), which of the given CA certificates are in LocalMachine\CA (Intermediate
# Certification Authorities), and, when the Lync Server Management Shell is installed, which certificate each
# Lync usage has now (Get-CsCertificate, local and global). Read-only.
[CmdletBinding(SupportsShouldProcess)]
param(
    [string[]]$Thumbprints = @(),
    [string[]]$Intermediates = @()
)
$ErrorActionPreference = 'Stop'
$Ansible.Changed = $false

$present = @()
foreach ($thumb in $Thumbprints) {
    $cert = Get-Item -LiteralPath ('Cert:\LocalMachine\My\{0}' -f $thumb.ToUpperInvariant()) -ErrorAction SilentlyContinue
    if ($cert) {
        $present += @{ Thumbprint = [string]$cert.Thumbprint; HasPrivateKey = [bool]$cert.HasPrivateKey
                       Subject = [string]$cert.Subject }
    }
}

$presentCa = @()
foreach ($thumb in $Intermediates) {
    $ca = Get-Item -LiteralPath ('Cert:\LocalMachine\CA\{0}' -f $thumb.ToUpperInvariant()) -ErrorAction SilentlyContinue
    if ($ca) { $presentCa += [string]$ca.Thumbprint }
}

$module = Get-Module -ListAvailable -Name 'SkypeForBusiness', 'Lync' | Select-Object -First 1
$assigned = @()
if ($module) {
    Import-Module $module
    foreach ($entry in @(Get-CsCertificate)) {
        $assigned += @{ Use = [string]$entry.Use; Thumbprint = ([string]$entry.Thumbprint).ToUpperInvariant(); Scope = 'local' }
    }
    foreach ($entry in @(Get-CsCertificate -Identity 'global' -ErrorAction SilentlyContinue)) {
        $assigned += @{ Use = [string]$entry.Use; Thumbprint = ([string]$entry.Thumbprint).ToUpperInvariant(); Scope = 'global' }
    }
}

$Ansible.Result = @{
    Present = $present
    PresentCA = $presentCa
    LyncShell = if ($module) { [string]$module.Name } else { $null }
    Assigned = $assigned
}
