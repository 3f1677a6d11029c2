# lync-payload: lync_recovery_markers
# Reads the markers finished recovery stages left on this server
# (%ProgramData%\lync.server\recovery\<stage>.json). Read-only.
[CmdletBinding(SupportsShouldProcess)]
param()
$ErrorActionPreference = 'Stop'
$Ansible.Changed = $false

$folder = Join-Path -Path $env:ProgramData -ChildPath 'lync.server\recovery'
$markers = @()
if (Test-Path -LiteralPath $folder) {
    $markers = @(Get-ChildItem -LiteralPath $folder -Filter '*.json' | Sort-Object -Property Name | ForEach-Object {
        @{ Stage = $_.BaseName; Text = [System.IO.File]::ReadAllText($_.FullName) }
    })
}
$Ansible.Result = @{ Folder = $folder; Markers = $markers }
