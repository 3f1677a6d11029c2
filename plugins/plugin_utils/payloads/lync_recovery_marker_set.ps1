# lync-payload: lync_recovery_marker_set
# Records that a recovery stage finished on this server (or removes its marker), so a
# rerun resumes at the first unfinished stage.
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)][string]$Stage,
    [string]$Text = '',
    [switch]$Remove
)
$ErrorActionPreference = 'Stop'

if ($Stage -cnotmatch '\A[a-z][a-z0-9_]{0,63}\z') { throw "invalid stage name: $Stage" }
$folder = Join-Path -Path $env:ProgramData -ChildPath 'lync.server\recovery'
$path = Join-Path -Path $folder -ChildPath "$Stage.json"
$existed = Test-Path -LiteralPath $path
if ($Remove) {
    if ($existed) { Remove-Item -LiteralPath $path -Force }
    $Ansible.Changed = $existed
}
else {
    if (-not (Test-Path -LiteralPath $folder)) { $null = New-Item -ItemType Directory -Path $folder -Force }
    [System.IO.File]::WriteAllText($path, $Text, (New-Object -TypeName System.Text.UTF8Encoding -ArgumentList $false))
}
$Ansible.Result = @{ Path = $path; Existed = $existed }
