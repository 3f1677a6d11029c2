"""SQL Server as the payloads reach it: System.Data.SqlClient (SqlConnection, SqlCommand,
SqlParameterCollection, SqlDataReader, SqlException) and System.Data.DataTable, over the lab's
SQL Server (lync_lab/tsql.py runs the T-SQL text with SQL Server's rules against the instance
records; netid the double hop; model the instances and whether they run).

Microsoft's pages (each member below behaves as its page documents):
SqlConnection           https://learn.microsoft.com/dotnet/api/system.data.sqlclient.sqlconnection
  .ConnectionString     https://learn.microsoft.com/dotnet/api/system.data.sqlclient.sqlconnection.connectionstring
  .Open                 https://learn.microsoft.com/dotnet/api/system.data.sqlclient.sqlconnection.open
  .ChangeDatabase       https://learn.microsoft.com/dotnet/api/system.data.sqlclient.sqlconnection.changedatabase
SqlCommand              https://learn.microsoft.com/dotnet/api/system.data.sqlclient.sqlcommand
  .CommandTimeout       https://learn.microsoft.com/dotnet/api/system.data.sqlclient.sqlcommand.commandtimeout
  .ExecuteReader / .ExecuteNonQuery / .ExecuteScalar (same page)
SqlParameterCollection  https://learn.microsoft.com/dotnet/api/system.data.sqlclient.sqlparametercollection
  .AddWithValue         https://learn.microsoft.com/dotnet/api/system.data.sqlclient.sqlparametercollection.addwithvalue
SqlParameter.Value      https://learn.microsoft.com/dotnet/api/system.data.sqlclient.sqlparameter.value
                        (null is "not supplied"; DBNull.Value sends NULL), .Size (input truncated to it)
SqlDataReader           https://learn.microsoft.com/dotnet/api/system.data.sqlclient.sqldatareader
SqlException            https://learn.microsoft.com/dotnet/api/system.data.sqlclient.sqlexception
                        (Number, Class, State, Errors; Message joins the errors' messages)
DataTable.Load          https://learn.microsoft.com/dotnet/api/system.data.datatable.load
                        ("consumes the first result set from the loaded IDataReader")
DBNull                  https://learn.microsoft.com/dotnet/api/system.dbnull (ToString: String.Empty)
Network errors: "A network-related or instance-specific error occurred ..." (error 26: a named
instance the SQL Server Browser does not list, error 40: no default instance answering),
https://learn.microsoft.com/troubleshoot/sql/database-engine/connect/network-related-or-instance-specific-error-occurred-while-establishing-connection
Login failures: Msg 18456, https://learn.microsoft.com/sql/relational-databases/errors-events/mssqlserver-18456-database-engine-error

PowerShell adapts a DataRow's columns as properties, and enumerates a DataTable as its rows when
it writes one to the pipeline (hence `, $table` in the payloads' Invoke-Sql).
"""

import datetime
import uuid

from .. import faults, fsops, logon, model, netid, sqlbak, tsql, winhost
from ..engine import Command, Param
from ..engine import types as T
from ..engine import values as V
from ..engine.errors import NetException, runtime_error
from ..errors import PSError

PAYLOADS = ("lync_sql_backup", "lync_sql_restore", "lync_host_probe", "lync_sql_rights", "lync_sql_write_probe")

SQLEXCEPTION = "System.Data.SqlClient.SqlException"
NetException.HIERARCHY.setdefault(SQLEXCEPTION, ["System.Data.Common.DbException",
                                                 "System.Runtime.InteropServices.ExternalException",
                                                 "System.SystemException"])
NetException.HIERARCHY.setdefault("System.Data.SqlTypes.SqlNullValueException",
                                  ["System.Data.SqlTypes.SqlTypeException", "System.SystemException"])
NETWORK_ERROR = ("A network-related or instance-specific error occurred while establishing a connection to SQL "
                 "Server. The server was not found or was not accessible. Verify that the instance name is correct "
                 "and that SQL Server is configured to allow remote connections. ")


# --- values ----------------------------------------------------------------------------------

class DBNull(V.NetObject):
    """System.DBNull.Value: what a NULL column holds in a DataRow; its string is empty."""

    TYPE_NAME = "System.DBNull"

    def ToString(self):
        return ""


DBNULL = DBNull()


def _cell(value):
    return DBNULL if value is None else value


class SqlErrorInfo(V.NetObject):
    """System.Data.SqlClient.SqlError: one entry of SqlException.Errors."""

    TYPE_NAME = "System.Data.SqlClient.SqlError"

    def __init__(self, number, message, server):
        self.Number = number
        self.Message = message
        self.Class = 16 if number > 0 else 20
        self.State = 1
        self.Server = server
        self.Procedure = ""
        self.LineNumber = 1 if number > 0 else 0

    def ToString(self):
        return "%s: %s" % (self.TYPE_NAME, self.Message)


