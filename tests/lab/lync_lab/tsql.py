"""The lab's SQL Server: runs the T-SQL batches the payloads send, with SQL Server's rules.

The SQL boundary (boundary/sql.py) opens a Session for each SqlConnection a payload opens and
runs each SqlCommand's text with its parameters here: the statements lync.server uses are parsed
and executed against the instance record, so a payload whose T-SQL SQL Server would reject fails
here with SQL Server's error.

Rules (each from Microsoft's T-SQL reference):
* A batch that does not compile does not run at all (Msg 102/156 "Incorrect syntax near ...");
  syntax newer than the instance's version does not compile: ALTER ROLE ... ADD MEMBER is
  SQL Server 2012 and later, https://learn.microsoft.com/sql/t-sql/statements/alter-role-transact-sql
  ("ADD MEMBER ... Applies to SQL Server 2012 (11.x) and later"); sp_addrolemember works on every
  version, https://learn.microsoft.com/sql/relational-databases/system-stored-procedures/sp-addrolemember-transact-sql
* RESTORE over a database another session uses fails with Msg 3101 "Exclusive access could not be
  obtained because the database is in use" unless the same batch took it SINGLE_USER WITH ROLLBACK
  IMMEDIATE or OFFLINE; the connection's own database counts (Msg 3102, "It is recommended that the
  master database be used"), https://learn.microsoft.com/sql/t-sql/statements/restore-statements-transact-sql
  and https://learn.microsoft.com/sql/relational-databases/databases/set-a-database-to-single-user-mode .
  The other sessions are the running Lync services that use the database (Front Ends: the Lync
  databases, Persistent Chat servers: mgc/mgccomp) plus a database record's "sessions".
* RESTORE without REPLACE over an existing database of another name fails with Msg 3154; an
  interrupted RESTORE leaves the database RESTORING (Msg 927 for anything but DROP / RESTORE).
* Permissions (https://learn.microsoft.com/sql/t-sql/statements/backup-transact-sql#permissions,
  .../restore-statements-arguments-transact-sql#permissions, .../restore-statements-verifyonly-transact-sql#security):
  BACKUP DATABASE needs sysadmin, db_owner or db_backupoperator; RESTORE VERIFYONLY / FILELISTONLY
  need CREATE DATABASE (dbcreator, sysadmin); RESTORE DATABASE needs sysadmin or dbcreator (or
  db_owner of an existing database); xp_create_subdir runs for sysadmin only (Msg 229).
  An instance record without "logins" treats every login as sysadmin (SQL setup's
  SQLSYSADMINACCOUNTS); with "logins" {name: {"server_roles", "permissions", "database_roles"}},
  an unknown login fails with Msg 18456.
* IS_SRVROLEMEMBER and HAS_PERMS_BY_NAME (SQL Server 2005 and later, so on 2008 R2) answer from the
  same record, https://learn.microsoft.com/sql/t-sql/functions/has-perms-by-name-transact-sql
* A disk backup device name (BACKUP ... TO DISK, RESTORE ... FROM DISK) longer than 259 characters fails with
  Msg 3057 "Invalid device name. The length of the device name provided exceeds supported limit" and Msg 3013
  (Session._device_names; backupmediafamily.physical_device_name is nvarchar(260)).
* A statement error does not stop the batch (severity 16): the statements after it run, and
  SqlClient raises one SqlException whose message joins every error's text.
* Sessions and KILL: each connection is a session (@@SPID, from 51; login_time; program_name from the connection
  string's Application Name), https://learn.microsoft.com/sql/relational-databases/system-dynamic-management-views/sys-dm-exec-sessions-transact-sql
  and .../sys-dm-exec-requests-transact-sql (another session is seen only with VIEW SERVER STATE). A BACKUP made
  long by the fault `long` (a detached job's work only: its process, lync_lab/taskrun.py, releases the lab lock
  while it runs) is a request of its session in the instance record ("requests"), with the first part of its
  backup file written. Its client process may die (Stop-ScheduledTask): the request goes on, as the server has not
  noticed - the worst case SQL Server allows. KILL <session id> ends it
  (https://learn.microsoft.com/sql/t-sql/language-elements/kill-transact-sql: an int literal; ALTER ANY CONNECTION,
  held by sysadmin and processadmin, else Msg 6102; Msg 6104 for the own session, Msg 6106 for an id no session
  has); the BACKUP then fails in its session with Msg 3204 "The backup or restore was aborted." and Msg 3013
  "BACKUP DATABASE is terminating abnormally."
  (https://learn.microsoft.com/sql/relational-databases/errors-events/database-engine-events-and-errors-3000-to-3999),
  and what it wrote of the file stays.
"""

import datetime

import json
import re

from . import faults as faultlib
from . import model
from .errors import PSError

MASTER = "master"
SYSTEM_DATABASES = ("master", "model", "msdb", "tempdb")
# Which running Lync services hold connections to a database (the lab's "other sessions").
PCHAT_DATABASES = ("mgc", "mgccomp")
# The longest disk backup device name SQL Server takes (Session._device_names).
DEVICE_NAME_MAX = 259
VERSION_NAMES = {10: "SQL Server 2008 R2", 11: "SQL Server 2012", 12: "SQL Server 2014", 13: "SQL Server 2016",
                 14: "SQL Server 2017", 15: "SQL Server 2019", 16: "SQL Server 2022"}


class SqlError(PSError):
    """A SqlException as PowerShell reports it from $command.ExecuteReader()."""

    def __init__(self, errors):
        self.errors = list(errors)  # [(number, text)]
        text = "\r\n".join(t for dummy, t in self.errors)
        super().__init__('Exception calling "ExecuteReader" with "0" argument(s): "%s"' % text, "NotSpecified",
                         "SqlException")

    @property
    def numbers(self):
        return [n for n, dummy in self.errors]


class _Compile(Exception):
    """A batch that does not compile."""

    def __init__(self, number, text):
        super().__init__(text)
        self.number, self.text = number, text


class _Statement(Exception):
    """A statement-terminating error: the batch goes on."""

    def __init__(self, *errors):
        super().__init__(errors[0][1])
        self.errors = list(errors)


class ResultSet(list):
    """The rows of one result set (dicts), with its column names."""

    columns = ()


_NO_COLUMN = object()


# ---------------------------------------------------------------------------------------------
# Tokens and parsing

_TOKEN_RE = re.compile(r"""
    (?P<ws>\s+|--[^\n]*) |
    (?P<str>N?'(?:[^']|'')*') |
    (?P<ident>\[(?:[^\]]|\]\])*\]) |
    (?P<var>@@?[A-Za-z_#][A-Za-z0-9_@$#]*) |
    (?P<num>\d+) |
    (?P<word>[A-Za-z_][A-Za-z0-9_$#]*) |
    (?P<punct>[(),;=+.*<>!]) """, re.X)
STATEMENT_WORDS = {"BEGIN", "END", "ELSE", "IF", "EXEC", "EXECUTE", "SELECT", "SET", "DECLARE", "RESTORE", "BACKUP",
                   "ALTER", "DROP", "CREATE", "DBCC", "USE", "PRINT", "RETURN", "KILL"}


# Variables are identifiers after @: later characters may be letters, digits, @, $, # or _
# ("Database identifiers", https://learn.microsoft.com/sql/relational-databases/databases/database-identifiers),
# so a PowerShell '$x' left unexpanded in T-SQL makes another, undeclared variable (Msg 137).


class Tok:
    def __init__(self, kind, text):
        self.kind, self.text = kind, text
        self.up = text.upper() if kind == "word" else text

    def __repr__(self):
        return self.text


def tokens(text):
    out, pos = [], 0
    while pos < len(text):
        match = _TOKEN_RE.match(text, pos)
        if not match:
            raise _Compile(102, "Incorrect syntax near '%s'." % text[pos:pos + 10].split()[0])
        pos = match.end()
        if match.lastgroup != "ws":
            out.append(Tok(match.lastgroup, match.group()))
    return out


def _split(toks, start, stops):
    """Tokens from start up to (not including) a depth-0 token in stops; returns (list, index)."""
    depth, i = 0, start
    while i < len(toks):
        t = toks[i]
        if t.text == "(":
            depth += 1
        elif t.text == ")":
            depth -= 1
        elif depth == 0 and (t.text == ";" or t.up in stops):
            break
        i += 1
    return toks[start:i], i


