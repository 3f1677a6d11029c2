"""The lab's SQL Server (lync_lab/tsql.py) runs the T-SQL the SQL payloads send, with SQL Server's rules.

Each rule is checked twice: the payload text of today passes, and the defective text of
1a7fef5 (inline below, or today's payload with the defect put back) fails as SQL Server would.
"""

import datetime
import pathlib

import pytest

from lync_lab import boundary, fsops, netid, sqlbak, tsql
from lync_lab.boundary import sql as sqlboundary
from lync_lab.context import Context
from lync_lab.errors import PSError

PAYLOADS = pathlib.Path(__file__).resolve().parents[2] / "plugins" / "plugin_utils" / "payloads"
RESTORE = (PAYLOADS / "lync_sql_restore.ps1").read_text(encoding="utf-8")
BACKUP = (PAYLOADS / "lync_sql_backup.ps1").read_text(encoding="utf-8")
MON = "sqlmon01.contoso.local"
SHARE = "\\\\backup01.contoso.local\\LyncBackup\\t"
GROUP = "CONTOSO\\RTCComponentUniversalServices"

# What 1a7fef5 sent (lync_sql_restore.ps1): the restore without exclusive access, the ACL fix with
# ALTER ROLE, and the scratch restore of the test mode (no drop before it).
OLD_RESTORE = "RESTORE DATABASE @db FROM DISK = @file1 WITH REPLACE, CHECKSUM"
OLD_ACL = ("DECLARE @sql nvarchar(max) = N'USE ' + QUOTENAME(@db) + N'; IF USER_ID(' + QUOTENAME(@group, '''') + "
           "N') IS NULL BEGIN CREATE USER ' + QUOTENAME(@group) + N' FOR LOGIN ' + QUOTENAME(@group) + N'; ALTER ROLE "
           "[ServerRole] ADD MEMBER ' + QUOTENAME(@group) + N'; SELECT 1 AS Fixed; END ELSE SELECT 0 AS Fixed'; "
           "EXEC sp_executesql @sql")
OLD_XP_CREATE_SUBDIR = "EXEC master.sys.xp_create_subdir @folder"


def _ctx(lab, state, host=MON, script=None, faults=(), payload="lync_sql_restore"):
    ctx = Context(lab, state, host, False, list(faults), payload)
    ctx.script = script
    return ctx


def _backup_file(lab, database="LcsCDR", server=MON, instance="RTC"):
    """A backup of `database` on the share (sqlbak's format); its path."""
    with lab.locked() as state:
        ctx = _ctx(lab, state)
        record = state["hosts"][server]["sql"][instance]["databases"][database]
        stripes = sqlbak.encode(database, record, server, instance, 1, False, True,
                                datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc).isoformat())
        path = "%s\\%s.bak" % (SHARE, database)
        fsops.write_bytes(ctx, path, stripes[0], account="CONTOSO\\lyncadmin")
    return path


def run_payload(lab, payload, script, params, host=MON, faults=(), network_user=None):
    """Run the payload's own text through the engine on `host` (a boundary session over the lab
    state, as the lab's win_powershell does) and return $Ansible.Result. A script that stops with a
    SqlException raises tsql.SqlError with SQL Server's errors; any other terminating error, PSError."""
    failure = None
    with lab.locked() as state:  # saved whatever happens, as winps saves a failed run's changes
        ctx = Context(lab, state, host, False, list(faults), payload)
        ctx.network_user = network_user
        with netid.session(ctx):
            ran = boundary.open_session(ctx).engine.run(script, params)
        if ran.terminating_error is not None:
            exception = ran.terminating_error.Exception
            inner = exception.InnerException if exception.InnerException is not None else exception
            if isinstance(inner, sqlboundary.SqlExceptionInfo):
                failure = tsql.SqlError([(e.Number, e.Message) for e in inner.Errors])
            else:
                failure = PSError(exception.Message)
    if failure is not None:
        raise failure
    return ran.result


def _restore(lab, script=RESTORE, faults=(), **params):
    base = {"SqlInstance": MON + "\\RTC", "Database": "LcsCDR", "Files": [], "Mode": "restore", "ScratchName": "",
            "ScratchFolder": "", "AclGroup": "", "Checksum": True}
    base.update(params)
    return run_payload(lab, "lync_sql_restore", script, base, faults=faults)


class _ReadAs(tsql.Io):
    def __init__(self, ctx, account):
        self.ctx, self.account = ctx, account

    def read(self, paths):
        return sqlbak.decode([fsops.read_bytes(self.ctx, path, account=self.account) for path in paths])


def _session(lab, state, instance="RTC", conn=None):
    ctx = _ctx(lab, state)
    sql = tsql.Session(ctx, MON, instance, conn or {"database": "master"})
    sql.io = _ReadAs(ctx, "CONTOSO\\svc-sqlmon")
    return sql


@pytest.fixture
def lab(make_lab):
    return make_lab("enterprise")


def _database(lab, name="LcsCDR"):
    return lab.load()["hosts"][MON]["sql"]["RTC"]["databases"][name]


# -- Msg 3101: RESTORE over a database the Front Ends use ------------------------------------


