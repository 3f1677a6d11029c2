"""Action plugins of clean-server preparation: what they send to the host and how they decide."""

import json

import pytest
from ansible.errors import AnsibleActionFail

from ansible_collections.lync.server.plugins.action import lync_cert_import, lync_pins_check, lync_sql_install

from ...conftest import Recorder, make_action, minimal_manifest, ok

VARS = {"inventory_hostname": "fe01.contoso.local"}
SECRET = "Vault-Only-Secret-7"
THUMB = "A" * 40
SET = "lync-20261124T020000Z-a1b2c3"
MANIFEST = minimal_manifest(SET, [{  # noqa: E126
        "id": "certificates:fe01.contoso.local", "kind": "certificates", "scope": "fe01.contoso.local",
        "host": "fe01.contoso.local", "status": "ok",
        "files": [{"path": "certs/fe01.contoso.local/%s.pfx" % THUMB, "bytes": 10, "sha256": "ab"}],
        "details": {"certificates": [{"thumbprint": THUMB, "file": "certs/fe01.contoso.local/%s.pfx" % THUMB,
                                      "exportable": True, "subject": "CN=pool", "usages": ["Default"]}]}}])
HOST = {"ComputerName": "FE01", "Fqdn": "fe01.contoso.local", "Domain": "contoso.local", "PartOfDomain": True,
        "OsCaption": "Windows Server 2012 R2", "OsVersion": "6.3.9600", "Ipv4": ["10.0.0.11"],
        "DnsServers": ["10.0.0.2"], "Products": [], "Services": [], "SqlInstances": [], "Shares": []}
PINS = {"fqdn": "fe01.contoso.local", "domain": "contoso.local", "ipv4": ["10.0.0.11"], "dns_servers": ["10.0.0.2"]}


def script_names(recorder):
    return [c["module_args"]["script"].splitlines()[0].split(": ")[1] for c in recorder.calls]


def test_cert_import_sends_the_password_only_as_a_securestring():
    recorder = Recorder([ok({"Present": [], "LyncShell": None, "Assigned": []}), ok({"Imported": [THUMB]}, True)])
    action = make_action(lync_cert_import.ActionModule, {
        "set_path": "\\\\backup01\\LyncBackup\\" + SET, "manifest": MANIFEST, "password": SECRET}, recorder)
    result = action.run(task_vars=VARS)
    assert script_names(recorder) == ["lync_cert_probe", "lync_cert_import"]
    args = recorder.calls[1]["module_args"]
    assert args["sensitive_parameters"] == [{"name": "Password", "value": SECRET}]
    assert SECRET not in json.dumps(args["parameters"]) and SECRET not in json.dumps(result)
    assert args["parameters"]["Certificates"][0]["Path"].endswith("\\certs\\fe01.contoso.local\\%s.pfx" % THUMB)
    assert result["changed"] is True and result["imported"] == [THUMB]


def test_cert_import_changes_nothing_when_the_certificate_is_there():
    recorder = Recorder([ok({"Present": [{"Thumbprint": THUMB, "HasPrivateKey": True}], "LyncShell": None,
                             "Assigned": []})])
    result = make_action(lync_cert_import.ActionModule, {
        "set_path": "\\\\backup01\\LyncBackup\\" + SET, "manifest": MANIFEST, "password": SECRET}, recorder).run(
        task_vars=VARS)
    assert script_names(recorder) == ["lync_cert_probe"] and result["changed"] is False


def test_cert_import_refuses_a_manifest_of_another_set():
    with pytest.raises(AnsibleActionFail, match="manifest belongs to set"):
        make_action(lync_cert_import.ActionModule, {
            "set_path": "\\\\backup01\\LyncBackup\\lync-20261125T020000Z-000000", "manifest": MANIFEST,
            "password": SECRET}, Recorder()).run(task_vars=VARS)