def parse(toks, i=0, until=(), major=11):
    """[statement] up to END (when until) or the end; a statement is ("if", cond, body, else) or
    ("block", [..]) or ("simple", tokens)."""
    out = []
    while i < len(toks):
        t = toks[i]
        if t.text == ";":
            i += 1
            continue
        if t.up in until:
            return out, i
        stmt, i = _statement(toks, i, major)
        out.append(stmt)
    if until:
        raise _Compile(102, "Incorrect syntax near '%s'." % (toks[-1].text if toks else ""))
    return out, i


def _statement(toks, i, major=11):
    t = toks[i]
    if t.up == "BEGIN":
        body, i = parse(toks, i + 1, until=("END",), major=major)
        return ("block", body), i + 1
    if t.up == "IF":
        cond, i = _split(toks, i + 1, STATEMENT_WORDS - {"SELECT"})
        if i >= len(toks) or not cond:
            raise _Compile(102, "Incorrect syntax near 'IF'.")
        body, i = _statement(toks, i, major)
        j = i
        while j < len(toks) and toks[j].text == ";":
            j += 1
        other = None
        if j < len(toks) and toks[j].up == "ELSE":
            other, i = _statement(toks, j + 1, major)
        return ("if", cond, body, other), i
    if t.up in ("END", "ELSE"):
        raise _Compile(156, "Incorrect syntax near the keyword '%s'." % t.up)
    simple, i = _split(toks, i + 1, ("END", "ELSE"))
    stmt = [t] + simple
    _check_syntax(stmt, major)
    return ("simple", stmt), i


def _words(stmt):
    return [t.up for t in stmt]


def _check_syntax(stmt, major):
    """Compile-time checks a statement gets before its batch runs (version-gated syntax here)."""
    w = _words(stmt)
    if w[:2] == ["ALTER", "ROLE"] and "ADD" in w and major < 11:
        # ALTER ROLE ... ADD MEMBER: SQL Server 2012 (11.x) and later.
        raise _Compile(156, "Incorrect syntax near the keyword 'ADD'.")
    if w[:2] == ["ALTER", "DATABASE"] and len(stmt) > 2 and stmt[2].kind == "var":
        raise _Compile(102, "Incorrect syntax near '%s'." % stmt[2].text)
    if w[:2] in (["DROP", "DATABASE"], ["CREATE", "USER"], ["USE"]) and len(stmt) > 2 and stmt[2].kind == "var":
        raise _Compile(102, "Incorrect syntax near '%s'." % stmt[2].text)


# ---------------------------------------------------------------------------------------------
# The session


class Io:
    """What the caller lends the SQL engine for backup files (as the SQL Server service account)."""

    def read(self, paths):  # -> backup record (sqlbak.decode)
        raise NotImplementedError

    def write(self, name, db, paths, options):
        raise NotImplementedError

    def make_dirs(self, path):  # xp_create_subdir
        raise PSError("lab: xp_create_subdir has no file system here")


def _unquote(tok):
    if tok.kind == "ident":
        return tok.text[1:-1].replace("]]", "]")
    return tok.text


def _literal(tok):
    text = tok.text[1:] if tok.text.startswith("N") else tok.text
    return text[1:-1].replace("''", "'")


def quotename(value, quote="["):
    if value is None or len(value) > 128:
        return None
    if quote == "'":
        return "'" + value.replace("'", "''") + "'"
    if quote == '"':
        return '"' + value.replace('"', '""') + '"'
    return "[" + value.replace("]", "]]") + "]"


