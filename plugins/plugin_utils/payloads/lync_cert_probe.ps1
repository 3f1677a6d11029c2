# lync-payload: lync_cert_probe
# Which of the given certificates are in LocalMachine\My (and whether their private key is
# there), which of the given CA certificates are in LocalMachine\CA (Intermediate
# Certification Authorities), and, when the Lync Server Management Shell is installed, which certificate each
# Lync usage has now (Get-CsCertificate, local and global; InMy: whether that certificate is in this
# server's LocalMachine\My; AssignedErrors: the text of a Get-CsCertificate that failed). Read-only.
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
$assignedErrors = @()
if ($module) {
    Import-Module $module
    # Each read in its own try/catch: -ErrorAction does not stop a terminating error (about_CommonParameters),
    # and one failed read must not fail the probe; the caller decides whether it needs the answer.
    try {
        foreach ($entry in @(Get-CsCertificate)) {
            $thumb = ([string]$entry.Thumbprint).ToUpperInvariant()
            $assigned += @{ Use = [string]$entry.Use; Thumbprint = $thumb; Scope = 'local'
                            InMy = [bool](Test-Path -LiteralPath ('Cert:\LocalMachine\My\{0}' -f $thumb)) }
        }
    }
    catch {
        $assignedErrors += ('Get-CsCertificate: {0}' -f $_.Exception.Message)
    }
    try {
        foreach ($entry in @(Get-CsCertificate -Identity 'global')) {
            $thumb = ([string]$entry.Thumbprint).ToUpperInvariant()
            $assigned += @{ Use = [string]$entry.Use; Thumbprint = $thumb; Scope = 'global'
                            InMy = [bool](Test-Path -LiteralPath ('Cert:\LocalMachine\My\{0}' -f $thumb)) }
        }
    }
    catch {
        $assignedErrors += ('Get-CsCertificate -Identity global: {0}' -f $_.Exception.Message)
    }
}

$Ansible.Result = @{
    Present = $present
    PresentCA = $presentCa
    LyncShell = if ($module) { [string]$module.Name } else { $null }
    Assigned = $assigned
    AssignedErrors = $assignedErrors
}
