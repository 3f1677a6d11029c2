"""The lync_deploy boundary (tests/lab/lync_lab/boundary/lync_deploy.py): the Lync deployment cmdlets, the
registry keys and Win32_Service the status payloads read, and Bootstrapper.exe, as the payloads reach them
through the engine. Binding follows the cmdlet reference (../shared/reference/lync-cmdlets.json, the pages
https://learn.microsoft.com/powershell/module/skypeforbusiness/<cmdlet>); each planted defect below is a realistic
mistake in a payload's own text that makes a lab test fail."""

import json
import pathlib
import shutil
import subprocess

import pytest

import test_database_instances
import test_lync_facts
from lync_lab import boundary, netid, winps
from lync_lab.context import Context
from lync_lab.engine import values as V
from lync_lab.engine.errors import PSRuntimeError

ROOT = pathlib.Path(__file__).parents[2]
SE = "lyncse01.contoso.local"
MARKERS = "C\\ProgramData\\lync.server\\recovery"


def engine_run(lab, script, host=SE, parameters=None, check_mode=False, state=None):
    """Run script text in a boundary session on host (the lab state is not saved)."""
    state = state if state is not None else lab.load()
    ctx = Context(lab, state, host, check_mode, [], "test")
    session = boundary.open_session(ctx)
    with netid.session(ctx):
        return session.engine.run(script, parameters or {}, check_mode=check_mode)


def messages(ran):
    return [e.Exception.Message for e in ran.errors] + ([ran.terminating.Exception.Message]
                                                        if getattr(ran, "terminating", None) is not None else [])


@pytest.fixture
def net_user(monkeypatch):
    """The payload's identity on other servers (become with new_credentials: the double hop, lync_lab/netid.py)."""
    monkeypatch.setenv("LYNC_LAB_NET_USER", "CONTOSO\\svc-lyncbackup")


def payload(lab, name, host=SE, check_mode=False, **parameters):
    script = (pathlib.Path(winps.PAYLOAD_DIR) / (name + ".ps1")).read_text(encoding="utf-8")
    args = {"script": script, "parameters": parameters, "depth": 12, "sensitive_parameters": None}
    return winps.run(args, check_mode, str(lab.state_path), host, [])


def failure(result):
    assert result.get("failed"), result
    return result["error"][0]["exception"]["message"]


# --- declared from the reference, per product ----------------------------------------------------

def test_a_host_without_the_lync_module_has_no_lync_cmdlet(make_lab):
    lab = make_lab("standard")
    ran = engine_run(lab, "Test-CsDatabase -ConfiguredDatabases -SqlServerFqdn lyncse01.contoso.local",
                     host="dc01.contoso.local")
    assert any("The term 'Test-CsDatabase' is not recognized" in m for m in messages(ran))


def test_a_parameter_the_product_lacks_is_not_found(make_lab):
    """Set-CsCertificate -NetportId: "Applicable: Lync Server 2010" only."""
    lab = make_lab("standard")
    ran = engine_run(lab, "Set-CsCertificate -Type Default -Thumbprint ABC -NetportId x -Confirm:$false")
    assert "A parameter cannot be found that matches parameter name 'NetportId'." in messages(ran)


@pytest.mark.parametrize("script, expected", [
    # Start-CsWindowsService -Name is [String]: "You can only pass a single service name".
    ("Start-CsWindowsService -Name 'RTCSRV','REPLICA' -Confirm:$false",
     "Cannot convert 'System.Object[]' to the type 'System.String' required by parameter 'Name'."),
    # -ForInstance is in ByConfigured and ByLocal only, -CentralManagementDatabase in ByCMS only.
    ("Install-CsDatabase -CentralManagementDatabase -SqlServerFqdn lyncse01.contoso.local -ForInstance rtc -Confirm:$false",
     "Parameter set cannot be resolved using the specified named parameters."),
    ("Test-CsDatabase -ConfiguredDatabases -SqlServerFqdn lyncse01.contoso.local -Name xds",
     "A parameter cannot be found that matches parameter name 'Name'."),
    # SqlServerFqdn: "Required: True" in ByConfigured, optional in ByCMS.
    ("Test-CsDatabase -ConfiguredDatabases",
     "Cannot process command because of one or more missing mandatory parameters: SqlServerFqdn."),
])
def test_binding_fails_as_powershell_does(make_lab, script, expected):
    lab = make_lab("standard")
    assert any(m.startswith(expected) for m in messages(engine_run(lab, script))), messages(engine_run(lab, script))


