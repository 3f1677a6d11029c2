"""The preflight's judgements: which records, pass or fail, and the fix each failure names."""

import pytest

from ansible_collections.lync.server.plugins.filter.preflight import preflight_report
from ansible_collections.lync.server.plugins.plugin_utils import backup_plan
from ansible_collections.lync.server.plugins.plugin_utils import preflight as pf

from ansible.errors import AnsibleFilterError

SETTINGS = {"backup_root": "\\\\backup01.contoso.local\\LyncBackup", "network_user": "CONTOSO\\svc-lyncbackup",
            "network_become": True, "network_password_length": 12, "certificate_password_length": 12,
            "signing_key_length": 32, "media_path": "\\\\backup01.contoso.local\\LyncMedia\\Lync",
            "rtc_group": "CONTOSO\\RTCComponentUniversalServices"}
GROUPS = {"lync_front_ends": ["fe01.contoso.local"], "lync_backup_servers": ["backup01.contoso.local"],
          "lync_replacement_servers": None}


def facts(shell=None, version="6.3.9600", products=(), instances=()):
    return {"changed": False, "ansible_facts": {"lync_host": {
        "fqdn": "fe01.contoso.local", "os": {"caption": "Microsoft Windows Server 2012 R2 Standard", "version": version},
        "lync_shell": shell, "lync_products": [{"name": n, "version": v} for n, v in products],
        "sql_instances": list(instances)}}}


def by_check(records, host, check):
    found = [r for r in records if r["host"] == host and r["check"] == check]
    assert len(found) == 1, (host, check, records)
    return found[0]


# --------------------------------------------------------------------------- inventory

def test_a_complete_inventory_passes_and_never_shows_a_secret():
    records = pf.inventory_records(SETTINGS, GROUPS)
    assert {r["status"] for r in records} == {pf.PASS}
    assert by_check(records, "inventory", "lync_network_password")["detail"] == "set (its value is never shown)"
    assert by_check(records, "inventory", "lync_backup_root")["detail"] == "\\\\backup01.contoso.local\\LyncBackup"


@pytest.mark.parametrize("key, check, needs, fix", [
    ("backup_root", "lync_backup_root", pf.NIGHTLY, "set lync_backup_root to the UNC path"),
    ("network_user", "lync_network_user", pf.NIGHTLY, "set lync_network_user"),
    ("network_password_length", "lync_network_password", pf.NIGHTLY, "set lync_network_password (from Ansible Vault)"),
    ("certificate_password_length", "lync_certificate_password", pf.NIGHTLY, "at least 8 characters"),
    ("signing_key_length", "lync_backup_signing_key", pf.NIGHTLY, "openssl rand -hex 32"),
    ("media_path", "lync_media_path", pf.BAD_DAY, "Setup\\amd64"),
    ("rtc_group", "lync_rtc_group", pf.BAD_DAY, "DOMAIN\\RTCComponentUniversalServices"),
])
def test_each_missing_setting_fails_with_its_fix(key, check, needs, fix):
    settings = dict(SETTINGS)
    settings.pop(key)
    rec = by_check(pf.inventory_records(settings, GROUPS), "inventory", check)
    assert (rec["status"], rec["detail"], rec["needs"]) == (pf.FAIL, "not set" if key != "network_user" else
                                                            "not set (nor ansible_user, its default)", needs)
    assert fix in rec["fix"] and "docs/" in rec["fix"]


def test_short_secrets_and_malformed_values_fail():
    settings = dict(SETTINGS, certificate_password_length=7, signing_key_length="15", backup_root="backup01\\share",
                    rtc_group="RTCComponentUniversalServices", media_path="..\\media")
    records = {r["check"]: r for r in pf.inventory_records(settings, GROUPS)}
    assert records["lync_certificate_password"]["detail"] == "shorter than 8 characters"
    assert records["lync_backup_signing_key"]["detail"] == "shorter than 16 characters"
    assert "is not a UNC path" in records["lync_backup_root"]["detail"]
    assert records["lync_rtc_group"]["status"] == pf.FAIL and "DOMAIN\\group" in records["lync_rtc_group"]["detail"]
    assert records["lync_media_path"]["status"] == pf.FAIL


def test_groups_missing_or_empty():
    records = {r["check"]: r for r in pf.inventory_records(SETTINGS, {"lync_front_ends": []})}
    assert (records["group lync_front_ends"]["status"], records["group lync_front_ends"]["detail"]) == (pf.FAIL, "empty")
    assert records["group lync_front_ends"]["needs"] == pf.NIGHTLY
    assert (records["group lync_backup_servers"]["detail"], records["group lync_backup_servers"]["needs"]) == (
        "missing", pf.BAD_DAY)
    # No replacement server yet is the usual state, not a failure.
    assert records["group lync_replacement_servers"]["status"] == pf.PASS
    with pytest.raises(pf.PreflightError):
        pf.inventory_records(SETTINGS, {"lync_front_ends": "fe01.contoso.local"})


