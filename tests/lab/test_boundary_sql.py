"""The SQL boundary (lync_lab/boundary/sql.py): System.Data.SqlClient and DataTable as the payloads
reach them, over the lab's SQL Server (tsql.py). Each case cites the Microsoft page whose behaviour it
checks; the planted defects at the end show that a defect in lync_sql_backup / lync_sql_restore's own
text fails a lab test.
"""

import datetime
import pathlib
import subprocess

import pytest

from lync_lab import boundary, fsops, netid, seed, sqlbak, tsql
from lync_lab.boundary import sql as sqlboundary
from lync_lab.context import Context
from lync_lab.errors import PSError

ROOT = pathlib.Path(__file__).resolve().parents[2]
PAYLOADS = ROOT / "plugins" / "plugin_utils" / "payloads"
BACKUP = (PAYLOADS / "lync_sql_backup.ps1").read_text(encoding="utf-8")
RESTORE = (PAYLOADS / "lync_sql_restore.ps1").read_text(encoding="utf-8")
HOST_PROBE = (PAYLOADS / "lync_host_probe.ps1").read_text(encoding="utf-8")
MON = "sqlmon01.contoso.local"
BE = "sqlbe01.contoso.local"
FE = "fe01.contoso.local"
SHARE = "\\\\backup01.contoso.local\\LyncBackup\\t"
FOLDER = SHARE + "\\sql\\sqlmon01.contoso.local_rtc"
GROUP = "CONTOSO\\RTCComponentUniversalServices"


@pytest.fixture
def lab(make_lab):
    return make_lab("enterprise")


def run(lab, script, params=None, host=MON, network_user=None, faults=(), payload="test"):
    """Run PowerShell text in a boundary session on `host`; the engine's RunResult."""
    with lab.locked() as state:
        ctx = Context(lab, state, host, False, list(faults), payload)
        ctx.network_user = network_user
        with netid.session(ctx):
            session = boundary.open_session(ctx)
            ran = session.engine.run(script, params or {})
            ran.clock = session.engine.clock
    return ran


def value(lab, script, **kw):
    """$Ansible.Result of `script`, which must run to its end."""
    ran = run(lab, script, **kw)
    assert ran.terminating_error is None, ran.terminating_error
    return ran.result


def failure(lab, script, **kw):
    """The message of the terminating error `script` stops with, and the .NET exception inside it."""
    ran = run(lab, "$ErrorActionPreference = 'Stop'\n" + script, **kw)
    assert ran.terminating_error is not None, ran.result
    exception = ran.terminating_error.Exception
    return exception.Message, exception.InnerException


def run_payload(lab, payload, script, params, host=MON, faults=(), network_user=None):
    """$Ansible.Result of a payload's text run in the lab (PSError / tsql.SqlError when it stops)."""
    ran = run(lab, script, params, host=host, network_user=network_user, faults=faults, payload=payload)
    if ran.terminating_error is not None:
        exception = ran.terminating_error.Exception
        inner = exception.InnerException
        if isinstance(inner, sqlboundary.SqlExceptionInfo):
            raise tsql.SqlError([(e.Number, e.Message) for e in inner.Errors])
        raise PSError(exception.Message)
    return ran.result


OPEN = "$c = New-Object System.Data.SqlClient.SqlConnection '%s'; $c.Open()\n"


# --- SqlConnection: the connection string and Open() -------------------------------------------------------


@pytest.mark.parametrize("text, message", [
    ("Serverx=a;Integrated Security=True", "Keyword not supported: 'serverx'."),
    ("Server=a;Integrated Security=maybe", "Invalid value for key 'integrated security'."),
    ("Server=a;Connect Timeout=soon", "Invalid value for key 'connect timeout'."),
])
def test_a_connection_string_sqlclient_refuses_fails_in_new_object(lab, text, message):
    """SqlConnection(String) parses the string at once: an unknown keyword or a bad value is an
    ArgumentException (https://learn.microsoft.com/dotnet/api/system.data.sqlclient.sqlconnection.connectionstring)."""
    text_, inner = failure(lab, "$c = New-Object System.Data.SqlClient.SqlConnection '%s'" % text)
    assert text_ == 'Exception calling ".ctor" with "1" argument(s): "%s"' % message
    assert inner.type_name == "System.ArgumentException"


def test_keywords_and_their_synonyms(lab):
    """Data Source/Server/Address, Initial Catalog/Database, Integrated Security/Trusted_Connection
    (sspi = true), Connect Timeout/Connection Timeout: case and spaces around '=' do not matter."""
    result = value(lab, OPEN % ("data source = sqlmon01.contoso.local\\RTC; Initial Catalog=LcsCDR;"
                                "Trusted_Connection=SSPI; Connection Timeout=5") +
                   "$Ansible.Result = @{ State = [string]$c.State; Database = $c.Database; Timeout = $c.ConnectionTimeout;"
                   " Source = $c.DataSource }")
    assert result == {"State": "Open", "Database": "LcsCDR", "Timeout": 5, "Source": "sqlmon01.contoso.local\\RTC"}