def test_restore_takes_the_database_from_the_running_front_ends(lab):
    path = _backup_file(lab)
    result = _restore(lab, Files=[path])
    assert result["Restored"] is True
    assert _database(lab).get("user_access", "MULTI_USER") == "MULTI_USER"


def test_the_old_restore_fails_while_front_ends_use_the_database(lab):
    path = _backup_file(lab)
    with lab.locked() as state:
        with pytest.raises(tsql.SqlError) as err:
            _session(lab, state).execute(OLD_RESTORE, {"@db": "LcsCDR", "@file1": path})
    assert err.value.numbers == [3101, 3013]
    assert "Exclusive access could not be obtained because the database is in use" in err.value.message


def test_a_payload_without_offline_fails_in_the_lab(lab):
    path = _backup_file(lab)
    script = RESTORE.replace("IF DATABASEPROPERTYEX(@db, 'Status') = N'ONLINE' EXEC sp_executesql @offline;\n", "")
    assert script != RESTORE
    with pytest.raises(tsql.SqlError, match="Exclusive access could not be obtained"):
        _restore(lab, script=script, Files=[path])


def test_single_user_in_an_earlier_batch_does_not_count(lab):
    path = _backup_file(lab)
    with lab.locked() as state:
        sql = _session(lab, state)
        sql.execute("DECLARE @s nvarchar(max) = N'ALTER DATABASE ' + QUOTENAME(@db) + N' SET SINGLE_USER WITH "
                    "ROLLBACK IMMEDIATE'; EXEC sp_executesql @s;", {"@db": "LcsCDR"})
        with pytest.raises(tsql.SqlError, match="Exclusive access"):
            sql.execute(OLD_RESTORE, {"@db": "LcsCDR", "@file1": path})


def test_a_payload_connected_to_the_database_itself_fails(lab):
    path = _backup_file(lab)
    script = RESTORE.replace("Database=master;", "Database=LcsCDR;")
    assert script != RESTORE
    with pytest.raises(tsql.SqlError) as err:
        _restore(lab, script=script, Files=[path])
    assert 3102 in err.value.numbers and "in use by this session" in err.value.message


def test_alter_database_takes_no_variable(lab):
    with lab.locked() as state:
        with pytest.raises(tsql.SqlError) as err:
            _session(lab, state).execute("ALTER DATABASE @db SET SINGLE_USER WITH ROLLBACK IMMEDIATE", {"@db": "x"})
    assert err.value.numbers == [102]


def test_dynamic_sql_does_not_see_the_outer_variables(lab):
    with lab.locked() as state:
        with pytest.raises(tsql.SqlError, match='Must declare the scalar variable "@db"'):
            _session(lab, state).execute("DECLARE @s nvarchar(max) = N'DBCC CHECKDB (@db)'; EXEC sp_executesql @s;",
                                         {"@db": "LcsCDR"})


# -- ALTER ROLE ... ADD MEMBER on SQL Server 2008 R2 ---------------------------------------------


def _on_2008_r2_without_the_group(lab):
    with lab.locked() as state:
        instance = state["hosts"][MON]["sql"]["RTC"]
        instance["version"] = "10.50.6000.34"
        instance["databases"]["LcsCDR"]["users"] = []


@pytest.mark.parametrize("version", ["10.50.6000.34", "11.0.7001.0"])
def test_the_acl_fix_uses_sp_addrolemember_on_every_version(lab, version):
    path = _backup_file(lab)
    _on_2008_r2_without_the_group(lab)
    with lab.locked() as state:
        state["hosts"][MON]["sql"]["RTC"]["version"] = version
    result = _restore(lab, Files=[path], AclGroup=GROUP)
    assert result["AclFixed"] is True
    db = _database(lab)
    assert GROUP in db["users"] and db["role_members"]["ServerRole"] == [GROUP]
    assert _restore(lab, Files=[path], AclGroup=GROUP)["AclFixed"] is False


def test_the_old_acl_fix_does_not_compile_on_2008_r2(lab):
    _on_2008_r2_without_the_group(lab)
    with lab.locked() as state:
        with pytest.raises(tsql.SqlError) as err:
            _session(lab, state).execute(OLD_ACL, {"@db": "LcsCDR", "@group": GROUP})
        # The inner batch did not compile: not even CREATE USER ran.
        assert state["hosts"][MON]["sql"]["RTC"]["databases"]["LcsCDR"]["users"] == []
    assert err.value.numbers == [156] and "Incorrect syntax near the keyword 'ADD'" in err.value.message


def test_a_payload_with_alter_role_fails_on_2008_r2_in_the_lab(lab):
    path = _backup_file(lab)
    _on_2008_r2_without_the_group(lab)
    script = RESTORE.replace("EXEC sp_addrolemember @rolename = N'ServerRole', @membername = @user",
                             "DECLARE @add nvarchar(max) = N'ALTER ROLE [ServerRole] ADD MEMBER ' + QUOTENAME(@user); "
                             "EXEC sp_executesql @add;")
    assert script != RESTORE
    with pytest.raises(tsql.SqlError, match="Incorrect syntax near the keyword 'ADD'"):
        _restore(lab, script=script, Files=[path], AclGroup=GROUP)


# -- the scratch database of a test restore ----------------------------------------------------------


