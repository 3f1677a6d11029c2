"""The molecule scenarios of extensions/molecule run here, so `make test` runs them.

Molecule links the inventory before its create step runs, so each scenario gets a lab
folder seeded up front (LYNC_LAB_DIR); the scenario's create step seeds it again, fresh,
with a snapshot that verify compares against.

Each run gets its own molecule ephemeral directory (MOLECULE_EPHEMERAL_DIRECTORY): by
default molecule keys it on the project folder's *name* under ~/.ansible/tmp, so every
checkout called `main` shares one state file, and a run killed between create and destroy
left `created: true` there - the next run skipped create, never seeded the lab's snapshot,
and failed verify (stop 21's CI).
"""

import os
import pathlib
import subprocess
import sys

import pytest
import yaml

from lync_lab import checks, seed

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCENARIOS = sorted(p.name for p in (ROOT / "extensions" / "molecule").iterdir() if (p / "molecule.yml").exists())


def test_there_are_scenarios():
    assert {"backup-standard", "backup-enterprise", "prepare_clean_server"} <= set(SCENARIOS)


def sequence_of(scenario):
    """The steps a scenario runs, as its molecule.yml lists them."""
    config = yaml.safe_load((ROOT / "extensions" / "molecule" / scenario / "molecule.yml").read_text(encoding="utf-8"))
    return config["scenario"]["test_sequence"]


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_scenario(scenario, tmp_path):
    lab_dir = tmp_path / "lab"
    seed.seed("standard", lab_dir)
    bindir = str(pathlib.Path(sys.executable).parent)
    env = dict(os.environ)
    env.update({
        "PATH": bindir + os.pathsep + env.get("PATH", ""),
        "LYNC_LAB_DIR": str(lab_dir),
        "LYNC_LAB_COLLECTIONS_PATH": "%s:%s" % (ROOT / "tests" / "lab" / "collections", ROOT / ".cache" / "collections"),
        "LYNC_LAB_PYTHONPATH": str(ROOT / "tests" / "lab"),
        "ANSIBLE_COLLECTIONS_PATH": str(ROOT / ".cache" / "collections"),
        "MOLECULE_NO_LOG": "false",
        "MOLECULE_EPHEMERAL_DIRECTORY": str(tmp_path / "molecule"),
        "NO_COLOR": "1",
    })
    proc = subprocess.run([bindir + "/molecule", "test", "-s", scenario], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=900, check=False)
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-6000:]
    assert "verify: Executed: Successful" in proc.stdout + proc.stderr
    if "idempotence" in sequence_of(scenario):
        # molecule's own judgement: the second converge reported no change (it fails the run otherwise)
        assert "idempotence: Executed: Successful" in proc.stdout + proc.stderr


def test_verify_check_fails_when_a_server_or_a_set_changed(make_lab, run_playbook):
    lab = make_lab("standard")
    checks.save_snapshot(lab)
    assert run_playbook(lab, "lync.server.backup").rc == 0
    assert checks.server_changes(lab) == []
    ids, problems = checks.set_problems(lab)
    assert len(ids) == 1 and problems == []
    with lab.locked() as state:
        state["hosts"]["lyncse01.contoso.local"]["services"]["RTCSRV"]["status"] = "Stopped"
    some_file = next(p for p in (lab.host_root("backup01.contoso.local") / "D").rglob("*.zip"))
    some_file.write_bytes(b"changed")
    assert checks.server_changes(lab) == ["host lyncse01.contoso.local changed"]
    assert any("differs from its manifest" in p for p in checks.set_problems(lab)[1])


def test_verify_check_names_a_missing_snapshot(make_lab):
    lab = make_lab("standard")
    problems = checks.server_changes(lab)
    assert len(problems) == 1 and "no snapshot" in problems[0] and "create step did not run" in problems[0]