class SqlExceptionInfo(NetException):
    """SqlException as a script sees it ($_.Exception.InnerException): Number, Class, State and
    Server are the first error's; Errors holds them all; Message joins their messages."""

    def __init__(self, errors, server):
        self.Errors = [SqlErrorInfo(n, m, server) for n, m in errors]
        super().__init__("\r\n".join(m for dummy, m in errors), SQLEXCEPTION)
        first = self.Errors[0]
        self.Number, self.Class, self.State, self.Server = first.Number, first.Class, first.State, server
        self.LineNumber, self.Procedure = first.LineNumber, first.Procedure


class SqlFailure(T.DotNetError):
    """A SqlException raised by an emulated member (types.invoke wraps it as PowerShell does)."""

    def __init__(self, errors, server=""):
        self.errors = list(errors)
        self.server = server
        super().__init__(SQLEXCEPTION, "\r\n".join(m for dummy, m in self.errors))

    def net_exception(self):
        return SqlExceptionInfo(self.errors, self.server)


def _invalid(message):
    return T.DotNetError("System.InvalidOperationException", message)


# --- the connection string -------------------------------------------------------------------

# Keywords and synonyms (SqlConnection.ConnectionString); the value is the canonical keyword.
KEYWORDS = {}
for _canonical, _synonyms in (
        ("data source", ("server", "address", "addr", "network address")),
        ("initial catalog", ("database",)),
        ("integrated security", ("trusted_connection",)),
        ("connect timeout", ("connection timeout", "timeout")),
        ("application name", ("app",)),
        ("user id", ("uid", "user")),
        ("password", ("pwd",)),
        ("persist security info", ("persistsensitive",)),
        ("encrypt", ()), ("trustservercertificate", ()), ("pooling", ()), ("multipleactiveresultsets", ()),
        ("workstation id", ("wsid",)), ("packet size", ()), ("multisubnetfailover", ()),
        ("applicationintent", ()), ("failover partner", ()),
        ("attachdbfilename", ("extended properties", "initial file name")),
        ("max pool size", ()), ("min pool size", ()), ("connection lifetime", ("load balance timeout",)),
        ("current language", ("language",)), ("network library", ("net", "network")), ("enlist", ()),
        ("asynchronous processing", ("async",)), ("replication", ()), ("transaction binding", ()),
        ("type system version", ()), ("user instance", ()), ("context connection", ()),
        ("connectretrycount", ()), ("connectretryinterval", ())):
    KEYWORDS[_canonical] = _canonical
    for _synonym in _synonyms:
        KEYWORDS[_synonym] = _canonical
BOOLEAN_KEYS = ("integrated security", "encrypt", "trustservercertificate", "pooling", "multipleactiveresultsets",
                "persist security info", "multisubnetfailover", "enlist")


def parse_connection_string(text):
    """{canonical keyword: value}; ArgumentException as SqlConnectionStringBuilder raises it:
    "Keyword not supported: 'x'." for an unknown keyword, "Invalid value for key 'x'." for a bad value."""
    pairs = {}
    for part in str(text or "").split(";"):
        if not part.strip():
            continue
        key, sep, value = part.partition("=")
        key = " ".join(key.strip().lower().split())
        if not sep or not key:
            raise T.DotNetError("System.ArgumentException", "Format of the initialization string does not conform to "
                                "specification starting at index 0.")
        if key not in KEYWORDS:
            raise T.DotNetError("System.ArgumentException", "Keyword not supported: '%s'." % key)
        canonical = KEYWORDS[key]
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        if canonical in BOOLEAN_KEYS:
            lowered = value.lower()
            if canonical == "integrated security" and lowered == "sspi":
                lowered = "true"
            if lowered not in ("true", "false", "yes", "no"):
                raise T.DotNetError("System.ArgumentException", "Invalid value for key '%s'." % canonical)
            value = lowered in ("true", "yes")
        elif canonical in ("connect timeout", "packet size", "max pool size", "min pool size"):
            try:
                value = int(value)
            except ValueError:
                raise T.DotNetError("System.ArgumentException", "Invalid value for key '%s'." % canonical) from None
            if value < 0:
                raise T.DotNetError("System.ArgumentException", "Invalid value for key '%s'." % canonical)
        pairs[canonical] = value
    return pairs


def split_data_source(source):
    """(server, instance, port) of a Data Source: [tcp:|np:|lpc:]server[\\instance][,port];
    '.', '(local)' and 'localhost' name this computer."""
    text = str(source or "").strip()
    for prefix in ("tcp:", "np:", "lpc:", "admin:"):
        if text.lower().startswith(prefix):
            text = text[len(prefix):]
    text, dummy, port = text.partition(",")
    server, dummy, instance = text.partition("\\")
    return server.strip(), instance.strip(), port.strip()


