"""Lab rules of issue 9 (probefix), exercised through the payloads' own text in the lab engine."""

import re


from lync_lab import fsops, winps
from lync_lab.context import Context
from lync_lab.errors import PSError

SE = "lyncse01.contoso.local"


def _ctx(lab, host=SE):
    return Context(lab, lab.load(), host, False, [], "test")


def _engine(ctx, name, params, check_mode=False):
    """Run payload `name`'s own text through the lab engine on ctx's host: win_powershell's result."""
    from lync_lab import boundary, netid
    from lync_lab.boundary import winpowershell
    ctx.payload = name
    with netid.session(ctx):
        return winpowershell.run(boundary.open_session(ctx), winps.payload_text(name), params, check_mode, 4)


def _run(lab, payload, host=SE, **parameters):
    """The payload's own text through the stand-in win_powershell (the engine) on `host`."""
    script = winps.payload_text(payload)
    return winps.run({"script": script, "parameters": parameters, "depth": 12}, False, str(lab.state_path), host, [])


def _message(result):
    return result["error"][0]["exception"]["message"] if result.get("error") else None


def _set_dotnet(lab, version):
    with lab.locked() as state:
        state["hosts"][SE]["dotnet_framework"] = version


def test_inventory_tells_a_missing_folder_from_an_old_dotnet(make_lab):
    """.NET Framework before 4.6.2 refuses \\\\?\\ paths (https://learn.microsoft.com/dotnet/api/system.io.pathtoolongexception);
    Test-Path swallows the error and returns $false, so the payload must not report the set as missing."""
    lab = make_lab("standard")
    (lab.host_root(SE) / "C" / "LyncShare" / "present").mkdir(parents=True)
    _set_dotnet(lab, "4.5.2")
    result = _run(lab, "lync_file_inventory", Path="\\\\?\\C:\\LyncShare\\present")
    assert result["failed"] and "4.6.2 or later" in _message(result)
    result = _run(lab, "lync_file_inventory", Path="\\\\?\\C:\\LyncShare\\absent")
    assert not result["failed"] and result["result"] == {"Exists": False, "Files": []}
    _set_dotnet(lab, "4.6.2")
    assert _run(lab, "lync_file_inventory", Path="\\\\?\\C:\\LyncShare\\present")["result"]["Exists"] is True


def test_set_remove_takes_only_exact_set_names(make_lab):
    """-cnotmatch '\\A...\\z': an upper-case or newline-terminated id is refused (about_Comparison_Operators)."""
    lab = make_lab("standard")
    for bad in ("LYNC-20260101T000000Z-abcdef", "lync-20260101T000000Z-abcdef\n", "lync-20260101T000000Z-ABCDEF"):
        result = _run(lab, "lync_backup_set_remove", Root="\\\\?\\C:\\LyncShare", SetIds=[bad])
        assert result["failed"] and "not a backup set name" in _message(result), bad


def test_set_remove_past_max_path_needs_the_extended_root(make_lab):
    """Remove-Item -Recurse on a plain path fails with PathTooLong past MAX_PATH
    (https://learn.microsoft.com/en-us/windows/win32/fileio/maximum-file-path-limitation)."""
    lab = make_lab("standard")
    set_id = "lync-20260101T000000Z-abcdef"
    deep = (lab.host_root(SE) / "C" / "LyncShare" / set_id).joinpath(*(["d%02d-%s" % (i, "x" * 40) for i in range(6)]))
    deep.mkdir(parents=True)
    (deep / "f.bin").write_bytes(b"x" * 10)
    result = _run(lab, "lync_backup_set_remove", Root="C:\\LyncShare", SetIds=[set_id])
    assert result["failed"] and "too long" in _message(result)
    # The failed removal left a folder that no longer looks like a set (renamed first).
    assert not (lab.host_root(SE) / "C" / "LyncShare" / set_id).exists()
    assert (lab.host_root(SE) / "C" / "LyncShare" / ("removing-" + set_id)).exists()
    (lab.host_root(SE) / "C" / "LyncShare" / ("removing-" + set_id)).rename(lab.host_root(SE) / "C" / "LyncShare" / set_id)
    result = _run(lab, "lync_backup_set_remove", Root="\\\\?\\C:\\LyncShare", SetIds=[set_id])
    assert not result["failed"] and result["result"] == {"Removed": [set_id], "BytesFreed": 10}
    assert fsops.test_path(_ctx(lab), "C:\\LyncShare\\" + set_id) is False


def test_one_service_that_fails_does_not_stop_the_others(make_lab):
    """A non-terminating error of Start-CsWindowsService for one name is collected; the next name still starts."""
    from lync_lab import cmdlets
    lab = make_lab("standard")
    ctx = _ctx(lab)
    for service in ctx.state["hosts"][SE]["services"].values():
        service["status"] = "Stopped"
    ran = _engine(ctx, "lync_services", {"State": "started", "Names": ["NOSUCHSVC", "RTCSRV"]})
    assert not ran["failed"], ran
    result = ran["result"]
    assert len(result["Errors"]) == 1 and "NOSUCHSVC" in result["Errors"][0]
    assert {s["Name"]: s["Status"] for s in cmdlets.get_windows_services(ctx.state, SE)}["RTCSRV"] == "Running"


