# lync-payload: lync_data_export
# Exports one pool-scoped or store-scoped data set to a local staging file, then copies
# it into the backup set at RelativePath (returns the copy's size and the SHA-256 of the local
# staging file, a local read; the close hashes what landed on the share and compares):
#   userdata        Export-CsUserData -PoolFqdn (user data and conference directories)
#   rgs             Export-CsRgsConfiguration -Source service:ApplicationServer:<pool>
#   persistentchat  Export-CsPersistentChatData -DBInstance <sql fqdn\instance>
# version-gated: Export-CsPersistentChatData (Persistent Chat does not exist in Skype for Business Server 2019; the topology of a 2019 deployment has no Persistent Chat store, so this kind is never asked for there)
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)][string]$SetPath,
    [Parameter(Mandatory = $true)][string]$RelativePath,
    [Parameter(Mandatory = $true)][string]$Kind,
    [string]$PoolFqdn = '',
    [string]$DbInstance = '',
    [string]$StagingPath = ''
)
$ErrorActionPreference = 'Stop'

function Get-Sha256([string]$Path) {
    # Get-FileHash is PowerShell 4.0+; Lync Server 2013 on Windows Server 2008 R2 may have 3.0.
    $sha256 = New-Object -TypeName System.Security.Cryptography.SHA256CryptoServiceProvider
    $stream = [System.IO.File]::OpenRead($Path)
    try {
        [System.BitConverter]::ToString($sha256.ComputeHash($stream)).Replace('-', '')
    }
    finally {
        $stream.Dispose()
        $sha256.Dispose()
    }
}

$lyncModule = Get-Module -ListAvailable -Name 'SkypeForBusiness', 'Lync' | Select-Object -First 1
if (-not $lyncModule) { throw 'LYNC_SHELL_MISSING: neither the SkypeForBusiness nor the Lync module is installed' }
Import-Module $lyncModule

if ($RelativePath -match '(^[\\/])|(^[A-Za-z]:)|(\.\.)') { throw "not a path inside the set: $RelativePath" }
if (-not $StagingPath) { $StagingPath = [System.IO.Path]::GetTempPath() }
$stage = Join-Path -Path $StagingPath -ChildPath ('lync-export-' + [guid]::NewGuid().ToString('N'))
$null = New-Item -ItemType Directory -Path $stage
try {
    $local = Join-Path -Path $stage -ChildPath (Split-Path -Path $RelativePath -Leaf)
    switch ($Kind) {
        'userdata' { Export-CsUserData -PoolFqdn $PoolFqdn -FileName $local }
        'rgs' { Export-CsRgsConfiguration -Source "service:ApplicationServer:$PoolFqdn" -FileName $local }
        'persistentchat' { Export-CsPersistentChatData -DBInstance $DbInstance -FileName $local }
        default { throw "unknown export kind: $Kind" }
    }
    $copy = Join-Path -Path $SetPath -ChildPath $RelativePath
    $folder = Split-Path -Path $copy -Parent
    # Directory.CreateDirectory, not New-Item -Force, which drops I/O errors in Windows PowerShell 5.1 (review s9a, 5).
    $null = [System.IO.Directory]::CreateDirectory($folder)
    Copy-Item -LiteralPath $local -Destination $copy
    $file = @{ Name = (Split-Path -Path $RelativePath -Leaf); Bytes = (Get-Item -LiteralPath $copy).Length
               Sha256 = (Get-Sha256 $local) }
}
finally {
    Remove-Item -LiteralPath $stage -Recurse -Force -ErrorAction SilentlyContinue
}
$Ansible.Result = @{ Files = @($file) }
