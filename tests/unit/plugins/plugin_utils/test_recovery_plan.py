"""The recovery plan follows Microsoft's order for every kind of server (domain brief, section 4)."""

import json

import pytest

from ansible_collections.lync.server.plugins.plugin_utils import backup_plan, facts
from ansible_collections.lync.server.plugins.plugin_utils import recovery_plan as rp

from lync_lab import seed
from lync_lab.context import Context
from lync_lab import boundary, netid, winps
from lync_lab.boundary import winpowershell

SET_ID = "lync-20261124T020000Z-abcdef"
SET_PATH = "\\\\backup01.contoso.local\\LyncBackup\\" + SET_ID
OPTIONS = {"media": "\\\\backup01.contoso.local\\LyncMedia\\Lync", "rtc_group": "CONTOSO\\RTCComponentUniversalServices"}


def _host_probe(ctx):
    """lync_host_probe's own text run through the lab engine on ctx's host: its result."""
    ctx.payload = "lync_host_probe"
    with netid.session(ctx):
        ran = winpowershell.run(boundary.open_session(ctx), winps.payload_text("lync_host_probe"), {}, False, 4)
    assert not ran["failed"], ran["error"]
    return ran["result"]


def lab_manifest(topology, failed=()):
    """A manifest as the backup would write it for a lab topology (every item ok unless listed in failed)."""
    state, _files = seed.BUILDERS[topology]()

    def ctx(host):
        made = Context(None, state, host, False, [], "test")
        made.network_user = made.session_user  # the probes reach the CMS's SQL Server (become runas, the double hop)
        return made
    front_end = next(f for f, h in state["hosts"].items() if h["lync_module"] and "LYNCLOCAL" in h["sql"])
    probe = boundary.run_payload(ctx(front_end), "lync_topology_probe")
    assert not probe["failed"], probe["error"]
    deployment = facts.deployment_facts(probe["result"])
    hosts = {f: facts.host_facts(_host_probe(ctx(f))) for f in state["hosts"]}
    plan = backup_plan.plan(deployment, hosts)
    results = []
    for item in plan:
        if item["kind"] == "identity":
            continue
        details = {}
        if item["kind"] == "certificates":
            details = {"certificates": [{"thumbprint": c["thumbprint"], "usages": c["usages"]}
                                        for c in state["hosts"][item["scope"]]["certificates"]]}
        results.append({"id": item["id"], "status": "failed" if item["id"] in failed else "ok", "error": None,
                        "files": [{"path": p.rstrip("/") + ("/x" if p.endswith("/") else ""), "bytes": 1, "sha256": "A"}
                                  for p in item["paths"]], "details": details, "started": "t", "finished": "t"})
    manifest = backup_plan.manifest(plan, results, SET_ID, deployment, hosts, "t0", "t1", "0.1.0")["manifest"]
    return manifest, hosts


def stages(planned, host=None):
    return [(s["stage"], s["runs_on"]) for s in planned["steps"] if host is None or s["marker_host"] == host]


def test_standard_edition_server_hosting_the_cms():
    manifest, hosts = lab_manifest("standard")
    planned = rp.plan(manifest, SET_PATH, ["lyncse01.contoso.local"], hosts, OPTIONS)
    se = "lyncse01.contoso.local"
    assert [stage for stage, dummy in stages(planned)] == [
        "filestore", "core", "cms_database", "cms_import", "local_store", "components", "certificates", "services",
        "userdata", "lis", "rgs"]
    assert all(host == se for dummy, host in stages(planned))
    cms = next(s for s in planned["steps"] if s["stage"] == "cms_database")
    assert cms["args"] == {"sql_fqdn": se, "sql_instance": "rtc", "sql_express": True}
    assert next(s for s in planned["steps"] if s["stage"] == "components")["args"]["collocated_databases"] is True


