# lync-payload: lync_file_listing_page
# Reads Count lines of a listing file in a backup set (docs/backup-set.md, "Listings") from line Offset (0-based)
# and returns them with the listing's line count: the controller walks a listing page by page (verify naming
# the files that differ, the hard-link comparison with an earlier set) and never holds it whole. Read-only.
# Rights: read on the set folder (the backup identity's rights on the backup share).
# Calls: Test-Path -LiteralPath -PathType Leaf
# (https://learn.microsoft.com/powershell/module/microsoft.powershell.management/test-path?view=powershell-5.1),
# Select-Object -Skip -First (https://learn.microsoft.com/powershell/module/microsoft.powershell.utility/select-object?view=powershell-5.1),
# File.ReadAllLines(String, Encoding) with UTF8Encoding(false) (https://learn.microsoft.com/dotnet/api/system.io.file.readalllines:
# a line ends at "\n", "\r" or "\r\n"; the listing holds "\n" only). The host reads the whole file for each page
# (about 120 bytes a file); only the page travels back.
[CmdletBinding(SupportsShouldProcess)]
param(
    [Parameter(Mandatory = $true)][string]$Path,
    [long]$Offset = 0,
    [Parameter(Mandatory = $true)][int]$Count
)
$ErrorActionPreference = 'Stop'
$Ansible.Changed = $false

$exists = Test-Path -LiteralPath $Path -PathType Leaf
$lines = @()
$total = 0
if ($exists) {
    $encoding = New-Object -TypeName System.Text.UTF8Encoding -ArgumentList $false
    $all = [System.IO.File]::ReadAllLines($Path, $encoding)
    $total = $all.Count
    $lines = @($all | Select-Object -Skip ([int][Math]::Min([long]$total, [Math]::Max([long]0, $Offset))) -First ([Math]::Max(0, $Count)))
}
$Ansible.Result = @{ Exists = $exists; Total = $total; Lines = $lines }