# --------------------------------------------------------------------------- hosts

def test_a_front_end_with_the_shell_passes_with_product_and_build():
    records = pf.host_records("fe01.contoso.local", facts("Lync", products=[
        ("Microsoft Lync Server 2013, Core Components", "5.0.8308.984"),
        ("Microsoft Lync Server 2013, Front End Server", "5.0.8308.0")]), True)
    assert [r["check"] for r in records] == ["connection", "windows", "lync shell"]
    assert {r["status"] for r in records} == {pf.PASS}
    assert records[1]["detail"] == "Microsoft Windows Server 2012 R2 Standard (6.3.9600)"
    assert records[2]["detail"] == "Lync Server 2013 build 5.0.8308.984 (module Lync)"


def test_a_front_end_without_the_shell_fails_and_other_hosts_need_none():
    rec = pf.host_records("fe01.contoso.local", facts(None), True)[-1]
    assert (rec["check"], rec["status"]) == ("lync shell", pf.FAIL)
    assert "Install Administrative Tools" in rec["fix"] and "lync_front_ends" in rec["fix"]
    assert [r["check"] for r in pf.host_records("backup01.contoso.local", facts(None), False)] == ["connection", "windows"]


def test_skype_2019_is_named_from_its_build():
    rec = pf.host_records("fe01", facts("SkypeForBusiness", products=[("Skype for Business Server 2019, Core", "7.0.2046.0")]),
                          True)[-1]
    assert rec["detail"] == "Skype for Business Server 2019 build 7.0.2046.0 (module SkypeForBusiness)"


@pytest.mark.parametrize("result, detail", [
    ({"unreachable": True, "msg": "Failed to connect to the host via winrm: timed out"},
     "unreachable: Failed to connect to the host via winrm: timed out"),
    ({"failed": True, "msg": "payload lync_host_probe on fe02: host unreachable: lab: fe02 is powered off"},
     "unreachable: lab: fe02 is powered off"),
])
def test_an_unreachable_host_fails_its_connection_with_the_winrm_fix(result, detail):
    records = pf.host_records("fe02.contoso.local", result, True)
    assert len(records) == 1
    assert (records[0]["check"], records[0]["status"], records[0]["detail"]) == ("connection", pf.FAIL, detail)
    assert "make WinRM answer on fe02.contoso.local" in records[0]["fix"]
    assert 'docs/inventory.md, "Connection"' in records[0]["fix"]


def test_a_failed_probe_is_not_called_unreachable():
    rec = pf.host_records("fe02", {"failed": True, "msg": "payload lync_host_probe on fe02: boom\nmore"}, True)[0]
    assert rec["detail"] == "the host answered but its probe failed: payload lync_host_probe on fe02: boom"
    assert "PowerShell 5.1" in rec["fix"]


def test_an_old_windows_fails():
    rec = pf.host_records("old", facts(version="6.0.6002"), False)[1]
    assert (rec["check"], rec["status"]) == ("windows", pf.FAIL)


# --------------------------------------------------------------------------- the share

def test_the_share_listing_reports_the_last_complete_set():
    listing = {"sets": [{"set_id": "lync-2", "status": "partial", "bytes": 5},
                        {"set_id": "lync-1", "status": "complete", "bytes": 3 * 1024 ** 3}], "lock": None}
    rec = pf.share_records([{"host": "backup01", "result": listing}], "\\\\b\\s", "CONTOSO\\svc", True)[0]
    assert rec["status"] == pf.PASS
    assert rec["detail"] == "CONTOSO\\svc lists \\\\b\\s from backup01: 2 set(s), the last complete one lync-1 is 3.0 GiB"


def test_a_denied_share_fails_with_the_rights_to_grant():
    result = {"failed": True, "msg": "payload lync_backup_set_scan on backup01: LYNC_ROOT_MISSING: ..."}
    rec = pf.share_records([{"host": "backup01", "result": result}], "\\\\b\\s", "CONTOSO\\svc", True)[0]
    assert rec["status"] == pf.FAIL and rec["detail"].startswith("CONTOSO\\svc cannot list \\\\b\\s from backup01: ")
    assert "give CONTOSO\\svc Change on the share and Modify (NTFS) on the folder of \\\\b\\s" in rec["fix"]
    rec = pf.share_records([{"host": "backup01", "result": result}], "\\\\b\\s", "CONTOSO\\svc", False)[0]
    assert "the connection's user" in rec["fix"]


def test_no_share_host_or_no_root_is_not_checked():
    assert pf.share_records([], "", "u", True)[0]["status"] == pf.NOT_CHECKED
    rec = pf.share_records(pf.share_results([{"skipped": True, "ansible_loop_var": "h", "h": "backup01"}]), "", "u", True)
    assert (rec[0]["host"], rec[0]["status"]) == ("backup01", pf.NOT_CHECKED)


# --------------------------------------------------------------------------- DNS and DHCP

