"""Which certificates a backup set gives a server back, and which Lync usages to assign again."""

import pytest

from ansible_collections.lync.server.plugins.plugin_utils import certs

WEB = "A" * 40
OAUTH = "B" * 40
LOST = "C" * 40
HOST = "fe01.contoso.local"


def manifest(extra_cert=None, files=None):
    details = [{"thumbprint": WEB, "file": "certs/%s/%s.pfx" % (HOST, WEB), "exportable": True, "subject": "CN=pool",
                "usages": ["Default", "WebServicesInternal", "WebServicesExternal"]},
               {"thumbprint": OAUTH, "file": "certs/%s/%s.pfx" % (HOST, OAUTH), "exportable": True,
                "subject": "CN=OAuthTokenIssuer", "usages": ["OAuthTokenIssuer"]}]
    if extra_cert:
        details.append(extra_cert)
    item_files = files if files is not None else [
        {"path": "certs/%s/%s.pfx" % (HOST, WEB), "bytes": 10, "sha256": "ab"},
        {"path": "certs/%s/%s.pfx" % (HOST, OAUTH), "bytes": 11, "sha256": "cd"},
        {"path": "certs/%s/certificates.json" % HOST, "bytes": 12, "sha256": "ef"}]
    return {"set_id": "lync-20261124T020000Z-a1b2c3",
            "items": [{"id": "certificates:" + HOST, "kind": "certificates", "scope": HOST, "files": item_files,
                       "details": {"certificates": details}}]}


def test_certificates_with_their_recorded_hashes():
    found, missing = certs.from_manifest(manifest(), HOST)
    assert [(c["thumbprint"], c["sha256"]) for c in found] == [(WEB, "AB"), (OAUTH, "CD")]
    assert missing == []


def test_non_exportable_certificates_are_reported():
    lost = {"thumbprint": LOST, "file": None, "exportable": False, "subject": "CN=edge", "usages": ["Default"]}
    found, missing = certs.from_manifest(manifest(lost), HOST)
    assert len(found) == 2 and missing[0]["thumbprint"] == LOST and "re-enroll" in missing[0]["reason"]


def test_no_certificates_item_for_the_host():
    with pytest.raises(certs.CertPlanError, match="has no certificates of fe02.contoso.local"):
        certs.from_manifest(manifest(), "fe02.contoso.local")


def test_files_outside_the_hosts_folder_are_refused():
    bad = [{"path": "certs/fe02.contoso.local/%s.pfx" % WEB, "bytes": 1, "sha256": "ab"}]
    m = manifest(files=bad)
    m["items"][0]["details"]["certificates"] = m["items"][0]["details"]["certificates"][:1]
    m["items"][0]["details"]["certificates"][0]["file"] = bad[0]["path"]
    with pytest.raises(certs.CertPlanError, match="outside certs/fe01.contoso.local/"):
        certs.from_manifest(m, HOST)


def test_plan_imports_only_what_is_missing_and_defers_usages_without_the_shell():
    wanted, _missing = certs.from_manifest(manifest(), HOST)
    to_import, assign, pending, _kept = certs.plan(wanted, [{"Thumbprint": WEB, "HasPrivateKey": True}], [], None, "auto")
    assert [c["thumbprint"] for c in to_import] == [OAUTH]
    assert assign == [] and {p["Type"] for p in pending} == {"Default", "WebServicesInternal", "WebServicesExternal",
                                                             "OAuthTokenIssuer"}


def test_a_certificate_without_its_private_key_is_imported_again():
    wanted, _missing = certs.from_manifest(manifest(), HOST)
    to_import, _assign, _pending, _kept = certs.plan(wanted, [{"Thumbprint": WEB, "HasPrivateKey": False}], [], None, "never")
    assert [c["thumbprint"] for c in to_import] == [WEB, OAUTH]


