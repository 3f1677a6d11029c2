"""lync.server.preflight's host checks against the lab (docs/preflight.md, "Each host: PowerShell, rights, Secondary
Logon, double hop"): PowerShell 5.1, the connection's token (local Administrators, elevated; RTCUniversalServerAdmins
and CsPersistentChatAdministrator on the Front Ends), the Secondary Logon service become runas needs, and the double
hop to the Central Management store and the backup share with the carrier that takes it there. Each passes on the
seeded labs and each injected gap gives its FAIL line with the fix and a non-zero exit.

The lab answers ansible.windows.win_whoami and win_service_info through stand-ins that return the keys those modules
document (checked below against the installed ansible.windows), over the lab's accounts, local Administrators and
services (tests/lab/lync_lab/logon.py)."""

import pathlib

import pytest
import yaml

from lync_lab import logon
from tests.lab.conftest import edit_inventory
from tests.lab.test_preflight import PREFLIGHT, SE, BACKUP, failed_checks, fix_after, lines

FE1, FE2 = "fe01.contoso.local", "fe02.contoso.local"
ROOT = "\\\\backup01.contoso.local\\LyncBackup"
BECOME = "become runas (logon_type=new_credentials) as CONTOSO\\svc-lyncbackup"
REPO = pathlib.Path(__file__).resolve().parents[2]
REAL_MODULES = REPO / ".cache" / "collections" / "ansible_collections" / "ansible" / "windows" / "plugins" / "modules"


def line(run, prefix):
    found = [text for text in lines(run) if text.startswith(prefix)]
    assert len(found) == 1, (prefix, lines(run))
    return found[0]


@pytest.mark.parametrize("topology", ["standard", "enterprise"])
def test_the_host_checks_pass_on_a_seeded_lab(make_lab, run_playbook, topology):
    lab = make_lab(topology)
    run = run_playbook(lab, PREFLIGHT)
    assert run.rc == 0, run.output
    assert failed_checks(run) == []
    hosts = sorted(lab.load()["hosts"])
    for host in hosts:
        assert line(run, "PASS  %s  powershell: " % host).endswith("Windows PowerShell 5.1.17763.1")
        assert line(run, "PASS  %s  local administrators: " % host).endswith(
            "CONTOSO\\lyncadmin is a local administrator (elevated token, High Mandatory Level)")
        assert line(run, "PASS  %s  secondary logon: " % host).endswith("seclogon is running (start mode auto)")
    front_ends = [FE1, FE2] if topology == "enterprise" else [SE]
    for host in front_ends:
        rights = [text for text in lines(run) if text.startswith("PASS  %s  rights: " % host)]
        assert rights[0].endswith("CONTOSO\\lyncadmin is in RTCUniversalServerAdmins (the backup's Cs cmdlets)")
        # The enterprise lab has a Persistent Chat pool (pc01) and its database; the standard lab has none.
        assert rights[1].endswith("CONTOSO\\lyncadmin is in CsPersistentChatAdministrator (Export-CsPersistentChatData)"
                                  if topology == "enterprise" else
                                  "CsPersistentChatAdministrator not needed: the topology has no Persistent Chat pool")
        assert any(text == "PASS  %s  double hop: CONTOSO\\svc-lyncbackup lists %s from %s: %s carries it"
                   % (host, ROOT, host, BECOME) for text in lines(run)), lines(run)
    if topology == "enterprise":
        # The CMS is on the back end: the topology read crosses the second hop with the network identity.
        for host in front_ends:
            assert ("PASS  %s  double hop: CONTOSO\\svc-lyncbackup reads the topology from the Central Management store "
                    "(sqlbe01.contoso.local\\rtc): %s carries it" % (host, BECOME)) in lines(run)
        # The SQL Server hosts and the file server write to the share too.
        for host in ("sqlbe01.contoso.local", "sqlmon01.contoso.local", "fs01.contoso.local"):
            assert line(run, "PASS  %s  double hop: " % host).endswith("from %s: %s carries it" % (host, BECOME))
    else:
        assert ("PASS  %s  double hop: the Central Management store (lyncse01.contoso.local\\rtc) is on %s itself (no "
                "second hop)" % (SE, SE)) in lines(run)
    # Hosts that write nothing to the share need no double hop; the network identity's own groups are said unread.
    assert not [text for text in lines(run) if text.startswith("PASS  dc01.contoso.local  double hop")]
    unread = [text for text in lines(run) if text.startswith("NOT CHECKED  deployment  rights: ")]
    assert unread[0].startswith("NOT CHECKED  deployment  rights: setup permissions for the recovery: Enable-CsTopology")
    assert unread[1].startswith(
        "NOT CHECKED  deployment  rights: CONTOSO\\svc-lyncbackup (lync_network_user, not the connection's user)")


