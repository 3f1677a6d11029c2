# lync-payload: lync_backup_set_remove
# Deletes whole backup sets (folders named like a set) from a backup root.
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)][string]$Root,
    [Parameter(Mandatory = $true)][string[]]$SetIds
)
$ErrorActionPreference = 'Stop'

$removed = @()
$freed = 0
foreach ($id in $SetIds) {
    if ($id -notmatch '^lync-\d{8}T\d{6}Z-[0-9a-f]{6}$') { throw "refusing to remove ${id}: not a backup set name" }
    $path = Join-Path -Path $Root -ChildPath $id
    if (Test-Path -LiteralPath $path) {
        $freed += (Get-ChildItem -LiteralPath $path -Recurse -File -Force | Measure-Object -Property Length -Sum).Sum
        Remove-Item -LiteralPath $path -Recurse -Force
        $removed += $id
    }
}
$Ansible.Changed = $removed.Count -gt 0
$Ansible.Result = @{ Removed = $removed; BytesFreed = [long]$freed }
