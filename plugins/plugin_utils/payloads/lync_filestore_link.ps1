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
#   Exception.InnerException (the chain walked to it): https://learn.microsoft.com/dotnet/api/system.exception.innerexception
#   ProviderInvocationException (the session state's wrapper of a provider's exception):
#     https://learn.microsoft.com/dotnet/api/system.management.automation.providerinvocationexception
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

# The store's folder in the new set, then the subfolders the links need (existing folders are kept).
# Directory.CreateDirectory, not New-Item -Force: Windows PowerShell 5.1's New-Item drops every IOException of the
# folder's creation under -Force (a path too long, "The network name cannot be found", a logon failure, a full disk;
# PowerShell issue #5290), and every link into the folder would then fail with Win32 error 3 (a per-file code), the
# step reading as "no link could be made" instead of its cause. CreateDirectory throws each failure with its Win32
# text (review s9a, findings 1 and 3; https://learn.microsoft.com/dotnet/api/system.io.directory.createdirectory).
foreach ($folder in @($Target) + @($Folders | ForEach-Object { Join-Path -Path $Target -ChildPath $_ })) {
    try {
        $null = [System.IO.Directory]::CreateDirectory($folder)
    }
    catch {
        throw "LYNC_SHARE_ACCESS: this connection cannot create ${folder}: $($_.Exception.GetBaseException().Message)"
    }
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
        # CreateHardLinkW's error is a Win32Exception that the provider throws or wraps: as the inner exception of
        # an InvalidOperationException (ERROR_INVALID_FUNCTION) or UnauthorizedAccessException (1314), and
        # PowerShell's session state may wrap it again (ProviderInvocationException). The chain of inner
        # exceptions is walked to the Win32Exception, reading NativeErrorCode only there (a member every
        # exception does not have, which strict mode would refuse). Other failures (an existing name, a missing
        # previous file) carry no Win32 code.
        $code = $null
        $inner = $_.Exception
        while ($null -ne $inner -and -not ($inner -is [System.ComponentModel.Win32Exception])) { $inner = $inner.InnerException }
        if ($null -ne $inner) { $code = $inner.NativeErrorCode }
        $failed += @{ Path = $file; Error = [string]$_.Exception.Message; Code = $code }
    }
}
$Ansible.Changed = $linked.Count -gt 0
$Ansible.Result = @{ Linked = $linked; Failed = $failed }
