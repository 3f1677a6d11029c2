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
    to_import, assign, pending = certs.plan(wanted, [{"Thumbprint": WEB, "HasPrivateKey": True}], [], None, "auto")
    assert [c["thumbprint"] for c in to_import] == [OAUTH]
    assert assign == [] and {p["Type"] for p in pending} == {"Default", "WebServicesInternal", "WebServicesExternal",
                                                             "OAuthTokenIssuer"}


def test_a_certificate_without_its_private_key_is_imported_again():
    wanted, _missing = certs.from_manifest(manifest(), HOST)
    to_import, _assign, _pending = certs.plan(wanted, [{"Thumbprint": WEB, "HasPrivateKey": False}], [], None, "never")
    assert [c["thumbprint"] for c in to_import] == [WEB, OAUTH]


def test_plan_assigns_only_missing_usages_oauth_globally():
    wanted, _missing = certs.from_manifest(manifest(), HOST)
    present = [{"Thumbprint": WEB, "HasPrivateKey": True}, {"Thumbprint": OAUTH, "HasPrivateKey": True}]
    assigned = [{"Use": "Default", "Thumbprint": WEB, "Scope": "local"},
                {"Use": "WebServicesInternal", "Thumbprint": "D" * 40, "Scope": "local"}]
    to_import, assign, pending = certs.plan(wanted, present, assigned, "Lync", "auto")
    assert to_import == [] and pending == []
    assert assign == [{"Type": "WebServicesInternal", "Thumbprint": WEB, "Global": False},
                      {"Type": "WebServicesExternal", "Thumbprint": WEB, "Global": False},
                      {"Type": "OAuthTokenIssuer", "Thumbprint": OAUTH, "Global": True}]


def test_assign_always_needs_the_shell():
    wanted, _missing = certs.from_manifest(manifest(), HOST)
    with pytest.raises(certs.CertPlanError, match="Deployment Wizard step 2"):
        certs.plan(wanted, [], [], None, "always")
