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
        $entry = @{ Name = $_.Name; Manifest = $null; Signature = $null; ReadError = $null }
        # A set whose files cannot be read (removed meanwhile by another run, or denied) is reported with the
        # error; the other sets are still listed.
        try {
            if (Test-Path -LiteralPath $manifest -PathType Leaf) { $entry.Manifest = [System.IO.File]::ReadAllText($manifest) }
            if (Test-Path -LiteralPath $signature -PathType Leaf) { $entry.Signature = [System.IO.File]::ReadAllText($signature) }
        }
        catch {
            $entry.ReadError = $_.Exception.Message
        }
        $entry
    })
$lockPath = Join-Path -Path $Root -ChildPath '.lync-backup.lock'
$lock = $null
if (Test-Path -LiteralPath $lockPath -PathType Leaf) {
    # -Force: a share that reports dot files as hidden (Samba's "hide dot files") hides the lock from Get-Item.
    try {
        $lock = @{ Text = [System.IO.File]::ReadAllText($lockPath)
                   Written = (Get-Item -LiteralPath $lockPath -Force).LastWriteTimeUtc.ToString('o') }
    }
    catch {
        # Released by its run between the test and the read: no lock. Still there but unreadable (the open
        # holds it without sharing, or an ACL): fail, so retention never runs without knowing the lock.
        if (Test-Path -LiteralPath $lockPath) { throw }
        $lock = $null
    }
}
$Ansible.Result = @{ Sets = $sets; Lock = $lock }
