"""The lab engine runs real payload text (plugins/plugin_utils/payloads/*.ps1) end to end over small
stand-in commands (the Lync service cmdlets, the host probe). The file payloads run over the lab's real
file-system boundary instead: tests/lab/test_boundary_fs.py."""

import pathlib

import pytest

from lync_lab.engine import Command, Engine, Param, default_table
from lync_lab.engine import reference
from lync_lab.engine import values as V

PAYLOADS = pathlib.Path(__file__).resolve().parents[2] / "plugins" / "plugin_utils" / "payloads"


def payload(name):
    return (PAYLOADS / (name + ".ps1")).read_text(encoding="utf-8")


# --- commands declared from the Lync cmdlet reference -------------------------------------------

# The Lync cmdlets' reference with parameter sets and positions (tests/lab/reference/lync-cmdlets.json).
REFERENCE = reference.LAB_REFERENCE


class Service(V.NetObject):
    TYPE_NAME = "Microsoft.Rtc.Management.Deployment.Core.NTService"

    def __init__(self, name, status):
        self.Name = name
        self.Status = status


def lync_services_engine(state):
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
