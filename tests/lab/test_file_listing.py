"""The file-store listing payloads (lync_file_listing, lync_file_listing_page) through the engine: the canonical
listing text they write and hash is byte for byte what backup_set.listing_text makes of the same files in Python
(ordinal order included), pages come back bounded, and unreadable files are counted, not fatal."""

import hashlib

import pytest

from lync_lab import winps

from ansible_collections.lync.server.plugins.plugin_utils import backup_set as bs

BACKUP = "backup01.contoso.local"
SET = "lync-20260115T090000Z-a1b2c3"
STORE = "D:\\LyncBackup\\%s\\filestores\\fs01.contoso.local_lyncshare" % SET
LISTING = "D:\\LyncBackup\\%s\\listings\\fs01.contoso.local_lyncshare.tsv" % SET
# Names whose ordinal order differs from a case-insensitive or culture-aware sort (one name per case: NTFS
# names are case-insensitive): upper case before '_' (0x5F) before lower case, '-' (0x2D) before '/' (0x2F), and a
# name past the BMP (a surrogate pair, UTF-16 D83D...) before U+FF21 (full-width A), as UTF-16 code units order them.
NAMES = {"B.txt": b"B", "a/z.txt": b"z" * 10, "a-b.txt": b"-", "_x.txt": b"_", "Z.txt": b"",
         "\ufb01le.txt": b"fi", "\U0001F600.txt": b"smile", "\uff21.txt": b"A", "a/b/c.dat": bytes(range(256))}


def run(lab, payload, check_mode=False, **parameters):
    args = {"script": winps.payload_text(payload), "parameters": parameters, "depth": 12}
    return winps.run(args, check_mode, str(lab.state_path), BACKUP, [])


def real(lab, winpath):
    return lab.host_root(BACKUP) / winpath[0] / winpath[3:].replace("\\", "/")


@pytest.fixture
def lab(make_lab):
    lab = make_lab("standard")
    for name, data in NAMES.items():
        target = real(lab, STORE + "\\" + name.replace("/", "\\"))
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return lab


def expected():
    return bs.listing_text([(hashlib.sha256(data).hexdigest().upper(), len(data), name) for name, data in NAMES.items()])


def test_listing_written_on_the_host_is_the_canonical_text(lab):
    text = expected()
    result = run(lab, "lync_file_listing_write", Path="\\\\?\\" + STORE, ListingPath="\\\\?\\" + LISTING)
    assert not result["failed"], result["error"]
    assert result["changed"]
    data = text.encode("utf-8")
    assert real(lab, LISTING).read_bytes() == data
    value = result["result"]
    assert value["Sha256"] == hashlib.sha256(data).hexdigest().upper() and value["Bytes"] == len(data)
    assert value["Files"] == len(NAMES) and value["FileBytes"] == sum(len(d) for d in NAMES.values())
    assert value["ErrorCount"] == 0 and not value["Errors"] and "Lines" not in value
    # In check mode the writer does not run (no SupportsShouldProcess): the close writes nothing then.
    assert run(lab, "lync_file_listing_write", check_mode=True, Path="\\\\?\\" + STORE,
               ListingPath="\\\\?\\" + LISTING + ".x")["result"] in (None, {})
    paths = [bs.parse_listing_line(line)["path"] for line in text.splitlines()]
    assert paths == sorted(paths, key=bs.ordinal_key) and paths[0] == "B.txt" and paths[-1] == "\uff21.txt"
    # Verify: the same text hashed again by the read-only twin, nothing written, in check mode too.
    real(lab, LISTING).unlink()
    for check_mode in (False, True):
        again = run(lab, "lync_file_listing", check_mode=check_mode, Path="\\\\?\\" + STORE)
        assert not again["changed"] and again["result"]["Sha256"] == value["Sha256"] and not real(lab, LISTING).exists()
        assert again["result"]["Files"] == value["Files"] and again["result"]["FileBytes"] == value["FileBytes"]
    summary = run(lab, "lync_file_listing", Path="\\\\?\\" + STORE, Summary=True)["result"]
    assert (summary["Files"], summary["FileBytes"]) == (value["Files"], value["FileBytes"]) and "Sha256" not in summary