def _test_mode(lab, script=RESTORE, faults=()):
    path = "%s\\LcsCDR.bak" % SHARE
    return _restore(lab, script=script, faults=faults, Files=[path], Mode="test", ScratchName="lync_restore_test_LcsCDR",
                    ScratchFolder="D:\\Scratch")


def test_an_interrupted_test_restore_does_not_block_the_next(lab):
    _backup_file(lab)
    fault = {"kind": "sql_abort", "payload": "lync_sql_restore", "times": 1}
    with pytest.raises(PSError, match="transport-level error"):
        _test_mode(lab, faults=[fault])
    assert _database(lab, "lync_restore_test_LcsCDR")["state"] == "RESTORING"
    result = _test_mode(lab, faults=[fault])
    assert result["CheckDb"] == "ok" and result["ScratchDropped"] is True
    assert "lync_restore_test_LcsCDR" not in lab.load()["hosts"][MON]["sql"]["RTC"]["databases"]


def test_the_old_test_restore_fails_over_a_scratch_database_left_restoring(lab):
    """1a7fef5 dropped the scratch database only around DBCC CHECKDB: the next test restore fails."""
    path = _backup_file(lab)
    with lab.locked() as state:
        databases = state["hosts"][MON]["sql"]["RTC"]["databases"]
        databases["lync_restore_test_LcsCDR"] = {"state": "RESTORING", "users": []}
        with pytest.raises(tsql.SqlError) as err:
            _session(lab, state).execute(
                "RESTORE DATABASE @db FROM DISK = @file1 WITH CHECKSUM, MOVE @logical1 TO @physical1",
                {"@db": "lync_restore_test_LcsCDR", "@file1": path, "@logical1": "LcsCDR",
                 "@physical1": "D:\\Scratch\\x.mdf"})
    assert err.value.numbers == [3154, 3013]


def test_a_payload_without_the_drop_before_nor_replace_fails_after_an_interruption(lab):
    _backup_file(lab)
    script = RESTORE.replace("""            $null = Invoke-Sql $connection $DropScratchSql $scratch
            $fileList""", """            $fileList""").replace("WITH REPLACE, $withChecksum, $moveList", "WITH $withChecksum, $moveList")
    assert script.count("Invoke-Sql $connection $DropScratchSql") == 1 and "WITH $withChecksum, $moveList" in script
    fault = {"kind": "sql_abort", "payload": "lync_sql_restore", "times": 1}
    with pytest.raises(PSError):
        _test_mode(lab, script=script, faults=[fault])
    with pytest.raises(tsql.SqlError, match="other than the existing 'lync_restore_test_LcsCDR'"):
        _test_mode(lab, script=script, faults=[fault])


# -- the rights lync_sql_backup needs -------------------------------------------------------------------

BACKUP_FOLDER = SHARE + "\\sql\\sqlmon01.contoso.local_rtc"


def _logins(lab, **logins):
    with lab.locked() as state:
        state["hosts"][MON]["sql"]["RTC"]["logins"] = logins


def _backup(lab, script=BACKUP, **params):
    base = {"SqlInstance": MON + "\\RTC", "Databases": ["LcsCDR"], "TargetFolder": BACKUP_FOLDER, "FileCount": 1,
            "CopyOnly": True, "Checksum": True, "Compress": True, "Verify": True, "BlockSize": 0, "BufferCount": 0,
            "MaxTransferSize": 0}
    base.update(params)
    return run_payload(lab, "lync_sql_backup", script, base, network_user="CONTOSO\\lyncshare")


BACKUP_OPERATOR = {"server_roles": [], "database_roles": {"LcsCDR": ["db_backupoperator"]}}


def test_a_sysadmin_backs_up_and_verifies(lab):
    result = _backup(lab)
    assert result["Databases"][0]["Status"] == "ok" and result["Databases"][0]["Verified"] is True


def test_db_backupoperator_alone_is_told_it_lacks_create_database(lab):
    _logins(lab, **{"CONTOSO\\lyncadmin": BACKUP_OPERATOR})
    with pytest.raises(PSError) as err:
        _backup(lab)
    assert err.value.message.startswith("LYNC_SQL_RIGHTS: login CONTOSO\\lyncadmin")
    assert "CREATE DATABASE" in err.value.message and "cannot write" not in err.value.message


def test_db_backupoperator_backs_up_without_verify(lab):
    _logins(lab, **{"CONTOSO\\lyncadmin": BACKUP_OPERATOR})
    result = _backup(lab, Verify=False)
    assert result["Databases"][0]["Status"] == "ok", result


def test_a_login_without_backup_rights_is_named(lab):
    _logins(lab, **{"CONTOSO\\lyncadmin": {"server_roles": ["dbcreator"]}})
    entry = _backup(lab)["Databases"][0]
    assert entry["Status"] == "failed"
    assert entry["Error"].startswith("LYNC_SQL_RIGHTS: login CONTOSO\\lyncadmin lacks the BACKUP DATABASE permission "
                                     "in LcsCDR")


