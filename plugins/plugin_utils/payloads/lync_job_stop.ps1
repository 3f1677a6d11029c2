# lync-payload: lync_job_stop
# Ends what a stopped detached job (see lync_job_start) leaves running, and deletes what it wrote that belongs to
# it alone. Stop-ScheduledTask ends the task's powershell.exe (the runner); its page and MS-TSCH SchRpcStop say
# nothing of the processes that one started, nor of work it asked of another process: a SQL Server BACKUP runs in
# sqlservr.exe for the session the killed process opened, and may go on until SQL Server notices the connection
# is gone; a robocopy.exe the runner started is a process of its own. So the collection (plugins/plugin_utils/
# detached.py) reads what the job recorded (lync_job_status: Records) and, after the stop, calls this with
# values it has checked:
# * -SqlSessionId / -SqlLoginTime / -SqlInstance: the SQL session the work opened (@@SPID, its login_time as
#   CONVERT(nvarchar(30), login_time, 126), on the work's own instance). The session is KILLed only if a session
#   of that id still has that login time and the program name the work's connection gave (Application Name
#   lync.server): a session id is released when its connection ends and reused by the next one. KILL takes a
#   literal session id, not a variable, so the statement is built in T-SQL from the int SqlParameter @spid
#   (CAST of an int: digits only) and run with EXEC; no text from anyone reaches it. Then it reports whether a
#   request of that session still runs (sys.dm_exec_requests): a KILLed BACKUP ends with Msg 3204 / 3013 shortly
#   after, and the collection looks again.
# * -RunnerProcessId / -RunnerStartTicks: the runner's powershell.exe ($PID and its StartTime in UTC ticks, recorded by
#   jobs/lync_job_runner.ps1). Its child robocopy.exe processes (Win32_Process ParentProcessId, created after the
#   runner started: a parent id can be reused once the parent is gone) are stopped with Stop-Process -Id, and so is
#   the runner itself if it still runs (same id and same start time). Nothing else is touched.
# * -RemoveFiles: full paths the action names as this job's own (the .bak files of this backup in this set, this
#   store's copy in this set), deleted once nothing of the job runs; a path that is not there is not an error.
# Rights: a local Administrator (Get-CimInstance Win32_Process, Stop-Process of the principal's processes);
# KILL needs ALTER ANY CONNECTION (fixed server roles sysadmin and processadmin hold it); reading another
# session in sys.dm_exec_sessions / sys.dm_exec_requests needs VIEW SERVER STATE (sysadmin holds it; without it
# the session is invisible, which is reported as an error, never as "ended").
#   https://learn.microsoft.com/sql/t-sql/functions/has-perms-by-name-transact-sql
# Works on PowerShell 3.0 (Get-CimInstance is 3.0); the SQL part uses System.Data.SqlClient as lync_sql_backup.
# Microsoft pages:
#   https://learn.microsoft.com/powershell/module/scheduledtasks/stop-scheduledtask
#   https://learn.microsoft.com/openspecs/windows_protocols/ms-tsch/f7bb5834-1230-4e5e-8495-85a4d635495a (SchRpcStop)
#   https://learn.microsoft.com/sql/t-sql/language-elements/kill-transact-sql
#     (KILL { session_id ... }: session_id is an int literal; "Requires the ALTER ANY CONNECTION permission.
#     ALTER ANY CONNECTION is included with membership in the sysadmin or processadmin fixed server roles";
#     "When the connection ends, the integer value is released and can be reassigned to a new connection")
#   https://learn.microsoft.com/sql/relational-databases/system-dynamic-management-views/sys-dm-exec-sessions-transact-sql
#   https://learn.microsoft.com/sql/relational-databases/system-dynamic-management-views/sys-dm-exec-requests-transact-sql
#   https://learn.microsoft.com/sql/t-sql/functions/cast-and-convert-transact-sql (style 126, ISO 8601)
#   https://learn.microsoft.com/sql/relational-databases/errors-events/database-engine-events-and-errors-3000-to-3999
#     (3204 "The backup or restore was aborted.", 3013 "BACKUP DATABASE is terminating abnormally.")
#   https://learn.microsoft.com/windows/win32/cimwin32prov/win32-process (ParentProcessId, CreationDate, Name)
#   https://learn.microsoft.com/powershell/module/microsoft.powershell.management/get-process
#   https://learn.microsoft.com/powershell/module/microsoft.powershell.management/stop-process
#   https://learn.microsoft.com/powershell/module/microsoft.powershell.management/remove-item
[CmdletBinding()]
param(
    [string]$SqlInstance = '',
    [ValidateRange(0, 32767)][int]$SqlSessionId = 0,
    [ValidatePattern('^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,7})?)?$')][string]$SqlLoginTime = '',
    [ValidateRange(0, 2147483647)][int]$RunnerProcessId = 0,
    [ValidateRange(0, 3155378975999999999)][long]$RunnerStartTicks = 0,
    [string[]]$RemoveFiles = @()
)
$ErrorActionPreference = 'Stop'

