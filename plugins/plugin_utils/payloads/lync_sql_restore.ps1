# lync-payload: lync_sql_restore
# Works with the SQL Server backup of one database in a backup set:
#   verify   RESTORE VERIFYONLY (WITH CHECKSUM)
#   restore  RESTORE DATABASE ... WITH REPLACE over the database Install-CsDatabase recreated
#            empty: in one batch, OFFLINE WITH ROLLBACK IMMEDIATE first (Front Ends and Persistent
#            Chat servers connect as soon as it exists: Msg 3101; SINGLE_USER would leave its one
#            slot to the first of them that reconnects), and RESTORE ... WITH REPLACE brings it back
#            ONLINE; a finally on a fresh connection sets it ONLINE again if the restore did not.
#            Each file is MOVEd onto the file of the database it replaces (sys.master_files, same
#            type and file_id): the backup's recorded paths may not exist on a rebuilt server (Msg
#            5133). A database an interrupted restore left RESTORING is restored over as it is.
#            Then makes sure the domain group RTCComponentUniversalServices (found by SID) is a user
#            with the ServerRole role (which must exist) (Microsoft's ACL check for Monitoring/Archiving), with
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
$CurrentFilesSql = 'SELECT type, file_id, physical_name FROM sys.master_files WHERE database_id = DB_ID(@db)'
$OnlineSql = @'
DECLARE @online nvarchar(max) = N'ALTER DATABASE ' + QUOTENAME(@db) + N' SET ONLINE';
IF DATABASEPROPERTYEX(@db, 'Status') = N'OFFLINE' EXEC sp_executesql @online;
'@
# RESTORE FILELISTONLY's Type -> sys.master_files.type
$TypeIds = @{ D = 0; L = 1; S = 2; F = 4 }
# The ACL check, in the restored database: ServerRole first (nothing is created in a database that
# lacks it), then the group's user found by SID (a user created under another spelling of the name
# is the same principal: CREATE USER would fail with Msg 15063), then its membership
# (sys.database_role_members: IS_ROLEMEMBER is SQL Server 2012 and later).
$AclStateSql = "SELECT DATABASE_PRINCIPAL_ID(N'ServerRole') AS RoleId, SUSER_SID(@group) AS Sid"
$AclUserSql = 'SELECT name, principal_id FROM sys.database_principals WHERE sid = @sid'
$AclMemberSql = 'SELECT role_principal_id FROM sys.database_role_members WHERE role_principal_id = @role AND member_principal_id = @member'
$CreateUserSql = @'
DECLARE @create nvarchar(max) = N'CREATE USER ' + QUOTENAME(@group) + N' FOR LOGIN ' + QUOTENAME(@group);
EXEC sp_executesql @create;
'@
$AddMemberSql = "EXEC sp_addrolemember @rolename = N'ServerRole', @membername = @user"
$DropScratchSql = @'
DECLARE @single nvarchar(max) = N'ALTER DATABASE ' + QUOTENAME(@db) + N' SET SINGLE_USER WITH ROLLBACK IMMEDIATE';
DECLARE @drop nvarchar(max) = N'DROP DATABASE ' + QUOTENAME(@db);
IF DATABASEPROPERTYEX(@db, 'Status') = N'ONLINE' EXEC sp_executesql @single;
IF DB_ID(@db) IS NOT NULL EXEC sp_executesql @drop;
'@

$connection = New-Object System.Data.SqlClient.SqlConnection "Server=$SqlInstance;Database=master;Integrated Security=True;Application Name=lync.server"
$connection.Open()
$result = @{ Database = $Database; Mode = $Mode; Verified = $false; Restored = $false; CheckDb = $null; AclFixed = $false
             ScratchDropped = $null; OnlineError = $null }
