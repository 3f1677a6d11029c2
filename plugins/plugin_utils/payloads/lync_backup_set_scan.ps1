# lync-payload: lync_backup_set_scan
# Lists the backup sets under a backup root with the text of each manifest and its signature, and the lock.
# Read-only.
[CmdletBinding(SupportsShouldProcess)]
param(
    [Parameter(Mandatory = $true)][string]$Root
)
$ErrorActionPreference = 'Stop'
$Ansible.Changed = $false

if (-not (Test-Path -LiteralPath $Root -PathType Container)) {
    throw "LYNC_ROOT_MISSING: the backup root $Root does not exist or cannot be reached"
}
$sets = @(Get-ChildItem -LiteralPath $Root -Directory | Where-Object { $_.Name -match '^lync-\d{8}T\d{6}Z-[0-9a-f]{6}$' } |
    ForEach-Object {
        $manifest = Join-Path -Path $_.FullName -ChildPath 'manifest.json'
        $signature = Join-Path -Path $_.FullName -ChildPath 'manifest.sig'
        @{
            Name = $_.Name
            Manifest = if (Test-Path -LiteralPath $manifest -PathType Leaf) { [System.IO.File]::ReadAllText($manifest) } else { $null }
            Signature = if (Test-Path -LiteralPath $signature -PathType Leaf) { [System.IO.File]::ReadAllText($signature) } else { $null }
        }
    })
$lockPath = Join-Path -Path $Root -ChildPath '.lync-backup.lock'
$lock = $null
if (Test-Path -LiteralPath $lockPath) {
    $lock = @{ Text = [System.IO.File]::ReadAllText($lockPath)
               Written = (Get-Item -LiteralPath $lockPath).LastWriteTimeUtc.ToString('o') }
}
$Ansible.Result = @{ Sets = $sets; Lock = $lock }
