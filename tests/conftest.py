"""Shared test setup: lync.server importable by its FQCN, labs on demand, playbook runner."""

import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
COLLECTIONS = ROOT / ".cache" / "collections"
LAB_COLLECTIONS = ROOT / "tests" / "lab" / "collections"
sys.path.insert(0, str(ROOT / "tests" / "lab"))

# Import the collection the way Ansible does: through the collection loader, from the
# collections path where tools/bootstrap.sh links this checkout as lync.server. If that
# link is missing, every test that imports ansible_collections.lync.server fails.
from ansible.utils.collection_loader._collection_finder import _AnsibleCollectionFinder  # noqa: E402

_AnsibleCollectionFinder(paths=[str(COLLECTIONS)])._install()

from lync_lab import seed  # noqa: E402


@pytest.fixture
def make_lab(tmp_path):
    """make_lab(topology, product='lync2013') -> Lab seeded in a fresh folder."""
    counter = {"n": 0}

    def make(topology, product="lync2013"):
        counter["n"] += 1
        return seed.seed(topology, tmp_path / ("%s-%d" % (topology, counter["n"])), product)
    return make


class Run:
    """The outcome of one ansible-playbook run: exit code, output, recorded task results."""

    def __init__(self, proc, records):
        self.rc = proc.returncode
        self.output = proc.stdout + proc.stderr
        self.records = records

    def results(self, task=None, host=None):
        return [r for r in self.records
                if (task is None or r["task"] == task or r["task"].endswith(" : " + task))
                and (host is None or r["host"] == host)]

    def result(self, task, host):
        found = self.results(task, host)
        assert len(found) == 1, "expected one result of %r on %s, got %d\n%s" % (task, host, len(found), self.output)
        return found[0]

    def said(self, text):
        """`text` in the output as ansible-playbook prints it: ansible-core 2.16 wraps warnings at the terminal's
        width, breaking lines at spaces and after hyphens ("lync.server-copy-" / "other-..."), and JSON-escapes
        backslashes in messages; so whitespace is ignored on both sides and the escaped form counts too."""
        flat = "".join(self.output.split())
        return any("".join(form.split()) in flat for form in (text, json.dumps(text)[1:-1]))


def lab_env(extra=None):
    """Environment for ansible-playbook against the lab (stand-ins first on the collections path)."""
    env = dict(os.environ)
    env.update({
        "ANSIBLE_COLLECTIONS_PATH": "%s:%s" % (LAB_COLLECTIONS, COLLECTIONS),
        "ANSIBLE_COLLECTIONS_SCAN_SYS_PATH": "false",
        "ANSIBLE_CALLBACKS_ENABLED": "lab.lync.record",
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_RETRY_FILES_ENABLED": "false",
        "PATH": "%s:%s" % (pathlib.Path(sys.executable).parent, env.get("PATH", "")),
        "PYTHONPATH": str(ROOT / "tests" / "lab"),
        # Every lab module run is a new Python process that imports the lab: cache its bytecode
        # (compiling it on every run cost about 0.1 s a run where PYTHONDONTWRITEBYTECODE is set).
        "PYTHONDONTWRITEBYTECODE": "",
        "PYTHONPYCACHEPREFIX": str(ROOT / ".cache" / "pycache"),
    })
    env.update(extra or {})
    return env


@pytest.fixture
def run_playbook(tmp_path):
    """run_playbook(lab, playbook, *args, extra_vars=None, env=None) -> Run."""
    counter = {"n": 0}

    def run(lab, playbook, *args, extra_vars=None, env=None):
        counter["n"] += 1
        record = tmp_path / ("record-%d.jsonl" % counter["n"])
        cmd = [str(pathlib.Path(sys.executable).parent / "ansible-playbook"), "-i", str(lab.dir / "inventory.yml"),
               str(playbook)] + list(args)
        if extra_vars:
            cmd += ["-e", json.dumps(extra_vars)]
        proc = subprocess.run(cmd, cwd=str(tmp_path), env=lab_env(dict(env or {}, LYNC_LAB_RECORD=str(record))),
                              capture_output=True, text=True, timeout=900, check=False)
        records = [json.loads(line) for line in record.read_text().splitlines()] if record.exists() else []
        return Run(proc, records)
    return run


WINDOWS_COLLECTIONS = ("ansible.windows", "community.windows", "microsoft.ad")


@pytest.fixture(scope="session")
def checkout_files():
    """checkout_files(*folders) -> the files git would commit (tracked, or new and not ignored), relative to ROOT."""
    def files(*folders):
        out = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--"] + list(folders),
                             cwd=str(ROOT), capture_output=True, text=True, check=True).stdout
        return {name for name in out.split("\0") if name and (ROOT / name).is_file()}
    return files


class BuiltCollection:
    """This checkout as users get it: the tarball and an offline install of it."""

    def __init__(self, tarball, path):
        self.tarball = tarball          # lync-server-<version>.tar.gz
        self.path = path                # collections dir holding lync.server and the Windows collections
        self.root = path / "ansible_collections" / "lync" / "server"


@pytest.fixture(scope="session")
def built_collection(tmp_path_factory):
    """`ansible-galaxy collection build` of the checkout, installed offline into an empty folder.

    The Windows collections are installed from the folders tools/windows_collections.py
    extracted, so galaxy.yml's dependencies are resolved for real (Galaxy is unreachable).
    """
    work = tmp_path_factory.mktemp("built")
    galaxy = str(pathlib.Path(sys.executable).parent / "ansible-galaxy")

    def collection(*args):
        proc = subprocess.run([galaxy, "collection"] + list(args), capture_output=True, text=True, check=False,
                              env=dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(work / "installed")))
        assert proc.returncode == 0, proc.stdout + proc.stderr

    collection("build", "--output-path", str(work / "dist"), str(ROOT))
    tarball = next((work / "dist").glob("lync-server-*.tar.gz"))
    sources = [str(COLLECTIONS / "ansible_collections" / name.replace(".", "/")) for name in WINDOWS_COLLECTIONS]
    collection("install", "--offline", "-p", str(work / "installed"), str(tarball), *sources)
    return BuiltCollection(tarball, work / "installed")


def pytest_configure(config):
    """One folder per test session for the payload statement coverage (lync_lab/coverage.py), made by
    the controlling process and inherited by xdist workers and by every playbook run."""
    if not os.environ.get("LYNC_LAB_COVERAGE_DIR"):
        os.environ["LYNC_LAB_COVERAGE_DIR"] = tempfile.mkdtemp(prefix="lync-payload-coverage-")
        config.lync_coverage_owner = True


def pytest_terminal_summary(terminalreporter, config):
    """Print which payload statements no lab test ran (figures, never an assertion)."""
    folder = os.environ.get("LYNC_LAB_COVERAGE_DIR")
    if getattr(config, "lync_coverage_owner", False) and folder and any(pathlib.Path(folder).glob("*.lines")):
        from lync_lab import coverage
        terminalreporter.write_line(coverage.format_report(coverage.report(folder)))


def pytest_unconfigure(config):
    if getattr(config, "lync_coverage_owner", False):
        shutil.rmtree(os.environ.pop("LYNC_LAB_COVERAGE_DIR"), ignore_errors=True)