PINS = {"pinned": True, "dns_server": "10.0.0.2", "dns_probe_host": "fe01", "dhcp_server": "dc01"}


def test_readable_pins_pass_and_unpinned_hosts_have_no_record():
    records = pf.network_records("fe01", PINS, {"dns_records": [{}, {}]}, {"dhcp_options": [{}], "dhcp_missing_scopes": []})
    assert [(r["check"], r["status"], r["needs"]) for r in records] == [
        ("dns pins", pf.PASS, pf.BAD_DAY), ("dhcp pins", pf.PASS, pf.BAD_DAY)]
    assert pf.network_records("backup01", {"pinned": False}, {"skipped": True}, {"skipped": True}) == []


def test_an_unanswering_dns_server_fails_with_what_to_do():
    dns = {"failed": True, "msg": "lync_network_info: DNS server 10.0.0.2 did not answer for sip A: timeout"}
    rec = pf.network_records("fe01", PINS, dns, {"skipped": True})[0]
    assert rec["status"] == pf.FAIL and rec["detail"] == dns["msg"]
    assert "make DNS server 10.0.0.2 answer DNS queries from fe01" in rec["fix"] and "lync_dns_probe_host" in rec["fix"]
    old = {"failed": True, "msg": "lync_network_info: fe01 has no Resolve-DnsName (Windows Server 2012 ...)"}
    assert pf.network_records("fe01", PINS, old, None)[0]["fix"].startswith("set lync_dns_probe_host")


def test_dhcp_failures():
    denied = pf.network_records("fe01", PINS, {"skipped": True}, {"failed": True, "msg": "Access is denied. (WIN32 5)"})[0]
    assert denied["status"] == pf.FAIL and "DHCP Users on dc01" in denied["fix"]
    missing = pf.network_records("fe01", PINS, None, {"dhcp_options": [], "dhcp_missing_scopes": ["10.9.0.0"]})[0]
    assert missing["detail"] == "DHCP server dc01 has no scope 10.9.0.0"
    gone = pf.network_records("fe01", PINS, None, {"unreachable": True, "msg": "timed out"})[0]
    assert gone["detail"] == "not read: DHCP server dc01 did not answer: timed out"


# --------------------------------------------------------------------------- not checked, lines, verdict

def test_what_v1_does_not_check_is_said():
    instances = [{"name": "RTC", "lync_databases": ["rtcxds"], "service_account": "CONTOSO\\svc-sqlbe"},
                 {"name": "RTCLOCAL", "lync_databases": ["xds"], "service_account": "NT Service\\MSSQL$RTCLOCAL"},
                 {"name": "OTHER", "lync_databases": [], "service_account": None}]
    hosts = {"sqlbe01.contoso.local": facts(instances=instances), "gone": {"unreachable": True}}
    records = pf.not_checked_records(hosts, "CONTOSO\\svc", "\\\\b\\s", [])
    assert {r["status"] for r in records} == {pf.NOT_CHECKED}
    checks = [(r["host"], r["check"]) for r in records]
    assert checks == [("deployment", "share write")]
    # The host checks are host_check_records' (below); the SQL lines and the free space are sql_records'
    # (tests/unit/plugins/plugin_utils/test_preflight_sql.py).
    sql = pf.sql_records(hosts, None, "\\\\b\\s", "CONTOSO\\svc", [])
    assert [(r["host"], r["check"], r["status"]) for r in sql] == [
        ("sqlbe01.contoso.local", "sql rights sqlbe01.contoso.local\\RTC", pf.NOT_CHECKED),
        ("sqlbe01.contoso.local", "sql service account sqlbe01.contoso.local\\RTC", pf.NOT_CHECKED),
        ("deployment", "free space", pf.NOT_CHECKED)]


def test_lines_put_the_fix_under_each_failure():
    records = [pf.record("inventory", "lync_media_path", pf.FAIL, "not set", "set it", pf.BAD_DAY),
               pf.record("fe01", "connection", pf.PASS, "answered", "ignored"),
               pf.record("deployment", "rights", pf.NOT_CHECKED, "RTCUniversalServerAdmins")]
    assert pf.lines(records) == ["FAIL  inventory  lync_media_path: not set", "      fix: set it",
                                 "PASS  fe01  connection: answered", "NOT CHECKED  deployment  rights: RTCUniversalServerAdmins"]


def test_the_verdict_fails_on_nightly_failures_and_by_default_on_bad_day_ones():
    bad_day = [pf.record("inventory", "lync_media_path", pf.FAIL, "not set", "set it", pf.BAD_DAY)]
    nightly = [pf.record("fe02", "connection", pf.FAIL, "unreachable", "fix it")]
    assert pf.verdict(bad_day)[0] is True
    failed, message = pf.verdict(bad_day, fail_on_bad_day=False)
    assert failed is False and "1 failed (0 of them needed every night)" in message
    failed, message = pf.verdict(bad_day + nightly, fail_on_bad_day=False)
    assert failed is True and message.endswith("Fix before the first backup: fe02 connection (each FAIL line above says how)")


