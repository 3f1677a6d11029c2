"""The lab's stand-in win_powershell behaves like the real one where lync.server relies on it."""

import pathlib

import pytest

from lync_lab import faults, winps

PAYLOAD_DIR = pathlib.Path(winps.PAYLOAD_DIR)
HOST_PROBE = (PAYLOAD_DIR / "lync_host_probe.ps1").read_text(encoding="utf-8")


def call(lab, script, check_mode=False, fault_list=(), host="fe01.contoso.local", **params):
    args = {"script": script, "parameters": params.pop("parameters", {}), "depth": params.pop("depth", 12),
            "sensitive_parameters": params.pop("sensitive", None)}
    return winps.run(args, check_mode, str(lab.state_path), host, list(fault_list))


BINDING_EXAMPLE = """# lync-payload: lab_binding_example
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)][string]$PoolFqdn,
    [switch]$Force,
    [int]$Count = 2,
    [System.Security.SecureString]$Password
)
$plain = if ($Password) { [System.Runtime.InteropServices.Marshal]::PtrToStringBSTR(
    [System.Runtime.InteropServices.Marshal]::SecureStringToBSTR($Password)) } else { $null }
$Ansible.Result = @{ PoolFqdn = $PoolFqdn; Force = [bool]$Force; Count = $Count; PasswordType = if ($Password) { $Password.GetType().FullName } else { $null }
                     PasswordLength = if ($plain) { $plain.Length } else { 0 } }
"""


@pytest.fixture
def binding_example(monkeypatch, tmp_path):
    (tmp_path / "lab_binding_example.ps1").write_text(BINDING_EXAMPLE, encoding="utf-8")
    monkeypatch.setattr(winps, "PAYLOAD_DIR", tmp_path)
    return BINDING_EXAMPLE


def test_binds_like_powershell(make_lab, binding_example):
    # win_powershell: parameters bind by name (case-insensitive), sensitive_parameters arrive as SecureString.
    secret = "Pa55-w0rd!"
    lab = make_lab("standard")
    result = call(lab, binding_example, host="lyncse01.contoso.local",
                  parameters={"poolfqdn": "pool01.contoso.local", "Force": True},
                  sensitive=[{"name": "Password", "value": secret}])
    assert not result.get("failed"), result["error"]
    assert result["result"] == {"PoolFqdn": "pool01.contoso.local", "Force": True, "Count": 2,
                                "PasswordType": "System.Security.SecureString", "PasswordLength": len(secret)}
    assert secret not in repr(result)


@pytest.mark.parametrize("params, message", [
    ({"PoolFqdn": "p", "Nope": 1}, "A parameter cannot be found that matches parameter name 'Nope'."),
    ({}, "PoolFqdn"),
    ({"PoolFqdn": "p", "Count": "many"}, "Count"),
    ({"PoolFqdn": "p", "Password": "plain text"}, "SecureString"),
])
def test_refuses_what_powershell_refuses(make_lab, binding_example, params, message):
    # PowerShell's binder, in the engine (tests/lab/test_engine_commands.py has its cases from the pages).
    lab = make_lab("standard")
    result = call(lab, binding_example, host="lyncse01.contoso.local", parameters=params)
    assert result["failed"] and message in result["error"][0]["exception"]["message"], result["error"]


def test_runs_a_payload_through_the_engine(make_lab):
    lab = make_lab("enterprise")
    result = call(lab, HOST_PROBE)
    assert not result.get("failed") and result["changed"] is False
    assert result["result"]["Fqdn"] == "fe01.contoso.local"
    assert result["result"]["LyncModule"] == "Lync"


def test_refuses_script_text_that_differs_from_the_payload_file(make_lab):
    lab = make_lab("standard")
    result = call(lab, HOST_PROBE.replace("param()", "param() # injected"), host="lyncse01.contoso.local")
    assert result["failed"] and "differs from" in result["error"][0]["exception"]["message"]


def test_refuses_scripts_that_are_not_payloads(make_lab):
    lab = make_lab("standard")
    result = call(lab, "Remove-Item C:\\ -Recurse", host="lyncse01.contoso.local")
    assert result["failed"] and "no '# lync-payload:' header" in result["error"][0]["exception"]["message"]


