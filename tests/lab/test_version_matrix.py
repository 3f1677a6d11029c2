"""The version matrix (tox.ini) spans every ansible-core release we support, and each env runs its own.

Supported: from meta/runtime.yml's requires_ansible to the newest ansible-core that runs on
Python 3.11, which is the one requirements/dev.txt pins for the default run.
"""

import configparser
import os
import pathlib
import re
import subprocess
import sys

import yaml
from ansible.release import __version__ as imported_version
from packaging.specifiers import SpecifierSet
from packaging.version import Version

ROOT = pathlib.Path(__file__).resolve().parents[2]


def tox_config():
    config = configparser.ConfigParser(interpolation=None)
    config.read(ROOT / "tox.ini", encoding="utf-8")
    return config


def matrix_pins():
    """{tox env: ansible-core version it pins}."""
    deps = tox_config()["testenv"]["deps"]
    return dict(re.findall(r"^\s*(\w+): ansible-core==(\S+)\s*$", deps, re.MULTILINE))


def default_pin():
    text = (ROOT / "requirements" / "dev.txt").read_text(encoding="utf-8")
    return re.search(r"^ansible-core==(\S+)$", text, re.MULTILINE).group(1)


def requires_ansible():
    spec = yaml.safe_load((ROOT / "meta" / "runtime.yml").read_text(encoding="utf-8"))["requires_ansible"]
    return Version(next(s.version for s in SpecifierSet(spec) if s.operator == ">="))


def minor(version):
    return Version(version).release[:2]


def test_matrix_spans_requires_ansible_to_the_default_release():
    pins = matrix_pins()
    oldest, newest = requires_ansible().release[:2], minor(default_pin())
    assert sorted(minor(v) for v in pins.values()) == [(oldest[0], m) for m in range(oldest[1], newest[1] + 1)]
    assert default_pin() in pins.values(), "the matrix's newest env must be the default run's ansible-core"
    assert set(tox_config()["tox"]["env_list"].replace(",", " ").split()) == set(pins)
    labelled_oldest = re.search(r"oldest\s*=\s*(\S+)", tox_config()["tox"]["labels"]).group(1)
    assert minor(pins[labelled_oldest]) == oldest


def test_the_lab_runs_the_ansible_core_under_test():
    expected = matrix_pins().get(os.environ.get("TOX_ENV_NAME", ""), default_pin())
    assert imported_version == expected
    playbook = pathlib.Path(sys.executable).parent / "ansible-playbook"
    out = subprocess.run([str(playbook), "--version"], capture_output=True, text=True, check=True).stdout
    assert "[core %s]" % expected in out
