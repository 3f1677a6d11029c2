# lync-payload: lync_backup_set_write_file
# Writes one text file (UTF-8, no BOM) into a backup set: first to a temporary name,
# then renamed into place, so a reader never sees half a manifest.
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)][string]$SetPath,
    [Parameter(Mandatory = $true)][string]$RelativePath,
    [Parameter(Mandatory = $true)][string]$Content
)
$ErrorActionPreference = 'Stop'

if ($RelativePath -match '(^[\\/])|(^[A-Za-z]:)|(\.\.)') { throw "not a path inside the set: $RelativePath" }
$target = Join-Path -Path $SetPath -ChildPath ($RelativePath -replace '/', '\')
$folder = Split-Path -Path $target -Parent
if (-not (Test-Path -LiteralPath $folder)) { $null = New-Item -ItemType Directory -Path $folder -Force }
$temp = "$target.tmp"
[System.IO.File]::WriteAllText($temp, $Content, (New-Object -TypeName System.Text.UTF8Encoding -ArgumentList $false))
Move-Item -LiteralPath $temp -Destination $target -Force
$hash = Get-FileHash -LiteralPath $target -Algorithm SHA256

$Ansible.Result = @{ Path = $target; Bytes = (Get-Item -LiteralPath $target).Length; Sha256 = [string]$hash.Hash }