def test_plan_assigns_only_missing_usages_oauth_globally():
    wanted, _missing = certs.from_manifest(manifest(), HOST)
    present = [{"Thumbprint": WEB, "HasPrivateKey": True}, {"Thumbprint": OAUTH, "HasPrivateKey": True}]
    assigned = [{"Use": "Default", "Thumbprint": WEB, "Scope": "local"},
                {"Use": "WebServicesInternal", "Thumbprint": "D" * 40, "Scope": "local"}]
    to_import, assign, pending, _kept = certs.plan(wanted, present, assigned, "Lync", "auto")
    assert to_import == [] and pending == []
    assert assign == [{"Type": "WebServicesInternal", "Thumbprint": WEB, "Global": False},
                      {"Type": "WebServicesExternal", "Thumbprint": WEB, "Global": False},
                      {"Type": "OAuthTokenIssuer", "Thumbprint": OAUTH, "Global": True}]


def test_assign_always_needs_the_shell():
    wanted, _missing = certs.from_manifest(manifest(), HOST)
    with pytest.raises(certs.CertPlanError, match="Deployment Wizard step 2"):
        certs.plan(wanted, [], [], None, "always")


NAMED = "D" * 40
CA = "E" * 40


def test_a_set_recording_a_null_usage_restores_no_empty_usage():
    """Sets written at 1a7fef5 recorded usages [null] for a named certificate without Lync usage: the restore
    must not call Set-CsCertificate -Type '' for it."""
    extra = {"thumbprint": NAMED, "file": "certs/%s/%s.pfx" % (HOST, NAMED), "exportable": True, "subject": "CN=x",
             "usages": [None]}
    files = manifest()["items"][0]["files"] + [{"path": "certs/%s/%s.pfx" % (HOST, NAMED), "bytes": 1, "sha256": "aa"}]
    found, dummy = certs.from_manifest(manifest(extra, files), HOST)
    assert next(c for c in found if c["thumbprint"] == NAMED)["usages"] == []
    dummy, assignments, dummy2, _kept = certs.plan(found, [], [], "Lync", "auto")
    assert all(a["Type"] for a in assignments) and NAMED not in {a["Thumbprint"] for a in assignments}


def test_plan_refuses_an_empty_usage():
    wanted = [{"thumbprint": NAMED, "usages": [""], "chain": []}]
    with pytest.raises(certs.CertPlanError, match="empty Lync usage"):
        certs.plan(wanted, [], [], "Lync", "auto")


def test_usage_map_skips_empty_entries_and_merges_scopes():
    assigned = [{"Use": "Default", "Thumbprint": WEB.lower()}, {"Use": "Default", "Thumbprint": WEB},
                {"Use": None, "Thumbprint": WEB}, {"Use": "OAuthTokenIssuer", "Thumbprint": OAUTH, "Scope": "global"}]
    assert certs.usage_map(assigned) == {WEB: ["Default"], OAUTH: ["OAuthTokenIssuer"]}
    assert certs.usage_map(assigned).get(NAMED, []) == []


def chain_manifest(listed=True):
    cer = "certs/%s/chain/%s.cer" % (HOST, CA)
    extra = {"thumbprint": NAMED, "file": "certs/%s/%s.pfx" % (HOST, NAMED), "exportable": True, "subject": "CN=edge",
             "usages": ["WebServicesExternal"], "chain": [{"thumbprint": CA, "subject": "CN=Issuing CA", "file": cer}]}
    files = manifest()["items"][0]["files"] + [{"path": "certs/%s/%s.pfx" % (HOST, NAMED), "bytes": 1, "sha256": "aa"}]
    if listed:
        files.append({"path": cer, "bytes": 5, "sha256": "bb"})
    return manifest(extra, files)


def test_intermediates_come_back_with_their_hashes_and_only_when_missing():
    found, dummy = certs.from_manifest(chain_manifest(), HOST)
    edge = next(c for c in found if c["thumbprint"] == NAMED)
    assert edge["chain"] == [{"thumbprint": CA, "file": "certs/%s/chain/%s.cer" % (HOST, CA), "sha256": "BB",
                              "subject": "CN=Issuing CA"}]
    assert [c["thumbprint"] for c in certs.chain_to_import(found, [])] == [CA]
    assert certs.chain_to_import(found, [CA.lower()]) == []


