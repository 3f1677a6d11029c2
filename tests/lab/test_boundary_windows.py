"""The windows boundary (lync_lab/boundary/windows.py): Windows built-ins declared as Microsoft's pages document
them, bound to the lab's rules, and the payloads that run over them (lync_dns_probe, lync_dhcp_probe, lync_services).

Pages: Get-Command https://learn.microsoft.com/powershell/module/microsoft.powershell.core/get-command?view=powershell-5.1;
Resolve-DnsName https://learn.microsoft.com/powershell/module/dnsclient/resolve-dnsname;
Get-DhcpServerv4OptionValue https://learn.microsoft.com/powershell/module/dhcpserver/get-dhcpserverv4optionvalue;
Start-CsWindowsService https://learn.microsoft.com/powershell/module/skypeforbusiness/start-cswindowsservice.
Planted defects: each test below named test_planted_* edits a copy of a payload's text the way a realistic mistake
would and shows that the lab sees it. Old text: the payloads as they were at commit 1a7fef5 (before issue 9).
"""

import subprocess

import pytest

from lync_lab import boundary, dhcp as dhcplib, netid, seed, winps
from lync_lab.boundary import winpowershell
from lync_lab.context import Context

SE = "lyncse01.contoso.local"
DC = "dc01.contoso.local"
RECORDS = [{"Name": "sip.contoso.local", "Type": "A"}, {"Name": "_sipinternaltls._tcp.contoso.local", "Type": "SRV"},
           {"Name": "nosuch.contoso.local", "Type": "A"}, {"Name": "sip.contoso.local", "Type": "SRV"}]
SCOPES = [{"ScopeId": "10.0.0.0", "Options": [{"OptionId": 120, "VendorClass": ""},
                                              {"OptionId": 3, "VendorClass": "MSUCClient"},
                                              {"OptionId": 6, "VendorClass": ""}]},
          {"ScopeId": "10.9.0.0", "Options": [{"OptionId": 120, "VendorClass": ""}]}]


STOP = "$ErrorActionPreference = 'Stop'\n"


def _ctx(lab, host, state=None):
    return Context(lab, state if state is not None else lab.load(), host, False, [], "test")


def run_text(ctx, text, params, check_mode=False):
    """Run PowerShell text through a boundary session on ctx's host: win_powershell's result."""
    with netid.session(ctx):
        return winpowershell.run(boundary.open_session(ctx), text, params, check_mode, 4)


def run_payload(ctx, name, params, replace=(), check_mode=False):
    """Run payload `name` (its text with each (old, new) of `replace` applied: a planted defect)."""
    text = winps.payload_text(name)
    for old, new in replace:
        assert old in text, old
        text = text.replace(old, new)
    ctx.payload = name
    return run_text(ctx, text, params, check_mode)


def old_payload(name):
    """The payload's text at 1a7fef5 (before issue 9's Windows-true fixes)."""
    return subprocess.run(["git", "show", "1a7fef5:plugins/plugin_utils/payloads/%s.ps1" % name], capture_output=True,
                          text=True, check=True, cwd=str(winps.COLLECTION_ROOT)).stdout


def _message(result):
    return result["error"][0]["exception"]["message"] if result["error"] else ""


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    return seed.seed("standard", tmp_path_factory.mktemp("windows") / "lab", "lync2013")


# --- commands bound as documented ------------------------------------------------------------------

def test_resolve_dnsname_type_is_a_record_type_enum(lab):
    out = run_text(_ctx(lab, SE), STOP + "Resolve-DnsName -Name sip.contoso.local -Type SVR -Server dc01", {})
    assert out["failed"]
    assert _message(out).startswith("Cannot bind parameter 'Type'. Cannot convert value \"SVR\" to type "
                                    "\"Microsoft.DnsClient.Commands.RecordType\". Error: \"Unable to match the "
                                    "identifier name SVR to a valid enumerator name.")
    out = run_text(_ctx(lab, SE), "$r = Resolve-DnsName sip.contoso.local srv -Server dc01\n"
                                  "$Ansible.Result = @{ T = [string]$r.Type; S = [string]$r.Section }", {})
    # Positions 0 and 1 (Name, Type); 'srv' binds case-insensitively; a name without an SRV record answers
    # with the zone's SOA in the Authority section (RFC 2308 "No Data").
    assert out["result"] == {"T": "SOA", "S": "Authority"}, out