def test_a_user_outside_rtcuniversalserveradmins_fails(make_lab, run_playbook):
    lab = make_lab("standard")
    with lab.locked() as state:
        state["ad"]["accounts"]["lyncadmin"]["groups"].remove("RTCUniversalServerAdmins")
    run = run_playbook(lab, PREFLIGHT)
    assert run.rc != 0
    assert failed_checks(run) == ["FAIL  %s  rights: CONTOSO\\lyncadmin is not in RTCUniversalServerAdmins (its session "
                                  "token on %s has no such group)" % (SE, SE)]
    fix = fix_after(run, "FAIL  %s  rights" % SE)
    assert "Add-ADGroupMember -Identity RTCUniversalServerAdmins -Members lyncadmin" in fix
    assert "Hh202171" in fix and "log on again" in fix
    assert "%s rights" % SE in run.output.split("Fail when a check")[-1]


def test_a_front_end_user_outside_cspersistentchatadministrator_fails_where_persistent_chat_exists(
        make_lab, run_playbook):
    lab = make_lab("enterprise")
    with lab.locked() as state:
        state["ad"]["accounts"]["lyncadmin"]["groups"].remove("CsPersistentChatAdministrator")
    run = run_playbook(lab, PREFLIGHT)
    assert run.rc != 0
    assert failed_checks(run) == ["FAIL  %s  rights: CONTOSO\\lyncadmin is not in CsPersistentChatAdministrator, and the "
                                  "topology has Persistent Chat" % host for host in (FE1, FE2)]
    assert "Export-CsPersistentChatData and Import-CsPersistentChatData" in fix_after(run, "FAIL  %s  rights" % FE1)


def test_a_user_that_is_not_a_local_administrator_fails(make_lab, run_playbook):
    lab = make_lab("standard")
    with lab.locked() as state:
        state["hosts"][BACKUP]["local_groups"]["Administrators"].remove("CONTOSO\\lyncadmin")
    run = run_playbook(lab, PREFLIGHT)
    assert run.rc != 0
    assert failed_checks(run) == ["FAIL  %s  local administrators: CONTOSO\\lyncadmin is not in the local Administrators "
                                  "group of %s" % (BACKUP, BACKUP)]
    fix = fix_after(run, "FAIL  %s  local administrators" % BACKUP)
    assert "Add-LocalGroupMember -Group Administrators -Member CONTOSO\\lyncadmin" in fix


def test_a_disabled_secondary_logon_service_fails_and_become_fails_with_it(make_lab, run_playbook):
    lab = make_lab("standard")
    with lab.locked() as state:
        state["hosts"][SE]["services"]["seclogon"].update(start_mode="Disabled", status="Stopped")
    run = run_playbook(lab, PREFLIGHT)
    assert run.rc != 0
    failed = failed_checks(run)
    expected = "FAIL  %s  secondary logon: seclogon is disabled (stopped)" % SE
    assert [f for f in failed if " secondary logon: " in f] == [expected]
    assert "Set-Service -Name seclogon -StartupType Manual" in fix_after(run, "FAIL  %s  secondary logon" % SE)
    # Windows refuses become runas without it: both reads with the network identity from that host fail with the
    # same cause (the topology read and the share listing), and so does the SQL rights read, which uses it too.
    hops = [f for f in failed if " double hop: " in f]
    assert hops[0].startswith("FAIL  %s  double hop: CONTOSO\\svc-lyncbackup cannot read the topology from %s with "
                              "%s: " % (SE, SE, BECOME))
    assert hops[1].startswith("FAIL  %s  double hop: CONTOSO\\svc-lyncbackup cannot list %s from %s with %s: "
                              % (SE, ROOT, SE, BECOME))
    sql = [f for f in failed if " sql rights " in f]
    for text in hops + sql:
        assert "CreateProcessWithTokenW() failed" in text and "Win32ErrorCode 1058" in text
    assert "the Secondary Logon service on %s" % SE in fix_after(run, "FAIL  %s  double hop" % SE)
    assert len(hops) == 2 and len(sql) == 1 and len(failed) == 4, failed


def test_a_host_with_an_old_powershell_fails(make_lab, run_playbook):
    """A host older than 5.1 runs no module at all (ansible-core's bootstrap refuses, which the lab's connection
    reproduces): its connection fails, and the powershell line names the cause and the fix."""
    lab = make_lab("enterprise")
    with lab.locked() as state:
        state["hosts"][FE2]["powershell_version"] = "4.0"
    run = run_playbook(lab, PREFLIGHT)
    assert run.rc != 0
    failed = failed_checks(run)
    assert failed[0].startswith("FAIL  %s  connection: the host answered but its probe failed: " % FE2)
    assert "Ansible requires PowerShell v5.1" in failed[0]
    assert any(text.startswith("FAIL  %s  powershell: older than 5.1: the host refuses every module (" % FE2)
               for text in failed), failed
    # Everything else that fails is that host's (its own DNS probe runs no module either).
    assert not [text for text in failed if not text.startswith("FAIL  %s  " % FE2)], failed
    assert "install Windows Management Framework 5.1 on %s" % FE2 in fix_after(run, "FAIL  %s  powershell" % FE2)
    assert "PASS  %s  powershell: Windows PowerShell 5.1.17763.1" % FE1 in lines(run)


