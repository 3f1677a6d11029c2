"""Lab model rules of issue 9 that the payload lint also checks: the stand-in win_powershell
refuses a script PowerShell would not parse, and a ShouldProcess cmdlet inherits -WhatIf in
check mode. Each test also runs the payload as it was before issue 9 (git 1a7fef5) and shows
the lab failing it the way Windows would."""

import json
import pathlib
import shutil

import pytest

from lync_lab import winps

PAYLOAD_DIR = pathlib.Path(winps.PAYLOAD_DIR)

# lync_backup_set_remove.ps1 line 13 before issue 9 (InvalidVariableReferenceWithDrive).
OLD_REMOVE_LINE = 'throw "refusing to remove $id: not a backup set name"'
NEW_REMOVE_LINE = 'throw "refusing to remove ${id}: not a backup set name"'
# lync_host_probe.ps1 before issue 9 (Test-ComputerSecureChannel inherits -WhatIf in check mode).
OLD_PROBE_LINE = "$secureChannel = [bool](Test-ComputerSecureChannel)"
NEW_PROBE_LINE = "$secureChannel = [bool](Test-ComputerSecureChannel -WhatIf:$false)"


def call(lab, script, check_mode=False, host="fe01.contoso.local", **parameters):
    args = {"script": script, "parameters": parameters, "depth": 12, "sensitive_parameters": None}
    return winps.run(args, check_mode, str(lab.state_path), host, [])


@pytest.fixture
def old_payload(tmp_path, monkeypatch):
    """old_payload(name, new_line, old_line) -> the payload text with its pre-issue-9 line, served by the lab."""
    folder = tmp_path / "payloads"
    shutil.copytree(PAYLOAD_DIR, folder)
    monkeypatch.setattr(winps, "PAYLOAD_DIR", folder)

    def make(name, new_line, old_line):
        path = folder / (name + ".ps1")
        text = path.read_text(encoding="utf-8")
        assert new_line in text
        text = text.replace(new_line, old_line)
        path.write_text(text, encoding="utf-8")
        return text
    return make


def test_lab_refuses_a_payload_powershell_cannot_parse(make_lab, old_payload):
    lab = make_lab("standard")
    script = old_payload("lync_backup_set_remove", NEW_REMOVE_LINE, OLD_REMOVE_LINE)
    result = call(lab, script, host="lyncse01.contoso.local", Root="C:\\x", SetIds=["lync-20260101T000000Z-abcdef"])
    assert result["failed"]
    error = result["error"][0]
    assert error["category_info"]["category"] == "ParserError"
    assert "InvalidVariableReferenceWithDrive" in error["exception"]["message"]


def test_lab_runs_the_fixed_backup_set_remove(make_lab):
    lab = make_lab("standard")
    script = (PAYLOAD_DIR / "lync_backup_set_remove.ps1").read_text(encoding="utf-8")
    result = call(lab, script, host="lyncse01.contoso.local", Root="C:\\x", SetIds=["not-a-set"])
    # Parsed, ran, and refused the name with the payload's own message.
    assert result["failed"] and "refusing to remove not-a-set" in result["error"][0]["exception"]["message"]


def test_probe_reads_the_secure_channel_in_check_mode(make_lab):
    lab = make_lab("enterprise")
    script = (PAYLOAD_DIR / "lync_host_probe.ps1").read_text(encoding="utf-8")
    assert call(lab, script)["result"]["SecureChannel"] is True
    assert call(lab, script, check_mode=True)["result"]["SecureChannel"] is True


def test_old_probe_loses_the_secure_channel_in_check_mode(make_lab, old_payload):
    lab = make_lab("enterprise")
    script = old_payload("lync_host_probe", NEW_PROBE_LINE, OLD_PROBE_LINE)
    assert call(lab, script)["result"]["SecureChannel"] is True
    assert call(lab, script, check_mode=True)["result"]["SecureChannel"] is False


def test_pending_file_renames_are_not_a_pending_restart(make_lab):
    lab = make_lab("standard")
    state = json.loads(lab.state_path.read_text(encoding="utf-8"))
    for record in state["hosts"].values() if isinstance(state["hosts"], dict) else state["hosts"]:
        record["pending_file_renames"] = True
        record["reboot_pending"] = False
    lab.state_path.write_text(json.dumps(state), encoding="utf-8")
    script = (PAYLOAD_DIR / "lync_deploy_status.ps1").read_text(encoding="utf-8")
    result = call(lab, script, check_mode=True, host="lyncse01.contoso.local")["result"]
    assert result["PendingFileRenames"] is True and result["RebootPending"] is False
    assert isinstance(result["Markers"], list)