def test_resolve_dnsname_failures_are_the_dns_api_errors(lab):
    script = ("try { Resolve-DnsName -Name $n -Type A -Server $s -ErrorAction Stop } "
              "catch { $Ansible.Result = @{ Id = $_.FullyQualifiedErrorId; M = $_.Exception.Message } }")
    out = run_text(_ctx(lab, SE), "param($n, $s)\n" + script, {"n": "nosuch.contoso.local", "s": DC})
    assert out["result"]["Id"].startswith("DNS_ERROR_RCODE_NAME_ERROR,")
    assert out["result"]["M"] == "nosuch.contoso.local : DNS name does not exist"
    out = run_text(_ctx(lab, SE), "param($n, $s)\n" + script, {"n": "sip.contoso.local", "s": "10.99.0.1"})
    assert out["result"]["Id"].startswith("ERROR_TIMEOUT,")


def test_a_command_the_windows_release_lacks_is_not_recognized(lab):
    state = lab.load()
    seed.use_windows(state["hosts"][SE], "2008r2")
    ctx = _ctx(lab, SE, state)
    out = run_text(ctx, STOP + "Resolve-DnsName -Name sip.contoso.local", {})
    assert out["failed"] and _message(out).startswith("The term 'Resolve-DnsName' is not recognized as the name of a cmdlet")
    out = run_text(ctx, "$Ansible.Result = [bool](Get-Command -Name Resolve-DnsName -ErrorAction SilentlyContinue)", {})
    assert out["result"] is False
    # The DhcpServer module: only where the DHCP role or its tools are installed.
    assert run_text(_ctx(lab, SE), STOP + "Get-DhcpServerv4Scope", {})["failed"]
    assert not run_text(_ctx(lab, DC), "Get-DhcpServerv4Scope", {})["failed"]


def test_get_command_for_an_unknown_name_writes_command_not_found(lab):
    out = run_text(_ctx(lab, SE), "Get-Command -Name Get-NoSuchThing", {})
    assert out["error"][0]["fully_qualified_error_id"].startswith("CommandNotFoundException,")
    out = run_text(_ctx(lab, SE), "$Ansible.Result = (Get-Command Resolve-DnsName).Source", {})
    assert out["result"] == "DnsClient"


def test_dhcp_option_value_binds_scope_id_as_an_ip_address_and_reads_vendor_classes_only_when_asked(lab):
    ctx = _ctx(lab, DC)
    out = run_text(ctx, STOP + "Get-DhcpServerv4OptionValue -ScopeId 10.0.0.x", {})
    assert out["failed"] and "Cannot convert value \"10.0.0.x\" to type \"System.Net.IPAddress\"" in _message(out)
    out = run_text(ctx, "$Ansible.Result = @{ Std = @(Get-DhcpServerv4OptionValue | ForEach-Object { [int]$_.OptionId })\n"
                        "  Vendor = @(Get-DhcpServerv4OptionValue -VendorClass MSUCClient | ForEach-Object { [int]$_.OptionId }) }", {})
    assert out["result"] == {"Std": [120], "Vendor": [1, 2, 3, 4, 5]}
    out = run_text(ctx, "Get-DhcpServerv4OptionValue -VendorClass NoSuchClass -ErrorAction Stop", {})
    assert out["failed"] and "class NoSuchClass does not exist" in _message(out)


