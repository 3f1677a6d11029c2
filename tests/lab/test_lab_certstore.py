"""The lab's certificate stores and Set-CsCertificate rules (lync_lab/certstore.py), as the twins use them."""

import pytest

from ansible_collections.lync.server.plugins.plugin_utils import recovery_plan as rp

from lync_lab import certstore, seed
from lync_lab.context import Context
from lync_lab.errors import PSError
from lync_lab.twins import lync_cert_import

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


def test_cert_import_twin_refuses_an_empty_usage():
    state = lab()
    record = state["hosts"][FE]
    with pytest.raises(PSError, match="Cannot bind parameter 'Type'"):
        lync_cert_import.run(ctx(state, FE), {"Certificates": [], "Assignments": [
            {"Type": None, "Thumbprint": record["certificates"][0]["thumbprint"], "Global": False}]})


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