def test_enterprise_back_end_hosting_the_cms_is_restored_from_a_surviving_front_end():
    manifest, hosts = lab_manifest("enterprise")
    planned = rp.plan(manifest, SET_PATH, ["sqlbe01.contoso.local"], hosts, OPTIONS)
    assert stages(planned) == [("cms_database", "fe01.contoso.local"), ("cms_import", "fe01.contoso.local"),
                               ("databases", "fe01.contoso.local"), ("userdata", "fe01.contoso.local"),
                               ("lis", "fe01.contoso.local"), ("rgs", "fe01.contoso.local")]
    userdata = next(s for s in planned["steps"] if s["stage"] == "userdata")
    assert userdata["args"]["front_ends"] == ["fe01.contoso.local", "fe02.contoso.local"]
    assert userdata["args"]["file"] == SET_PATH + "\\pools\\pool01.contoso.local\\userdata.zip"
    assert next(s for s in planned["steps"] if s["stage"] == "cms_database")["args"]["sql_express"] is False


def test_member_server_gets_the_deployment_wizard_only():
    manifest, hosts = lab_manifest("enterprise")
    planned = rp.plan(manifest, SET_PATH, ["fe02.contoso.local"], hosts, OPTIONS)
    assert [stage for stage, dummy in stages(planned)] == ["core", "local_store", "components", "certificates", "services"]
    certs = next(s for s in planned["steps"] if s["stage"] == "certificates")["args"]["certificates"]
    # Step 3 assigns the server's own usages the backup recorded; OAuthTokenIssuer stays global (Microsoft's
    # "Assign a server-to-server authentication certificate": never per Front End).
    assert sorted(t for c in certs for t in c["types"]) == ["Default", "WebServicesExternal", "WebServicesInternal"]


def test_a_server_whose_certificates_were_left_out_cannot_be_planned():
    manifest, hosts = lab_manifest("enterprise")
    items = [i["id"] for i in manifest["items"] if i["id"] != "certificates:fe02.contoso.local"]
    with pytest.raises(rp.RecoveryPlanError, match="no usable item certificates:fe02.contoso.local"):
        rp.plan(manifest, SET_PATH, ["fe02.contoso.local"], hosts, dict(OPTIONS, items=items))


def test_monitoring_archiving_and_persistent_chat_store():
    manifest, hosts = lab_manifest("enterprise")
    planned = rp.plan(manifest, SET_PATH, ["sqlmon01.contoso.local"], hosts, OPTIONS)
    assert [stage for stage, dummy in stages(planned)] == ["databases", "sql", "sql"]
    restored = {s["label"]: sorted(s["args"]["files"]) for s in planned["steps"] if s["stage"] == "sql"}
    assert restored == {"sqlmon01.contoso.local\\pchat": ["mgc"],
                        "sqlmon01.contoso.local\\rtc": ["LcsCDR", "LcsLog", "QoEMetrics"]}
    exported = rp.plan(manifest, SET_PATH, ["sqlmon01.contoso.local"], hosts, dict(OPTIONS, persistent_chat="export"))
    assert [stage for stage, dummy in stages(exported)] == ["databases", "sql", "pchat_import"]


def test_file_server_gets_its_share_back_and_its_acls():
    manifest, hosts = lab_manifest("enterprise")
    planned = rp.plan(manifest, SET_PATH, ["fs01.contoso.local"], hosts, OPTIONS)
    assert stages(planned) == [("filestore", "fs01.contoso.local"), ("topology_acl", "fe01.contoso.local")]
    copy = planned["steps"][0]["args"]
    assert copy == {"src": SET_PATH + "\\filestores\\fs01.contoso.local_lyncshare", "dest": "D:\\LyncShare",
                    "share": "LyncShare"}