class Session:
    """One SqlConnection to a lab instance."""

    def __init__(self, ctx, server, instance_name, conn=None, io=None, params=None):
        self.ctx = ctx
        self.state = ctx.state
        self.server = model.find_host(ctx.state, server) or server.lower()
        self.instance_name = instance_name
        self.instance = model.sql_instance(ctx.state, server, instance_name)
        self.major = int(str(self.instance.get("version", "11.0")).split(".", 1)[0])
        self.io = io
        self.fault_params = params or {}
        conn = conn or {}
        local = self.server == ctx.host
        self.login = ctx.session_user if local else (ctx.network_user or "NT AUTHORITY\\ANONYMOUS LOGON")
        self.rights = self._login_record()
        default = (self.rights or {}).get("default_database", MASTER)
        self.database = conn.get("database") or conn.get("initial catalog") or default
        if self.database not in SYSTEM_DATABASES and self.database not in self.instance["databases"]:
            raise SqlError([(4060, 'Cannot open database "%s" requested by the login. The login failed.'
                             % self.database), (18456, "Login failed for user '%s'." % self.login)])
        self.exclusive = set()
        self.broken = False
        # The session: its id (user sessions from 51), login time (style 126 text) and program name.
        # SQL Server reuses the ids of ended sessions: the lowest id from 51 that no live request holds (the lab's
        # other sessions end with their call), so a connection that only reads leaves the instance record as it was.
        busy = {int(key) for key in (self.instance.get("requests") or {})}
        self.spid = min(set(range(51, 52 + len(busy))) - busy)
        self.login_time = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]
        self.program_name = conn.get("application name") or ".Net SqlClient Data Provider"

    # -- rights ---------------------------------------------------------------------------------
    def _login_record(self):
        logins = self.instance.get("logins")
        if logins is None:
            return None  # every login is sysadmin
        for name, record in logins.items():
            if name.lower() == self.login.lower():
                return record
        raise SqlError([(18456, "Login failed for user '%s'." % self.login)])

    def server_role(self, role):
        if self.rights is None:
            return True
        roles = {r.lower() for r in self.rights.get("server_roles", [])}
        return role.lower() in roles or "sysadmin" in roles

    def server_perm(self, perm):
        perm = perm.upper()
        if self.server_role("sysadmin"):
            return True
        if perm in ("CREATE ANY DATABASE", "CREATE DATABASE") and self.server_role("dbcreator"):
            return True
        return perm in {p.upper() for p in self.rights.get("permissions", [])} or (
            perm == "CREATE DATABASE" and "CREATE ANY DATABASE" in {p.upper() for p in self.rights.get("permissions", [])})

    def db_role(self, db, *roles):
        if self.server_role("sysadmin"):
            return True
        have = {r.lower() for r in (self.rights.get("database_roles", {}).get(db) or [])}
        return bool(have & {r.lower() for r in roles})

    # -- the database records ---------------------------------------------------------------------
    def db(self, name):
        return self.instance["databases"].get(name)

    def system_db(self, name):
        """master, model and msdb as BACKUP and HAS_PERMS_BY_NAME see them: every instance has them (their files
        in the instance's DATA folder, as setup puts them: master.mdf/mastlog.ldf, model.mdf/modellog.ldf,
        MSDBData.mdf/MSDBLog.ldf; model's recovery model FULL, the others SIMPLE), empty in the lab. tempdb
        cannot be backed up (Msg 3147), https://learn.microsoft.com/sql/relational-databases/databases/system-databases
        and https://learn.microsoft.com/sql/relational-databases/backup-restore/back-up-and-restore-of-system-databases-sql-server ."""
        files = {"master": ("master.mdf", "mastlog.ldf"), "model": ("model.mdf", "modellog.ldf"),
                 "msdb": ("MSDBData.mdf", "MSDBLog.ldf")}.get(str(name).lower())
        if files is None:
            return None
        data_dir = self.instance.get("data_dir") or ""
        return {"recovery_model": "FULL" if str(name).lower() == "model" else "SIMPLE",
                "data_file": "%s\\%s" % (data_dir, files[0]), "log_file": "%s\\%s" % (data_dir, files[1]),
                "content": {}, "users": [], "system": True}

    def any_db(self, name):
        """A user database's record, or a system database's (system_db)."""
        return self.db(name) or self.system_db(name)

    def lync_sessions(self, name):
        """The running Lync services that connect to database `name` (Front Ends, Persistent Chat)."""
        count = 0
        if not name.startswith("lync_restore_test_") and name not in SYSTEM_DATABASES:
            service = "RTCCHAT" if name in PCHAT_DATABASES else "RTCSRV"
            for host in self.state.get("hosts", {}).values():
                if host.get("services", {}).get(service, {}).get("status") == "Running":
                    count += 1
        return count

    def other_sessions(self, name):
        """Sessions other than this one in database `name`: running Lync services that use it.

        An OFFLINE database accepts no connection. SINGLE_USER taken from a master connection
        leaves its one slot free ("a different user, but only one, can connect",
        https://learn.microsoft.com/sql/relational-databases/databases/set-a-database-to-single-user-mode):
        a Lync service that reconnects takes it before this connection's next statement, so only
        the OFFLINE this batch took gives the RESTORE exclusive access."""
        record = self.db(name) or {}
        if record.get("state") == "OFFLINE":
            return 0
        if name in self.exclusive:
            return 1 if record.get("user_access") == "SINGLE_USER" and self.lync_sessions(name) else 0
        return int(record.get("sessions", 0)) + self.lync_sessions(name)

    # -- running ------------------------------------------------------------------------------------
    def execute(self, text, params=None):
        """Run one batch (the command text and its SqlParameters); the last SELECT's rows."""
        sets = self.execute_sets(text, params)
        return sets[-1] if sets else []

    def execute_sets(self, text, params=None):
        """Run one batch; every result set it returns, in order (a list of rows, each a dict)."""
        if self.broken:
            raise PSError('Exception calling "ExecuteReader" with "0" argument(s): "ExecuteReader requires an open '
                          'and available Connection. The connection\'s current state is closed."')
        scope = {k if k.startswith("@") else "@" + k: v for k, v in (params or {}).items()}
        self.exclusive = set()
        errors, rows = [], []
        try:
            self._run_batch(text, scope, errors, rows)
        finally:
            self.exclusive = set()
        if errors:
            raise SqlError(errors)
        return rows

    def _run_batch(self, text, scope, errors, rows):
        try:
            stmts, dummy = parse(tokens(text), major=self.major)
        except _Compile as err:
            errors.append((err.number, err.text))
            return
        for stmt in stmts:
            self._run(stmt, scope, errors, rows)

    def _run(self, stmt, scope, errors, rows):
        kind = stmt[0]
        if kind == "block":
            for inner in stmt[1]:
                self._run(inner, scope, errors, rows)
            return
        try:
            if kind == "if":
                if self._condition(stmt[1], scope):
                    self._run(stmt[2], scope, errors, rows)
                elif stmt[3] is not None:
                    self._run(stmt[3], scope, errors, rows)
                return
            self._simple(stmt[1], scope, errors, rows)
        except _Statement as err:
            errors.extend(err.errors)

    # expressions
    def _expr(self, toks, scope):
        """string/int/None of `term (+ term)*`."""
        parts, depth, start = [], 0, 0
        for i, t in enumerate(toks):
            if t.text == "(":
                depth += 1
            elif t.text == ")":
                depth -= 1
            elif t.text == "+" and depth == 0:
                parts.append(toks[start:i])
                start = i + 1
        parts.append(toks[start:])
        values = [self._term(p, scope) for p in parts]
        if len(values) == 1:
            return values[0]
        if any(v is None for v in values):
            return None
        return "".join(str(v) for v in values)

    def _args(self, toks, scope):
        inner = toks[2:-1]
        if not inner:
            return []
        args, depth, start = [], 0, 0
        for i, t in enumerate(inner):
            if t.text == "(":
                depth += 1
            elif t.text == ")":
                depth -= 1
            elif t.text == "," and depth == 0:
                args.append(inner[start:i])
                start = i + 1
        args.append(inner[start:])
        return [self._expr(a, scope) for a in args]

    def _var(self, tok, scope):
        key = next((k for k in scope if k.lower() == tok.text.lower()), None)
        if key is None:
            raise _Statement((137, 'Must declare the scalar variable "%s".' % tok.text))
        return scope[key]

    def _term(self, toks, scope):
        if len(toks) == 1:
            t = toks[0]
            if t.kind == "str":
                return _literal(t)
            if t.kind == "num":
                return int(t.text)
            if t.kind == "var" and t.text.upper() == "@@SPID":
                return self.spid
            if t.kind == "var":
                return self._var(t, scope)
            if t.up == "NULL":
                return None
        if len(toks) >= 3 and toks[0].up == "CAST" and toks[1].text == "(" and toks[-1].text == ")":
            return self._cast(toks[2:-1], scope)
        if len(toks) >= 3 and toks[0].up == "CONVERT" and toks[1].text == "(" and toks[-1].text == ")":
            return self._convert(toks[2:-1], scope)
        if len(toks) >= 3 and toks[0].kind == "word" and toks[1].text == "(" and toks[-1].text == ")":
            name, args = toks[0].up, self._args(toks, scope)
            return self._function(name, args)
        if len(toks) >= 3 and toks[0].text == "(" and toks[-1].text == ")" and toks[1].up == "SELECT":
            # A scalar subquery: the first column of its one row, NULL without a row.
            found = self._query(toks[1:-1], scope)
            return next(iter(found[0].values())) if found else None
        if len(toks) >= 3 and toks[0].text == "(" and toks[-1].text == ")":
            return self._expr(toks[1:-1], scope)
        if toks and toks[0].kind in ("word", "ident") and "#rows" in scope:
            column = self._column(toks, scope["#rows"])
            if column is not _NO_COLUMN:
                return column
            if len(toks) in (1, 3) and toks[-1].kind in ("word", "ident"):
                raise _Statement((207, "Invalid column name '%s'." % _unquote(toks[-1])))
        raise _Statement((102, "Incorrect syntax near '%s'." % " ".join(t.text for t in toks)[:40]))

    def _cast(self, toks, scope):
        """CAST(expression AS type): int types and (n)(var)char, https://learn.microsoft.com/sql/t-sql/functions/cast-and-convert-transact-sql"""
        depth, at = 0, None
        for i, t in enumerate(toks):
            depth += 1 if t.text == "(" else -1 if t.text == ")" else 0
            if depth == 0 and t.up == "AS":
                at = i
        if at is None or at + 1 >= len(toks):
            raise _Statement((102, "Incorrect syntax near ')'."))
        value, target = self._expr(toks[:at], scope), toks[at + 1].up
        if value is None:
            return None
        if target in ("INT", "BIGINT", "SMALLINT", "TINYINT", "BIT"):
            try:
                return int(value)
            except (TypeError, ValueError):
                raise _Statement((245, "Conversion failed when converting the nvarchar value '%s' to data type int."
                                  % value)) from None
        if target in ("NVARCHAR", "VARCHAR", "NCHAR", "CHAR", "SYSNAME"):
            return str(value)
        raise PSError("lab: CAST AS %s is not modelled" % target)

    def _convert(self, toks, scope):
        """CONVERT(type, expression [, style]) to (n)(var)char: the lab keeps times as style 126 text (ISO 8601,
        yyyy-mm-ddThh:mi:ss.mmm), https://learn.microsoft.com/sql/t-sql/functions/cast-and-convert-transact-sql"""
        depth, cuts = 0, []
        for i, t in enumerate(toks):
            depth += 1 if t.text == "(" else -1 if t.text == ")" else 0
            if depth == 0 and t.text == ",":
                cuts.append(i)
        if not cuts or toks[0].up not in ("NVARCHAR", "VARCHAR", "NCHAR", "CHAR"):
            raise PSError("lab: CONVERT(%s ...) is not modelled" % (toks[0].text if toks else ""))
        end = cuts[1] if len(cuts) > 1 else len(toks)
        style = self._expr(toks[cuts[1] + 1:], scope) if len(cuts) > 1 else None
        value = self._expr(toks[cuts[0] + 1:end], scope)
        if style not in (None, 126):
            raise PSError("lab: CONVERT style %s is not modelled" % style)
        return None if value is None else str(value)

    def _kill(self, stmt):
        """KILL <session id>: an int literal (kill-transact-sql)."""
        if len(stmt) != 2 or stmt[1].kind != "num":
            raise _Statement((102, "Incorrect syntax near '%s'." % (stmt[1].text if len(stmt) > 1 else "KILL")))
        spid = int(stmt[1].text)
        if not (self.server_role("processadmin") or self.server_perm("ALTER ANY CONNECTION")):
            raise _Statement((6102, "User does not have permission to use the KILL statement."))
        if spid == self.spid:
            raise _Statement((6104, "Cannot use KILL to kill your own process."))
        requests = self.instance.get("requests") or {}
        if str(spid) not in requests:
            raise _Statement((6106, "Process ID %d is not an active process ID." % spid))
        # The server aborts the session's request: its BACKUP (if its process still waits on it) fails 3204/3013.
        del requests[str(spid)]
        self.instance.setdefault("killed_sessions", []).append(spid)

    def _long_backup(self, name, record, paths, options, seconds):
        """A BACKUP that lasts `seconds` (fault `long`): a request of this session, the first part of each stripe
        written, the lab lock released meanwhile (ctx.pause, lync_lab/taskrun.py). KILLed: Msg 3204, 3013."""
        key = str(self.spid)
        self.instance.setdefault("requests", {})[key] = {
            "session_id": self.spid, "command": "BACKUP DATABASE", "database": name, "login_time": self.login_time,
            "program_name": self.program_name, "login_name": self.login, "files": list(paths)}
        self.io.write(name, record, paths, options, partial=True)
        server, instance_name = self.server, self.instance_name

        def killed(state):
            return key not in (model.sql_instance(state, server, instance_name).get("requests") or {})
        if self.ctx.pause(seconds, killed):
            raise _Statement((3204, "The backup or restore was aborted."),
                             (3013, "BACKUP DATABASE is terminating abnormally."))
        (self.instance.get("requests") or {}).pop(key, None)

    def _serverproperty(self, name):
        """SERVERPROPERTY, https://learn.microsoft.com/sql/t-sql/functions/serverproperty-transact-sql :
        EngineEdition 2 Standard, 3 Enterprise (and Developer, Evaluation), 4 Express."""
        edition = str(self.instance.get("edition", "Standard Edition"))
        name = str(name).lower()
        if name == "edition":
            return edition
        if name == "engineedition":
            return 4 if edition.startswith("Express") else 3 if edition.startswith(("Enterprise", "Developer", "Evaluation")) \
                else 2
        if name == "productversion":
            return str(self.instance.get("version", "11.0"))
        if name == "instancename":
            return self.instance_name.upper() if self.instance_name else None
        if name == "machinename":
            return str(self.state["hosts"].get(self.server, {}).get("hostname", self.server)).upper()
        if name == "servername":
            machine = self._serverproperty("MachineName")
            return machine + ("\\" + self.instance_name.upper() if self.instance_name else "")
        if name == "isclustered":
            return 0
        return None

    def _function(self, name, args):
        if name == "SERVERPROPERTY":
            return self._serverproperty(args[0])
        if name == "DB_NAME":
            return next((n for n in self._database_names() if self._function("DB_ID", [n]) == args[0]), None) \
                if args else self.database
        if name == "QUOTENAME":
            return quotename(args[0], args[1] if len(args) > 1 else "[")
        if name == "DB_ID":
            # master 1, tempdb 2, model 3, msdb 4 (sys.databases); user databases from 5.
            if not args:
                args = [self.database]
            key = str(args[0]).lower() if args[0] is not None else None
            names = self._database_names()
            return next((i + 1 for i, n in enumerate(names) if n.lower() == key), None)
        if name in ("USER_ID", "DATABASE_PRINCIPAL_ID"):
            # A system database (master, ...) has neither the Lync users nor ServerRole.
            record = self.db(self.database) or {"users": [], "roles": []}
            return self._principal_id(record, args[0], roles=name == "DATABASE_PRINCIPAL_ID")
        if name == "SUSER_SID":
            return sid_of(args[0])
        if name == "DATABASEPROPERTYEX":
            record = self.db(args[0])
            if args[0] in SYSTEM_DATABASES:
                return "ONLINE" if str(args[1]).lower() == "status" else None
            if record is None or str(args[1]).lower() != "status":
                return None
            return record.get("state", "ONLINE")
        if name == "SUSER_SNAME":
            return self.login
        if name == "IS_SRVROLEMEMBER":
            return 1 if self.server_role(args[0]) else 0
        if name == "HAS_PERMS_BY_NAME":
            securable, klass, perm = (args + [None, None, None])[:3]
            if securable is None and klass is None:
                return 1 if self.server_perm(perm) else 0
            if (klass or "").upper() == "DATABASE" and str(securable).lower() == MASTER \
                    and (perm or "").upper() == "CREATE DATABASE":
                # CREATE DATABASE in master, implied by CREATE ANY DATABASE and dbcreator
                # (https://learn.microsoft.com/sql/t-sql/statements/grant-database-permissions-transact-sql)
                return 1 if self.server_perm("CREATE DATABASE") else 0
            if (klass or "").upper() == "DATABASE":
                if self.any_db(securable) is None:
                    return None
                if (perm or "").upper() in ("BACKUP DATABASE", "BACKUP LOG"):
                    return 1 if self.db_role(securable, "db_owner", "db_backupoperator") else 0
                return 1 if self.db_role(securable, "db_owner") else 0
            raise PSError("lab: HAS_PERMS_BY_NAME class %s is not modelled" % klass)
        raise PSError("lab: the T-SQL function %s is not modelled" % name)

    def _condition(self, toks, scope):
        w = _words(toks)
        if w[-3:] == ["IS", "NOT", "NULL"]:
            return self._expr(toks[:-3], scope) is not None
        if w[-2:] == ["IS", "NULL"]:
            return self._expr(toks[:-2], scope) is None
        eq = [i for i, t in enumerate(toks) if t.text == "="]
        if len(eq) == 1:
            left, right = self._expr(toks[:eq[0]], scope), self._expr(toks[eq[0] + 1:], scope)
            return left is not None and right is not None and str(left).lower() == str(right).lower()
        raise PSError("lab: the T-SQL condition %r is not modelled" % " ".join(t.text for t in toks))

    # statements
    def _simple(self, stmt, scope, errors, rows):
        w = _words(stmt)
        if w[0] == "DECLARE":
            name = stmt[1].text
            eq = next((i for i, t in enumerate(stmt) if t.text == "="), None)
            scope[name] = self._expr(stmt[eq + 1:], scope) if eq else None
        elif w[0] == "SET" and len(stmt) > 1 and stmt[1].kind == "var":
            self._var(stmt[1], scope)
            scope[stmt[1].text] = self._expr(stmt[3:], scope)
        elif w[0] == "SELECT" and "FROM" in w:
            rows.append(self._select_from(stmt, scope))
        elif w[0] == "SELECT":
            rows.append(self._query(stmt, scope))
        elif w[0] in ("EXEC", "EXECUTE"):
            self._exec(stmt[1:], scope, errors, rows)
        elif w[:2] == ["ALTER", "DATABASE"]:
            self._alter_database(stmt)
        elif w[:2] == ["ALTER", "ROLE"]:
            self._add_member(_unquote(stmt[2]), _unquote(stmt[w.index("MEMBER") + 1]))
        elif w[:2] == ["RESTORE", "VERIFYONLY"]:
            self._restore_verify(stmt, scope, "VERIFY DATABASE")
        elif w[:2] == ["RESTORE", "FILELISTONLY"]:
            backup = self._restore_verify(stmt, scope, "RESTORE FILELIST")
            rows.append([{"LogicalName": backup["database"], "PhysicalName": backup.get("data_file") or "x.mdf",
                          "Type": "D", "FileID": 1},
                         {"LogicalName": backup["database"] + "_log",
                          "PhysicalName": backup.get("log_file") or "x_log.ldf", "Type": "L", "FileID": 2}])
        elif w[:2] == ["RESTORE", "DATABASE"]:
            self._restore_database(stmt, scope)
        elif w[:2] == ["BACKUP", "DATABASE"]:
            self._backup(stmt, scope)
        elif w[:2] == ["DBCC", "CHECKDB"]:
            rows.append(self._checkdb(stmt, scope))
        elif w[:2] == ["DROP", "DATABASE"]:
            self._drop(_unquote(stmt[2]))
        elif w[:2] == ["CREATE", "USER"]:
            self._create_user(_unquote(stmt[2]))
        elif w[0] == "USE":
            self._use(_unquote(stmt[1]))
        elif w[0] == "KILL":
            self._kill(stmt)
        else:
            raise PSError("lab: the T-SQL statement %r is not modelled" % " ".join(t.text for t in stmt)[:80])

    def _select(self, toks, scope):
        row, depth, start, items = {}, 0, 0, []
        for i, t in enumerate(toks):
            if t.text == "(":
                depth += 1
            elif t.text == ")":
                depth -= 1
            elif t.text == "," and depth == 0:
                items.append(toks[start:i])
                start = i + 1
            elif depth == 0 and t.up == "FROM":
                raise PSError("lab: SELECT ... FROM is not modelled by the lab's T-SQL engine")
        items.append(toks[start:])
        for n, item in enumerate(items):
            alias = "Column%d" % (n + 1)
            if len(item) >= 3 and item[-2].up == "AS":
                alias, item = _unquote(item[-1]), item[:-2]
            row[alias] = self._expr(item, scope)
        return row

    # -- principals: a database record's "users" (names) and "user_logins" {user: the login/Windows
    # name it was created for, when not its own name}; "roles" (default: ServerRole, the role
    # Install-CsDatabase grants) and "role_members" {role: [user]}; a record without "role_members"
    # has its users in ServerRole, as Install-CsDatabase left them.
    @staticmethod
    def _roles(record):
        return record.get("roles", ["ServerRole"])

    @staticmethod
    def _members(record, role):
        if "role_members" not in record:
            return list(record.get("users", [])) if role == "ServerRole" else []
        return list(record["role_members"].get(role, []))

    def _principal_id(self, record, name, roles=True):
        users = record.get("users", [])
        if name in users:
            return 5 + users.index(name)
        if roles and name in self._roles(record):
            return 16384 + self._roles(record).index(name)
        return None

    def _select_from(self, stmt, scope):
        """A SELECT ... FROM over one catalog view (the views below), as a ResultSet."""
        return self._query(stmt, scope)

    # The catalog views modelled: their rows from the instance record.
    #   sys.databases      https://learn.microsoft.com/sql/relational-databases/system-catalog-views/sys-databases-transact-sql
    #   sys.master_files   https://learn.microsoft.com/sql/relational-databases/system-catalog-views/sys-master-files-transact-sql
    #                      (type 0 ROWS, 1 LOG; file_id 1 the primary data file, 2 the log; size in 8-KB pages)
    #   sys.database_principals (the connection's database; a user's sid is its login's)
    #                      https://learn.microsoft.com/sql/relational-databases/system-catalog-views/sys-database-principals-transact-sql
    #   sys.database_role_members
    #                      https://learn.microsoft.com/sql/relational-databases/system-catalog-views/sys-database-role-members-transact-sql
    #   sys.dm_server_services: SQL Server 2008 R2 SP1 (10.50.2500) and later, VIEW SERVER STATE
    #                      https://learn.microsoft.com/sql/relational-databases/system-dynamic-management-views/sys-dm-server-services-transact-sql
    def _database_names(self):
        return ["master", "tempdb", "model", "msdb"] + sorted(n for n in self.instance["databases"]
                                                              if n.lower() not in SYSTEM_DATABASES)

    def _view(self, name):
        name = name.lower()
        if name == "sys.databases":
            out = []
            for n in self._database_names():
                record = self.db(n) or {}
                state = record.get("state", "ONLINE")
                out.append({"name": n, "database_id": self._function("DB_ID", [n]), "state_desc": state,
                            "state": {"ONLINE": 0, "RESTORING": 1, "OFFLINE": 6}.get(state, 0),
                            "recovery_model_desc": record.get("recovery_model") or "SIMPLE",
                            "user_access_desc": record.get("user_access", "MULTI_USER")})
            return out
        if name == "sys.master_files":
            out = []
            for n in self._database_names():
                record = self.any_db(n)
                if record is None:
                    continue
                db_id = self._function("DB_ID", [n])
                for file_id, kind, key, logical in ((1, 0, "data_file", n), (2, 1, "log_file", n + "_log")):
                    out.append({"database_id": db_id, "file_id": file_id, "type": kind,
                                "type_desc": "ROWS" if kind == 0 else "LOG", "name": logical,
                                "physical_name": record.get(key), "state_desc": "ONLINE",
                                "size": file_pages(record, kind)})
            return out
        if name == "sys.database_principals":
            record = self.db(self.database) or {}
            logins = record.get("user_logins", {})
            return [{"name": u, "principal_id": self._principal_id(record, u), "sid": sid_of(logins.get(u, u)),
                     "type": "G", "type_desc": "WINDOWS_GROUP"} for u in record.get("users", [])]
        if name == "sys.database_role_members":
            record = self.db(self.database) or {}
            return [{"role_principal_id": self._principal_id(record, role),
                     "member_principal_id": self._principal_id(record, member, roles=False)}
                    for role in self._roles(record) for member in self._members(record, role)]
        if name in ("sys.dm_exec_sessions", "sys.dm_exec_requests"):
            own = {"session_id": self.spid, "login_time": self.login_time, "program_name": self.program_name,
                   "login_name": self.login, "status": "running", "command": "SELECT",
                   "database_id": self._function("DB_ID", [self.database])}
            others = [] if not self.server_perm("VIEW SERVER STATE") else [
                {"session_id": r["session_id"], "login_time": r["login_time"], "program_name": r["program_name"],
                 "login_name": r["login_name"], "status": "running" if name.endswith("sessions") else "suspended",
                 "command": r["command"], "database_id": self._function("DB_ID", [r["database"]])}
                for r in (self.instance.get("requests") or {}).values()]
            return [own] + others
        if name == "sys.dm_server_services":
            version = tuple(int(p) for p in str(self.instance.get("version", "11.0")).split(".")[:3] if p.isdigit())
            if version < (10, 50, 2500):
                raise _Statement((208, "Invalid object name 'sys.dm_server_services'."))
            if not self.server_perm("VIEW SERVER STATE"):
                raise _Statement((300, "VIEW SERVER STATE permission was denied on object 'server', database 'master'."),
                                 (297, "The user does not have permission to perform this action."))
            label = self.instance_name.upper() if self.instance_name else "MSSQLSERVER"
            return [{"servicename": "SQL Server (%s)" % label, "service_account": self.instance.get("service_account"),
                     "status_desc": "Running", "startup_type_desc": "Automatic"},
                    {"servicename": "SQL Server Agent (%s)" % label, "service_account": self.instance.get("agent_account"),
                     "status_desc": "Running", "startup_type_desc": "Automatic"}]
        raise _Statement((208, "Invalid object name '%s'." % name))

    @staticmethod
    def _column(toks, rows):
        """The value of a column reference (name, [name], alias.name) in the rows in scope
        [(alias, row)], innermost first, or _NO_COLUMN."""
        alias = None
        if len(toks) == 3 and toks[1].text == ".":
            alias, toks = _unquote(toks[0]).lower(), toks[2:]
        if len(toks) != 1 or toks[0].kind not in ("word", "ident") or toks[0].up == "NULL":
            return _NO_COLUMN
        key = _unquote(toks[0]).lower()
        for name, row in rows:
            if alias is not None and alias != name:
                continue
            for column, value in row.items():
                if column.lower() == key:
                    return value
        return _NO_COLUMN

    def _query(self, stmt, scope):
        """SELECT [TOP n] items FROM view [[AS] alias] [WHERE predicate] [ORDER BY column [DESC]]."""
        depth, marks = 0, {}
        for i, t in enumerate(stmt):
            depth += 1 if t.text == "(" else -1 if t.text == ")" else 0
            if depth == 0 and t.up in ("FROM", "WHERE", "ORDER") and t.up not in marks:
                marks[t.up] = i
        if "FROM" not in marks:
            out = ResultSet([self._select(stmt[1:], scope)])
            out.columns = list(out[0])
            return out
        f = marks["FROM"]
        items = stmt[1:f]
        top = None
        if items and items[0].up == "TOP":
            top, items = int(items[1].text), items[2:]
        where_at, order_at = marks.get("WHERE"), marks.get("ORDER")
        source_end = min(i for i in (where_at, order_at, len(stmt)) if i is not None)
        source = stmt[f + 1:source_end]
        view = "".join(t.text for t in source[:3])
        rest = [t for t in source[3:] if t.up != "AS"]
        alias = _unquote(rest[0]).lower() if rest else view.lower().rsplit(".", 1)[-1]
        rows = self._view(view)
        where = stmt[where_at + 1:order_at or len(stmt)] if where_at is not None else []
        selected = []
        for row in rows:
            inner = dict(scope)
            inner["#rows"] = [(alias, row)] + list(scope.get("#rows", []))
            if where and not self._predicate(where, inner):
                continue
            selected.append(inner)
        if order_at is not None:
            order = stmt[order_at + 2:]
            desc = bool(order) and order[-1].up == "DESC"
            order = [t for t in order if t.up not in ("ASC", "DESC")]
            selected.sort(key=lambda r: str(self._expr(order, r)).lower(), reverse=desc)
        if top is not None:
            selected = selected[:top]
        out = ResultSet()
        parts, depth, start = [], 0, 0
        for i, t in enumerate(items):
            depth += 1 if t.text == "(" else -1 if t.text == ")" else 0
            if t.text == "," and depth == 0:
                parts.append(items[start:i])
                start = i + 1
        parts.append(items[start:])
        names = []
        for n, item in enumerate(parts):
            name = None
            if len(item) >= 3 and item[-2].up == "AS":
                name, item = _unquote(item[-1]), item[:-2]
            elif len(item) >= 2 and item[-1].kind in ("word", "ident") and item[-2].text not in (".", ")"):
                name, item = _unquote(item[-1]), item[:-1]  # an alias without AS
            elif item and item[-1].kind in ("word", "ident"):
                name = _unquote(item[-1])
            names.append((name or "Column%d" % (n + 1), item))
        out.columns = [n for n, dummy in names]
        for inner in selected:
            out.append({name: self._expr(item, inner) for name, item in names})
        return out

    def _predicate(self, toks, scope):
        """A WHERE clause: comparisons (= <> != < > <= >=, LIKE, IS [NOT] NULL) joined by AND / OR.
        Strings compare case-insensitively (the default collation); NULL compares unknown."""
        for word in ("OR", "AND"):
            depth, start, parts = 0, 0, []
            for i, t in enumerate(toks):
                depth += 1 if t.text == "(" else -1 if t.text == ")" else 0
                if depth == 0 and t.up == word:
                    parts.append(toks[start:i])
                    start = i + 1
            if parts:
                parts.append(toks[start:])
                results = [self._predicate(p, scope) for p in parts]
                return any(results) if word == "OR" else all(results)
        if toks and toks[0].text == "(" and toks[-1].text == ")":
            return self._predicate(toks[1:-1], scope)
        w = _words(toks)
        if w[-3:] == ["IS", "NOT", "NULL"]:
            return self._expr(toks[:-3], scope) is not None
        if w[-2:] == ["IS", "NULL"]:
            return self._expr(toks[:-2], scope) is None
        depth = 0
        for i, t in enumerate(toks):
            depth += 1 if t.text == "(" else -1 if t.text == ")" else 0
            if depth != 0 or (t.kind != "punct" and t.up != "LIKE") or t.text in ("(", ")", ",", ".", "+", "*"):
                continue
            op, j = t.up, i + 1
            if op in ("<", ">", "!") and j < len(toks) and toks[j].text in ("=", ">"):
                op, j = op + toks[j].text, j + 1
            left, right = self._expr(toks[:i], scope), self._expr(toks[j:], scope)
            if left is None or right is None:
                return False
            if op == "LIKE":
                pattern = "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in str(right))
                return re.fullmatch(pattern, str(left), re.I | re.S) is not None
            if isinstance(left, str) or isinstance(right, str):
                left, right = str(left).lower(), str(right).lower()
            return {"=": left == right, "<>": left != right, "!=": left != right, "<": left < right,
                    ">": left > right, "<=": left <= right, ">=": left >= right}[op]
        raise PSError("lab: the T-SQL predicate %r is not modelled" % " ".join(t.text for t in toks))

    def _exec(self, toks, scope, errors, rows):
        if toks and toks[0].text == "(":
            inner = self._expr(toks[1:-1], scope)
            self._run_batch(inner, {}, errors, rows)
            return
        j = 0
        while j < len(toks) and (toks[j].kind in ("word", "ident") or toks[j].text == "."):
            j += 1
        proc = "".join(_unquote(t) for t in toks[:j])
        short = proc.rsplit(".", 1)[-1].lower()
        args = self._proc_args(toks[j:], scope)
        if short == "sp_executesql":
            text = args.get(0, args.get("@stmt"))
            declared = args.get(1, args.get("@params"))
            inner = {}
            if declared:
                names = [d.split()[0] for d in str(declared).split(",")]
                for k, v in args.items():
                    if isinstance(k, str) and k.lower() in {n.lower() for n in names}:
                        inner[k] = v
            self._run_batch(text, inner, errors, rows)
        elif short == "sp_addrolemember":
            role = args.get(0, args.get("@rolename"))
            member = args.get(1, args.get("@membername"))
            self._add_member(role, member)
        elif short == "xp_create_subdir":
            if not self.server_role("sysadmin"):
                raise _Statement((229, "The EXECUTE permission was denied on the object 'xp_create_subdir', "
                                       "database 'mssqlsystemresource', schema 'sys'."))
            # The folder is made by the SQL Server service (its account on the network).
            folder = args.get(0)
            try:
                self.io.make_dirs(folder)
            except PSError as err:
                raise _Statement((22048, "xp_create_subdir() returned error 5, 'Access is denied.' (%s)"
                                  % err.message)) from None
        else:
            raise PSError("lab: the procedure %s is not modelled" % proc)

    def _proc_args(self, toks, scope):
        args, depth, start, parts = {}, 0, 0, []
        for i, t in enumerate(toks):
            if t.text == "(":
                depth += 1
            elif t.text == ")":
                depth -= 1
            elif t.text == "," and depth == 0:
                parts.append(toks[start:i])
                start = i + 1
        if toks[start:]:
            parts.append(toks[start:])
        for n, part in enumerate(parts):
            if len(part) >= 3 and part[0].kind == "var" and part[1].text == "=":
                args[part[0].text.lower()] = self._expr(part[2:], scope)
            else:
                args[n] = self._expr(part, scope)
        return args

    # -- statement rules ----------------------------------------------------------------------------
    def _fault(self, statement):
        fault = faultlib.active(self.ctx.faults, self.ctx.payload, dict(self.fault_params, Statement=statement),
                                self.state, self.ctx.host, ("sql_abort",))
        return fault

    def _alter_database(self, stmt):
        w = _words(stmt)
        name = _unquote(stmt[2])
        record = self.db(name)
        if record is None:
            raise _Statement((5011, "User does not have permission to alter database '%s', the database does not "
                                    "exist, or the database is not in a state that allows access checks." % name),
                             (5069, "ALTER DATABASE statement failed."))
        if not self.server_role("sysadmin") and not self.server_role("dbcreator") and not self.db_role(name, "db_owner"):
            raise _Statement((5011, "User does not have permission to alter database '%s'." % name),
                             (5069, "ALTER DATABASE statement failed."))
        if record.get("state") == "RESTORING":
            raise _Statement((927, "Database '%s' cannot be opened. It is in the middle of a restore." % name),
                             (5069, "ALTER DATABASE statement failed."))
        option = w[w.index("SET") + 1] if "SET" in w else None
        immediate = "ROLLBACK" in w
        if option in ("SINGLE_USER", "OFFLINE"):
            if self.other_sessions(name) and not immediate:
                raise PSError("lab: ALTER DATABASE %s SET %s waits forever for the other sessions in it "
                              "(no WITH ROLLBACK IMMEDIATE)" % (name, option))
            if option == "SINGLE_USER":
                record["user_access"] = "SINGLE_USER"
            if option == "OFFLINE":
                record["state"] = "OFFLINE"
            self.exclusive.add(name)
        elif option == "MULTI_USER":
            if record.get("user_access") == "SINGLE_USER" and self.lync_sessions(name):
                # The one slot is held by a Lync service that reconnected (see other_sessions).
                raise _Statement((5064, "Changes to the state or options of database '%s' cannot be made at this "
                                        "time. The database is in single-user mode, and a user is currently "
                                        "connected to it." % name), (5069, "ALTER DATABASE statement failed."))
            record.pop("user_access", None)  # the default: a record without it is MULTI_USER
        elif option == "ONLINE":
            record["state"] = "ONLINE"
        else:
            raise PSError("lab: ALTER DATABASE ... SET %s is not modelled" % option)

    def _devices(self, stmt, scope, word):
        w = _words(stmt)
        start = w.index(word) + 1
        end = w.index("WITH") if "WITH" in w else len(stmt)
        part, paths = stmt[start:end], []
        i = 0
        while i < len(part):
            if part[i].up in ("DISK",) and i + 2 < len(part) and part[i + 1].text == "=":
                paths.append(self._expr([part[i + 2]], scope))
                i += 3
            elif part[i].text == ",":
                i += 1
            else:
                raise _Compile(102, "Incorrect syntax near '%s'." % part[i].text)
        options = stmt[end + 1:] if end < len(stmt) else []
        return paths, options

    def _options(self, toks, scope):
        opts, depth, start, parts = {}, 0, 0, []
        for i, t in enumerate(toks):
            if t.text == "," and depth == 0:
                parts.append(toks[start:i])
                start = i + 1
        if toks[start:]:
            parts.append(toks[start:])
        moves = []
        for part in parts:
            key = part[0].up
            if key == "MOVE":
                to = next(i for i, t in enumerate(part) if t.up == "TO")
                moves.append((self._expr(part[1:to], scope), self._expr(part[to + 1:], scope)))
            elif len(part) >= 3 and part[1].text == "=":
                opts[key] = self._expr(part[2:], scope)
            else:
                opts[key] = True
        opts["MOVE"] = moves
        return opts

    @staticmethod
    def _device_names(paths, terminating):
        """A disk device name longer than SQL Server takes: Msg 3057, then 3013. The limit is MAX_PATH's 259
        characters of path (backupmediafamily.physical_device_name and sp_addumpdevice's physical name are
        nvarchar(260), "must follow the rules for operating-system file names"); Msg 3057's text is
        "Invalid device name. The length of the device name provided exceeds supported limit (maximum length is:%d).
        Reissue the BACKUP statement with a valid device name."
        (https://learn.microsoft.com/sql/relational-databases/errors-events/database-engine-events-and-errors-3000-to-3999,
        https://learn.microsoft.com/sql/relational-databases/system-tables/backupmediafamily-transact-sql,
        https://learn.microsoft.com/sql/relational-databases/system-stored-procedures/sp-addumpdevice-transact-sql).
        Not documented, so the lab's choice: the number SQL Server prints (259 here), that RESTORE refuses such a
        name the same way, and that the check comes after the permission checks (a refused login never learns of
        the device)."""
        for path in paths:
            if len(str(path)) > DEVICE_NAME_MAX:
                raise _Statement((3057, "Invalid device name. The length of the device name provided exceeds supported "
                                        "limit (maximum length is:%d). Reissue the BACKUP statement with a valid device "
                                        "name." % DEVICE_NAME_MAX), (3013, "%s is terminating abnormally." % terminating))

    def _read(self, paths, terminating):
        self._device_names(paths, terminating)
        try:
            return self.io.read(paths)
        except PSError as err:
            raise _Statement((3241, err.message), (3013, "%s is terminating abnormally." % terminating)) from None

    def _restore_verify(self, stmt, scope, terminating):
        paths, dummy = self._devices(stmt, scope, "FROM")
        if not self.server_perm("CREATE DATABASE"):
            raise _Statement((262, "CREATE DATABASE permission denied in database 'master'."),
                             (3013, "%s is terminating abnormally." % terminating))
        return self._read(paths, terminating)

    def _restore_database(self, stmt, scope):
        name = self._expr([stmt[2]], scope) if stmt[2].kind == "var" else _unquote(stmt[2])
        paths, opt_toks = self._devices(stmt, scope, "FROM")
        options = self._options(opt_toks, scope)
        record = self.db(name)
        term = "RESTORE DATABASE is terminating abnormally."
        if not (self.server_role("dbcreator") or (record is not None and self.db_role(name, "db_owner"))):
            raise _Statement((262, "CREATE DATABASE permission denied in database 'master'."), (3013, term))
        if self.database == name:
            raise _Statement((3102, "RESTORE cannot process database '%s' because it is in use by this session. It "
                                    "is recommended that the master database be used when performing this operation."
                              % name), (3013, term))
        if record is not None and record.get("state") != "RESTORING" and self.other_sessions(name):
            raise _Statement((3101, "Exclusive access could not be obtained because the database is in use."),
                             (3013, term))
        backup = self._read(paths, "RESTORE DATABASE")
        if record is not None and not options.get("REPLACE") and backup["database"] != name:
            raise _Statement((3154, "The backup set holds a backup of a database other than the existing '%s' "
                                    "database." % name), (3013, term))
        new = {"recovery_model": backup.get("recovery_model"), "data_file": backup.get("data_file"),
               "log_file": backup.get("log_file"), "users": list((record or {}).get("users", [])),
               "content": backup.get("content")}
        if record is None or name != backup["database"]:
            new["users"] = list((record or {}).get("users", []))
        for key in ("user_logins", "roles", "role_members"):  # the lab keeps the principals with the users
            if key in (record or {}):
                new[key] = record[key]
        if options["MOVE"]:
            new["data_file"], new["log_file"] = options["MOVE"][0][1], options["MOVE"][-1][1]
        for path in (new["data_file"], new["log_file"]):
            if path and not self._directory_exists(path.rsplit("\\", 1)[0]):
                raise _Statement((5133, 'Directory lookup for the file "%s" failed with the operating system error '
                                        '3(The system cannot find the path specified.).' % path),
                                 (3156, "File '%s' cannot be restored to '%s'. Use WITH MOVE to identify a valid "
                                        "location for the file." % (path.rsplit("\\", 1)[-1], path)),
                                 (3119, "Problems were identified while planning for the RESTORE statement. Previous "
                                        "messages provide details."), (3013, term))
        if self._fault("RESTORE DATABASE"):
            # The shell died / the connection broke: SQL Server aborts the RESTORE and leaves it RESTORING.
            self.instance["databases"][name] = dict(new, state="RESTORING", content=None)
            self.broken = True
            raise PSError("A transport-level error has occurred when receiving results from the server. "
                          "(provider: TCP Provider, error: 0 - An existing connection was forcibly closed by the "
                          "remote host.)")
        for key in ("users",):
            new[key] = new.get(key) or []
        self.instance["databases"][name] = new
        # What msdb.dbo.restorehistory records, one row per restore (lab bookkeeping, see _history).
        # https://learn.microsoft.com/sql/relational-databases/system-tables/restorehistory-transact-sql
        self._history("restorehistory", {"server": self.server, "instance": self.instance_name,
                                         "destination_database_name": name, "user_name": self.login})

    def _history(self, table, row):
        """A row of msdb's history, kept beside the lab's state in sql_history.jsonl (not in the state: a backup
        leaves the servers' state as it was, which tests compare)."""
        lab = getattr(self.ctx, "lab", None)
        if lab is None:
            return
        with open(str(lab.dir / "sql_history.jsonl"), "a", encoding="utf-8") as handle:
            handle.write(json.dumps(dict(row, table=table), sort_keys=True) + "\n")

    def _directory_exists(self, directory):
        """Whether a SQL Server instance folder exists on this server. RESTORE puts each file back at
        the path the backup recorded unless MOVE names another; on a server rebuilt with another
        disk layout or SQL Server version (MSSQL10_50.X vs MSSQL12.X) that folder is missing: Msg 5133
        / 3156 / 3013, https://learn.microsoft.com/sql/relational-databases/backup-restore/restore-a-database-to-a-new-location-sql-server .
        The lab's hosts hold the folders of their own instances (data_dir, backup_dir, the folders of
        their databases' files) and no other "Microsoft SQL Server\\MSSQL*" folder; other folders are
        not modelled (taken to exist)."""
        if "\\microsoft sql server\\mssql" not in directory.lower():
            return True
        known = set()
        for instance in (self.state["hosts"].get(self.server, {}).get("sql") or {}).values():
            for key in ("data_dir", "backup_dir"):
                if instance.get(key):
                    known.add(instance[key].lower())
            for db in instance.get("databases", {}).values():
                for key in ("data_file", "log_file"):
                    if db.get(key):
                        known.add(db[key].rsplit("\\", 1)[0].lower())
        return directory.rstrip("\\").lower() in known

    def _backup(self, stmt, scope):
        name = self._expr([stmt[2]], scope) if stmt[2].kind == "var" else _unquote(stmt[2])
        paths, opt_toks = self._devices(stmt, scope, "TO")
        options = self._options(opt_toks, scope)
        term = "BACKUP DATABASE is terminating abnormally."
        record = self.any_db(name)
        if record is None:
            raise _Statement((911, "Database '%s' does not exist. Make sure that the name is entered correctly."
                              % name), (3013, term))
        if not self.db_role(name, "db_owner", "db_backupoperator"):
            raise _Statement((262, "BACKUP DATABASE permission denied in database '%s'." % name), (3013, term))
        if options.get("COMPRESSION") and self.instance.get("edition", "").startswith("Express"):
            raise _Statement((1844, "BACKUP DATABASE WITH COMPRESSION is not supported on Express Edition."),
                             (3013, term))
        self._device_names(paths, "BACKUP DATABASE")
        long_fault = faultlib.active(self.ctx.faults or [], self.ctx.payload, dict(self.fault_params, Statement="BACKUP DATABASE"),
                                     self.state, self.ctx.host, ("long",)) if getattr(self.ctx, "pause", None) else None
        try:
            if long_fault:
                self._long_backup(name, record, paths, options, float(long_fault.get("seconds", 3600)))
            self.io.write(name, record, paths, options)
            # What msdb.dbo.backupset records, one row per backup taken (lab bookkeeping, see _history): tests count
            # the rows, since a rerun of a detached job must collect the first backup, not take a second one.
            # https://learn.microsoft.com/sql/relational-databases/system-tables/backupset-transact-sql
            self._history("backupset", {"server": self.server, "instance": self.instance_name, "database_name": name,
                                        "physical_device_names": list(paths), "copy_only": bool(options.get("COPY_ONLY")),
                                        "user_name": self.login})
        except PSError as err:
            # A full disk is a write failure (Msg 3202, operating system error 112), not a refused device (Msg 3201):
            # https://learn.microsoft.com/sql/relational-databases/errors-events/database-engine-events-and-errors-3000-to-3999
            # and https://learn.microsoft.com/windows/win32/debug/system-error-codes--0-499- (112 ERROR_DISK_FULL).
            if "not enough space" in str(err.message):
                raise _Statement((3202, 'Write on "%s" failed: 112(There is not enough space on the disk.)' % paths[0]),
                                 (3013, term)) from err
            # Msg 3201 names the device SQL Server could not open and the Win32 error of its CreateFile (System Error
            # Codes, same page): 3 ERROR_PATH_NOT_FOUND (the folder is missing: BACKUP creates no folder), 53
            # ERROR_BAD_NETPATH, 67 ERROR_BAD_NET_NAME (the server or the share is gone), else 5 (access denied).
            code, text = 5, "Access is denied."
            if err.code == 3:
                code, text = 3, "The system cannot find the path specified."
            elif "network path was not found" in str(err.message):
                code, text = 53, "The network path was not found."
            elif "network name cannot be found" in str(err.message):
                code, text = 67, "The network name cannot be found."
            raise _Statement((3201, "Cannot open backup device '%s'. Operating system error %d(%s)."
                              % (getattr(err, "path", None) or paths[0], code, text)), (3013, term)) from err

    def _checkdb(self, stmt, scope):
        name = self._expr(stmt[3:4], scope) if stmt[3].kind == "var" else _unquote(stmt[3])
        record = self.db(name)
        if record is None:
            raise _Statement((2520, "Could not find database '%s'." % name))
        if record.get("state") == "RESTORING":
            raise _Statement((927, "Database '%s' cannot be opened. It is in the middle of a restore." % name))
        content = record.get("content")
        errors = content.get("consistency_errors", 0) if isinstance(content, dict) else 1
        if errors:
            raise _Statement((8989, "CHECKDB found 0 allocation errors and %d consistency errors in database '%s'."
                              % (errors, name)))
        return []

    def _drop(self, name):
        if self.db(name) is None:
            raise _Statement((3701, "Cannot drop the database '%s', because it does not exist or you do not have "
                                    "permission." % name))
        if not (self.server_role("dbcreator") or self.db_role(name, "db_owner")):
            raise _Statement((3701, "Cannot drop the database '%s', because it does not exist or you do not have "
                                    "permission." % name))
        if self.other_sessions(name) or self.database == name:
            raise _Statement((3702, "Cannot drop database \"%s\" because it is currently in use." % name))
        del self.instance["databases"][name]

    def _use(self, name):
        record = self.db(name)
        if name not in SYSTEM_DATABASES and record is None:
            raise _Statement((911, "Database '%s' does not exist. Make sure that the name is entered correctly."
                              % name))
        if record is not None and record.get("state") == "RESTORING":
            raise _Statement((927, "Database '%s' cannot be opened. It is in the middle of a restore." % name))
        self.database = name

    def change_database(self, name):
        """SqlConnection.ChangeDatabase(name)."""
        try:
            self._use(name)
        except _Statement as err:
            raise SqlError(err.errors) from None

    def _create_user(self, name):
        record = self.db(self.database)
        if record is None:
            raise PSError("lab: CREATE USER in %s is not modelled" % self.database)
        if name in record.setdefault("users", []):
            raise _Statement((15023, "User, group, or role '%s' already exists in the current database." % name))
        logins = record.get("user_logins", {})
        if any(sid_of(logins.get(u, u)) == sid_of(name) for u in record["users"]):
            # https://learn.microsoft.com/sql/t-sql/statements/create-user-transact-sql : one user per login.
            raise _Statement((15063, "The login already has an account under a different user name."))
        if "role_members" not in record:
            record["role_members"] = {"ServerRole": self._members(record, "ServerRole")}
        record["users"].append(name)

    def _add_member(self, role, member):
        record = self.db(self.database)
        if record is None:
            raise PSError("lab: role membership in %s is not modelled" % self.database)
        if member not in record.get("users", []):
            raise _Statement((15410, "User or role '%s' does not exist in this database." % member))
        if role not in self._roles(record):
            raise _Statement((15014, "The role '%s' does not exist in the current database." % role))
        if "role_members" not in record:
            record["role_members"] = {"ServerRole": self._members(record, "ServerRole")}
        record["role_members"].setdefault(role, [])
        if member not in record["role_members"][role]:
            record["role_members"][role].append(member)


