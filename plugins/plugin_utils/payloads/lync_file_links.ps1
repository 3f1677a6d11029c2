# lync-payload: lync_file_links
# Says which of the given files of a file store's copy in a backup set are hard links, i.e. have more than one name
# on the volume. The close of a set that hard-linked files from an earlier set asks it about the files whose SHA-256
# differs from the earlier set's record (and that the link step did not leave to robocopy): only a file that really
# is a link shares the earlier set's bytes, so only such a file may make that earlier set "damaged"; a file robocopy
# copied afresh (it was missing from the link step's listing, re-created in the store meanwhile) has one name and
# says nothing about the earlier set (docs/architecture.md, "Only changed file-store bytes"). Before the close
# nothing but the link step (New-Item -ItemType HardLink, from the earlier set's copy) gives a file of the new set a
# second name, and robocopy writes a new file with one name. It decides nothing: it reports, the controller decides.
# Read-only. Files comes in batches from the controller (at most a batch of paths per call, never the store).
# How: Get-Item's LinkType, which the PowerShell Extended Type System adds to System.IO.FileInfo (NTFS: HardLink,
# SymbolicLink, Junction; about_FileSystem_Provider for Windows PowerShell 5.1,
# https://learn.microsoft.com/powershell/module/microsoft.powershell.core/about/about_filesystem_provider?view=powershell-5.1).
# The provider reads "HardLink" from the file's link count: GetFileInformationByHandle's
# BY_HANDLE_FILE_INFORMATION.nNumberOfLinks greater than 1
# (https://learn.microsoft.com/windows/win32/api/fileapi/nf-fileapi-getfileinformationbyhandle,
# https://learn.microsoft.com/windows/win32/api/fileapi/ns-fileapi-by_handle_file_information). .NET Framework has no
# link count ([System.IO.File] and FileInfo do not carry one), and calling GetFileInformationByHandle itself would need
# Add-Type with C# (P/Invoke); LinkType needs neither (Windows PowerShell 5.0 and later: the collection's minimum is
# 5.1, docs/preflight.md). A file whose link state cannot be read (Get-Item or GetLinkType fails: removed, denied) is
# named in Failed with the message, and the controller counts it as unchecked, never as damage.
# Path is an extended-length path (backup_set.extended_path): a store's copy lies deep in the set.
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)][string]$Path,
    [Parameter(Mandatory = $true)][string[]]$Files
)
$ErrorActionPreference = 'Stop'
$Ansible.Changed = $false

$linked = @()
$failed = @()
foreach ($file in $Files) {
    $full = $Path + '\' + $file.Replace('/', '\')
    try {
        $item = Get-Item -LiteralPath $full -Force
        # The method behind the LinkType property, called directly: a property read swallows the provider's error
        # (the file held without read sharing, read denied) and gives $null - "no link" - where the file must be named
        # in Failed (review hardfix2, finding 1).
        $type = [Microsoft.PowerShell.Commands.InternalSymbolicLinkLinkCodeMethods]::GetLinkType($item)
        if ([string]$type -eq 'HardLink') { $linked += $file }
    }
    catch {
        $failed += @{ Path = $file; Error = [string]$_.Exception.Message }
    }
}
$Ansible.Result = @{ Linked = $linked; Failed = $failed }