def test_whole_site_restores_the_cms_host_first_then_back_ends_then_front_ends():
    manifest, hosts = lab_manifest("enterprise")
    everything = sorted({c for p in manifest["topology"]["pools"] for c in p["computers"]})
    planned = rp.plan(manifest, SET_PATH, everything, hosts, OPTIONS)
    order = [s["stage"] for s in planned["steps"]]
    assert order.index("core") < order.index("cms_database") < order.index("cms_import") < order.index("databases")
    assert order.index("databases") < order.index("local_store") < order.index("services") < order.index("userdata")
    assert order[-1] != "topology_acl"  # the CMS import enables the topology already
    cms = next(s for s in planned["steps"] if s["stage"] == "cms_database")
    assert cms["runs_on"] == "fe01.contoso.local" and cms["marker_host"] == "sqlbe01.contoso.local"


def test_markers_of_this_set_make_steps_done_and_force_reruns_them():
    manifest, hosts = lab_manifest("enterprise")
    planned = rp.plan(manifest, SET_PATH, ["fe02.contoso.local"], hosts, OPTIONS)
    mark = {"Stage": "core", "Text": json.dumps({"set_id": SET_ID})}
    other_set = {"Stage": "local_store", "Text": json.dumps({"set_id": "lync-20261101T020000Z-000000"})}
    rp.apply_markers(planned, {"fe02.contoso.local": [mark, other_set]}, SET_ID)
    assert [s["done"] for s in planned["steps"]] == [True, False, False, False, False]
    rp.apply_markers(planned, {"fe02.contoso.local": [mark]}, SET_ID, force=["core"])
    assert planned["steps"][0]["done"] is False and planned["steps"][0]["forced"] is True
    with pytest.raises(rp.RecoveryPlanError, match="unknown stages to force: cores"):
        rp.apply_markers(planned, {}, SET_ID, force=["cores"])


def test_step_2_is_refused_after_data_came_back_on_a_standard_edition_server():
    manifest, hosts = lab_manifest("standard")
    planned = rp.plan(manifest, SET_PATH, ["lyncse01.contoso.local"], hosts, OPTIONS)
    markers = {"lyncse01.contoso.local": [{"Stage": "userdata_lyncse01_contoso_local",
                                           "Text": json.dumps({"set_id": SET_ID})}]}
    rp.apply_markers(planned, markers, SET_ID, force=["components"])
    problems = rp.refuse_components_after_data(planned, markers, rp.collocated_servers(manifest["topology"]))
    assert problems and "refusing Deployment Wizard step 2 on lyncse01.contoso.local" in problems[0]


@pytest.mark.parametrize("targets, message", [
    (["dc01.contoso.local"], "not servers of the backed-up topology: dc01.contoso.local"),
])
def test_targets_must_be_servers_of_the_topology(targets, message):
    manifest, hosts = lab_manifest("enterprise")
    with pytest.raises(rp.RecoveryPlanError, match=message):
        rp.plan(manifest, SET_PATH, targets, hosts, OPTIONS)


def test_targets_must_be_in_the_play_and_the_media_named():
    manifest, hosts = lab_manifest("enterprise")
    without = {k: v for k, v in hosts.items() if k != "fe02.contoso.local"}
    with pytest.raises(rp.RecoveryPlanError, match="missing from the play: fe02.contoso.local"):
        rp.plan(manifest, SET_PATH, ["fe02.contoso.local"], without, OPTIONS)
    with pytest.raises(rp.RecoveryPlanError, match="lync_media_path"):
        rp.plan(manifest, SET_PATH, ["fe02.contoso.local"], hosts, {})


def test_a_failed_item_is_never_used_and_naming_it_is_refused_by_name():
    # Issue 11: naming a failed item in recovery_items ended in "list index out of range" (or a restore
    # that failed half-way); it is refused before any change, with the items that can be used.
    manifest, hosts = lab_manifest("enterprise", failed=("userdata:pool01.contoso.local",))
    with pytest.raises(rp.RecoveryPlanError, match="no usable item userdata:pool01.contoso.local"):
        rp.plan(manifest, SET_PATH, ["sqlbe01.contoso.local"], hosts, OPTIONS)
    named = [i["id"] for i in manifest["items"]]
    with pytest.raises(rp.RecoveryPlanError, match="items that failed in the backup: userdata:pool01.contoso.local") as err:
        rp.plan(manifest, SET_PATH, ["sqlbe01.contoso.local"], hosts, dict(OPTIONS, items=named))
    assert "the items that can be recovered: " in str(err.value)