def test_pages_of_the_store_and_of_the_stored_listing(lab):
    lines = expected().splitlines()
    run(lab, "lync_file_listing_write", Path="\\\\?\\" + STORE, ListingPath="\\\\?\\" + LISTING)
    got, stored = [], []
    for offset in range(0, len(lines) + 3, 3):
        page = run(lab, "lync_file_listing", Path="\\\\?\\" + STORE, Offset=offset, Count=3)["result"]
        assert page["Files"] == len(lines) and len(page["Lines"] or []) <= 3
        got += page["Lines"] or []
        read = run(lab, "lync_file_listing_page", Path="\\\\?\\" + LISTING, Offset=offset, Count=3)
        assert not read["changed"] and read["result"]["Total"] == len(lines)
        stored += read["result"]["Lines"] or []
    assert got == lines and stored == lines
    assert run(lab, "lync_file_listing_page", Path="\\\\?\\" + LISTING + "x", Count=3)["result"]["Exists"] is False


@pytest.mark.parametrize("payload", ["lync_file_listing", "lync_file_listing_write"])
def test_an_unreadable_file_is_counted_not_fatal(lab, payload):
    state = lab.load()
    state.setdefault("lab", {})["open_for_write"] = ["%s|%s\\B.txt" % (BACKUP, STORE)]
    lab.save(state)
    value = run(lab, payload, Path="\\\\?\\" + STORE, ListingPath="\\\\?\\" + LISTING)["result"] \
        if payload.endswith("write") else run(lab, payload, Path="\\\\?\\" + STORE)["result"]
    assert value["ErrorCount"] == 1 and "B.txt" in value["Errors"][0] and "another process" in value["Errors"][0]
    assert value["Files"] == len(NAMES)
    if payload.endswith("write"):
        assert "-\t1\tB.txt\n" in real(lab, LISTING).read_text(encoding="utf-8")


def test_a_missing_store_fails(lab):
    result = run(lab, "lync_file_listing", Path="\\\\?\\" + STORE + "-gone")
    assert result["failed"] and "LYNC_LISTING_MISSING" in str(result["error"])
    result = run(lab, "lync_file_listing_write", Path="\\\\?\\" + STORE + "-gone", ListingPath="\\\\?\\" + LISTING)
    assert result["failed"] and "LYNC_LISTING_MISSING" in str(result["error"]) and not real(lab, LISTING).exists()


@pytest.mark.parametrize("old,new", [
    # A case-insensitive order: upper and lower case interleave, unlike Python's ordinal order.
    ("[System.StringComparer]::Ordinal)", "[System.StringComparer]::OrdinalIgnoreCase)"),
    # Windows separators in the listing.
    (".Substring($base).Replace('\\', '/')", ".Substring($base)"),
    # No line feed after the last line. (A BOM cannot slip in this way: UTF8Encoding.GetBytes never writes the
    # preamble, https://learn.microsoft.com/dotnet/api/system.text.utf8encoding.getpreamble.)
    ('($lines -join "`n") + "`n"', '($lines -join "`n")'),
    # CRLF line ends.
    ('-join "`n") + "`n"', '-join "`r`n") + "`r`n"'),
])
@pytest.mark.parametrize("payload", ["lync_file_listing", "lync_file_listing_write"])
def test_planted_listing_defects_fail(lab, plant_defect, payload, old, new):
    """The same defect in either twin makes its text differ from Python's canonical text."""
    plant_defect(payload, old, new)
    if payload.endswith("write"):
        result = run(lab, payload, Path="\\\\?\\" + STORE, ListingPath="\\\\?\\" + LISTING)
        assert result["failed"] or real(lab, LISTING).read_bytes() != expected().encode("utf-8")
    else:
        result = run(lab, payload, Path="\\\\?\\" + STORE)
        wanted = hashlib.sha256(expected().encode("utf-8")).hexdigest().upper()
        assert result["failed"] or result["result"]["Sha256"] != wanted