def test_the_default_instance_is_the_server_name_alone(lab):
    """Default instance: computer_name; named instance: computer_name\\instance_name
    (https://learn.microsoft.com/sql/database-engine/configure-windows/logging-in-to-sql-server)."""
    with lab.locked() as state:
        seed.move_to_default_instance(state, BE, "RTC")
    assert value(lab, OPEN % "Server=sqlbe01;Integrated Security=True" + "$Ansible.Result = [string]$c.State",
                 host=BE) == "Open"
    assert value(lab, OPEN % "Server=localhost;Integrated Security=True" + "$Ansible.Result = [string]$c.State",
                 host=BE) == "Open"
    message, inner = failure(lab, OPEN % "Server=sqlbe01\\MSSQLSERVER;Integrated Security=True", host=BE)
    assert "error: 26 - Error Locating Server/Instance Specified" in message
    assert inner.type_name == "System.Data.SqlClient.SqlException" and inner.Number == -1


def test_an_instance_that_is_down_fails_after_the_connect_timeout(lab):
    """Open() fails with SqlException once Connect Timeout (seconds) has passed
    (https://learn.microsoft.com/dotnet/api/system.data.sqlclient.sqlconnection.connectiontimeout)."""
    with lab.locked() as state:
        state["hosts"][MON]["sql"]["RTC"]["service_state"] = "stopped"
    message, inner = failure(lab, OPEN % "Server=sqlmon01\\RTC;Integrated Security=True;Connect Timeout=20")
    assert inner.Number == -1 and message.startswith(
        'Exception calling "Open" with "0" argument(s): "A network-related or instance-specific error')
    ran = run(lab, "$t = Get-Date\ntry {\n" + OPEN % "Server=sqlmon01\\RTC;Integrated Security=True;Connect Timeout=20"
              + "} catch { }\n$Ansible.Result = ((Get-Date) - $t).TotalSeconds")
    assert ran.result >= 20


def test_the_double_hop_is_the_anonymous_logon(lab):
    """Windows authentication from a WinRM session without network credentials reaches another server as
    NT AUTHORITY\\ANONYMOUS LOGON: Msg 18456
    (https://learn.microsoft.com/sql/relational-databases/errors-events/mssqlserver-18456-database-engine-error)."""
    script = OPEN % "Server=sqlmon01.contoso.local\\RTC;Integrated Security=True"
    message, inner = failure(lab, script, host=FE)
    assert message == ('Exception calling "Open" with "0" argument(s): "Login failed for user '
                       '\'NT AUTHORITY\\ANONYMOUS LOGON\'."')
    assert inner.Number == 18456 and inner.Errors[0].Number == 18456
    assert value(lab, script + "$Ansible.Result = [string]$c.State", host=FE,
                 network_user="CONTOSO\\svc-lyncbackup") == "Open"


def test_without_integrated_security_the_login_is_a_sql_login(lab):
    """Integrated Security defaults to false: SQL Server authentication with User ID (none: '')."""
    message, inner = failure(lab, OPEN % "Server=sqlmon01\\RTC")
    assert "Login failed for user ''." in message and inner.Number == 18456


def test_a_login_without_access_and_a_missing_database(lab):
    with lab.locked() as state:
        state["hosts"][MON]["sql"]["RTC"]["logins"] = {"CONTOSO\\someone": {"server_roles": ["sysadmin"]}}
    message, inner = failure(lab, OPEN % "Server=sqlmon01\\RTC;Integrated Security=True")
    assert "Login failed for user 'CONTOSO\\lyncadmin'." in message and inner.Number == 18456
    with lab.locked() as state:
        del state["hosts"][MON]["sql"]["RTC"]["logins"]
    message, inner = failure(lab, OPEN % "Server=sqlmon01\\RTC;Database=NoSuchDb;Integrated Security=True")
    assert inner.Number == 4060 and [e.Number for e in inner.Errors] == [4060, 18456]


# --- SqlCommand, parameters, readers --------------------------------------------------------------------

MASTER = OPEN % "Server=sqlmon01\\RTC;Database=master;Integrated Security=True" + "$cmd = $c.CreateCommand()\n"


