"""lync_cert_export against the lab (issue 9, certfix): what the nightly certificates item exports where.

* The global OAuthTokenIssuer certificate is copied by replication to Front End servers only ("Assigning a
  server-to-server authentication certificate to Lync Server 2013", https://learn.microsoft.com/en-us/
  previous-versions/office/lync-server-2013/lync-server-2013-assigning-a-server-to-server-authentication-
  certificate-to-lync-server-2013): a server without it (Edge, Director, Mediation) must export fine.
* Request-CsCertificate makes a key exportable only when asked (-PrivateKeyExportable,
  https://learn.microsoft.com/powershell/module/skypeforbusiness/request-cscertificate).
* X509Chain.Build returns false for a chain that does not reach a root (X509ChainStatusFlags.PartialChain,
  https://learn.microsoft.com/dotnet/api/system.security.cryptography.x509certificates.x509chainstatusflags).
"""

import pathlib

from lync_lab import certstore, content

EXPORT = pathlib.Path(__file__).parent / "playbooks" / "cert_export.yml"
TASK = "Export certificates"
HOST = "fe01.contoso.local"
SET_ID = "lync-20261127T000000Z-c0ffee"


def oauth(record):
    return next(c for c in certstore.in_store(record) if "OAuthTokenIssuer" in c.get("usages", []))


def test_a_server_without_the_global_oauth_certificate_exports_fine(make_lab, run_playbook):
    """The text before the fix asked the payload for the global OAuth thumbprint too and failed
    'certificate <T> is not in LocalMachine\\My' on such a server."""
    lab = make_lab("enterprise")
    with lab.locked() as state:  # an Edge/Director-like server: the CMS names the OAuth certificate, it is not here
        record = state["hosts"][HOST]
        thumb = oauth(record)["thumbprint"].upper()
        record["certificates"] = [c for c in record["certificates"] if c["thumbprint"].upper() != thumb]
    run = run_playbook(lab, EXPORT, extra_vars={"target": HOST, "set_id": SET_ID})
    assert run.rc == 0, run.output
    result = run.result(TASK, HOST)["result"]
    assert thumb not in [c["thumbprint"] for c in result["details"]["certificates"]]
    assert result["details"]["certificates"]  # the server's own certificates are exported
    assert result["details"]["global_elsewhere"] == [{"use": "OAuthTokenIssuer", "thumbprint": thumb}]


def test_a_front_end_exports_the_global_oauth_certificate_it_holds(make_lab, run_playbook):
    lab = make_lab("enterprise")
    thumb = oauth(lab.load()["hosts"][HOST])["thumbprint"].upper()
    run = run_playbook(lab, EXPORT, extra_vars={"target": HOST, "set_id": SET_ID})
    assert run.rc == 0, run.output
    described = {c["thumbprint"]: c for c in run.result(TASK, HOST)["result"]["details"]["certificates"]}
    assert described[thumb]["usages"] == ["OAuthTokenIssuer"] and described[thumb]["exportable"] is True


def not_exportable(lab):
    with lab.locked() as state:
        cert = next(c for c in certstore.in_store(state["hosts"][HOST]) if "Default" in c.get("usages", []))
        cert["exportable"] = False
        return cert["thumbprint"].upper()


def test_a_key_that_cannot_be_exported_fails_by_default_and_is_recorded_when_allowed(make_lab, run_playbook):
    lab = make_lab("enterprise")
    thumb = not_exportable(lab)
    run = run_playbook(lab, EXPORT, extra_vars={"target": HOST, "set_id": SET_ID})
    assert run.rc != 0
    assert "the private key of %s cannot be exported" % thumb in run.result(TASK, HOST)["result"]["msg"]
    allowed = run_playbook(lab, EXPORT, extra_vars={"target": HOST, "set_id": SET_ID, "allow_not_exportable": True})
    assert allowed.rc == 0, allowed.output
    result = allowed.result(TASK, HOST)["result"]
    assert result["not_restorable"] == [thumb]
    assert any(thumb in w and "not restorable" in w for w in result["warnings"])
    entry = next(c for c in result["details"]["certificates"] if c["thumbprint"] == thumb)
    assert entry["exportable"] is False and entry["file"] is None


def test_a_share_that_refuses_the_write_is_not_reported_as_a_key_problem(make_lab, run_playbook):
    lab = make_lab("enterprise")
    with lab.locked() as state:
        state["hosts"]["backup01.contoso.local"]["shares"]["LyncBackup"]["deny_write"] = ["*"]
    run = run_playbook(lab, EXPORT, extra_vars={"target": HOST, "set_id": SET_ID})
    assert run.rc != 0
    msg = run.result(TASK, HOST)["result"]["msg"]
    assert "cannot be exported" not in msg and "denied" in msg


def test_a_partial_chain_is_a_warning(make_lab, run_playbook):
    lab = make_lab("enterprise")
    with lab.locked() as state:  # a certificate whose issuing CA the server does not hold
        record = state["hosts"][HOST]
        web = content.certificate(HOST, "webext.contoso.com", ["webext.contoso.com"], ["WebServicesExternal"], "public")
        web["issuer"] = "CN=Missing Issuing CA, O=Lab Trust"
        for cert in certstore.in_store(record):
            cert["usages"] = [u for u in cert.get("usages", []) if u != "WebServicesExternal"]
        certstore.add(record, web, certstore.PERSONAL)
    run = run_playbook(lab, EXPORT, extra_vars={"target": HOST, "set_id": SET_ID})
    assert run.rc == 0, run.output
    warnings = run.result(TASK, HOST)["result"]["warnings"]
    assert any(web["thumbprint"].upper() in w and "PartialChain" in w for w in warnings)
