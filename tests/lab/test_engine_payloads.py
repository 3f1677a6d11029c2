"""The lab engine runs real payload text (plugins/plugin_utils/payloads/*.ps1) end to end over a
tiny emulated file system: a handful of commands and [System.IO.File] declared the way the lab's
boundary will declare them (issue 10). The engine is not yet wired into the lab's win_powershell."""

import pathlib

import pytest

from lync_lab.engine import Command, Engine, Param, ParseError, default_table
from lync_lab.engine import types as T
from lync_lab.engine import values as V

PAYLOADS = pathlib.Path(__file__).resolve().parents[2] / "plugins" / "plugin_utils" / "payloads"


def payload(name):
    return (PAYLOADS / (name + ".ps1")).read_text(encoding="utf-8")


class FileInfo(V.NetObject):
    """System.IO.FileInfo as Get-ChildItem returns it (the members the payloads read)."""

    TYPE_NAME = "System.IO.FileInfo"

    def __init__(self, path, size):
        self.FullName = path
        self.Name = path.rsplit("\\", 1)[-1]
        self.BaseName = self.Name.rsplit(".", 1)[0] if "." in self.Name else self.Name
        self.Extension = "." + self.Name.rsplit(".", 1)[1] if "." in self.Name else ""
        self.Length = size
        self.PSIsContainer = False


class FakeHost:
    """Files by Windows path (case-insensitive), and the commands that reach them."""

    def __init__(self, files):
        self.files = {path.lower(): (path, text) for path, text in files.items()}
        self.removed = []

    def under(self, folder):
        prefix = folder.lower().rstrip("\\") + "\\"
        return [(path, text) for key, (path, text) in sorted(self.files.items()) if key.startswith(prefix)]

    def exists(self, path):
        return path.lower() in self.files or bool(self.under(path))

    # Microsoft.PowerShell.Management, with their documented parameters (the ones used here).
    def join_path(self, call):
        return [V.to_string(p).rstrip("\\") + "\\" + V.to_string(call.args["ChildPath"]) for p in call.args["Path"]]

    def test_path(self, call):
        return [all(self.exists(p) for p in call.args.get("LiteralPath") or call.args.get("Path"))]

    def get_child_item(self, call):
        root = V.to_string((call.args.get("LiteralPath") or call.args.get("Path"))[0])
        if not self.exists(root):
            call.error("Cannot find path '%s' because it does not exist." % root,
                       "System.Management.Automation.ItemNotFoundException", "PathNotFound", "ObjectNotFound", root)
            return []
        found = []
        for path, text in self.under(root):
            relative = path[len(root.rstrip("\\")) + 1:]
            if "\\" in relative and not call.switch("Recurse"):
                continue
            pattern = call.args.get("Filter")
            if pattern is not None and not V.to_bool(__import__("lync_lab.engine.operators", fromlist=["x"]).comparison(
                    "like", relative.rsplit("\\", 1)[-1], pattern)):
                continue
            found.append(FileInfo(path, len(text)))
        return found

    def remove_item(self, call):
        for path in call.args["LiteralPath"]:
            if not call.should_process(path, "Remove Directory" if self.under(path) else "Remove File"):
                continue
            if self.under(path) and not call.switch("Recurse"):
                call.terminate("The item at %s has children and the Recurse parameter was not specified." % path)
            for key in [k for k in self.files if k == path.lower() or k.startswith(path.lower().rstrip("\\") + "\\")]:
                del self.files[key]
            self.removed.append(path)

    def rename_item(self, call):
        """Rename-Item -LiteralPath -NewName: a new name in the same folder
        (https://learn.microsoft.com/powershell/module/microsoft.powershell.management/rename-item)."""
        path = V.to_string(call.args.get("LiteralPath") or call.args.get("Path"))
        new_name = V.to_string(call.args["NewName"])
        if "\\" in new_name:
            call.terminate("Cannot rename the specified target, because it represents a path or device name.")
        if not self.exists(path):
            call.terminate("Cannot rename because item at '%s' does not exist." % path)
        if not call.should_process(path, "Rename Item"):
            return
        target = path.rstrip("\\").rsplit("\\", 1)[0] + "\\" + new_name
        prefix = path.lower().rstrip("\\")
        for key in [k for k in self.files if k == prefix or k.startswith(prefix + "\\")]:
            old_path, text = self.files.pop(key)
            moved = target + old_path[len(prefix):]
            self.files[moved.lower()] = (moved, text)

    def engine(self):
        table = default_table()
        management = "Microsoft.PowerShell.Management"
        table.add(Command("Join-Path", [Param("Path", "System.String[]", position=0, mandatory=True, by_property=True),
                                        Param("ChildPath", "System.String", position=1, mandatory=True)],
                          self.join_path, module=management))
        table.add(Command("Test-Path", [Param("Path", "System.String[]", position=0, mandatory=True, sets=("Path",),
                                              pipeline=True),
                                        Param("LiteralPath", "System.String[]", mandatory=True, sets=("LiteralPath",),
                                              aliases=("PSPath",))],
                          self.test_path, default_set="Path", module=management))
        table.add(Command("Get-ChildItem", [Param("Path", "System.String[]", position=0, sets=("Items",)),
                                            Param("LiteralPath", "System.String[]", mandatory=True, sets=("LiteralItems",)),
                                            Param("Filter", "System.String", position=1), Param("Recurse", switch=True),
                                            Param("File", switch=True), Param("Force", switch=True)],
                          self.get_child_item, default_set="Items", aliases=("dir", "gci"), module=management))
        table.add(Command("Rename-Item", [Param("Path", "System.String", position=0, mandatory=True, sets=("ByPath",)),
                                          Param("LiteralPath", "System.String", mandatory=True, sets=("ByLiteralPath",),
                                                aliases=("PSPath",)),
                                          Param("NewName", "System.String", position=1, mandatory=True),
                                          Param("Force", switch=True), Param("PassThru", switch=True)],
                          self.rename_item, should_process=True, default_set="ByPath", module=management))
        table.add(Command("Remove-Item", [Param("Path", "System.String[]", position=0, mandatory=True, sets=("Path",)),
                                          Param("LiteralPath", "System.String[]", mandatory=True, sets=("LiteralPath",)),
                                          Param("Recurse", switch=True), Param("Force", switch=True)],
                          self.remove_item, should_process=True, default_set="Path", module=management))
        engine = Engine(commands=table)
        # [System.IO.File] for this session: ReadAllText reads the fake host's files.
        file_type = T.NetType("System.IO.File", registry=engine.types)

        @file_type.method("ReadAllText")
        def read_all_text(engine, path):
            found = self.files.get(V.to_string(path).lower())
            if found is None:
                raise T.DotNetError("System.IO.FileNotFoundException", "Could not find file '%s'." % path)
            return found[1]
        return engine