def test_the_filter_builds_the_whole_report_from_the_registered_results():
    inputs = {"settings": SETTINGS, "groups": GROUPS, "hosts": ["fe01.contoso.local", "backup01.contoso.local"],
              "facts": [facts("Lync", products=[("Lync Server 2013", "5.0.8308.984")]), facts()],
              "pins": [PINS, {"pinned": False}], "dns": [{"dns_records": []}, {"skipped": True}],
              "dhcp": [{"dhcp_options": []}, {"skipped": True}],
              "share": [{"ansible_loop_var": "preflight_share_host", "preflight_share_host": "backup01.contoso.local",
                         "sets": [], "lock": None}]}
    report = preflight_report(inputs)
    assert report["failed"] is False
    assert report["lines"][-1].startswith("preflight: ") and "0 failed" in report["lines"][-1]
    assert any(line.startswith("PASS  backup01.contoso.local  backup share: ") for line in report["lines"])
    with pytest.raises(AnsibleFilterError):
        preflight_report(dict(inputs, facts=[]))
    with pytest.raises(AnsibleFilterError):
        preflight_report(["not", "a", "dict"])


# --------------------------------------------------------------------------- host checks: PowerShell, token, seclogon,
# rights, double hop

FE = "fe01.contoso.local"
ADMINS = {"account_name": "Administrators", "domain_name": "BUILTIN", "sid": "S-1-5-32-544", "type": "Alias",
          "attributes": ["Mandatory", "Enabled by default", "Enabled", "Owner"]}
HIGH = {"account_name": "High Mandatory Level", "domain_name": "Mandatory Label", "sid": "S-1-16-12288", "type": "Label"}
MEDIUM = {"account_name": "Medium Mandatory Level", "domain_name": "Mandatory Label", "sid": "S-1-16-8192",
          "type": "Label"}


def whoami(groups=("RTCUniversalServerAdmins", "CsPersistentChatAdministrator"), admins="default", label=None,
           user="lyncadmin"):
    """A win_whoami result (the keys ansible.windows documents) for CONTOSO\\<user>; admins None: not an administrator."""
    admins = ADMINS if admins == "default" else admins
    label = label or HIGH
    token = [{"account_name": g, "domain_name": "CONTOSO", "sid": "S-1-5-21-1-2-3-%d" % (1200 + i), "type": "Group",
              "attributes": ["Mandatory", "Enabled by default", "Enabled"]} for i, g in enumerate(groups)]
    return {"changed": False, "account": {"account_name": user, "domain_name": "CONTOSO", "sid": "S-1-5-21-1-2-3-1500",
                                          "type": "User"},
            "groups": ([admins] if admins else []) + token, "label": label}


def seclogon(start_mode="manual", state="stopped"):
    return {"changed": False, "exists": True, "services": [{"name": "seclogon", "display_name": "Secondary Logon",
                                                            "start_mode": start_mode, "state": state}]}


def shell_facts(version="5.1.14409.1005", instances=(), fqdn=FE):
    result = facts("Lync", products=[("Lync Server 2013", "5.0.8308.984")], instances=instances)
    result["ansible_facts"]["lync_host"].update(powershell_version=version, fqdn=fqdn)
    return result


def topology(cms_fqdn="sqlbe01.contoso.local", pchat=False):
    stores = [{"fqdn": cms_fqdn, "instance": "rtc", "roles": ["CentralManagementDatabase"]}]
    if pchat:
        stores.append({"fqdn": "sqlmon01.contoso.local", "instance": "pchat", "roles": ["PersistentChatDatabase"]})
    return {"changed": False, "ansible_facts": {"lync_deployment": {
        "pools": [{"fqdn": "pool01.contoso.local", "roles": ["Registrar"]}], "sql_stores": stores,
        "file_stores": [{"fqdn": "fs01.contoso.local", "share": "LyncShare"}],
        "cms": {"pool": "pool01.contoso.local", "sql_fqdn": cms_fqdn, "sql_instance": "rtc"}}}}


@pytest.mark.parametrize("version, status", [("5.1.14409.1005", pf.PASS), ("5.1.17763.1", pf.PASS),
                                             ("10.0.0", pf.PASS), ("5.0.10586.117", pf.FAIL), ("4.0", pf.FAIL),
                                             ("3.0", pf.FAIL), (None, pf.NOT_CHECKED)])
def test_powershell_5_1_or_later(version, status):
    rec = pf.powershell_record(FE, shell_facts(version))
    assert rec["status"] == status, rec
    if status == pf.FAIL:
        assert "install Windows Management Framework 5.1 on %s" % FE in rec["fix"] and "windows_setup" in rec["fix"]
    assert pf.powershell_record(FE, {"unreachable": True, "msg": "timed out"}) is None


