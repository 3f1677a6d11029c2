"""The lab's stand-ins for ansible.windows and microsoft.ad behave like the real modules where roles rely on them."""

import importlib.util
import json
import os
import pathlib
import subprocess
import sys

import pytest

from lync_lab import disaster, seed, winhost
from lync_lab.errors import PSError

ROOT = pathlib.Path(__file__).resolve().parents[2]
LAB_COLLECTIONS = ROOT / "tests" / "lab" / "collections"
REAL_COLLECTIONS = ROOT / ".cache" / "collections"
PLAYBOOK = pathlib.Path(__file__).parent / "playbooks" / "windows_modules.yml"
STAND_INS = sorted("%s.%s.%s" % (p.parts[-5], p.parts[-4], p.stem)
                   for p in LAB_COLLECTIONS.glob("ansible_collections/*/*/plugins/modules/*.py")
                   if p.parts[-5] in ("ansible", "community", "microsoft"))


def _options(fqcn, collections):
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(collections), ANSIBLE_COLLECTIONS_SCAN_SYS_PATH="false")
    proc = subprocess.run([str(pathlib.Path(sys.executable).parent / "ansible-doc"), "-t", "module", "--json", fqcn],
                          env=env, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    options = json.loads(proc.stdout)[fqcn]["doc"].get("options") or {}
    return {name: (o.get("type", "str"), bool(o.get("required")), o.get("default"), sorted(o.get("choices") or []),
                   sorted(o.get("aliases") or [])) for name, o in options.items()}


def test_there_are_stand_ins():
    assert {"ansible.windows.win_feature", "microsoft.ad.membership"} <= set(STAND_INS)


@pytest.mark.parametrize("fqcn", STAND_INS)
def test_stand_in_has_the_real_modules_options(fqcn):
    assert _options(fqcn, LAB_COLLECTIONS) == _options(fqcn, REAL_COLLECTIONS)


def test_reboot_stand_in_accepts_the_real_options():
    path = LAB_COLLECTIONS / "ansible_collections" / "ansible" / "windows" / "plugins" / "action" / "win_reboot.py"
    spec = importlib.util.spec_from_file_location("lab_win_reboot", path)
    win_reboot = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(win_reboot)
    real = _options("ansible.windows.win_reboot", REAL_COLLECTIONS)
    assert set(real) | {a for o in real.values() for a in o[4]} <= set(win_reboot.OPTIONS)


def host(version="6.3.9600"):
    record = seed.windows_host("fe01", "10.0.0.11", "lync2013")
    record["os"]["version"] = version
    return record


def test_features_windows_does_not_know_fail_like_install_windowsfeature():
    with pytest.raises(PSError, match="feature name is not valid: 'Desktop-Experience'"):
        winhost.install_features(host("10.0.17763"), ["Web-Server", "Desktop-Experience"])
    with pytest.raises(PSError, match="not valid: 'Server-Media-Foundation'"):
        winhost.install_features(host("6.1.7601"), ["Server-Media-Foundation"])


def test_features_that_need_a_restart_wait_for_it():
    record = host()
    changed, restart, _results = winhost.install_features(record, ["Web-Server", "Desktop-Experience"])
    assert changed and restart and record["features_pending"] == ["Desktop-Experience"]
    changed, restart, _results = winhost.install_features(record, ["Web-Server", "Desktop-Experience"])
    assert not changed and restart  # still waiting
    winhost.reboot(record)
    assert "Desktop-Experience" in record["features"] and not record.get("pending_reboot")
    assert winhost.install_features(record, ["Desktop-Experience"])[:2] == (False, False)


def test_removed_feature_files_need_a_source():
    record = host()
    record["features"].remove("NET-Framework-Core")
    record["features_removed"] = ["NET-Framework-Core"]
    with pytest.raises(PSError, match="source files could not be found"):
        winhost.install_features(record, ["NET-Framework-Core"])
    assert winhost.install_features(record, ["NET-Framework-Core"], source="D:\\sources\\sxs")[0]


def test_join_reuses_the_original_computer_account(make_lab):
    lab = make_lab("standard")
    disaster.wipe(lab, "lyncse01.contoso.local", joined=False, hostname="WIN-1")
    state = lab.load()
    record = state["hosts"]["lyncse01.contoso.local"]
    sid = state["ad"]["computers"]["LYNCSE01"]["sid"]
    assert winhost.join_domain(state, record, "contoso.local", "CONTOSO\\svc-lyncjoin", seed.JOIN_ACCOUNT[1],
                               hostname="LYNCSE01")
    assert record["computer_sid"] == sid and record["hostname"] == "WIN-1" and record["pending_hostname"] == "LYNCSE01"
    winhost.reboot(record)
    assert record["hostname"] == "LYNCSE01"


def test_join_creates_a_new_account_when_the_original_was_deleted(make_lab):
    lab = make_lab("standard")
    disaster.wipe(lab, "lyncse01.contoso.local", joined=False)
    state = lab.load()
    old = state["ad"]["computers"].pop("LYNCSE01")["sid"]
    record = state["hosts"]["lyncse01.contoso.local"]
    winhost.join_domain(state, record, "contoso.local", "svc-lyncjoin", seed.JOIN_ACCOUNT[1])
    assert record["computer_sid"] != old and record["domain_joined"] is True


@pytest.mark.parametrize("dns, user, password, message", [
    (["10.0.0.99"], "svc-lyncjoin", seed.JOIN_ACCOUNT[1], "could not be contacted"),
    (["10.0.0.2"], "svc-lyncjoin", "wrong", "user name or password is incorrect"),
    (["10.0.0.2"], "someone", seed.JOIN_ACCOUNT[1], "user name or password is incorrect"),
])
def test_join_needs_the_domains_dns_and_a_valid_account(make_lab, dns, user, password, message):
    lab = make_lab("standard")
    disaster.wipe(lab, "lyncse01.contoso.local", joined=False, dns=dns)
    state = lab.load()
    with pytest.raises(PSError, match=message):
        winhost.join_domain(state, state["hosts"]["lyncse01.contoso.local"], "contoso.local", user, password)


def test_member_of_another_domain_is_not_moved(make_lab):
    state = make_lab("standard").load()
    record = state["hosts"]["lyncse01.contoso.local"]
    record["domain"] = "fabrikam.local"
    with pytest.raises(PSError, match="switching domains is not implemented"):
        winhost.join_domain(state, record, "contoso.local", "svc-lyncjoin", seed.JOIN_ACCOUNT[1])


def test_modules_through_ansible(make_lab, run_playbook):
    lab = make_lab("standard")
    disaster.wipe(lab, "lyncse01.contoso.local")
    extra = {"target": "lyncse01.contoso.local", "features": ["Web-Server", "Server-Media-Foundation"],
             "new_name": "LYNCSE01X"}
    before = seed.snapshot(lab)
    check = run_playbook(lab, PLAYBOOK, "--check", extra_vars=extra)
    assert check.rc == 0, check.output
    assert check.result("Features", "lyncse01.contoso.local")["result"]["changed"] is True
    assert seed.snapshot(lab) == before
    run = run_playbook(lab, PLAYBOOK, extra_vars=extra)
    assert run.rc == 0, run.output
    features = run.result("Features", "lyncse01.contoso.local")["result"]
    assert features["reboot_required"] is True and features["exitcode"] == "SuccessRestartRequired"
    # Like Windows: the new name waits for the restart, so renaming again before it is another change.
    assert run.result("Rename again before the restart", "lyncse01.contoso.local")["result"]["changed"] is True
    assert run.result("Restart", "lyncse01.contoso.local")["result"]["rebooted"] is True
    assert run.result("Rename after the restart", "lyncse01.contoso.local")["result"]["changed"] is False
    record = lab.load()["hosts"]["lyncse01.contoso.local"]
    assert record["hostname"] == "LYNCSE01X" and "Server-Media-Foundation" in record["features"]


def test_every_products_feature_list_is_known_to_the_windows_releases_it_supports():
    """Microsoft's lists, as prerequisites.py keeps them, use only names each Windows release knows."""
    from ansible_collections.lync.server.plugins.plugin_utils import prerequisites
    versions = {"2008r2": "6.1.7601", "2012": "6.2.9200", "2012r2": "6.3.9600", "2016": "10.0.14393",
                "2019": "10.0.17763"}
    for product, families in prerequisites.SUPPORTED_OS.items():
        for family in families:
            roles = ["front_end", "director", "database"] + (["persistent_chat"] if product != "sfb2019" else [])
            features = prerequisites.plan(product, versions[family], roles)["features"]
            winhost.install_features(host(versions[family]), features, source="D:\\sources\\sxs", check_mode=True)