def test_check_mode_skips_scripts_without_should_process(make_lab, monkeypatch, tmp_path):
    lab = make_lab("standard")
    script = "# lync-payload: lab_mutating_example\n[CmdletBinding()]\nparam()\n$ErrorActionPreference = 'Stop'\n"
    (tmp_path / "lab_mutating_example.ps1").write_text(script)
    monkeypatch.setattr(winps, "PAYLOAD_DIR", tmp_path)
    result = call(lab, script, check_mode=True, host="lyncse01.contoso.local")
    assert result == dict(result, changed=True, msg="skipped, running in check mode")


def test_check_mode_runs_probes(make_lab):
    lab = make_lab("standard")
    result = call(lab, HOST_PROBE, check_mode=True, host="lyncse01.contoso.local")
    assert result["result"]["Fqdn"] == "lyncse01.contoso.local"


def test_fail_fault_becomes_a_powershell_error(make_lab):
    lab = make_lab("standard")
    result = call(lab, HOST_PROBE, host="lyncse01.contoso.local",
                  fault_list=[{"kind": "fail", "payload": "lync_host_probe", "message": "Access is denied"}])
    assert result["failed"] and result["error"][0]["exception"]["message"] == "Access is denied"


def test_faults_limited_by_times_stop_firing(make_lab):
    lab = make_lab("standard")
    fault_list = [{"kind": "fail", "times": 1}]
    assert call(lab, HOST_PROBE, host="lyncse01.contoso.local", fault_list=fault_list).get("failed")
    assert not call(lab, HOST_PROBE, host="lyncse01.contoso.local", fault_list=fault_list).get("failed")


def test_faults_match_parameters():
    state = {"lab": {}}
    fault_list = [{"kind": "fail", "payload": "x", "when": {"Database": "LcsLog"}}]
    assert faults.active(fault_list, "x", {"Database": "lcslog"}, state, "h", ("fail",))
    assert faults.active(fault_list, "x", {"Database": "LcsCDR"}, state, "h", ("fail",)) is None
    assert faults.active(fault_list, "y", {"Database": "LcsLog"}, state, "h", ("fail",)) is None


def test_malformed_fault_returns_garbage(make_lab):
    lab = make_lab("standard")
    result = call(lab, HOST_PROBE, host="lyncse01.contoso.local", fault_list=[{"kind": "malformed"}])
    assert result["result"] == "lab fault: malformed result"


SCAN = (PAYLOAD_DIR / "lync_backup_set_scan.ps1").read_text(encoding="utf-8")


def test_a_command_fault_fails_that_command_inside_the_payload(make_lab):
    # A fault naming a command acts where Windows fails: the payload runs up to Test-Path, which
    # fails with the fault's message as a terminating error of Test-Path (the payload's
    # $ErrorActionPreference = 'Stop' then ends it).
    lab = make_lab("standard")
    fault_list = [{"kind": "fail", "command": "Test-Path", "message": "The network path was not found"}]
    result = call(lab, SCAN, host="lyncse01.contoso.local", fault_list=fault_list,
                  parameters={"Root": "D:\\LyncBackup"})
    assert result["failed"]
    assert result["error"][0]["exception"]["message"] == "The network path was not found"
    assert result["error"][0]["fully_qualified_error_id"].endswith(",Test-Path")
    # The same fault does not act on the payload call as a whole, nor on other commands.
    other = [{"kind": "fail", "command": "Get-FileHash", "message": "no"}]
    result = call(lab, SCAN, host="lyncse01.contoso.local", fault_list=other, parameters={"Root": "D:\\LyncBackup"})
    assert "no" not in [e["exception"]["message"] for e in result["error"]]


def test_a_planted_defect_in_the_payload_text_fails_in_the_lab(make_lab, plant_defect):
    # The lab runs the payload's own text: a misspelt switch fails binding as PowerShell's binder does.
    lab = make_lab("standard")
    root = lab.load()["hosts"]["backup01.contoso.local"]["shares"]["LyncBackup"]["path"]
    assert not call(lab, SCAN, host="backup01.contoso.local", parameters={"Root": root}).get("failed")
    plant_defect("lync_backup_set_scan", "-LiteralPath $Root -Directory", "-LiteralPath $Root -Directry")
    result = call(lab, SCAN, host="backup01.contoso.local", parameters={"Root": root})
    assert result["failed"]
    assert "A parameter cannot be found that matches parameter name 'Directry'." in result["error"][0]["exception"]["message"]