def test_recovery_items_never_widen_what_is_trusted():
    manifest, hosts = lab_manifest("enterprise")
    item = next(i for i in manifest["items"] if i["files"])
    bad = [item["files"][0]["path"]]
    with pytest.raises(rp.RecoveryPlanError, match="files do not match their hashes: %s" % item["id"]):
        rp.check_items(manifest, [item["id"]], bad)
    with pytest.raises(rp.RecoveryPlanError, match="does not have: nonsense"):
        rp.check_items(manifest, ["nonsense"], [])
    with pytest.raises(rp.RecoveryPlanError, match="must be a list"):
        rp.check_items(manifest, "sqlbe01.contoso.local", [])


def test_files_planted_in_a_file_store_copy_refuse_its_recovery():
    manifest, hosts = lab_manifest("enterprise")
    fstore = manifest["topology"]["file_stores"][0]
    folder = "filestores/%s_%s" % (fstore["fqdn"], fstore["share"].lower())
    with pytest.raises(rp.RecoveryPlanError, match="does not list under %s .*planted.exe" % folder):
        rp.plan(manifest, SET_PATH, [fstore["fqdn"]], hosts, dict(OPTIONS, extra_files=[folder + "/planted.exe"]))


def test_plan_lines_say_what_runs_where_and_why():
    manifest, hosts = lab_manifest("enterprise")
    planned = rp.plan(manifest, SET_PATH, ["sqlbe01.contoso.local"], hosts, OPTIONS)
    lines = rp.plan_lines(planned)
    assert lines[0].startswith(" 1. cms_database  sqlbe01.contoso.local")
    assert "on fe01.contoso.local" in lines[0] and "[to do]" in lines[0] and "4.4 step 6" in lines[0]


def test_rebuilt_front_ends_of_a_pool_of_three_start_together_and_the_last_waits_for_all():
    """A pool of three or more starts only when about 85% of its Front Ends are started (Front End Pool high
    availability and management): step 4 of all but the last rebuilt Front End does not wait."""
    manifest, hosts = lab_manifest("enterprise3")
    fes = ["fe01.contoso.local", "fe02.contoso.local", "fe03.contoso.local"]
    planned = rp.plan(manifest, SET_PATH, fes, hosts, OPTIONS)
    services = [s for s in planned["steps"] if s["stage"] == "services"]
    assert [s["marker_host"] for s in services] == fes
    assert [s["args"].get("wait", True) for s in services] == [False, False, True]
    assert services[-1]["args"]["wait_for_hosts"] == fes[:2]
    # One Front End of the pool (or a pool of two): step 4 waits, as before.
    one = [s for s in rp.plan(manifest, SET_PATH, fes[1:2], hosts, OPTIONS)["steps"] if s["stage"] == "services"]
    assert "wait" not in one[0]["args"] and "wait_for_hosts" not in one[0]["args"]
    manifest2, hosts2 = lab_manifest("enterprise")
    two = rp.plan(manifest2, SET_PATH, fes[:2], hosts2, OPTIONS)["steps"]
    assert all("wait" not in s["args"] for s in two if s["stage"] == "services")


def test_user_data_needs_every_front_end_of_the_pool_in_the_play():
    """Import-CsUserData runs with the Front End service stopped on every Front End of the pool, which are then
    started together: a Front End left out of the play is named, not silently dropped (issue 9, probefix)."""
    manifest, hosts = lab_manifest("enterprise")
    without = {k: v for k, v in hosts.items() if k != "fe02.contoso.local"}
    with pytest.raises(rp.RecoveryPlanError, match="every Front End of the pool in the play; missing: fe02.contoso.local"):
        rp.plan(manifest, SET_PATH, ["sqlbe01.contoso.local"], without, OPTIONS)