# --- the objects -----------------------------------------------------------------------------

class SqlDbType(V.NetObject):
    """A System.Data.SqlDbType enum value."""

    TYPE_NAME = "System.Data.SqlDbType"
    NAMES = ("BigInt", "Binary", "Bit", "Char", "DateTime", "Decimal", "Float", "Image", "Int", "Money", "NChar",
             "NText", "NVarChar", "Real", "UniqueIdentifier", "SmallDateTime", "SmallInt", "SmallMoney", "Text",
             "Timestamp", "TinyInt", "VarBinary", "VarChar", "Variant", "Xml", "Udt", "Structured", "Date", "Time",
             "DateTime2", "DateTimeOffset")

    def __init__(self, name):
        self.name = name

    def ToString(self):
        return self.name

    def __eq__(self, other):
        return isinstance(other, SqlDbType) and other.name == self.name

    __hash__ = V.NetObject.__hash__


def _infer_type(value):
    """SqlParameter's type inferred from the .NET type of its value (AddWithValue)."""
    if value is None or isinstance(value, DBNull):
        return "NVarChar"
    if isinstance(value, bool):
        return "Bit"
    if isinstance(value, V.Long):
        return "BigInt"
    if isinstance(value, int):
        return "Int" if -2**31 <= value < 2**31 else "BigInt"
    if isinstance(value, float):
        return "Float"
    if isinstance(value, str):
        return "NVarChar"
    if isinstance(value, datetime.datetime):
        return "DateTime"
    if isinstance(value, uuid.UUID):
        return "UniqueIdentifier"
    if isinstance(value, (bytes, bytearray)):
        return "VarBinary"
    # Anything else has no SQL type: object[] (a PowerShell array), Hashtable, PSObject, a switch.
    raise T.DotNetError("System.ArgumentException", "No mapping exists from object type %s to a known managed "
                        "provider native type." % V.type_name(value))


class SqlParameter(V.NetObject):
    TYPE_NAME = "System.Data.SqlClient.SqlParameter"

    def __init__(self, name=None, value=None, db_type=None, size=0):
        self.ParameterName = V.to_string(name) if name is not None else ""
        self.Value = value
        self.SqlDbType = db_type
        self.Size = size
        self.Direction = "Input"
        self.IsNullable = False

    def ToString(self):
        return self.ParameterName

    def sql_value(self):
        """The value SQL Server receives (None for NULL); raises what SqlClient raises."""
        value = self.Value
        if value is None:
            return _NOT_SUPPLIED
        if isinstance(value, DBNull):
            return None
        kind = self.SqlDbType.name if isinstance(self.SqlDbType, SqlDbType) else _infer_type(value)
        if kind in ("Int", "BigInt", "SmallInt", "TinyInt", "Bit"):
            try:
                number = V.to_integer(value, "System.Int64")
            except Exception:  # pylint: disable=broad-except
                raise T.DotNetError("System.InvalidCastException", "Failed to convert parameter value from a %s to a "
                                    "%s." % (V.type_name(value).rsplit(".", 1)[-1],
                                             {"Int": "Int32", "BigInt": "Int64", "SmallInt": "Int16",
                                              "TinyInt": "Byte", "Bit": "Boolean"}[kind])) from None
            return int(number)
        if kind in ("NVarChar", "VarChar", "NChar", "Char", "NText", "Text", "Xml"):
            if isinstance(value, (list, tuple, V.Hashtable, V.PSObject)):
                _infer_type(value)
            text = V.to_string(value)
            return text[:self.Size] if self.Size and self.Size > 0 else text  # input truncated to Size
        return value


_NOT_SUPPLIED = object()


class SqlParameterCollection(V.NetObject):
    TYPE_NAME = "System.Data.SqlClient.SqlParameterCollection"

    def __init__(self):
        self.items = []

    @property
    def Count(self):
        return len(self.items)

    def _append(self, parameter):
        name = parameter.ParameterName.lower()
        if any(p.ParameterName.lower() == name for p in self.items):
            raise T.DotNetError("System.ArgumentException", "The SqlParameter with ParameterName '%s' is already "
                                "contained by another SqlParameterCollection." % parameter.ParameterName)
        self.items.append(parameter)
        return parameter

    def AddWithValue(self, name, value):
        return self._append(SqlParameter(name, value))

    def Add(self, first, second=None, size=None):
        if second is None and isinstance(first, SqlParameter):
            return self._append(first)
        if isinstance(second, SqlDbType):
            return self._append(SqlParameter(first, None, second, V.to_integer(size) if size is not None else 0))
        if second is None:
            raise T.DotNetError("System.InvalidCastException", "The SqlParameterCollection only accepts non-null "
                                "SqlParameter type objects, not %s objects." % V.type_name(first))
        return self._append(SqlParameter(first, second))  # Add(String, Object): obsolete, still there

    def Clear(self):
        self.items = []

    def Contains(self, name):
        return any(p.ParameterName.lower() == V.to_string(name).lower() for p in self.items)

    def ps_index(self, index):
        if isinstance(index, str):
            return next((p for p in self.items if p.ParameterName.lower() == index.lower()), None)
        return self.items[V.to_integer(index)]