def test_a_local_administrator_with_an_elevated_token_passes():
    rec = pf.admin_record(FE, whoami())
    assert (rec["status"], rec["detail"]) == (pf.PASS, "CONTOSO\\lyncadmin is a local administrator (elevated token, "
                                                       "High Mandatory Level)")


def test_no_administrators_group_in_the_token_fails_with_the_fix():
    rec = pf.admin_record(FE, whoami(admins=None, label=MEDIUM))
    assert rec["status"] == pf.FAIL
    assert rec["detail"] == "CONTOSO\\lyncadmin is not in the local Administrators group of %s" % FE
    assert "Add-LocalGroupMember -Group Administrators -Member CONTOSO\\lyncadmin" in rec["fix"]


@pytest.mark.parametrize("admins, label", [
    (dict(ADMINS, attributes=["Mandatory", "Use for deny only"]), MEDIUM),  # UAC's filtered token
    (ADMINS, MEDIUM),
])
def test_a_filtered_token_fails_as_not_elevated(admins, label):
    rec = pf.admin_record(FE, whoami(admins=admins, label=label))
    assert rec["status"] == pf.FAIL and "token is filtered" in rec["detail"]
    assert "LocalAccountTokenFilterPolicy" in rec["fix"]


def test_a_failed_or_unread_token_is_not_a_pass():
    assert pf.admin_record(FE, {"failed": True, "msg": "Access is denied"})["status"] == pf.NOT_CHECKED
    assert pf.admin_record(FE, {"skipped": True}) is None
    assert pf.admin_record(FE, {"unreachable": True}) is None


@pytest.mark.parametrize("mode, state, status, detail", [
    ("manual", "stopped", pf.PASS, "seclogon is stopped, start mode manual: Windows starts it when runas needs it"),
    ("auto", "started", pf.PASS, "seclogon is running (start mode auto)"),
    ("disabled", "stopped", pf.FAIL, "seclogon is disabled (stopped)"),
    ("disabled", "started", pf.FAIL, "seclogon is disabled (started)"),
])
def test_the_secondary_logon_service(mode, state, status, detail):
    rec = pf.seclogon_record(FE, seclogon(mode, state), True)
    assert (rec["status"], rec["detail"]) == (status, detail)
    if status == pf.FAIL:
        assert "Set-Service -Name seclogon -StartupType Manual" in rec["fix"] and "runas" in rec["fix"]


def test_no_secondary_logon_service_fails_and_without_become_it_is_not_needed():
    missing = pf.seclogon_record(FE, {"exists": False, "services": []}, True)
    assert missing["status"] == pf.FAIL and missing["detail"] == "no Secondary Logon service (seclogon) on %s" % FE
    assert pf.seclogon_record(FE, seclogon("disabled"), False)["status"] == pf.PASS


def test_rights_on_a_front_end():
    both = pf.rights_records(FE, whoami(), True)
    assert [r["status"] for r in both] == [pf.PASS, pf.PASS]
    no_rtc = pf.rights_records(FE, whoami(groups=("CsPersistentChatAdministrator",)), True)
    assert no_rtc[0]["status"] == pf.FAIL and no_rtc[0]["needs"] == pf.NIGHTLY
    assert "Add-ADGroupMember -Identity RTCUniversalServerAdmins -Members lyncadmin" in no_rtc[0]["fix"]
    assert pf.DOC_LYNC_PERMISSIONS in no_rtc[0]["fix"]
    no_pchat = pf.rights_records(FE, whoami(groups=("RTCUniversalServerAdmins",)), True)
    assert [r["status"] for r in no_pchat] == [pf.PASS, pf.FAIL]
    assert "Export-CsPersistentChatData and Import-CsPersistentChatData" in no_pchat[1]["fix"]
    # Without Persistent Chat the group is not needed; with the topology unread, it is not known.
    assert pf.rights_records(FE, whoami(groups=("RTCUniversalServerAdmins",)), False)[1]["status"] == pf.PASS
    assert pf.rights_records(FE, whoami(groups=("RTCUniversalServerAdmins",)), None)[1]["status"] == pf.NOT_CHECKED
    # Group names compare as Windows compares them, without case.
    assert pf.rights_records(FE, whoami(groups=("rtcuniversalserveradmins",)), False)[0]["status"] == pf.PASS


def test_persistent_chat_is_known_from_the_deployment():
    deployment = topology(pchat=True)["ansible_facts"]["lync_deployment"]
    assert pf.persistent_chat(deployment) is True
    assert pf.persistent_chat(topology()["ansible_facts"]["lync_deployment"]) is False
    assert pf.persistent_chat(None) is None
    assert pf.persistent_chat({"pools": [{"roles": ["PersistentChatServer"]}], "sql_stores": []}) is True


