# lync-payload: lync_backup_set_remove
# Deletes whole backup sets (folders named like a set) from a backup root.
# The controller passes Root as an extended-length path (\\?\UNC\server\share\... or \\?\D:\...,
# backup_set.extended_path): a set's copy of a file store lies about 90 characters deeper than the
# store, and Get-ChildItem/Remove-Item -Recurse in Windows PowerShell 5.1 fail with PathTooLong
# past MAX_PATH (260 characters) without the prefix. The set path is built by concatenation:
# Join-Path resolves the provider path and does not take the prefix.
# Each set is first renamed to 'removing-<id>' (one rename), so a removal that stops half-way
# never leaves a folder that still looks like a (damaged) set.
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)][string]$Root,
    [Parameter(Mandatory = $true)][string[]]$SetIds
)
$ErrorActionPreference = 'Stop'

$removed = @()
$freed = 0
foreach ($id in $SetIds) {
    # Case-sensitive and anchored with \z (no match before a trailing newline), as Python's \A...\Z.
    if ($id -cnotmatch '\Alync-\d{8}T\d{6}Z-[0-9a-f]{6}\z') { throw "refusing to remove ${id}: not a backup set name" }
    $path = "$Root\$id"
    if (Test-Path -LiteralPath $path) {
        $doomed = "$Root\removing-$id"
        Rename-Item -LiteralPath $path -NewName "removing-$id"
        $freed += (Get-ChildItem -LiteralPath $doomed -Recurse -File -Force | Measure-Object -Property Length -Sum).Sum
        Remove-Item -LiteralPath $doomed -Recurse -Force
        $removed += $id
    }
}
$Ansible.Changed = $removed.Count -gt 0
$Ansible.Result = @{ Removed = $removed; BytesFreed = [long]$freed }
