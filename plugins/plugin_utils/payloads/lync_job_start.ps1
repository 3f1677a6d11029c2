# lync-payload: lync_job_start
# Starts one piece of long work (a lync.server payload: a SQL backup, a SQL restore, a file-store copy)
# as a scheduled task, detached from this WinRM session, or reports the task that already exists under
# the job's name: a rerun finds its job (running or finished) and never starts a second one. The job's
# name is chosen by the collection (plugins/plugin_utils/detached.py) from the work's kind and target (one
# SQL backup job per instance); the job folder's work.id records which work (set and parameters) the job
# runs, and is reported for an existing job, so the collection can tell its own job from an earlier run's.
# The job folder $env:ProgramData\lync.server\jobs\<name>\ receives the runner (jobs/lync_job_runner.ps1),
# the work's payload text and its parameters (Export-Clixml). No secret is written there: the work's
# parameters carry none (detached.py refuses them); the task principal's password goes only to
# Register-ScheduledTask; the Task Scheduler stores it on this host (DPAPI) while the task exists. With
# PowerShell module logging on for ScheduledTasks, event 4103 records that parameter: the preflight
# refuses such a host for detached work (docs/architecture.md, "Detached work").
# The task runs powershell.exe on the runner's text (-Command, so a Group Policy execution policy of AllSigned,
# which governs script files, does not refuse it) as $Principal (logon type Password, run level Highest),
# so the work has that account's identity both on this host and on the network (the share, SQL Server).
# Rights: a local Administrator in this session (Register-ScheduledTask with -RunLevel Highest and
# another account's password); the principal needs "Log on as a batch job" on this host
# (members of Administrators and Backup Operators hold it by default).
# Hosts without the ScheduledTasks module (before Windows Server 2012 / Windows 8) get the marker
# LYNC_JOB_UNSUPPORTED; the collection then runs the work in this session, with a warning.
# Microsoft pages:
#   https://learn.microsoft.com/powershell/module/scheduledtasks/get-scheduledtask
#   https://learn.microsoft.com/powershell/module/scheduledtasks/new-scheduledtaskaction
#   https://learn.microsoft.com/powershell/module/scheduledtasks/new-scheduledtasksettingsset
#   https://learn.microsoft.com/powershell/module/scheduledtasks/register-scheduledtask
#   https://learn.microsoft.com/powershell/module/scheduledtasks/start-scheduledtask
#   https://learn.microsoft.com/powershell/module/scheduledtasks/get-scheduledtaskinfo
#   https://learn.microsoft.com/windows/win32/api/taskschd/nf-taskschd-itasksettings-get_executiontimelimit
#     ("If a task is started on demand, the ExecutionTimeLimit setting is bypassed")
#   https://learn.microsoft.com/powershell/module/scheduledtasks/unregister-scheduledtask
#   https://learn.microsoft.com/windows/win32/taskschd/task-scheduler-error-and-success-constants
#   https://learn.microsoft.com/windows/security/threat-protection/security-policy-settings/network-access-do-not-allow-storage-of-passwords-and-credentials-for-network-authentication
#     (with this policy on, Task Scheduler cannot store the principal's password: registration fails 0x80070520)
#   https://learn.microsoft.com/powershell/module/microsoft.powershell.utility/export-clixml
#   https://learn.microsoft.com/powershell/module/microsoft.powershell.core/about/about_execution_policies
#   https://learn.microsoft.com/powershell/module/microsoft.powershell.core/about/about_powershell_exe
#   https://learn.microsoft.com/dotnet/api/system.io.file.writealltext
#   https://learn.microsoft.com/dotnet/api/system.io.directory.createdirectory (CreateDirectory(String, DirectorySecurity),
#     .NET Framework: the ACL is applied as the folder is created; a folder that already exists is returned as it is,
#     "unless they already exist", with its own ACL - hence the checks of existing parents and the read-back)
#   https://learn.microsoft.com/dotnet/api/system.security.accesscontrol.directorysecurity
#   https://learn.microsoft.com/dotnet/api/system.security.accesscontrol.objectsecurity.setaccessruleprotection
#   https://learn.microsoft.com/dotnet/api/system.security.accesscontrol.filesystemaccessrule.-ctor
#   https://learn.microsoft.com/dotnet/api/system.io.fileattributes (ReparsePoint)
#   https://learn.microsoft.com/powershell/module/microsoft.powershell.security/get-acl?view=powershell-5.1
#   https://learn.microsoft.com/dotnet/api/system.security.accesscontrol.objectsecurity.getowner
#   https://learn.microsoft.com/dotnet/api/system.security.accesscontrol.commonobjectsecurity.getaccessrules
#   https://learn.microsoft.com/dotnet/api/system.security.accesscontrol.filesystemrights
#   https://learn.microsoft.com/dotnet/api/system.io.directory.setaccesscontrol (replaces the DACL; needs WRITE_DAC,
#     which an administrator has on a folder Administrators own)
#   https://learn.microsoft.com/dotnet/api/system.security.principal.ntaccount.translate (IdentityNotMappedException)
#   https://learn.microsoft.com/windows/win32/ad/how-security-descriptors-are-set-on-new-directory-objects
#     ("objects created by members of the administrators group are normally owned by the administrators group")
#   https://learn.microsoft.com/windows/win32/secauthz/well-known-sids (S-1-5-32-544 Administrators, S-1-5-18 SYSTEM)
#   https://learn.microsoft.com/windows/win32/taskschd/security-contexts-for-running-tasks
#     (a task of logon type Password or S4U starts only when its user holds "Log on as a batch job";
#     Administrators and Backup Operators hold it by default. S4U - what ansible.windows.win_updates uses -
#     gives the task no network credentials, hence Password here: the work reaches the share and SQL Server.)
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)][ValidatePattern('^lync\.server-[A-Za-z0-9._-]{1,200}$')][string]$JobName,
    [Parameter(Mandatory = $true)][ValidatePattern('^[A-Za-z0-9._-]{1,120}$')][string]$WorkId,
    [Parameter(Mandatory = $true)][string]$RunnerText,
    [Parameter(Mandatory = $true)][string]$WorkText,
    [hashtable]$WorkParameters = @{},
    [switch]$StartExisting,
    [ValidateRange(60, 2592000)][int]$TimeLimitSeconds = 86400,
    [Parameter(Mandatory = $true)][System.Management.Automation.PSCredential]$Principal
)
$ErrorActionPreference = 'Stop'

