"""Issue 12 leftover: a backup root within its own 200 characters can still put the SQL backup files past what SQL
Server takes as a backup device name (259 characters; backup_plan.SQL_DEVICE_MAX): the preflight refuses such a
root naming the file and the limit, the backup fails the SQL item before any BACKUP with the same words, and
without that check the lab's SQL Server refuses the BACKUP as SQL Server does (Msg 3057 then 3013,
lync_lab/tsql.py Session._device_names; https://learn.microsoft.com/sql/relational-databases/errors-events/database-engine-events-and-errors-3000-to-3999)."""

import json
import shutil

import pytest

from tests.conftest import ROOT, lab_env
from tests.lab.test_detached import history
from tests.lab.test_preflight import failed_checks, fix_after

SHARE = "\\\\backup01.contoso.local\\LyncBackup\\"
SQL_FOLDER = "\\lync-YYYYMMDDTHHMMSSZ-xxxxxx\\sql\\lyncse01.contoso.local_rtc\\"
LONG_MESSAGE = "characters long; SQL Server refuses a backup device name longer than 259 characters (Msg 3057"


def _long_root(lab, length=187):
    """A root of `length` characters on the backup share (its folder made), within check_root's 200. At 187 the
    SQL backup files of lyncse01's longer database names (rtcshared.bak: 261 characters) pass 259 while the shorter
    ones (rtcxds.bak: 258) and every other item's files fit (the exports' userdata.zip: 258)."""
    deep = "n" * (length - len(SHARE))
    (lab.host_root("backup01.contoso.local") / "D" / "LyncBackup" / deep).mkdir()
    return SHARE + deep


def test_the_preflight_refuses_a_root_whose_sql_backup_files_pass_259_characters(make_lab, run_playbook):
    lab = make_lab("standard")
    root = _long_root(lab)
    run = run_playbook(lab, "lync.server.preflight", extra_vars={"lync_backup_root": root})
    assert run.rc != 0
    (line,) = [f for f in failed_checks(run) if f.startswith("FAIL  deployment  SQL backup paths: ")]
    path = line.split("the SQL backup file ", 1)[1].split(" is ", 1)[0]
    assert path.startswith(root + SQL_FOLDER) and path.endswith(".bak") and len(path) > 259, line
    assert ("is %d %s" % (len(path), LONG_MESSAGE)) in line
    assert "at most %d characters here" % (len(root) - (len(path) - 259)) in fix_after(run, line)
    # A root of the usual length passes the same check.
    run = run_playbook(lab, "lync.server.preflight")
    assert not [f for f in failed_checks(run) if "SQL backup paths" in f], failed_checks(run)


def _sql_item(lab, root):
    sets = [p for p in (lab.host_root("backup01.contoso.local") / "D" / "LyncBackup" / root.rsplit("\\", 1)[1]).iterdir()
            if p.name.startswith("lync-")]
    assert len(sets) == 1, sets
    manifest = json.loads((sets[0] / "manifest.json").read_text(encoding="utf-8"))
    (item,) = [i for i in manifest["items"] if i["kind"] == "sql"]
    return manifest, item


def test_the_backup_fails_the_sql_item_before_any_backup_naming_the_file_and_the_limit(make_lab, run_playbook):
    lab = make_lab("standard")
    root = _long_root(lab)
    run = run_playbook(lab, "lync.server.backup", "-e", json.dumps({"lync_backup_root": root}))
    assert run.rc != 0  # the set is partial
    manifest, item = _sql_item(lab, root)
    assert manifest["status"] == "partial" and item["status"] == "failed"
    assert item["error"].startswith("lync_sql_backup on lyncse01.contoso.local: the SQL backup file %s" % root), item
    assert LONG_MESSAGE in item["error"]
    assert [i["id"] for i in manifest["items"] if i["status"] != "ok"] == [item["id"]]  # the rest is backed up
    assert history(lab) == []  # no BACKUP started


@pytest.fixture
def without_the_check(tmp_path):
    """Env that runs a copy of the collection whose lync_sql_backup action does not refuse long backup files."""
    dest = tmp_path / "planted" / "ansible_collections" / "lync" / "server"
    for part in ("plugins", "roles", "playbooks", "meta"):
        shutil.copytree(ROOT / part, dest / part, symlinks=False)
    shutil.copy2(ROOT / "galaxy.yml", dest / "galaxy.yml")
    target = dest / "plugins" / "action" / "lync_sql_backup.py"
    text = target.read_text(encoding="utf-8")
    old = "        if too_long:\n"
    assert old in text
    target.write_text(text.replace(old, "        if False:  # planted\n"), encoding="utf-8")
    lab_collections, others = lab_env()["ANSIBLE_COLLECTIONS_PATH"].split(":", 1)
    return {"ANSIBLE_COLLECTIONS_PATH": "%s:%s:%s" % (lab_collections, tmp_path / "planted", others)}


def test_planted_without_the_check_the_lab_sql_server_refuses_the_backup_with_msg_3057(
        make_lab, run_playbook, without_the_check):
    lab = make_lab("standard")
    root = _long_root(lab)
    run = run_playbook(lab, "lync.server.backup", "-e", json.dumps({"lync_backup_root": root}), env=without_the_check)
    assert run.rc != 0
    dummy, item = _sql_item(lab, root)
    assert item["status"] == "failed"
    assert ("Invalid device name. The length of the device name provided exceeds supported limit (maximum length "
            "is:259). Reissue the BACKUP statement with a valid device name.") in item["error"], item["error"]
    assert "BACKUP DATABASE is terminating abnormally." in item["error"]
    assert [r["database_name"] for r in history(lab)] != []  # the databases whose files fit were backed up