@pytest.mark.parametrize("become, connection, expected", [
    (True, {}, "become runas (logon_type=new_credentials) as CONTOSO\\svc"),
    (False, {"winrm_transport": "credssp"}, "CredSSP (the connection's user)"),
    (False, {"winrm_transport": ["kerberos"], "kerberos_delegation": "true"}, "Kerberos delegation (the connection's user)"),
    (False, {"psrp_auth": "credssp"}, "CredSSP (the connection's user)"),
    (False, {"psrp_auth": "negotiate", "psrp_delegate": True}, "Kerberos delegation (the connection's user)"),
    (False, {"winrm_transport": "kerberos"}, None),
    (False, {"winrm_transport": "ntlm"}, None),
    (False, {}, None),
])
def test_what_carries_the_network_identity(become, connection, expected):
    assert pf.carrier(become, "CONTOSO\\svc", connection) == expected


def _hops(front_end=True, facts_result=None, deployment=None, topo=None, reach=None, become=True, connection=None):
    return pf.double_hop_records(FE, facts_result or shell_facts(), front_end, deployment,
                                 topo if topo is not None else topology(), reach if reach is not None else {"sets": []},
                                 become, "CONTOSO\\svc", ROOT, connection or {})


ROOT = "\\\\backup01.contoso.local\\LyncBackup"


def test_a_front_end_reaches_the_cms_and_the_share_through_become():
    found = _hops()
    assert [r["status"] for r in found] == [pf.PASS, pf.PASS]
    assert found[0]["detail"] == ("CONTOSO\\svc reads the topology from the Central Management store "
                                  "(sqlbe01.contoso.local\\rtc): become runas (logon_type=new_credentials) as "
                                  "CONTOSO\\svc carries it")
    assert found[1]["detail"].startswith("CONTOSO\\svc lists %s from %s: become runas" % (ROOT, FE))


def test_a_local_cms_needs_no_second_hop():
    found = _hops(topo=topology(cms_fqdn=FE))
    assert found[0]["detail"] == "the Central Management store (%s\\rtc) is on %s itself (no second hop)" % (FE, FE)


def test_a_double_hop_without_a_carrier_fails_with_the_ways_to_carry_it():
    anonymous = {"failed": True, "msg": "Login failed for user 'NT AUTHORITY\\ANONYMOUS LOGON'."}
    found = _hops(topo=anonymous, reach={"failed": True, "msg": "Access is denied"}, become=False)
    assert [r["status"] for r in found] == [pf.FAIL, pf.FAIL]
    assert found[0]["detail"].startswith("the connection's user cannot read the topology from %s with no network "
                                         "credentials: Login failed" % FE)
    for rec in found:
        assert rec["fix"].startswith("nothing carries credentials to a second server from %s" % FE)
        assert "ansible_winrm_transport: credssp" in rec["fix"] and "ansible_winrm_kerberos_delegation" in rec["fix"]


def test_a_refused_network_identity_fails_with_the_rights_and_the_password():
    found = _hops(reach={"failed": True, "msg": "Access to the path is denied"})
    assert found[1]["status"] == pf.FAIL
    assert "give CONTOSO\\svc Change on the share and Modify (NTFS) on the folder of %s" % ROOT in found[1]["fix"]
    assert "lync_network_password" in found[1]["fix"]


def test_a_become_that_cannot_start_shows_the_reason_from_module_stderr():
    reach = {"failed": True, "msg": "MODULE FAILURE\nSee stdout/stderr for the exact error",
             "module_stderr": "CreateProcessWithTokenW() failed (Win32ErrorCode 1058)\nmore"}
    assert _hops(reach=reach)[1]["detail"].endswith(": CreateProcessWithTokenW() failed (Win32ErrorCode 1058)")


def test_which_hosts_need_the_double_hop():
    deployment = topology()["ansible_facts"]["lync_deployment"]
    sql = [{"name": "RTC", "lync_databases": ["rtcxds"], "service_account": "CONTOSO\\svc-sqlbe"}]
    # A SQL Server host of Lync databases and a file server write to the share (no CMS read there).
    assert [r["detail"].split(" from ")[0] for r in _hops(False, facts(instances=sql))] == ["CONTOSO\\svc lists " + ROOT]
    file_server = facts()
    file_server["ansible_facts"]["lync_host"]["fqdn"] = "fs01.contoso.local"
    assert len(pf.double_hop_records("fs01.contoso.local", file_server, False, deployment, None, {"sets": []}, True,
                                     "u", ROOT, {})) == 1
    # Any other host (a domain controller, the backup server) writes nothing there: no record.
    assert _hops(False, facts()) == []
    # A Front End whose topology read was skipped says so; an unanswered host has no record.
    assert _hops(topo={"skipped": True})[0]["status"] == pf.NOT_CHECKED
    assert _hops(facts_result={"unreachable": True}) == []


def _unread(user, results):
    """The NOT CHECKED lines for lync_network_user's own groups (after the setup-permissions line, always there)."""
    found = pf.network_user_rights_record(user, results)
    assert found[0]["detail"].startswith("setup permissions for the recovery: Enable-CsTopology")
    assert found[0]["needs"] == pf.BAD_DAY
    return found[1:]