def test_execute_scalar_non_query_and_reader(lab):
    """ExecuteScalar: the first column of the first row; ExecuteReader: Read() advances, GetString(i);
    ExecuteNonQuery: -1 for statements other than INSERT/UPDATE/DELETE
    (https://learn.microsoft.com/dotnet/api/system.data.sqlclient.sqlcommand)."""
    result = value(lab, MASTER + """
$cmd.CommandText = 'SELECT name FROM sys.databases WHERE database_id > 4 ORDER BY name'
$reader = $cmd.ExecuteReader()
$names = while ($reader.Read()) { [string]$reader.GetString(0) }
$reader.Close()
$cmd.CommandText = 'SELECT DB_ID(@db) AS Id'
$null = $cmd.Parameters.AddWithValue('@db', 'LcsCDR')
$Ansible.Result = @{ Names = @($names); Id = $cmd.ExecuteScalar(); Rows = $cmd.ExecuteNonQuery() }""")
    expected = sorted(lab.load()["hosts"][MON]["sql"]["RTC"]["databases"], key=str.lower)
    assert result["Names"] == expected
    assert result["Id"] >= 5 and result["Rows"] == -1


def test_command_timeout_is_never_negative(lab):
    """CommandTimeout: "ArgumentException: The value set is less than 0"; 0 means no limit."""
    message, inner = failure(lab, MASTER + "$cmd.CommandTimeout = -1")
    assert message == 'Exception setting "CommandTimeout": "Invalid CommandTimeout value -1; the value must be >= 0."'
    assert value(lab, MASTER + "$cmd.CommandTimeout = 0; $Ansible.Result = $cmd.CommandTimeout") == 0


def test_a_null_parameter_value_is_not_supplied(lab):
    """SqlParameter.Value: null means no value (Msg 8178); DBNull.Value sends NULL
    (https://learn.microsoft.com/dotnet/api/system.data.sqlclient.sqlparameter.value)."""
    base = MASTER + "$cmd.CommandText = 'SELECT DB_ID(@db) AS Id'\n"
    message, inner = failure(lab, base + "$null = $cmd.Parameters.AddWithValue('@db', $null); $cmd.ExecuteScalar()")
    assert inner.Number == 8178 and "expects the parameter '@db', which was not supplied" in message
    assert value(lab, base + "$null = $cmd.Parameters.AddWithValue('@db', [System.DBNull]::Value)\n"
                             "$Ansible.Result = $cmd.ExecuteScalar() -is [System.DBNull]") is True


def test_a_value_without_a_sql_type_is_refused(lab):
    """AddWithValue infers the SqlDbType from the value's .NET type; an object[] has none."""
    message, inner = failure(lab, MASTER + "$cmd.CommandText = 'SELECT DB_ID(@db) AS Id'\n"
                             "$null = $cmd.Parameters.AddWithValue('@db', @('a', 'b')); $cmd.ExecuteScalar()")
    assert "No mapping exists from object type System.Object[] to a known managed provider native type." in message
    assert inner.type_name == "System.ArgumentException"


def test_add_with_a_sql_db_type_converts_and_truncates(lab):
    """Parameters.Add(name, SqlDbType[, size]): the value converted to the type at execution, input longer
    than Size truncated (https://learn.microsoft.com/dotnet/api/system.data.sqlclient.sqlparameter.size)."""
    result = value(lab, MASTER + """
$cmd.CommandText = 'SELECT @s AS S, @n AS N'
$p = $cmd.Parameters.Add('@s', [System.Data.SqlDbType]::NVarChar, 3); $p.Value = 'abcdef'
$q = $cmd.Parameters.Add('@n', [System.Data.SqlDbType]::Int); $q.Value = '42'
$t = New-Object System.Data.DataTable
$t.Load($cmd.ExecuteReader())
$Ansible.Result = @{ S = $t.Rows[0].S; N = $t.Rows[0].N }""")
    assert result == {"S": "abc", "N": 42}
    message, dummy = failure(lab, MASTER + "$cmd.CommandText = 'SELECT @n AS N'\n"
                             "$q = $cmd.Parameters.Add('@n', [System.Data.SqlDbType]::Int); $q.Value = 'many'\n"
                             "$cmd.ExecuteScalar()")
    assert "Failed to convert parameter value from a String to a Int32." in message


