# lync-payload: lync_sql_backup
# Copy-only full backups of databases on one SQL Server instance into a folder of the
# backup set, optionally striped, compressed (where the edition supports it) and checked
# with RESTORE VERIFYONLY. Database names, paths and sizes travel as SqlParameters; the
# T-SQL text is assembled from fixed fragments only (the lab runs these texts:
# tests/lab/lync_lab/tsql.py). The connection opens master.
# Rights, checked first so a missing one is named (not mistaken for a share problem):
# BACKUP DATABASE needs db_backupoperator or db_owner in each database (or sysadmin);
# RESTORE VERIFYONLY needs CREATE DATABASE (in master: granted directly, or implied by CREATE ANY
# DATABASE, dbcreator or sysadmin; HAS_PERMS_BY_NAME on master answers for all of them). The target folder is
# created from this WinRM session, which holds the share's network credentials
# (xp_create_subdir runs for sysadmin only); BACKUP then writes into it as the SQL Server
# service account, so "Operating system error 5" names that account.
# No hash here: BACKUP writes straight to the share, and hashing the file from this host would pull
# every byte back over the network. The backup server hashes what landed when the set is closed;
# WITH CHECKSUM (and RESTORE VERIFYONLY, when asked) check the backup's own pages.
# Run as a detached job (plugins/plugin_utils/detached.py), $Ansible.Tmpdir is the job folder: the session this
# connection opened (@@SPID and its login_time; every session sees its own row of sys.dm_exec_sessions) is
# recorded there as sql_session.xml, so a stop can KILL that session's BACKUP (lync_job_stop). In a
# win_powershell session Tmpdir is the module's own temporary folder, removed after the run.
#   https://learn.microsoft.com/sql/t-sql/functions/spid-transact-sql
#   https://learn.microsoft.com/sql/relational-databases/system-dynamic-management-views/sys-dm-exec-sessions-transact-sql
#   https://learn.microsoft.com/powershell/module/microsoft.powershell.utility/export-clixml
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)][string]$SqlInstance,
    [Parameter(Mandatory = $true)][string[]]$Databases,
    [Parameter(Mandatory = $true)][string]$TargetFolder,
    [int]$FileCount = 1,
    [switch]$CopyOnly,
    [switch]$Checksum,
    [switch]$Compress,
    [switch]$Verify,
    [int]$BlockSize = 0,
    [int]$BufferCount = 0,
    [int]$MaxTransferSize = 0
)
$ErrorActionPreference = 'Stop'

function Invoke-Sql($Connection, [string]$Text, [hashtable]$Values) {
    $command = $Connection.CreateCommand()
    $command.CommandText = $Text
    $command.CommandTimeout = 0
    foreach ($key in $Values.Keys) { $null = $command.Parameters.AddWithValue($key, $Values[$key]) }
    $table = New-Object System.Data.DataTable
    $table.Load($command.ExecuteReader())
    , $table
}

$RightsSql = "SELECT SUSER_SNAME() AS Login, IS_SRVROLEMEMBER(N'sysadmin') AS IsSysadmin, HAS_PERMS_BY_NAME(N'master', N'DATABASE', N'CREATE DATABASE') AS CanCreateDatabase"
$DbRightsSql = "SELECT HAS_PERMS_BY_NAME(@db, N'DATABASE', N'BACKUP DATABASE') AS CanBackup"