$KillSql = "DECLARE @found int = (SELECT TOP 1 session_id FROM sys.dm_exec_sessions WHERE session_id = @spid AND program_name = N'lync.server' AND CONVERT(nvarchar(30), login_time, 126) = @login); IF @found IS NOT NULL BEGIN DECLARE @kill nvarchar(40) = N'KILL ' + CAST(CAST(@spid AS int) AS nvarchar(11)); EXEC (@kill) END; SELECT @found AS Found, (SELECT TOP 1 session_id FROM sys.dm_exec_requests WHERE session_id = @spid) AS Running, HAS_PERMS_BY_NAME(NULL, NULL, N'VIEW SERVER STATE') AS CanSee"

$sqlFound = $false
$sqlRunning = $false
$sqlError = $null
if ($SqlSessionId -gt 0) {
    try {
        $connection = New-Object System.Data.SqlClient.SqlConnection "Server=$SqlInstance;Database=master;Integrated Security=True;Application Name=lync.server-stop"
        $connection.Open()
        try {
            $command = $connection.CreateCommand()
            $command.CommandText = $KillSql
            $null = $command.Parameters.AddWithValue('@spid', $SqlSessionId)
            $null = $command.Parameters.AddWithValue('@login', $SqlLoginTime)
            $table = New-Object System.Data.DataTable
            $table.Load($command.ExecuteReader())
            $sqlFound = ($table.Rows[0].Found -isnot [System.DBNull])
            $sqlRunning = ($table.Rows[0].Running -isnot [System.DBNull])
            if ($table.Rows[0].CanSee -ne 1) {
                # Without VIEW SERVER STATE another session is invisible: "not found" would be a false all-clear.
                $sqlError = 'this login lacks VIEW SERVER STATE, so it cannot see the job''s session'
            }
        }
        finally {
            $connection.Dispose()
        }
    }
    catch {
        $sqlError = [string]$_.Exception.Message
    }
}

$stopped = @()
$processesRunning = 0
if ($RunnerProcessId -gt 0) {
    # The runner itself, if the stop left it (same id, same start time), then its robocopy.exe children (created
    # after the runner started, within the second CIM's CreationDate may round to).
    $runner = @(Get-Process -Id $RunnerProcessId -ErrorAction SilentlyContinue | Where-Object { $_.StartTime.ToUniversalTime().Ticks -eq $RunnerStartTicks })
    $children = @(Get-CimInstance -ClassName Win32_Process | Where-Object { $_.ParentProcessId -eq $RunnerProcessId -and $_.Name -eq 'robocopy.exe' -and $_.CreationDate.ToUniversalTime().Ticks -ge ($RunnerStartTicks - 10000000) })
    $stopped = @(@($runner | ForEach-Object { $_.Id }) + @($children | ForEach-Object { [int]$_.ProcessId }))
    $stopped | ForEach-Object { Stop-Process -Id $_ -Force -ErrorAction SilentlyContinue }
    $processesRunning = @($stopped | Where-Object { Get-Process -Id $_ -ErrorAction SilentlyContinue }).Count
}

$removeErrors = @()
$removed = @()
$RemoveFiles | Where-Object { Test-Path -LiteralPath $_ } | ForEach-Object {
    try {
        Remove-Item -LiteralPath $_ -Recurse -Force
        $removed += $_
    }
    catch {
        $removeErrors += ('{0}: {1}' -f $_.TargetObject, $_.Exception.Message)
    }
}

$Ansible.Changed = ($sqlFound -or $stopped.Count -gt 0 -or $removed.Count -gt 0)
$Ansible.Result = @{
    SqlFound = $sqlFound
    SqlRunning = $sqlRunning
    SqlError = $sqlError
    ProcessesStopped = $stopped
    ProcessesRunning = $processesRunning
    Removed = $removed
    RemoveErrors = $removeErrors
}
