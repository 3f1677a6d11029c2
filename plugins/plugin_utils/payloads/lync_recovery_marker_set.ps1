# lync-payload: lync_recovery_marker_set
# Records that a recovery stage finished on this server (or removes its marker), so a
# rerun resumes at the first unfinished stage. The markers decide which recovery stages a rerun skips, so the
# lync.server folder is made as lync_job_start makes it - owner Administrators, only Administrators and SYSTEM may
# write, nothing inherited from ProgramData (whose ACL lets Users create files and folders in a new subfolder: anyone
# could plant a marker, or the jobs' lock file) - when it does not exist yet. Directory.CreateDirectory(String,
# DirectorySecurity) applies the security to a folder it creates only:
# https://learn.microsoft.com/dotnet/api/system.io.directory.createdirectory (.NET Framework 4.x overload).
# A lync.server or recovery folder that exists is checked before any marker is written or removed (review s9main,
# finding 1): a reparse point, an owner other than Administrators or SYSTEM, or a rule that lets anyone else write
# is refused (LYNC_RECOVERY_UNSAFE), not repaired - markers someone else could have planted there would stay.
# Each marker is created owned by Administrators with an ACL for Administrators and SYSTEM only (File.Create(String,
# Int32, FileOptions, FileSecurity), https://learn.microsoft.com/dotnet/api/system.io.file.create), whatever the
# token's default owner (KB 318825 "Object creator"): lync_recovery_markers refuses a marker anyone else owns.
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)][string]$Stage,
    [string]$Text = '',
    [switch]$Remove
)
$ErrorActionPreference = 'Stop'

if ($Stage -cnotmatch '\A[a-z][a-z0-9_]{0,63}\z') { throw "invalid stage name: $Stage" }
$base = Join-Path -Path $env:ProgramData -ChildPath 'lync.server'
$folder = Join-Path -Path $base -ChildPath 'recovery'
$path = Join-Path -Path $folder -ChildPath "$Stage.json"
$sidType = [System.Security.Principal.SecurityIdentifier]
$ours = @('S-1-5-32-544', 'S-1-5-18')
$creators = @('S-1-3-0')  # CREATOR OWNER (not CREATOR GROUP: it becomes the creator's primary group)
# FileSystemRights that change a folder or what it holds (see lync_job_start): CreateFiles 2, AppendData 4,
# WriteExtendedAttributes 16, DeleteSubdirectoriesAndFiles 64, WriteAttributes 256, Delete 65536,
# ChangePermissions 262144, TakeOwnership 524288, GENERIC_WRITE 0x40000000, GENERIC_ALL 0x10000000; only the
# inherit-only rules of CREATOR OWNER are not counted (see lync_job_start).
$writeRights = 2 -bor 4 -bor 16 -bor 64 -bor 256 -bor 65536 -bor 262144 -bor 524288 -bor 0x40000000 -bor 0x10000000
$administrators = New-Object -TypeName System.Security.Principal.SecurityIdentifier -ArgumentList 'S-1-5-32-544'
$system = New-Object -TypeName System.Security.Principal.SecurityIdentifier -ArgumentList 'S-1-5-18'
# Both folders are created with a named owner: a folder made without one belongs to the token's default owner, the
# user under "Object creator" (KB 318825), which the check below would refuse (review s11, finding 1).
$protectedAcl = {
    $acl = New-Object -TypeName System.Security.AccessControl.DirectorySecurity
    $acl.SetOwner($administrators)
    $acl.SetAccessRuleProtection($true, $false)
    $acl.AddAccessRule((New-Object -TypeName System.Security.AccessControl.FileSystemAccessRule -ArgumentList $administrators, 'FullControl', 'ContainerInherit, ObjectInherit', 'None', 'Allow'))
    $acl.AddAccessRule((New-Object -TypeName System.Security.AccessControl.FileSystemAccessRule -ArgumentList $system, 'FullControl', 'ContainerInherit, ObjectInherit', 'None', 'Allow'))
    $acl
}
# lync.server is made and checked before recovery is made in it: a junction planted as lync.server is refused before
# anything is created where it points (review s12, 7).
foreach ($checked in @($base, $folder)) {
    if (-not $Remove -and -not (Test-Path -LiteralPath $checked)) {
        $null = [System.IO.Directory]::CreateDirectory($checked, (& $protectedAcl))
    }
    if (-not (Test-Path -LiteralPath $checked)) {
        continue
    }
    $item = Get-Item -LiteralPath $checked -Force
    $linked = ($item.Attributes -band [System.IO.FileAttributes]::ReparsePoint) -ne 0
    $owner = '(not read: a link)'
    $open = @()
    if (-not $linked) {
        # A link is refused before its ACL is read: Get-Acl of a dangling junction fails (review s13, 2).
        $itemAcl = Get-Acl -LiteralPath $checked
        $owner = $itemAcl.GetOwner($sidType).Value
        $open = @($itemAcl.GetAccessRules($true, $true, $sidType) | Where-Object { $ours -notcontains $_.IdentityReference.Value -and [string]$_.AccessControlType -eq 'Allow' -and -not ($creators -contains $_.IdentityReference.Value -and ([int]$_.PropagationFlags -band 2) -ne 0) -and ([int]$_.FileSystemRights -band $writeRights) -ne 0 })
    }
    if ($linked -or $ours -notcontains $owner -or $open.Count -gt 0) {
        throw "LYNC_RECOVERY_UNSAFE: $checked is not the folder this collection makes (owner $owner, a link: $linked, others may write: $($open.Count -gt 0)); anyone who can write there can plant a marker that makes a rerun skip a recovery stage. Check the markers in it, remove the folder (or make it Administrators' only: icacls `"$checked`" /setowner *S-1-5-32-544 /T, then icacls `"$checked`" /inheritance:r /grant:r *S-1-5-32-544:(OI)(CI)F *S-1-5-18:(OI)(CI)F /T, and remove every other account's own rule: icacls `"$checked`" /remove:g *<SID> /T; the first found: $(@($open | ForEach-Object { $_.IdentityReference.Value })[0])), and run again"
    }
}
$existed = Test-Path -LiteralPath $path
if ($Remove) {
    if ($existed) { Remove-Item -LiteralPath $path -Force }
    $Ansible.Changed = $existed
}
else {
    if ($existed) { [System.IO.File]::Delete($path) }
    $security = New-Object -TypeName System.Security.AccessControl.FileSecurity
    $security.SetOwner($administrators)
    $security.SetAccessRuleProtection($true, $false)
    $security.AddAccessRule((New-Object -TypeName System.Security.AccessControl.FileSystemAccessRule -ArgumentList $administrators, 'FullControl', 'None', 'None', 'Allow'))
    $security.AddAccessRule((New-Object -TypeName System.Security.AccessControl.FileSystemAccessRule -ArgumentList $system, 'FullControl', 'None', 'None', 'Allow'))
    $bytes = (New-Object -TypeName System.Text.UTF8Encoding -ArgumentList $false).GetBytes($Text)
    $stream = [System.IO.File]::Create($path, 4096, [System.IO.FileOptions]::None, $security)
    try {
        $stream.Write($bytes, 0, $bytes.Length)
    }
    finally {
        $stream.Dispose()
    }
}
$Ansible.Result = @{ Path = $path; Existed = $existed }
