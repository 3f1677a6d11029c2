"""The Lync data boundary (lync_lab/boundary/lync.py and the item commands added to fs.py): the
export/import payloads run their own text through the engine over the lab state.

* Binding as the cmdlet pages declare it (../shared/reference/lync-cmdlets.json through
  engine/reference.py) and per product: a cmdlet or parameter the product's page does not list is
  not there; a host without the Lync module has no Lync cmdlet.
* Behaviour per the pages (cited per test), on the lab's model rules.
* Planted defects: an edited copy of each payload run through the lab's win_powershell
  (winps.run, PAYLOAD_DIR pointed at the copy) fails where the real payload passes.
* The payloads as they were at 1a7fef5 (before issue 9), where the lab can tell.
"""

import hashlib
import io
import json
import zipfile

import pytest

from lync_lab import cmdlets, fsops, model, netid, seed, winps
from lync_lab.boundary import open_session
from lync_lab.context import Context

FE = "fe01.contoso.local"
FE2 = "fe02.contoso.local"
BE = "sqlbe01.contoso.local"
POOL = "pool01.contoso.local"
SE = "lyncse01.contoso.local"
BACKUP = "backup01.contoso.local"
SET = "\\\\backup01.contoso.local\\LyncBackup\\set-1"
PAYLOAD_DIR = winps.PAYLOAD_DIR


@pytest.fixture(autouse=True)
def _network_identity(monkeypatch):
    """The payloads run with network credentials (become runas new_credentials), as the roles run them."""
    monkeypatch.setenv("LYNC_LAB_NET_USER", "CONTOSO\\lyncadmin")


def run(lab, host, name, parameters, text=None, tmp_path=None, monkeypatch=None, check_mode=False):
    """One win_powershell call of payload `name` (or of an edited copy `text`) on host, as the lab runs it."""
    if text is not None:
        folder = tmp_path / "payloads"
        folder.mkdir(exist_ok=True)
        for path in PAYLOAD_DIR.glob("*.ps1"):
            (folder / path.name).write_bytes(path.read_bytes())
        (folder / (name + ".ps1")).write_text(text, encoding="utf-8")
        monkeypatch.setattr(winps, "PAYLOAD_DIR", folder)
    script = text if text is not None else winps.payload_text(name)
    return winps.run({"script": script, "parameters": parameters, "depth": 4}, check_mode, lab.state_path, host, [])


def original(name):
    return (PAYLOAD_DIR / (name + ".ps1")).read_text(encoding="utf-8")


def edited(name, old, new):
    text = original(name)
    assert old in text, "the planted defect's anchor is not in %s" % name
    return text.replace(old, new, 1)


def session(lab, host):
    """A boundary session on host of a loaded lab state (for direct command tests): (session, state, ctx)."""
    state = lab.load()
    ctx = Context(lab, state, host, False, [], "test")
    ctx.network_user = "CONTOSO\\lyncadmin"
    return open_session(ctx), state, ctx


def ps(lab, host, script):
    sess, state, ctx = session(lab, host)
    with netid.session(ctx):
        result = sess.engine.run(script, {})
    return result, state, ctx


def read(lab, host, winpath):
    return fsops.read_bytes(_ctx(lab, host), winpath)


def _ctx(lab, host):
    ctx = Context(lab, lab.load(), host, False, [], "test")
    ctx.network_user = "CONTOSO\\lyncadmin"
    return ctx


def exists(lab, host, winpath):
    return fsops.exists(_ctx(lab, host), winpath)


def zip_doc(data):
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return json.loads(archive.read(cmdlets.ENTRY))


@pytest.fixture
def enterprise(make_lab):
    return make_lab("enterprise")


# --- the module and product gating ---------------------------------------------------------

@pytest.mark.parametrize("product, module", [("lync2013", "Lync"), ("sfb2015", "SkypeForBusiness"),
                                             ("sfb2019", "SkypeForBusiness")])
def test_get_module_lists_the_products_module(make_lab, product, module):
    # Get-Module -ListAvailable: "Gets all installed modules", by name (Get-Module, PowerShell 5.1).
    result, dummy, dummy2 = ps(make_lab("standard", product), SE,
                               "$m = Get-Module -ListAvailable -Name 'SkypeForBusiness', 'Lync' | Select-Object -First 1\n"
                               "$before = @(Get-Module -Name $m.Name).Count\nImport-Module $m\n"
                               "$Ansible.Result = @{ Name = $m.Name; Path = $m.Path; Before = $before;"
                               " After = @(Get-Module -Name $m.Name).Count }")
    assert not result.failed, result.error_messages
    assert result.result["Name"] == module and result.result["Path"].endswith("\\%s\\%s.psd1" % (module, module))
    assert (result.result["Before"], result.result["After"]) == (0, 1)


