# lync-payload: lync_filestore_link
# Makes hard links in a new backup set to unchanged files of the previous set's copy of a file store,
# so that robocopy, which runs next, copies only the files that are missing (docs/architecture.md,
# "Only changed file-store bytes"). It links exactly the relative paths it is given (the controller
# chose them: plugins/plugin_utils/filestore_links.py) and returns what it did; it decides nothing.
# Every new name is created where no file exists yet (New-Item without -Force refuses an existing
# name), so nothing is ever written into a file here; a link that fails is reported, with its Win32
# error code, and left for robocopy to copy. The controller decides from the codes, never from the
# messages (they are in the OS's language), whether links can be made at all.
#
# Runs on the file-store host, in the same session as the robocopy (network credentials for the
# backup share); both names are on the backup share (one volume). Rights: Change (share) and Modify
# (folder) on the backup share for the new set; on the previous set, read, and possibly write
# attributes on each linked file (CreateHardLinkW is reported to open the existing file for
# FILE_WRITE_ATTRIBUTES; Microsoft's page does not say: a set made read-only after its close makes every
# link fail with access denied, and the night copies in full). Windows PowerShell 5.1 (the collection's
# minimum: docs/preflight.md); New-Item -ItemType HardLink came with 5.0.
# Microsoft pages:
#   New-Item -ItemType HardLink: https://learn.microsoft.com/powershell/module/microsoft.powershell.management/new-item?view=powershell-5.1
#   CreateHardLinkW (NTFS only, one volume, 1023 links per file; not on SMB 3 shares with continuous
#     availability): https://learn.microsoft.com/windows/win32/api/winbase/nf-winbase-createhardlinkw
#   Win32Exception.NativeErrorCode (the Win32 error New-Item's exception carries, or its inner exception's):
#     https://learn.microsoft.com/dotnet/api/system.componentmodel.win32exception.nativeerrorcode
#   Over SMB the server makes the link: FileLinkInformation for the SMB2 Protocol (MS-FSCC 2.4.27.2)
#     https://learn.microsoft.com/openspecs/windows_protocols/ms-fscc/58f44021-120d-4662-bf2c-9905ed4940dc
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)][string]$Target,
    [Parameter(Mandatory = $true)][string]$Previous,
    [string[]]$Folders = @(),
    [Parameter(Mandatory = $true)][string[]]$Files
)
$ErrorActionPreference = 'Stop'

# The store's folder in the new set, then the subfolders the links need (-Force: existing folders are kept).
$null = New-Item -ItemType Directory -Path $Target -Force
foreach ($folder in $Folders) {
    $null = New-Item -ItemType Directory -Path (Join-Path -Path $Target -ChildPath $folder) -Force
}
$linked = @()
$failed = @()
foreach ($file in $Files) {
    $new = Join-Path -Path $Target -ChildPath $file
    $existing = Join-Path -Path $Previous -ChildPath $file
    try {
        $null = New-Item -ItemType HardLink -Path $new -Value $existing -ErrorAction Stop
        $linked += $file
    }
    catch {
        # The provider throws a Win32Exception with CreateHardLinkW's error, or wraps it as the inner exception
        # (ERROR_INVALID_FUNCTION: "hard links not supported"). Other failures (an existing name, a missing
        # previous file) carry no Win32 code.
        $code = $_.Exception.NativeErrorCode
        if ($null -eq $code -and $null -ne $_.Exception.InnerException) { $code = $_.Exception.InnerException.NativeErrorCode }
        $failed += @{ Path = $file; Error = [string]$_.Exception.Message; Code = $code }
    }
}
$Ansible.Changed = $linked.Count -gt 0
$Ansible.Result = @{ Linked = $linked; Failed = $failed }
