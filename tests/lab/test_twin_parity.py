"""While the twins go (issue 10): every payload either runs through the lab engine
(lync_lab.boundary) or still has a Python twin with the same parameters, and no twin outlives
its payload's move to the engine."""

import importlib
import pathlib

import pytest

from lync_lab import boundary, psparse

ROOT = pathlib.Path(__file__).resolve().parents[2]
PAYLOADS = sorted((ROOT / "plugins" / "plugin_utils" / "payloads").glob("*.ps1"))
TWINS = sorted(p.stem for p in (ROOT / "tests" / "lab" / "lync_lab" / "twins").glob("*.py") if not p.stem.startswith("_"))


def signature(params):
    return {name: (info["kind"], bool(info["mandatory"]), bool(info.get("has_default", "default" in info)))
            for name, info in params.items()}


def test_payloads_exist():
    assert PAYLOADS, "no payloads to compare"


ENGINE = boundary.engine_payloads()


@pytest.mark.parametrize("path", [p for p in PAYLOADS if p.stem not in ENGINE], ids=lambda p: p.stem)
def test_payload_has_twin_with_same_parameters(path):
    twin = importlib.import_module("lync_lab.twins." + path.stem)
    payload_params = psparse.param_block(path.read_text(encoding="utf-8"))
    assert signature(twin.PARAMETERS) == signature(payload_params), \
        "%s: payload and twin disagree on parameters (name: kind, mandatory, has default)" % path.stem


def test_every_twin_has_a_payload_that_the_engine_does_not_run():
    assert sorted(TWINS) == sorted(p.stem for p in PAYLOADS if p.stem not in ENGINE)


def test_engine_payloads_are_payloads():
    assert ENGINE <= {p.stem for p in PAYLOADS}


def test_parity_check_detects_a_difference():
    """The comparison must notice a renamed or retyped parameter."""
    a = {"PoolFqdn": {"kind": "string", "mandatory": True}}
    b = {"PoolFQDN2": {"kind": "string", "mandatory": True, "has_default": False}}
    c = {"PoolFqdn": {"kind": "list", "mandatory": True, "has_default": False}}
    assert signature(a) != signature(b)
    assert signature(a) != signature(c)