def test_start_cswindowsservice_name_is_one_string(lab):
    out = run_text(_ctx(lab, SE), STOP + "Start-CsWindowsService -Name @('RTCSRV', 'RTCATS') -NoWait", {})
    assert out["failed"] and _message(out) == ("Cannot convert 'System.Object[]' to the type 'System.String' required "
                                               "by parameter 'Name'. Specified method is not supported.")


def test_service_status_is_a_service_controller_status(lab):
    out = run_text(_ctx(lab, SE), "$s = Get-CsWindowsService -Name RTCSRV\n"
                                  "$Ansible.Result = @{ T = $s.Status.GetType().FullName; R = $s.Status -eq 'running'\n"
                                  "  S = ([string]$s.Status).GetType().FullName }", {})
    assert out["result"] == {"T": "System.ServiceProcess.ServiceControllerStatus", "R": True, "S": "System.String"}


# --- the payloads over the boundary ---------------------------------------------------------------

def test_dns_probe_reads_answers_and_treats_a_missing_name_as_an_answer(lab):
    out = run_payload(_ctx(lab, SE), "lync_dns_probe", {"Server": DC, "Records": RECORDS})
    assert not out["failed"], out
    assert out["result"]["Records"] == [
        {"Name": "sip.contoso.local", "Type": "A", "Data": "10.0.0.10"},
        {"Name": "_sipinternaltls._tcp.contoso.local", "Type": "SRV", "Data": "0 0 5061 lyncse01.contoso.local"}]
    assert out["result"]["Problems"] == []


def test_dhcp_probe_reads_scope_and_server_levels(lab):
    out = run_payload(_ctx(lab, DC), "lync_dhcp_probe", {"Scopes": SCOPES})
    assert not out["failed"], out
    got = {(o["OptionId"], o["VendorClass"], o["Level"]) for o in out["result"]["Options"]}
    assert got == {(120, "", "server"), (3, "MSUCClient", "server"), (6, "", "scope")}
    assert out["result"]["MissingScopes"] == ["10.9.0.0"]
    sub3 = next(o for o in out["result"]["Options"] if o["OptionId"] == 3)["Value"]
    assert sub3 == dhcplib.listed(dhcplib.ascii_hex("lyncse01.contoso.local"), True)


def _stopped(lab):
    state = lab.load()
    for service in state["hosts"][SE]["services"].values():
        service["status"] = "Stopped"
    return _ctx(lab, SE, state)


def test_services_a_missing_name_is_collected_and_the_next_one_starts(lab):
    ctx = _stopped(lab)
    out = run_payload(ctx, "lync_services", {"State": "started", "Names": ["NOSUCHSVC", "RTCSRV"]})
    assert not out["failed"], out
    assert out["result"]["Errors"] == ["Cannot find any service with service name 'NOSUCHSVC'."]
    status = {s["Name"]: s["Status"] for s in out["result"]["Services"]}
    assert status["RTCSRV"] == "Running" and status["RTCMEDSRV"] == "Stopped"


# --- planted defects --------------------------------------------------------------------------------

def test_planted_dns_wrong_section_name_reads_nothing(lab):
    out = run_payload(_ctx(lab, SE), "lync_dns_probe", {"Server": DC, "Records": RECORDS},
                      [("[string]$_.Section -eq 'Answer'", "[string]$_.Section -eq 'Answers'")])
    assert not out["failed"] and out["result"]["Records"] == []


def test_planted_dns_misspelled_record_member_gives_empty_data(lab):
    out = run_payload(_ctx(lab, SE), "lync_dns_probe", {"Server": DC, "Records": RECORDS},
                      [("'A' { [string]$answer.IPAddress }", "'A' { [string]$answer.IPAdress }")])
    assert out["result"]["Records"][0] == {"Name": "sip.contoso.local", "Type": "A", "Data": ""}


