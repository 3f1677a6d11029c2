"""Checks over the T-SQL the payloads send (SQL Server's rules that a static reading can enforce).

Each rule has a regression test over the defective text of 1a7fef5, inline.
Microsoft's pages:
* ALTER ROLE: "ADD MEMBER ... Applies to: SQL Server 2012 (11.x) and later",
  https://learn.microsoft.com/sql/t-sql/statements/alter-role-transact-sql ; sp_addrolemember,
  https://learn.microsoft.com/sql/relational-databases/system-stored-procedures/sp-addrolemember-transact-sql
* RESTORE needs exclusive access: OFFLINE WITH ROLLBACK IMMEDIATE in the same batch; single-user mode
  taken from master leaves its one slot to the first session that connects ("a different user, but
  only one, can connect"), https://learn.microsoft.com/sql/relational-databases/databases/set-a-database-to-single-user-mode
* xp_create_subdir: undocumented, in practice sysadmin only (EXECUTE is not granted to public).
"""

import pathlib
import re

import pytest

from lync_lab import tsql

ROOT = pathlib.Path(__file__).resolve().parents[2]
PAYLOADS = sorted((ROOT / "plugins" / "plugin_utils" / "payloads").glob("*.ps1"))
SQL_PAYLOADS = [p for p in PAYLOADS if "SqlClient.SqlConnection" in p.read_text(encoding="utf-8")]

OLD_RESTORE = "\n".join([
    '$connection = New-Object System.Data.SqlClient.SqlConnection "Server=$SqlInstance;Integrated Security=True;'
    'Application Name=lync.server"',
    '$null = Invoke-Sql $connection "RESTORE DATABASE @db FROM $disks WITH REPLACE, $withChecksum" $values',
    "$text = \"DECLARE @sql nvarchar(max) = N'USE ' + QUOTENAME(@db) + N'; IF USER_ID(' + QUOTENAME(@group, '''') + "
    "N') IS NULL BEGIN CREATE USER ' + QUOTENAME(@group) + N' FOR LOGIN ' + QUOTENAME(@group) + N'; ALTER ROLE "
    "[ServerRole] ADD MEMBER ' + QUOTENAME(@group) + N'; SELECT 1 AS Fixed; END ELSE SELECT 0 AS Fixed'; "
    "EXEC sp_executesql @sql\"",
    ""])
OLD_BACKUP = '''$null = Invoke-Sql $connection "EXEC master.sys.xp_create_subdir @folder" @{ '@folder' = $TargetFolder }'''


def test_there_are_sql_payloads():
    assert {p.stem for p in SQL_PAYLOADS} >= {"lync_sql_backup", "lync_sql_restore"}


def _opens_master(script):
    return [(line, text) for line, text in tsql.connection_strings(script)
            if not re.search(r"(^|;)\s*(Database|Initial Catalog)\s*=\s*master\s*(;|$)", text, re.I)]


def _newer(script):
    return [(line, found) for line, text in tsql.sql_strings(script) for found in tsql.newer_syntax(text)]


def _unexclusive(script):
    # The test restore ($TestRestoreSql) targets a scratch database no Lync service knows, dropped
    # just before: no other session can be in it.
    scratch = {n for n, line in enumerate(script.splitlines(), start=1) if re.match(r"\s*\$TestRestoreSql\s*=", line)}
    return [line for line, text in tsql.sql_strings(script)
            if line not in scratch and tsql.restore_without_exclusive_access(text)]


def _extended_procedures(script):
    return [line for line, text in tsql.sql_strings(script) if re.search(r"\bxp_\w+", text, re.I)]


@pytest.fixture(params=SQL_PAYLOADS, ids=lambda p: p.stem)
def script(request):
    return request.param.read_text(encoding="utf-8")


def _works_on_databases(script):
    return any(re.search(r"\b(RESTORE|BACKUP|ALTER\s+DATABASE|DROP\s+DATABASE)\b", text) for dummy, text in tsql.sql_strings(script))


def test_connections_open_master(script):
    """A connection to a Lync database holds it: RESTORE fails with Msg 3102 (its own session)."""
    assert tsql.connection_strings(script)
    if _works_on_databases(script):
        assert _opens_master(script) == []


def test_no_tsql_newer_than_sql_server_2008_r2(script):
    """Lync Server 2013 back ends run on SQL Server 2008 R2: no syntax it does not compile."""
    assert _newer(script) == []


def test_restore_with_replace_takes_exclusive_access_in_the_same_batch(script):
    """Front Ends and Persistent Chat servers hold the databases: RESTORE ... REPLACE fails with Msg 3101."""
    assert _unexclusive(script) == []


def test_no_sysadmin_only_extended_procedures(script):
    """xp_create_subdir & co run for sysadmin only: the collection documents narrower rights."""
    assert _extended_procedures(script) == []


def test_the_checks_flag_the_old_text():
    assert _works_on_databases(OLD_RESTORE)
    assert [line for line, dummy in _opens_master(OLD_RESTORE)] == [1]
    assert [found for dummy, found in _newer(OLD_RESTORE)] == [("ALTER ROLE ... ADD/DROP MEMBER", "SQL Server 2012")]
    assert _unexclusive(OLD_RESTORE) == [2]
    assert _extended_procedures(OLD_BACKUP) == [1]


def test_single_user_after_the_restore_does_not_count():
    text = ("RESTORE DATABASE @db FROM DISK = @file1 WITH REPLACE; "
            "DECLARE @s nvarchar(max) = N'ALTER DATABASE ' + QUOTENAME(@db) + N' SET SINGLE_USER WITH ROLLBACK IMMEDIATE'")
    assert tsql.restore_without_exclusive_access(text)
    assert not tsql.restore_without_exclusive_access(text.replace("REPLACE", "NORECOVERY"))


# What the merged issue-9 text sent: SINGLE_USER from master before the RESTORE (a Front End that
# reconnects takes the free slot).
SINGLE_USER_RESTORE = """$RestoreSql = @"
DECLARE @single nvarchar(max) = N'ALTER DATABASE ' + QUOTENAME(@db) + N' SET SINGLE_USER WITH ROLLBACK IMMEDIATE';
IF DATABASEPROPERTYEX(@db, 'Status') = N'ONLINE' EXEC sp_executesql @single;
RESTORE DATABASE @db FROM $disks WITH REPLACE, $withChecksum;
"@
"""


def test_single_user_does_not_count_as_exclusive_access():
    assert _unexclusive(SINGLE_USER_RESTORE) == [1]
    assert _unexclusive(SINGLE_USER_RESTORE.replace("SET SINGLE_USER WITH", "SET OFFLINE WITH")) == []
