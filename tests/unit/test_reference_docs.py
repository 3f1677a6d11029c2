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