def test_import_module_of_a_module_the_host_lacks_fails_as_documented(enterprise):
    # Import-Module: a name no module directory holds is "not loaded because no valid module file was found".
    result, dummy, dummy2 = ps(enterprise, FE, "Import-Module 'SkypeForBusiness'")
    assert result.error_messages == ["The specified module 'SkypeForBusiness' was not loaded because no valid module "
                                     "file was found in any module directory."]


def test_a_host_without_the_lync_module_has_no_lync_cmdlet(enterprise):
    result, dummy, dummy2 = ps(enterprise, BACKUP, "Enable-CsTopology -Force")
    assert "The term 'Enable-CsTopology' is not recognized" in result.error_messages[0]
    out = run(enterprise, BACKUP, "lync_topology_enable", {})
    assert out["failed"] and "LYNC_SHELL_MISSING" in out["error"][0]["exception"]["message"]


@pytest.mark.parametrize("product, present", [("lync2013", True), ("sfb2015", True), ("sfb2019", False)])
def test_persistent_chat_cmdlets_are_absent_from_2019(make_lab, product, present):
    # Every parameter of Export-/Import-CsPersistentChatData is "Applicable: Lync Server 2013, Skype for
    # Business Server 2015" (lync-cmdlets.json); 2019 has no Persistent Chat Server role.
    result, dummy, dummy2 = ps(make_lab("standard", product), SE,
                               "Export-CsPersistentChatData -DBInstance 'x\\y' -FileName C:\\x.zip")
    recognized = not any("is not recognized" in m for m in result.error_messages)
    assert recognized is present, result.error_messages


def test_a_parameter_the_product_lacks_is_not_found(make_lab):
    # Export-CsUserData -DbName: "Applicable: Skype for Business Server 2015, Skype for Business Server 2019".
    script = "Export-CsUserData -SqlInstanceName 'sqlbe01.contoso.local\\rtc' -DbName rtcxds -FileName C:\\u.zip"
    result, dummy, dummy2 = ps(make_lab("standard", "lync2013"), SE, script)
    assert result.error_messages[0] == "A parameter cannot be found that matches parameter name 'SqlInstanceName'."
    result, dummy, dummy2 = ps(make_lab("standard", "sfb2015"), SE, script)
    assert "A parameter cannot be found" not in result.error_messages[0]


def test_binding_follows_the_pages(enterprise):
    # Export-CsConfiguration: "-FileName or -AsBytes ... but not both" (two parameter sets).
    result, dummy, dummy2 = ps(enterprise, FE, "Export-CsConfiguration -FileName C:\\c.zip -AsBytes")
    assert result.error_messages[0].startswith("Parameter set cannot be resolved")
    # Import-CsRgsConfiguration: -Destination and -FileName are required.
    result, dummy, dummy2 = ps(enterprise, FE, "Import-CsRgsConfiguration -FileName C:\\r.zip")
    assert result.error_messages[0] == ("Cannot process command because of one or more missing mandatory parameters: "
                                        "Destination.")
    # Publish-CsLisConfiguration documents no -FileName.
    result, dummy, dummy2 = ps(enterprise, FE, "Publish-CsLisConfiguration -FileName C:\\l.zip")
    assert result.error_messages[0] == "A parameter cannot be found that matches parameter name 'FileName'."


# --- behaviour ---------------------------------------------------------------------------

def test_export_writes_where_filename_says_and_needs_the_folder(enterprise):
    # Export-CsConfiguration -FileName: "Path to the .ZIP file to be created".
    result, state, ctx = ps(enterprise, FE, "$null = New-Item -ItemType Directory -Path C:\\exp\n"
                                            "Export-CsConfiguration -FileName C:\\exp\\c.zip\n"
                                            "Export-CsLisConfiguration -FileName C:\\nofolder\\l.zip")
    assert zip_doc(fsops.read_bytes(ctx, "C:\\exp\\c.zip"))["kind"] == "configuration"
    assert result.error_messages == ["Could not find a part of the path 'C:\\nofolder\\l.zip'."]