def test_the_old_folder_creation_fails_for_db_backupoperator(lab):
    """1a7fef5 made the folder with xp_create_subdir (sysadmin only) and reported the failure as the share's."""
    _logins(lab, **{"CONTOSO\\lyncadmin": BACKUP_OPERATOR})
    with lab.locked() as state:
        with pytest.raises(tsql.SqlError) as err:
            _session(lab, state).execute(OLD_XP_CREATE_SUBDIR, {"@folder": BACKUP_FOLDER})
    assert err.value.numbers == [229]


def test_old_verify_and_backup_permissions(lab):
    """RESTORE VERIFYONLY needs CREATE DATABASE; BACKUP needs db_backupoperator: SQL Server's errors."""
    _backup_file(lab)
    _logins(lab, **{"CONTOSO\\lyncadmin": {"server_roles": []}})
    with lab.locked() as state:
        sql = _session(lab, state)
        with pytest.raises(tsql.SqlError) as verify:
            sql.execute("RESTORE VERIFYONLY FROM DISK = @file1", {"@file1": SHARE + "\\LcsCDR.bak"})
        with pytest.raises(tsql.SqlError) as backup:
            sql.execute("BACKUP DATABASE @db TO DISK = @file1 WITH INIT", {"@db": "LcsCDR", "@file1": "x"})
    assert verify.value.numbers == [262, 3013] and "CREATE DATABASE permission denied" in verify.value.message
    assert backup.value.numbers == [262, 3013] and "BACKUP DATABASE permission denied" in backup.value.message


def _deep_folder(length_of_file, lab=None):
    """A folder on the share whose LcsCDR.bak path has `length_of_file` characters. With `lab`, the folder is made
    beforehand, as with a \\\\?\\ path: past 247 characters New-Item cannot make it (CreateDirectory's 248-character
    rule, lync_lab/fsops.py make_dirs; under -Force it says nothing, and the payload's Test-Path would stop the run),
    and the payload's New-Item -Force then finds it there."""
    folder = SHARE + "\\" + "d" * (length_of_file - len(SHARE + "\\" + "\\LcsCDR.bak"))
    if lab is not None:
        (lab.host_root("backup01.contoso.local") / "D" / "LyncBackup" / "t" / folder.rsplit("\\", 1)[1]).mkdir(
            parents=True, exist_ok=True)
    return folder


def test_a_backup_device_name_of_259_characters_is_taken(lab):
    entry = _backup(lab, TargetFolder=_deep_folder(259, lab), Verify=False)["Databases"][0]
    assert entry["Status"] == "ok", entry


def test_a_backup_device_name_past_259_characters_fails_with_msg_3057(lab):
    """SQL Server refuses a disk device name longer than it takes (tsql.Session._device_names): Msg 3057, not a
    write refused by Windows (Msg 3201, operating system error 5), which the payload would report as the service
    account's missing right."""
    entry = _backup(lab, TargetFolder=_deep_folder(260, lab), Verify=False)["Databases"][0]
    assert entry["Status"] == "failed"
    assert entry["Error"].startswith('Exception calling "ExecuteReader" with "0" argument(s): "Invalid device name. The '
                                     'length of the device name provided exceeds supported limit (maximum length is:259).')
    assert "BACKUP DATABASE is terminating abnormally." in entry["Error"] and "LYNC_SQL_ACCESS" not in entry["Error"]


def test_restore_refuses_a_device_name_past_259_characters(lab):
    _backup_file(lab)
    with lab.locked() as state:
        with pytest.raises(tsql.SqlError) as verify:
            _session(lab, state).execute("RESTORE VERIFYONLY FROM DISK = @file1", {"@file1": _deep_folder(260) + "\\LcsCDR.bak"})
    assert verify.value.numbers == [3057, 3013]


def test_the_service_account_that_cannot_write_is_named(lab):
    with lab.locked() as state:
        state["hosts"]["backup01.contoso.local"]["shares"]["LyncBackup"]["deny_write"] = ["CONTOSO\\svc-sqlmon"]
    entry = _backup(lab)["Databases"][0]
    assert entry["Error"].startswith("LYNC_SQL_ACCESS: SQL Server service account CONTOSO\\svc-sqlmon cannot write")
    assert "Operating system error 5" in entry["Error"]


def test_backup_into_a_missing_folder_fails_with_operating_system_error_3(lab):
    """BACKUP ... TO DISK creates no folder: SQL Server cannot open the device, Msg 3201 with the Win32 error 3
    (ERROR_PATH_NOT_FOUND), then Msg 3013."""
    script = (r"""param($File)
$ErrorActionPreference = 'Stop'
$connection = New-Object System.Data.SqlClient.SqlConnection "Server=%s\RTC;Database=master;Integrated Security=True"
$connection.Open()
$command = $connection.CreateCommand()
$command.CommandText = "BACKUP DATABASE @db TO DISK = @file1 WITH INIT"
$null = $command.Parameters.AddWithValue('@db', 'LcsCDR')
$null = $command.Parameters.AddWithValue('@file1', $File)
$null = $command.ExecuteReader()
""" % MON)
    with pytest.raises(tsql.SqlError) as err:
        run_payload(lab, "lync_sql_backup", script, {"File": SHARE + "\\missing\\LcsCDR.bak"},
                    network_user="CONTOSO\\lyncshare")
    assert err.value.numbers == [3201, 3013]
    assert err.value.errors[0][1] == ("Cannot open backup device '%s\\missing\\LcsCDR.bak'. Operating system error "
                                      "3(The system cannot find the path specified.)." % SHARE)
    assert err.value.errors[1][1] == "BACKUP DATABASE is terminating abnormally."


