"""Issue 9, network and file-inventory findings, against the lab:

* DHCP: Windows DHCP keeps Lync's option 43 as sub-options of the vendor class MSUCClient
  (DHCPUtil's DHCPConfigScript.bat); the pins check on a server configured that way reports no drift.
* DNS: Windows Server 2008 R2 has no Resolve-DnsName; the read names that cause, and works from a
  Windows Server 2012+ host (lync_dns_probe_host).
* Long paths: a file-store path that, inside the set, is longer than MAX_PATH is backed up and the set verifies.
"""

import hashlib
import json
import pathlib

import pytest

from ansible_collections.lync.server.plugins.plugin_utils import pins as pinlib
from lync_lab import dhcp as dhcplib
from lync_lab import fsops, paths, seed, winhost
from lync_lab.context import Context
from lync_lab.errors import PSError

PLAYBOOK = pathlib.Path(__file__).parent / "playbooks" / "network_pins.yml"
DC = "dc01.contoso.local"
SE = "lyncse01.contoso.local"


def dhcp_differences(run, host):
    result = run.result("Compare", host)["result"]
    return [d for d in result.get("differences", []) if d["field"] == "dhcp_options"], result


# --------------------------------------------------------------------------- DHCP

def test_the_lab_dhcp_server_keeps_option_43_in_the_vendor_class_as_windows_does(make_lab):
    server = make_lab("standard").load()["hosts"][DC]["dhcp_server"]
    assert server["classes"][dhcplib.VENDOR_CLASS] == {"type": "Vendor", "data": "MS-UC-Client"}
    # A query without -VendorClass reads the standard class: no option 43, at scope or server level.
    assert dhcplib.option_value(server, 43, "10.0.0.0") is None and dhcplib.option_value(server, 43) is None
    assert dhcplib.option_value(server, 1) is None
    assert dhcplib.option_value(server, 1, vendor_class="MSUCClient") == "0x" + b"MS-UC-Client".hex()
    assert dhcplib.option_value(server, 120) == dhcplib.sip_server_hex("sip.contoso.com")
    with pytest.raises(PSError):
        dhcplib.option_value(server, 1, vendor_class="NoSuchClass")


def test_pins_check_on_a_correctly_configured_dhcp_server_reports_no_drift(make_lab, run_playbook):
    lab = make_lab("standard")
    run = run_playbook(lab, PLAYBOOK, extra_vars={"target": SE})
    assert run.rc == 0, run.output
    read = run.result("Read the DHCP options", SE)["result"]
    assert {(o["option"], o["vendor_class"], o["level"]) for o in read["dhcp_options"]} == \
        {(120, None, "server")} | {(n, "MSUCClient", "server") for n in range(1, 6)}
    differences, dummy = dhcp_differences(run, SE)
    assert differences == []


def test_pins_check_sees_a_changed_vendor_sub_option(make_lab, run_playbook):
    lab = make_lab("standard")
    with lab.locked() as state:
        state["hosts"][DC]["dhcp_server"]["vendor_options"]["MSUCClient"]["3"] = dhcplib.ascii_hex("other.contoso.local")
    run = run_playbook(lab, PLAYBOOK, extra_vars={"target": SE})
    assert run.rc != 0
    assert "10.0.0.0 MSUCClient option 3" in run.output


def test_the_old_probe_reads_no_option_43_and_the_old_pins_drift(make_lab):
    """What 1a7fef5 did: ask option 43 without -VendorClass (scope, then server) and pin it as a standard option."""
    server = make_lab("standard").load()["hosts"][DC]["dhcp_server"]
    old_read = dhcplib.option_value(server, 43, "10.0.0.0") or dhcplib.option_value(server, 43)
    assert old_read is None
    old_pins = {"dhcp": {"server": DC, "options": [
        {"scope": "10.0.0.0", "vendor_class": None, "option": 43, "value": "010e5543436c69656e744c796e63"}]}}
    diffs = []
    pinlib._compare_dhcp(old_pins, [], lambda field, diff: diffs.append(diff) if diff else None)
    assert [d["key"] for d in diffs] == ["10.0.0.0 option 43"] and diffs[0]["action"] == "refuse"


# --------------------------------------------------------------------------- DNS on Windows Server 2008 R2

def test_windows_server_2008r2_has_no_resolve_dnsname():
    old = seed.use_windows({}, "2008r2")
    assert not winhost.has_command(old, "Resolve-DnsName")
    assert winhost.has_command(seed.use_windows({}, "2012"), "Resolve-DnsName")
    with pytest.raises(PSError) as err:
        winhost.require_command(old, "Resolve-DnsName")
    assert err.value.error_id == "CommandNotFoundException"