def test_test_csdatabase_is_a_should_process_cmdlet(make_lab):
    """Test-CsDatabase has -WhatIf: under $WhatIfPreference (win_powershell's check mode) it tests nothing unless
    the call says -WhatIf:$false (about_Preference_Variables, $WhatIfPreference)."""
    lab = make_lab("standard")
    script = ("[CmdletBinding(SupportsShouldProcess)] param()\n"
              "$Ansible.Result = @{ A = @(Test-CsDatabase -ConfiguredDatabases -SqlServerFqdn lyncse01.contoso.local).Count\n"
              "  B = @(Test-CsDatabase -ConfiguredDatabases -SqlServerFqdn lyncse01.contoso.local -WhatIf:$false).Count }")
    ran = engine_run(lab, script, check_mode=True)
    assert ran.result["A"] == 0 and ran.result["B"] > 0


# --- returned objects ------------------------------------------------------------------------------

def test_get_cswindowsservice_status_is_a_servicecontrollerstatus(make_lab):
    """Status is System.ServiceProcess.ServiceControllerStatus
    (https://learn.microsoft.com/dotnet/api/system.serviceprocess.servicecontrollerstatus): its string is the member
    name, and it compares with a name as PowerShell converts the string to the enum (about_Comparison_Operators)."""
    lab = make_lab("standard")
    ran = engine_run(lab, "$s = Get-CsWindowsService -Name RTCSRV\n"
                          "$s.Status.GetType().FullName; [string]$s.Status; $s.Status -eq 'running'")
    assert ran.output == ["System.ServiceProcess.ServiceControllerStatus", "Running", True]


def test_enum_conversion_from_a_name():
    """about_Enum / Enum.Parse (https://learn.microsoft.com/dotnet/api/system.enum.parse): a member name converts
    case-insensitively; a name that is no member fails with the enumerator names listed."""
    status = V.ENUMS["system.serviceprocess.servicecontrollerstatus"]
    assert V.to_enum("startpending", status) == "StartPending" and int(V.to_enum("startpending", status)) == 2
    assert V.to_enum(4, status) == "Running"
    with pytest.raises(PSRuntimeError, match="Unable to match the identifier name Runing to a valid enumerator name"):
        V.to_enum("Runing", status)


def test_replication_status_and_cms_status(make_lab, net_user):
    """Get-CsManagementStoreReplicationStatus: one object per replica (ReplicaFqdn, UpToDate, ...); with
    -CentralManagementStoreStatus the store's own status (ActiveMasterFqdn, ...)."""
    lab = make_lab("enterprise")
    ran = engine_run(lab, "$r = @(Get-CsManagementStoreReplicationStatus); $r.Count; @($r | Where-Object { -not $_.UpToDate }).Count\n"
                          "(Get-CsManagementStoreReplicationStatus -CentralManagementStoreStatus).ActiveMasterFqdn\n"
                          "$null -eq (Get-CsManagementStoreReplicationStatus -CentralManagementStoreStatus).ReplicaFqdn",
                     host="fe01.contoso.local")
    assert ran.output[0] > 1 and ran.output[1:] == [0, "fe01.contoso.local", True]