# The payload makes its folder with Directory.CreateDirectory (which throws the cause); the planted defect goes back to
# New-Item -Force, which Windows PowerShell 5.1 lets fail silently (review s9a, finding 3).
BACKUP_MAKE_FOLDER = ("        $null = [System.IO.Directory]::CreateDirectory($TargetFolder)\n",
                      "        $null = New-Item -ItemType Directory -Path $TargetFolder -Force\n")


def _share_removed(lab):
    """The backup share is gone (unshared, or the server renamed it): making the folder meets "The network name cannot
    be found", an IOException that Directory.CreateDirectory throws and Windows PowerShell 5.1's New-Item drops under
    -Force (lync_lab/boundary/fs.py New-Item)."""
    with lab.locked() as state:
        del state["hosts"]["backup01.contoso.local"]["shares"]["LyncBackup"]


def test_a_folder_the_payload_could_not_make_stops_the_backup_naming_it_and_why(lab):
    _share_removed(lab)
    with pytest.raises(PSError) as err:
        _backup(lab)
    assert err.value.message.startswith("LYNC_SHARE_ACCESS: this connection cannot create %s: The network name cannot "
                                        "be found" % BACKUP_FOLDER), err.value.message


def test_planted_new_item_force_each_backup_fails_with_a_bare_os_error(lab):
    """With New-Item -Force (5.1 drops the IOException): no word of the folder, each database fails on its own with
    SQL Server's operating system error (67 here: the share is gone)."""
    _share_removed(lab)
    planted = BACKUP.replace(*BACKUP_MAKE_FOLDER)
    assert planted != BACKUP
    entry = _backup(lab, script=planted)["Databases"][0]
    assert entry["Status"] == "failed" and "LYNC_SHARE_ACCESS" not in entry["Error"]
    assert "Operating system error 67(The network name cannot be found.)" in entry["Error"], entry["Error"]


def test_an_unknown_login_cannot_connect(lab):
    _logins(lab, **{"CONTOSO\\someone": BACKUP_OPERATOR})
    with pytest.raises(tsql.SqlError, match="Login failed for user 'CONTOSO.lyncadmin'"):
        _backup(lab)


def test_a_restore_interrupted_part_way_is_rerun(lab):
    """The shell died during RESTORE: the database stays RESTORING; the rerun restores over it."""
    path = _backup_file(lab)
    fault = {"kind": "sql_abort", "payload": "lync_sql_restore", "times": 1}
    with pytest.raises(PSError, match="transport-level error"):
        _restore(lab, faults=[fault], Files=[path])
    assert _database(lab)["state"] == "RESTORING"
    assert _restore(lab, faults=[fault], Files=[path])["Restored"] is True
    assert _database(lab).get("state", "ONLINE") == "ONLINE"
    assert _database(lab).get("user_access", "MULTI_USER") == "MULTI_USER"


def test_single_user_on_a_restoring_database_fails_the_rerun(lab):
    """Taking a RESTORING database OFFLINE fails (Msg 927): the payload asks for ONLINE first."""
    path = _backup_file(lab)
    script = RESTORE.replace("IF DATABASEPROPERTYEX(@db, 'Status') = N'ONLINE' EXEC sp_executesql @offline",
                             "IF DB_ID(@db) IS NOT NULL EXEC sp_executesql @offline")
    assert script != RESTORE
    fault = {"kind": "sql_abort", "payload": "lync_sql_restore", "times": 1}
    with pytest.raises(PSError):
        _restore(lab, script=script, faults=[fault], Files=[path])
    with pytest.raises(tsql.SqlError) as err:
        _restore(lab, script=script, faults=[fault], Files=[path])
    assert 927 in err.value.numbers


# -- issue 9 review: the free SINGLE_USER slot, the database left OFFLINE, MOVE, the scratch drop --

# What the merged issue-9 text sent (lync_sql_restore.ps1 before this fix): SINGLE_USER from master,
# RESTORE, MULTI_USER in the same batch, no MOVE.
SINGLE_USER_RESTORE = """DECLARE @single nvarchar(max) = N'ALTER DATABASE ' + QUOTENAME(@db) + N' SET SINGLE_USER WITH ROLLBACK IMMEDIATE';
DECLARE @multi nvarchar(max) = N'ALTER DATABASE ' + QUOTENAME(@db) + N' SET MULTI_USER';
IF DATABASEPROPERTYEX(@db, 'Status') = N'ONLINE' EXEC sp_executesql @single;
RESTORE DATABASE @db FROM DISK = @file1 WITH REPLACE, CHECKSUM;
EXEC sp_executesql @multi;
"""


