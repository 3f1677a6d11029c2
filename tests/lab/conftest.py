"""Lab fixtures for the clean-server and recovery tests: labs that already hold a backup set, copied per test."""

import json
import pathlib
import shutil
import subprocess
import sys

import pytest
import yaml

from lync_lab import seed, winps
from lync_lab.state import Lab
from tests.conftest import lab_env


@pytest.fixture(scope="session")
def _backed_up_labs(tmp_path_factory):
    """Seed a topology and run the real backup playbook once per session; later calls reuse it."""
    made = {}

    def get(topology, product, before_backup):
        key = (topology, product, before_backup.__name__ if before_backup else "as-seeded")
        if key not in made:
            base = tmp_path_factory.mktemp("backed-up-%s-%s-%s" % key)
            lab = seed.seed(topology, base / "lab", product)
            if before_backup:
                before_backup(lab)
            proc = subprocess.run([str(pathlib.Path(sys.executable).parent / "ansible-playbook"), "-i",
                                   str(lab.dir / "inventory.yml"), "lync.server.backup"],
                                  cwd=str(base), env=lab_env(), capture_output=True, text=True, timeout=900, check=False)
            assert proc.returncode == 0, proc.stdout + proc.stderr
            made[key] = lab
        return made[key]
    return get


@pytest.fixture
def backed_up_lab(_backed_up_labs, tmp_path):
    """backed_up_lab(topology, product='lync2013', before_backup=None) -> a fresh copy of a lab whose
    backup set is complete; before_backup(lab), a module-level function, changes the lab before the backup."""
    counter = {"n": 0}

    def make(topology, product="lync2013", before_backup=None):
        counter["n"] += 1
        dest = tmp_path / ("%s-%s-%d" % (topology, product, counter["n"]))
        shutil.copytree(_backed_up_labs(topology, product, before_backup).dir, dest, symlinks=True)
        return Lab(dest / "state.json")
    return make


def backup_manifest(lab):
    """The manifest of the (only) backup set in a lab."""
    state = lab.load()
    share = state["hosts"]["backup01.contoso.local"]["shares"]["LyncBackup"]["path"]
    root = lab.host_root("backup01.contoso.local") / share[0] / share[3:]
    sets = sorted(p for p in root.iterdir() if p.is_dir())
    assert len(sets) == 1, sets
    return json.loads((sets[0] / "manifest.json").read_text(encoding="utf-8"))


def edit_inventory(lab, change):
    """Load the lab's inventory, let change(inventory) edit it, write it back."""
    path = lab.dir / "inventory.yml"
    inventory = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(inventory)
    path.write_text(yaml.safe_dump(inventory, sort_keys=False), encoding="utf-8")


def host_vars(inventory, host):
    """The inventory's variables of a host (the first group that defines any)."""
    for group in inventory["all"]["children"].values():
        hosts = group.get("hosts") or {}
        if host in hosts and hosts[host]:
            return hosts[host]
    raise KeyError(host)


def changed(run):
    """Task results that report a change."""
    return [(r["host"], r["task"]) for r in run.records if r["result"].get("changed")]


@pytest.fixture
def plant_defect(tmp_path, monkeypatch):
    """plant_defect(payload, old, new): the lab runs `payload` with `old` replaced by `new` (a planted
    defect, lync_lab.winps.mutant_text) for the rest of the test, in playbook runs too."""
    folder = tmp_path / "mutants"
    folder.mkdir()
    monkeypatch.setenv("LYNC_LAB_MUTANT_DIR", str(folder))

    def plant(payload, old, new):
        text = (pathlib.Path(winps.PAYLOAD_DIR) / (payload + ".ps1")).read_text(encoding="utf-8")
        assert old in text, "the defect's anchor %r is not in %s" % (old, payload)
        (folder / (payload + ".ps1")).write_text(text.replace(old, new, 1), encoding="utf-8")
    return plant