def test_sql_exception_members_and_catch_by_type(lab):
    """SqlException: Number and Class of the first error, Errors all of them, Message joins them
    (https://learn.microsoft.com/dotnet/api/system.data.sqlclient.sqlexception). An untyped catch sees
    PowerShell's MethodInvocationException around it; `catch [SqlException]` matches the inner exception
    first and its $_.Exception is the SqlException itself (Windows PowerShell 5.1's
    ExceptionHandlingOps.FindMatchingHandler)."""
    result = value(lab, MASTER + """
$cmd.CommandText = 'BACKUP DATABASE @db TO DISK = @f WITH INIT'
$null = $cmd.Parameters.AddWithValue('@db', 'NoSuchDb'); $null = $cmd.Parameters.AddWithValue('@f', 'x.bak')
try { $null = $cmd.ExecuteNonQuery() }
catch { $e = $_.Exception }
try { $null = $cmd.ExecuteNonQuery() }
catch [System.Data.SqlClient.SqlException] { $typed = $_.Exception }
$Ansible.Result = @{ Number = $e.InnerException.Number; Count = $e.InnerException.Errors.Count
                     Numbers = @($e.InnerException.Errors | ForEach-Object { $_.Number }); Message = $e.Message
                     Typed = $typed.Number; TypedMessage = $typed.Message; Class = $typed.Class }""")
    assert result["Number"] == 911 and result["Numbers"] == [911, 3013] and result["Count"] == 2
    assert result["Message"].startswith('Exception calling "ExecuteNonQuery" with "0" argument(s): "Database '
                                        "'NoSuchDb' does not exist.")
    assert result["Typed"] == 911 and result["Class"] == 16
    assert result["TypedMessage"] == ("Database 'NoSuchDb' does not exist. Make sure that the name is entered "
                                      "correctly.\r\nBACKUP DATABASE is terminating abnormally.")


def test_execute_on_a_closed_connection(lab):
    message, inner = failure(lab, MASTER + "$c.Dispose(); $cmd.CommandText = 'SELECT 1 AS One'; $cmd.ExecuteReader()")
    assert inner.type_name == "System.InvalidOperationException"
    assert "ExecuteReader requires an open and available Connection. The connection's current state is closed." in message


def test_a_data_table_is_written_as_its_rows_unless_wrapped(lab):
    """DataTable.Load consumes the reader's result set; PowerShell writes a DataTable to the pipeline as
    its DataRows, so a function returns one with the comma operator
    (https://learn.microsoft.com/dotnet/api/system.data.datatable.load). A NULL is DBNull.Value, whose
    string is empty (https://learn.microsoft.com/dotnet/api/system.dbnull.tostring)."""
    result = value(lab, MASTER + """
function Get-Table([string]$Text) {
    $cmd = $c.CreateCommand(); $cmd.CommandText = $Text
    $t = New-Object System.Data.DataTable; $t.Load($cmd.ExecuteReader()); $t
}
function Get-Wrapped([string]$Text) {
    $cmd = $c.CreateCommand(); $cmd.CommandText = $Text
    $t = New-Object System.Data.DataTable; $t.Load($cmd.ExecuteReader()); , $t
}
$q = 'SELECT name, DB_ID(name) AS Id FROM sys.databases WHERE database_id < 3 ORDER BY name'
$bare = Get-Table $q
$wrapped = Get-Wrapped $q
$null_row = (Get-Wrapped 'SELECT DB_ID(N''nope'') AS Id').Rows[0]
$Ansible.Result = @{ Bare = $bare.GetType().FullName; BareCount = @($bare).Count; First = [string]$bare[0].name
                     Wrapped = $wrapped.GetType().FullName; Rows = $wrapped.Rows.Count
                     IsDBNull = $null_row.Id -is [System.DBNull]; Text = [string]$null_row.Id
                     Row = [string]$wrapped.Rows[0] }""")
    assert result["Bare"] == "System.Object[]" and result["BareCount"] == 2 and result["First"] == "master"
    assert result["Wrapped"] == "System.Data.DataTable" and result["Rows"] == 2
    assert result["IsDBNull"] is True and result["Text"] == "" and result["Row"] == "System.Data.DataRow"


def test_change_database(lab):
    """ChangeDatabase: the connection's database; a database that does not exist is a SqlException (911)."""
    assert value(lab, MASTER + "$c.ChangeDatabase('LcsCDR'); $Ansible.Result = $c.Database") == "LcsCDR"
    message, inner = failure(lab, MASTER + "$c.ChangeDatabase('nope')")
    assert inner.Number == 911 and message.startswith('Exception calling "ChangeDatabase" with "1" argument(s)')


def test_tsql_catalog_views_and_serverproperty(lab):
    """sys.databases / sys.master_files with a correlated subquery, SERVERPROPERTY, CAST
    (https://learn.microsoft.com/sql/t-sql/functions/serverproperty-transact-sql): what lync_sql_backup reads."""
    with lab.locked() as state:
        ctx = Context(lab, state, MON, False, [], "test")
        sql = tsql.Session(ctx, MON, "RTC", {"database": "master"})
        server = sql.execute("SELECT CAST(SERVERPROPERTY('EngineEdition') AS int) AS Engine, "
                             "CAST(SERVERPROPERTY('ProductVersion') AS nvarchar(64)) AS Version")[0]
        record = state["hosts"][MON]["sql"]["RTC"]
        info = sql.execute("SELECT d.state_desc, (SELECT TOP 1 physical_name FROM sys.master_files WHERE database_id = "
                           "d.database_id AND type = 1) AS log_file FROM sys.databases AS d WHERE d.name = @db",
                           {"@db": "LcsCDR"})
        assert [r["name"] for r in sql.execute("SELECT name FROM sys.databases WHERE database_id <= 4")] == \
            ["master", "tempdb", "model", "msdb"]
        with pytest.raises(tsql.SqlError) as err:
            sql.execute("SELECT nosuch FROM sys.databases")
    assert server == {"Engine": 4 if record["edition"].startswith("Express") else 2 if record["edition"].startswith(
        "Standard") else 3, "Version": record["version"]}
    assert info == [{"state_desc": "ONLINE", "log_file": record["databases"]["LcsCDR"]["log_file"]}]
    assert err.value.numbers == [207]