def test_single_user_leaves_the_slot_to_a_front_end(lab):
    """SINGLE_USER from master: "a different user, but only one, can connect"
    (https://learn.microsoft.com/sql/relational-databases/databases/set-a-database-to-single-user-mode):
    a Front End that reconnects takes the slot, RESTORE gets Msg 3101, MULTI_USER Msg 5064, and the
    database stays SINGLE_USER held by the Front End."""
    path = _backup_file(lab)
    with lab.locked() as state:
        with pytest.raises(tsql.SqlError) as err:
            _session(lab, state).execute(SINGLE_USER_RESTORE, {"@db": "LcsCDR", "@file1": path})
    assert err.value.numbers == [3101, 3013, 5064, 5069]
    assert _database(lab)["user_access"] == "SINGLE_USER"


def test_offline_restores_while_front_ends_run(lab):
    path = _backup_file(lab)
    result = _restore(lab, Files=[path])
    assert result["Restored"] is True and result["OnlineError"] is None
    assert _database(lab).get("state", "ONLINE") == "ONLINE"
    assert _database(lab).get("user_access", "MULTI_USER") == "MULTI_USER"


def _damaged_at_restore(monkeypatch):
    """The RESTORE itself fails (Msg 3183, a damaged page found while restoring), after the OFFLINE."""
    read = tsql.Session._read

    def damaged(self, paths, terminating):
        if terminating == "RESTORE DATABASE":
            raise tsql._Statement((3183, "RESTORE detected an error on page (1:1234) in database \"LcsCDR\" as read "
                                         "from the backup set."),
                                  (3013, "RESTORE DATABASE is terminating abnormally."))
        return read(self, paths, terminating)
    monkeypatch.setattr(tsql.Session, "_read", damaged)


def test_a_failed_restore_does_not_leave_the_database_offline(lab, monkeypatch):
    """The batch stops at RESTORE after OFFLINE: the finally (a fresh connection) sets it ONLINE."""
    path = _backup_file(lab)
    _damaged_at_restore(monkeypatch)
    with pytest.raises(tsql.SqlError, match="RESTORE detected an error"):
        _restore(lab, Files=[path])
    assert _database(lab).get("state", "ONLINE") == "ONLINE"


def test_without_the_finally_a_failed_restore_leaves_the_database_offline(lab, monkeypatch):
    path = _backup_file(lab)
    _damaged_at_restore(monkeypatch)
    script = RESTORE.replace("IF DATABASEPROPERTYEX(@db, 'Status') = N'OFFLINE' EXEC",
                             "IF DATABASEPROPERTYEX(@db, 'Status') = N'NEVER' EXEC")
    assert script != RESTORE
    with pytest.raises(tsql.SqlError):
        _restore(lab, Files=[path], script=script)
    assert _database(lab)["state"] == "OFFLINE"


def test_the_merged_single_user_text_stays_single_user_after_a_failed_restore(lab, monkeypatch):
    """Item 2: MULTI_USER at the end of the batch is not reached when a batch-aborting error or a
    dropped connection stops it; with the Front Ends stopped it would be, but not with them running."""
    path = _backup_file(lab)
    with lab.locked() as state:
        with pytest.raises(tsql.SqlError):
            _session(lab, state).execute(SINGLE_USER_RESTORE, {"@db": "LcsCDR", "@file1": path})
    assert _database(lab)["user_access"] == "SINGLE_USER"


def _backup_from_another_version(lab):
    """A backup whose files were recorded under a SQL Server 2008 R2 folder (MSSQL10_50.RTC)."""
    with lab.locked() as state:
        record = dict(state["hosts"][MON]["sql"]["RTC"]["databases"]["LcsCDR"])
        old_dir = "C:\\Program Files\\Microsoft SQL Server\\MSSQL10_50.RTC\\MSSQL\\DATA"
        record["data_file"], record["log_file"] = old_dir + "\\LcsCDR.mdf", old_dir + "\\LcsCDR_log.ldf"
        stripes = sqlbak.encode("LcsCDR", record, MON, "RTC", 1, False, True,
                                datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc).isoformat())
        path = "%s\\LcsCDR.bak" % SHARE
        fsops.write_bytes(_ctx(lab, state), path, stripes[0], account="CONTOSO\\lyncadmin")
    return path


def test_restore_moves_the_files_onto_the_database_it_replaces(lab):
    """RESTORE without MOVE puts the files back at the recorded paths; on a rebuilt server with another
    SQL Server version that folder is missing (Msg 5133,
    https://learn.microsoft.com/sql/relational-databases/backup-restore/restore-a-database-to-a-new-location-sql-server)."""
    path = _backup_from_another_version(lab)
    before = dict(_database(lab))
    result = _restore(lab, Files=[path])
    assert result["Restored"] is True
    after = _database(lab)
    assert (after["data_file"], after["log_file"]) == (before["data_file"], before["log_file"])


def test_the_restore_without_move_fails_on_a_rebuilt_server(lab):
    path = _backup_from_another_version(lab)
    with lab.locked() as state:
        for host in state["hosts"].values():
            if "RTCSRV" in host.get("services", {}):
                host["services"]["RTCSRV"]["status"] = "Stopped"
        with pytest.raises(tsql.SqlError) as err:
            _session(lab, state).execute(SINGLE_USER_RESTORE, {"@db": "LcsCDR", "@file1": path})
    assert err.value.numbers[:4] == [5133, 3156, 3119, 3013]