def test_get_csservice_has_only_its_roles_properties(make_lab, net_user):
    """A payload reads optional properties through .PSObject.Properties[$name]: a Registrar service has no
    SqlInstanceName, a database store has one."""
    lab = make_lab("enterprise")
    ran = engine_run(lab, "$s = Get-CsService -Identity 'UserDatabase:sqlbe01.contoso.local'; [bool]$s.PSObject.Properties['SqlInstanceName']\n"
                          "$r = @(Get-CsService -Registrar)[0]; [bool]$r.PSObject.Properties['SqlInstanceName']; $r.Role",
                     host="fe01.contoso.local")
    assert ran.output == [True, False, "Registrar"]


# --- the registry and Win32_Service ---------------------------------------------------------------

def test_registry_keys_of_a_pending_restart(make_lab):
    """Test-Path over the Registry provider (about_Registry_Provider): the key is there while Windows waits."""
    lab = make_lab("standard")
    script = "Test-Path -LiteralPath 'HKLM:\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Component Based Servicing\\RebootPending'"
    state = lab.load()
    assert engine_run(lab, script, state=state).output == [False]
    state["hosts"][SE]["pending_reboot"] = ["features"]  # winhost.pending's reason for a feature install
    assert engine_run(lab, script, state=state).output == [True]


def test_get_itemproperty_of_a_missing_key(make_lab):
    """Get-ItemProperty: a missing path is a non-terminating ItemNotFoundException; a wildcard that matches no key
    gives nothing."""
    lab = make_lab("standard")
    ran = engine_run(lab, "Get-ItemProperty -Path 'HKLM:\\SOFTWARE\\Contoso\\None'; 'after'")
    assert ran.output == ["after"]
    assert messages(ran) == ["Cannot find path 'HKLM:\\SOFTWARE\\Contoso\\None' because it does not exist."]
    ran = engine_run(lab, "@(Get-ItemProperty -Path 'HKLM:\\SOFTWARE\\Wow6432Node\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\*').Count")
    assert ran.output == [0] and not ran.errors


def test_installed_products_and_sql_instances_from_the_registry(make_lab):
    lab = make_lab("standard")
    ran = engine_run(lab, "@(Get-ItemProperty -Path 'HKLM:\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\*' |"
                          " Where-Object { $_.DisplayName -match 'Lync Server' }).Count\n"
                          "(Get-Item -LiteralPath 'HKLM:\\SOFTWARE\\Microsoft\\Microsoft SQL Server\\Instance Names\\SQL').Property")
    assert ran.output[0] == 2 and "RTC" in ran.output[1:]


def test_win32_service_state(make_lab):
    """Win32_Service's State is a string ('Running', 'Stopped', ...)."""
    lab = make_lab("standard")
    ran = engine_run(lab, "(Get-CimInstance -ClassName Win32_Service | Where-Object { $_.Name -eq 'RTCSRV' }).State")
    assert ran.output == ["Running"]


# --- Bootstrapper.exe ---------------------------------------------------------------------------------

def test_bootstrapper_exit_code_is_lastexitcode(make_lab):
    """An external program's exit code is $LASTEXITCODE (about_Automatic_Variables): step 2 before the local store
    exists fails with a non-zero code."""
    lab = make_lab("standard")
    state = lab.load()
    del state["hosts"][SE]["services"]["REPLICA"]
    ran = engine_run(lab, "& 'C:\\Program Files\\Microsoft Lync Server 2013\\Deployment\\Bootstrapper.exe' | Out-Null; $LASTEXITCODE",
                     state=state)
    assert ran.output == [1]


def test_bootstrapper_is_not_there_without_the_core_components(make_lab):
    lab = make_lab("standard")
    ran = engine_run(lab, "& 'C:\\Program Files\\Microsoft Lync Server 2013\\Deployment\\Bootstrapper.exe'",
                     host="dc01.contoso.local")
    assert any("is not recognized" in m for m in messages(ran))


# --- the payloads --------------------------------------------------------------------------------------

def _marker(lab, name):
    folder = lab.host_root(SE) / MARKERS.replace("\\", "/")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / (name + ".json")).write_text("{}", encoding="utf-8")