class DataRowCollection(list):
    """DataTable.Rows: indexable, Count, enumerated by the pipeline and foreach."""

    type_name = "System.Data.DataRowCollection"


class DataColumn(V.NetObject):
    TYPE_NAME = "System.Data.DataColumn"

    def __init__(self, name, ordinal):
        self.ColumnName = name
        self.Ordinal = ordinal

    def ToString(self):
        return self.ColumnName


class DataRow(V.PSObject):
    """A DataRow as PowerShell shows it: its columns are properties; a NULL is DBNull.Value."""

    type_name = "System.Data.DataRow"

    def __init__(self, table, values):
        super().__init__(values)
        self.table = table

    def ToString(self):
        return "System.Data.DataRow"

    def ps_index(self, index):
        if isinstance(index, str):
            return self.props[index] if index in self.props else _no_column(index)
        return list(self.props.values())[V.to_integer(index)]


def _no_column(name):
    raise T.DotNetError("System.ArgumentException", "Column '%s' does not belong to table ." % name)


class DataTable(V.NetObject):
    """System.Data.DataTable: Load(reader), Rows, Columns. Written to the pipeline it is its rows."""

    TYPE_NAME = "System.Data.DataTable"

    def __init__(self, name=""):
        self.TableName = V.to_string(name)
        self.Rows = DataRowCollection()
        self.Columns = []

    def Load(self, reader):
        if reader is None:
            raise T.DotNetError("System.ArgumentNullException", "Value cannot be null.\r\nParameter name: reader")
        if not isinstance(reader, SqlDataReader):
            # PowerShell cannot convert the argument to the parameter's type (IDataReader): MethodException.
            raise runtime_error('Cannot convert argument "reader", with value: "%s", for "Load" to type '
                                '"System.Data.IDataReader": "Cannot convert the "%s" value of type "%s" to type '
                                '"System.Data.IDataReader"."' % (V.to_string(reader), V.to_string(reader),
                                                                 V.type_name(reader)),
                                "System.Management.Automation.MethodException", "MethodArgumentConversionInvalidCastArgument")
        if reader.IsClosed:
            raise _invalid("Invalid attempt to call FieldCount when reader is closed.")
        result = reader.take_result()
        if result is not None:
            names = list(getattr(result, "columns", ()) or (result[0].keys() if result else []))
            for name in names:
                if not any(c.ColumnName.lower() == name.lower() for c in self.Columns):
                    self.Columns.append(DataColumn(name, len(self.Columns)))
            for row in result:
                self.Rows.append(DataRow(self, [(name, _cell(row.get(name))) for name in names]))
        return None

    def ps_enumerate(self):
        return list(self.Rows)