def test_the_scratch_database_in_use_is_dropped(lab):
    """DROP DATABASE fails with Msg 3702 while a session uses the database
    (https://learn.microsoft.com/sql/t-sql/statements/drop-database-transact-sql): SINGLE_USER WITH
    ROLLBACK IMMEDIATE first."""
    _backup_file(lab)
    with lab.locked() as state:
        databases = state["hosts"][MON]["sql"]["RTC"]["databases"]
        databases["lync_restore_test_LcsCDR"] = dict(databases["LcsCDR"], sessions=1)
    result = _test_mode(lab)
    assert result["CheckDb"] == "ok" and result["ScratchDropped"] is True


def test_the_old_scratch_drop_fails_while_a_session_uses_it(lab):
    with lab.locked() as state:
        databases = state["hosts"][MON]["sql"]["RTC"]["databases"]
        databases["lync_restore_test_LcsCDR"] = dict(databases["LcsCDR"], sessions=1)
        with pytest.raises(tsql.SqlError) as err:
            _session(lab, state).execute(
                "IF DB_ID(@db) IS NOT NULL BEGIN DECLARE @drop nvarchar(max) = N'DROP DATABASE ' + QUOTENAME(@db); "
                "EXEC sp_executesql @drop; END", {"@db": "lync_restore_test_LcsCDR"})
    assert err.value.numbers == [3702]


# -- the ACL check: by SID, membership, ServerRole first ---------------------------------------------
# What the merged issue-9 text sent: the user looked up by name, membership never checked.
NAME_ACL = """IF DATABASE_PRINCIPAL_ID(@group) IS NULL
BEGIN
    DECLARE @create nvarchar(max) = N'CREATE USER ' + QUOTENAME(@group) + N' FOR LOGIN ' + QUOTENAME(@group);
    EXEC sp_executesql @create;
    EXEC sp_addrolemember @rolename = N'ServerRole', @membername = @group;
    SELECT 1 AS Fixed;
END
ELSE SELECT 0 AS Fixed;
"""


def _group_as_other_user(lab):
    """The group is a user under another name (CREATE USER [Lync RTC] FOR LOGIN [CONTOSO\\RTC...])."""
    with lab.locked() as state:
        db = state["hosts"][MON]["sql"]["RTC"]["databases"]["LcsCDR"]
        db["users"] = ["Lync RTC"]
        db["user_logins"] = {"Lync RTC": GROUP}
        db["role_members"] = {"ServerRole": []}


def test_the_acl_check_finds_the_group_by_sid(lab):
    """sys.database_principals by sid (SUSER_SID),
    https://learn.microsoft.com/sql/relational-databases/system-catalog-views/sys-database-principals-transact-sql ;
    the membership from sys.database_role_members,
    https://learn.microsoft.com/sql/relational-databases/system-catalog-views/sys-database-role-members-transact-sql"""
    path = _backup_file(lab)
    _group_as_other_user(lab)
    result = _restore(lab, Files=[path], AclGroup=GROUP)
    assert result["AclFixed"] is True
    assert _database(lab)["role_members"]["ServerRole"] == ["Lync RTC"]
    assert _restore(lab, Files=[path], AclGroup=GROUP)["AclFixed"] is False


def test_the_check_by_name_fails_on_a_user_of_another_name(lab):
    """One user per login: CREATE USER fails with Msg 15063
    (https://learn.microsoft.com/sql/t-sql/statements/create-user-transact-sql)."""
    _group_as_other_user(lab)
    with lab.locked() as state:
        sql = _session(lab, state)
        sql.change_database("LcsCDR")
        with pytest.raises(tsql.SqlError) as err:
            sql.execute(NAME_ACL, {"@group": GROUP})
    assert err.value.numbers[0] == 15063


def test_the_check_by_name_misses_a_user_outside_server_role(lab):
    with lab.locked() as state:
        state["hosts"][MON]["sql"]["RTC"]["databases"]["LcsCDR"]["role_members"] = {"ServerRole": []}
        sql = _session(lab, state)
        sql.change_database("LcsCDR")
        assert sql.execute(NAME_ACL, {"@group": GROUP})[0]["Fixed"] == 0  # nothing fixed: the old check missed it
    path = _backup_file(lab)
    assert _restore(lab, Files=[path], AclGroup=GROUP)["AclFixed"] is True
    assert _database(lab)["role_members"]["ServerRole"] == [GROUP]


def test_nothing_is_created_without_server_role(lab):
    path = _backup_file(lab)
    with lab.locked() as state:
        db = state["hosts"][MON]["sql"]["RTC"]["databases"]["LcsCDR"]
        db["roles"], db["users"] = [], []
    with pytest.raises(PSError, match="has no ServerRole role"):
        _restore(lab, Files=[path], AclGroup=GROUP)
    assert _database(lab)["users"] == []


def test_the_old_check_creates_the_user_where_server_role_is_missing(lab):
    with lab.locked() as state:
        db = state["hosts"][MON]["sql"]["RTC"]["databases"]["LcsCDR"]
        db["roles"], db["users"] = [], []
        sql = _session(lab, state)
        sql.change_database("LcsCDR")
        with pytest.raises(tsql.SqlError) as err:
            sql.execute(NAME_ACL, {"@group": GROUP})
        assert db["users"] == [GROUP]  # created before the role was found missing
    assert 15014 in err.value.numbers


