# lync-payload: lync_file_inventory
# Lists every file under a folder with its size and, when asked, its SHA-256. Read-only.
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
    $base = (Get-Item -LiteralPath $Path).FullName.TrimEnd('\').Length + 1
    $files = @(Get-ChildItem -LiteralPath $Path -Recurse -File -Force | Sort-Object -Property FullName | ForEach-Object {
        @{
            Path = $_.FullName.Substring($base).Replace('\', '/')
            Bytes = $_.Length
            Sha256 = if ($Hash) { [string](Get-FileHash -LiteralPath $_.FullName -Algorithm SHA256).Hash } else { $null }
        }
    })
}
$Ansible.Result = @{ Exists = $exists; Files = $files }