SET = "lync-20260115T090000Z-a1b2c3"


def test_backup_set_remove_deletes_a_set_and_counts_its_bytes():
    host = FakeHost({"D:\\Backups\\%s\\manifest.json" % SET: "{}" * 5, "D:\\Backups\\%s\\db\\rtc.bak" % SET: "x" * 90,
                     "D:\\Backups\\other.txt": "keep"})
    result = host.engine().run(payload("lync_backup_set_remove"), {"Root": "D:\\Backups", "SetIds": [SET, "lync-20250101T000000Z-ffffff"]})
    assert not result.failed, result
    assert result.result == {"Removed": [SET], "BytesFreed": 100} and result.changed
    assert list(host.files) == ["d:\\backups\\other.txt"]


def test_backup_set_remove_of_one_set_keeps_a_list():
    # `$removed = @(); $removed += $id`: one removed set is still a list in the result.
    host = FakeHost({"D:\\Backups\\%s\\manifest.json" % SET: "{}"})
    result = host.engine().run(payload("lync_backup_set_remove"), {"Root": "D:\\Backups", "SetIds": SET})
    assert result.result["Removed"] == [SET]


def test_backup_set_remove_refuses_a_name_that_is_not_a_set():
    host = FakeHost({"D:\\Backups\\x\\a": "1"})
    result = host.engine().run(payload("lync_backup_set_remove"), {"Root": "D:\\Backups", "SetIds": ["..\\x"]})
    assert result.failed and result.error_messages == ["refusing to remove ..\\x: not a backup set name"]
    assert host.removed == []


def test_backup_set_remove_as_it_was_before_issue_9_does_not_parse():
    # The payload before issue 9 had "refusing to remove $id: not a backup set name" ($id: is a
    # drive-qualified variable with no name): PowerShell refuses the whole script, so nothing runs.
    text = payload("lync_backup_set_remove")
    old = text.replace('"refusing to remove ${id}: not a backup set name"', '"refusing to remove $id: not a backup set name"')
    assert old != text
    host = FakeHost({"D:\\Backups\\%s\\manifest.json" % SET: "{}"})
    with pytest.raises(ParseError) as caught:
        host.engine().run(old, {"Root": "D:\\Backups", "SetIds": [SET]})
    assert "InvalidVariableReferenceWithDrive" in str(caught.value)
    assert host.removed == []