def test_store_location_is_the_scp_as_a_string(enterprise):
    # Get-CsConfigurationStoreLocation "report[s] back the SQL Server path ... to the computer running the CMS".
    result, dummy, dummy2 = ps(enterprise, FE, "$Ansible.Result = @{ L = [string](Get-CsConfigurationStoreLocation) }")
    assert result.result["L"] == "%s\\rtc" % BE


def test_set_store_location_honours_whatif(enterprise):
    result, state, dummy = ps(enterprise, FE, "Set-CsConfigurationStoreLocation -SqlServerFqdn sqlmon01.contoso.local "
                                              "-SqlInstanceName PCHAT -WhatIf")
    assert not result.failed and state["ad"]["scp"] == {"sql_fqdn": BE, "instance": "rtc"}
    assert any(h.startswith("What if:") for h in result.host)


def test_item_commands(enterprise):
    # Copy-Item of a missing path: "Cannot find path ... because it does not exist."; Remove-Item of a
    # folder with children asks first, which a non-interactive host cannot; Split-Path -Leaf / -Parent.
    result, dummy, ctx = ps(enterprise, FE, "$null = New-Item -ItemType Directory -Path C:\\t\\sub\n"
                                            "Copy-Item -LiteralPath C:\\t\\none.zip -Destination C:\\t\\x.zip\n"
                                            "Remove-Item -LiteralPath C:\\t\n"
                                            "$Ansible.Result = @{ Leaf = (Split-Path -Path 'pools\\p\\u.zip' -Leaf);"
                                            " Parent = (Split-Path -Path 'D:\\s\\pools\\p\\u.zip') }")
    assert result.error_messages[0] == "Cannot find path 'C:\\t\\none.zip' because it does not exist."
    # The host cannot answer Remove-Item's confirmation: the folder stays and the call fails (the exact text a
    # win_powershell host gives is not documented; the lab gives the query Remove-Item asks).
    assert "has children and the Recurse parameter was not specified" in result.error_messages[1]
    assert fsops.exists(ctx, "C:\\t\\sub")
    assert result.result == {"Leaf": "u.zip", "Parent": "D:\\s\\pools\\p"}


# --- the payloads, real text ---------------------------------------------------------------

def _cms_export(lab, **kw):
    return run(lab, FE, "lync_cms_export", {"SetPath": SET, "Items": ["config", "lis", "topology"]}, **kw)


def test_cms_export_copies_every_item_into_the_set_and_cleans_its_staging(enterprise):
    out = _cms_export(enterprise)
    assert not out["failed"], out["error"]
    for entry in out["result"]["Files"]:
        data = read(enterprise, FE, SET + "\\cms\\" + entry["Name"])
        assert (entry["Bytes"], entry["Sha256"]) == (len(data), hashlib.sha256(data).hexdigest().upper())
    assert zip_doc(read(enterprise, FE, SET + "\\cms\\config.zip"))["data"]["topology"]
    assert not list((enterprise.host_root(FE) / "C" / "Windows" / "TEMP").glob("lync-cms-*"))


def test_data_export_lands_at_the_relative_path(enterprise):
    for kind in ("userdata", "rgs"):
        rel = "pools\\%s\\%s.zip" % (POOL, kind)
        out = run(enterprise, FE, "lync_data_export", {"SetPath": SET, "RelativePath": rel, "Kind": kind, "PoolFqdn": POOL})
        assert not out["failed"], out["error"]
        assert zip_doc(read(enterprise, FE, SET + "\\" + rel))["kind"] == kind
    rel = "persistentchat\\sqlmon01.contoso.local_pchat\\mgc.zip"
    out = run(enterprise, "pc01.contoso.local", "lync_data_export", {"SetPath": SET, "RelativePath": rel,
                                                                     "Kind": "persistentchat",
                                                                     "DbInstance": "sqlmon01.contoso.local\\PCHAT"})
    assert not out["failed"], out["error"]
    assert zip_doc(read(enterprise, FE, SET + "\\" + rel))["kind"] == "persistentchat"