# -- Review hardlink3, finding 5: the SQL backup folder itself must stay under 248 characters ----------------------

FOLDER_MESSAGE = ("characters long; Windows creates a directory only when its path is shorter than 248 characters (at "
                  "most 247")
TOO_LONG_DIRECTORY = "the directory name must be less than 248 characters"
# The planted defect: the folder made by New-Item -Force again, which 5.1 lets fail silently (review s9a, finding 3).
MAKE_FOLDER = ("        $null = [System.IO.Directory]::CreateDirectory($TargetFolder)\n",
               "        $null = New-Item -ItemType Directory -Path $TargetFolder -Force\n")


def test_the_lab_makes_no_directory_of_248_characters_without_the_prefix_and_new_item_force_says_nothing(make_lab):
    """CreateDirectory's limit (https://learn.microsoft.com/windows/win32/api/winbase/nf-winbase-createdirectory: 248
    characters; .NET Framework's PathTooLongException): a folder of 247 characters is made, one of 248 is not, and the
    same 248 characters with \\\\?\\UNC\\ are made. Under -Force, Windows PowerShell 5.1's New-Item drops that
    PathTooLongException (an IOException: FileSystemProvider.CreateDirectory, PowerShell issue #5290): no output, no
    error, and only Test-Path tells; without -Force the error is written."""
    from tests.lab.test_backup_incremental import session  # pylint: disable=import-outside-toplevel
    lab = make_lab("standard")
    engine = session(lab, "lyncse01.contoso.local")
    share = SHARE.rstrip("\\")
    fits, refused = share + "\\" + "a" * (247 - len(share) - 1), share + "\\" + "b" * (248 - len(share) - 1)
    extended = "\\\\?\\UNC\\" + refused[2:]
    out = engine.run("foreach ($p in @('%s', '%s', '%s')) { try { $made = @(New-Item -ItemType Directory -Path $p "
                     "-Force -ErrorAction Stop).Count; '{0} {1}' -f $made, (Test-Path -LiteralPath $p -PathType "
                     "Container) } catch { [string]$_.Exception.Message } }; "
                     "try { $null = New-Item -ItemType Directory -Path '%s' -ErrorAction Stop; 'made' } "
                     "catch { [string]$_.Exception.Message }"
                     % (fits, refused, extended.replace("b" * 3, "c" * 3, 1), refused), {})
    assert len(fits) == 247 and len(refused) == 248
    assert out.output[:3] == ["1 True", "0 False", "1 True"], out.output
    assert TOO_LONG_DIRECTORY in out.output[3], out.output


def test_the_backup_refuses_a_sql_folder_of_248_characters_before_any_backup(make_lab, run_playbook):
    """At 188 characters the root puts lyncse01's SQL backup folder at 248: the SQL item fails before any BACKUP,
    naming the folder and the limit (New-Item -Force would silently make no folder, and each BACKUP would fail with
    operating system error 3)."""
    lab = make_lab("standard")
    root = _long_root(lab, 188)
    run = run_playbook(lab, "lync.server.backup", "-e", json.dumps({"lync_backup_root": root}))
    assert run.rc != 0
    manifest, item = _sql_item(lab, root)
    assert item["status"] == "failed"
    folder = item["error"].split("the SQL backup folder ", 1)[1].split(" is ", 1)[0]
    assert folder.startswith(root + "\\lync-") and folder.endswith("\\sql\\lyncse01.contoso.local_rtc")
    assert len(folder) == 248 and ("is 248 " + FOLDER_MESSAGE) in item["error"], item["error"]
    assert history(lab) == []  # no BACKUP started


def test_planted_without_the_check_the_payload_names_the_sql_folder_it_could_not_create(
        make_lab, run_playbook, without_the_check):
    """Without the controller's refusal the payload's Directory.CreateDirectory throws PathTooLongException for a
    folder of 248 characters: the item stops, naming the folder and the reason."""
    lab = make_lab("standard")
    root = _long_root(lab, 188)
    run = run_playbook(lab, "lync.server.backup", "-e", json.dumps({"lync_backup_root": root}), env=without_the_check)
    assert run.rc != 0
    dummy, item = _sql_item(lab, root)
    assert item["status"] == "failed", item
    assert item["error"].startswith("lync_sql_backup on lyncse01.contoso.local: this connection cannot create %s\\lync-"
                                    % root), item["error"]
    assert TOO_LONG_DIRECTORY in item["error"], item["error"]
    assert history(lab) == []  # the folder could not be made, so no database was backed up


def test_planted_without_the_check_and_with_new_item_force_each_backup_fails_with_os_error_3(
        make_lab, run_playbook, without_the_check, plant_defect):
    """Without both, what Windows does: New-Item -Force says nothing, and SQL Server's BACKUP into the missing folder
    fails with Msg 3201, operating system error 3, then Msg 3013 (lync_lab/tsql.py Session._backup), database by
    database, with no word of the folder's length."""
    plant_defect("lync_sql_backup", *MAKE_FOLDER)
    lab = make_lab("standard")
    root = _long_root(lab, 188)
    run = run_playbook(lab, "lync.server.backup", "-e", json.dumps({"lync_backup_root": root}), env=without_the_check)
    assert run.rc != 0
    dummy, item = _sql_item(lab, root)
    assert item["status"] == "failed" and "cannot create" not in item["error"], item["error"]
    assert ("Operating system error 3(The system cannot find the path specified.)" in item["error"]
            and "BACKUP DATABASE is terminating abnormally." in item["error"]), item["error"]
    assert history(lab) == []