def test_planted_dns_typod_variable_queries_the_default_type(lab):
    out = run_payload(_ctx(lab, SE), "lync_dns_probe", {"Server": DC, "Records": RECORDS},
                      [("-Name $name -Type $type", "-Name $name -Type $typ")])
    # $typ is $null: Resolve-DnsName asks A_AAAA, the Where-Object keeps nothing of type SRV.
    assert [r["Type"] for r in out["result"]["Records"]] == ["A"]


def test_planted_dns_error_id_pattern_turns_missing_names_into_problems(lab):
    out = run_payload(_ctx(lab, SE), "lync_dns_probe", {"Server": DC, "Records": RECORDS},
                      [("-notlike 'DNS_ERROR_RCODE_NAME_ERROR*'", "-notlike 'DNS_ERROR_RCODE_NAME_ERROR'")])
    assert out["result"]["Problems"] == ["nosuch.contoso.local A: nosuch.contoso.local : DNS name does not exist"]


def test_planted_dhcp_server_level_read_without_vendor_class_misses_option_43(lab):
    out = run_payload(_ctx(lab, DC), "lync_dhcp_probe", {"Scopes": SCOPES},
                      [("@(Get-DhcpServerv4OptionValue -VendorClass $class -ErrorAction Stop)",
                        "@(Get-DhcpServerv4OptionValue -ErrorAction Stop)")])
    assert (3, "MSUCClient") not in {(o["OptionId"], o["VendorClass"]) for o in out["result"]["Options"]}


def test_planted_dhcp_wrong_scope_member_reports_every_scope_missing(lab):
    out = run_payload(_ctx(lab, DC), "lync_dhcp_probe", {"Scopes": SCOPES},
                      [("ForEach-Object { [string]$_.ScopeId }", "ForEach-Object { [string]$_.Scope }")])
    assert out["result"]["MissingScopes"] == ["10.0.0.0", "10.9.0.0"] and out["result"]["Options"] == []


def test_planted_dhcp_silenced_reads_hide_a_refusing_server(lab):
    state = lab.load()
    state["hosts"][DC]["dhcp_server"]["refuse"] = "access_denied"
    assert run_payload(_ctx(lab, DC, state), "lync_dhcp_probe", {"Scopes": SCOPES})["failed"]
    text = winps.payload_text("lync_dhcp_probe").replace("-ErrorAction Stop", "-ErrorAction SilentlyContinue")
    out = run_text(_ctx(lab, DC, state), text.replace("$ErrorActionPreference = 'Stop'", ""), {"Scopes": SCOPES})
    assert not out["failed"] and out["result"]["MissingScopes"] == ["10.0.0.0", "10.9.0.0"]


def test_planted_services_error_variable_without_plus_loses_the_first_error(lab):
    out = run_payload(_stopped(lab), "lync_services", {"State": "started", "Names": ["NOSUCHSVC", "RTCSRV"]},
                      [("Start-CsWindowsService -Name $name -NoWait -Confirm:$false -ErrorAction SilentlyContinue "
                        "-ErrorVariable +failed", "Start-CsWindowsService -Name $name -NoWait -Confirm:$false "
                        "-ErrorAction SilentlyContinue -ErrorVariable failed")])
    assert out["result"]["Errors"] == []  # the RTCSRV call replaced $failed with an empty list


def test_planted_services_dropped_name_starts_every_service(lab):
    out = run_payload(_stopped(lab), "lync_services", {"State": "started", "Names": ["RTCSRV"]},
                      [("Start-CsWindowsService -Name $name -NoWait", "Start-CsWindowsService -NoWait")])
    status = {s["Name"]: s["Status"] for s in out["result"]["Services"]}
    assert status["RTCMEDSRV"] == "Running"  # the correct payload leaves it Stopped (test above)


def test_planted_services_misspelled_switch_fails_binding(lab):
    out = run_payload(_stopped(lab), "lync_services", {"State": "query"},
                      [("$before = @(Get-CsWindowsService -ExcludeActivityLevel",
                        "$before = @(Get-CsWindowsService -ExcludeActivityLvl")])
    assert out["failed"] and "A parameter cannot be found that matches parameter name 'ExcludeActivityLvl'." in _message(out)