try {
    $null = Invoke-Sql $connection $VerifySql $fileValues
    $result.Verified = $true
    if ($Mode -eq 'restore') {
        $current = Invoke-Sql $connection $CurrentFilesSql @{ '@db' = $Database }
        $fileList = Invoke-Sql $connection $FileListSql $fileValues
        $values = @{ '@db' = $Database } + $fileValues
        $moves = @()
        $index = 0
        foreach ($row in $fileList.Rows) {
            $typeId = $TypeIds[[string]$row.Type]
            $match = @($current.Rows | Where-Object { [int]$_.type -eq $typeId -and [int]$_.file_id -eq [int]$row.FileID })
            if ($match.Count -eq 0) { continue }
            $index++
            $moves += ", MOVE @logical$index TO @physical$index"
            $values["@logical$index"] = [string]$row.LogicalName
            $values["@physical$index"] = [string]$match[0].physical_name
        }
        $moveList = $moves -join ''
        $RestoreSql = @"
DECLARE @offline nvarchar(max) = N'ALTER DATABASE ' + QUOTENAME(@db) + N' SET OFFLINE WITH ROLLBACK IMMEDIATE';
IF DATABASEPROPERTYEX(@db, 'Status') = N'ONLINE' EXEC sp_executesql @offline;
RESTORE DATABASE @db FROM $disks WITH REPLACE, $withChecksum$moveList;
"@
        $primary = $null
        try {
            $null = Invoke-Sql $connection $RestoreSql $values
            $result.Restored = $true
        }
        catch {
            $primary = $_
            throw
        }
        finally {
            # Whatever stopped the batch (a failed RESTORE, a dropped connection): the database must
            # not stay OFFLINE. A fresh connection: this one may be broken. A failure here must not
            # hide the error that got us here.
            $online = New-Object System.Data.SqlClient.SqlConnection "Server=$SqlInstance;Database=master;Integrated Security=True;Application Name=lync.server"
            try {
                $online.Open()
                $null = Invoke-Sql $online $OnlineSql @{ '@db' = $Database }
            }
            catch {
                $result.OnlineError = [string]$_.Exception.Message
            }
            finally {
                $online.Dispose()
            }
            # The restore failed and the database could not be brought back: $Ansible.Result is never
            # set on this path, so one error carries both (a throw in finally replaces the one in flight).
            if ($primary -and $result.OnlineError) {
                throw ('{0}; and {1} is left OFFLINE: {2}' -f [string]$primary.Exception.Message, $Database, $result.OnlineError)
            }
        }
        if ($AclGroup) {
            $connection.ChangeDatabase($Database)
            $acl = (Invoke-Sql $connection $AclStateSql @{ '@group' = $AclGroup }).Rows[0]
            if ($acl.RoleId -is [System.DBNull]) { throw "LYNC_SQL_ACL: $Database has no ServerRole role; it is not a database Install-CsDatabase created, nothing was changed" }
            if ($acl.Sid -is [System.DBNull]) { throw "LYNC_SQL_ACL: SQL Server does not know the Windows group $AclGroup (SUSER_SID is NULL)" }
            $user = Invoke-Sql $connection $AclUserSql @{ '@sid' = $acl.Sid }
            if ($user.Rows.Count -eq 0) {
                $null = Invoke-Sql $connection $CreateUserSql @{ '@group' = $AclGroup }
                $result.AclFixed = $true
                $user = Invoke-Sql $connection $AclUserSql @{ '@sid' = $acl.Sid }
            }
            $member = Invoke-Sql $connection $AclMemberSql @{ '@role' = $acl.RoleId; '@member' = $user.Rows[0].principal_id }
            if ($member.Rows.Count -eq 0) {
                $null = Invoke-Sql $connection $AddMemberSql @{ '@user' = [string]$user.Rows[0].name }
                $result.AclFixed = $true
            }
            $connection.ChangeDatabase('master')
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
                $values["@physical$index"] = [System.IO.Path]::Combine($ScratchFolder, "$ScratchName" + "_$index" + [System.IO.Path]::GetExtension([string]$row.PhysicalName))
            }
            $moveList = $moves -join ', '
            $TestRestoreSql = "RESTORE DATABASE @db FROM $disks WITH REPLACE, $withChecksum, $moveList"
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
