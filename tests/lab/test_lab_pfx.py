"""The lab's PFX format keeps the contract of real PFX files."""

import pytest

from lync_lab import content, pfx
from lync_lab.errors import PSError

CERT = content.certificate("fe01.contoso.local", "pool01.contoso.local", ["a"], ["Default"])


def test_round_trip_with_the_right_password():
    data = pfx.export(CERT, "Vault-Secret-1")
    assert pfx.load(data, "Vault-Secret-1")["private_key"] == CERT["private_key"]
    assert b"Vault-Secret-1" not in data and CERT["private_key"].encode() not in data


def test_wrong_password_and_damage_fail_like_windows():
    data = pfx.export(CERT, "right")
    with pytest.raises(PSError, match="password is not correct"):
        pfx.load(data, "wrong")
    with pytest.raises(PSError, match="damaged"):
        pfx.load(b"not a pfx", "right")


def test_non_exportable_key_cannot_be_exported():
    with pytest.raises(PSError, match="not marked as exportable"):
        pfx.export(dict(CERT, exportable=False), "x")