class SqlDataReader(V.NetObject):
    """SqlDataReader over the result sets of one batch: Read(), the current row's fields,
    NextResult(), Close()."""

    TYPE_NAME = "System.Data.SqlClient.SqlDataReader"

    def __init__(self, sets):
        self.sets = list(sets)
        self.row = -1
        self.IsClosed = False

    def _current(self):
        return self.sets[0] if self.sets else None

    def take_result(self):
        """What DataTable.Load consumes: the current result set; the reader moves to the next."""
        current = self.sets.pop(0) if self.sets else None
        self.row = -1
        if not self.sets:
            self.IsClosed = True
        return current

    def _check(self):
        if self.IsClosed:
            raise _invalid("Invalid attempt to call Read when reader is closed.")

    @property
    def HasRows(self):
        return bool(self._current())

    @property
    def FieldCount(self):
        self._check()
        current = self._current()
        return len(getattr(current, "columns", ()) or (current[0] if current else {})) if current is not None else 0

    def Read(self):
        self._check()
        current = self._current()
        if current is None or self.row + 1 >= len(current):
            self.row = len(current) if current is not None else 0
            return False
        self.row += 1
        return True

    def NextResult(self):
        self._check()
        if self.sets:
            self.sets.pop(0)
        self.row = -1
        return bool(self.sets)

    def _values(self):
        current = self._current()
        if current is None or not 0 <= self.row < len(current):
            raise _invalid("Invalid attempt to read when no data is present.")
        return list(current[self.row].items())

    def _field(self, ordinal):
        values = self._values()
        index = V.to_integer(ordinal)
        if not 0 <= index < len(values):
            raise T.DotNetError("System.IndexOutOfRangeException", "Index was outside the bounds of the array.")
        return values[index][1]

    def GetValue(self, ordinal):
        return _cell(self._field(ordinal))

    def IsDBNull(self, ordinal):
        return self._field(ordinal) is None

    def GetString(self, ordinal):
        value = self._field(ordinal)
        if value is None:
            raise T.DotNetError("System.Data.SqlTypes.SqlNullValueException",
                                "Data is Null. This method or property cannot be called on Null values.")
        if not isinstance(value, str):
            raise T.DotNetError("System.InvalidCastException", "Unable to cast object of type '%s' to type "
                                "'System.String'." % V.type_name(value))
        return value

    def GetInt32(self, ordinal):
        value = self._field(ordinal)
        if value is None:
            raise T.DotNetError("System.Data.SqlTypes.SqlNullValueException",
                                "Data is Null. This method or property cannot be called on Null values.")
        if not isinstance(value, int) or isinstance(value, bool):
            raise T.DotNetError("System.InvalidCastException", "Specified cast is not valid.")
        return value

    def GetName(self, ordinal):
        return self._values()[V.to_integer(ordinal)][0]

    def GetOrdinal(self, name):
        for index, (column, dummy) in enumerate(self._values()):
            if column.lower() == V.to_string(name).lower():
                return index
        raise T.DotNetError("System.IndexOutOfRangeException", V.to_string(name))

    def ps_index(self, index):
        if isinstance(index, str):
            return _cell(self._field(self.GetOrdinal(index)))
        return _cell(self._field(index))

    def Close(self):
        self.IsClosed = True
        self.sets = []

    def Dispose(self):
        self.Close()


def _at(name):
    """A parameter's name as SQL Server sees it (SqlClient adds the '@' a name lacks)."""
    return name if name.startswith("@") else "@" + name


class SqlCommand(V.NetObject):
    TYPE_NAME = "System.Data.SqlClient.SqlCommand"

    def __init__(self, text=None, connection=None):
        self.CommandText = V.to_string(text) if text is not None else ""
        self.Connection = connection
        self.CommandTimeout = 30
        self.CommandType = "Text"
        self.Parameters = SqlParameterCollection()

    def set_member(self, name, value):
        if name == "CommandTimeout":
            seconds = V.to_integer(value)
            if seconds < 0:
                raise T.DotNetError("System.ArgumentException", "Invalid CommandTimeout value %d; the value must be "
                                    ">= 0." % seconds)
            value = seconds
        elif name == "CommandText":
            value = V.to_string(value)
        elif name == "Parameters":
            raise T.DotNetError("System.Management.Automation.SetValueException",
                                "'Parameters' is a ReadOnly property.")
        setattr(self, name, value)

    def _run(self, method):
        connection = self.Connection
        if connection is None:
            raise _invalid("%s: Connection property has not been initialized." % method)
        if not isinstance(connection, SqlConnection) or connection.sql is None or connection.sql.broken:
            # Closed, disposed, or broken under a statement (SqlClient closes a broken connection).
            raise _invalid("%s requires an open and available Connection. The connection's current state is closed."
                           % method)
        if not self.CommandText:
            raise _invalid("%s: CommandText property has not been initialized" % method)
        connection.session.connector.fault("SqlCommand." + method, {"CommandText": self.CommandText},
                                           connection.server_label)
        values = {}
        for parameter in self.Parameters.items:
            value = parameter.sql_value()
            name = _at(parameter.ParameterName)
            if value is _NOT_SUPPLIED:
                declared = ", ".join("%s nvarchar(4000)" % _at(p.ParameterName) for p in self.Parameters.items)
                raise SqlFailure([(8178, "The parameterized query '(%s)%s' expects the parameter '%s', which was not "
                                         "supplied." % (declared, self.CommandText[:60], name))], connection.server_label)
            values[name] = value
        return connection.run(self.CommandText, values)

    def ExecuteReader(self, behavior=None):
        return SqlDataReader(self._run("ExecuteReader"))

    def ExecuteNonQuery(self):
        self._run("ExecuteNonQuery")
        return -1  # rows affected: the statements the payloads send are not INSERT/UPDATE/DELETE

    def ExecuteScalar(self):
        sets = self._run("ExecuteScalar")
        if not sets or not sets[0]:
            return None
        return _cell(next(iter(sets[0][0].values())))

    def Dispose(self):
        return None


