"""lync_filestore_copy: robocopy's arguments as separate parameters, its exit code as Microsoft's robocopy page gives it
(a bit mask: below 8 success, 8 and above failure,
https://learn.microsoft.com/windows-server/administration/windows-commands/robocopy), its closing table read back.
Without a network identity on the task the copy runs in this session (detached.run's fallback), so one payload call."""

import importlib

import pytest
from ansible.errors import AnsibleActionFail

from ...conftest import ok
from .test_backup_modules import action, payload_names

copy = importlib.import_module("ansible_collections.lync.server.plugins.action.lync_filestore_copy")

VARS = {"inventory_hostname": "fs01.contoso.local"}
DEST = "\\\\backup01.contoso.local\\LyncBackup\\lync-20261124T020000Z-abcdef\\filestores\\fs01_lyncshare"
TABLE = ("-------------------------------------------------------------------------------",
         "               Total    Copied   Skipped  Mismatch    FAILED    Extras",
         "    Dirs :         3         3         0         0         0         0",
         "   Files :        51        50         1         0         0         0",
         "   Bytes :   1.500 m   1.000 m   512.0 k         0         0         0")


def _run(rc, tail=TABLE, errors=(), **args):
    act, recorder = action("lync_filestore_copy", dict({"src": "D:\\Lync Store\\", "dest": DEST,
                                                        "flags": "/E /COPY:DAT /NP /XF Meeting.Active *.tmp"}, **args),
                           [ok({"ExitCode": rc, "Tail": list(tail), "Errors": list(errors)}, changed=True)])
    return act.run(task_vars=VARS), recorder


def test_source_destination_and_each_flag_travel_as_parameters():
    result, recorder = _run(1)
    assert payload_names(recorder) == ["lync_filestore_copy"]
    call = recorder.calls[0]["module_args"]
    # The trailing backslash goes: inside PowerShell's quotes around a path with spaces it would escape the quote.
    assert call["parameters"] == {"Source": "D:\\Lync Store", "Destination": DEST,
                                  "Flags": ["/E", "/COPY:DAT", "/NP", "/XF", "Meeting.Active", "*.tmp", "/R:2", "/W:5"]}
    assert "Lync Store" not in call["script"] and "Meeting.Active" not in call["script"]
    assert result["failed"] is False and result["changed"] is True and result["rc"] == result["return_code"] == 1


def test_the_closing_table_is_read_back_with_units_in_bytes():
    result, dummy = _run(1)
    assert result["summary"]["files"] == {"total": 51, "copied": 50, "skipped": 1, "mismatch": 0, "failed": 0,
                                          "extras": 0}
    assert result["summary"]["bytes"]["copied"] == 2 ** 20 and result["summary"]["bytes"]["skipped"] == 512 * 1024
    assert copy.summary(["no table here"]) == {}


@pytest.mark.parametrize("rc, changed", [(0, False), (1, True), (2, False), (3, True), (7, True)])
def test_exit_codes_below_8_succeed(rc, changed):
    result, dummy = _run(rc)
    assert result["failed"] is False and result["changed"] is changed and result["msg"] == copy.meaning(rc)


@pytest.mark.parametrize("rc", [8, 9, 16])
def test_exit_codes_from_8_fail_with_the_code_in_words_and_the_error_lines(rc):
    result, dummy = _run(rc, errors=["ERROR 112 (0x00000070) Copying File a.txt There is not enough space on the disk."])
    assert result["failed"] is True and result["rc"] == rc
    assert "exited with %d" % rc in result["msg"] and "not enough space" in result["msg"]
    assert ("fatal error" in result["msg"]) is (rc == 16)


@pytest.mark.parametrize("args, message", [
    ({"flags": "/E C:\\other"}, "is not a robocopy option"),
    ({"src": "/E"}, "is not a folder path"),
    ({"dest": ""}, "is not a folder path"),
    ({"dest": "D:\\a\"b"}, "is not a folder path"),
])
def test_bad_arguments_are_refused_before_anything_runs(args, message):
    act, recorder = action("lync_filestore_copy", dict({"src": "D:\\Store", "dest": DEST}, **args))
    with pytest.raises(AnsibleActionFail, match=message):
        act.run(task_vars=VARS)
    assert recorder.calls == []


def test_check_mode_contacts_no_host():
    act, recorder = action("lync_filestore_copy", {"src": "D:\\Store", "dest": DEST}, check_mode=True)
    result = act.run(task_vars=VARS)
    assert recorder.calls == [] and result["changed"] is True and result["failed"] is False and result["rc"] is None