def test_deploy_status_with_one_marker_gives_a_list(make_lab):
    lab = make_lab("standard")
    _marker(lab, "local_store")
    assert payload(lab, "lync_deploy_status", check_mode=True)["result"]["Markers"] == ["local_store"]


def test_recovery_check_tests_the_databases_in_check_mode(make_lab):
    lab = make_lab("standard")
    result = payload(lab, "lync_recovery_check", check_mode=True, SqlServers=[SE])["result"]
    assert result["Databases"] and all(d["Succeed"] for d in result["Databases"])


def test_deploy_step_components_on_a_deployed_server(make_lab):
    lab = make_lab("standard")
    result = payload(lab, "lync_deploy_step", Step="components",
                     BootstrapperPath="C:\\Program Files\\Microsoft Lync Server 2013\\Deployment\\Bootstrapper.exe")
    assert not result.get("failed"), result
    assert result["result"]["ExitCode"] == 0


def _without_local_store(lab):
    with lab.locked() as state:
        record = state["hosts"][SE]
        del record["services"]["REPLICA"]
        record["sql"]["RTCLOCAL"]["databases"].pop("xds", None)


def test_deploy_step_local_store(make_lab):
    lab = make_lab("standard")
    _without_local_store(lab)
    result = payload(lab, "lync_deploy_step", Step="local_store", BootstrapperArguments=["/BootstrapLocalMgmt"],
                     BootstrapperPath="C:\\Program Files\\Microsoft Lync Server 2013\\Deployment\\Bootstrapper.exe")
    assert not result.get("failed"), result
    assert lab.load()["hosts"][SE]["services"]["REPLICA"]["status"] == "Running"


# --- planted defects: each makes a lab test fail -------------------------------------------------------

def test_planted_cms_status_without_its_switch(make_lab, run_playbook, plant_defect):
    """A dropped switch: without -CentralManagementStoreStatus the cmdlet returns the replicas, which have no
    ActiveMasterFqdn: lync_facts reports no active master."""
    plant_defect("lync_topology_probe", "Get-CsManagementStoreReplicationStatus -CentralManagementStoreStatus",
                 "Get-CsManagementStoreReplicationStatus")
    with pytest.raises(AssertionError, match="None == 'fe01.contoso.local'"):  # repl["active_master"]
        test_lync_facts.test_stale_replica_is_reported(make_lab, run_playbook)


def test_planted_wrong_pool_member(make_lab, run_playbook, plant_defect):
    """A wrong member: a pool's computers are in .Computers (Get-CsPool); .Computer is $null."""
    plant_defect("lync_topology_probe", "Computers = ConvertTo-Strings $_.Computers", "Computers = ConvertTo-Strings $_.Computer")
    with pytest.raises(AssertionError):
        test_lync_facts.test_topology_matches_lab_state(make_lab, run_playbook, "enterprise", "fe01.contoso.local")


def test_planted_wrong_replica_member(make_lab, run_playbook, plant_defect):
    """A wrong member: UpToDate misspelt reads $null, [bool] of it is $false: every replica looks stale."""
    plant_defect("lync_topology_probe", "UpToDate = [bool]$_.UpToDate", "UpToDate = [bool]$_.IsUpToDate")
    with pytest.raises(AssertionError, match="False is True"):  # replication["up_to_date"]
        test_lync_facts.test_topology_matches_lab_state(make_lab, run_playbook, "standard", "lyncse01.contoso.local")


def test_planted_dropped_for_instance(make_lab, monkeypatch, tmp_path, plant_defect):
    """A dropped parameter: without -ForInstance, -ConfiguredDatabases -Clean recreates every instance's databases."""
    plant_defect("lync_database_install", "-ForInstance $ForInstance -Clean:$Clean", "-Clean:$Clean")
    with pytest.raises(AssertionError, match="recreated"):
        test_database_instances.test_clean_for_one_instance_leaves_the_other(make_lab, monkeypatch, tmp_path / "run")


