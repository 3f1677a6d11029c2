"""report.html: the set and the nights before it, escaped, self-contained, and honest about untrusted sets."""

import datetime
import html.parser
import json

import pytest

from ansible_collections.lync.server.plugins.plugin_utils import backup_set as bs
from ansible_collections.lync.server.plugins.plugin_utils import report_html, set_reader

from .test_backup_set import KEY, TOPOLOGY

NOW = datetime.datetime(2026, 11, 28, 3, 0, tzinfo=datetime.timezone.utc)
PATH = "\\\\backup01.contoso.local\\LyncBackup\\%s"


def sid(day, token="abcdef"):
    return "lync-202611%02dT020000Z-%s" % (day, token)


def item(kind, scope, status="ok", size=1000, start="02:00:00", end="02:00:30", error=None, host="fe01.contoso.local"):
    return {"id": "%s:%s" % (kind, scope), "kind": kind, "scope": scope, "host": host, "status": status,
            "error": error, "started": "2026-11-01T%sZ" % start, "finished": "2026-11-01T%sZ" % end,
            "files": [{"path": "x/%s_%s.bin" % (kind, len(scope)), "bytes": size, "sha256": "AA"}] if status == "ok" else [],
            "details": {}}


def manifest(set_id, failed=None, sql_bytes=5 * 1024 * 1024):
    """A manifest of the unit topology (TOPOLOGY: CMS exports only are required), with extra kinds."""
    items = [item("cms_config", "global"), item("cms_lis", "global"), item("cms_topology", "global"),
             item("userdata", "pool01.contoso.local", start="02:01:00", end="02:01:09"),
             item("sql", "sql01.contoso.local\\rtc", size=sql_bytes, start="02:02:00", end="02:12:00",
                  host="sql01.contoso.local"),
             item("sql", "sql02.contoso.local\\rtc", size=sql_bytes, start="02:03:00", end="02:10:00",
                  host="sql02.contoso.local")]
    if failed:
        items.append(item("filestore", "\\\\fs01\\share", status="failed", error=failed, host="fs01.contoso.local"))
    started = bs.set_time(set_id)
    return {"format": 1, "set_id": set_id, "status": "partial" if failed else "complete", "items": items,
            "errors": ["%s: %s" % (i["id"], i["error"]) for i in items if i["status"] != "ok"],
            "topology": TOPOLOGY, "lync": {"product": "Lync Server 2013", "version": "5.0.8308.984"},
            "started": started.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "finished": (started + datetime.timedelta(minutes=41, seconds=12)).strftime("%Y-%m-%dT%H:%M:%SZ")}


def listing(set_id, doc, signature="good", key=KEY):
    """A set as lync_backup_set_info lists it (set_reader.listed over backup_set.describe, as the action does)."""
    text = None if doc is None else json.dumps(doc)
    sig = None if text is None else {"good": lambda: bs.sign(text, KEY), "wrong": lambda: "0" * 64,
                                     "none": lambda: None}[signature]()
    return set_reader.listed(bs.describe(set_id, text, NOW, sig, key))


class Tables(html.parser.HTMLParser):
    """{table id: [[cell text, ...] per body row]} and every start tag seen."""

    def __init__(self, text):
        super().__init__()
        self.tables, self.tags, self.table, self.row, self.cell = {}, [], None, None, None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "table":
            self.table = self.tables.setdefault(dict(attrs).get("id"), [])
        elif tag == "tr" and self.table is not None:
            self.row = []
        elif tag in ("td", "th") and self.row is not None:
            self.cell = ""

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cell is not None:
            self.row.append(self.cell)
            self.cell = None
        elif tag == "tr" and self.row is not None:
            self.table.append(self.row)
            self.row = None
        elif tag == "table":
            self.table = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data


def rows(text, table="nights"):
    return {r[0].replace("(this run)", ""): r for r in Tables(text).tables[table][1:]}


def history():
    """Five nights: this one (partial), a signed complete and a signed partial, a tampered, an unsigned,
    an unfinished and a future-dated one."""
    this = manifest(sid(27), failed="robocopy exit 16")
    sets = [listing(sid(26), manifest(sid(26))),
            listing(sid(25), manifest(sid(25), failed="Access is denied")),
            listing(sid(24), manifest(sid(24), sql_bytes=987654321), signature="wrong"),
            listing(sid(23), manifest(sid(23), sql_bytes=123456789), signature="none"),
            listing(sid(22), None),
            listing("lync-20991231T020000Z-abcdef", None)]
    return this, sets


