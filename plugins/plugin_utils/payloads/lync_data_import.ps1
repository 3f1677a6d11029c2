# lync-payload: lync_data_import
# Imports one export of a backup set back, after copying it to a local folder (as the
# restore procedures do):
#   userdata        Import-CsUserData -PoolFqdn (Front End services of the pool must be stopped)
#   lis             Import-CsLisConfiguration, then Publish-CsLisConfiguration
#   rgs             Import-CsRgsConfiguration -Destination service:ApplicationServer:<pool>
#                   [-OverwriteOwner] [-ReplaceExistingRgsSettings]
#   persistentchat  Import-CsPersistentChatData -DBInstance
# version-gated: Import-CsPersistentChatData (Persistent Chat does not exist in Skype for Business Server 2019; a 2019 backup set has no Persistent Chat export to import)
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)][string]$Kind,
    [Parameter(Mandatory = $true)][string]$SourceFile,
    [string]$PoolFqdn = '',
    [string]$DbInstance = '',
    [switch]$OverwriteOwner,
    [switch]$ReplaceExistingRgsSettings,
    [string]$StagingPath = ''
)
$ErrorActionPreference = 'Stop'

$lyncModule = Get-Module -ListAvailable -Name 'SkypeForBusiness', 'Lync' | Select-Object -First 1
if (-not $lyncModule) { throw 'LYNC_SHELL_MISSING: neither the SkypeForBusiness nor the Lync module is installed' }
Import-Module $lyncModule

if (-not $StagingPath) { $StagingPath = [System.IO.Path]::GetTempPath() }
$stage = Join-Path -Path $StagingPath -ChildPath ('lync-import-' + [guid]::NewGuid().ToString('N'))
$null = New-Item -ItemType Directory -Path $stage
try {
    $local = Join-Path -Path $stage -ChildPath (Split-Path -Path $SourceFile -Leaf)
    Copy-Item -LiteralPath $SourceFile -Destination $local
    switch ($Kind) {
        'userdata' { Import-CsUserData -PoolFqdn $PoolFqdn -FileName $local }
        'lis' {
            Import-CsLisConfiguration -FileName $local
            Publish-CsLisConfiguration -Confirm:$false
        }
        'rgs' {
            Import-CsRgsConfiguration -Destination "service:ApplicationServer:$PoolFqdn" -FileName $local -OverwriteOwner:$OverwriteOwner -ReplaceExistingRgsSettings:$ReplaceExistingRgsSettings -Force
        }
        'persistentchat' { Import-CsPersistentChatData -DBInstance $DbInstance -FileName $local -Confirm:$false }
        default { throw "unknown import kind: $Kind" }
    }
}
finally {
    Remove-Item -LiteralPath $stage -Recurse -Force -ErrorAction SilentlyContinue
}
$Ansible.Result = @{ Kind = $Kind; SourceFile = $SourceFile }
