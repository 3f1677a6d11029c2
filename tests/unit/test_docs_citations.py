"""User-facing docs cite what a user can open: Microsoft's pages and the collection's own files.

The collection was written from a project document (a "domain brief") and reference copies kept
beside the repository, outside the collection. Neither ships, so a doc that says "see the brief,
section 4.0" or points at `../shared/...` sends a user to nothing. Cite Microsoft's page instead
(its address is the `ms:mtpsurl` of the topic, or the cmdlet page's `online version`).

User-facing docs are everything the collection ships for people to read: README.md,
CHANGELOG.md, docs/ (with the rendered reference), the changelog fragments, the roles' meta
and README files, the playbooks (their header comments are rendered), galaxy.yml, and the
DOCUMENTATION, EXAMPLES and RETURN text of the plugins.
"""

import ast
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]

# A mention of the project's brief, by name.
BRIEF_RE = re.compile(r"\bbrief\b", re.IGNORECASE)
# Paths of the workspace around the repository, which a user of the collection does not have.
OUTSIDE_RE = re.compile(r"(?<![\w.-])(?:\.\./)*shared/(?:domain|reference|design|hooks)\b|/work/")
# Relative paths that climb: checked to stay inside the collection.
CLIMB_RE = re.compile(r"(?<![\w.])(?:\.\./)+[^\s`'\")\]|,;]*")
# Markdown link targets (a URL may hold one pair of parentheses, as TechNet's (v=OCS.15) does).
LINK_RE = re.compile(r"\]\(([^()\s]*(?:\([^()\s]*\)[^()\s]*)?)\)")
DOC_VARIABLES = ("DOCUMENTATION", "EXAMPLES", "RETURN")


def user_facing_files():
    files = [ROOT / "README.md", ROOT / "CHANGELOG.md", ROOT / "galaxy.yml"]
    files += sorted((ROOT / "docs").rglob("*.md"))
    files += sorted((ROOT / "changelogs").rglob("*.y*ml"))
    files += sorted(ROOT.glob("roles/*/meta/*.y*ml")) + sorted(ROOT.glob("roles/*/README.md"))
    files += sorted((ROOT / "playbooks").glob("*.y*ml"))
    files += sorted((ROOT / "plugins").glob("*/*.yml"))
    files += sorted(p for folder in ("modules", "filter", "doc_fragments") for p in (ROOT / "plugins" / folder).glob("*.py"))
    return [f for f in files if f.is_file()]


def doc_text(path):
    """The text of a file a user reads: a plugin's documentation strings, any other file whole."""
    text = path.read_text(encoding="utf-8")
    if path.suffix != ".py":
        return text
    parts = []
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str) \
                and any(isinstance(t, ast.Name) and t.id in DOC_VARIABLES for t in node.targets):
            parts.append(node.value.value)
    return "\n".join(parts)


def _inside(path):
    path = path.resolve()
    return path == ROOT or ROOT in path.parents


def problems(text, where):
    """What in a doc points a user at something the collection does not ship."""
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        found += ["line %d: cites the brief: %r" % (number, m.group(0)) for m in BRIEF_RE.finditer(line)]
        found += ["line %d: path outside the collection: %r" % (number, m.group(0)) for m in OUTSIDE_RE.finditer(line)]
        for match in CLIMB_RE.finditer(line):
            if not _inside(where / match.group(0)):
                found.append("line %d: path outside the collection: %r" % (number, match.group(0)))
        for match in LINK_RE.finditer(line):
            target = match.group(1).split("#")[0]
            if not target or re.match(r"[a-z][a-z0-9+.-]*:", target):
                continue
            if not _inside(where / target):
                found.append("line %d: link outside the collection: %r" % (number, match.group(1)))
            elif not (where / target).exists():
                found.append("line %d: link to a file the collection does not have: %r" % (number, match.group(1)))
    return found


@pytest.mark.parametrize("path", user_facing_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_user_facing_docs_cite_what_ships(path):
    found = problems(doc_text(path), path.parent)
    assert not found, "%s: %s" % (path.relative_to(ROOT), "; ".join(found))


def test_the_files_checked_include_every_kind_of_doc():
    names = {str(p.relative_to(ROOT)) for p in user_facing_files()}
    for required in ("README.md", "docs/pins.md", "docs/reference/lync_clean_check.md", "plugins/modules/lync_clean_check.py",
                     "roles/recovery/meta/argument_specs.yml", "changelogs/changelog.yaml"):
        assert required in names, required
    assert "Microsoft" in doc_text(ROOT / "plugins" / "modules" / "lync_clean_check.py")


def test_what_it_catches():
    docs = ROOT / "docs"
    assert problems("the same FQDN (domain brief 4.0).", docs)
    assert problems("Following the Brief, section 1.6", docs)
    assert problems("read `../shared/reference/lync-cmdlets.json`", docs)
    assert problems("payload checks against `shared/reference/lync-cmdlets.json`", docs)
    assert problems("see /work/shared/domain/lync-backup-restore.md", docs)
    assert problems("see [the notes](../../notes.md)", docs)
    assert problems("see [the page](missing-page.md)", docs)
    assert not problems("see [pins](pins.md#per-site) and [README](../README.md) and `../roles/backup`", docs)
    assert not problems("[Backup and restoration process overview for Lync Server 2013]"
                        "(https://technet.microsoft.com/en-us/library/Hh202192(v=OCS.15))", docs)
    assert not problems("Briefly: the share is shared with the SQL service account; `shared_folder: x`", docs)