def test_each_night_has_a_row_with_its_status_word_newest_first():
    this, sets = history()
    text = report_html.render(this, sets, PATH % this["set_id"])
    body = Tables(text).tables["nights"][1:]
    assert [r[0].replace("(this run)", "") for r in body] == [
        "lync-20991231T020000Z-abcdef", sid(27), sid(26), sid(25), sid(24), sid(23), sid(22)]
    words = {r[0].replace("(this run)", ""): r[2] for r in body}
    assert words == {sid(27): "PARTIAL", sid(26): "COMPLETE", sid(25): "PARTIAL", sid(24): "TAMPERED",
                     sid(23): "UNSIGNED", sid(22): "FAILED", "lync-20991231T020000Z-abcdef": "INVALID"}
    assert body[1][0] == sid(27) + "(this run)"


def test_figures_per_kind_of_a_signed_night():
    this, sets = history()
    found = rows(report_html.render(this, sets, PATH % this["set_id"]))
    header = Tables(report_html.render(this, sets, "p")).tables["nights"][0]
    assert header == ["Set", "Started (UTC)", "Status", "Duration", "Size", "Items ok", "Failed", "CMS",
                      "Data exports", "SQL", "File stores"]
    row = dict(zip(header, found[sid(26)]))
    assert row["Duration"] == "41m12s" and row["Items ok"] == "6" and row["Failed"] == "0"
    # Two SQL instances backed up at once: 02:02-02:12 and 02:03-02:10 take ten minutes, not seventeen.
    assert row["SQL"] == "10.0 MiB, 10m00s"
    assert row["CMS"] == "2.9 KiB, 30s"
    assert row["File stores"] == "-"
    partial = dict(zip(header, found[sid(25)]))
    assert partial["File stores"] == "FAILED 1/10 B, 30s" and partial["Failed"] == "1"


def test_untrusted_nights_never_show_their_claimed_figures():
    this, sets = history()
    text = report_html.render(this, sets, PATH % this["set_id"])
    found = rows(text)
    for set_id in (sid(24), sid(23), sid(22), "lync-20991231T020000Z-abcdef"):
        assert len(found[set_id]) == 4 and found[set_id][3].startswith("figures not shown (not trusted): "), found[set_id]
    assert "manifest.sig does not match" in found[sid(24)][3]
    assert "not signed" in found[sid(23)][3]
    assert "941.9 MiB" not in text and "117.7 MiB" not in text  # the tampered and unsigned sets' claimed SQL sizes
    failures = Tables(text).tables["failures"][1:]
    assert [(r[0], r[1]) for r in failures] == [(sid(27), "filestore:\\\\fs01\\share"), (sid(25), "filestore:\\\\fs01\\share")]
    assert failures[1][3] == "Access is denied"


def test_a_set_without_a_key_is_unverified_not_shown():
    this = manifest(sid(27))
    text = report_html.render(this, [listing(sid(26), manifest(sid(26)), key=None)], "p")
    assert rows(text)[sid(26)][2] == "UNVERIFIED" and "figures not shown" in rows(text)[sid(26)][3]


def test_every_value_is_escaped():
    hostile = "<script>alert(1)</script>"
    this = manifest(sid(27), failed='<img src=x onerror="alert(2)">')
    this["set_id"] = "lync-" + hostile
    this["items"][0]["id"] = "cms_config:" + hostile
    this["items"][0]["host"] = hostile
    this["lync"]["product"] = hostile
    earlier = manifest(sid(26), failed=hostile)
    text = report_html.render(this, [listing(sid(26), earlier)], "\\\\b\\" + hostile)
    parsed = Tables(text)
    assert {tag for tag, attrs in parsed.tags} <= {"html", "head", "meta", "title", "style", "body", "h1", "h2", "p",
                                                   "span", "table", "thead", "tbody", "tr", "th", "td", "br"}
    assert "<script" not in text and "<img" not in text
    assert text.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 5
    assert "&lt;img src=x onerror=&quot;alert(2)&quot;&gt;" in text
    assert rows(text)["lync-" + hostile][0] == "lync-" + hostile + "(this run)"


