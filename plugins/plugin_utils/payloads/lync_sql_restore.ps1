# lync-payload: lync_sql_restore
# Works with the SQL Server backup of one database in a backup set:
#   verify   RESTORE VERIFYONLY (WITH CHECKSUM)
#   restore  RESTORE DATABASE ... WITH REPLACE over the database Install-CsDatabase recreated
#            empty, then makes sure the domain group RTCComponentUniversalServices is a user
#            with the ServerRole role (Microsoft's ACL check for Monitoring/Archiving)
#   test     restore under a scratch name with every file moved to a scratch folder,
#            DBCC CHECKDB, then drop the scratch database
# Names, paths and sizes travel as SqlParameters; the one identifier SQL Server cannot take
# as a parameter (the user and database to create or drop) goes through QUOTENAME.
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
$connection = New-Object System.Data.SqlClient.SqlConnection "Server=$SqlInstance;Integrated Security=True;Application Name=lync.server"
$connection.Open()
$result = @{ Database = $Database; Mode = $Mode; Verified = $false; Restored = $false; CheckDb = $null; AclFixed = $false }
try {
    $null = Invoke-Sql $connection "RESTORE VERIFYONLY FROM $disks WITH $withChecksum" $fileValues
    $result.Verified = $true
    if ($Mode -eq 'restore') {
        $values = @{ '@db' = $Database } + $fileValues
        $null = Invoke-Sql $connection "RESTORE DATABASE @db FROM $disks WITH REPLACE, $withChecksum" $values
        $result.Restored = $true
        if ($AclGroup) {
            $text = "DECLARE @sql nvarchar(max) = N'USE ' + QUOTENAME(@db) + N'; IF USER_ID(' + QUOTENAME(@group, '''') + N') IS NULL BEGIN CREATE USER ' + QUOTENAME(@group) + N' FOR LOGIN ' + QUOTENAME(@group) + N'; ALTER ROLE [ServerRole] ADD MEMBER ' + QUOTENAME(@group) + N'; SELECT 1 AS Fixed; END ELSE SELECT 0 AS Fixed'; EXEC sp_executesql @sql"
            $fixed = Invoke-Sql $connection $text @{ '@db' = $Database; '@group' = $AclGroup }
            $result.AclFixed = [bool]$fixed.Rows[0].Fixed
        }
    }
    elseif ($Mode -eq 'test') {
        if ($ScratchName -notmatch '^lync_restore_test_[A-Za-z0-9_]+$') { throw "the scratch name must start with lync_restore_test_: $ScratchName" }
        $fileList = Invoke-Sql $connection "RESTORE FILELISTONLY FROM $disks" $fileValues
        $values = @{ '@db' = $ScratchName } + $fileValues
        $moves = @()
        $index = 0
        foreach ($row in $fileList.Rows) {
            $index++
            $moves += "MOVE @logical$index TO @physical$index"
            $values["@logical$index"] = [string]$row.LogicalName
            $values["@physical$index"] = Join-Path -Path $ScratchFolder -ChildPath ("$ScratchName" + "_$index" + [System.IO.Path]::GetExtension([string]$row.PhysicalName))
        }
        $null = Invoke-Sql $connection ("RESTORE DATABASE @db FROM $disks WITH $withChecksum, " + ($moves -join ', ')) $values
        $result.Restored = $true
        try {
            $null = Invoke-Sql $connection "DBCC CHECKDB (@db) WITH NO_INFOMSGS" @{ '@db' = $ScratchName }
            $result.CheckDb = 'ok'
        }
        catch {
            $result.CheckDb = [string]$_.Exception.Message
        }
        finally {
            $null = Invoke-Sql $connection "DECLARE @sql nvarchar(max) = N'DROP DATABASE ' + QUOTENAME(@db); EXEC sp_executesql @sql" @{ '@db' = $ScratchName }
        }
    }
    elseif ($Mode -ne 'verify') { throw "unknown mode: $Mode" }
}
finally {
    $connection.Dispose()
}
$Ansible.Result = $result