$connection = New-Object System.Data.SqlClient.SqlConnection "Server=$SqlInstance;Database=master;Integrated Security=True;Application Name=lync.server"
$connection.Open()
try {
    $session = (Invoke-Sql $connection "SELECT @@SPID AS SessionId, CONVERT(nvarchar(30), login_time, 126) AS LoginTime FROM sys.dm_exec_sessions WHERE session_id = @@SPID" @{}).Rows[0]
    if ($Ansible.Tmpdir) {
        Export-Clixml -LiteralPath (Join-Path -Path $Ansible.Tmpdir -ChildPath 'sql_session.xml') -InputObject @{ SessionId = [int]$session.SessionId; LoginTime = [string]$session.LoginTime }
    }
    $rights = (Invoke-Sql $connection $RightsSql @{}).Rows[0]
    $login = [string]$rights.Login
    if ($Verify -and $rights.CanCreateDatabase -ne 1) {
        throw "LYNC_SQL_RIGHTS: login $login on $SqlInstance lacks the CREATE DATABASE permission (GRANT CREATE DATABASE in master, CREATE ANY DATABASE, server role dbcreator, or sysadmin) that RESTORE VERIFYONLY needs; grant it, or set verify to false"
    }
    $server = (Invoke-Sql $connection "SELECT CAST(SERVERPROPERTY('Edition') AS nvarchar(128)) AS Edition, CAST(SERVERPROPERTY('EngineEdition') AS int) AS Engine, CAST(SERVERPROPERTY('ProductVersion') AS nvarchar(64)) AS Version" @{}).Rows[0]
    # The service account (recorded in the set; pins compare it at recovery): sys.dm_server_services
    # needs SQL Server 2008 R2 SP1 and VIEW SERVER STATE; on the SQL server itself the service's
    # StartName needs no SQL permission. Unknown stays $null (never a placeholder).
    $account = $null
    try {
        $account = [string](Invoke-Sql $connection "SELECT service_account FROM sys.dm_server_services WHERE servicename LIKE N'SQL Server (%'" @{}).Rows[0].service_account
    }
    catch { $account = $null }
    if (-not $account) {
        $account = $null
        $serverName = ($SqlInstance -split '\\')[0].Split('.')[0]
        if ($serverName -eq $env:COMPUTERNAME -or $serverName -eq '.' -or $serverName -eq 'localhost') {
            $instanceName = ($SqlInstance -split '\\')[1]
            $serviceName = if ($instanceName) { 'MSSQL$' + $instanceName } else { 'MSSQLSERVER' }
            $service = @(Get-CimInstance -ClassName Win32_Service | Where-Object { $_.Name -eq $serviceName })
            if ($service.Count -eq 1 -and $service[0].StartName) { $account = [string]$service[0].StartName }
        }
    }
    # Backup compression: Enterprise (3) and Standard (2); not Express (4).
    $canCompress = @(2, 3) -contains [int]$server.Engine
    # The folder is made here, not by SQL Server (BACKUP ... TO DISK needs it to exist); a plain path, so the controller
    # refuses a folder of 248 characters or more before this call (backup_plan.SQL_FOLDER_MAX: CreateDirectory's limit).
    # Directory.CreateDirectory, not New-Item -Force: Windows PowerShell 5.1's New-Item drops every IOException of the
    # folder's creation under -Force (a path too long, "The network name cannot be found", a logon failure of the
    # network credentials, a full disk; PowerShell issue #5290, FileSystemProvider.CreateDirectory), and each BACKUP
    # would then fail with "Operating system error 3" and no word of why. CreateDirectory returns a folder that
    # exists and throws every failure with its Win32 text (review s9a, finding 3;
    # https://learn.microsoft.com/dotnet/api/system.io.directory.createdirectory).
    try {
        $null = [System.IO.Directory]::CreateDirectory($TargetFolder)
    }
    catch {
        throw "LYNC_SHARE_ACCESS: this connection cannot create ${TargetFolder}: $($_.Exception.GetBaseException().Message)"
    }
    $options = @()
    if ($CopyOnly) { $options += 'COPY_ONLY' }
    if ($Checksum) { $options += 'CHECKSUM' }
    if ($Compress -and $canCompress) { $options += 'COMPRESSION' }
    $options += 'INIT'
    $tuning = @{}
    if ($BlockSize -gt 0) { $options += 'BLOCKSIZE = @blocksize'; $tuning['@blocksize'] = $BlockSize }
    if ($BufferCount -gt 0) { $options += 'BUFFERCOUNT = @buffercount'; $tuning['@buffercount'] = $BufferCount }
    if ($MaxTransferSize -gt 0) { $options += 'MAXTRANSFERSIZE = @maxtransfersize'; $tuning['@maxtransfersize'] = $MaxTransferSize }
    $disks = (1..$FileCount | ForEach-Object { "DISK = @file$_" }) -join ', '
    $optionText = $options -join ', '
    $verifyOption = if ($Checksum) { ' WITH CHECKSUM' } else { '' }
    $BackupSql = "BACKUP DATABASE @db TO $disks WITH $optionText"
    $VerifySql = "RESTORE VERIFYONLY FROM $disks$verifyOption"

    $results = @()
    foreach ($name in $Databases) {
        $entry = @{ Name = $name; Status = 'failed'; Error = $null; Files = @(); Verified = $false; RecoveryModel = $null
                    DataFile = $null; LogFile = $null; Compressed = ($Compress -and $canCompress) }
        try {
            $info = Invoke-Sql $connection "SELECT d.state_desc, d.recovery_model_desc, (SELECT TOP 1 physical_name FROM sys.master_files WHERE database_id = d.database_id AND type = 0) AS data_file, (SELECT TOP 1 physical_name FROM sys.master_files WHERE database_id = d.database_id AND type = 1) AS log_file FROM sys.databases AS d WHERE d.name = @db" @{ '@db' = $name }
            if ($info.Rows.Count -eq 0) { throw "database $name does not exist on $SqlInstance" }
            if ($info.Rows[0].state_desc -ne 'ONLINE') { throw "database $name is $($info.Rows[0].state_desc)" }
            $entry.RecoveryModel = [string]$info.Rows[0].recovery_model_desc
            $entry.DataFile = [string]$info.Rows[0].data_file
            $entry.LogFile = [string]$info.Rows[0].log_file
            if ((Invoke-Sql $connection $DbRightsSql @{ '@db' = $name }).Rows[0].CanBackup -ne 1) {
                throw "LYNC_SQL_RIGHTS: login $login lacks the BACKUP DATABASE permission in $name (database role db_backupoperator or db_owner, or sysadmin)"
            }
            $values = @{ '@db' = $name } + $tuning
            $names = @()
            for ($i = 1; $i -le $FileCount; $i++) {
                $fileName = if ($FileCount -eq 1) { "$name.bak" } else { "${name}_${i}of$FileCount.bak" }
                $names += $fileName
                $values["@file$i"] = Join-Path -Path $TargetFolder -ChildPath $fileName
            }
            try {
                $null = Invoke-Sql $connection $BackupSql $values
            }
            catch {
                $message = [string]$_.Exception.Message
                if ($message -notmatch 'Operating system error 5\(') { throw }
                $who = if ($account) { "SQL Server service account $account" } else { 'SQL Server service account' }
                throw "LYNC_SQL_ACCESS: $who cannot write to ${TargetFolder}: $message"
            }
            if ($Verify) {
                $verifyValues = @{}
                foreach ($key in $values.Keys) { if ($key -like '@file*') { $verifyValues[$key] = $values[$key] } }
                $null = Invoke-Sql $connection $VerifySql $verifyValues
                $entry.Verified = $true
            }
            $entry.Files = @($names | ForEach-Object {
                $path = Join-Path -Path $TargetFolder -ChildPath $_
                @{ Name = $_; Bytes = (Get-Item -LiteralPath $path).Length }
            })
            $entry.Status = 'ok'
        }
        catch {
            $entry.Error = [string]$_.Exception.Message
        }
        $results += $entry
    }
}
finally {
    $connection.Dispose()
}
$Ansible.Result = @{
    Login = $login
    Edition = [string]$server.Edition
    Version = [string]$server.Version
    ServiceAccount = $account
    CompressionSupported = $canCompress
    Databases = $results
}
