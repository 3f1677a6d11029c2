"""The one door to Windows: how payloads are sent, and how every failure is reported."""

import pathlib

import pytest
from ansible.errors import AnsibleConnectionFailure
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.lync.server.plugins.plugin_utils import payload as door

from ...conftest import Recorder, make_action, ok

PAYLOADS = sorted(pathlib.Path(door.PAYLOAD_DIR).glob("*.ps1"))
VARS = {"inventory_hostname": "fe01.contoso.local"}
# Strings a user might type that would break PowerShell if pasted into script text.
NASTY = st.one_of(st.text(), st.sampled_from([
    "'; Remove-Item C:\\ -Recurse; '", "$(Stop-Computer)", "`n`r`0",
    "\"\n$ErrorActionPreference='Continue'", "\u202e\u0000\ufeff", "@{a=1}"]))


class Action:
    """The parts of ActionBase the door uses."""

    def __init__(self, recorder, check_mode=False):
        self._execute_module = recorder
        self._task = type("Task", (), {"check_mode": check_mode, "delegate_to": None})()


def test_payloads_exist():
    assert PAYLOADS


@pytest.mark.parametrize("path", PAYLOADS, ids=lambda p: p.stem)
@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.dictionaries(st.from_regex(r"\A[A-Za-z][A-Za-z0-9]{0,15}\Z"), NASTY, max_size=4), secret=NASTY)
def test_script_text_is_the_file_whatever_the_values(path, values, secret):
    recorder = Recorder([ok({"x": 1})])
    door.run_payload(Action(recorder), VARS, path.stem, parameters=values, secrets={"Password": secret})
    args = recorder.calls[0]["module_args"]
    assert args["script"].encode("utf-8") == path.read_bytes()
    assert args["parameters"] == values
    assert args["sensitive_parameters"] == [{"name": "Password", "value": secret}]
    assert recorder.calls[0]["module_name"] == "ansible.windows.win_powershell"
    assert args["error_action"] == "stop" and args["depth"] >= 8


def test_credentials_travel_as_pscredential():
    recorder = Recorder([ok({"x": 1})])
    door.run_payload(Action(recorder), VARS, "lync_host_probe", credentials={"Cred": ("CONTOSO\\svc", "pw")})
    assert recorder.calls[0]["module_args"]["sensitive_parameters"] == [
        {"name": "Cred", "username": "CONTOSO\\svc", "password": "pw"}]


def error_result(message):
    return {"failed": True, "changed": False, "result": {}, "error": [{"exception": {"message": message},
                                                                       "output": message + "\nAt line:1"}]}


@pytest.mark.parametrize("answer, expected", [
    (error_result("Access is denied."), "payload lync_host_probe on fe01.contoso.local failed: Access is denied."),
    (error_result("LYNC_SHELL_MISSING: neither module"),
     "payload lync_host_probe on fe01.contoso.local: the Lync Server Management Shell is not installed"),
    ({"failed": True, "msg": "Unsupported parameters for (win_powershell) module: foo"},
     "payload lync_host_probe on fe01.contoso.local failed: Unsupported parameters"),
    ({"unreachable": True, "msg": "timed out"}, "payload lync_host_probe on fe01.contoso.local: host unreachable: timed out"),
    (AnsibleConnectionFailure("winrm: connection refused"),
     "payload lync_host_probe on fe01.contoso.local: host unreachable: winrm: connection refused"),
    (ok(None), "returned a malformed result: expected one result object, got nothing"),
    (ok("a string"), "returned a malformed result: expected one result object, got str"),
    (ok([{"a": 1}]), "returned a malformed result: expected one result object, got list"),
    (ok({}), "returned a malformed result"),
])
def test_every_failure_is_one_clear_message(answer, expected):
    with pytest.raises(door.PayloadError) as err:
        door.run_payload(Action(Recorder([answer])), VARS, "lync_host_probe")
    assert expected in str(err.value)
    assert "\n" not in str(err.value)


def test_missing_keys_make_a_result_malformed():
    with pytest.raises(door.PayloadError, match="missing Fqdn"):
        door.run_payload(Action(Recorder([ok({"Other": 1})])), VARS, "lync_host_probe", required_keys=("Fqdn",))


def test_result_changed_and_warnings_are_passed_back():
    answer = dict(ok({"a": 1}, changed=True), warning=["disk almost full"])
    result = door.run_payload(Action(Recorder([answer])), VARS, "lync_host_probe")
    assert (result.value, result.changed, result.warnings) == ({"a": 1}, True, ["disk almost full"])