class SqlConnection(V.NetObject):
    """One SqlConnection on the lab host the payload runs on."""

    TYPE_NAME = "System.Data.SqlClient.SqlConnection"

    def __init__(self, session, connection_string=""):
        self.session = session
        self.sql = None
        self._pairs = {}
        self._text = ""
        self.set_member("ConnectionString", connection_string)

    # properties
    @property
    def ConnectionString(self):
        return self._text

    @property
    def State(self):
        return "Open" if self.sql is not None and not self.sql.broken else "Closed"

    @property
    def Database(self):
        return self.sql.database if self.sql is not None else self._pairs.get("initial catalog", "")

    @property
    def DataSource(self):
        return self._pairs.get("data source", "")

    @property
    def ConnectionTimeout(self):
        return self._pairs.get("connect timeout", 15)

    @property
    def ServerVersion(self):
        if self.sql is None:
            raise _invalid("Invalid operation. The connection is closed.")
        parts = str(self.sql.instance.get("version", "11.0")).split(".")
        return "%02d.%02d.%04d" % (int(parts[0]), int(parts[1]) if len(parts) > 1 else 0,
                                   int(parts[2]) if len(parts) > 2 else 0)

    @property
    def server_label(self):
        return self._pairs.get("data source", "")

    def set_member(self, name, value):
        if name != "ConnectionString":
            raise T.DotNetError("System.Management.Automation.SetValueException", "'%s' is a ReadOnly property." % name)
        if self.sql is not None:
            raise _invalid("Not allowed to change the 'ConnectionString' property. The connection's current state "
                           "is open.")
        text = V.to_string(value)
        self._pairs = parse_connection_string(text)
        self._text = text

    def Open(self):
        if self.sql is not None:
            raise _invalid("The connection was not closed. The connection's current state is open.")
        self.sql = self.session.connect(self._pairs)

    def Close(self):
        self.sql = None

    def Dispose(self):
        self.sql = None

    def CreateCommand(self):
        return SqlCommand(None, self)

    def ChangeDatabase(self, name):
        if self.sql is None:
            raise _invalid("Invalid operation. The connection is closed.")
        try:
            self.sql.change_database(V.to_string(name))
        except tsql.SqlError as err:
            raise SqlFailure(err.errors, self.server_label) from None

    def run(self, text, values):
        """Run one batch; the result sets. SQL Server's errors come back as a SqlException."""
        try:
            return self.sql.execute_sets(text, values)
        except tsql.SqlError as err:
            raise SqlFailure(err.errors, self.server_label) from None
        except PSError as err:
            # The connection broke under the statement (a lab fault: the shell or the network died).
            if self.sql.broken:
                raise SqlFailure([(10054, err.message)], self.server_label) from None
            raise