$taskPath = '\lync.server\'
if (-not (Get-Command -Name Register-ScheduledTask -ErrorAction SilentlyContinue)) {
    throw 'LYNC_JOB_UNSUPPORTED: this host has no ScheduledTasks module (Windows Server 2012 / Windows 8 or later)'
}
$folder = Join-Path -Path $env:ProgramData -ChildPath "lync.server\jobs\$JobName"
# The job folder must be this run's own: BUILTIN\Users may create folders under ProgramData (and own what they
# create), so a folder (or a junction) someone else made could hand them the runner, the work or the result.
# 1. The parents lync.server and jobs: created with a protected ACL (Administrators and SYSTEM full control,
#    nothing inherited from ProgramData) when absent. CreateDirectory(path, DirectorySecurity) applies no ACL to
#    a folder that already exists ("creates all the directories in the specified path, unless they already
#    exist"), so an existing parent is checked: a reparse point, or an owner other than Administrators or
#    SYSTEM (an owner may rewrite the ACL) is refused; an ACL that lets anyone else write, create, delete or
#    change permissions (the one inherited from ProgramData, or a folder made by an earlier version of this
#    collection) is replaced by the protected one - the owner is Administrators, so this session may.
# 2. The job folder: made new with a protected ACL (Administrators and SYSTEM full control, the principal
#    Modify), then read back (owner, protection, exactly those three rules) before anything is written in it.
#    A job folder that exists without its task is the leftover of a cleanup that failed (antivirus held a file):
#    it is removed when it is this collection's (owned by Administrators or SYSTEM, protected, no subfolder, not
#    a reparse point) and refused otherwise.
$base = Join-Path -Path $env:ProgramData -ChildPath 'lync.server'
$jobs = Join-Path -Path $base -ChildPath 'jobs'
$sidType = [System.Security.Principal.SecurityIdentifier]
$ours = @('S-1-5-32-544', 'S-1-5-18')
$creators = @('S-1-3-0')  # CREATOR OWNER (not CREATOR GROUP: it becomes the creator's primary group)
# FileSystemRights that change a folder or what it holds: CreateFiles 2, CreateDirectories (AppendData) 4,
# WriteExtendedAttributes 16, DeleteSubdirectoriesAndFiles 64, WriteAttributes 256, Delete 65536,
# ChangePermissions 262144, TakeOwnership 524288 (https://learn.microsoft.com/dotnet/api/system.security.accesscontrol.filesystemrights),
# and the generic GENERIC_WRITE 0x40000000 and GENERIC_ALL 0x10000000 a hand-set ACE may carry
# (https://learn.microsoft.com/windows/win32/secauthz/access-mask). An inherit-only rule (PropagationFlags InheritOnly,
# 2: https://learn.microsoft.com/dotnet/api/system.security.accesscontrol.propagationflags) of CREATOR OWNER is not
# counted: it grants nothing on the folder, and what it gives below goes to the creator, whose ownership is checked
# (review s11, 2). CREATOR GROUP's counts: it is given to the creator's primary group (Domain Users; review s13, 1). Any other inherit-only rule counts: an ObjectInherit-only rule stays inherit-only on the
# folders below and reaches every file made there without its own protected ACL ("ACE inheritance rules",
# https://learn.microsoft.com/windows/win32/secauthz/ace-inheritance-rules; review s12, 1).
$writeRights = 2 -bor 4 -bor 16 -bor 64 -bor 256 -bor 65536 -bor 262144 -bor 524288 -bor 0x40000000 -bor 0x10000000
# The owner is named, not left to the token's default owner (the user, for an administrator whose token does not
# make BUILTIN\Administrators the default owner - KB 318825's "Object creator"): the checks below refuse any other.
# An elevated administrator may name Administrators as owner (TOKEN_OWNER: a group of the token with SE_GROUP_OWNER).
# A new DirectorySecurity for each use: .NET clears its changed-section flags when SetAccessControl persists it, so
# a second folder given the same object would get nothing written (review jobstart2, finding 1). The repair of an
# existing parent sets no owner (the owner check below has refused any owner but Administrators or SYSTEM).
$administrators = New-Object -TypeName System.Security.Principal.SecurityIdentifier -ArgumentList 'S-1-5-32-544'
$protectedAcl = {
    param([bool]$Owned)
    $made = New-Object -TypeName System.Security.AccessControl.DirectorySecurity
    if ($Owned) {
        $made.SetOwner($administrators)
    }
    $made.SetAccessRuleProtection($true, $false)
    $made.AddAccessRule((New-Object -TypeName System.Security.AccessControl.FileSystemAccessRule -ArgumentList $administrators, 'FullControl', 'ContainerInherit, ObjectInherit', 'None', 'Allow'))
    $made.AddAccessRule((New-Object -TypeName System.Security.AccessControl.FileSystemAccessRule -ArgumentList (New-Object -TypeName System.Security.Principal.SecurityIdentifier -ArgumentList 'S-1-5-18'), 'FullControl', 'ContainerInherit, ObjectInherit', 'None', 'Allow'))
    $made
}
$null = [System.IO.Directory]::CreateDirectory($base, (& $protectedAcl $true))
$parents = @(Get-Item -LiteralPath $base -Force)
$linked = @($parents | Where-Object { ($_.Attributes -band [System.IO.FileAttributes]::ReparsePoint) -ne 0 })
if ($linked.Count -eq 0) {
    # jobs is made only in a lync.server that is not a link: nothing is created where a planted junction points
    # (review s13, 2).
    $null = [System.IO.Directory]::CreateDirectory($jobs, (& $protectedAcl $true))
    $parents = @(Get-Item -LiteralPath $base, $jobs -Force)
    $linked = @($parents | Where-Object { ($_.Attributes -band [System.IO.FileAttributes]::ReparsePoint) -ne 0 })
}
if ($linked.Count -gt 0) {
    throw "LYNC_JOB_UNSAFE: $($linked[0].FullName) is a reparse point (a junction or symbolic link); the job folder must be a real folder under $env:ProgramData. Check who made it, remove it, and run again"
}
$foreign = @($parents | Where-Object { $ours -notcontains (Get-Acl -LiteralPath $_.FullName).GetOwner($sidType).Value })
if ($foreign.Count -gt 0) {
    $who = (Get-Acl -LiteralPath $foreign[0].FullName).GetOwner($sidType).Value
    throw "LYNC_JOB_UNSAFE: $($foreign[0].FullName) is owned by $who, not by Administrators or SYSTEM: its owner can change its ACL and swap the job's files. Check who made it and what it holds, remove it (or make Administrators its owner: icacls `"$($foreign[0].FullName)`" /setowner *S-1-5-32-544 /T), and run again"
}
$open = @($parents | Where-Object { $acl = Get-Acl -LiteralPath $_.FullName; (-not $acl.AreAccessRulesProtected) -or @($acl.GetAccessRules($true, $true, $sidType) | Where-Object { $ours -notcontains $_.IdentityReference.Value -and [string]$_.AccessControlType -eq 'Allow' -and -not ($creators -contains $_.IdentityReference.Value -and ([int]$_.PropagationFlags -band 2) -ne 0) -and ([int]$_.FileSystemRights -band $writeRights) -ne 0 }).Count -gt 0 })
$open | ForEach-Object { [System.IO.Directory]::SetAccessControl($_.FullName, (& $protectedAcl $false)) }
# One start at a time on this host (review jobstart 1): between "no task under this name" and Register, a second
# start of the same job - the retry of a start whose WinRM connection dropped while its PowerShell went on, or another
# run - would take the first one's new folder for a leftover and delete it. The start holds jobs.lock in the
# protected lync.server folder open with FileShare None while it works (lync_job_remove takes it too); a second
# opener gets a sharing violation (IOException) and LYNC_JOB_BUSY, which the collection retries. Windows closes the
# handle when the process ends, however it ends. A file in a folder only Administrators and SYSTEM may write, not a
# named mutex: anyone may create a mutex in the Global\ namespace first (review jobstart2, finding 2).
$lockFile = Join-Path -Path $base -ChildPath 'jobs.lock'
# A jobs.lock someone else made (lync.server had ProgramData's inherited ACL before this start tightened it - the
# recovery markers' folder - and its creator owns it and may hold it open) is refused, not used (review jobstart3, 1).
$lockItem = $null
if (Test-Path -LiteralPath $lockFile) {
    $lockItem = Get-Item -LiteralPath $lockFile -Force
    $lockOwner = (Get-Acl -LiteralPath $lockFile).GetOwner($sidType).Value
    if ($lockItem.PSIsContainer -or ($lockItem.Attributes -band [System.IO.FileAttributes]::ReparsePoint) -ne 0 -or $ours -notcontains $lockOwner) {
        throw "LYNC_JOB_UNSAFE: $lockFile is not the lock file this collection makes (owner $lockOwner, a folder or link: $($lockItem.PSIsContainer -or ($lockItem.Attributes -band [System.IO.FileAttributes]::ReparsePoint) -ne 0)); check who made it, close what holds it, delete it, and run again"
    }
}
# The lock is created owned by Administrators with the protected ACL, not left to the token's default owner: under
# "Object creator" (KB 318825) that is the user, and the owner checks above and in lync_job_remove would refuse the
# lock this start made (review s9b, finding 3). File.Create(String, Int32, FileOptions, FileSecurity) (.NET Framework:
# FileMode Create, read and write, FileShare None) gives the descriptor to the file it creates. A lock that exists
# (checked above) is opened as it is, not overwritten (Create would refuse a Hidden or System file: review s10,
# finding 3); one deleted since the check fails the open (FileNotFoundException: LYNC_JOB_LOCK_FAILED) rather than
# being made again without its owner. Two starts that both found none: the second Create meets the first's
# FileShare None (a sharing violation: LYNC_JOB_BUSY).
$lockSecurity = New-Object -TypeName System.Security.AccessControl.FileSecurity
$lockSecurity.SetOwner($administrators)
$lockSecurity.SetAccessRuleProtection($true, $false)
$lockSecurity.AddAccessRule((New-Object -TypeName System.Security.AccessControl.FileSystemAccessRule -ArgumentList $administrators, 'FullControl', 'None', 'None', 'Allow'))
$lockSecurity.AddAccessRule((New-Object -TypeName System.Security.AccessControl.FileSystemAccessRule -ArgumentList (New-Object -TypeName System.Security.Principal.SecurityIdentifier -ArgumentList 'S-1-5-18'), 'FullControl', 'None', 'None', 'Allow'))
try {
    if ($lockItem) {
        $startLock = [System.IO.File]::Open($lockFile, [System.IO.FileMode]::Open, [System.IO.FileAccess]::ReadWrite, [System.IO.FileShare]::None)
    } else {
        $startLock = [System.IO.File]::Create($lockFile, 4096, [System.IO.FileOptions]::None, $lockSecurity)
    }
} catch [System.UnauthorizedAccessException] {
    # Access denied is not an IOException (__Error.WinIOError): a ReadOnly jobs.lock, a denying ACL, a file
    # deleted while something still holds it (review s9b, finding 5).
    throw "LYNC_JOB_LOCK_FAILED: $lockFile could not be opened: $($_.Exception.Message) (check its attributes and ACL); nothing was started"
} catch [System.IO.IOException] {
    # Only a sharing or lock violation is "held": HResult is HRESULT_FROM_WIN32 of the Win32 code, compared whole
    # (ERROR_SHARING_VIOLATION 32, 0x80070020 = -2147024864; ERROR_LOCK_VIOLATION 33, 0x80070021 - "Handling I/O errors in .NET",
    # https://learn.microsoft.com/dotnet/standard/io/handling-io-errors; System Error Codes (0-499),
    # https://learn.microsoft.com/windows/win32/debug/system-error-codes--0-499-). Any other IOException (disk full,
    # a corrupt file) is an error with its own message, not retried as busy (review jobstart3, finding 2). A typed catch
    # that matches the IOException inside PowerShell's MethodInvocationException gives it as $_.Exception
    # (ExceptionHandlingOps.FindMatchingHandler: new ErrorRecord(rte.ErrorRecord, inner)).
    if (@(-2147024864, -2147024863) -notcontains $_.Exception.HResult) {
        throw "LYNC_JOB_LOCK_FAILED: $lockFile could not be opened: $($_.Exception.Message); nothing was started"
    }
    throw "LYNC_JOB_BUSY: another start or removal of a lync.server job on this host holds $lockFile; nothing was started"
}
try {
    # Only "no such task" means no task: Get-ScheduledTask (a CDXML cmdlet) queried by name AND path reports a miss as
    # FullyQualifiedErrorId CmdletizationQuery_NotFound,Get-ScheduledTask (category ObjectNotFound; by name alone it is
    # CmdletizationQuery_NotFound_TaskName): any id starting CmdletizationQuery_NotFound is taken as not found.
    # Not the provider's HRESULT 0x80070002: it reports a task entry it cannot read, and a running job's task taken
    # for "no task" would lose its folder (review s10, finding 1).
    # Any other failure (the Task Scheduler service or its CIM provider unavailable) is rethrown: taken
    # for "no task", it would let the leftover sweep below remove the folder of a job that runs (review jobstart 1).
    $existing = $null
    try {
        $existing = Get-ScheduledTask -TaskName $JobName -TaskPath $taskPath -ErrorAction Stop
    } catch {
        $queryError = [string]$_.FullyQualifiedErrorId
        if (-not $queryError.StartsWith('CmdletizationQuery_NotFound', [System.StringComparison]::Ordinal)) {
            throw
        }
    }
    $workFile = Join-Path -Path $folder -ChildPath 'work.id'
    $started = $false
    $swept = $false
    $state = ''
    $owner = ''
    $lastResult = $null
    if ($existing) {
        $state = [string]$existing.State
        $lastResult = [long](Get-ScheduledTaskInfo -TaskName $JobName -TaskPath $taskPath).LastTaskResult
        if (Test-Path -LiteralPath $workFile -PathType Leaf) {
            $owner = [System.IO.File]::ReadAllText($workFile)
        }
        # -StartExisting: the collection saw this job's task registered but never started (its run was cut between
        # Register and Start); start it now. A task that runs ignores a second start (MultipleInstances IgnoreNew).
        # Checked again here, as it is now: still never run (LastTaskResult 267011, SCHED_S_TASK_HAS_NOT_RUN) and no
        # result.xml - a job that ran and finished since the collection looked is not run a second time.
        $hasRun = ($lastResult -ne 267011) -or (Test-Path -LiteralPath (Join-Path -Path $folder -ChildPath 'result.xml') -PathType Leaf)
        if ($StartExisting -and $state -eq 'Ready' -and -not $hasRun) {
            Start-ScheduledTask -TaskName $JobName -TaskPath $taskPath
            $started = $true
            $state = 'Running'
        }
    } else {
        try {
            $principalSid = (New-Object -TypeName System.Security.Principal.NTAccount -ArgumentList $Principal.UserName).Translate($sidType)
        } catch {
            throw "LYNC_JOB_PRINCIPAL_UNKNOWN: the job's principal '$($Principal.UserName)' does not map to an account on this host ($($_.Exception.Message)); give lync_network_user as DOMAIN\name or name@domain"
        }
        if (Test-Path -LiteralPath $folder) {
            $left = Get-Item -LiteralPath $folder -Force
            $leftAcl = Get-Acl -LiteralPath $folder
            $inside = @(Get-ChildItem -LiteralPath $folder -Force | Where-Object { $_.PSIsContainer -or ($_.Attributes -band [System.IO.FileAttributes]::ReparsePoint) -ne 0 })
            if (($left.Attributes -band [System.IO.FileAttributes]::ReparsePoint) -ne 0 -or $ours -notcontains $leftAcl.GetOwner($sidType).Value -or -not $leftAcl.AreAccessRulesProtected -or $inside.Count -gt 0) {
                throw "LYNC_JOB_UNSAFE: the job folder $folder exists without its scheduled task and is not one this collection made (owner $($leftAcl.GetOwner($sidType).Value), protected $($leftAcl.AreAccessRulesProtected), $($inside.Count) subfolder(s) or link(s)); check its contents and owner, delete it, and run again"
            }
            # This collection's leftover (its task is gone: the job finished and its cleanup failed). A file still held
            # makes Remove-Item fail here with the holder's error, and the next run tries again.
            Remove-Item -LiteralPath $folder -Recurse -Force
            $swept = $true
        }
        $security = New-Object -TypeName System.Security.AccessControl.DirectorySecurity
        $security.SetOwner($administrators)
        $security.SetAccessRuleProtection($true, $false)
        $security.AddAccessRule((New-Object -TypeName System.Security.AccessControl.FileSystemAccessRule -ArgumentList (New-Object -TypeName System.Security.Principal.SecurityIdentifier -ArgumentList 'S-1-5-32-544'), 'FullControl', 'ContainerInherit, ObjectInherit', 'None', 'Allow'))
        $security.AddAccessRule((New-Object -TypeName System.Security.AccessControl.FileSystemAccessRule -ArgumentList (New-Object -TypeName System.Security.Principal.SecurityIdentifier -ArgumentList 'S-1-5-18'), 'FullControl', 'ContainerInherit, ObjectInherit', 'None', 'Allow'))
        $security.AddAccessRule((New-Object -TypeName System.Security.AccessControl.FileSystemAccessRule -ArgumentList $principalSid, 'Modify', 'ContainerInherit, ObjectInherit', 'None', 'Allow'))
        $null = [System.IO.Directory]::CreateDirectory($folder, $security)
        # Read back: a folder someone made between the check above and CreateDirectory would be returned as it is.
        $made = Get-Acl -LiteralPath $folder
        # (An Allow rule is stored with Synchronize added, 1048576: both sides carry it.)
        $rules = @($made.GetAccessRules($true, $true, $sidType) | ForEach-Object { '{0}={1}' -f $_.IdentityReference.Value, ([int]$_.FileSystemRights -bor 1048576) } | Sort-Object)
        $expected = @(('S-1-5-18={0}' -f ([int][System.Security.AccessControl.FileSystemRights]::FullControl -bor 1048576)), ('S-1-5-32-544={0}' -f ([int][System.Security.AccessControl.FileSystemRights]::FullControl -bor 1048576)), ('{0}={1}' -f $principalSid.Value, ([int][System.Security.AccessControl.FileSystemRights]::Modify -bor 1048576))) | Sort-Object
        if ($ours -notcontains $made.GetOwner($sidType).Value -or -not $made.AreAccessRulesProtected -or ($rules -join ';') -ne (@($expected) -join ';')) {
            throw "LYNC_JOB_UNSAFE: the job folder $folder does not carry the ACL it was created with (owner $($made.GetOwner($sidType).Value), rules $($rules -join ', ')): someone made it first. Check who, delete it, and run again"
        }
        $runner = Join-Path -Path $folder -ChildPath 'runner.ps1'
        [System.IO.File]::WriteAllText($runner, $RunnerText, [System.Text.Encoding]::UTF8)
        [System.IO.File]::WriteAllText((Join-Path -Path $folder -ChildPath 'work.ps1'), $WorkText, [System.Text.Encoding]::UTF8)
        [System.IO.File]::WriteAllText($workFile, $WorkId, [System.Text.Encoding]::ASCII)
        Export-Clixml -LiteralPath (Join-Path -Path $folder -ChildPath 'parameters.xml') -InputObject $WorkParameters -Depth 8
        # The runner as -Command text, not -File: a Group Policy execution policy (AllSigned) overrides
        # -ExecutionPolicy and refuses an unsigned script file, not command text (about_Execution_Policies).
        # Get-Content -Raw, not [System.IO.File]::ReadAllText. FullLanguage is required all the same: ConstrainedLanguage
        # (an AppLocker/WDAC policy) refuses [scriptblock]::Create (about_Language_Modes; docs/architecture.md).
        # The folder ($env:ProgramData, the validated job name) holds no quote; a single quote is doubled all the same.
        $quoted = $folder.Replace("'", "''")
        $command = "& ([scriptblock]::Create((Get-Content -LiteralPath '{0}\runner.ps1' -Raw -Encoding UTF8))) '{0}'" -f $quoted
        $action = New-ScheduledTaskAction -Execute 'powershell.exe' -Argument ('-NoProfile -NonInteractive -Command "{0}"' -f $command)
        # ExecutionTimeLimit: the item's timeout (not the 72 h default). Task Scheduler ignores it for a task
        # started on demand (ITaskSettings::ExecutionTimeLimit), as this one is: the controller's deadline stops
        # the job; the limit bounds any later (scheduled or retried) run of the task.
        $settings = New-ScheduledTaskSettingsSet -AllowStartIfOnBatteries -DontStopIfGoingOnBatteries -MultipleInstances IgnoreNew -ExecutionTimeLimit ([System.TimeSpan]::FromSeconds($TimeLimitSeconds))
        # The password leaves this process only for the Task Scheduler, which stores it while the task exists.
        $password = $Principal.GetNetworkCredential().Password
        try {
            $null = Register-ScheduledTask -TaskName $JobName -TaskPath $taskPath -Action $action -Settings $settings -User $Principal.UserName -Password $password -RunLevel Highest
        } catch {
            # Refused (0x80070520: the credential cannot be stored - policy "Network access: Do not allow storage of
            # passwords and credentials for network authentication", or this remote session; 0x8007052E: wrong
            # password; 0x80070569: logon type not granted): nothing is left behind, and the collection decides.
            Remove-Item -LiteralPath $folder -Recurse -Force -ErrorAction SilentlyContinue
            # Register-ScheduledTask is a CIM cmdlet: its CimException's message is the text alone, the code is in
            # FullyQualifiedErrorId ("HRESULT 0x8007052e,Register-ScheduledTask"), so both travel.
            throw ('LYNC_JOB_REGISTER_REFUSED: ' + [string]$_.Exception.Message + ' (' + [string]$_.FullyQualifiedErrorId + ')')
        }
        try {
            Start-ScheduledTask -TaskName $JobName -TaskPath $taskPath
        } catch {
            # A task that cannot start is not left registered (with its stored credential) for a later run to wait on.
            Unregister-ScheduledTask -TaskName $JobName -TaskPath $taskPath -Confirm:$false -ErrorAction SilentlyContinue
            Remove-Item -LiteralPath $folder -Recurse -Force -ErrorAction SilentlyContinue
            throw
        }
        $started = $true
        $state = 'Running'
        $owner = $WorkId
    }
} finally {
    $startLock.Dispose()
}
$Ansible.Changed = $started
$Ansible.Result = @{ Job = $JobName; WorkId = $owner; Started = $started; State = $state; LastTaskResult = $lastResult; Swept = $swept }
