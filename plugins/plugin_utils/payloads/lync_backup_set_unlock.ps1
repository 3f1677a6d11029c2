# lync-payload: lync_backup_set_unlock
# Releases the backup lock of a root if this backup set holds it (never another run's lock).
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)][string]$Root,
    [Parameter(Mandatory = $true)][string]$SetId
)
$ErrorActionPreference = 'Stop'

$lockPath = Join-Path -Path $Root -ChildPath '.lync-backup.lock'
$released = $false
$holder = $null
if (Test-Path -LiteralPath $lockPath -PathType Leaf) {
    $holder = [System.IO.File]::ReadAllText($lockPath)
    if ($holder.Contains($SetId)) {
        Remove-Item -LiteralPath $lockPath -Force
        $released = $true
    }
}
$Ansible.Changed = $released
$Ansible.Result = @{ Released = $released; Holder = $holder }