def test_sys_dm_server_services_needs_2008_r2_sp1_and_view_server_state(lab):
    """https://learn.microsoft.com/sql/relational-databases/system-dynamic-management-views/sys-dm-server-services-transact-sql"""
    text = "SELECT service_account FROM sys.dm_server_services WHERE servicename LIKE N'SQL Server (%'"
    with lab.locked() as state:
        instance = state["hosts"][MON]["sql"]["RTC"]
        ctx = Context(lab, state, MON, False, [], "test")
        assert tsql.Session(ctx, MON, "RTC").execute(text) == [{"service_account": instance["service_account"]}]
        instance["version"] = "10.50.1600.1"
        with pytest.raises(tsql.SqlError) as err:
            tsql.Session(ctx, MON, "RTC").execute(text)
        assert err.value.numbers == [208]
        instance["version"] = "11.0.7001.0"
        instance["logins"] = {"CONTOSO\\lyncadmin": {"server_roles": []}}
        with pytest.raises(tsql.SqlError) as err:
            tsql.Session(ctx, MON, "RTC").execute(text)
        assert err.value.numbers == [300, 297]


def test_an_unexpanded_powershell_variable_is_an_undeclared_sql_variable(lab):
    """'$' may follow the first character of a T-SQL identifier
    (https://learn.microsoft.com/sql/relational-databases/databases/database-identifiers): '@file$_' is a
    variable nobody declared (Msg 137)."""
    with lab.locked() as state:
        ctx = Context(lab, state, MON, False, [], "test")
        with pytest.raises(tsql.SqlError) as err:
            tsql.Session(ctx, MON, "RTC").execute("RESTORE VERIFYONLY FROM DISK = @file$_", {"@file1": "x"})
    assert err.value.numbers[0] == 137 and '"@file$_"' in err.value.message


# --- lync_host_probe's SQL lines -----------------------------------------------------------------------------

def _probe_sql_lines():
    """The payload's own loop body over the SQL instances (the registry that lists them is the windows area's)."""
    start = HOST_PROBE.index("        $entry = @{ Name = [string]$name; Databases = @(); Error = $null }")
    end = HOST_PROBE.index("        $instances += $entry") + len("        $instances += $entry")
    return "param([string[]]$Names)\n$instances = @()\nforeach ($name in $Names) {\n%s\n}\n$Ansible.Result = $instances\n" % (
        HOST_PROBE[start:end])


def test_the_host_probe_lists_the_databases_of_each_instance(lab):
    with lab.locked() as state:
        state["hosts"][MON]["sql"]["RTC"]["databases"].pop("QoEMetrics", None)
        names = sorted(n for n in state["hosts"][MON]["sql"]["RTC"]["databases"])
    ran = run(lab, _probe_sql_lines(), {"Names": ["RTC"]})
    assert ran.result == [{"Name": "RTC", "Databases": sorted(names, key=str.lower), "Error": None}]


def test_the_host_probe_reports_an_instance_that_is_down(lab):
    with lab.locked() as state:
        state["hosts"][MON]["sql"]["RTC"]["service_state"] = "stopped"
    ran = run(lab, _probe_sql_lines(), {"Names": ["RTC", "NOSUCH"]})
    assert [e["Databases"] for e in ran.result] == [[], []]
    assert all("A network-related or instance-specific error" in e["Error"] for e in ran.result)


def test_the_host_probe_reaches_a_default_instance_by_localhost(lab):
    with lab.locked() as state:
        seed.move_to_default_instance(state, BE, "RTC")
    ran = run(lab, _probe_sql_lines(), {"Names": ["MSSQLSERVER"]}, host=BE)
    assert ran.result[0]["Error"] is None and "xds" in ran.result[0]["Databases"]


# --- planted defects: the lab fails on a defect in the payload's own text ------------------------------------

BACKUP_PARAMS = {"SqlInstance": MON + "\\RTC", "Databases": ["LcsCDR"], "TargetFolder": FOLDER, "FileCount": 2,
                 "CopyOnly": True, "Checksum": True, "Compress": True, "Verify": True}


