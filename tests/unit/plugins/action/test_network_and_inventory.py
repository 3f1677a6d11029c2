"""lync_network_info's payload arguments (DHCP classes, DNS probe host) and long-path-safe set inventories."""

import json

import pytest
from ansible.errors import AnsibleActionFail

from ansible_collections.lync.server.plugins.action import lync_backup_set_info, lync_network_info
from ansible_collections.lync.server.plugins.plugin_utils import backup_set as bs

from ...conftest import Recorder, make_action, minimal_manifest, ok

VARS = {"inventory_hostname": "dc01.contoso.local"}
PINS = {
    "fqdn": "fe01.contoso.local", "domain": "contoso.local", "ipv4": ["10.0.0.11"], "dns_servers": ["10.0.0.2"],
    "dns": {"server": "10.0.0.2", "records": [{"name": "pool01.contoso.local", "type": "A", "data": "10.0.0.11"}]},
    "dhcp": {"server": "dc01.contoso.local", "scopes": [
        {"scope": "10.0.0.0", "options": {120: "0x0003736970"},
         "vendor_options": {"MSUCClient": {1: "0x4d532d55432d436c69656e74", 2: "0x6874747073"}}}]},
}


def run(cls, args, answers):
    recorder = Recorder(answers)
    result = make_action(cls, args, recorder).run(task_vars=VARS)
    return result, recorder


def test_dhcp_read_asks_option_120_in_the_standard_class_and_43_in_the_vendor_class():
    seen = [{"ScopeId": "10.0.0.0", "OptionId": 1, "VendorClass": "MSUCClient", "Level": "server",
             "Value": ["0x4D", "0x53", "0x2D", "0x55", "0x43", "0x2D", "0x43", "0x6C", "0x69", "0x65", "0x6E", "0x74"]},
            {"ScopeId": "10.0.0.0", "OptionId": 120, "VendorClass": "", "Level": "scope",
             "Value": ["0x00", "0x03", "0x73", "0x69", "0x70"]}]
    result, recorder = run(lync_network_info.ActionModule, {"pins": PINS, "read": ["dhcp"]},
                           [ok({"Server": "DC01", "Options": seen, "MissingScopes": []})])
    scopes = recorder.calls[0]["module_args"]["parameters"]["Scopes"]
    assert scopes == [{"ScopeId": "10.0.0.0", "Options": [
        {"VendorClass": "", "OptionId": 120},
        {"VendorClass": "MSUCClient", "OptionId": 1}, {"VendorClass": "MSUCClient", "OptionId": 2}]}]
    assert not any(o["OptionId"] == 43 for o in scopes[0]["Options"])
    assert [(o["option"], o["vendor_class"]) for o in result["dhcp_options"]] == [(1, "MSUCClient"), (120, None)]


def test_dns_read_on_a_host_without_resolve_dnsname_names_the_cause():
    missing = {"failed": True, "error": [{"exception": {"message": "LYNC_DNS_CLIENT_MISSING: Resolve-DnsName (DnsClient "
                                                        "module, Windows Server 2012 and later) is not on this host"}}]}
    with pytest.raises(AnsibleActionFail) as err:
        run(lync_network_info.ActionModule, {"pins": PINS, "read": ["dns"]}, [missing])
    assert "Resolve-DnsName" in str(err.value) and "did not answer" not in str(err.value)
    assert "lync_dns_probe_host" in str(err.value)


@pytest.mark.parametrize("path, extended", [
    ("\\\\backup01.contoso.local\\LyncBackup\\lync-20261124T020000Z-abcdef",
     "\\\\?\\UNC\\backup01.contoso.local\\LyncBackup\\lync-20261124T020000Z-abcdef"),
    ("D:\\LyncBackup\\set", "\\\\?\\D:\\LyncBackup\\set"),
    ("\\\\?\\UNC\\b\\s\\x", "\\\\?\\UNC\\b\\s\\x"),
])
def test_extended_path(path, extended):
    assert bs.extended_path(path) == extended


@pytest.mark.parametrize("path", ["\\\\b\\s\\..\\x", "relative\\x", "D:\\a\\*"])
def test_extended_path_refuses_what_windows_would_not_normalise(path):
    with pytest.raises(bs.BackupSetError):
        bs.extended_path(path)


def test_set_inventory_lists_through_an_extended_length_path():
    """File-store copies in a set lie deeper than MAX_PATH: the listing must not be asked for a plain path."""
    manifest = json.dumps(minimal_manifest("lync-20261124T020000Z-abcdef"))
    answers = [ok({"Sets": [{"Name": "lync-20261124T020000Z-abcdef", "Manifest": manifest}], "Lock": None}),
               ok({"Exists": True, "Files": [{"Path": "manifest.json", "Bytes": len(manifest), "Sha256": "X"}]}),
               ok({"Exists": True, "Files": []})]
    dummy, recorder = run(lync_backup_set_info.ActionModule,
                          {"root": "\\\\backup01.contoso.local\\LyncBackup", "set_id": "lync-20261124T020000Z-abcdef",
                           "verify": True, "subpath": "filestore"}, answers)
    paths = [c["module_args"]["parameters"]["Path"] for c in recorder.calls[1:]]
    assert paths == ["\\\\?\\UNC\\backup01.contoso.local\\LyncBackup\\lync-20261124T020000Z-abcdef",
                     "\\\\?\\UNC\\backup01.contoso.local\\LyncBackup\\lync-20261124T020000Z-abcdef\\filestore"]
