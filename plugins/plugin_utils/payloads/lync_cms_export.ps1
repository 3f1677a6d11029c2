# lync-payload: lync_cms_export
# Exports the Central Management store (Export-CsConfiguration), the E9-1-1 configuration
# (Export-CsLisConfiguration) and the topology as XML (Get-CsTopology -AsXml) to a local
# staging folder, then copies each file into <set>\cms, as Microsoft's procedure does
# (export locally, copy to $Backup). Returns each copied file's size on the share and the
# SHA-256 of the local export: hashing the staging file is a local read, where hashing the copy
# would pull every byte back over the network. The backup server hashes what landed when the set
# is closed, and the close compares the two (docs/architecture.md, "Each byte moved once").
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)][string]$SetPath,
    [Parameter(Mandatory = $true)][string[]]$Items,
    [string]$StagingPath = '',
    [switch]$LocalStore
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

if (-not $StagingPath) { $StagingPath = [System.IO.Path]::GetTempPath() }
$stage = Join-Path -Path $StagingPath -ChildPath ('lync-cms-' + [guid]::NewGuid().ToString('N'))
$null = New-Item -ItemType Directory -Path $stage
$target = Join-Path -Path $SetPath -ChildPath 'cms'
# Directory.CreateDirectory, not New-Item -Force, which drops I/O errors in Windows PowerShell 5.1 (review s9a, 5).
$null = [System.IO.Directory]::CreateDirectory($target)
$files = @()
try {
    foreach ($item in $Items) {
        $name = switch ($item) { 'config' { 'config.zip' } 'lis' { 'lis.zip' } 'topology' { 'topology.xml' }
            default { throw "unknown CMS export item: $item" } }
        $local = Join-Path -Path $stage -ChildPath $name
        if ($item -eq 'config' -and $LocalStore) { Export-CsConfiguration -FileName $local -LocalStore }
        elseif ($item -eq 'config') { Export-CsConfiguration -FileName $local }
        elseif ($item -eq 'lis') { Export-CsLisConfiguration -FileName $local }
        else {
            $xml = Get-CsTopology -AsXml
            $text = if ($xml -is [xml]) { $xml.OuterXml } else { [string]$xml }
            [System.IO.File]::WriteAllText($local, $text, (New-Object -TypeName System.Text.UTF8Encoding -ArgumentList $false))
        }
        $copy = Join-Path -Path $target -ChildPath $name
        Copy-Item -LiteralPath $local -Destination $copy
        $files += @{ Name = $name; Bytes = (Get-Item -LiteralPath $copy).Length
                     Sha256 = (Get-Sha256 $local) }
    }
}
finally {
    Remove-Item -LiteralPath $stage -Recurse -Force -ErrorAction SilentlyContinue
}
$Ansible.Result = @{ Files = $files }