def test_deploy_status_reports_a_failing_get_cscertificate(make_lab):
    """Get-CsCertificate's terminating error is caught and reported, the rest of the status still comes back."""
    from lync_lab import winps
    lab = make_lab("standard")
    state = lab.load()
    state["hosts"][SE]["get_cscertificate_error"] = "Cannot read the local configuration store."
    lab.save(state)
    script = (winps.PAYLOAD_DIR / "lync_deploy_status.ps1").read_text(encoding="utf-8")
    ran = winps.run({"script": script, "parameters": {"InstallDir": "Q:\\Lync"}, "depth": 12, "sensitive_parameters": None},
                    False, str(lab.state_path), SE, [])
    result = ran["result"]
    assert not ran.get("failed"), ran
    assert result["Certificates"] == [] and result["CertificateError"] == "Cannot read the local configuration store."
    assert result["Products"]


def test_host_fqdn_comes_from_the_primary_dns_suffix(make_lab):
    """Win32_ComputerSystem.Domain is the AD domain, or the workgroup name outside a domain
    (https://learn.microsoft.com/windows/win32/cimwin32prov/win32-computersystem); the FQDN is host name + primary DNS
    suffix: a disjoint namespace and a workgroup (Edge) host."""
    lab = make_lab("standard")
    ctx = _ctx(lab)
    record = ctx.state["hosts"][SE]
    assert _engine(ctx, "lync_host_probe", {})["result"]["Fqdn"] == SE
    record["dns_suffix"] = "corp.contoso.com"                      # disjoint: AD domain contoso.local
    result = _engine(ctx, "lync_host_probe", {})["result"]
    assert result["Fqdn"] == "lyncse01.corp.contoso.com" and result["Domain"].lower() == "contoso.local"
    record.update(domain_joined=False, domain="WORKGROUP", dns_suffix="dmz.contoso.com")   # an Edge server
    assert _engine(ctx, "lync_host_probe", {})["result"]["Fqdn"] == "lyncse01.dmz.contoso.com"
    del record["dns_suffix"]
    assert _engine(ctx, "lync_host_probe", {})["result"]["Fqdn"] == "lyncse01"


def test_a_dhcp_server_that_refuses_gives_an_error_not_drift(make_lab):
    """Access denied / a stopped DHCP service must fail the probe (-ErrorAction Stop), not read as 'option absent'
    (https://learn.microsoft.com/powershell/module/dhcpserver/get-dhcpserverv4optionvalue)."""
    lab = make_lab("standard")
    dc = "dc01.contoso.local"
    ctx = _ctx(lab, dc)
    wanted = [{"ScopeId": "10.0.0.0", "Options": [{"OptionId": 120, "VendorClass": ""},
                                                  {"OptionId": 3, "VendorClass": "MSUCClient"}]}]
    ran = _engine(ctx, "lync_dhcp_probe", {"Scopes": wanted})
    assert not ran["failed"], ran
    good = ran["result"]
    assert {(o["OptionId"], o["VendorClass"], o["Level"]) for o in good["Options"]} == {
        (120, "", "server"), (3, "MSUCClient", "server")}
    for refuse in ("access_denied", "stopped"):
        ctx.state["hosts"][dc]["dhcp_server"]["refuse"] = refuse
        ran = _engine(ctx, "lync_dhcp_probe", {"Scopes": wanted})
        assert ran["failed"] and re.search("Access is denied|RPC server is unavailable", _message(ran)), ran


def test_a_terminating_error_on_one_service_does_not_stop_the_others(make_lab, monkeypatch):
    """-ErrorAction SilentlyContinue "has no effect on terminating errors" (about_CommonParameters,
    https://learn.microsoft.com/powershell/module/microsoft.powershell.core/about/about_commonparameters):
    lync_services.ps1 wraps each call in try/catch that adds the error to $failed."""
    from lync_lab import cmdlets
    lab = make_lab("standard")
    ctx = _ctx(lab)
    for service in ctx.state["hosts"][SE]["services"].values():
        service["status"] = "Stopped"
    start = cmdlets.start_windows_service

    def terminating(state, fqdn, name=None, no_wait=False):
        if name == "RTCMEDSRV":
            err = PSError("Start-CsWindowsService : Cannot start service RTCMEDSRV on computer '.'.",
                          "InvalidOperation", "ServiceStartFailed")
            err.terminating = True
            raise err
        return start(state, fqdn, name, no_wait=no_wait)
    monkeypatch.setattr(cmdlets, "start_windows_service", terminating)
    ran = _engine(ctx, "lync_services", {"State": "started", "Names": ["RTCMEDSRV", "RTCSRV"]})
    assert not ran["failed"], ran
    result = ran["result"]
    # The engine found that a terminating error reaches -ErrorVariable as well as the catch
    # (https://github.com/PowerShell/PowerShell/issues/18390): the payload reports the same text twice,
    # and the action plugin keeps each text once (tests/unit: test_service_errors_are_reported_once).
    assert set(result["Errors"]) == {result["Errors"][0]} and "RTCMEDSRV" in result["Errors"][0]
    assert {s["Name"]: s["Status"] for s in cmdlets.get_windows_services(ctx.state, SE)}["RTCSRV"] == "Running"