def test_the_planted_unescaped_value_is_caught(monkeypatch):
    """The escaping test above fails when a value goes out raw."""
    monkeypatch.setattr(report_html, "_esc", str)
    with pytest.raises(AssertionError):
        test_every_value_is_escaped()


def test_self_contained_no_script_no_fetch():
    this, sets = history()
    text = report_html.render(this, sets, PATH % this["set_id"])
    assert "default-src 'none'; style-src 'unsafe-inline'" in text
    lowered = text.lower()
    for forbidden in ("<script", "<link", "<img", "<iframe", "src=", "href=", "url(", "@import", "http:", "https:"):
        assert forbidden not in lowered, forbidden


def test_thirty_nights_stay_small():
    sets = [listing(sid(day, "%06x" % day), manifest(sid(day, "%06x" % day), failed="x" * 2000 if day % 7 == 0 else None))
            for day in range(1, 27)]
    sets += [listing("lync-202610%02dT020000Z-abcdef" % day, manifest("lync-202610%02dT020000Z-abcdef" % day))
             for day in range(1, 15)]
    this = manifest(sid(27), failed="disk full")
    text = report_html.render(this, sets, "p")
    assert len(Tables(text).tables["nights"]) == 1 + 41
    assert len(text.encode("utf-8")) < 48 * 1024, len(text)
    # An earlier night's long error is cut; this set's is whole.
    assert "x" * 300 + "..." in text and "x" * 301 not in text


def test_verification_line_of_the_controller_copy():
    this, sets = history()
    assert "Verification" not in report_html.render(this, sets, "p")
    good = report_html.render(this, sets, "p", {"problems": []})
    assert "Verification: every file matches the manifest (size and SHA-256)" in good
    bad = report_html.render(this, sets, "p", {"problems": ["cms/config.zip does not match its SHA-256"]})
    assert "Verification: FAILED: cms/config.zip does not match its SHA-256" in bad


def test_earlier_sets_not_listed_are_said_so():
    this = manifest(sid(27))
    text = report_html.render(this, None, "p")
    assert "The earlier sets could not be listed" in text and len(rows(text)) == 1


def test_summary_of_a_manifest():
    doc = manifest(sid(27), failed="boom")
    found = report_html.summary(doc)
    assert found["seconds"] == 41 * 60 + 12
    assert found["kinds"]["sql"] == {"items": 2, "failed": 0, "bytes": 10 * 1024 * 1024, "seconds": 600}
    assert found["kinds"]["filestore"] == {"items": 1, "failed": 1, "bytes": 0, "seconds": 30}
    assert found["failed"] == [{"id": "filestore:\\\\fs01\\share", "host": "fs01.contoso.local", "error": "boom",
                                "finished": "2026-11-01T02:00:30Z"}]


@pytest.mark.parametrize("text,seconds", [("2026-11-01T02:00:00Z", 0), ("2026-11-01T02:00:09.1234567Z", 9),
                                          ("2026-11-01T02:00:09+00:00", 9), ("garbage", None), (None, None)])
def test_times(text, seconds):
    found = report_html._seconds("2026-11-01T02:00:00Z", text)
    assert found == seconds


def test_duration_words():
    assert [report_html.duration(s) for s in (None, 9, 61, 3720)] == ["-", "9s", "1m01s", "1h02m"]


def test_report_html_is_listed_and_verified_like_report_txt():
    doc = manifest(sid(27))
    doc["report_html"] = {"path": "report.html", "bytes": 5, "sha256": "BB"}
    bs.validate_manifest(doc)
    assert "report.html" in bs.manifest_files(doc)
    listing_ok = [{"Path": f["path"], "Bytes": f["bytes"], "Sha256": f["sha256"]} for f in bs.manifest_files(doc).values()]
    assert bs.file_problems(doc, listing_ok, hashed=True) == ({}, [])
    changed = [dict(f, Sha256="CC") if f["Path"] == "report.html" else f for f in listing_ok]
    assert list(bs.file_problems(doc, changed, hashed=True)[0]) == ["report.html"]
    doc["report_html"]["path"] = "../report.html"
    with pytest.raises(bs.BackupSetError):
        bs.validate_manifest(doc)