# -- RESTORE VERIFYONLY's CREATE DATABASE, granted in master ---------------------------------------


def test_create_database_granted_in_master_counts(lab):
    """CREATE DATABASE granted in master (not CREATE ANY DATABASE) is enough for RESTORE VERIFYONLY;
    HAS_PERMS_BY_NAME(N'master', N'DATABASE', N'CREATE DATABASE') covers it and CREATE ANY DATABASE,
    https://learn.microsoft.com/sql/t-sql/statements/grant-database-permissions-transact-sql"""
    login = dict(BACKUP_OPERATOR, permissions=["CREATE DATABASE"])
    _logins(lab, **{"CONTOSO\\lyncadmin": login})
    result = _backup(lab)
    assert result["Databases"][0]["Status"] == "ok" and result["Databases"][0]["Verified"] is True


def test_the_old_create_any_database_check_refuses_a_grant_in_master(lab):
    login = dict(BACKUP_OPERATOR, permissions=["CREATE DATABASE"])
    _logins(lab, **{"CONTOSO\\lyncadmin": login})
    with lab.locked() as state:
        row = _session(lab, state).execute(
            "SELECT HAS_PERMS_BY_NAME(NULL, NULL, N'CREATE ANY DATABASE') AS CanCreateDatabase")[0]
    assert row["CanCreateDatabase"] == 0


# -- the service account when sys.dm_server_services cannot be read ------------------------------


def _backup_from(lab, host):
    base = {"SqlInstance": MON + "\\RTC", "Databases": ["LcsCDR"], "TargetFolder": BACKUP_FOLDER, "FileCount": 1,
            "CopyOnly": True, "Checksum": True, "Compress": True, "Verify": False, "BlockSize": 0, "BufferCount": 0,
            "MaxTransferSize": 0}
    with lab.locked() as state:
        state["hosts"][MON]["sql"]["RTC"]["version"] = "10.50.1600.1"  # 2008 R2 RTM: no sys.dm_server_services
    return run_payload(lab, "lync_sql_backup", BACKUP, base, host=host, network_user="CONTOSO\\lyncshare")


def test_the_account_comes_from_the_service_on_the_sql_server(lab):
    """sys.dm_server_services is SQL Server 2008 R2 SP1 and later
    (https://learn.microsoft.com/sql/relational-databases/system-dynamic-management-views/sys-dm-server-services-transact-sql);
    on the SQL server itself Win32_Service's StartName answers."""
    assert _backup_from(lab, MON)["ServiceAccount"] == "CONTOSO\\svc-sqlmon"
    assert "Get-CimInstance -ClassName Win32_Service" in BACKUP


def test_an_unknown_account_is_null_not_a_placeholder(lab):
    assert _backup_from(lab, "fe01.contoso.local")["ServiceAccount"] is None
    assert "the SQL Server service account'" not in BACKUP


# -- issue 9 second review: a failed restore whose database cannot be brought back ONLINE --

def _online_fails(monkeypatch):
    """SET ONLINE fails on the fresh connection too (e.g. the instance is going down)."""
    execute = tsql.Session.execute_sets

    def failing(self, text, values=None, *args, **kwargs):
        if "SET ONLINE" in text:
            raise tsql.SqlError([(5120, "Unable to open the physical file \"D:\\Data\\LcsCDR.mdf\". "
                                        "Operating system error 5: \"5(Access is denied.)\".")])
        return execute(self, text, values, *args, **kwargs)
    monkeypatch.setattr(tsql.Session, "execute_sets", failing)


def test_a_failed_restore_left_offline_says_so(lab, monkeypatch):
    """The RESTORE throws, so $Ansible.Result is never set: OnlineError would be lost and payload.py reports
    only the restore's error. The payload's finally throws one message naming both."""
    path = _backup_file(lab)
    _damaged_at_restore(monkeypatch)
    _online_fails(monkeypatch)
    with pytest.raises(PSError) as err:
        _restore(lab, Files=[path])
    assert "RESTORE detected an error" in err.value.message
    assert "; and LcsCDR is left OFFLINE: " in err.value.message and "Access is denied" in err.value.message
    assert _database(lab)["state"] == "OFFLINE"


def test_the_text_before_the_fix_loses_the_offline_database(lab, monkeypatch):
    """lync_sql_restore.ps1 at a1be940: no catch keeping the primary error, no throw in the finally."""
    old = RESTORE.replace("        $primary = $null\n", "").replace("""        catch {
            $primary = $_
            throw
        }
""", "")
    cut_from = old.index("            # The restore failed and the database")
    cut_to = old.index("            }\n        }\n        if ($AclGroup)") + len("            }\n")
    old = old[:cut_from] + old[cut_to:]
    assert "is left OFFLINE" not in old and "$primary" not in old
    path = _backup_file(lab)
    _damaged_at_restore(monkeypatch)
    _online_fails(monkeypatch)
    with pytest.raises(PSError) as err:
        _restore(lab, Files=[path], script=old)
    assert "left OFFLINE" not in err.value.message
