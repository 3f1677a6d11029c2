"""The lab's certificate stores and Set-CsCertificate rules (lync_lab/certstore.py), as the emulated commands
(lync_lab/boundary/certs.py) use them."""

import pytest

from ansible_collections.lync.server.plugins.plugin_utils import recovery_plan as rp

from lync_lab import boundary, certstore, seed, winps
from lync_lab.boundary.winpowershell import run as engine_run
from lync_lab.context import Context
from lync_lab.errors import PSError

FE = "fe02.contoso.local"


def lab(topology="enterprise"):
    state, _files = seed.BUILDERS[topology]()
    return state


def ctx(state, host):
    return Context(None, state, host, False, [], "test")


def oauth_thumb(record):
    return next(c["thumbprint"] for c in record["certificates"] if "OAuthTokenIssuer" in c["usages"])


def test_set_cscertificate_refuses_oauth_token_issuer_per_server():
    state = lab()
    record = state["hosts"][FE]
    thumb = oauth_thumb(record)
    with pytest.raises(PSError, match="OAuthTokenIssuer without -Identity global"):
        certstore.set_certificate(record, ["OAuthTokenIssuer"], thumb)
    assert certstore.set_certificate(record, ["OAuthTokenIssuer"], thumb, "global")["usages"] == ["OAuthTokenIssuer"]


@pytest.mark.parametrize("bad", ["", None, "NotAType"])
def test_set_cscertificate_type_must_be_a_cert_type(bad):
    state = lab()
    record = state["hosts"][FE]
    with pytest.raises(PSError, match="Cannot bind parameter 'Type'"):
        certstore.set_certificate(record, [bad], record["certificates"][0]["thumbprint"])


def test_cert_import_refuses_an_empty_usage():
    """lync_cert_import's Set-CsCertificate -Type ([string]$null): '' does not convert to CertType[], so the binder
    refuses it before the cmdlet runs (payload run through the engine)."""
    state = lab()
    record = state["hosts"][FE]
    ran = engine_run(boundary.open_session(ctx(state, FE)), winps.payload_text("lync_cert_import"), {
        "Certificates": [], "Assignments": [
            {"Type": None, "Thumbprint": record["certificates"][0]["thumbprint"], "Global": False}]}, False, 2)
    assert ran["failed"]
    assert ran["error"][0]["exception"]["message"].startswith("Cannot bind parameter 'Type'. Cannot convert value")


def test_certificates_know_their_store():
    state = lab()
    record = state["hosts"][FE]
    assert all(certstore.store_of(c) == certstore.PERSONAL for c in record["certificates"])
    ca = dict(record["certificates"][0], thumbprint="C" * 40, usages=[], private_key=None)
    certstore.add(record, ca, certstore.INTERMEDIATE)
    assert certstore.find(record, "C" * 40) is None
    assert certstore.find(record, "C" * 40, certstore.INTERMEDIATE)["store"] == certstore.INTERMEDIATE
    assert rp.STAGE_NAMES  # the collection is importable from lab tests


def test_the_global_oauth_assignment_reaches_a_server_through_replication():
    state = lab()
    record = state["hosts"][FE]
    thumb = oauth_thumb(record)
    for cert in record["certificates"]:
        cert["usages"] = [u for u in cert["usages"] if u != "OAuthTokenIssuer"]
    certstore.replicate_global(state, FE)
    assert oauth_thumb(record) == thumb