class _Io(tsql.Io):
    """Backup files as SQL Server reads and writes them: as its service account, on the network."""

    def __init__(self, ctx, sql, clock):
        self.ctx, self.sql, self.clock = ctx, sql, clock
        record = model.host(ctx.state, sql.server)
        self.account = sqlbak.network_account(record, sql.instance)

    def write(self, name, db, paths, options, partial=False):
        """The backup's stripes; `partial`: only the first half of each (a BACKUP still running, or cut). Every device
        is opened before any is written, and opening one in a folder that does not exist fails with ERROR_PATH_NOT_FOUND
        (3): BACKUP ... TO DISK creates no folder (tsql.Session._backup: Msg 3201, operating system error 3)."""
        for path in paths:
            if not fsops.locate(self.ctx, path, write=True, account=self.account).real.parent.is_dir():
                err = PSError("The system cannot find the path specified.", "ObjectNotFound",
                              "DirectoryNotFoundException", code=3)
                err.path = path
                raise err
        taken = self.clock.now().replace(tzinfo=datetime.timezone.utc).isoformat()
        stripes = sqlbak.encode(name, db, self.sql.server.lower(), self.sql.instance_name, len(paths),
                                bool(options.get("COMPRESSION")), bool(options.get("COPY_ONLY")), taken)
        for path, data in zip(paths, stripes):
            fsops.write_bytes(self.ctx, path, data[:len(data) // 2] if partial else data, account=self.account,
                              actor=self.sql.server)

    def make_dirs(self, path):
        fsops.make_dirs(self.ctx, path, account=self.account)

    def read(self, paths):
        return sqlbak.decode([fsops.read_bytes(self.ctx, path, account=self.account, actor=self.sql.server)
                              for path in paths])


class _Connector:
    """Opens SqlConnections for one lab session."""

    def __init__(self, session):
        self.session = session

    def fault(self, member, params, source):
        """A `fail` fault naming a SqlClient member (command "SqlConnection.Open", "SqlCommand.ExecuteReader",
        ...; `when` on DataSource / Database / CommandText): that call throws a SqlException with the
        fault's message (and `number`, default 50000)."""
        ctx = self.session.ctx
        fault = faults.active(ctx.faults or [], ctx.payload, params, ctx.state, ctx.host, ("fail",), command=member)
        if fault is not None:
            raise SqlFailure([(int(fault.get("number", 50000)),
                               fault.get("message") or "lab fault: %s failed on %s" % (member, ctx.host))], source)

    def connect(self, pairs):
        ctx = self.session.ctx
        engine = self.session.engine
        source = pairs.get("data source", "")
        self.fault("SqlConnection.Open", {"DataSource": source, "Database": pairs.get("initial catalog", "")}, source)
        server, instance, dummy = split_data_source(source)
        timeout = pairs.get("connect timeout", 15)
        if not server:
            raise SqlFailure([(-1, NETWORK_ERROR + "(provider: SQL Network Interfaces, error: 26 - Error Locating "
                                                   "Server/Instance Specified)")], source)
        if server.lower() in (".", "(local)", "localhost", "127.0.0.1"):
            server = ctx.host
        fqdn = model.find_host(ctx.state, server)
        record = ctx.state["hosts"].get(fqdn) if fqdn else None
        found = None
        if record is not None and not (instance and instance.upper() == model.DEFAULT_INSTANCE):
            key = instance.upper() if instance else model.DEFAULT_INSTANCE
            found = next((inst for name, inst in (record.get("sql") or {}).items() if name.upper() == key), None)
        if found is None or found.get("service_state", "running") != "running":
            engine.clock.advance(timeout)  # the client tries until Connect Timeout
            if instance:
                raise SqlFailure([(-1, NETWORK_ERROR + "(provider: SQL Network Interfaces, error: 26 - Error Locating "
                                                       "Server/Instance Specified)")], source)
            raise SqlFailure([(2 if record is not None else 53, NETWORK_ERROR + "(provider: Named Pipes Provider, "
                                                                                "error: 40 - Could not open a "
                                                                                "connection to SQL Server)")], source)
        if not pairs.get("integrated security"):
            # SQL Server authentication: the lab's instances have no SQL logins.
            user = pairs.get("user id", "")
            raise SqlFailure([(18456, "Login failed for user '%s'." % user)], source)
        if not netid.identity_on(ctx, fqdn):
            raise SqlFailure([(18456, "Login failed for user '%s'." % netid.ANONYMOUS)], source)
        database = pairs.get("initial catalog")
        try:
            conn = {"database": database} if database else {}
            if pairs.get("application name"):
                conn["application name"] = pairs["application name"]  # sys.dm_exec_sessions.program_name
            sql = tsql.Session(ctx, fqdn, instance, conn)
        except tsql.SqlError as err:
            raise SqlFailure(err.errors, source) from None
        except PSError as err:
            raise SqlFailure([(-1, err.message)], source) from None
        sql.io = _Io(ctx, sql, engine.clock)
        return sql


def install(session):
    _install_cim(session)
    _install_principals(session)
    connector = _Connector(session)
    session.connect = connector.connect
    session.connector = connector

    def new_connection(engine, *args):
        if len(args) > 1:
            raise T.overload_not_found("SqlConnection", len(args))
        return T.invoke(".ctor", lambda *a: SqlConnection(session, *a), list(args))

    def new_command(engine, *args):
        if len(args) > 2:
            raise T.overload_not_found("SqlCommand", len(args))
        return SqlCommand(*args)

    session.factory("System.Data.SqlClient.SqlConnection", new_connection)
    session.factory("System.Data.SqlClient.SqlCommand", new_command)
    session.factory("System.Data.DataTable", lambda engine, *args: DataTable(*args))
    session.factory("System.Data.SqlClient.SqlParameter", lambda engine, *args: SqlParameter(*args))
    for name in ("System.Data.SqlClient.SqlConnection", "System.Data.SqlClient.SqlCommand",
                 "System.Data.SqlClient.SqlDataReader", "System.Data.SqlClient.SqlParameter", SQLEXCEPTION,
                 "System.Data.DataTable", "System.Data.DataRow"):
        session.net_type(name)
    session.net_type("System.DBNull").prop("Value")(lambda engine: DBNULL)
    db_type = session.net_type("System.Data.SqlDbType")
    for name in SqlDbType.NAMES:
        db_type.prop(name)(lambda engine, name=name: SqlDbType(name))


# --- Get-CimInstance Win32_Service (minimal) ---------------------------------------------------
# lync_sql_backup reads the service account from Win32_Service when sys.dm_server_services cannot
# answer. boundary/windows.py (issue-10-windows) declares Get-CimInstance in full; this minimal one
# is installed only when no area has declared it.
# https://learn.microsoft.com/powershell/module/cimcmdlets/get-ciminstance?view=powershell-5.1
# https://learn.microsoft.com/windows/win32/cimwin32prov/win32-service

class _CimService(V.PSObject):
    type_name = "Microsoft.Management.Infrastructure.CimInstance"

    def ToString(self):
        return "Win32_Service (Name = \"%s\")" % self.props["Name"]


def _install_cim(session):
    if session.engine.commands.get("Get-CimInstance") is not None:
        return
    ctx = session.ctx

    def get_cim_instance(call):
        name = V.to_string(call.args.get("ClassName"))
        if name.lower() != "win32_service" or call.args.get("Filter") is not None:
            call.terminate("lab: Get-CimInstance -ClassName %s is not modelled by the sql area" % name)
        record = ctx.record
        return [_CimService([("Name", svc_name), ("DisplayName", svc.get("display_name", svc_name)),
                             ("State", svc.get("status")), ("StartMode", svc.get("start_mode", "Auto")),
                             ("StartName", winhost.service_start_name(record, svc_name))])
                for svc_name, svc in sorted((record.get("services") or {}).items())]

    session.command(Command("Get-CimInstance", [
        Param("ClassName", "System.String", position=0, mandatory=True, sets=("ClassNameComputerSet",)),
        Param("Filter", "System.String", sets=("ClassNameComputerSet",)),
        Param("Namespace", "System.String"), Param("ComputerName", "System.String[]", aliases=("CN", "ServerName")),
        Param("Property", "System.String[]", aliases=("SelectProperties",))],
        get_cim_instance, default_set="ClassNameComputerSet", module="CimCmdlets"))


# --- System.Security.Principal: NTAccount.Translate (lync_host_probe's computer account) ---------
# https://learn.microsoft.com/dotnet/api/system.security.principal.ntaccount.translate : the name is
# looked up by the computer (LSA, over its secure channel to the domain: no double hop); a name no
# authority knows throws IdentityNotMappedException "Some or all identity references could not be
# translated." The lab's domain accounts are state["ad"]["computers"] and state["ad"]["accounts"] (logon.account_sid).

NetException.HIERARCHY.setdefault("System.Security.Principal.IdentityNotMappedException", ["System.SystemException"])


class SecurityIdentifier(V.NetObject):
    TYPE_NAME = "System.Security.Principal.SecurityIdentifier"
    TYPE_NAMES = (TYPE_NAME, "System.Security.Principal.IdentityReference")

    def __init__(self, value):
        self.Value = value

    def ToString(self):
        return self.Value


class NTAccount(V.NetObject):
    TYPE_NAME = "System.Security.Principal.NTAccount"
    TYPE_NAMES = (TYPE_NAME, "System.Security.Principal.IdentityReference")

    def __init__(self, ctx, *parts):
        self.ctx = ctx
        names = [V.to_string(p) for p in parts]
        if not names or not all(names):
            raise T.DotNetError("System.ArgumentException", "Parameter cannot be an empty string.\r\n"
                                "Parameter name: name")
        self.Value = "\\".join(names)

    def ToString(self):
        return self.Value

    def Translate(self, target):
        wanted = getattr(target, "full_name", None) or getattr(target, "FullName", None) or V.to_string(target)
        if not str(wanted).lower().endswith("securityidentifier"):
            raise T.DotNetError("System.ArgumentException", "Only IdentityReference types are accepted.\r\n"
                                "Parameter name: targetType")
        ctx = self.ctx
        record = ctx.record
        domain, dummy, name = self.Value.rpartition("\\")
        ad = ctx.state.get("ad") or {}
        ad_domain = str(ad.get("domain", ""))
        joined = bool(record.get("domain_joined")) and str(record.get("domain", "")).lower() == ad_domain.lower()
        netbios = ad_domain.split(".", 1)[0].lower()
        if joined and (not domain or domain.lower() in (netbios, ad_domain.lower())) and name.endswith("$"):
            account = (ad.get("computers") or {}).get(name[:-1].upper())
            if account is not None:
                return SecurityIdentifier(account["sid"])
        # A user account of the lab's domain, or a well-known name (lync_job_start's principal); a local `.\\name` or
        # an account the domain does not hold does not map.
        user_sid = logon.account_sid(ctx.state, self.Value, known=True) if not name.endswith("$") else None
        if user_sid and (self.Value.lower() in logon.WELL_KNOWN
                         or (joined and (not domain or domain.lower() in (netbios, ad_domain.lower())))):
            return SecurityIdentifier(user_sid)
        raise T.DotNetError("System.Security.Principal.IdentityNotMappedException",
                            "Some or all identity references could not be translated.")


def _install_principals(session):
    if "system.security.principal.ntaccount" in session.engine.types:
        return
    ctx = session.ctx
    session.net_type("System.Security.Principal.NTAccount")
    session.net_type("System.Security.Principal.SecurityIdentifier")
    session.factory("System.Security.Principal.NTAccount",
                    lambda engine, *args: T.invoke(".ctor", lambda *a: NTAccount(ctx, *a), list(args)))
