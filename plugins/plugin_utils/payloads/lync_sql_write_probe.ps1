# lync-payload: lync_sql_write_probe
# Proves that the SQL Server service account can write to the backup share, the only way that answers for
# groups, deny entries and share-versus-NTFS rights together: SQL Server itself writes a COPY_ONLY backup of
# one small database into a new scratch folder, and the folder is removed at once, whatever happened.
# Then, as the night does with every backup: SQL Server reads it back (RESTORE VERIFYONLY, when $Verify:
# the login has CREATE DATABASE) and this session opens it for reading (the backup hashes every file as
# the network identity), so a share where SQL Server may write but the backup may not read what it wrote
# fails here too. A failed removal is reported (Removed, RemoveError), never thrown: the caller keeps
# what it read and names the folder. The root must exist already (the probe never creates it).
# Changes: creates $Folder (a new folder the caller names .preflight-<random> under the backup root) from this
# session (its network credentials: the folder is made as the backup makes a set's folder), lets SQL Server
# write one file there, removes the folder. A COPY_ONLY backup does not change the database's backup
# chain (differential base, log chain); SQL Server records it in msdb's backup history like any backup.
# Rights: BACKUP DATABASE in $Database (db_backupoperator or db_owner, or sysadmin) for the login; write
# access to the share and folder for the SQL Server service account (a virtual account acts as the
# computer account DOMAIN\HOST$ on the network); Modify on the root for this session's network identity.
# Microsoft's pages:
#   BACKUP (COPY_ONLY, INIT, permissions) https://learn.microsoft.com/sql/t-sql/statements/backup-transact-sql
#   Copy-only backups https://learn.microsoft.com/sql/relational-databases/backup-restore/copy-only-backups-sql-server
#   "Operating system error 5" is the service account's access: https://learn.microsoft.com/sql/database-engine/configure-windows/configure-windows-service-accounts-and-permissions
#   New-Item https://learn.microsoft.com/powershell/module/microsoft.powershell.management/new-item?view=powershell-5.1
#   Remove-Item https://learn.microsoft.com/powershell/module/microsoft.powershell.management/remove-item?view=powershell-5.1
#   RESTORE VERIFYONLY (CREATE DATABASE) https://learn.microsoft.com/sql/t-sql/statements/restore-statements-verifyonly-transact-sql
#   File.OpenRead https://learn.microsoft.com/dotnet/api/system.io.file.openread
#   SqlCommand.CommandTimeout (seconds) https://learn.microsoft.com/dotnet/api/system.data.sqlclient.sqlcommand.commandtimeout
#   Test-Path https://learn.microsoft.com/powershell/module/microsoft.powershell.management/test-path?view=powershell-5.1
# The T-SQL text is fixed; the database name and the file path travel as SqlParameters.
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)][string]$SqlInstance,
    [Parameter(Mandatory = $true)][string]$Database,
    [Parameter(Mandatory = $true)][string]$Folder,
    [switch]$Verify,
    # Bounds each statement below the task's timeout, so the finally that removes the folder always runs.
    [int]$CommandTimeout = 300
)
$ErrorActionPreference = 'Stop'

$BackupSql = 'BACKUP DATABASE @db TO DISK = @file WITH COPY_ONLY, INIT'
$VerifySql = 'RESTORE VERIFYONLY FROM DISK = @file'
$root = Split-Path -Path $Folder -Parent
$file = Join-Path -Path $Folder -ChildPath 'preflight.bak'

if (-not (Test-Path -LiteralPath $root -PathType Container)) {
    throw "LYNC_SHARE_ACCESS: the backup root $root does not exist or this connection's network credentials cannot open it"
}
try {
    $null = New-Item -ItemType Directory -Path $Folder
}
catch {
    throw "LYNC_SHARE_ACCESS: this connection's network credentials cannot create ${Folder}: $($_.Exception.Message)"
}
$result = @{ Written = $false; Error = $null; VerifiedBySql = $null; VerifyError = $null; ReadBySession = $null
             ReadError = $null; Removed = $false; RemoveError = $null }
try {
    $connection = New-Object System.Data.SqlClient.SqlConnection "Server=$SqlInstance;Database=master;Integrated Security=True;Application Name=lync.server"
    try {
        $connection.Open()
        $command = $connection.CreateCommand()
        $command.CommandText = $BackupSql
        $command.CommandTimeout = $CommandTimeout
        $null = $command.Parameters.AddWithValue('@db', $Database)
        $null = $command.Parameters.AddWithValue('@file', $file)
        $null = $command.ExecuteNonQuery()
        $result.Written = $true
    }
    catch {
        $result.Error = [string]$_.Exception.Message
    }
    if ($result.Written -and $Verify) {
        try {
            $command = $connection.CreateCommand()
            $command.CommandText = $VerifySql
            $command.CommandTimeout = $CommandTimeout
            $null = $command.Parameters.AddWithValue('@file', $file)
            $null = $command.ExecuteNonQuery()
            $result.VerifiedBySql = $true
        }
        catch {
            $result.VerifiedBySql = $false
            $result.VerifyError = [string]$_.Exception.Message
        }
    }
    $connection.Dispose()
    if ($result.Written) {
        try {
            $stream = [System.IO.File]::OpenRead($file)
            $stream.Dispose()
            $result.ReadBySession = $true
        }
        catch {
            $result.ReadBySession = $false
            $result.ReadError = [string]$_.Exception.Message
        }
    }
}
finally {
    try {
        Remove-Item -LiteralPath $Folder -Recurse -Force
    }
    catch {
        $result.RemoveError = [string]$_.Exception.Message
    }
    $result.Removed = -not (Test-Path -LiteralPath $Folder)
}
$Ansible.Result = $result