def _backup(lab, script=BACKUP, **params):
    return run_payload(lab, "lync_sql_backup", script, dict(BACKUP_PARAMS, **params),
                       network_user="CONTOSO\\lyncshare")


def _planted(text, old, new):
    assert old in text, old
    return text.replace(old, new, 1)


def test_the_backup_payload_backs_up_and_verifies(lab):
    entry = _backup(lab)["Databases"][0]
    assert entry["Status"] == "ok" and entry["Verified"] is True and len(entry["Files"]) == 2, entry


@pytest.mark.parametrize("old, new, expected", [
    # a wrong .NET member: ExecuteNonQuery returns an int, which DataTable.Load cannot take
    ("$table.Load($command.ExecuteReader())", "$table.Load($command.ExecuteNonQuery())",
     'Cannot convert argument "reader"'),
    # the comma dropped: the DataTable is written as its rows, .Rows[0] indexes nothing
    ("    , $table\n", "    $table\n", "Cannot index into a null array."),
    # a string that does not expand inside T-SQL: '@file$_' is an undeclared variable
    ('"DISK = @file$_"', "'DISK = @file$_'", 'Must declare the scalar variable "@file$_"'),
    # a typo'd variable: the files' paths go to a hashtable nobody sends
    ('$values["@file$i"] = Join-Path', '$value["@file$i"] = Join-Path', "Cannot index into a null array."),
])
def test_a_planted_defect_in_the_backup_payload_fails(lab, old, new, expected):
    result = None
    try:
        result = _backup(lab, script=_planted(BACKUP, old, new))
    except PSError as err:
        assert expected in err.message
        return
    entry = result["Databases"][0]
    assert entry["Status"] == "failed" and expected in entry["Error"], entry


def _backup_file(lab, database="LcsCDR"):
    with lab.locked() as state:
        ctx = Context(lab, state, MON, False, [], "test")
        record = state["hosts"][MON]["sql"]["RTC"]["databases"][database]
        stripes = sqlbak.encode(database, record, MON, "RTC", 1, False, True,
                                datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc).isoformat())
        path = "%s\\%s.bak" % (SHARE, database)
        fsops.write_bytes(ctx, path, stripes[0], account="CONTOSO\\lyncadmin")
    return path


def _restore(lab, script=RESTORE, **params):
    base = {"SqlInstance": MON + "\\RTC", "Database": "LcsCDR", "Files": [], "Mode": "restore", "Checksum": True}
    base.update(params)
    return run_payload(lab, "lync_sql_restore", script, base)


def _from_another_version(lab):
    """A backup whose files were recorded under a SQL Server 2008 R2 folder: RESTORE needs MOVE."""
    with lab.locked() as state:
        record = dict(state["hosts"][MON]["sql"]["RTC"]["databases"]["LcsCDR"])
        old_dir = "C:\\Program Files\\Microsoft SQL Server\\MSSQL10_50.RTC\\MSSQL\\DATA"
        record["data_file"], record["log_file"] = old_dir + "\\LcsCDR.mdf", old_dir + "\\LcsCDR_log.ldf"
        stripes = sqlbak.encode("LcsCDR", record, MON, "RTC", 1, False, True, "2026-01-01T00:00:00+00:00")
        path = SHARE + "\\LcsCDR.bak"
        fsops.write_bytes(Context(lab, state, MON, False, [], "test"), path, stripes[0], account="CONTOSO\\lyncadmin")
    return path


def test_the_restore_payload_restores_with_move_and_fixes_the_acl(lab):
    path = _from_another_version(lab)
    with lab.locked() as state:
        state["hosts"][MON]["sql"]["RTC"]["databases"]["LcsCDR"]["users"] = []
    result = _restore(lab, Files=[path], AclGroup=GROUP)
    assert result["Restored"] is True and result["AclFixed"] is True


@pytest.mark.parametrize("old, new, expected", [
    # a wrong .NET member: DataTable has Rows, not Row: no file is MOVEd and the recorded folder is missing
    ("foreach ($row in $fileList.Rows) {\n            $typeId", "foreach ($row in $fileList.Row) {\n            $typeId",
     "Directory lookup for the file"),
    # a typo'd column: [int]$null is 0, no file matches, nothing is MOVEd
    ("[int]$_.file_id -eq [int]$row.FileID", "[int]$_.fileid -eq [int]$row.FileID", "Directory lookup for the file"),
    # the ACL check run in the wrong database: master has no ServerRole
    ("$connection.ChangeDatabase($Database)", "$connection.ChangeDatabase('master')", "has no ServerRole role"),
    # a verbatim here-string: $disks and $moveList reach SQL Server as text
    ('$RestoreSql = @"', "$RestoreSql = @'", "Incorrect syntax near"),
])
def test_a_planted_defect_in_the_restore_payload_fails(lab, old, new, expected):
    path = _from_another_version(lab)
    script = _planted(RESTORE, old, new)
    if new.startswith("$RestoreSql = @'"):
        script = _planted(script, '$moveList;\n"@', "$moveList;\n'@")
    with pytest.raises(PSError) as err:
        _restore(lab, script=script, Files=[path], AclGroup=GROUP)
    assert expected in err.value.message


