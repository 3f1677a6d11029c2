"""Payload lists: no @($table[$key]) (a missing key gives @($null), one $null, not an empty list),
and list decisions stay in Python (lync_cert_export leaves the certificates' Lync usages to the controller)."""

import pathlib

import pytest

from lync_lab import psparse

ROOT = pathlib.Path(__file__).resolve().parents[2]
PAYLOADS = sorted((ROOT / "plugins" / "plugin_utils" / "payloads").glob("*.ps1"))


@pytest.mark.parametrize("path", PAYLOADS, ids=lambda p: p.stem)
def test_no_array_of_one_lookup(path):
    found = psparse.wrapped_lookups(path.read_text(encoding="utf-8"))
    assert not found, "%s: @($table[$key]) is @($null) for a missing key, not @(): %s" % (path.stem, found)


def test_the_rule_flags_the_old_lync_cert_export_line():
    """1a7fef5's lync_cert_export.ps1 built each certificate's usages this way: a named certificate
    without Lync usage was recorded with usages [null] and restored as Set-CsCertificate -Type ''."""
    old = ("foreach ($thumb in $wanted) {\n"
           "    $entry = @{ Thumbprint = $thumb; Usages = @($usages[$thumb]); Exportable = $false }\n"
           "}\n")
    assert [line for line, dummy in psparse.wrapped_lookups(old)] == [2]
    assert psparse.wrapped_lookups("$a = @($list | Where-Object { $_ })\n$b = @($h[$k].Name)\n$c = @()") == []


def test_cert_export_leaves_usages_to_the_controller():
    text = (ROOT / "plugins" / "plugin_utils" / "payloads" / "lync_cert_export.ps1").read_text(encoding="utf-8")
    assert "get-cscertificate" not in {c["name"].lower() for c in psparse.commands(text)}
