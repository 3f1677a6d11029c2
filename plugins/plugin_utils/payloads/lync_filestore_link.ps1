# lync-payload: lync_filestore_link
# Makes hard links in a new backup set to unchanged files of the previous set's copy of a file store,
# so that robocopy, which runs next, copies only the files that are missing (docs/architecture.md,
# "Only changed file-store bytes"). It links exactly the relative paths it is given (the controller
# chose them: plugins/plugin_utils/filestore_links.py) and returns what it did; it decides nothing.
# Every new name is created where no file exists yet (New-Item without -Force refuses an existing
# name), so nothing is ever written into a file here; a link that fails is reported and left for
# robocopy to copy.
#
# Runs on the file-store host, in the same session as the robocopy (network credentials for the
# backup share); both names are on the backup share (one volume). Rights: Change (share) and Modify
# (folder) on the backup share, read on the previous set.
# Microsoft pages:
#   New-Item -ItemType HardLink (Windows PowerShell 5.0 and later; on 3.0/4.0 it fails and the controller
#     asks again with Method Fsutil): https://learn.microsoft.com/powershell/module/microsoft.powershell.management/new-item?view=powershell-5.1
#   fsutil hardlink create <new> <existing> (every supported Windows Server; needs local Administrators):
#     https://learn.microsoft.com/windows-server/administration/windows-commands/fsutil-hardlink
#     The paths are passed as arguments of the program (no cmd.exe, so no shell reads them).
#   CreateHardLinkW (NTFS only, one volume, 1023 links per file):
#     https://learn.microsoft.com/windows/win32/api/winbase/nf-winbase-createhardlinkw
#   Over SMB the server makes the link: FileLinkInformation for the SMB2 Protocol (MS-FSCC 2.4.27.2)
#     https://learn.microsoft.com/openspecs/windows_protocols/ms-fscc/58f44021-120d-4662-bf2c-9905ed4940dc
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)][string]$Target,
    [Parameter(Mandatory = $true)][string]$Previous,
    [string[]]$Folders = @(),
    [ValidateSet('NewItem', 'Fsutil')][string]$Method = 'NewItem',
    [Parameter(Mandatory = $true)][string[]]$Files
)
$ErrorActionPreference = 'Stop'

foreach ($folder in $Folders) {
    $null = New-Item -ItemType Directory -Path (Join-Path -Path $Target -ChildPath $folder) -Force
}
$linked = @()
$failed = @()
foreach ($file in $Files) {
    $new = Join-Path -Path $Target -ChildPath $file
    $existing = Join-Path -Path $Previous -ChildPath $file
    try {
        if ($Method -eq 'Fsutil') {
            $said = & 'fsutil.exe' hardlink create $new $existing
            if ($LASTEXITCODE -ne 0) { throw "fsutil hardlink create: $said" }
        }
        else {
            $null = New-Item -ItemType HardLink -Path $new -Value $existing -ErrorAction Stop
        }
        $linked += $file
    }
    catch {
        $failed += @{ Path = $file; Error = $_.Exception.Message }
    }
}
$Ansible.Changed = $linked.Count -gt 0
$Ansible.Result = @{ Linked = $linked; Failed = $failed; PowerShell = $PSVersionTable.PSVersion.Major }