# --- the payloads as they were at 1a7fef5 (before issue 9's fixes) -------------------------------------------

def _old(name):
    try:
        return subprocess.run(["git", "-C", str(ROOT), "show", "1a7fef5:plugins/plugin_utils/payloads/%s.ps1" % name],
                              capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("the repository history is not available")
        return None


def test_the_old_restore_payload_fails_while_front_ends_use_the_database(lab):
    """Issue 9: RESTORE ... WITH REPLACE without exclusive access: Msg 3101 while the Front Ends run."""
    path = _backup_file(lab)
    with pytest.raises(tsql.SqlError) as err:
        _restore(lab, script=_old("lync_sql_restore"), Files=[path], ScratchName="", ScratchFolder="", AclGroup="")
    assert err.value.numbers == [3101, 3013]
    assert _restore(lab, Files=[path])["Restored"] is True


def test_the_old_restore_payload_does_not_compile_its_acl_fix_on_2008_r2(lab):
    """Issue 9: ALTER ROLE ... ADD MEMBER is SQL Server 2012 and later (Msg 156 on 10.50)."""
    path = _backup_file(lab)
    with lab.locked() as state:
        instance = state["hosts"][MON]["sql"]["RTC"]
        instance["version"] = "10.50.6000.34"
        instance["databases"]["LcsCDR"]["users"] = []
        for host in state["hosts"].values():
            if "RTCSRV" in host.get("services", {}):
                host["services"]["RTCSRV"]["status"] = "Stopped"  # past the old text's first defect
    with pytest.raises(tsql.SqlError) as err:
        _restore(lab, script=_old("lync_sql_restore"), Files=[path], ScratchName="", ScratchFolder="", AclGroup=GROUP)
    assert err.value.numbers == [156]
    assert _restore(lab, Files=[path], AclGroup=GROUP)["AclFixed"] is True


def test_the_old_test_restore_fails_over_a_scratch_database_left_restoring(lab):
    """Issue 9: the old test mode dropped the scratch database only after CHECKDB: after an interrupted
    restore the next test fails (Msg 3154)."""
    path = _backup_file(lab)
    old = _old("lync_sql_restore")
    params = {"Files": [path], "Mode": "test", "ScratchName": "lync_restore_test_LcsCDR", "ScratchFolder": "D:\\Scratch",
              "AclGroup": ""}
    fault = {"kind": "sql_abort", "payload": "lync_sql_restore", "times": 1}
    with pytest.raises(PSError):
        run_payload(lab, "lync_sql_restore", old, dict({"SqlInstance": MON + "\\RTC", "Database": "LcsCDR",
                                                        "Checksum": True}, **params), faults=[fault])
    with pytest.raises(tsql.SqlError) as err:
        _restore(lab, script=old, **params)
    assert err.value.numbers == [3154, 3013]
    assert _restore(lab, **params)["CheckDb"] == "ok"


def test_the_old_backup_payload_blames_the_share_for_a_missing_sysadmin(lab):
    """Issue 9: the old payload made the folder with xp_create_subdir (sysadmin only, Msg 229) and reported
    the refusal as the service account's access to the share."""
    with lab.locked() as state:
        state["hosts"][MON]["sql"]["RTC"]["logins"] = {
            "CONTOSO\\lyncadmin": {"server_roles": [], "database_roles": {"LcsCDR": ["db_backupoperator"]}}}
    with pytest.raises(PSError) as err:
        _backup(lab, script=_old("lync_sql_backup"), Verify=False)
    assert err.value.message.startswith("LYNC_SQL_ACCESS: SQL Server service account")
    assert "The EXECUTE permission was denied on the object 'xp_create_subdir'" in err.value.message
    assert _backup(lab, Verify=False)["Databases"][0]["Status"] == "ok"


def test_the_old_backup_payload_records_a_placeholder_account(lab):
    """Issue 9: where sys.dm_server_services cannot answer (2008 R2 RTM) the old payload recorded
    'the SQL Server service account' as the account; today's reads Win32_Service on the SQL server."""
    with lab.locked() as state:
        state["hosts"][MON]["sql"]["RTC"]["version"] = "10.50.1600.1"
    old = _old("lync_sql_backup")
    try:
        result = _backup(lab, script=old, Verify=False)
        account = result["ServiceAccount"]
    except PSError as err:
        account = err.message  # the old text goes on to Get-FileHash, an fs-area command
    assert "the SQL Server service account" in account
    assert _backup(lab, Verify=False)["ServiceAccount"] == "CONTOSO\\svc-sqlmon"


def _front_ends_stopped(lab):
    with lab.locked() as state:
        for host in state["hosts"].values():
            if "RTCSRV" in host.get("services", {}):
                host["services"]["RTCSRV"]["status"] = "Stopped"


def test_the_old_restore_payload_fails_on_a_server_rebuilt_with_another_sql_server(lab):
    """Issue 9 review A: without MOVE the files go back to the folders the backup recorded, missing on a
    server rebuilt with another SQL Server version (Msg 5133,
    https://learn.microsoft.com/sql/relational-databases/backup-restore/restore-a-database-to-a-new-location-sql-server)."""
    path = _from_another_version(lab)
    _front_ends_stopped(lab)  # past the old text's first defect
    with pytest.raises(tsql.SqlError) as err:
        _restore(lab, script=_old("lync_sql_restore"), Files=[path], ScratchName="", ScratchFolder="", AclGroup="")
    assert err.value.numbers[:4] == [5133, 3156, 3119, 3013]
    assert _restore(lab, Files=[path])["Restored"] is True


def test_the_old_restore_payload_connects_to_the_login_default_database(lab):
    """Issue 9: the old connection string named no database, so the connection opened the login's default
    database; when that is the database being restored, RESTORE fails with Msg 3102 ("It is recommended that
    the master database be used"). Today's payload opens master."""
    path = _backup_file(lab)
    _front_ends_stopped(lab)
    with lab.locked() as state:
        state["hosts"][MON]["sql"]["RTC"]["logins"] = {
            "CONTOSO\\lyncadmin": {"server_roles": ["sysadmin"], "default_database": "LcsCDR"}}
    with pytest.raises(tsql.SqlError) as err:
        _restore(lab, script=_old("lync_sql_restore"), Files=[path], ScratchName="", ScratchFolder="", AclGroup="")
    assert err.value.numbers == [3102, 3013]
    assert _restore(lab, Files=[path])["Restored"] is True


def _probe_account_lines():
    """The host probe's own lines that read the computer account's SID (NTAccount.Translate)."""
    start = HOST_PROBE.index("    try {\n        $account = New-Object System.Security.Principal.NTAccount")
    end = HOST_PROBE.index("        $computerSid = $null\n    }\n", start) + len("        $computerSid = $null\n    }\n")
    return "param([string]$Name)\n$system = @{ Name = $Name }\n$computerSid = $null\n%s$Ansible.Result = $computerSid\n" % (
        HOST_PROBE[start:end])


def test_the_host_probe_reads_the_computer_account_sid(lab):
    """NTAccount.Translate([SecurityIdentifier]): the domain's SID of DOMAIN\\HOST$; an account the
    domain does not know throws IdentityNotMappedException
    (https://learn.microsoft.com/dotnet/api/system.security.principal.ntaccount.translate), which the
    probe reports as no SID."""
    sid = lab.load()["ad"]["computers"]["FE01"]["sid"]
    assert run(lab, _probe_account_lines(), {"Name": "FE01"}, host=FE).result == sid
    with lab.locked() as state:
        del state["ad"]["computers"]["FE01"]
    assert run(lab, _probe_account_lines(), {"Name": "FE01"}, host=FE).result is None
    message, inner = failure(lab, "$a = New-Object System.Security.Principal.NTAccount 'NOPE$'\n"
                             "$a.Translate([System.Security.Principal.SecurityIdentifier])", host=FE)
    assert inner.type_name == "System.Security.Principal.IdentityNotMappedException"
    assert message.endswith('"Some or all identity references could not be translated."')


def test_a_fault_can_fail_a_connection_or_a_statement(lab):
    """lab_faults act where Windows fails: a connection that cannot be opened, a statement that fails."""
    opened = [{"kind": "fail", "command": "SqlConnection.Open", "message": "Login timeout expired", "number": -2}]
    message, inner = failure(lab, OPEN % "Server=sqlmon01\\RTC;Integrated Security=True", faults=opened)
    assert inner.Number == -2 and message.endswith('"Login timeout expired"')
    failed = [{"kind": "fail", "command": "SqlCommand.ExecuteReader", "when": {"CommandText": "SELECT 1 AS One"},
               "message": "deadlock victim", "number": 1205}]
    script = MASTER + "$cmd.CommandText = 'SELECT 2 AS Two'; $two = $cmd.ExecuteScalar()\n" \
                      "$cmd.CommandText = 'SELECT 1 AS One'; $r = $cmd.ExecuteReader()"
    message, inner = failure(lab, script, faults=failed)
    assert inner.Number == 1205 and "deadlock victim" in message
