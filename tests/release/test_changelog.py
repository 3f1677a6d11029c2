"""The changelog is antsibull-changelog's: fragments that lint clean, a release that takes them all,
and a CHANGELOG.md that names exactly the released versions (docs/release.md)."""

import pathlib
import re
import shutil
import subprocess
import sys

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
TOOL = str(pathlib.Path(sys.executable).parent / "antsibull-changelog")


def changelog_tool(cwd, *args):
    return subprocess.run([TOOL] + list(args), cwd=str(cwd), capture_output=True, text=True, check=False)


def released():
    return set((yaml.safe_load((ROOT / "changelogs" / "changelog.yaml").read_text(encoding="utf-8")) or {})
               .get("releases") or {})


def galaxy_version():
    return yaml.safe_load((ROOT / "galaxy.yml").read_text(encoding="utf-8"))["version"]


@pytest.fixture
def copy_of_tree(tmp_path, checkout_files):
    """The files git would commit, under .../ansible_collections/lync/server (antsibull-changelog
    finds the collection's plugins with ansible-doc from there)."""
    dest = tmp_path / "ansible_collections" / "lync" / "server"
    for name in checkout_files():
        (dest / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, dest / name)
    return dest


def test_fragments_lint_clean():
    proc = changelog_tool(ROOT, "lint")
    assert proc.returncode == 0 and not proc.stdout.strip(), proc.stdout + proc.stderr


def test_changelog_md_names_exactly_the_released_versions():
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    headings = {v.replace("\\", "") for v in re.findall(r"^## v([0-9][^\s]*)", text, re.MULTILINE)}
    assert headings == released()


def test_changelog_md_is_generated(copy_of_tree):
    if not released():
        pytest.skip("nothing released yet: antsibull-changelog renders no CHANGELOG.md before the first release")
    proc = changelog_tool(copy_of_tree, "generate")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (copy_of_tree / "CHANGELOG.md").read_text(encoding="utf-8") == \
        (ROOT / "CHANGELOG.md").read_text(encoding="utf-8"), "CHANGELOG.md was edited by hand; run antsibull-changelog generate"


def test_releasing_the_next_version_takes_every_fragment(copy_of_tree):
    version = galaxy_version()
    fragments = sorted(p.name for p in (ROOT / "changelogs" / "fragments").glob("*.y*ml"))
    if version in released():
        # The release commit itself: antsibull-changelog release consumed the fragments.
        assert not fragments, "galaxy.yml names the released %s but fragments wait; bump it (docs/release.md)" % version
        return
    proc = changelog_tool(copy_of_tree, "release", "--version", version, "--date", "2000-01-01")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    release = yaml.safe_load((copy_of_tree / "changelogs" / "changelog.yaml").read_text(encoding="utf-8"))["releases"][version]
    assert sorted(release.get("fragments", [])) == fragments
    rendered = (copy_of_tree / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "## v%s" % version.replace(".", "\\.") in rendered
