"""report.html in a real browser: four lab nights (one partial, one edited afterwards), read back from the
rendered page (element boxes over the DevTools protocol) and from its screenshot (OCR), not from pixels.

Needs chromium and tesseract-ocr (Debian's packages, installed by tools/bootstrap.sh): without them the
tests skip, except under LYNC_REQUIRE_BROWSER=1 (CI), where they fail.
"""

import hashlib
import json
import pathlib
import re
import subprocess
import sys

import pytest

from browser import Browser, ocr, require
from lync_lab import seed
from tests.conftest import lab_env

SQL = "sql:lyncse01.contoso.local\\rtc"
HOSTILE = '<script>document.title="pwned"</script><b>bold</b>'
FAULT = {"kind": "fail", "payload": "lync_sql_backup", "when": {"SqlInstance": "lyncse01.contoso.local\\rtc"},
         "message": "Write on \"%s\" failed: 112(There is not enough space on the disk.)" % HOSTILE}
CLAIMED = 987654321  # the figure written into the edited night's manifest: never shown (941.9 MiB)

# What the page tells about each element of the history table, read in the browser.
PAGE_FACTS = r"""JSON.stringify((() => {
  const seen = el => { const s = getComputedStyle(el), b = el.getBoundingClientRect();
    return {x: b.x + scrollX, y: b.y + scrollY, w: b.width, h: b.height, display: s.display,
            visibility: s.visibility, opacity: s.opacity, color: s.color}; };
  const under = el => { const b = el.getBoundingClientRect(); scrollTo(0, Math.max(0, b.y + scrollY - 100));
    const c = el.getBoundingClientRect(); const hit = document.elementFromPoint(c.x + c.width / 2, c.y + c.height / 2);
    scrollTo(0, 0); return !!hit && el.contains(hit); };
  const table = document.getElementById('nights');
  return {title: document.title, scripts: document.scripts.length, width: innerWidth,
    table: table ? seen(table) : null,
    rows: table ? Array.from(table.tBodies[0].rows).map(r => Object.assign(seen(r), {
      cls: r.className, text: r.innerText, id: r.cells[0].innerText.replace(/\s*\(this run\)/, ''),
      status: r.querySelector('.st') ? r.querySelector('.st').innerText : null,
      mark: r.querySelector('.st') ? getComputedStyle(r.querySelector('.st')).borderLeftColor : null,
      on_top: under(r)})) : [],
    failures: Array.from(document.querySelectorAll('#failures tbody tr')).map(r => Object.assign(seen(r),
      {text: r.innerText, cells: Array.from(r.cells).map(c => c.innerText), on_top: under(r)}))};
})())"""


def backup(lab, base, extra):
    return subprocess.run([str(pathlib.Path(sys.executable).parent / "ansible-playbook"), "-i", str(lab.dir / "inventory.yml"),
                           "lync.server.backup", "-e", json.dumps(dict({"lync_report_dir": str(base / "report"),
                                                                        "backup_keep_sets": 10}, **extra))],
                          cwd=str(base), env=lab_env(), capture_output=True, text=True, timeout=900, check=False)


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    """Four backups of the Standard Edition lab: complete, complete, partial (a SQL backup fails with a message
    that holds markup), complete; before the last, the second set's manifest is edited on the share."""
    base = tmp_path_factory.mktemp("html-history")
    lab = seed.seed("standard", base / "lab")
    root = lab.host_root("backup01.contoso.local") / "D" / "LyncBackup"
    ids = []
    for night in range(4):
        if night == 3:
            manifest = root / ids[1] / "manifest.json"
            doc = json.loads(manifest.read_text(encoding="utf-8"))
            next(i for i in doc["items"] if i["kind"] == "sql")["files"][0]["bytes"] = CLAIMED
            manifest.write_text(json.dumps(doc, indent=2), encoding="utf-8")
        run = backup(lab, base, {"lab_faults": [FAULT]} if night == 2 else {})
        assert (run.returncode != 0) == (night == 2), run.stdout + run.stderr
        ids.append(sorted(set(p.name for p in root.iterdir() if p.is_dir()) - set(ids))[0])
    return {"lab": lab, "root": root, "ids": ids, "report": base / "report"}


def expected_of(history):
    ids = history["ids"]
    return {"rows": {ids[3]: "COMPLETE", ids[2]: "PARTIAL", ids[1]: "TAMPERED", ids[0]: "COMPLETE"},
            "this": ids[3], "failed": (ids[2], SQL)}


def normal(text):
    """OCR text compared loosely: case, spaces and the look-alikes tesseract confuses (O/0, l/I/|/1)."""
    return re.sub(r"[il|!]", "1", re.sub(r"\s+", "", text.lower()).replace("o", "0"))


def distance(a, b):
    """Levenshtein distance (insertions, deletions, substitutions)."""
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, cb in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (ca != cb))
    return row[-1]


def ocr_holds(needle, seen, errors=2):
    """needle (normalised) appears in the OCR text with at most `errors` misread characters: tesseract reads a set
    id's random hex now and then as a look-alike (b61f72 as b61721), which says nothing about the page."""
    width = len(needle)
    return any(distance(needle, seen[start:start + size]) <= errors
               for start in range(max(1, len(seen) - width + 2)) for size in (width - 1, width, width + 1))