def test_planted_clean_always(make_lab, net_user, plant_defect):
    """A wrong switch: -Clean instead of -Clean:$Clean drops and recreates the databases of a plain install."""
    plant_defect("lync_database_install", "-ForInstance $ForInstance -Clean:$Clean", "-ForInstance $ForInstance -Clean")
    lab = make_lab("enterprise")
    sql = "sqlmon01.contoso.local"
    assert lab.load()["hosts"][sql]["sql"]["RTC"]["databases"]["LcsCDR"]["content"]["tables"]
    result = payload(lab, "lync_database_install", host="fe01.contoso.local", Mode="configured", SqlServerFqdn=sql,
                     ForInstance="RTC")
    assert not result.get("failed"), result
    assert not lab.load()["hosts"][sql]["sql"]["RTC"]["databases"]["LcsCDR"]["content"]["tables"]


def test_planted_succeed_misspelt(make_lab, plant_defect):
    """A wrong member on Test-CsDatabase's rows: every database looks missing, and lync_database would install
    (and then fail: "Install-CsDatabase ran, yet these databases are missing")."""
    plant_defect("lync_database_status", "Succeed = ($_.Succeed -eq $true)", "Succeed = ($_.Succeeded -eq $true)")
    lab = make_lab("standard")
    rows = payload(lab, "lync_database_status", check_mode=True, Mode="configured", SqlServerFqdn=SE)["result"]["Databases"]
    assert rows and not any(r["Succeed"] for r in rows)


def test_planted_lastexitcode_typo(make_lab, plant_defect):
    """A typo'd variable: $LASTEXITCOD is $null, which is not 0: a successful Bootstrapper.exe run is reported failed."""
    plant_defect("lync_deploy_step", "$exitCode = $LASTEXITCODE", "$exitCode = $LASTEXITCOD")
    lab = make_lab("standard")
    result = payload(lab, "lync_deploy_step", Step="components",
                     BootstrapperPath="C:\\Program Files\\Microsoft Lync Server 2013\\Deployment\\Bootstrapper.exe")
    assert "LYNC_BOOTSTRAPPER_FAILED" in failure(result)


def test_planted_no_enable_csreplica(make_lab, plant_defect):
    """A dropped step: without Enable-CsReplica there is no Replica Replicator Agent to start."""
    plant_defect("lync_deploy_step", "    Enable-CsReplica -Confirm:$false\n", "")
    lab = make_lab("standard")
    _without_local_store(lab)
    result = payload(lab, "lync_deploy_step", Step="local_store", BootstrapperArguments=["/BootstrapLocalMgmt"],
                     BootstrapperPath="C:\\Program Files\\Microsoft Lync Server 2013\\Deployment\\Bootstrapper.exe")
    assert "Cannot find any service with service name 'REPLICA'" in failure(result)


def test_planted_bootstrapper_arguments_dropped(make_lab, plant_defect):
    """A dropped argument: Bootstrapper.exe without /BootstrapLocalMgmt runs step 2, which needs the local store."""
    plant_defect("lync_deploy_step", "& $BootstrapperPath $BootstrapperArguments | Out-Null", "& $BootstrapperPath | Out-Null")
    lab = make_lab("standard")
    _without_local_store(lab)
    result = payload(lab, "lync_deploy_step", Step="local_store", BootstrapperArguments=["/BootstrapLocalMgmt"],
                     BootstrapperPath="C:\\Program Files\\Microsoft Lync Server 2013\\Deployment\\Bootstrapper.exe")
    assert "LYNC_BOOTSTRAPPER_FAILED" in failure(result)


def test_planted_one_marker_unrolled(make_lab, plant_defect):
    """Unrolling: without @() one marker is a string, not a list of one (about_Arrays, about_Pipelines)."""
    plant_defect("lync_deploy_status", "$markers = @(Get-ChildItem -LiteralPath $markerFolder -Filter '*.json' | ForEach-Object { $_.BaseName })",
                 "$markers = Get-ChildItem -LiteralPath $markerFolder -Filter '*.json' | ForEach-Object { $_.BaseName }")
    with pytest.raises(AssertionError):
        test_deploy_status_with_one_marker_gives_a_list(make_lab)


