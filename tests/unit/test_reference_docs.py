"""docs/reference is rendered from the plugins' own DOCUMENTATION and must not drift from it."""

import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_reference_docs_match_the_plugins():
    proc = subprocess.run([sys.executable, str(ROOT / "tools" / "render_docs.py"), "--check"],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr + proc.stdout


def test_every_module_has_a_page():
    modules = {p.stem for p in (ROOT / "plugins" / "modules").glob("*.py") if p.stem != "__init__"}
    pages = {p.stem for p in (ROOT / "docs" / "reference").glob("*.md")}
    assert modules and modules <= pages


def test_every_role_documents_itself_and_has_a_page():
    roles = {p.name for p in (ROOT / "roles").iterdir() if p.is_dir()}
    undocumented = {r for r in roles if not list((ROOT / "roles" / r / "meta").glob("argument_specs.y*ml"))}
    assert not undocumented, "roles without meta/argument_specs.yml: %s" % sorted(undocumented)
    assert roles and roles <= {p.stem for p in (ROOT / "docs" / "reference" / "roles").glob("*.md")}


def test_every_playbook_has_a_page():
    playbooks = {p.stem for p in (ROOT / "playbooks").glob("*.y*ml")}
    assert playbooks and playbooks <= {p.stem for p in (ROOT / "docs" / "reference" / "playbooks").glob("*.md")}
