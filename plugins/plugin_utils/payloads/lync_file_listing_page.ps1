# lync-payload: lync_file_listing_page
# Reads up to Count lines of a listing file in a backup set (docs/backup-set.md, "Listings") from byte Offset and
# returns them: the controller walks a listing page by page (verify naming the files that differ, the hard-link
# comparison with an earlier set) and never holds it whole. The controller keeps the cursor: the next page's
# Offset is this Offset plus the UTF-8 bytes of the lines returned and one line feed each (set_reader._pages), so a
# page reads only its own bytes, not the listing before it. Read-only.
# Rights: read on the set folder (the backup identity's rights on the backup share).
# Calls: Test-Path -LiteralPath -PathType Leaf
# (https://learn.microsoft.com/powershell/module/microsoft.powershell.management/test-path?view=powershell-5.1),
# File.OpenRead (https://learn.microsoft.com/dotnet/api/system.io.file.openread), FileStream.Position (settable,
# https://learn.microsoft.com/dotnet/api/system.io.filestream.position), StreamReader(Stream, Encoding, Boolean) and
# ReadLine (https://learn.microsoft.com/dotnet/api/system.io.streamreader.-ctor,
# https://learn.microsoft.com/dotnet/api/system.io.streamreader.readline: a line ends at "\n", "\r" or "\r\n"; the
# listing holds "\n" only), UTF8Encoding(false, true) (https://learn.microsoft.com/dotnet/api/system.text.utf8encoding.-ctor:
# bytes that are not UTF-8 throw instead of decoding as U+FFFD, so a damaged listing is refused, not misread).
[CmdletBinding(SupportsShouldProcess)]
param(
    [Parameter(Mandatory = $true)][string]$Path,
    [long]$Offset = 0,
    [Parameter(Mandatory = $true)][int]$Count
)
$ErrorActionPreference = 'Stop'
$Ansible.Changed = $false

$exists = Test-Path -LiteralPath $Path -PathType Leaf
$lines = [System.Collections.ArrayList]@()
if ($exists) {
    $encoding = New-Object -TypeName System.Text.UTF8Encoding -ArgumentList $false, $true
    $stream = [System.IO.File]::OpenRead($Path)
    try {
        $stream.Position = [Math]::Max([long]0, $Offset)
        $reader = New-Object -TypeName System.IO.StreamReader -ArgumentList $stream, $encoding, $false
        while ($lines.Count -lt $Count) {
            $line = $reader.ReadLine()
            if ($null -eq $line) { break }
            $null = $lines.Add($line)
        }
    }
    finally {
        $stream.Dispose()
    }
}
$Ansible.Result = @{ Exists = $exists; Offset = $Offset; Lines = @($lines) }