def test_planted_win32_service_status(make_lab, plant_defect):
    """A wrong member: Win32_Service's State is Running/Stopped, its Status the health ("OK", "Degraded", ...;
    https://learn.microsoft.com/windows/win32/cimwin32prov/win32-service): no service reads as running."""
    plant_defect("lync_deploy_status", "Status = [string]$_.State", "Status = [string]$_.Status")
    lab = make_lab("standard")
    services = payload(lab, "lync_deploy_status", check_mode=True)["result"]["Services"]
    assert services and not any(s["Status"] in ("Running", "Stopped") for s in services)


def test_planted_whatif_inherited(make_lab, plant_defect):
    """-WhatIf inherited: without -WhatIf:$false, Test-CsDatabase tests nothing in check mode."""
    plant_defect("lync_recovery_check", "-SqlServerFqdn $server -WhatIf:$false", "-SqlServerFqdn $server")
    with pytest.raises(AssertionError):
        test_recovery_check_tests_the_databases_in_check_mode(make_lab)


# --- the payloads before issue 9 (git 1a7fef5) ---------------------------------------------------------

@pytest.fixture
def old_payloads(tmp_path, monkeypatch):
    """old_payloads(*names): the lab serves those payloads as they were at 1a7fef5."""
    folder = tmp_path / "old"
    shutil.copytree(winps.PAYLOAD_DIR, folder)
    monkeypatch.setattr(winps, "PAYLOAD_DIR", folder)

    def serve(*names):
        for name in names:
            text = subprocess.run(["git", "show", "1a7fef5:plugins/plugin_utils/payloads/%s.ps1" % name],
                                  capture_output=True, text=True, check=True, cwd=ROOT).stdout
            (folder / (name + ".ps1")).write_text(text, encoding="utf-8")
    return serve


def test_old_deploy_status_unrolls_an_empty_marker_list(make_lab, old_payloads):
    """`$markers = if (...) { @(...) } else { @() }`: the if statement's output is unrolled, so no marker gives
    $null and one marker a string."""
    old_payloads("lync_deploy_status")
    lab = make_lab("standard")
    assert payload(lab, "lync_deploy_status", check_mode=True)["result"]["Markers"] is None
    _marker(lab, "local_store")
    assert payload(lab, "lync_deploy_status", check_mode=True)["result"]["Markers"] == "local_store"


def test_old_deploy_status_fails_on_get_cscertificate(make_lab, old_payloads):
    """-ErrorAction SilentlyContinue does not silence a terminating error (about_CommonParameters)."""
    old_payloads("lync_deploy_status")
    lab = make_lab("standard")
    with lab.locked() as state:
        state["hosts"][SE]["get_cscertificate_error"] = "Cannot read the local configuration store."
    assert failure(payload(lab, "lync_deploy_status", check_mode=True)) == "Cannot read the local configuration store."


def test_old_deploy_status_takes_pending_renames_for_a_restart(make_lab, old_payloads):
    old_payloads("lync_deploy_status")
    lab = make_lab("standard")
    with lab.locked() as state:
        state["hosts"][SE]["pending_file_renames"] = True
    assert payload(lab, "lync_deploy_status", check_mode=True)["result"]["RebootPending"] is True


def test_payload_results_serialise(make_lab, net_user):
    """The topology probe's result is plain data once win_powershell serialises it."""
    lab = make_lab("enterprise")
    result = payload(lab, "lync_topology_probe", host="fe01.contoso.local", check_mode=True)["result"]
    json.dumps(result)
    assert result["CmsStatus"]["ActiveMasterFqdn"] == "fe01.contoso.local" and result["Module"] == "Lync"