def test_a_drive_root_keeps_its_backslash():
    dummy, recorder = _run(1, src="D:\\")
    assert recorder.calls[0]["module_args"]["parameters"]["Source"] == "D:\\"


@pytest.mark.parametrize("src, dest, store, set_id", [
    ("\\\\fs01.contoso.local\\LyncShare", "\\\\backup01\\LyncBackup\\lync-20261124T020000Z-abcdef\\filestores\\fs01_lyncshare",
     "\\\\fs01.contoso.local\\LyncShare", "lync-20261124T020000Z-abcdef"),
    ("\\\\backup01\\LyncBackup\\lync-20261124T020000Z-abcdef\\filestores\\fs01_lyncshare", "D:\\LyncShare",
     "D:\\LyncShare", "lync-20261124T020000Z-abcdef"),
    ("D:\\a", "E:\\b", "E:\\b", None),
])
def test_a_copy_job_is_named_after_its_store_not_the_set(src, dest, store, set_id):
    """Review finding 1 of the detached work: a rerun of the role opens a new set; the copy job of the same store
    must have the same name so that the rerun waits for a copy still running instead of starting a second one."""
    assert copy.store_and_set(src, dest) == (store, set_id)


@pytest.mark.parametrize("flags, added", [("/E /R:0 /W:1", []), ("/E /XF a.txt", ["/R:2", "/W:5"]), ("/E /w:3", ["/R:2"])])
def test_retries_are_bounded_when_the_flags_leave_them_out(flags, added):
    """robocopy's own defaults retry a locked file 1,000,000 times 30 s apart (review detached2, finding 8)."""
    assert copy.split_flags(flags) == flags.split() + added


# A German Windows: robocopy.exe is localized (its row labels, FEHLER for ERROR). The success or failure is the exit
# code's alone (review detached2 7); the closing table is best effort, and read back as empty, never as wrong numbers.
GERMAN = ("-------------------------------------------------------------------------------",
          "               Insgesamt   KopiertÜbersprungenKeine Übereinstimmung    FEHLER    Extras",
          "Verzeich.:         3         3         0         0         0         0",
          "  Dateien:        51        50         1         0         0         0",
          "    Bytes:   1.500 m   1.000 m   512.0 k         0         0         0")


@pytest.mark.parametrize("rc, failed", [(0, False), (1, False), (3, False), (7, False), (8, True), (16, True)])
def test_a_localized_robocopy_output_does_not_change_the_decision(rc, failed):
    # The payload's ERROR filter finds no "FEHLER" line: a localized failure names no file, and still fails.
    result, dummy = _run(rc, tail=GERMAN, errors=[])
    english, dummy = _run(rc)
    assert result["failed"] is failed is english["failed"] and result["rc"] == rc
    assert result["changed"] == english["changed"] and result["msg"].split(":")[0] == english["msg"].split(":")[0]
    assert set(result["summary"]) <= {"bytes"}  # "Bytes" is the same word; Dirs/Files rows are not misread
    if failed:
        assert "exited with %d" % rc in result["msg"]


# What a stopped copy deletes (detached.run's leftovers): only this store's copy inside a set, never a file store
# (a recovery copies onto it), never the set itself.
SET_ROOT = "\\\\backup01.contoso.local\\LyncBackup\\lync-20261124T020000Z-abcdef"


@pytest.mark.parametrize("src, dest, leftovers", [
    ("D:\\Lync Store", DEST, [DEST]),  # a backup: the store's copy in the set
    (DEST, "D:\\Lync Store", []),  # a recovery: the file store is never deleted
    ("D:\\Lync Store", SET_ROOT, []),  # the set itself: never
    ("D:\\Lync Store", "E:\\elsewhere", []),  # no set at all
])
def test_a_stopped_copy_deletes_only_its_copy_inside_a_set(monkeypatch, src, dest, leftovers):
    seen = {}

    def fake_run(*args, **kwargs):
        seen.update(kwargs)
        return copy.detached.door.PayloadResult({"ExitCode": 1, "Tail": [], "Errors": []}, True, [])
    monkeypatch.setattr(copy.detached, "run", fake_run)
    act, dummy = action("lync_filestore_copy", {"src": src, "dest": dest})
    act.run(task_vars=VARS)
    assert seen["leftovers"] == leftovers
