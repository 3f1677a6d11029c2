# lync-payload: lync_sql_rights
# Read-only. What the login this session uses holds on one SQL Server instance, for the preflight
# (plugins/action/lync_sql_check.py judges it): the same rights functions lync_sql_backup.ps1 asks
# before it backs anything up, asked as it asks them (one database at a time, HAS_PERMS_BY_NAME only
# for an ONLINE one, so an unrelated or inaccessible database never stops the read), and the size of
# every database file.
# Rights this payload needs: CONNECT SQL (any login that can log in). Without CREATE DATABASE, ALTER ANY
# DATABASE or VIEW ANY DEFINITION, sys.master_files shows no rows for other databases (sizes unknown);
# sys.databases shows every database to a login with VIEW ANY DATABASE (granted to public by default).
# Microsoft's pages:
#   SUSER_SNAME      https://learn.microsoft.com/sql/t-sql/functions/suser-sname-transact-sql
#   IS_SRVROLEMEMBER https://learn.microsoft.com/sql/t-sql/functions/is-srvrolemember-transact-sql
#   HAS_PERMS_BY_NAME https://learn.microsoft.com/sql/t-sql/functions/has-perms-by-name-transact-sql
#                    (securable class DATABASE; CREATE DATABASE in master answers for GRANT CREATE DATABASE,
#                    CREATE ANY DATABASE, dbcreator and sysadmin alike)
#   sys.databases    https://learn.microsoft.com/sql/relational-databases/system-catalog-views/sys-databases-transact-sql
#   sys.master_files https://learn.microsoft.com/sql/relational-databases/system-catalog-views/sys-master-files-transact-sql
#                    (size: in 8-KB pages)
#   SqlConnection / SqlCommand / DataTable.Load, .NET Framework's System.Data.SqlClient.
# The T-SQL text is fixed: nothing a user gives reaches it. The connection opens master.
[CmdletBinding(SupportsShouldProcess)]
param(
    [Parameter(Mandatory = $true)][string]$SqlInstance,
    # The databases to read (the backup's, and model for the write probe); names travel as SqlParameters.
    [Parameter(Mandatory = $true)][string[]]$Databases
)
$ErrorActionPreference = 'Stop'
$Ansible.Changed = $false

function Get-SqlTable($Connection, [string]$Text, [hashtable]$Values) {
    $command = $Connection.CreateCommand()
    $command.CommandText = $Text
    foreach ($key in $Values.Keys) { $null = $command.Parameters.AddWithValue($key, $Values[$key]) }
    $table = New-Object System.Data.DataTable
    $table.Load($command.ExecuteReader())
    , $table
}

$ServerSql = "SELECT SUSER_SNAME() AS Login, IS_SRVROLEMEMBER(N'sysadmin') AS IsSysadmin, IS_SRVROLEMEMBER(N'dbcreator') AS IsDbcreator, HAS_PERMS_BY_NAME(N'master', N'DATABASE', N'CREATE DATABASE') AS CanCreateDatabase, CAST(SERVERPROPERTY('ProductVersion') AS nvarchar(64)) AS Version"
$StateSql = 'SELECT database_id, state_desc FROM sys.databases WHERE name = @db'
$BackupRightSql = "SELECT HAS_PERMS_BY_NAME(@db, N'DATABASE', N'BACKUP DATABASE') AS can_backup"
$FilesSql = 'SELECT database_id, type, size FROM sys.master_files'

$connection = New-Object System.Data.SqlClient.SqlConnection "Server=$SqlInstance;Database=master;Integrated Security=True;Application Name=lync.server"
$connection.Open()
try {
    $server = (Get-SqlTable $connection $ServerSql @{}).Rows[0]
    $entries = @(foreach ($name in $Databases) {
        $entry = @{ Name = $name; Id = $null; State = $null; CanBackup = $null }
        $state = Get-SqlTable $connection $StateSql @{ '@db' = $name }
        if ($state.Rows.Count -gt 0) {
            $entry.Id = [int]$state.Rows[0].database_id
            $entry.State = [string]$state.Rows[0].state_desc
        }
        if ($entry.State -eq 'ONLINE') {
            # HAS_PERMS_BY_NAME answers NULL when it cannot evaluate: $null, not a DBNull object.
            $right = (Get-SqlTable $connection $BackupRightSql @{ '@db' = $name }).Rows[0].can_backup
            $entry.CanBackup = if ($right -is [System.DBNull]) { $null } else { [int]$right }
        }
        $entry
    })
    $files = Get-SqlTable $connection $FilesSql @{}
}
finally {
    $connection.Dispose()
}
$Ansible.Result = @{
    Login = [string]$server.Login
    IsSysadmin = $server.IsSysadmin
    IsDbcreator = $server.IsDbcreator
    CanCreateDatabase = $server.CanCreateDatabase
    Version = [string]$server.Version
    Databases = $entries
    Files = @($files.Rows | ForEach-Object { @{ DatabaseId = [int]$_.database_id; Type = [int]$_.type; Pages = [long]$_.size } })
}
