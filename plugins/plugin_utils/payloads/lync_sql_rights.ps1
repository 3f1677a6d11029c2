# lync-payload: lync_sql_rights
# Read-only. What the login this session uses holds on one SQL Server instance, for the preflight
# (plugins/action/lync_sql_check.py judges it): the same rights functions lync_sql_backup.ps1 asks
# before it backs anything up, and the size of every database file.
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
    [Parameter(Mandatory = $true)][string]$SqlInstance
)
$ErrorActionPreference = 'Stop'
$Ansible.Changed = $false

function Get-SqlTable($Connection, [string]$Text) {
    $command = $Connection.CreateCommand()
    $command.CommandText = $Text
    $table = New-Object System.Data.DataTable
    $table.Load($command.ExecuteReader())
    , $table
}

$ServerSql = "SELECT SUSER_SNAME() AS Login, IS_SRVROLEMEMBER(N'sysadmin') AS IsSysadmin, IS_SRVROLEMEMBER(N'dbcreator') AS IsDbcreator, HAS_PERMS_BY_NAME(N'master', N'DATABASE', N'CREATE DATABASE') AS CanCreateDatabase, CAST(SERVERPROPERTY('ProductVersion') AS nvarchar(64)) AS Version"
$DatabasesSql = "SELECT name, database_id, state_desc, HAS_PERMS_BY_NAME(name, N'DATABASE', N'BACKUP DATABASE') AS can_backup FROM sys.databases"
$FilesSql = 'SELECT database_id, size FROM sys.master_files'

$connection = New-Object System.Data.SqlClient.SqlConnection "Server=$SqlInstance;Database=master;Integrated Security=True;Application Name=lync.server"
$connection.Open()
try {
    $server = (Get-SqlTable $connection $ServerSql).Rows[0]
    $databases = Get-SqlTable $connection $DatabasesSql
    $files = Get-SqlTable $connection $FilesSql
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
    Databases = @($databases.Rows | ForEach-Object { @{ Name = [string]$_.name; Id = [int]$_.database_id; State = [string]$_.state_desc; CanBackup = $(if ($_.can_backup -is [System.DBNull]) { $null } else { [int]$_.can_backup }) } })
    # HAS_PERMS_BY_NAME answers NULL for a database it cannot evaluate (tempdb, one going offline): $null, not DBNull.
    Files = @($files.Rows | ForEach-Object { @{ DatabaseId = [int]$_.database_id; Pages = [long]$_.size } })
}
