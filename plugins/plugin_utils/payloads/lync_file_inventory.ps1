# lync-payload: lync_file_inventory
# Lists every file under a folder with its size and, when asked, its SHA-256. Read-only.
# The controller passes Path as an extended-length path (\\?\UNC\server\share\... or \\?\D:\...,
# backup_set.extended_path): a set's copy of a file store lies about 90 characters deeper than the
# store, and Windows PowerShell 5.1 refuses paths past MAX_PATH (260 characters) without the prefix.
# The hash is read through the FileInfo Get-ChildItem returns (which carries the prefix), not with
# Get-FileHash (PowerShell 4.0+; Lync Server 2013 on Windows Server 2008 R2 may have 3.0).
[CmdletBinding(SupportsShouldProcess)]
param(
    [Parameter(Mandatory = $true)][string]$Path,
    [switch]$Hash
)
$ErrorActionPreference = 'Stop'
$Ansible.Changed = $false

$exists = Test-Path -LiteralPath $Path -PathType Container
$files = @()
if ($exists) {
    $base = (Get-Item -LiteralPath $Path -Force).FullName.TrimEnd('\').Length + 1
    $sha256 = [System.Security.Cryptography.SHA256]::Create()
    $files = @(Get-ChildItem -LiteralPath $Path -Recurse -File -Force | Sort-Object -Property FullName | ForEach-Object {
        $digest = $null
        if ($Hash) {
            $stream = $_.OpenRead()
            try {
                $digest = [System.BitConverter]::ToString($sha256.ComputeHash($stream)).Replace('-', '')
            }
            finally {
                $stream.Dispose()
            }
        }
        @{ Path = $_.FullName.Substring($base).Replace('\', '/'); Bytes = $_.Length; Sha256 = $digest }
    })
    $sha256.Dispose()
}
$Ansible.Result = @{ Exists = $exists; Files = $files }