def test_check_mode_runs_probes_only(tmp_path, monkeypatch):
    (tmp_path / "lab_changes_things.ps1").write_text("# lync-payload: lab_changes_things\n[CmdletBinding()]\nparam()\n")
    monkeypatch.setattr(door, "PAYLOAD_DIR", str(tmp_path))
    monkeypatch.setattr(door, "_CACHE", {})
    recorder = Recorder([ok({"a": 1})])
    with pytest.raises(door.PayloadError, match="refusing to run a payload that changes the host in check mode"):
        door.run_payload(Action(recorder, check_mode=True), VARS, "lab_changes_things")
    assert recorder.calls == []


def test_probe_runs_in_check_mode():
    recorder = Recorder([ok({"a": 1})])
    door.run_payload(Action(recorder, check_mode=True), VARS, "lync_host_probe")
    assert len(recorder.calls) == 1


@pytest.mark.parametrize("name", ["../etc/passwd", "Lync_Facts", "", None, "x y"])
def test_payload_names_are_checked(name):
    with pytest.raises(door.PayloadError, match="invalid payload name"):
        door.load_payload(name)


def test_unknown_payload_and_wrong_header(tmp_path, monkeypatch):
    (tmp_path / "mislabelled.ps1").write_text("# lync-payload: something_else\nparam()\n")
    monkeypatch.setattr(door, "PAYLOAD_DIR", str(tmp_path))
    monkeypatch.setattr(door, "_CACHE", {})
    with pytest.raises(door.PayloadError, match="is not part of this collection"):
        door.load_payload("absent")
    with pytest.raises(door.PayloadError, match="does not start with '# lync-payload: mislabelled'"):
        door.load_payload("mislabelled")


def test_the_door_is_the_only_caller_of_win_powershell():
    """No other plugin code may talk to Windows directly."""
    root = pathlib.Path(door.__file__).resolve().parents[2]
    offenders = [str(p) for p in root.joinpath("plugins").rglob("*.py")
                 if "_execute_module" in p.read_text(encoding="utf-8") and p.name != "payload.py"]
    assert offenders == []


def test_action_plugins_send_only_payload_text(recorder):
    """Through lync_facts, the script sent is the payload file, byte for byte."""
    from ansible_collections.lync.server.plugins.action.lync_facts import ActionModule
    recorder.answers = [ok({"Fqdn": "fe01", "LyncModule": None, "Products": [], "Services": [], "SqlInstances": []})]
    make_action(ActionModule, {"gather_subset": ["all"]}, recorder).run(task_vars=VARS)
    script = recorder.calls[0]["module_args"]["script"]
    assert script.encode("utf-8") == pathlib.Path(door.PAYLOAD_DIR, "lync_host_probe.ps1").read_bytes()


@pytest.mark.parametrize("parameters, hinted", [
    ({"Path": "\\\\backup01\\LyncBackup\\x.pfx"}, True),
    ({"Certificates": [{"Thumbprint": "AB", "Path": "\\\\backup01\\LyncBackup\\x.pfx"}]}, True),
    ({"Path": "C:\\x.pfx"}, False),
])
def test_access_denied_on_a_share_names_the_double_hop_even_in_nested_values(parameters, hinted):
    recorder = Recorder([error_result("Access to the path is denied.")])
    with pytest.raises(door.PayloadError) as err:
        door.run_payload(Action(recorder), VARS, "lync_host_probe", parameters=parameters)
    assert ("network credentials" in str(err.value)) is hinted


@pytest.mark.parametrize("message", [
    "Exception calling \"Open\" with \"0\" argument(s): \"Login failed for user 'NT AUTHORITY\\ANONYMOUS LOGON'.\"",
    "An operations error occurred. 000004DC: LdapErr: DSID-0C090A5C, comment: In order to perform this operation "
    "a successful bind must be completed on the connection",
])
def test_an_anonymous_login_to_sql_or_ad_names_the_network_identity(message):
    """The double hop reaches SQL Server and AD too (SQL Server error 18456 for the anonymous logon:
    https://learn.microsoft.com/en-us/sql/relational-databases/errors-events/mssqlserver-18456-database-engine-error).
    At 1a7fef5 only access denied on a UNC path got a hint."""
    recorder = Recorder([error_result(message)])
    with pytest.raises(door.PayloadError) as err:
        door.run_payload(Action(recorder), VARS, "lync_host_probe")
    assert "lync_network_user" in str(err.value) and "logon_type=new_credentials" in str(err.value)
