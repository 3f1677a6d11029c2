"""lync_sql_backup after the issue-9 review: BACKUP tuning values, the identity a share sees, an unknown
service account (recorded null, skipped by pins).

Microsoft's pages:
* BACKUP BLOCKSIZE (512 ... 65536, a power of two) and MAXTRANSFERSIZE (a multiple of 64 KB up to 4 MB),
  https://learn.microsoft.com/sql/t-sql/statements/backup-transact-sql
* virtual accounts, NETWORK SERVICE and LocalSystem reach the network as the computer account,
  https://learn.microsoft.com/sql/database-engine/configure-windows/configure-windows-service-accounts-and-permissions
"""

import importlib

import pytest
from ansible.errors import AnsibleActionFail

from ansible_collections.lync.server.plugins.plugin_utils import pins as pinlib

from .test_backup_modules import SET, ok, run

backup = importlib.import_module("ansible_collections.lync.server.plugins.action.lync_sql_backup")


def _tuning(block=0, transfer=0):
    return {"block_size": block, "max_transfer_size": transfer}


@pytest.mark.parametrize("block", [0, 512, 1024, 4096, 65536])
def test_block_sizes_sql_server_takes(block):
    backup.check_tuning(_tuning(block=block))


@pytest.mark.parametrize("block", [1, 511, 1000, 3000, 131072, 65535])
def test_other_block_sizes_are_refused(block):
    with pytest.raises(AnsibleActionFail, match=r"block_size must be a power of two from 512 to 65536 bytes.*got %d"
                       % block):
        backup.check_tuning(_tuning(block=block))


@pytest.mark.parametrize("transfer", [0, 65536, 131072, 1048576, 4194304])
def test_transfer_sizes_sql_server_takes(transfer):
    backup.check_tuning(_tuning(transfer=transfer))


@pytest.mark.parametrize("transfer", [1, 65535, 100000, 4194304 + 65536])
def test_other_transfer_sizes_are_refused(transfer):
    with pytest.raises(AnsibleActionFail, match=r"max_transfer_size must be a multiple of 65536 bytes .* up to 4194304"):
        backup.check_tuning(_tuning(transfer=transfer))


def test_the_module_refuses_a_bad_block_size_before_anything_runs():
    """Before the review 1000 passed the range check (0..65536) and reached SQL Server (Msg 3013)."""
    with pytest.raises(AnsibleActionFail, match="block_size must be a power of two"):
        run("lync_sql_backup", {"set_path": SET, "store_roles": ["UserDatabase"], "block_size": 1000})


def _denied(account):
    dbs = [{"Name": "LcsLog", "Status": "failed", "Files": [], "RecoveryModel": "SIMPLE", "DataFile": "d",
            "LogFile": "l", "Compressed": False, "Verified": False,
            "Error": "LYNC_SQL_ACCESS: SQL Server service account %s cannot write to \\\\b\\s: Operating system "
                     "error 5(Access is denied.)" % account}]
    answer = ok({"Edition": "Enterprise Edition", "Version": "11.0", "ServiceAccount": account,
                 "CompressionSupported": True, "Databases": dbs})
    return run("lync_sql_backup", {"set_path": SET, "sql_server": "sqlmon01.contoso.local", "databases": ["LcsLog"]},
               [answer])[0]


@pytest.mark.parametrize("account", ["NT Service\\MSSQL$RTC", "NT SERVICE\\MSSQLSERVER", "NT AUTHORITY\\NETWORK SERVICE",
                                     "NT AUTHORITY\\NetworkService", "LocalSystem", "NT AUTHORITY\\SYSTEM"])
def test_a_built_in_identity_is_named_as_the_computer_account(account):
    result = _denied(account)
    assert "grant the computer account SQLMON01$ of the domain write access" in result["msg"]
    assert "computer account SQLMON01$" in result["details"]["databases"][0]["error"]


def test_a_domain_account_is_named_as_it_is():
    result = _denied("CONTOSO\\svc-sqlmon")
    assert "SQL Server service account CONTOSO\\svc-sqlmon cannot write" in result["msg"]
    assert "computer account" not in result["msg"]


def _manifest(account):
    return {"items": [{"id": "sql:sqlmon01.contoso.local\\rtc", "details": {
        "sql_fqdn": "sqlmon01.contoso.local", "instance": "RTC", "service_account": account}}]}


@pytest.mark.parametrize("account", [None, "", "the SQL Server service account"])
def test_an_unknown_recorded_account_is_no_pin(account):
    """Before the review the backup recorded the placeholder 'the SQL Server service account' when
    sys.dm_server_services was unreadable, and pins refused a valid restore over it."""
    assert pinlib.recorded_sql_accounts(_manifest(account), "sqlmon01.contoso.local") == {}


def test_a_recorded_account_is_a_pin():
    assert pinlib.recorded_sql_accounts(_manifest("CONTOSO\\svc-sqlmon"), "sqlmon01.contoso.local") == {
        "RTC": "CONTOSO\\svc-sqlmon"}


def test_restore_tests_use_the_recorded_checksum_flag():
    import pathlib
    from ansible_collections.lync.server.plugins.plugin_utils import backup_plan
    manifest = {"items": [{"kind": "sql", "status": "ok", "details": {
        "sql_fqdn": "sqlmon01.contoso.local", "instance": "RTC", "databases": [
            {"name": "LcsCDR", "status": "ok", "files": ["sql/x/LcsCDR.bak"], "checksum": False},
            {"name": "LcsLog", "status": "ok", "files": ["sql/x/LcsLog.bak"]}]}}]}
    found = {b["database"]: b["checksum"] for b in backup_plan.sql_backups(manifest, "\\\\b\\s")}
    assert found == {"LcsCDR": False, "LcsLog": True}
    root = pathlib.Path(__file__).resolve().parents[4]
    assert (root / "roles" / "verify_backup" / "tasks" / "main.yml").read_text().count(
        'checksum: "{{ item.checksum | default(true) }}"') == 2


def test_a_stopped_backup_deletes_exactly_its_own_bak_files(monkeypatch):
    """detached.run's leftovers: the .bak files this backup writes in this set, named as the payload names them."""
    import importlib  # pylint: disable=import-outside-toplevel
    from ...conftest import Recorder, make_action  # pylint: disable=import-outside-toplevel
    module = importlib.import_module("ansible_collections.lync.server.plugins.action.lync_sql_backup")
    seen = {}

    def fake_run(*args, **kwargs):
        seen.update(kwargs)
        return module.detached.door.PayloadResult({"Databases": [], "Edition": "Standard", "ServiceAccount": None,
                                                   "CompressionSupported": True}, True, [])
    monkeypatch.setattr(module.detached, "run", fake_run)
    set_path = "\\\\b\\s\\lync-20261124T020000Z-abcdef"
    for count, names in ((1, ["xds.bak", "lis.bak"]), (2, ["xds_1of2.bak", "xds_2of2.bak", "lis_1of2.bak", "lis_2of2.bak"])):
        act = make_action(module.ActionModule, {"set_path": set_path, "sql_server": "sql01.contoso.local",
                                                "sql_instance": "RTC", "databases": ["xds", "lis"], "file_count": count},
                          Recorder())
        act.run(task_vars={"inventory_hostname": "sql01.contoso.local"})
        assert seen["leftovers"] == [set_path + "\\sql\\sql01.contoso.local_rtc\\" + n for n in names]
