"""The collection as users get it: built by ansible-galaxy, installed offline, run by FQCN.

Nothing may depend on running from the checkout, so the playbooks run with a collections
path that holds only the lab's stand-ins and the installed copy (tests/conftest.py,
`built_collection`), and the test proves the roles came from that copy. Each playbook runs
by FQCN and through the one-line import_playbook wrapper an AWX project needs. Add each
new playbook to PLAYBOOKS with a check of what it must have done.
"""

import collections
import json
import pathlib
import re
import shutil
import tarfile

import pytest
import yaml

from tests.lab.conftest import backup_manifest

ROOT = pathlib.Path(__file__).resolve().parents[2]
LAB_COLLECTIONS = ROOT / "tests" / "lab" / "collections"

# What users install must carry these; the workbench must stay out of the tarball.
SHIPPED = ("plugins/", "roles/", "playbooks/", "docs/", "meta/runtime.yml", "meta/execution-environment.yml",
           "README.md", "CHANGELOG.md", "changelogs/changelog.yaml")
WORKBENCH = {".cache", ".venv", ".tox", ".git", ".ci", ".hypothesis", ".pytest_cache", "tests", "tools", "requirements"}
SHIPPED_FOLDERS = ("plugins", "roles", "playbooks", "docs", "meta", "execution-environment")


def tarball_names(tarball):
    with tarfile.open(tarball) as tar:
        return set(tar.getnames())


def test_tarball_carries_the_collection(built_collection, checkout_files):
    names = tarball_names(built_collection.tarball)
    for path in SHIPPED:
        assert any(n == path or n.startswith(path) for n in names), "%s is missing from the tarball" % path
    missing = checkout_files(*SHIPPED_FOLDERS) - names
    assert not missing, "build_ignore drops files users need: %s" % sorted(missing)


def test_tarball_leaves_the_workbench_out(built_collection):
    names = tarball_names(built_collection.tarball)
    assert not {n.split("/", 1)[0] for n in names} & WORKBENCH
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]


def discover_wrote_the_report(lab, run, out, installed):
    del installed
    report = (out / "topology.txt").read_text(encoding="utf-8")
    for fqdn in lab.load()["hosts"]:
        assert fqdn in report, report


def backup_wrote_a_complete_set(lab, run, out, installed):
    del run
    (report,) = list(out.glob("lync-*.txt"))
    assert "Status:   COMPLETE" in report.read_text(encoding="utf-8")
    share = lab.host_root("backup01.contoso.local") / "D" / "LyncBackup"
    assert (share / report.stem / "manifest.json").exists()
    # The manifest records the version of the collection that wrote it: the built one's MANIFEST.json.
    built = json.loads((installed / "MANIFEST.json").read_text(encoding="utf-8"))["collection_info"]["version"]
    assert backup_manifest(lab)["collection_version"] == built


Case = collections.namedtuple("Case", "playbook topology extra_vars check")
PLAYBOOKS = [
    pytest.param(Case("lync.server.discover", "enterprise", lambda out: {"lync_report_dir": str(out)},
                      discover_wrote_the_report), id="discover"),
    pytest.param(Case("lync.server.backup", "standard", lambda out: {"lync_report_dir": str(out)},
                      backup_wrote_a_complete_set), id="backup"),
]


def awx_project_wrapper(tmp_path, fqcn):
    """The one-line playbook an AWX project holds to run a collection playbook (docs/awx.md)."""
    wrapper = tmp_path / "project" / ("%s.yml" % fqcn.rsplit(".", 1)[1])
    wrapper.parent.mkdir()
    wrapper.write_text("---\n- name: Run %s\n  ansible.builtin.import_playbook: %s\n" % (fqcn, fqcn), encoding="utf-8")
    return str(wrapper)


@pytest.mark.parametrize("via", ["fqcn", "awx_project_wrapper"])
@pytest.mark.parametrize("case", PLAYBOOKS)
def test_installed_collection_runs_the_playbook(built_collection, make_lab, run_playbook, tmp_path, case, via):
    lab = make_lab(case.topology)
    path = [LAB_COLLECTIONS, built_collection.path]
    # The checkout must be unreachable as lync.server, or the run would prove nothing.
    assert all((p / "ansible_collections" / "lync" / "server").resolve() != ROOT for p in path)
    out = tmp_path / "out"
    playbook = case.playbook if via == "fqcn" else awx_project_wrapper(tmp_path, case.playbook)
    run = run_playbook(lab, playbook, "-vv", extra_vars=case.extra_vars(out),
                       env={"ANSIBLE_COLLECTIONS_PATH": ":".join(str(p) for p in path)})
    assert run.rc == 0, run.output
    assert run.records and not [r for r in run.records if r["status"] in ("failed", "unreachable")]
    task_paths = re.findall(r"^task path: (.+):\d+$", run.output, re.MULTILINE)
    role_tasks = [p for p in task_paths if "/roles/" in p]
    assert role_tasks, run.output
    assert all(pathlib.Path(p).is_relative_to(built_collection.root) for p in task_paths), task_paths
    case.check(lab, run, out, built_collection.root)


def test_a_source_checkout_records_galaxy_yml_version(make_lab, run_playbook, tmp_path):
    """Used from a source checkout (no MANIFEST.json), the collection records galaxy.yml's version; here a
    copy of the checkout whose galaxy.yml says a version no build and no default could produce."""
    root = tmp_path / "collections" / "ansible_collections" / "lync" / "server"
    for folder in ("plugins", "roles", "playbooks", "meta"):
        shutil.copytree(ROOT / folder, root / folder, ignore=shutil.ignore_patterns("__pycache__"))
    galaxy = yaml.safe_load((ROOT / "galaxy.yml").read_text(encoding="utf-8"))
    galaxy["version"] = "0.99.0-lab13"
    (root / "galaxy.yml").write_text(yaml.safe_dump(galaxy), encoding="utf-8")
    assert not (root / "MANIFEST.json").exists()
    lab = make_lab("standard")
    path = [LAB_COLLECTIONS, tmp_path / "collections", ROOT / ".cache" / "collections"]
    run = run_playbook(lab, "lync.server.backup", extra_vars={"lync_report_dir": str(tmp_path / "out")},
                       env={"ANSIBLE_COLLECTIONS_PATH": ":".join(str(p) for p in path)})
    assert run.rc == 0, run.output
    assert backup_manifest(lab)["collection_version"] == "0.99.0-lab13"
