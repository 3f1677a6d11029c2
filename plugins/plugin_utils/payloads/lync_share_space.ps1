# lync-payload: lync_share_space
# Read-only. Run on the server that holds a share: the share's local folder (Win32_Share) and every volume
# with its free space (Win32_Volume, mount points included); the action plugin picks the volume whose
# mount path is the longest prefix of the share's folder (plugins/action/lync_share_space.py).
# Why not the UNC path itself: .NET's DriveInfo takes drive letters only, and GetDiskFreeSpaceEx on a UNC
# path needs Add-Type (a C# compiler on the host); the share's own server answers with CIM, which every
# supported Windows has, and without the double hop.
# Rights: a local administrator (Win32_Share and Win32_Volume over the local CIM provider).
# Microsoft's pages:
#   Get-CimInstance https://learn.microsoft.com/powershell/module/cimcmdlets/get-ciminstance?view=powershell-5.1
#   Win32_Share  https://learn.microsoft.com/windows/win32/cimwin32prov/win32-share (Name, Path, Type)
#   Win32_Volume https://learn.microsoft.com/previous-versions/windows/desktop/legacy/aa394515(v=vs.85)
#                (Name: the drive letter or mount point path ending in \; Capacity, FreeSpace in bytes)
[CmdletBinding(SupportsShouldProcess)]
param(
    # Empty for a root that is a local drive path (only the volumes are read).
    [string]$ShareName = ''
)
$ErrorActionPreference = 'Stop'
$Ansible.Changed = $false

$shares = @(Get-CimInstance -ClassName Win32_Share | Where-Object { $_.Name -eq $ShareName })
$volumes = @(Get-CimInstance -ClassName Win32_Volume | Where-Object { $_.Name })
$Ansible.Result = @{
    Computer = $env:COMPUTERNAME
    Shares = @($shares | ForEach-Object { @{ Name = [string]$_.Name; Path = [string]$_.Path } })
    Volumes = @($volumes | ForEach-Object { @{ Name = [string]$_.Name; Capacity = [long]$_.Capacity; FreeSpace = [long]$_.FreeSpace } })
}