# --- the payloads as they were at 1a7fef5 -------------------------------------------------------------

def _old_text_or_skip(name):
    try:
        return old_payload(name)
    except (subprocess.CalledProcessError, OSError):
        pytest.skip("no git history with commit 1a7fef5 here")


def test_old_dns_probe_on_2008r2_reports_every_record_as_unanswered(lab):
    """Issue 9: without the Get-Command guard, 'Resolve-DnsName is not recognized' was caught per record and
    every record read as a DNS problem instead of naming the missing DnsClient module."""
    text = _old_text_or_skip("lync_dns_probe")
    state = lab.load()
    seed.use_windows(state["hosts"][SE], "2008r2")
    out = run_text(_ctx(lab, SE, state), text, {"Server": DC, "Records": RECORDS})
    assert not out["failed"] and len(out["result"]["Problems"]) == len(RECORDS)
    assert all("'Resolve-DnsName' is not recognized" in p for p in out["result"]["Problems"])
    new = run_payload(_ctx(lab, SE, state), "lync_dns_probe", {"Server": DC, "Records": RECORDS})
    assert new["failed"] and "LYNC_DNS_CLIENT_MISSING" in _message(new)


def test_old_dhcp_probe_reads_no_option_43_and_hides_a_refusing_server(lab):
    """Issue 9: option 43 read without -VendorClass finds nothing on a DHCPUtil-configured server; -ErrorAction
    SilentlyContinue turned access denied into 'scope missing'."""
    text = _old_text_or_skip("lync_dhcp_probe")
    wanted = [{"ScopeId": "10.0.0.0", "OptionIds": [43, 120]}]
    out = run_text(_ctx(lab, DC), text, {"Scopes": wanted})
    assert not out["failed"] and [o["OptionId"] for o in out["result"]["Options"]] == [120]
    state = lab.load()
    state["hosts"][DC]["dhcp_server"]["refuse"] = "access_denied"
    out = run_text(_ctx(lab, DC, state), text, {"Scopes": wanted})
    assert not out["failed"] and out["result"]["MissingScopes"] == ["10.0.0.0"]


def test_old_services_payload_fails_on_two_names(lab):
    """Issue 9: -Name $Names gave an array to Start-CsWindowsService's [String] -Name."""
    text = _old_text_or_skip("lync_services")
    out = run_text(_stopped(lab), text, {"State": "started", "Names": ["RTCSRV", "RTCATS"]})
    assert out["failed"] and "required by parameter 'Name'" in _message(out)


# --- the registry provider, CIM and the secure channel (what the host probes read) -----------------------------
# about_Registry_Provider https://learn.microsoft.com/powershell/module/microsoft.powershell.core/about/about_registry_provider?view=powershell-5.1;
# Get-ItemProperty https://learn.microsoft.com/powershell/module/microsoft.powershell.management/get-itemproperty?view=powershell-5.1;
# Get-CimInstance https://learn.microsoft.com/powershell/module/cimcmdlets/get-ciminstance?view=powershell-5.1.

def test_registry_values_come_from_the_host_record(lab):
    state = lab.load()
    state["hosts"][SE]["dns_suffix"] = "corp.contoso.com"
    ctx = _ctx(lab, SE, state)
    out = run_text(ctx, STOP + "$t = Get-ItemProperty -LiteralPath 'HKLM:\\SYSTEM\\CurrentControlSet\\Services\\Tcpip\\Parameters'\n"
                              "$k = 'HKLM:\\SOFTWARE\\Microsoft\\Microsoft SQL Server\\Instance Names\\SQL'\n"  # noqa: E127
                              "$Ansible.Result = @{ D = $t.Domain; H = $t.Hostname; Has = (Test-Path -LiteralPath $k)\n"
                              "  Names = @((Get-Item -LiteralPath $k).Property)\n"
                              "  Products = @(Get-ItemProperty -Path 'HKLM:\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\*' |"
                              " ForEach-Object { $_.DisplayName })\n"
                              "  Reboot = (Test-Path 'HKLM:\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Component Based Servicing\\RebootPending') }",
                   {})
    assert not out["failed"], out
    result = out["result"]
    assert result["D"] == "corp.contoso.com" and result["H"] == "LYNCSE01" and result["Has"] is True
    assert result["Names"] == sorted(n.upper() for n in state["hosts"][SE]["sql"])
    assert sorted(result["Products"]) == sorted(p["Name"] for p in state["hosts"][SE]["products"])
    assert result["Reboot"] is False