def test_the_network_identity_rights_are_said_unread_only_when_it_is_another_account():
    token = dict(whoami(), upn="lyncadmin@CONTOSO.LOCAL")
    assert _unread("CONTOSO\\lyncadmin", [token]) == []
    assert _unread("lyncadmin@contoso.local", [token]) == []
    assert _unread("lyncadmin", [token]) == []
    assert [r["status"] for r in _unread("CONTOSO\\svc", [token, None])] == [pf.NOT_CHECKED]
    # Same name in another domain, or a UPN that is not the token's: another account.
    assert len(_unread("FABRIKAM\\lyncadmin", [token])) == 1
    assert len(_unread("backup@contoso.local", [token])) == 1
    assert _unread("CONTOSO\\svc", [{"unreachable": True}]) == []


def test_the_report_holds_the_host_checks_in_play_order():
    inputs = {"settings": SETTINGS, "groups": GROUPS, "hosts": [FE, "backup01.contoso.local"],
              "facts": [shell_facts(), facts()], "whoami": [whoami(), whoami()],
              "seclogon": [seclogon(), seclogon("disabled")], "topology": [topology(pchat=True), {"skipped": True}],
              "reach": [{"sets": []}, {"sets": []}], "connection": [{}, {}]}
    records = pf.records(inputs)
    host_checks = [(r["host"], r["check"], r["status"]) for r in records
                   if r["check"] in ("powershell", "local administrators", "secondary logon", "rights", "double hop")]
    assert host_checks == [(FE, "powershell", pf.PASS), (FE, "local administrators", pf.PASS),
                           (FE, "secondary logon", pf.PASS), (FE, "rights", pf.PASS), (FE, "rights", pf.PASS),
                           (FE, "double hop", pf.PASS), (FE, "double hop", pf.PASS),
                           ("backup01.contoso.local", "powershell", pf.NOT_CHECKED),
                           ("backup01.contoso.local", "local administrators", pf.PASS),
                           ("backup01.contoso.local", "secondary logon", pf.FAIL),
                           # Setup permissions; lync_network_user (CONTOSO\\svc-lyncbackup) is another account.
                           ("deployment", "rights", pf.NOT_CHECKED), ("deployment", "rights", pf.NOT_CHECKED)]
    failed, message = pf.verdict(records)
    assert failed and "backup01.contoso.local secondary logon" in message
    with pytest.raises(pf.PreflightError):
        pf.records(dict(inputs, whoami=[whoami()]))


def test_a_host_too_old_for_any_module_fails_its_powershell_check():
    refused = {"failed": True, "msg": "Ansible requires PowerShell v5.1"}
    rec = pf.powershell_record(FE, refused)
    assert rec["status"] == pf.FAIL and "install Windows Management Framework 5.1 on %s" % FE in rec["fix"]
    assert "4.6.2" in rec["fix"]
    parse = {"failed": True, "msg": "The 'using' keyword is not supported in this version of the language."}
    assert pf.powershell_record(FE, parse)["status"] == pf.FAIL
    assert pf.powershell_record(FE, {"failed": True, "msg": "Access is denied"}) is None
    inputs = {"settings": SETTINGS, "groups": GROUPS, "hosts": [FE], "facts": [refused]}
    assert ("fe01.contoso.local", "powershell", pf.FAIL) in [(r["host"], r["check"], r["status"])
                                                             for r in pf.records(inputs)]


def test_powershell_7_or_another_edition_fails():
    result = shell_facts("7.4.1")
    result["ansible_facts"]["lync_host"]["powershell_edition"] = "Core"
    rec = pf.powershell_record(FE, result)
    assert rec["status"] == pf.FAIL and rec["detail"] == "PowerShell Core 7.4.1 runs the payloads"
    assert "Windows PowerShell 5.1" in rec["fix"]


def test_unnamed_or_disabled_groups_are_not_read_as_membership():
    unnamed = whoami(groups=())
    unnamed["groups"].append({"account_name": None, "domain_name": None, "sid": "S-1-5-21-9-9-9-1201",
                              "type": "Unknown", "attributes": ["Mandatory", "Enabled by default", "Enabled"]})
    assert pf.rights_records(FE, unnamed, False)[0]["status"] == pf.NOT_CHECKED
    disabled = whoami(groups=("RTCUniversalServerAdmins",))
    disabled["groups"][-1]["attributes"] = ["Use for deny only"]
    assert pf.rights_records(FE, disabled, False)[0]["status"] == pf.FAIL


def test_persistent_chat_rights_are_not_needed_when_its_export_is_off():
    recs = pf.rights_records(FE, whoami(groups=("RTCUniversalServerAdmins",)), True, pchat_export=False)
    assert [r["status"] for r in recs] == [pf.PASS, pf.PASS]
    assert "backup_persistent_chat_export is false" in recs[1]["detail"]
    inputs = {"settings": dict(SETTINGS, persistent_chat_export="False"), "groups": GROUPS, "hosts": [FE],
              "facts": [shell_facts()], "whoami": [whoami(groups=("RTCUniversalServerAdmins",))],
              "seclogon": [seclogon()], "topology": [topology(pchat=True)], "reach": [{"sets": []}],
              "connection": [{}]}
    assert not [r for r in pf.records(inputs) if r["status"] == pf.FAIL]