def test_backup_set_remove_binds_parameters_like_powershell():
    host = FakeHost({})
    result = host.engine().run(payload("lync_backup_set_remove"), {"Root": "D:\\Backups"})
    assert result.failed and result.error_messages == [
        "Cannot process command because of one or more missing mandatory parameters: SetIds."]
    result = host.engine().run(payload("lync_backup_set_remove"), {"Root": "", "SetIds": [SET]})
    assert result.error_messages == ["Cannot bind argument to parameter 'Root' because it is an empty string."]


MARKERS = "C:\\ProgramData\\lync.server\\recovery"


@pytest.mark.parametrize("check_mode", [False, True])
def test_recovery_markers_reads_the_markers_in_name_order(check_mode):
    host = FakeHost({MARKERS + "\\prepared.json": '{"stage":"prepared"}', MARKERS + "\\databases.json": '{"n":1}',
                     MARKERS + "\\notes.txt": "not a marker"})
    result = host.engine().run(payload("lync_recovery_markers"), check_mode=check_mode)
    assert not result.failed, result
    assert result.changed is False
    assert result.result == {"Folder": MARKERS, "Markers": [{"Stage": "databases", "Text": '{"n":1}'},
                                                            {"Stage": "prepared", "Text": '{"stage":"prepared"}'}]}


def test_recovery_markers_with_one_marker_is_still_a_list_and_none_is_empty():
    host = FakeHost({MARKERS + "\\prepared.json": "{}"})
    assert host.engine().run(payload("lync_recovery_markers")).result["Markers"] == [{"Stage": "prepared", "Text": "{}"}]
    assert FakeHost({}).engine().run(payload("lync_recovery_markers")).result == {"Folder": MARKERS, "Markers": []}


def test_backup_set_unlock_releases_only_its_own_lock():
    lock = "D:\\Backups\\.lync-backup.lock"
    host = FakeHost({lock: "held by %s" % SET})
    result = host.engine().run(payload("lync_backup_set_unlock"), {"Root": "D:\\Backups", "SetId": "lync-other"})
    assert result.result == {"Released": False, "Holder": "held by %s" % SET} and not result.changed
    result = host.engine().run(payload("lync_backup_set_unlock"), {"Root": "D:\\Backups", "SetId": SET})
    assert result.result == {"Released": True, "Holder": "held by %s" % SET} and result.changed
    assert host.files == {}


def test_a_misspelled_dotnet_member_fails_as_on_windows():
    # A planted defect: [System.IO.File]::ReadAllTxt -> "Method invocation failed because
    # [System.IO.File] does not contain a method named 'ReadAllTxt'." and the task fails.
    host = FakeHost({MARKERS + "\\prepared.json": "{}"})
    text = payload("lync_recovery_markers").replace("ReadAllText", "ReadAllTxt")
    result = host.engine().run(text)
    assert result.failed and result.error_messages == [
        "Method invocation failed because [System.IO.File] does not contain a method named 'ReadAllTxt'."]


# --- commands declared from the Lync cmdlet reference -------------------------------------------

# The Lync cmdlets' reference with parameter sets and positions is ../shared/reference/lync-cmdlets.json
# beside the checkout; tests/payloads/lync-cmdlets.json (names and types only) stands in without it.
ROOT = pathlib.Path(__file__).resolve().parents[2]
REFERENCE = next((p for p in (ROOT.parent / "shared" / "reference" / "lync-cmdlets.json",
                              ROOT.parent.parent / "shared" / "reference" / "lync-cmdlets.json",
                              ROOT / "tests" / "payloads" / "lync-cmdlets.json") if p.exists()),
                 ROOT / "tests" / "payloads" / "lync-cmdlets.json")


class Service(V.NetObject):
    TYPE_NAME = "Microsoft.Rtc.Management.Deployment.Core.NTService"

    def __init__(self, name, status):
        self.Name = name
        self.Status = status


def lync_services_engine(state):
    from lync_lab.engine import reference
    cmdlets = reference.load(str(REFERENCE))

    def set_state(status):
        def run(call):
            names = call.args.get("Name")
            for name in ([names] if names else list(state)):
                state[name] = status
        return run
    table = default_table()
    table.add(reference.command(cmdlets, "Start-CsWindowsService", set_state("Running")))
    table.add(reference.command(cmdlets, "Stop-CsWindowsService", set_state("Stopped")))
    table.add(reference.command(cmdlets, "Get-CsWindowsService", lambda call: [Service(n, s) for n, s in state.items()]))
    table.add(Command("Get-Module", [Param("Name", "System.String[]", position=0), Param("ListAvailable", switch=True)],
                      lambda call: [V.PSObject([("Name", "Lync")])]))
    table.add(Command("Import-Module", [Param("Name", position=0, mandatory=True)], lambda call: None))
    return Engine(commands=table)


