"""The preflight's payloads (lync_sql_rights, lync_sql_write_probe, lync_share_space) run in the lab's engine over the
lab's SQL Server and disks: what they return, and what a missing right, a share that refuses the SQL Server service
account and a full disk look like to them. Planted defects (a copy of a payload's text with one line changed) show
that these tests fail when the payload is wrong. The whole preflight: tests/lab/test_preflight_sql.py."""

import pathlib

import pytest

from lync_lab import boundary, netid
from lync_lab.context import Context

ROOT = pathlib.Path(__file__).resolve().parents[2]
PAYLOADS = ROOT / "plugins" / "plugin_utils" / "payloads"
MON = "sqlmon01.contoso.local"
BACKUP = "backup01.contoso.local"
SHARE = "\\\\backup01.contoso.local\\LyncBackup"
FOLDER = SHARE + "\\.preflight-0123456789ab"
NETWORK_USER = "CONTOSO\\svc-lyncbackup"
LOGIN = "CONTOSO\\lyncadmin"


def text(name):
    return (PAYLOADS / ("%s.ps1" % name)).read_text(encoding="utf-8")


def run(lab, name, params, host=MON, script=None):
    """The engine's run of payload `name` (or of `script`, a changed copy of it) on `host` with the network identity."""
    with lab.locked() as state:
        ctx = Context(lab, state, host, False, [], name)
        ctx.network_user = NETWORK_USER
        with netid.session(ctx):
            ran = boundary.open_session(ctx).engine.run(script or text(name), params)
    return ran


def result(lab, name, params, **kw):
    ran = run(lab, name, params, **kw)
    assert ran.terminating_error is None, ran.terminating_error.Exception.Message
    return ran.result


def share_names(lab):
    path = lab.host_root(BACKUP) / "D" / "LyncBackup"
    assert path.is_dir(), path
    return sorted(p.name for p in path.iterdir())


@pytest.fixture
def lab(make_lab):
    return make_lab("enterprise")


def test_rights_read_what_the_login_holds(lab):
    asked = {"SqlInstance": MON + "\\RTC", "Databases": ["LcsCDR", "LcsLog", "model", "tempdb", "nosuchdb"]}
    got = result(lab, "lync_sql_rights", asked)
    assert (got["Login"], got["IsSysadmin"], got["CanCreateDatabase"]) == (LOGIN, 1, 1)
    by_name = {d["Name"]: d for d in got["Databases"]}
    assert by_name["LcsCDR"]["CanBackup"] == 1 and by_name["model"]["CanBackup"] == 1
    # HAS_PERMS_BY_NAME's NULL (tempdb here) comes back as $null, not a DBNull object; a database that does not
    # exist has no id and is not asked about.
    assert by_name["tempdb"]["CanBackup"] is None
    assert by_name["nosuchdb"] == {"Name": "nosuchdb", "Id": None, "State": None, "CanBackup": None}
    assert {(f["DatabaseId"], f["Type"]) for f in got["Files"]} >= {(by_name["LcsCDR"]["Id"], 0), (by_name["LcsCDR"]["Id"], 1)}
    with lab.locked() as state:
        state["hosts"][MON]["sql"]["RTC"]["logins"] = {LOGIN: {"server_roles": [], "database_roles": {
            "LcsCDR": ["db_backupoperator"]}}}
    got = result(lab, "lync_sql_rights", asked)
    by_name = {d["Name"]: d["CanBackup"] for d in got["Databases"]}
    assert (got["IsSysadmin"], got["CanCreateDatabase"], by_name["LcsCDR"], by_name["LcsLog"], by_name["model"]) == (
        0, 0, 1, 0, 0)


def test_the_write_probe_writes_and_removes_its_folder(lab):
    before = share_names(lab)
    got = result(lab, "lync_sql_write_probe", {"SqlInstance": MON + "\\RTC", "Database": "model", "Folder": FOLDER,
                                               "Verify": True})
    assert got == {"Written": True, "Error": None, "VerifiedBySql": True, "VerifyError": None, "ReadBySession": True,
                   "ReadError": None, "Removed": True, "RemoveError": None}
    assert share_names(lab) == before