def test_dotnet_462_or_later_on_each_backup_server():
    """The backup's close reads the set through \\\\?\\ paths there; .NET Framework before 4.6.2 refuses them."""
    def reg(value, exists=True):
        return {"preflight_dotnet_host": "backup01", "ansible_loop_var": "preflight_dotnet_host", "exists": exists,
                "value": value, "type": "REG_DWORD"}
    assert pf.dotnet_records([reg(528040)])[0]["status"] == pf.PASS
    assert pf.dotnet_records([reg(394802)])[0]["status"] == pf.PASS
    old = pf.dotnet_records([reg(394254)])[0]
    assert old["status"] == pf.FAIL and old["detail"] == "older than 4.6.2 (Release 394254)"
    assert "install .NET Framework 4.8 (4.6.2 at least) on backup01" in old["fix"]
    assert pf.dotnet_records([reg(None, exists=False)])[0]["status"] == pf.FAIL
    gone = pf.dotnet_records([{"preflight_dotnet_host": "backup01", "ansible_loop_var": "preflight_dotnet_host",
                               "unreachable": True, "msg": "timed out"}])[0]
    assert gone["status"] == pf.FAIL and "did not answer" in gone["detail"]
    assert pf.dotnet_records([]) == []


# --------------------------------------------------------------------------- SQL backup paths

def _sql_root(deepest, deployment):
    base = "\\\\backup01.contoso.local\\LyncBackup\\"
    longest = max(len(p) for p in backup_plan.planned_sql_paths(base + "r", deployment))
    return base + "r" * (1 + deepest - longest)


def test_sql_backup_paths_fail_when_the_sql_backup_folder_reaches_248_characters():
    """This topology's databases have short names (xds.bak, lis.bak), so the folder's rule binds before the file's:
    <set>\\sql\\<server>_<instance> must stay under 248 characters (backup_plan.SQL_FOLDER_MAX: Windows creates no
    longer directory without \\\\?\\; review hardlink3, finding 5), which leaves the deepest file at 255
    characters, under SQL Server's 259."""
    deployment = topology()["ansible_facts"]["lync_deployment"]
    ok_rec = pf.sql_path_record(_sql_root(255, deployment), deployment)
    assert ok_rec["status"] == pf.PASS and ok_rec["host"] == pf.DEPLOYMENT
    assert ok_rec["detail"].startswith("the longest SQL backup file has 255 characters (")
    root = _sql_root(258, deployment)
    rec = pf.sql_path_record(root, deployment)
    assert rec["status"] == pf.FAIL and rec["needs"] == pf.NIGHTLY
    assert rec["detail"].startswith("the SQL backup folder %s\\lync-YYYYMMDDTHHMMSSZ-xxxxxx\\sql\\sqlbe01.contoso.local_rtc "
                                    "is 250 characters long" % root)
    assert "shorter than 248 characters (at most 247" in rec["detail"]
    assert "shorten the backup root by at least 3 characters" in rec["detail"]
    assert rec["fix"].startswith("set lync_backup_root to a shorter path") and "at most %d characters" % (len(root) - 3) \
        in rec["fix"]
    # Striping (backup_sql_file_count) adds _<i>of<n> to each file name: then the file's own rule (259) binds.
    striped = pf.sql_path_record(_sql_root(255, deployment), deployment, 2)
    assert striped["status"] == pf.FAIL and "refuses a backup device name longer than 259" in striped["detail"]


def test_sql_backup_paths_are_not_checked_without_the_topology_nor_judged_without_a_valid_root():
    assert pf.sql_path_record(SETTINGS["backup_root"], None)["status"] == pf.NOT_CHECKED
    assert pf.sql_path_record("", topology()["ansible_facts"]["lync_deployment"]) is None
    assert pf.sql_path_record("\\\\b\\s\\" + "x" * 200, topology()["ansible_facts"]["lync_deployment"]) is None


def test_the_report_judges_the_sql_backup_paths_with_the_file_count():
    deployment = topology()["ansible_facts"]["lync_deployment"]
    inputs = {"settings": dict(SETTINGS, backup_root=_sql_root(255, deployment)), "groups": GROUPS, "hosts": [FE],
              "facts": [shell_facts()], "whoami": [whoami()], "seclogon": [seclogon()], "topology": [topology()],
              "reach": [{"sets": []}], "connection": [{}]}
    assert by_check(pf.records(inputs), pf.DEPLOYMENT, "SQL backup paths")["status"] == pf.PASS
    inputs["settings"]["sql_file_count"] = "4"
    assert by_check(pf.records(inputs), pf.DEPLOYMENT, "SQL backup paths")["status"] == pf.FAIL