def test_cms_import_and_topology_enable(enterprise):
    with enterprise.locked() as state:
        model.cms(state)["content"]["enabled"] = False
        data = cmdlets.export_configuration(state)
    target = enterprise.host_root(FE) / "C" / "cfg.zip"
    target.write_bytes(data)
    params = {"SqlServerFqdn": BE, "SqlInstanceName": "rtc", "ConfigurationFile": "C:\\cfg.zip"}
    out = run(enterprise, FE, "lync_cms_import", params)
    assert not out["failed"], out["error"]
    assert out["result"] == {"StoreLocation": "%s\\rtc" % BE}
    content = model.cms(enterprise.load())["content"]
    assert content["enabled"] is True and content["last_update_creation"] == "imported"
    assert not run(enterprise, FE, "lync_topology_enable", {})["failed"]


def _export_then(lab, kind, rel):
    out = run(lab, FE, "lync_data_export", {"SetPath": SET, "RelativePath": rel, "Kind": kind, "PoolFqdn": POOL})
    assert not out["failed"], out["error"]
    return SET + "\\" + rel


def test_user_data_import_needs_the_pool_stopped(enterprise):
    source = _export_then(enterprise, "userdata", "u.zip")
    out = run(enterprise, FE, "lync_data_import", {"Kind": "userdata", "SourceFile": source, "PoolFqdn": POOL})
    assert out["failed"] and "stop the Front End services" in out["error"][0]["exception"]["message"]
    with enterprise.locked() as state:
        for fe in (FE, FE2):
            state["hosts"][fe]["services"]["RTCSRV"]["status"] = "Stopped"
    out = run(enterprise, FE, "lync_data_import", {"Kind": "userdata", "SourceFile": source, "PoolFqdn": POOL})
    assert not out["failed"], out["error"]


def test_lis_import_publishes(enterprise):
    with enterprise.locked() as state:
        data = cmdlets.export_lis(state)
    (enterprise.host_root(FE) / "C" / "lis.zip").write_bytes(data)
    out = run(enterprise, FE, "lync_data_import", {"Kind": "lis", "SourceFile": "C:\\lis.zip"})
    assert not out["failed"], out["error"]
    lis = model.sql_instance(enterprise.load(), BE, "rtc")["databases"]["lis"]["content"]
    assert "pending_publish" not in lis


# --- planted defects: each edit makes the lab fail where the real text passes -------------------

def test_planted_cms_export_defects(enterprise, tmp_path, monkeypatch):
    # A wrong switch/argument that changes where data goes: the files land outside <set>\cms.
    text = edited("lync_cms_export", "-ChildPath 'cms'", "-ChildPath 'cmd'")
    out = _cms_export(enterprise, text=text, tmp_path=tmp_path, monkeypatch=monkeypatch)
    assert not out["failed"] and not exists(enterprise, FE, SET + "\\cms\\config.zip")
    # A wrong .NET member.
    text = edited("lync_cms_export", "$sha256.ComputeHash($stream)", "$sha256.ComputeHashes($stream)")
    out = _cms_export(enterprise, text=text, tmp_path=tmp_path, monkeypatch=monkeypatch)
    assert out["failed"] and "does not contain a method named 'ComputeHashes'" in out["error"][0]["exception"]["message"]
    # A typo'd variable: $null to Copy-Item's mandatory -LiteralPath.
    text = edited("lync_cms_export", "Copy-Item -LiteralPath $local", "Copy-Item -LiteralPath $locl")
    out = _cms_export(enterprise, text=text, tmp_path=tmp_path, monkeypatch=monkeypatch)
    assert out["failed"] and "because it is null" in out["error"][0]["exception"]["message"]
    # A dropped -Recurse on the staging clean-up: the staging folder (with its files) stays behind.
    text = edited("lync_cms_export", "Remove-Item -LiteralPath $stage -Recurse -Force", "Remove-Item -LiteralPath $stage -Force")
    _cms_export(enterprise, text=text, tmp_path=tmp_path, monkeypatch=monkeypatch)
    assert list((enterprise.host_root(FE) / "C" / "Windows" / "TEMP").glob("lync-cms-*"))