def test_get_itemproperty_on_a_missing_key_is_item_not_found(lab):
    out = run_text(_ctx(lab, SE), STOP + "Get-ItemProperty -LiteralPath 'HKLM:\\SOFTWARE\\NoSuchVendor'", {})
    assert out["failed"] and _message(out) == "Cannot find path 'HKLM:\\SOFTWARE\\NoSuchVendor' because it does not exist."
    out = run_text(_ctx(lab, SE), "$Ansible.Result = @(Get-ItemProperty -Path 'HKLM:\\SOFTWARE\\NoSuchVendor\\*').Count", {})
    assert out["result"] == 0 and not out["error"]  # a wildcard that matches nothing is no error


def test_cim_filter_and_wmi_service_states(lab):
    state = lab.load()
    state["hosts"][SE]["services"]["RTCSRV"]["status"] = "StartPending"
    ctx = _ctx(lab, SE, state)
    out = run_text(ctx, STOP + "$Ansible.Result = @{ Shares = @(Get-CimInstance -ClassName Win32_Share -Filter 'Type = 0' |"
                              " ForEach-Object { $_.Name }); All = @(Get-CimInstance Win32_Share).Count\n"  # noqa: E127
                              "  Svc = (Get-CimInstance -ClassName Win32_Service -Filter \"Name = 'RTCSRV'\").State }", {})
    assert not out["failed"], out
    assert out["result"]["Shares"] == sorted(state["hosts"][SE]["shares"], key=str.lower)
    assert out["result"]["All"] == len(state["hosts"][SE]["shares"]) + 3  # ADMIN$, C$, IPC$
    assert out["result"]["Svc"] == "Start Pending"  # Win32_Service.State, not ServiceControllerStatus
    out = run_text(ctx, STOP + "Get-CimInstance -ClassName Win32_NoSuchClass", {})
    assert out["failed"] and out["error"][0]["fully_qualified_error_id"].startswith("HRESULT 0x80041010")


def test_secure_channel_supports_should_process_and_sees_a_new_account(lab):
    script = "[CmdletBinding(SupportsShouldProcess)]\nparam()\n$Ansible.Result = [bool](Test-ComputerSecureChannel%s)"
    state = lab.load()
    assert run_text(_ctx(lab, SE, state), script % "", {})["result"] is True
    out = run_text(_ctx(lab, SE, state), script % "", {}, check_mode=True)
    assert out["result"] is False and "What if:" in out["host_out"]  # the probe before issue 9
    assert run_text(_ctx(lab, SE, state), script % " -WhatIf:$false", {}, check_mode=True)["result"] is True
    state["hosts"][SE]["computer_sid"] = "S-1-5-21-1-2-3-9999"  # the account was deleted and created again
    assert run_text(_ctx(lab, SE, state), script % "", {})["result"] is False


@pytest.fixture(scope="module")
def enterprise(tmp_path_factory):
    return seed.seed("enterprise3", tmp_path_factory.mktemp("windows-ee") / "lab", "lync2013")


def _fe(lab, host, state):
    """A session on a Front End with network credentials (become, new_credentials): the CMS is on the back end."""
    ctx = _ctx(lab, host, state)
    ctx.network_user = ctx.session_user
    return ctx