def test_an_intermediate_without_its_file_is_refused():
    with pytest.raises(certs.CertPlanError, match="without its file"):
        certs.from_manifest(chain_manifest(listed=False), HOST)


def test_intermediates_exclude_the_self_signed_root_and_pem_wraps_der():
    chain = [{"Subject": "CN=I", "Issuer": "CN=R"}, {"Subject": "CN=R", "Issuer": "CN=R"}]
    assert certs.intermediates(chain) == [chain[0]]
    text = certs.pem("QUJD" * 30)
    lines = text.split("\r\n")
    assert lines[0] == "-----BEGIN CERTIFICATE-----" and lines[-2] == "-----END CERTIFICATE-----"
    assert max(len(line) for line in lines) == 64
    with pytest.raises(ValueError):
        certs.pem("not base64!")


# issue 9 (certfix): the deployment's OAuth certificate is not rolled back by restoring one server.
def test_global_usage_assigned_to_another_certificate_is_left_alone():
    wanted, _missing = certs.from_manifest(manifest(), HOST)
    present = [{"Thumbprint": WEB, "HasPrivateKey": True}, {"Thumbprint": OAUTH, "HasPrivateKey": True}]
    renewed = "E" * 40
    assigned = [{"Use": u, "Thumbprint": WEB, "Scope": "local"}
                for u in ("Default", "WebServicesInternal", "WebServicesExternal")]
    assigned.append({"Use": "OAuthTokenIssuer", "Thumbprint": renewed, "Scope": "global"})
    dummy, assign, pending, kept = certs.plan(wanted, present, assigned, "Lync", "always")
    # the text before the fix assigned {"Type": "OAuthTokenIssuer", "Thumbprint": OAUTH, "Global": True} here
    assert assign == [] and pending == []
    assert kept == [{"Type": "OAuthTokenIssuer", "Thumbprint": OAUTH, "Global": True, "Current": renewed}]


def test_global_usage_assigned_when_none_is_assigned():
    wanted, _missing = certs.from_manifest(manifest(), HOST)
    dummy, assign, dummy2, kept = certs.plan(wanted, [], [], "Lync", "always")
    assert {"Type": "OAuthTokenIssuer", "Thumbprint": OAUTH, "Global": True} in assign and kept == []


def test_probe_errors_stop_assigning_but_not_importing():
    wanted, _missing = certs.from_manifest(manifest(), HOST)
    errors = ["Get-CsCertificate -Identity global: Cannot find the Central Management store"]
    with pytest.raises(certs.CertPlanError, match="Central Management store"):
        certs.plan(wanted, [], [], "Lync", "auto", errors)
    to_import, assign, pending, dummy = certs.plan(wanted, [], [], "Lync", "never", errors)
    assert [c["thumbprint"] for c in to_import] == [WEB, OAUTH] and assign == [] and pending


def test_export_plan_skips_a_global_certificate_not_on_this_server():
    edge_cert = "F" * 40
    assigned = [{"Use": "AccessEdgeExternal", "Thumbprint": edge_cert, "Scope": "local", "InMy": True},
                {"Use": "OAuthTokenIssuer", "Thumbprint": OAUTH, "Scope": "global", "InMy": False}]
    thumbprints, usages, elsewhere = certs.export_plan(assigned)
    # the text before the fix exported sorted(usage_map(assigned)), OAUTH included
    assert thumbprints == [edge_cert] and usages == {edge_cert: ["AccessEdgeExternal"]}
    assert elsewhere == [{"use": "OAuthTokenIssuer", "thumbprint": OAUTH}]
    assert sorted(certs.usage_map(assigned)) == [OAUTH, edge_cert]  # what the old export asked for


def test_export_plan_keeps_a_global_certificate_on_this_server():
    assigned = [{"Use": "Default", "Thumbprint": WEB, "Scope": "local", "InMy": True},
                {"Use": "OAuthTokenIssuer", "Thumbprint": OAUTH, "Scope": "global", "InMy": True}]
    thumbprints, usages, elsewhere = certs.export_plan(assigned)
    assert thumbprints == [WEB, OAUTH] and usages[OAUTH] == ["OAuthTokenIssuer"] and elsewhere == []