def test_planted_data_export_defects(enterprise, tmp_path, monkeypatch):
    params = {"SetPath": SET, "RelativePath": "pools\\%s\\rgs.zip" % POOL, "Kind": "rgs", "PoolFqdn": POOL}
    # Where data goes: the copy lands at the set's root instead of RelativePath.
    text = edited("lync_data_export", "$copy = Join-Path -Path $SetPath -ChildPath $RelativePath",
                  "$copy = Join-Path -Path $SetPath -ChildPath (Split-Path -Path $RelativePath -Leaf)")
    out = run(enterprise, FE, "lync_data_export", params, text, tmp_path, monkeypatch)
    assert not out["failed"] and not exists(enterprise, FE, SET + "\\pools\\%s\\rgs.zip" % POOL)
    # A string that does not expand: single quotes send the literal '$PoolFqdn' as the RgsIdentity.
    text = edited("lync_data_export", '"service:ApplicationServer:$PoolFqdn"', "'service:ApplicationServer:$PoolFqdn'")
    out = run(enterprise, FE, "lync_data_export", params, text, tmp_path, monkeypatch)
    assert out["failed"] and "pool $poolfqdn " in out["error"][0]["exception"]["message"].lower()
    # The wrong variable to -PoolFqdn (mandatory in its set: the empty string is refused).
    text = edited("lync_data_export", "Export-CsUserData -PoolFqdn $PoolFqdn", "Export-CsUserData -PoolFqdn $DbInstance")
    out = run(enterprise, FE, "lync_data_export", dict(params, Kind="userdata", RelativePath="u.zip"), text, tmp_path,
              monkeypatch)
    message = out["error"][0]["exception"]["message"]
    assert out["failed"] and ("'PoolFqdn' because it is an empty string" in message or "was not found" in message)


def test_planted_data_import_defects(enterprise, tmp_path, monkeypatch):
    source = _export_then(enterprise, "rgs", "r.zip")
    params = {"Kind": "rgs", "SourceFile": source, "PoolFqdn": POOL, "OverwriteOwner": True,
              "ReplaceExistingRgsSettings": True}
    assert not run(enterprise, FE, "lync_data_import", params)["failed"]
    # A dropped switch: the contact objects the pool already owns are refused without -OverwriteOwner.
    text = edited("lync_data_import", " -OverwriteOwner:$OverwriteOwner", "")
    out = run(enterprise, FE, "lync_data_import", params, text, tmp_path, monkeypatch)
    assert out["failed"] and "-OverwriteOwner" in out["error"][0]["exception"]["message"]
    # LIS imported but never published.
    with enterprise.locked() as state:
        data = cmdlets.export_lis(state)
    (enterprise.host_root(FE) / "C" / "lis.zip").write_bytes(data)
    text = edited("lync_data_import", "            Publish-CsLisConfiguration -Confirm:$false\n", "")
    out = run(enterprise, FE, "lync_data_import", {"Kind": "lis", "SourceFile": "C:\\lis.zip"}, text, tmp_path, monkeypatch)
    assert not out["failed"]
    assert model.sql_instance(enterprise.load(), BE, "rtc")["databases"]["lis"]["content"].get("pending_publish")
    # A wrong variable to -DBInstance.
    text = edited("lync_data_import", "Import-CsPersistentChatData -DBInstance $DbInstance",
                  "Import-CsPersistentChatData -DBInstance $PoolFqdn")
    out = run(enterprise, FE, "lync_data_import", {"Kind": "persistentchat", "SourceFile": "C:\\lis.zip",
                                                   "DbInstance": "sqlmon01.contoso.local\\PCHAT", "PoolFqdn": POOL},
              text, tmp_path, monkeypatch)
    assert out["failed"]


def test_planted_cms_import_and_topology_defects(make_lab, tmp_path, monkeypatch):
    lab = make_lab("enterprise", "sfb2015")
    with lab.locked() as state:
        model.cms(state)["content"]["enabled"] = False
        data = cmdlets.export_configuration(state)
    (lab.host_root(FE) / "C" / "cfg.zip").write_bytes(data)
    params = {"SqlServerFqdn": BE, "SqlInstanceName": "rtc", "ConfigurationFile": "C:\\cfg.zip"}
    # Imported into the local replica instead of the CMS: the store keeps its old configuration.
    text = edited("lync_cms_import", "Import-CsConfiguration -FileName $local -Force",
                  "Import-CsConfiguration -FileName $local -LocalStore")
    out = run(lab, FE, "lync_cms_import", params, text, tmp_path, monkeypatch)
    assert model.cms(lab.load())["content"].get("last_update_creation") != "imported", out
    # Enable-CsTopology dropped: the topology does not take effect.
    with lab.locked() as state:
        model.cms(state)["content"]["enabled"] = False
    text = edited("lync_cms_import", "    Enable-CsTopology -Force -Confirm:$false\n", "")
    assert not run(lab, FE, "lync_cms_import", params, text, tmp_path, monkeypatch)["failed"]
    assert model.cms(lab.load())["content"]["enabled"] is False
    # Loaded modules instead of installed ones: nothing is loaded in a fresh session.
    text = edited("lync_topology_enable", "Get-Module -ListAvailable -Name", "Get-Module -Name")
    out = run(lab, FE, "lync_topology_enable", {}, text, tmp_path, monkeypatch)
    assert out["failed"] and "LYNC_SHELL_MISSING" in out["error"][0]["exception"]["message"]
    # The Lync 2013 module name hard-coded: a Skype for Business host has no module of that name.
    text = edited("lync_topology_enable", "Import-Module $lyncModule", "Import-Module 'Lync'")
    out = run(lab, FE, "lync_topology_enable", {}, text, tmp_path, monkeypatch)
    assert out["failed"] and "'Lync' was not loaded" in out["error"][0]["exception"]["message"]
    # A typo'd cmdlet name.
    text = edited("lync_topology_enable", "Enable-CsTopology -Force", "Enable-CsTopolgy -Force")
    out = run(lab, FE, "lync_topology_enable", {}, text, tmp_path, monkeypatch)
    assert out["failed"] and "'Enable-CsTopolgy' is not recognized" in out["error"][0]["exception"]["message"]