def test_a_missing_root_is_never_created(lab):
    ran = run(lab, "lync_sql_write_probe", {"SqlInstance": MON + "\\RTC", "Database": "model",
                                            "Folder": SHARE + "\\NotYet\\.preflight-0123456789ab"})
    assert ran.terminating_error.Exception.Message.startswith(
        "LYNC_SHARE_ACCESS: the backup root %s\\NotYet does not exist" % SHARE)
    assert "NotYet" not in share_names(lab)


def test_a_refused_service_account_is_reported_and_the_folder_still_removed(lab):
    with lab.locked() as state:
        state["hosts"][BACKUP]["shares"]["LyncBackup"]["deny_write"] = ["CONTOSO\\svc-sqlmon"]
    before = share_names(lab)
    got = result(lab, "lync_sql_write_probe", {"SqlInstance": MON + "\\RTC", "Database": "model", "Folder": FOLDER})
    assert got["Written"] is False and got["Removed"] is True
    assert "Operating system error 5(Access is denied.)" in got["Error"]
    assert share_names(lab) == before


def test_a_full_disk_is_error_112_not_error_5(lab):
    with lab.locked() as state:
        state["hosts"][BACKUP]["disks"]["D"]["free_bytes"] = 10
    got = result(lab, "lync_sql_write_probe", {"SqlInstance": MON + "\\RTC", "Database": "model", "Folder": FOLDER})
    assert got["Written"] is False and "112(There is not enough space on the disk.)" in got["Error"]
    assert "error 5(" not in got["Error"]


def test_planted_a_probe_without_its_removal_leaves_the_folder(lab):
    """The defect the byte-for-byte tests catch: a probe that does not remove its folder."""
    planted = text("lync_sql_write_probe").replace("    Remove-Item -LiteralPath $Folder -Recurse -Force\n", "    $null = 0\n")
    assert planted != text("lync_sql_write_probe")
    got = result(lab, "lync_sql_write_probe", {"SqlInstance": MON + "\\RTC", "Database": "model", "Folder": FOLDER},
                 script=planted)
    assert got["Removed"] is False and ".preflight-0123456789ab" in share_names(lab)


def test_a_failed_removal_is_reported_not_thrown(lab):
    """Remove-Item failing (a file held open, a missing Delete right) leaves a result naming it, so the rights read
    before are kept (plugins/action/lync_sql_check.py)."""
    planted = text("lync_sql_write_probe").replace(
        "        Remove-Item -LiteralPath $Folder -Recurse -Force\n",
        "        Remove-Item -LiteralPath $Folder -Recurse -Force\n        throw 'held open'\n")
    assert planted != text("lync_sql_write_probe")
    got = result(lab, "lync_sql_write_probe", {"SqlInstance": MON + "\\RTC", "Database": "model", "Folder": FOLDER},
                 script=planted)
    assert got["Written"] is True and got["RemoveError"] == "held open"


def test_a_network_identity_refused_by_the_share_stops_with_the_marker(lab):
    with lab.locked() as state:
        state["hosts"][BACKUP]["shares"]["LyncBackup"]["deny_write"] = [NETWORK_USER]
    ran = run(lab, "lync_sql_write_probe", {"SqlInstance": MON + "\\RTC", "Database": "model", "Folder": FOLDER})
    assert ran.terminating_error is not None
    assert ran.terminating_error.Exception.Message.startswith(
        "LYNC_SHARE_ACCESS: this connection's network credentials cannot create %s: " % FOLDER)


def test_share_space_reads_the_share_and_the_volumes_as_the_disks_are(lab):
    with lab.locked() as state:
        state["hosts"][BACKUP]["disks"]["D"]["free_bytes"] = 12345
    got = result(lab, "lync_share_space", {"ShareName": "LyncBackup"}, host=BACKUP)
    assert got["Shares"] == [{"Name": "LyncBackup", "Path": "D:\\LyncBackup"}]
    assert {"Name": "D:\\", "Capacity": 500 * 2 ** 30, "FreeSpace": 12345} in got["Volumes"]
    # A write on the share moves the volume's free space (fsops), and Win32_Volume shows it.
    result(lab, "lync_sql_write_probe", {"SqlInstance": MON + "\\RTC", "Database": "model", "Folder": FOLDER})
    assert result(lab, "lync_share_space", {"ShareName": "LyncBackup"}, host=BACKUP)["Volumes"] == got["Volumes"]
