# lync-payload: lync_backup_set_unlock
# Releases the backup lock of a root if this backup set holds it (never another run's lock). With -RunId, only
# the lock of that run of the set: a resumed set's lock (same set, another run's token) is not released by the
# first run ending late. A lock written before run ids (no "run" key) is released by its set alone, as is any
# lock of the set when no token is given (the operator's manual release).
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)][string]$Root,
    [Parameter(Mandatory = $true)][string]$SetId,
    [ValidatePattern('^[0-9a-f]{16,64}$')][string]$RunId
)
$ErrorActionPreference = 'Stop'

$lockPath = Join-Path -Path $Root -ChildPath '.lync-backup.lock'
$released = $false
$holder = $null
if (Test-Path -LiteralPath $lockPath -PathType Leaf) {
    $holder = [System.IO.File]::ReadAllText($lockPath)
    $ours = (-not $RunId) -or $holder.Contains('"run": "' + $RunId + '"') -or -not $holder.Contains('"run": ')
    if ($holder.Contains($SetId) -and $ours) {
        Remove-Item -LiteralPath $lockPath -Force
        $released = $true
    }
}
$Ansible.Changed = $released
$Ansible.Result = @{ Released = $released; Holder = $holder }