# A database file's size in 8-KB pages (sys.master_files.size): a record's "data_pages" / "log_pages" when the
# lab sets them, else the data file holds the record's content (rounded up to pages) plus the 1 MB a new
# database starts with, and the log file 1 MB (128 pages).
PAGE = 8192
MIN_FILE_PAGES = 128


def file_pages(record, kind):
    if kind == 1:
        return int(record.get("log_pages", MIN_FILE_PAGES))
    if "data_pages" in record:
        return int(record["data_pages"])
    body = len(json.dumps(record.get("content"), sort_keys=True))
    return MIN_FILE_PAGES + -(-body // PAGE)


def sid_of(name):
    """The lab's SID of a Windows account or group (SUSER_SID): the same for every spelling of its name."""
    return None if name is None else "S-1-5-21-LAB-" + str(name).lower()


def version_name(instance):
    major = int(str(instance.get("version", "11.0")).split(".", 1)[0])
    return VERSION_NAMES.get(major, "SQL Server %s" % instance.get("version"))


# ---------------------------------------------------------------------------------------------
# Static checks over payload text (tests/payloads/test_payload_sql.py)

_TSQL_RE = re.compile(r"\b(SELECT|RESTORE|BACKUP|ALTER|EXEC|EXECUTE|DBCC|DECLARE|CREATE|DROP)\b")
# T-SQL that SQL Server 2008 R2 (10.50, supported for Lync Server 2013 back ends) does not compile:
# (pattern, what it is, the release that brought it).
NEWER_THAN_2008_R2 = [
    (r"\bALTER\s+ROLE\b[^;]*\b(ADD|DROP)\s+MEMBER\b", "ALTER ROLE ... ADD/DROP MEMBER", "SQL Server 2012"),
    (r"\b(ALTER|CREATE)\s+SERVER\s+ROLE\b", "user-defined server roles", "SQL Server 2012"),
    (r"\bTHROW\b", "THROW", "SQL Server 2012"),
    (r"\b(IIF|TRY_CONVERT|TRY_CAST|TRY_PARSE|FORMAT|CONCAT|EOMONTH|DATEFROMPARTS|CHOOSE)\s*\(", "a function", "SQL Server 2012"),
    (r"\bOFFSET\b[^;]*\bFETCH\b", "OFFSET ... FETCH", "SQL Server 2012"),
    (r"\bCREATE\s+OR\s+ALTER\b", "CREATE OR ALTER", "SQL Server 2016 SP1"),
    (r"\bDROP\s+\w+\s+IF\s+EXISTS\b", "DROP ... IF EXISTS", "SQL Server 2016"),
    (r"\b(STRING_AGG|STRING_SPLIT|CONCAT_WS|TRIM)\s*\(", "a function", "SQL Server 2016/2017"),
]


def sql_strings(script):
    """[(line, text)] of the payload's string literals (PowerShell's parser, psparse) that hold T-SQL."""
    from . import psparse  # tree-sitter: loaded only by the static checks
    tree, data = psparse.parse(script)
    found = []
    for node in psparse._walk(tree.root_node):  # pylint: disable=protected-access
        if node.type in ("expandable_string_literal", "verbatim_string_characters", "expandable_here_string_literal",
                         "verbatim_here_string_characters"):
            text = data[node.start_byte:node.end_byte].decode("utf-8")
            if _TSQL_RE.search(text):
                found.append((node.start_point[0] + 1, text))
    return found


def newer_syntax(text):
    """[(what, release)] of the T-SQL in `text` that SQL Server 2008 R2 rejects."""
    return [(what, release) for pattern, what, release in NEWER_THAN_2008_R2 if re.search(pattern, text, re.I | re.S)]


def restore_without_exclusive_access(text):
    """True when a batch restores WITH REPLACE over a database without taking it OFFLINE WITH ROLLBACK
    IMMEDIATE first. SINGLE_USER does not count: from a master connection it leaves its one slot
    free, and a Front End / Persistent Chat server that reconnects takes it (Msg 3101, then Msg 5064
    on MULTI_USER), https://learn.microsoft.com/sql/relational-databases/databases/set-a-database-to-single-user-mode ."""
    match = re.search(r"\bRESTORE\s+DATABASE\b[^;]*\bREPLACE\b", text, re.I | re.S)
    if not match:
        return False
    before = text[:match.start()]
    return not re.search(r"SET\s+OFFLINE\s+WITH\s+ROLLBACK\s+IMMEDIATE", before, re.I)


def connection_strings(script):
    """[(line, connection string)] of every New-Object ...SqlConnection in the payload."""
    return [(script.count("\n", 0, m.start()) + 1, m.group(2))
            for m in re.finditer(r"SqlClient\.SqlConnection\s+(?:-ArgumentList\s+)?([\"'])(.*?)\1", script)]
