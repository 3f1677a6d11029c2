"""Certificates from a public CA keep their intermediate CA certificates through backup and restore,
and a certificate named for backup without a Lync usage records none.

Windows: X509Certificate2.Export(Pfx) exports the leaf only; the chain is built with X509Chain.Build
(https://learn.microsoft.com/dotnet/api/system.security.cryptography.x509certificates.x509chain.build)
and its intermediates belong in LocalMachine\\CA, the Intermediate Certification Authorities store
(StoreName.CertificateAuthority, https://learn.microsoft.com/dotnet/api/system.security.cryptography.x509certificates.storename).
"""

import json
import pathlib

from conftest import backup_manifest
from lync_lab import certstore, content, disaster

EXPORT = pathlib.Path(__file__).parent / "playbooks" / "cert_export.yml"
IMPORT = pathlib.Path(__file__).parent / "playbooks" / "cert_import.yml"
HOST = "fe01.contoso.local"
ROOT_CA = {"thumbprint": content.thumbprint("lab", "Public Root CA"), "subject": "CN=Public Root CA, O=Lab Trust",
           "issuer": "CN=Public Root CA, O=Lab Trust", "not_after": "2040-01-01T00:00:00Z", "key_size": 4096,
           "sans": [], "usages": [], "exportable": False, "private_key": None}
ISSUING_CA = dict(ROOT_CA, thumbprint=content.thumbprint("lab", "Public Issuing CA"),
                  subject="CN=Public Issuing CA G2, O=Lab Trust", key_size=2048, not_after="2031-01-01T00:00:00Z")


def public_web_certificate(lab):
    """fe01's external web services certificate comes from a public CA, through an intermediate; a spare
    certificate (no Lync usage) sits in the Personal store too."""
    with lab.locked() as state:
        record = state["hosts"][HOST]
        certstore.add(record, ROOT_CA, certstore.ROOT)
        certstore.add(record, ISSUING_CA, certstore.INTERMEDIATE)
        web = content.certificate(HOST, "webext.contoso.com", ["webext.contoso.com", "meet.contoso.com"],
                                  ["WebServicesExternal"], "public")
        web["issuer"] = ISSUING_CA["subject"]
        for cert in certstore.in_store(record):
            cert["usages"] = [u for u in cert.get("usages", []) if u != "WebServicesExternal"]
        certstore.add(record, web, certstore.PERSONAL)
        certstore.add(record, content.certificate(HOST, "spare.contoso.local", ["spare"], [], "spare"),
                      certstore.PERSONAL)


def web_thumb(state):
    return next(c["thumbprint"] for c in certstore.in_store(state["hosts"][HOST]) if "WebServicesExternal" in c["usages"])


def test_a_public_certificate_comes_back_with_its_intermediate_in_the_ca_store(backed_up_lab, run_playbook):
    lab = backed_up_lab("enterprise", before_backup=public_web_certificate)
    original = lab.load()
    manifest = backup_manifest(lab)
    item = next(i for i in manifest["items"] if i["id"] == "certificates:" + HOST)
    web = next(c for c in item["details"]["certificates"] if c["thumbprint"] == web_thumb(original))
    cer = "certs/%s/chain/%s.cer" % (HOST, ISSUING_CA["thumbprint"])
    assert web["chain"] == [{"thumbprint": ISSUING_CA["thumbprint"], "subject": ISSUING_CA["subject"],
                             "issuer": ROOT_CA["subject"], "file": cer}]
    assert cer in [f["path"] for f in item["files"]]  # the root stays out: the server's trusted roots provide it
    assert not any(ROOT_CA["thumbprint"] in f["path"] for f in item["files"])
    disaster.wipe(lab, HOST)
    first = run_playbook(lab, IMPORT, extra_vars={"target": HOST})
    assert first.rc == 0, first.output
    result = first.result("Import certificates", HOST)["result"]
    assert result["imported_chain"] == [ISSUING_CA["thumbprint"]]
    record = lab.load()["hosts"][HOST]
    ca = certstore.find(record, ISSUING_CA["thumbprint"], certstore.INTERMEDIATE)
    assert ca is not None and ca["subject"] == ISSUING_CA["subject"] and not ca.get("private_key")
    assert certstore.find(record, ISSUING_CA["thumbprint"]) is None  # not in the Personal store
    assert certstore.find(record, web_thumb(original)) is not None
    again = run_playbook(lab, IMPORT, extra_vars={"target": HOST})
    assert again.rc == 0 and again.result("Import certificates", HOST)["result"]["changed"] is False


def test_a_named_certificate_without_lync_usage_records_no_usage(make_lab, run_playbook):
    lab = make_lab("enterprise")
    public_web_certificate(lab)
    spare = content.certificate(HOST, "spare.contoso.local", ["spare"], [], "spare")["thumbprint"]
    set_id = "lync-20261127T000000Z-c0ffee"
    run = run_playbook(lab, EXPORT, extra_vars={"target": HOST, "set_id": set_id, "thumbprints": [spare]})
    assert run.rc == 0, run.output
    described = run.result("Export certificates", HOST)["result"]["details"]["certificates"]
    assert [(c["thumbprint"], c["usages"]) for c in described] == [(spare, [])]
    share = lab.load()["hosts"]["backup01.contoso.local"]["shares"]["LyncBackup"]["path"]
    written = lab.host_root("backup01.contoso.local") / share[0] / share[3:] / set_id / "certs" / HOST / "certificates.json"
    assert json.loads(written.read_text(encoding="utf-8"))[0]["usages"] == []
