"""lync.server.prepare_clean_server end to end: a backup, the lab's disaster, then preparation.

Every expectation comes from the lab as it was before the disaster and from the backup
set the backup playbook wrote, never from the code under test.
"""

import pytest

from conftest import backup_manifest, changed, edit_inventory, host_vars
from lync_lab import disaster, seed

PLAYBOOK = "lync.server.prepare_clean_server"
ROLE = "lync.server.clean_server : "
COMPARE = ROLE + "Compare inventory pins, target and backup set"
CLEAN = ROLE + "Check that the target is clean"
# Features Microsoft's Lync Server 2013 page asks Front Ends on Windows Server 2012 (R2) for, by name.
LYNC2013_FRONT_END = {"Web-Server", "Web-Asp-Net45", "NET-WCF-HTTP-Activation45", "Windows-Identity-Foundation",
                      "Desktop-Experience", "Server-Media-Foundation", "RSAT-ADDS", "Web-Windows-Auth", "BITS"}


def prepare(run_playbook, lab, hosts, *args, **extra):
    return run_playbook(lab, PLAYBOOK, *args, extra_vars=dict({"lync_prepare_hosts": ",".join(hosts)}, **extra))


def snapshot(lab):
    return seed.snapshot(lab)


def certificates_backed_up(original, fqdn):
    """{thumbprint: private key} of the certificates the backup exported (those with Lync usages)."""
    return {c["thumbprint"]: c["private_key"] for c in original["hosts"][fqdn]["certificates"] if c.get("usages")}


def test_wiped_servers_are_prepared_and_a_second_run_changes_nothing(backed_up_lab, run_playbook):
    lab = backed_up_lab("enterprise")
    original = lab.load()
    # fe01 comes back as setup leaves it: a workgroup server with a random name and a wrong DNS server.
    disaster.wipe(lab, "fe01.contoso.local", joined=False, hostname="WIN-7Q3M2K0L", dns=["10.0.0.99"])
    disaster.wipe(lab, "sqlbe01.contoso.local")
    disaster.wipe(lab, "sqlmon01.contoso.local")
    targets = ["fe01.contoso.local", "sqlbe01.contoso.local", "sqlmon01.contoso.local"]

    run = prepare(run_playbook, lab, targets)
    assert run.rc == 0, run.output
    state = lab.load()
    manifest = backup_manifest(lab)

    fe01 = state["hosts"]["fe01.contoso.local"]
    assert fe01["hostname"] == original["hosts"]["fe01.contoso.local"]["hostname"]
    assert fe01["domain_joined"] is True and fe01["domain"] == original["ad"]["domain"]
    # The original computer account, not a new one: same SID as at backup time, no new account in AD.
    assert fe01["computer_sid"] == original["ad"]["computers"]["FE01"]["sid"] \
        == manifest["identities"]["fe01.contoso.local"]["computer_account"]["sid"]
    assert state["ad"]["computers"] == original["ad"]["computers"]
    assert fe01["dns_servers"] == original["hosts"]["fe01.contoso.local"]["dns_servers"]
    assert LYNC2013_FRONT_END <= set(fe01["features"])
    assert not fe01.get("pending_reboot") and not fe01.get("features_pending") and fe01["boot_count"] >= 1
    restored = {c["thumbprint"]: c for c in fe01["certificates"]}
    assert {t: c["private_key"] for t, c in restored.items()} == certificates_backed_up(original, "fe01.contoso.local")
    assert all(c["exportable"] for c in restored.values())
    assert fe01["sql"] == {} and fe01["products"] == []  # Lync itself is the recovery's job

    for fqdn in ("sqlbe01.contoso.local", "sqlmon01.contoso.local"):
        want = set(original["hosts"][fqdn]["sql"])
        got = state["hosts"][fqdn]["sql"]
        assert set(got) == want, fqdn
        assert all(inst["databases"] == {} and inst["version"] == seed.SQL_MEDIA["lync2013"] for inst in got.values())
        assert {"MSSQL$%s" % n for n in want} <= set(state["hosts"][fqdn]["services"])
    for fqdn in set(original["hosts"]) - set(targets):
        assert state["hosts"][fqdn] == original["hosts"][fqdn], fqdn

    again = prepare(run_playbook, lab, targets)
    assert again.rc == 0, again.output
    assert changed(again) == []
    assert lab.load()["hosts"] == state["hosts"]


