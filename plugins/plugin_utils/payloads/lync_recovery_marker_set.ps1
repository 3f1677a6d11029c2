# lync-payload: lync_recovery_marker_set
# Records that a recovery stage finished on this server (or removes its marker), so a
# rerun resumes at the first unfinished stage. The markers decide which recovery stages a rerun skips, so the
# lync.server folder is made as lync_job_start makes it - owner Administrators, only Administrators and SYSTEM may
# write, nothing inherited from ProgramData (whose ACL lets Users create files and folders in a new subfolder: anyone
# could plant a marker, or the jobs' lock file) - when it does not exist yet. Directory.CreateDirectory(String,
# DirectorySecurity) applies the security to a folder it creates only:
# https://learn.microsoft.com/dotnet/api/system.io.directory.createdirectory (.NET Framework 4.x overload).
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
$existed = Test-Path -LiteralPath $path
if ($Remove) {
    if ($existed) { Remove-Item -LiteralPath $path -Force }
    $Ansible.Changed = $existed
}
else {
    if (-not (Test-Path -LiteralPath $base)) {
        $administrators = New-Object -TypeName System.Security.Principal.SecurityIdentifier -ArgumentList 'S-1-5-32-544'
        $system = New-Object -TypeName System.Security.Principal.SecurityIdentifier -ArgumentList 'S-1-5-18'
        $acl = New-Object -TypeName System.Security.AccessControl.DirectorySecurity
        $acl.SetOwner($administrators)
        $acl.SetAccessRuleProtection($true, $false)
        $acl.AddAccessRule((New-Object -TypeName System.Security.AccessControl.FileSystemAccessRule -ArgumentList $administrators, 'FullControl', 'ContainerInherit, ObjectInherit', 'None', 'Allow'))
        $acl.AddAccessRule((New-Object -TypeName System.Security.AccessControl.FileSystemAccessRule -ArgumentList $system, 'FullControl', 'ContainerInherit, ObjectInherit', 'None', 'Allow'))
        $null = [System.IO.Directory]::CreateDirectory($base, $acl)
    }
    $null = [System.IO.Directory]::CreateDirectory($folder)
    [System.IO.File]::WriteAllText($path, $Text, (New-Object -TypeName System.Text.UTF8Encoding -ArgumentList $false))
}
$Ansible.Result = @{ Path = $path; Existed = $existed }