def test_dns_read_from_a_2008r2_target_names_the_cause_and_works_from_a_2012_host(make_lab, run_playbook):
    lab = make_lab("standard")
    with lab.locked() as state:
        seed.use_windows(state["hosts"][SE], "2008r2")
    run = run_playbook(lab, PLAYBOOK, extra_vars={"target": SE})
    assert run.rc != 0
    assert "has no Resolve-DnsName" in run.output and "lync_dns_probe_host" in run.output
    assert "did not answer" not in run.output

    run = run_playbook(lab, PLAYBOOK, extra_vars={"target": SE, "dns_probe_host": DC})
    assert run.rc == 0, run.output
    assert run.result("Read the DNS records", SE)["result"]["dns_records"]


# --------------------------------------------------------------------------- long paths

def _deep_file(lab):
    """A file-store file whose path inside the backup set is longer than MAX_PATH (but the store's is not)."""
    root = lab.host_root(SE) / "C" / "LyncShare" / "1-WebServices-1" / "CollabContent"
    deep = root.joinpath("ALI-0100", *(["content-%02d-%s" % (i, "x" * 30) for i in range(4)]))
    deep.mkdir(parents=True)
    name = "handout-%s.pptx" % ("y" * 20)
    (deep / name).write_bytes(b"deep meeting content" * 50)
    rel = (deep / name).relative_to(lab.host_root(SE) / "C" / "LyncShare")
    return "\\".join(rel.parts), b"deep meeting content" * 50


def test_windows_refuses_a_path_past_max_path_without_the_extended_prefix(make_lab):
    lab = make_lab("standard")
    rel, dummy = _deep_file(lab)
    ctx = Context(lab, lab.load(), SE, False, [], "test")
    unc = "\\\\%s\\LyncShare\\1-WebServices-1" % SE
    assert len("C:\\LyncShare\\" + rel) <= paths.MAX_PATH_CHARS < len("\\\\%s\\LyncShare\\%s" % (SE, rel))
    # Enumerating a short folder whose content lies past MAX_PATH fails on the deep file (Get-ChildItem) ...
    with pytest.raises(PSError, match="too long"):
        fsops.listing(ctx, unc, hash_files=True)
    with pytest.raises(PSError, match="too long"):
        fsops.read_bytes(ctx, "\\\\%s\\LyncShare\\%s" % (SE, rel))
    # ... and works through the extended-length prefix, and for robocopy, which handles long paths itself.
    found = fsops.listing(ctx, "\\\\?\\UNC\\%s\\LyncShare\\1-WebServices-1" % SE, hash_files=True)
    assert any(p.endswith(".pptx") and h for p, dummy_b, h in found)
    assert fsops.listing(ctx, unc, long_paths=True) == [(p, b, None) for p, b, dummy_h in found]
    assert fsops.listing(ctx, "C:\\LyncShare\\1-WebServices-1") is not None  # under MAX_PATH locally
    # The prefix turns normalisation off: Windows takes '..' literally, the lab refuses it.
    with pytest.raises(PSError):
        fsops.listing(ctx, "\\\\?\\UNC\\%s\\LyncShare\\..\\x" % SE)


def test_a_file_store_path_past_max_path_in_the_set_is_backed_up_and_verifies(make_lab, run_playbook):
    lab = make_lab("standard")
    rel, data = _deep_file(lab)
    run = run_playbook(lab, "lync.server.backup")
    assert run.rc == 0, run.output
    backup_root = lab.host_root("backup01.contoso.local") / "D" / "LyncBackup"
    (set_dir,) = [p for p in backup_root.iterdir() if p.is_dir()]
    manifest = json.loads((set_dir / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["errors"] == []
    # A file store's files are listed in its listing (manifest format 2, docs/backup-set.md "Listings").
    name = "handout-" + "y" * 20 + ".pptx"
    in_set = []
    for item in manifest["items"]:
        listing = item.get("listing")
        if listing:
            for line in (set_dir / listing["path"]).read_text(encoding="utf-8").splitlines():
                digest, size, rel_path = line.split("\t")
                if rel_path.endswith(name):
                    in_set.append({"path": listing["folder"] + "/" + rel_path, "sha256": digest, "bytes": int(size)})
    assert len(in_set) == 1
    windows_path = "\\\\backup01.contoso.local\\LyncBackup\\%s\\%s" % (set_dir.name, in_set[0]["path"].replace("/", "\\"))
    assert len(windows_path) > paths.MAX_PATH_CHARS, windows_path
    assert (set_dir / in_set[0]["path"]).read_bytes() == data
    # The close hashed every file where it landed, the deep one included, and verified the set.
    (closed,) = [r["result"] for r in run.results("Close the set (manifest built from every host's records, every file hashed once where it landed)")]
    assert closed["set"]["trusted"] is True and closed["set"]["checked"] == "sha256 (close)", closed["set"]
    assert in_set[0]["sha256"] == hashlib.sha256(data).hexdigest().upper()