def test_cert_import_puts_the_intermediates_into_the_ca_store_when_missing():
    ca = "E" * 40
    cer = "certs/fe01.contoso.local/chain/%s.cer" % ca
    item = dict(MANIFEST["items"][-1], files=MANIFEST["items"][-1]["files"] + [{"path": cer, "bytes": 5, "sha256": "bb"}])
    item["details"] = {"certificates": [dict(item["details"]["certificates"][0],
                                             chain=[{"thumbprint": ca, "subject": "CN=Issuing CA", "file": cer}])]}
    manifest = dict(MANIFEST, items=MANIFEST["items"][:-1] + [item])
    present = [{"Thumbprint": THUMB, "HasPrivateKey": True}]
    recorder = Recorder([ok({"Present": present, "PresentCA": [], "LyncShell": None, "Assigned": []}),
                         ok({"Imported": [], "ImportedChain": [ca]}, True)])
    result = make_action(lync_cert_import.ActionModule, {
        "set_path": "\\\\backup01\\LyncBackup\\" + SET, "manifest": manifest, "password": SECRET}, recorder).run(
        task_vars=VARS)
    assert recorder.calls[0]["module_args"]["parameters"]["Intermediates"] == [ca]
    sent = recorder.calls[1]["module_args"]["parameters"]
    assert sent["Certificates"] == [] and sent["Intermediates"][0]["Thumbprint"] == ca
    assert sent["Intermediates"][0]["Path"].endswith("\\certs\\fe01.contoso.local\\chain\\%s.cer" % ca)
    assert result["changed"] is True and result["imported_chain"] == [ca]
    recorder = Recorder([ok({"Present": present, "PresentCA": [ca], "LyncShell": None, "Assigned": []})])
    again = make_action(lync_cert_import.ActionModule, {
        "set_path": "\\\\backup01\\LyncBackup\\" + SET, "manifest": manifest, "password": SECRET}, recorder).run(
        task_vars=VARS)
    assert again["changed"] is False and len(recorder.calls) == 1


def test_sql_install_sends_the_service_password_only_as_a_securestring():
    probe = {"Instances": [], "SetupFound": True, "SetupVersion": "11.0.7001.0", "ConfigurationFound": True,
             "Settings": {"ACTION": "Install", "FEATURES": "SQLENGINE", "SQLSYSADMINACCOUNTS": "CONTOSO\\lyncadmin"},
             "PasswordKeys": [], "PendingReboot": []}
    recorder = Recorder([ok(probe), ok({"ExitCode": 0, "RebootRequired": False}, True)])
    result = make_action(lync_sql_install.ActionModule, {
        "instance": "RTC", "media_path": "D:\\", "configuration_file": "D:\\ConfigurationFile.ini",
        "product": "Lync Server 2013", "service_account": "CONTOSO\\svc-sql", "service_password": SECRET},
        recorder).run(task_vars=VARS)
    args = recorder.calls[1]["module_args"]
    assert args["sensitive_parameters"] == [{"name": "ServicePassword", "value": SECRET}]
    assert args["parameters"] == {"MediaPath": "D:", "ConfigurationFile": "D:\\ConfigurationFile.ini",
                                  "InstanceName": "RTC", "Quiet": True, "ServiceAccount": "CONTOSO\\svc-sql",
                                  "AgentAccount": "NT Service\\SQLAgent$RTC"}
    assert SECRET not in json.dumps(result) and result["changed"] is True


def test_sql_install_in_check_mode_only_reads():
    probe = {"Instances": [], "SetupFound": True, "SetupVersion": "11.0.7001.0", "ConfigurationFound": True,
             "Settings": {"ACTION": "Install", "FEATURES": "SQLENGINE", "SQLSYSADMINACCOUNTS": "CONTOSO\\lyncadmin"},
             "PasswordKeys": [], "PendingReboot": []}
    recorder = Recorder([ok(probe)])
    result = make_action(lync_sql_install.ActionModule, {
        "instance": "RTC", "media_path": "D:\\", "configuration_file": "D:\\c.ini", "product": "lync2013",
        "service_account": "NT Service\\MSSQL$RTC"}, recorder, check_mode=True).run(task_vars=VARS)
    assert script_names(recorder) == ["lync_sql_setup_probe"] and result["changed"] is True


def test_pins_check_fails_with_every_refusing_field():
    recorder = Recorder([ok(dict(HOST, Ipv4=["10.0.0.99"], DnsServers=["10.0.0.9"]))])
    result = make_action(lync_pins_check.ActionModule, {"pins": PINS}, recorder).run(task_vars=VARS)
    assert result["failed"] is True and result["agree"] is False
    assert "ipv4 (refuse)" in result["msg"] and "dns_servers (refuse)" in result["msg"]


def test_pins_check_override_warns_and_goes_on():
    recorder = Recorder([ok(dict(HOST, Ipv4=["10.0.0.99"]))])
    result = make_action(lync_pins_check.ActionModule, {"pins": PINS, "override": True}, recorder).run(task_vars=VARS)
    assert not result.get("failed") and result["overridden"] is True
    assert result["warnings"][0].startswith("IDENTITY PINS OVERRIDDEN on fe01.contoso.local")


def test_pins_check_rejects_malformed_pins_before_touching_the_host():
    recorder = Recorder()
    with pytest.raises(AnsibleActionFail, match=r"ipv4\[0\] 'ten' is not an IPv4 address"):
        make_action(lync_pins_check.ActionModule, {"pins": dict(PINS, ipv4=["ten"])}, recorder).run(task_vars=VARS)
    assert recorder.calls == []