def test_check_mode_shows_the_plan_and_changes_nothing(backed_up_lab, run_playbook):
    lab = backed_up_lab("enterprise")
    disaster.wipe(lab, "fe01.contoso.local", joined=False, hostname="WIN-7Q3M2K0L", dns=["10.0.0.99"])
    disaster.wipe(lab, "sqlbe01.contoso.local")
    before = snapshot(lab)
    run = prepare(run_playbook, lab, ["fe01.contoso.local", "sqlbe01.contoso.local"], "--check")
    assert run.rc == 0, run.output
    assert snapshot(lab) == before
    plan = run.result(ROLE + "Show the plan", "fe01.contoso.local")["result"]["msg"]
    assert any("features: " in line and "Web-Server" in line for line in plan)
    assert ("fe01.contoso.local", ROLE + "Install SQL Server with the pinned instance names") not in changed(run)
    assert ("sqlbe01.contoso.local", ROLE + "Install SQL Server with the pinned instance names") in changed(run)


# Lync Server 2013 on Windows Server 2012 R2 is the molecule scenario (extensions/molecule/prepare_clean_server);
# here the 2019 release on Windows Server 2019, whose feature names differ (no Desktop-Experience).
@pytest.mark.parametrize("product", ["sfb2019"])
def test_standard_edition_server_rebuilt_from_a_workgroup_install(backed_up_lab, run_playbook, product):
    lab = backed_up_lab("standard", product)
    original = lab.load()
    disaster.wipe(lab, "lyncse01.contoso.local", joined=False, hostname="WIN-2C8DFF1B")
    run = prepare(run_playbook, lab, ["lyncse01.contoso.local"])
    assert run.rc == 0, run.output
    se = lab.load()["hosts"]["lyncse01.contoso.local"]
    assert se["hostname"] == "LYNCSE01" and se["computer_sid"] == original["hosts"]["lyncse01.contoso.local"]["computer_sid"]
    # Collocated Standard Edition stores: SQL Server Express comes with the Deployment Wizard, not from here.
    assert se["sql"] == {}
    assert set(c["thumbprint"] for c in se["certificates"]) == set(certificates_backed_up(original, "lyncse01.contoso.local"))
    assert "Web-Server" in se["features"] and not se.get("pending_reboot")
    assert changed(prepare(run_playbook, lab, ["lyncse01.contoso.local"])) == []


def _inventory_pin(host, key, value):
    def change(inventory):
        host_vars(inventory, host)["lync_pins"][key] = value
    return change


def _dhcp_option(lab):
    with lab.locked() as state:
        state["hosts"]["dc01.contoso.local"]["dhcp_server"]["scopes"]["10.0.0.0"]["options"]["120"] = "0x0003736970"


def _dns_record(lab):
    with lab.locked() as state:
        for record in state["hosts"]["dc01.contoso.local"]["dns_server"]["zones"]["contoso.local"]:
            if record["name"] == "pool01" and record["data"] == "10.0.0.12":
                record["data"] = "10.0.0.112"


def _ip_address(lab):
    with lab.locked() as state:
        state["hosts"]["fe01.contoso.local"]["ipv4"] = ["10.0.0.111"]


def _recreated_account(lab):
    with lab.locked() as state:
        state["ad"]["computers"]["FE01"]["sid"] = "S-1-5-21-3623811015-3361044348-30300820-4444"


MISMATCHES = {
    # field: (host, how the lab or inventory is made to disagree, the difference's key)
    "fqdn": ("fe01.contoso.local", lambda lab: disaster.wipe(lab, "fe01.contoso.local", hostname="FE01-NEW"), None),
    "dns_servers": ("fe01.contoso.local",
                    lambda lab: edit_inventory(lab, _inventory_pin("fe01.contoso.local", "dns_servers", ["10.0.0.3"])),
                    None),
    "dhcp_options": ("fe01.contoso.local", _dhcp_option, "10.0.0.0 option 120"),
    "dns_records": ("fe01.contoso.local", _dns_record, "pool01.contoso.local A"),
    "file_stores": ("fs01.contoso.local", lambda lab: edit_inventory(lab, _inventory_pin(
        "fs01.contoso.local", "file_stores", [{"unc": "\\\\fs01.contoso.local\\LyncShare", "path": "E:\\LyncShare"}])),
        "\\\\fs01.contoso.local\\lyncshare"),
    "sql_instances": ("sqlbe01.contoso.local",
                      lambda lab: edit_inventory(lab, _inventory_pin("sqlbe01.contoso.local", "sql_instances", ["RTCBE"])),
                      None),
    "ipv4": ("fe01.contoso.local", _ip_address, None),
    "computer_account": ("fe01.contoso.local", _recreated_account, None),
}