def check_page(browser, page, expected, shots):
    """Assert what a reader sees on the page: every night's row, in order, visible, with its status word; the
    failed night's row marked and its failed item listed; markup in values shown as text. Reads the layout over
    DevTools, then OCRs a screenshot of each row. AssertionError names what is wrong."""
    browser.open(page)
    facts = json.loads(browser.evaluate(PAGE_FACTS))
    assert facts["scripts"] == 0 and "pwned" not in facts["title"], "the page holds a script: %s" % facts["title"]
    table = facts["table"]
    assert table, "no history table"
    assert table["display"] != "none" and table["visibility"] == "visible" and float(table["opacity"]) > 0.5 \
        and table["w"] > 300 and table["h"] > 20 and table["x"] >= 0 and table["x"] + table["w"] <= facts["width"] + 1, \
        "the history table is not visible: %s" % table
    rows = {r["id"]: r for r in facts["rows"]}
    assert list(rows) == sorted(expected["rows"], reverse=True), "rows %s, expected %s" % (list(rows), sorted(expected["rows"]))
    for set_id, word in expected["rows"].items():
        row = rows[set_id]
        assert row["status"] == word, "%s: status %r, expected %r" % (set_id, row["status"], word)
        assert row["h"] > 10 and row["visibility"] == "visible" and float(row["opacity"]) > 0.5 and row["on_top"], \
            "%s's row is not visible: %s" % (set_id, row)
    failed_set, failed_item = expected["failed"]
    marked = rows[failed_set]
    assert "s-partial" in marked["cls"] and marked["mark"] not in (rows[expected["this"]]["mark"], "rgb(153, 153, 153)"), \
        "the partial night is not marked apart: %s" % marked
    failures = [f for f in facts["failures"] if f["cells"][:2] == [failed_set, failed_item]]
    assert failures and failures[0]["on_top"] and failures[0]["h"] > 10, "the failed item is not listed: %s" % facts["failures"]
    assert HOSTILE in failures[0]["cells"][3], "the error's markup is not shown as text: %r" % failures[0]["cells"][3]
    assert str(CLAIMED) not in json.dumps(facts) and "941.9" not in json.dumps(facts), "an edited set's figure is shown"
    # The screenshot: each row's pixels, read back by OCR, hold its set id and its status word.
    browser.screenshot(shots / "page.png")
    for set_id, word in expected["rows"].items():
        row = rows[set_id]
        box = {"x": row["x"], "y": row["y"], "width": row["w"], "height": row["h"]}
        png = browser.screenshot(shots / ("%s.png" % set_id), box, scale=2)
        seen = normal(ocr(png))
        assert ocr_holds(normal(set_id), seen) and normal(word) in seen, "the screenshot of %s's row reads %r" % (
            set_id, seen)
    failure = failures[0]
    png = browser.screenshot(shots / "failure.png", {"x": failure["x"], "y": failure["y"], "width": failure["w"],
                                                     "height": failure["h"]}, scale=2)
    assert normal("<script>") in normal(ocr(png)), "the screenshot of the failed item does not show the markup as text"


@pytest.fixture(scope="module")
def browser():
    """Chromium, and tesseract checked first: without them the browser tests skip (fail in CI) before the
    four backups are made (the fixture comes first in their arguments)."""
    require(("tesseract",), "tesseract-ocr")
    with Browser() as started:
        yield started


def test_report_html_is_in_the_set_listed_and_verified_and_on_the_controller(history):
    set_id = history["ids"][3]
    folder = history["root"] / set_id
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    in_set = (folder / "report.html").read_bytes()
    assert manifest["report_html"] == {"path": "report.html", "bytes": len(in_set),
                                       "sha256": hashlib.sha256(in_set).hexdigest().upper()}
    controller = (history["report"] / ("%s.html" % set_id)).read_text(encoding="utf-8")
    assert (history["report"] / ("%s.txt" % set_id)).exists()
    # The controller's copy adds the verification of the set, report.html included.
    assert "Verification: every file matches the manifest (size and SHA-256)" in controller
    assert controller.replace("<p>Verification: every file matches the manifest (size and SHA-256)</p>\n", "") == \
        in_set.decode("utf-8")


def test_history_reads_right_in_a_real_browser(browser, history, tmp_path):
    page = history["report"] / ("%s.html" % history["ids"][3])
    check_page(browser, page, expected_of(history), tmp_path)


def _unescaped(text):
    return text.replace(HOSTILE.replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;"), HOSTILE)


def _row_removed(history):
    def plant(text):
        return re.sub(r'<tr class="s-partial">.*?</tr>', "", text, count=1)
    return plant


PLANTED = {
    "unescaped markup": lambda h: _unescaped,
    "a missing row": _row_removed,
    "CSS hides the table": lambda h: lambda t: t.replace("</style>", "#nights{display:none}</style>"),
    "CSS hides the failed night": lambda h: lambda t: t.replace("</style>", "tr.s-partial{visibility:hidden}</style>"),
    "a row covered by another box": lambda h: lambda t: t.replace(
        "</style>", "h2{position:relative;z-index:2;background:#fff;height:2000px;margin-bottom:-1980px}</style>"),
    "white text (only the screenshot shows it)": lambda h: lambda t: t.replace("</style>", "#nights td{color:#fff}</style>"),
    "the status word removed": lambda h: lambda t: t.replace(">PARTIAL</td>", "></td>"),
}


@pytest.mark.parametrize("defect", sorted(PLANTED))
def test_the_browser_check_fails_on_a_broken_report(browser, history, tmp_path, defect):
    """check_page is not a formality: each planted defect in a copy of the real report makes it fail."""
    good = (history["report"] / ("%s.html" % history["ids"][3])).read_text(encoding="utf-8")
    broken = PLANTED[defect](history)(good)
    assert broken != good, "the defect was not planted"
    page = tmp_path / "broken.html"
    page.write_text(broken, encoding="utf-8")
    with pytest.raises(AssertionError) as failed:
        check_page(browser, page, expected_of(history), tmp_path)
    print("%s: %s" % (defect, str(failed.value).splitlines()[0]))