needs_reference = pytest.mark.skipif(not REFERENCE.exists(), reason="tests/payloads/lync-cmdlets.json not here")


@needs_reference
def test_lync_services_starts_each_named_service():
    state = {"RTCSRV": "Stopped", "RTCCLSAGT": "Stopped", "RTCMEDSRV": "Stopped"}
    result = lync_services_engine(state).run(payload("lync_services"), {"State": "started", "Names": ["RTCSRV", "RTCCLSAGT"]})
    assert not result.failed, result
    assert state == {"RTCSRV": "Running", "RTCCLSAGT": "Running", "RTCMEDSRV": "Stopped"} and result.changed
    assert result.result["Before"][0] == {"Name": "RTCSRV", "Status": "Stopped"}
    assert [s["Status"] for s in result.result["Services"]] == ["Running", "Running", "Stopped"]


@needs_reference
def test_lync_services_query_changes_nothing():
    state = {"RTCSRV": "Running"}
    result = lync_services_engine(state).run(payload("lync_services"), {"State": "query"})
    assert not result.failed and not result.changed and state == {"RTCSRV": "Running"}
    assert result.result["Services"] == [{"Name": "RTCSRV", "Status": "Running"}]


@needs_reference
def test_lync_services_passing_all_names_to_one_call_fails_to_bind_as_on_windows():
    # Before it looped over the names, the payload called Start-CsWindowsService -Name $Names: -Name is
    # a [String] (lync-cmdlets.json), so one name binds and two fail as PowerShell's binder fails.
    text = payload("lync_services")
    old = text.replace("Start-CsWindowsService -Name $name -NoWait", "Start-CsWindowsService -Name $Names -NoWait")
    assert old != text
    state = {"RTCSRV": "Stopped", "RTCCLSAGT": "Stopped"}
    assert not lync_services_engine(state).run(old, {"State": "started", "Names": ["RTCSRV"]}).failed
    result = lync_services_engine(state).run(old, {"State": "started", "Names": ["RTCSRV", "RTCCLSAGT"]})
    # The binding failure is a terminating error of that call; the payload's try/catch around each
    # call (about_Try_Catch_Finally) collects it into Errors, and the second name was not started.
    message = ("Cannot convert 'System.Object[]' to the type 'System.String' required by parameter 'Name'. "
               "Specified method is not supported.")
    assert not result.failed and result.result["Errors"] == [message, message]
    assert state["RTCCLSAGT"] == "Stopped"  # (RTCSRV was started by the one-name call above)


def host_probe_engine():
    """lync_host_probe over permissive stand-ins, with Test-ComputerSecureChannel a ShouldProcess
    command (its syntax lists -WhatIf/-Confirm) that answers $true unless WhatIf stops it."""
    from lync_lab import psparse
    text = payload("lync_host_probe")
    table = default_table()
    computer = V.PSObject([("PartOfDomain", True), ("Name", "FE01"), ("Domain", "contoso.local")])
    for used in psparse.commands(text):
        if table.get(used["name"]) is not None:
            continue
        if used["name"] == "Test-ComputerSecureChannel":
            table.add(Command("Test-ComputerSecureChannel", [Param("Repair", switch=True), Param("Server", "System.String")],
                              lambda call: [True] if call.should_process("FE01", "Test-ComputerSecureChannel") else [],
                              should_process=True))
            continue
        stand_in = table.add(Command(used["name"], [], (lambda call: [computer]) if used["name"] == "Get-CimInstance"
                                     else (lambda call: None)))
        stand_in.binder.advanced = False  # accepts any arguments: only the secure channel matters here
    return Engine(commands=table), text


def test_host_probe_in_check_mode_passes_whatif_false_to_test_computer_secure_channel():
    engine, text = host_probe_engine()
    result = engine.run(text, check_mode=True)
    assert result.result["SecureChannel"] is True and result.host == []


def test_host_probe_as_it_was_before_issue_9_reports_no_secure_channel_in_check_mode():
    # Before issue 9 the probe called Test-ComputerSecureChannel without -WhatIf:$false; in check
    # mode it inherited $WhatIfPreference, printed "What if:" and returned nothing ($false).
    engine, text = host_probe_engine()
    old = text.replace("[bool](Test-ComputerSecureChannel -WhatIf:$false)", "[bool](Test-ComputerSecureChannel)")
    assert old != text
    result = engine.run(old, check_mode=True)
    assert result.result["SecureChannel"] is False
    assert result.host == ['What if: Performing the operation "Test-ComputerSecureChannel" on target "FE01".']