@pytest.mark.parametrize("field", sorted(MISMATCHES))
def test_each_pin_mismatch_is_reported_with_its_field_and_nothing_changes(backed_up_lab, run_playbook, field):
    host, break_it, key = MISMATCHES[field]
    lab = backed_up_lab("enterprise")
    disaster.wipe(lab, host)
    break_it(lab)
    before = snapshot(lab)
    run = prepare(run_playbook, lab, [host])
    assert run.rc != 0
    result = run.result(COMPARE, host)
    assert result["status"] == "failed", run.output
    refused = [d for d in result["result"]["differences"] if d["action"] == "refuse"]
    assert [d["field"] for d in refused] == [field], refused
    assert refused[0]["key"] == key
    assert field in result["result"]["msg"] and "nothing was changed" in result["result"]["msg"]
    assert snapshot(lab) == before
    assert not [r for r in run.records if r["host"] == host and r["task"] == CLEAN]


@pytest.mark.parametrize("host, reason", [
    ("fe02.contoso.local", "Lync Server components are installed"),
    ("sqlbe01.contoso.local", "SQL instance RTC holds Lync databases"),
])
def test_a_server_that_is_not_clean_is_refused_untouched(backed_up_lab, run_playbook, host, reason):
    lab = backed_up_lab("enterprise")
    before = snapshot(lab)
    run = prepare(run_playbook, lab, [host])
    assert run.rc != 0
    result = run.result(CLEAN, host)
    assert result["status"] == "failed" and any(reason in r for r in result["result"]["reasons"]), result
    assert "nothing was changed" in result["result"]["msg"]
    assert snapshot(lab) == before


def test_override_goes_on_and_says_so_loudly(backed_up_lab, run_playbook):
    lab = backed_up_lab("enterprise")
    disaster.wipe(lab, "fe01.contoso.local")
    edit_inventory(lab, _inventory_pin("fe01.contoso.local", "dns_servers", ["10.0.0.3"]))
    run = prepare(run_playbook, lab, ["fe01.contoso.local"], lync_pins_override=True)
    assert run.rc == 0, run.output
    result = run.result(COMPARE, "fe01.contoso.local")["result"]
    assert result["overridden"] is True
    assert "IDENTITY PINS OVERRIDDEN on fe01.contoso.local" in result["warnings"][0]
    assert "dns_servers" in result["warnings"][0]
    assert "[WARNING]: IDENTITY PINS OVERRIDDEN" in run.output
    banner = run.result(ROLE + "Say loudly that the identity pins were overridden", "fe01.contoso.local")
    assert banner["status"] == "ok" and "IDENTITY PINS OVERRIDDEN" in banner["result"]["msg"][0]
    assert lab.load()["hosts"]["fe01.contoso.local"]["dns_servers"] == ["10.0.0.3"]


def test_a_set_that_is_not_trusted_is_refused(backed_up_lab, run_playbook):
    lab = backed_up_lab("standard")
    disaster.wipe(lab, "lyncse01.contoso.local")
    manifest = backup_manifest(lab)
    pfx = next(f["path"] for i in manifest["items"] if i["kind"] == "certificates" for f in i["files"])
    folder = lab.host_root("backup01.contoso.local") / "D" / "LyncBackup" / manifest["set_id"]
    (folder / pfx).write_bytes(b"tampered")
    before = snapshot(lab)
    run = prepare(run_playbook, lab, ["lyncse01.contoso.local"], lync_backup_set_id=manifest["set_id"])
    assert run.rc != 0
    assert "is damaged" in run.result(ROLE + "Refuse a backup set that is not complete and verified",
                                      "lyncse01.contoso.local")["result"]["msg"]
    assert snapshot(lab) == before
