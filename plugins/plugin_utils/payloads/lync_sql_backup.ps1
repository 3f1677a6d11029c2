# lync-payload: lync_sql_backup
# Copy-only full backups of databases on one SQL Server instance into a folder of the
# backup set, optionally striped, compressed (where the edition supports it) and checked
# with RESTORE VERIFYONLY. Database names, paths and sizes travel as SqlParameters; the
# T-SQL text is assembled from fixed fragments only. The target folder is created with
# xp_create_subdir, which runs as the SQL Server service account: the account that will
# write the backup, so a permission problem is reported with that account's name.
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

$connection = New-Object System.Data.SqlClient.SqlConnection "Server=$SqlInstance;Integrated Security=True;Application Name=lync.server"
$connection.Open()
try {
    $server = (Invoke-Sql $connection "SELECT CAST(SERVERPROPERTY('Edition') AS nvarchar(128)) AS Edition, CAST(SERVERPROPERTY('EngineEdition') AS int) AS Engine, CAST(SERVERPROPERTY('ProductVersion') AS nvarchar(64)) AS Version" @{}).Rows[0]
    $account = $null
    try {
        $account = [string](Invoke-Sql $connection "SELECT service_account FROM sys.dm_server_services WHERE servicename LIKE N'SQL Server (%'" @{}).Rows[0].service_account
    }
    catch { $account = 'the SQL Server service account' }
    # Backup compression: Enterprise (3) and Standard (2); not Express (4).
    $canCompress = @(2, 3) -contains [int]$server.Engine
    try {
        $null = Invoke-Sql $connection "EXEC master.sys.xp_create_subdir @folder" @{ '@folder' = $TargetFolder }
    }
    catch {
        throw "LYNC_SQL_ACCESS: SQL Server service account $account cannot write to ${TargetFolder}: $($_.Exception.Message)"
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
            $values = @{ '@db' = $name } + $tuning
            $names = @()
            for ($i = 1; $i -le $FileCount; $i++) {
                $fileName = if ($FileCount -eq 1) { "$name.bak" } else { "${name}_${i}of$FileCount.bak" }
                $names += $fileName
                $values["@file$i"] = Join-Path -Path $TargetFolder -ChildPath $fileName
            }
            $null = Invoke-Sql $connection ("BACKUP DATABASE @db TO $disks WITH " + ($options -join ', ')) $values
            if ($Verify) {
                $verifyValues = @{}
                foreach ($key in $values.Keys) { if ($key -like '@file*') { $verifyValues[$key] = $values[$key] } }
                $verifyText = "RESTORE VERIFYONLY FROM $disks" + $(if ($Checksum) { ' WITH CHECKSUM' } else { '' })
                $null = Invoke-Sql $connection $verifyText $verifyValues
                $entry.Verified = $true
            }
            $entry.Files = @($names | ForEach-Object {
                $path = Join-Path -Path $TargetFolder -ChildPath $_
                @{ Name = $_; Bytes = (Get-Item -LiteralPath $path).Length
                   Sha256 = [string](Get-FileHash -LiteralPath $path -Algorithm SHA256).Hash }
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
    Edition = [string]$server.Edition
    Version = [string]$server.Version
    ServiceAccount = $account
    CompressionSupported = $canCompress
    Databases = $results
}