# --- the text of 1a7fef5 (before issue 9) --------------------------------------------------

OLD_CMS_IMPORT_LINES = (
    "    [Parameter(Mandatory = $true)][string]$SqlInstanceName,\n",
    "    Set-CsConfigurationStoreLocation -SqlServerFqdn $SqlServerFqdn -SqlInstanceName $SqlInstanceName -Force "
    "-Confirm:$false\n")


def old_cms_import():
    """lync_cms_import.ps1 as it was at 1a7fef5: -SqlInstanceName mandatory and always passed."""
    text = original("lync_cms_import")
    text = text.replace("    [string]$SqlInstanceName = '',\n", OLD_CMS_IMPORT_LINES[0])
    start = text.index("    if ($SqlInstanceName) {")
    end = text.index("    Import-CsConfiguration")
    return text[:start] + OLD_CMS_IMPORT_LINES[1] + text[end:]


def test_the_old_cms_import_cannot_restore_onto_a_default_instance(make_lab, tmp_path, monkeypatch):
    lab = make_lab("enterprise")
    with lab.locked() as state:
        seed.move_to_default_instance(state, BE, "RTC")
        data = cmdlets.export_configuration(state)
    (lab.host_root(FE) / "C" / "cfg.zip").write_bytes(data)
    params = {"SqlServerFqdn": BE, "ConfigurationFile": "C:\\cfg.zip"}
    assert not run(lab, FE, "lync_cms_import", dict(params, SqlInstanceName=""))["failed"]
    old = old_cms_import()
    # Empty: the mandatory [string] parameter refuses it; MSSQLSERVER: no named instance of that name.
    out = run(lab, FE, "lync_cms_import", dict(params, SqlInstanceName=""), old, tmp_path, monkeypatch)
    assert out["failed"] and "SqlInstanceName" in out["error"][0]["exception"]["message"]
    out = run(lab, FE, "lync_cms_import", dict(params, SqlInstanceName="MSSQLSERVER"), old, tmp_path, monkeypatch)
    assert out["failed"] and "no named instance of that name" in out["error"][0]["exception"]["message"]


def test_new_item_and_copy_item_as_documented(enterprise):
    # New-Item -ItemType Directory on an existing folder fails without -Force ("An item with the specified
    # name ... already exists") and returns it with -Force; Copy-Item to an existing folder copies into it.
    result, dummy, ctx = ps(enterprise, FE, "$null = New-Item -ItemType Directory -Path C:\\n\n"
                                            "$null = New-Item -ItemType Directory -Path C:\\n\n"
                                            "$d = New-Item -ItemType Directory -Path C:\\n -Force\n"
                                            "$null = New-Item -ItemType File -Path C:\\n\\a.txt -Value 'x'\n"
                                            "$null = New-Item -ItemType Directory -Path C:\\m\n"
                                            "Copy-Item -LiteralPath C:\\n\\a.txt -Destination C:\\m\n"
                                            "$Ansible.Result = @{ D = $d.FullName }")
    assert result.error_messages == ["An item with the specified name C:\\n already exists."]
    assert result.result == {"D": "C:\\n"} and fsops.read_bytes(ctx, "C:\\m\\a.txt") == b"x"
