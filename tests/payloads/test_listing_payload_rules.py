"""Ordinal string comparisons in the payloads and the job runner; first for the file-store listing payloads
(docs/backup-set.md "Listings"): their order and their -After cursor
are ordinal (UTF-16 code units, what backup_set.ordinal_key reproduces), so every String.StartsWith/EndsWith they
call passes StringComparison.Ordinal. .NET Framework has no EndsWith(Char) or StartsWith(Char) (added in .NET Core
2.0), so PowerShell binds a bare `$s.EndsWith('/')` to EndsWith(String), a culture-sensitive comparison with the
current culture (https://learn.microsoft.com/dotnet/api/system.string.endswith, remarks of EndsWith(String);
https://learn.microsoft.com/dotnet/api/system.string.startswith). Review listing2, finding 4.

The lab's engine compares both overloads ordinally (it has no NLS tables), so a lab run cannot tell them apart:
this rule is what holds the payload text to the ordinal overload."""

import pathlib
import re

import pytest

PAYLOADS = pathlib.Path(__file__).resolve().parents[2] / "plugins" / "plugin_utils" / "payloads"
LISTING_PAYLOADS = ("lync_file_listing", "lync_file_listing_write", "lync_file_listing_page")

# PowerShell's method names are case-insensitive: $s.startswith('x') is the same call (review s9main, finding 8).
CALL_RE = re.compile(r"\.(StartsWith|EndsWith)\(", re.IGNORECASE)
JOBS = PAYLOADS.parent / "jobs"


def _arguments(text, start):
    """The text between the '(' at start-1 and its matching ')'."""
    depth, index = 1, start
    while depth and index < len(text):
        depth += {"(": 1, ")": -1}.get(text[index], 0)
        index += 1
    return text[start:index - 1]


def culture_comparisons(text, ignore_case=False):
    """Lines of StartsWith/EndsWith calls that do not pass [System.StringComparison]::Ordinal (or, with ignore_case,
    OrdinalIgnoreCase; comments skipped)."""
    code = "\n".join(line.split("#", 1)[0] if not line.lstrip().startswith("#") else "" for line in text.splitlines())
    found = []
    for match in CALL_RE.finditer(code):
        args = _arguments(code, match.end())
        if not re.search(r",\s*\[System\.StringComparison\]::Ordinal%s\s*$" % ("(IgnoreCase)?" if ignore_case else ""),
                         args, re.IGNORECASE):
            found.append("line %d: %s(%s) compares with the current culture"
                         % (code.count("\n", 0, match.start()) + 1, match.group(1), args))
    return found


@pytest.mark.parametrize("name", LISTING_PAYLOADS)
def test_listing_payloads_compare_strings_ordinally(name):
    text = (PAYLOADS / (name + ".ps1")).read_text(encoding="utf-8")
    assert culture_comparisons(text) == []


@pytest.mark.parametrize("path", sorted(PAYLOADS.glob("*.ps1")) + sorted(JOBS.glob("*.ps1")), ids=lambda p: p.stem)
def test_no_payload_compares_prefixes_with_the_current_culture(path):
    """Paths, error ids and task names are compared byte for byte (or ignoring case, as Windows names are), never
    with the current culture's rules: every payload (and the job runner) passes an ordinal StringComparison."""
    text = path.read_text(encoding="utf-8")
    assert culture_comparisons(text, ignore_case=True) == []


def test_the_all_payloads_rule_flags_a_bare_starts_with():
    text = (PAYLOADS / "lync_file_inventory.ps1").read_text(encoding="utf-8")
    planted = text.replace("$Path.StartsWith('\\\\?\\', [System.StringComparison]::Ordinal)", "$Path.StartsWith('\\\\?\\')")
    assert planted != text
    assert len(culture_comparisons(planted, ignore_case=True)) == 1


def test_the_rule_flags_a_lower_case_method_name():
    assert len(culture_comparisons("$s.startswith('x')\n$t.EndsWith('y', [System.StringComparison]::Ordinal)\n")) == 1


def test_the_rule_flags_the_culture_sensitive_ends_with():
    """The defect of finding 4, planted in a copy of the payload's text."""
    text = (PAYLOADS / "lync_file_listing.ps1").read_text(encoding="utf-8")
    planted = text.replace("$key.EndsWith('/', [System.StringComparison]::Ordinal)", "$key.EndsWith('/')")
    assert planted != text
    problems = culture_comparisons(planted)
    assert len(problems) == 1 and "EndsWith('/')" in problems[0]
    assert culture_comparisons("$a.StartsWith($b, [System.StringComparison]::OrdinalIgnoreCase)")
