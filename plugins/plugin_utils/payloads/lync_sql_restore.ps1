# lync-payload: lync_sql_restore
# Works with the SQL Server backup of one database in a backup set:
#   verify   RESTORE VERIFYONLY (WITH CHECKSUM)
#   restore  RESTORE DATABASE ... WITH REPLACE over the database Install-CsDatabase recreated
#            empty: in one batch, SINGLE_USER WITH ROLLBACK IMMEDIATE first (Front Ends and
#            Persistent Chat servers connect as soon as it exists: Msg 3101), then MULTI_USER;
#            a database an interrupted restore left RESTORING is restored over as it is.
#            Then makes sure the domain group RTCComponentUniversalServices is a user with the
#            ServerRole role (Microsoft's ACL check for Monitoring/Archiving), with
#            sp_addrolemember (ALTER ROLE ... ADD MEMBER needs SQL Server 2012; Lync 2013 runs
#            on 2008 R2 too).
#   test     restore under a scratch name with every file moved to a scratch folder,
#            DBCC CHECKDB; the scratch database is dropped before and after, whatever happened
#            (an interrupted RESTORE leaves it RESTORING and would block every later test).
# The connection opens master: a connection to the database itself would hold it (Msg 3102).
# Names, paths and sizes travel as SqlParameters; the identifiers SQL Server cannot take as a
# parameter (ALTER/DROP DATABASE, CREATE USER) go through QUOTENAME in dynamic SQL. The lab
# runs these batch texts (tests/lab/lync_lab/tsql.py).
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)][string]$SqlInstance,
    [Parameter(Mandatory = $true)][string]$Database,
    [Parameter(Mandatory = $true)][string[]]$Files,
    [Parameter(Mandatory = $true)][string]$Mode,
    [string]$ScratchName = '',
    [string]$ScratchFolder = '',
    [string]$AclGroup = '',
    [switch]$Checksum
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

$disks = (1..$Files.Count | ForEach-Object { "DISK = @file$_" }) -join ', '
$fileValues = @{}
for ($i = 1; $i -le $Files.Count; $i++) { $fileValues["@file$i"] = $Files[$i - 1] }
$withChecksum = if ($Checksum) { 'CHECKSUM' } else { 'NO_CHECKSUM' }
$VerifySql = "RESTORE VERIFYONLY FROM $disks WITH $withChecksum"
$FileListSql = "RESTORE FILELISTONLY FROM $disks"
$CheckDbSql = 'DBCC CHECKDB (@db) WITH NO_INFOMSGS'
$RestoreSql = @"
DECLARE @single nvarchar(max) = N'ALTER DATABASE ' + QUOTENAME(@db) + N' SET SINGLE_USER WITH ROLLBACK IMMEDIATE';
DECLARE @multi nvarchar(max) = N'ALTER DATABASE ' + QUOTENAME(@db) + N' SET MULTI_USER';
IF DATABASEPROPERTYEX(@db, 'Status') = N'ONLINE' EXEC sp_executesql @single;
RESTORE DATABASE @db FROM $disks WITH REPLACE, $withChecksum;
EXEC sp_executesql @multi;
"@
$AclSql = @'
IF DATABASE_PRINCIPAL_ID(@group) IS NULL
BEGIN
    DECLARE @create nvarchar(max) = N'CREATE USER ' + QUOTENAME(@group) + N' FOR LOGIN ' + QUOTENAME(@group);
    EXEC sp_executesql @create;
    EXEC sp_addrolemember @rolename = N'ServerRole', @membername = @group;
    SELECT 1 AS Fixed;
END
ELSE SELECT 0 AS Fixed;
'@
$DropScratchSql = @'
IF DB_ID(@db) IS NOT NULL
BEGIN
    DECLARE @drop nvarchar(max) = N'DROP DATABASE ' + QUOTENAME(@db);
    EXEC sp_executesql @drop;
END
'@

$connection = New-Object System.Data.SqlClient.SqlConnection "Server=$SqlInstance;Database=master;Integrated Security=True;Application Name=lync.server"
$connection.Open()
$result = @{ Database = $Database; Mode = $Mode; Verified = $false; Restored = $false; CheckDb = $null; AclFixed = $false
             ScratchDropped = $null }
try {
    $null = Invoke-Sql $connection $VerifySql $fileValues
    $result.Verified = $true
    if ($Mode -eq 'restore') {
        $values = @{ '@db' = $Database } + $fileValues
        $null = Invoke-Sql $connection $RestoreSql $values
        $result.Restored = $true
        if ($AclGroup) {
            $connection.ChangeDatabase($Database)
            $fixed = Invoke-Sql $connection $AclSql @{ '@group' = $AclGroup }
            $connection.ChangeDatabase('master')
            $result.AclFixed = [bool]$fixed.Rows[0].Fixed
        }
    }
    elseif ($Mode -eq 'test') {
        if ($ScratchName -cnotmatch '\Alync_restore_test_[A-Za-z0-9_]+\z') { throw "the scratch name must start with lync_restore_test_: $ScratchName" }
        $scratch = @{ '@db' = $ScratchName }
        try {
            # A scratch database a broken earlier test left behind (RESTORING) goes first.
            $null = Invoke-Sql $connection $DropScratchSql $scratch
            $fileList = Invoke-Sql $connection $FileListSql $fileValues
            $values = @{ '@db' = $ScratchName } + $fileValues
            $moves = @()
            $index = 0
            foreach ($row in $fileList.Rows) {
                $index++
                $moves += "MOVE @logical$index TO @physical$index"
                $values["@logical$index"] = [string]$row.LogicalName
                $values["@physical$index"] = Join-Path -Path $ScratchFolder -ChildPath ("$ScratchName" + "_$index" + [System.IO.Path]::GetExtension([string]$row.PhysicalName))
            }
            $moveList = $moves -join ', '
            $TestRestoreSql = "RESTORE DATABASE @db FROM $disks WITH $withChecksum, $moveList"
            $null = Invoke-Sql $connection $TestRestoreSql $values
            $result.Restored = $true
            try {
                $null = Invoke-Sql $connection $CheckDbSql $scratch
                $result.CheckDb = 'ok'
            }
            catch {
                $result.CheckDb = [string]$_.Exception.Message
            }
        }
        finally {
            # Whatever happened above: a failure here must not hide the error that got us here.
            try {
                $null = Invoke-Sql $connection $DropScratchSql $scratch
                $result.ScratchDropped = $true
            }
            catch {
                $result.ScratchDropped = [string]$_.Exception.Message
            }
        }
    }
    elseif ($Mode -ne 'verify') { throw "unknown mode: $Mode" }
}
finally {
    $connection.Dispose()
}
$Ansible.Result = $result