def test_old_services_payload_waits_for_master_and_fta_on_a_passive_front_end(enterprise):
    """Issue 9: the old wait included MASTER and FTA, which run only on the active Central Management Server
    (fe01 here); on fe02, with the pool's other Front Ends running, it waited out its timeout (the virtual clock: no
    real time) and reported them NotYet."""
    text = _old_text_or_skip("lync_services")
    state = enterprise.load()
    for service in state["hosts"]["fe02.contoso.local"]["services"].values():
        service["status"] = "Stopped"
    out = run_text(_fe(enterprise, "fe02.contoso.local", state), text, {"State": "started"})
    assert not out["failed"], out
    assert sorted(out["result"]["NotYet"]) == ["FTA", "MASTER"]
    for service in state["hosts"]["fe02.contoso.local"]["services"].values():
        service["status"] = "Stopped"
    new = run_payload(_fe(enterprise, "fe02.contoso.local", state), "lync_services", {"State": "started"})
    assert not new["failed"] and new["result"]["Errors"] == []  # no wait here: the action plugin decides what to wait for


def test_old_services_payload_blocks_on_the_first_front_end_of_a_stopped_pool(enterprise):
    """Issue 9: without -NoWait, Start-CsWindowsService waits for services that stay Starting until enough of the
    pool's Front Ends start (3 of 3 here), so starting the Front Ends one at a time fails on the first."""
    text = _old_text_or_skip("lync_services")
    state = enterprise.load()
    for fe in ("fe01.contoso.local", "fe02.contoso.local", "fe03.contoso.local"):
        for service in state["hosts"][fe]["services"].values():
            service["status"] = "Stopped"
    out = run_text(_fe(enterprise, "fe01.contoso.local", state), text, {"State": "started"})
    assert out["failed"] and "StartPending" in _message(out)
    new = run_payload(_fe(enterprise, "fe01.contoso.local", state), "lync_services", {"State": "started"})
    assert not new["failed"] and {s["Status"] for s in new["result"]["Services"]} >= {"StartPending"}


# Get-Service / Start-Service / Set-Service
# (https://learn.microsoft.com/powershell/module/microsoft.powershell.management/get-service?view=powershell-5.1 and the
# Start-/Stop-/Set-Service pages): ServiceController.Status is a ServiceControllerStatus, StartType a ServiceStartMode;
# Start-Service supports ShouldProcess; a name that matches no service is ObjectNotFound.

def test_services_through_the_management_cmdlets(lab):
    state = lab.load()
    state["hosts"][SE]["services"]["W32Time"]["status"] = "Stopped"
    ctx = _ctx(lab, SE, state)
    script = ("[CmdletBinding(SupportsShouldProcess)]\nparam()\n$ErrorActionPreference = 'Stop'\n"
              "Start-Service -Name W32Time\n$s = Get-Service -Name 'W32*'\n"
              "$Ansible.Result = @{ S = [string]$s.Status; T = $s.StartType.GetType().FullName; N = @(Get-Service).Count }")
    out = run_text(ctx, script, {}, check_mode=True)
    assert out["result"]["S"] == "Stopped" and "What if:" in out["host_out"]
    out = run_text(ctx, script, {})
    assert out["result"] == {"S": "Running", "T": "System.ServiceProcess.ServiceStartMode", "N": len(state["hosts"][SE]["services"])}
    out = run_text(ctx, STOP + "Set-Service -Name W32Time -StartupType Automatik", {})
    assert out["failed"] and "Unable to match the identifier name Automatik to a valid enumerator name" in _message(out)
    out = run_text(ctx, STOP + "Set-Service W32Time -StartupType Disabled -Status Stopped\nStart-Service W32Time", {})
    assert out["failed"] and "cannot be started" in _message(out)
    out = run_text(ctx, "Get-Service -Name NoSuchService", {})
    assert out["error"][0]["fully_qualified_error_id"].startswith("NoServiceFoundForGivenName,")