def test_a_host_on_powershell_5_0_fails_its_powershell_check_from_the_probe():
    """The version the probe reports is judged too (5.0: an ansible-core that still runs modules there)."""
    from ansible_collections.lync.server.plugins.plugin_utils import preflight as pf
    result = {"changed": False, "ansible_facts": {"lync_host": {"powershell_version": "5.0.10586.117",
                                                                "powershell_edition": "Desktop"}}}
    assert pf.powershell_record(FE2, result)["detail"] == "Windows PowerShell 5.0.10586.117 runs the payloads"


def test_a_share_that_refuses_the_network_identity_fails_from_every_host_that_writes_there(make_lab, run_playbook):
    lab = make_lab("enterprise")
    with lab.locked() as state:
        state["hosts"][BACKUP]["shares"]["LyncBackup"]["deny_read"] = ["CONTOSO\\svc-lyncbackup"]
    run = run_playbook(lab, PREFLIGHT)
    assert run.rc != 0
    writers = [FE1, FE2, "sqlbe01.contoso.local", "sqlmon01.contoso.local", "fs01.contoso.local"]
    hops = [text for text in failed_checks(run) if "  double hop: " in text]
    assert [text.split("  ")[1] for text in hops] == writers, hops
    for host in writers:
        fix = fix_after(run, "FAIL  %s  double hop" % host)
        assert "give CONTOSO\\svc-lyncbackup Change on the share and Modify (NTFS) on the folder of %s" % ROOT in fix
    # The CMS is still reached: only the share refuses the account.
    assert ("PASS  %s  double hop: CONTOSO\\svc-lyncbackup reads the topology from the Central Management store "
            "(sqlbe01.contoso.local\\rtc): %s carries it" % (FE1, BECOME)) in lines(run)


def test_without_network_credentials_the_double_hop_fails_and_credssp_carries_it(make_lab, run_playbook):
    lab = make_lab("enterprise")
    edit_inventory(lab, lambda inventory: inventory["all"]["vars"].update(lync_network_become=False))
    run = run_playbook(lab, PREFLIGHT)
    assert run.rc != 0
    cms = line(run, "FAIL  %s  double hop: the connection's user cannot read the topology" % FE1)
    assert "with no network credentials: " in cms and "NT AUTHORITY\\ANONYMOUS LOGON" in cms
    fix = fix_after(run, "FAIL  %s  double hop: the connection's user cannot read" % FE1)
    assert fix.startswith("      fix: nothing carries credentials to a second server from %s: set lync_network_become: "
                          "true" % FE1) and "ansible_winrm_transport: credssp" in fix
    # Without become, no runas: the Secondary Logon service is not needed.
    assert line(run, "PASS  %s  secondary logon: " % FE1).endswith("not used: lync_network_become is false (no become "
                                                                   "runas)")
    # With CredSSP the connection's own credentials reach the second server (the lab's connection delegates them).
    edit_inventory(lab, lambda inventory: inventory["all"]["vars"].update(ansible_winrm_transport="credssp"))
    run = run_playbook(lab, PREFLIGHT)
    assert run.rc == 0, run.output
    assert ("PASS  %s  double hop: the connection's user reads the topology from the Central Management store "
            "(sqlbe01.contoso.local\\rtc): CredSSP (the connection's user) carries it" % FE1) in lines(run)


# --------------------------------------------------------------------------- the stand-ins return what is documented

def _documented(module):
    path = REAL_MODULES / ("%s.py" % module)
    if not path.is_file():
        pytest.skip("ansible.windows is not installed under .cache (make bootstrap)")
    text = path.read_text(encoding="utf-8")
    return yaml.safe_load(text.split("RETURN = r'''", 1)[1].split("'''", 1)[0])


def test_the_win_whoami_stand_in_returns_the_documented_keys(make_lab):
    state = make_lab("standard").load()
    documented = _documented("win_whoami")
    result = logon.whoami(state, SE, "CONTOSO\\lyncadmin")
    assert set(result) - {"changed"} == set(documented)
    for key in ("account", "label"):
        assert set(result[key]) == set(documented[key]["contains"])
    assert {frozenset(g) for g in result["groups"]} == {frozenset(documented["groups"]["sample"][0])}
    # Windows' SIDs: BUILTIN\Administrators and the High mandatory label of an elevated token.
    assert {"sid": "S-1-5-32-544", "account_name": "Administrators", "domain_name": "BUILTIN", "type": "Alias",
            "attributes": ["Mandatory", "Enabled by default", "Enabled", "Owner"]} in result["groups"]
    assert result["label"]["sid"] == "S-1-16-12288"


def test_the_win_service_info_stand_in_returns_the_documented_keys(make_lab):
    state = make_lab("standard").load()
    documented = _documented("win_service_info")
    result = logon.service_info(state["hosts"][SE], "seclogon")
    assert set(result) - {"changed"} == set(documented)
    assert [s["name"] for s in result["services"]] == ["seclogon"]
    assert set(result["services"][0]) == set(documented["services"]["contains"])
    assert (result["services"][0]["start_mode"], result["services"][0]["state"]) == ("auto", "started")
    assert logon.service_info(state["hosts"][SE], "Secondary Logon")["services"][0]["name"] == "seclogon"
    assert logon.service_info(state["hosts"][SE], "nosuch") == {"changed": False, "exists": False, "services": []}
