"""The file-store listing payloads (lync_file_listing, lync_file_listing_page) through the engine: the canonical
listing text they write and hash is byte for byte what backup_set.listing_text makes of the same files in Python
(ordinal order included), pages come back bounded, and unreadable files are counted, not fatal."""

import hashlib
import os

import pytest

from lync_lab import winps
from lync_lab.boundary import fs

from ansible_collections.lync.server.plugins.plugin_utils import backup_set as bs

BACKUP = "backup01.contoso.local"
SET = "lync-20260115T090000Z-a1b2c3"
STORE = "D:\\LyncBackup\\%s\\filestores\\fs01.contoso.local_lyncshare" % SET
LISTING = "D:\\LyncBackup\\%s\\listings\\fs01.contoso.local_lyncshare.tsv" % SET
# Names whose ordinal order differs from a case-insensitive or culture-aware sort (one name per case: NTFS
# names are case-insensitive): upper case before '_' (0x5F) before lower case, '-' (0x2D) before '/' (0x2F), and a
# name past the BMP (a surrogate pair, UTF-16 D83D...) before U+FF21 (full-width A), as UTF-16 code units order them.
# The walk sorts each folder's entries, a folder's name with its trailing '/': next to the folder a, the names
# 'a b' (0x20), 'a-b.txt' (0x2D) and 'a.b' (0x2E) come before 'a/...' (0x2F) and 'a0' (0x30) after it, as in the
# ordinal order of the whole paths (a folder sorted by its bare name would put its files before 'a b').
NAMES = {"B.txt": b"B", "a/z.txt": b"z" * 10, "a-b.txt": b"-", "_x.txt": b"_", "Z.txt": b"",
         "\ufb01le.txt": b"fi", "\U0001F600.txt": b"smile", "\uff21.txt": b"A", "a/b/c.dat": bytes(range(256)),
         "a b": b"sp", "a.b": b"dot", "a0": b"0", "a/b c/d": b"d", "a/b.c": b"bc"}


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
    """Each page resumes where the last ended: the store's folder after the last path returned, the stored listing
    from a byte offset (the UTF-8 bytes of the lines read and a line feed each), as set_reader._pages keeps them."""
    lines = expected().splitlines()
    run(lab, "lync_file_listing_write", Path="\\\\?\\" + STORE, ListingPath="\\\\?\\" + LISTING)
    got, stored, after, offset = [], [], "", 0
    for dummy in range(len(lines)):
        page = run(lab, "lync_file_listing", Path="\\\\?\\" + STORE, After=after, Count=3)["result"]
        assert len(page["Lines"] or []) <= 3 and page["Files"] == len(page["Lines"] or [])
        got += page["Lines"] or []
        read = run(lab, "lync_file_listing_page", Path="\\\\?\\" + LISTING, Offset=offset, Count=3)
        assert not read["changed"] and read["result"]["Exists"]
        stored += read["result"]["Lines"] or []
        if not page["Lines"]:
            break
        after = page["Lines"][-1].split("\t", 2)[2]
        offset += sum(len(line.encode("utf-8")) + 1 for line in read["result"]["Lines"])
    assert got == lines and stored == lines
    assert run(lab, "lync_file_listing_page", Path="\\\\?\\" + LISTING + "x", Count=3)["result"]["Exists"] is False


def test_a_page_enters_only_the_folders_it_needs(lab):
    """After a path deep in the store, the folders wholly before it are not read again (the cost of naming a
    damaged store's files is its own size, not its size times its pages): counted as the FileInfo/DirectoryInfo
    objects the page made."""
    for n in range(40):
        target = real(lab, STORE + "\\bulk\\%02d\\f.txt" % n)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(b"x")
    made = []
    original = fs.FileSystemInfo.__init__

    def counting(self, *args, **kwargs):
        made.append(args[0])
        original(self, *args, **kwargs)
    fs.FileSystemInfo.__init__ = counting
    try:
        page = run(lab, "lync_file_listing", Path="\\\\?\\" + STORE, After="bulk/37/f.txt", Count=2)["result"]
    finally:
        fs.FileSystemInfo.__init__ = original
    assert page["Lines"][0].endswith("\tbulk/38/f.txt") and page["Lines"][1].endswith("\tbulk/39/f.txt")
    # The root's entries, bulk's 40 folders, and the files of 37 (skipped), 38 and 39: not the 37 folders before.
    entered = {m.rsplit("\\", 2)[-2] for m in made if "\\bulk\\" in m and m.endswith("f.txt")}
    assert entered <= {"37", "38", "39"}, sorted(entered)


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


def test_a_full_share_fails_the_listing_and_leaves_no_temporary_file(lab):
    """A full backup share: .NET buffers the listing's small writes, so the disk refuses them at Flush, and the
    Dispose in the catch throws the same error again (FileStream.Dispose flushes first). The .tmp is removed all the
    same and the error reported is the first one (review s17, 3)."""
    state = lab.load()
    state["hosts"][BACKUP].setdefault("disks", {})["D"] = {"size_bytes": 2 ** 30, "free_bytes": 100}
    lab.save(state)
    result = run(lab, "lync_file_listing_write", Path="\\\\?\\" + STORE, ListingPath="\\\\?\\" + LISTING)
    assert result["failed"], result
    error = str(result["error"])
    assert 'Exception calling "Flush"' in error and "There is not enough space on the disk." in error, error
    assert not real(lab, LISTING).exists() and not real(lab, LISTING + ".tmp").exists()
    assert lab.load()["hosts"][BACKUP]["disks"]["D"]["free_bytes"] == 100


def test_planted_unguarded_dispose_leaves_the_temporary_file(lab, plant_defect):
    plant_defect("lync_file_listing_write", "    try {\n        $out.Dispose()\n    }\n    catch {\n        Write-Verbose",
                 "    $out.Dispose()\n    if ($false) {\n        Write-Verbose")
    with pytest.raises(AssertionError):  # what the real test checks fails
        test_a_full_share_fails_the_listing_and_leaves_no_temporary_file(lab)


SORT = "[System.Array]::Sort($keys, $children, [System.StringComparer]::Ordinal)"
DIRECTORY_KEY = "{ $name + $child.Name + '/' }"


@pytest.mark.parametrize("old,new", [
    # A case-insensitive order: upper and lower case interleave, unlike Python's ordinal order.
    ("[System.StringComparer]::Ordinal)", "[System.StringComparer]::OrdinalIgnoreCase)"),
    # Windows separators in the listing.
    (DIRECTORY_KEY, "{ $name + $child.Name + '\\' }"),
    # Each folder's entries sorted by their bare names (a folder without its trailing '/'): the folder a's files
    # then come before 'a b', 'a-b.txt' and 'a.b', unlike the ordinal order of the whole paths.
    (SORT, "$bare = [string[]]@(foreach ($key in $keys) { $key.TrimEnd('/') }); "
           "[System.Array]::Sort($bare, $children, [System.StringComparer]::Ordinal); "
           "$keys = [string[]]@(foreach ($child in $children) { "
           "if (($child.Attributes -band [System.IO.FileAttributes]::Directory) -ne 0) " + DIRECTORY_KEY +
           " else { $name + $child.Name } })"),
    # No line feed after a line, or CRLF line ends. (A BOM cannot slip in this way: UTF8Encoding.GetBytes never
    # writes the preamble, https://learn.microsoft.com/dotnet/api/system.text.utf8encoding.getpreamble.)
    ('`t$name`n")', '`t$name")'),
    ('`t$name`n")', '`t$name`r`n")'),
])
@pytest.mark.parametrize("payload", ["lync_file_listing", "lync_file_listing_write"])
def test_planted_listing_defects_fail(lab, plant_defect, payload, old, new):
    """The same defect in either twin makes its text differ from Python's canonical text."""
    plant_defect(payload, old, new)
    if payload.endswith("write"):
        result = run(lab, payload, Path="\\\\?\\" + STORE, ListingPath="\\\\?\\" + LISTING)
        assert not result["failed"], result["error"]  # the planted text runs: it is its output that is wrong
        assert real(lab, LISTING).read_bytes() != expected().encode("utf-8")
    else:
        result = run(lab, payload, Path="\\\\?\\" + STORE)
        wanted = hashlib.sha256(expected().encode("utf-8")).hexdigest().upper()
        assert not result["failed"], result["error"]
        assert result["result"]["Sha256"] != wanted


def test_the_planted_folder_order_runs_and_gives_another_order(lab, plant_defect):
    """The per-folder sort is what makes the walk's order the ordinal order of the whole paths: sorting folders by
    their bare names runs and lists the folder a's files before 'a b' (the planted text is not merely broken)."""
    plant_defect("lync_file_listing_write", SORT, "$bare = [string[]]@(foreach ($key in $keys) { $key.TrimEnd('/') }); "
                 "[System.Array]::Sort($bare, $children, [System.StringComparer]::Ordinal); "
                 "$keys = [string[]]@(foreach ($child in $children) { "
                 "if (($child.Attributes -band [System.IO.FileAttributes]::Directory) -ne 0) " + DIRECTORY_KEY +
                 " else { $name + $child.Name } })")
    result = run(lab, "lync_file_listing_write", Path="\\\\?\\" + STORE, ListingPath="\\\\?\\" + LISTING)
    assert not result["failed"], result["error"]
    paths = [line.split("\t")[2] for line in real(lab, LISTING).read_text(encoding="utf-8").splitlines()]
    assert sorted(paths) == sorted(NAMES) and paths.index("a/z.txt") < paths.index("a b")


@pytest.mark.parametrize("payload", ["lync_file_listing", "lync_file_listing_write"])
def test_a_junction_loop_is_named_not_followed(lab, payload):
    """A folder that is a reparse point (a junction or a directory symbolic link; in the lab a folder that is a symbolic
    link, boundary/fs.FILE_ATTRIBUTES) is named and not entered: a loop back to the store ends, and no file is
    listed twice. (Get-ChildItem -Recurse on Windows PowerShell 5.1 follows them: 6.0 added -FollowSymlink,
    https://learn.microsoft.com/powershell/module/microsoft.powershell.management/get-childitem.) The copy's robocopy
    /E without /XJ copies what a junction points to as plain folders, so one in the set was not made by the copy."""
    real(lab, STORE + "\\a\\loop").symlink_to(real(lab, STORE), target_is_directory=True)
    value = run(lab, payload, Path="\\\\?\\" + STORE, ListingPath="\\\\?\\" + LISTING)["result"] \
        if payload.endswith("write") else run(lab, payload, Path="\\\\?\\" + STORE)["result"]
    assert value["ErrorCount"] == 1 and value["Errors"] == ["a/loop/: a reparse point (junction or symbolic link), not followed"]
    assert value["Files"] == len(NAMES)
    if payload.endswith("write"):
        assert real(lab, LISTING).read_bytes() == expected().encode("utf-8")


def test_planted_following_a_reparse_point_lists_its_files(lab, plant_defect):
    """Without the check, a junction to a folder outside the store lists that folder's files as the store's."""
    outside = real(lab, STORE + "-elsewhere")
    outside.mkdir()
    (outside / "x.txt").write_bytes(b"x")
    real(lab, STORE + "\\j").symlink_to(outside, target_is_directory=True)
    plant_defect("lync_file_listing_write", "$name -ne '' -and ($entry.Attributes", "$false -and ($entry.Attributes")
    value = run(lab, "lync_file_listing_write", Path="\\\\?\\" + STORE, ListingPath="\\\\?\\" + LISTING)["result"]
    assert value["ErrorCount"] == 0 and "\tj/x.txt\n" in real(lab, LISTING).read_text(encoding="utf-8")


@pytest.mark.parametrize("payload", ["lync_file_listing", "lync_file_listing_write"])
def test_a_name_with_an_unpaired_surrogate_is_named_not_replaced(lab, payload):
    """NTFS allows an unpaired UTF-16 surrogate in a name; it has no UTF-8 form. The file is named as an error and
    gets no line: UTF8Encoding(false, true) throws instead of writing U+FFFD, which would make two such names one
    path (https://learn.microsoft.com/dotnet/api/system.text.utf8encoding.-ctor). In the lab, a name whose bytes are
    not UTF-8 on the machine running it reads back with a lone surrogate (Python's surrogateescape: U+DC80)."""
    store = real(lab, STORE)
    with open(os.path.join(os.fsencode(store), b"bad\x80.txt"), "wb") as handle:
        handle.write(b"bad")
    value = run(lab, payload, Path="\\\\?\\" + STORE, ListingPath="\\\\?\\" + LISTING)["result"] \
        if payload.endswith("write") else run(lab, payload, Path="\\\\?\\" + STORE)["result"]
    assert value["ErrorCount"] == 1 and value["Files"] == len(NAMES)
    assert value["Errors"] == ["bad?.txt: the name holds an unpaired UTF-16 surrogate (no UTF-8 form); not listed"]
    if payload.endswith("write"):
        assert real(lab, LISTING).read_bytes() == expected().encode("utf-8")


def test_planted_replacing_an_unpaired_surrogate_writes_a_line(lab, plant_defect):
    with open(os.path.join(os.fsencode(real(lab, STORE)), b"bad\x80.txt"), "wb") as handle:
        handle.write(b"bad")
    plant_defect("lync_file_listing_write", "System.Text.UTF8Encoding -ArgumentList $false, $true",
                 "System.Text.UTF8Encoding -ArgumentList $false")
    value = run(lab, "lync_file_listing_write", Path="\\\\?\\" + STORE, ListingPath="\\\\?\\" + LISTING)["result"]
    assert value["ErrorCount"] == 0 and "\tbad\ufffd.txt\n" in real(lab, LISTING).read_text(encoding="utf-8")


@pytest.mark.parametrize("payload", ["lync_file_listing", "lync_file_listing_write"])
def test_the_listing_hashes_under_the_fips_policy(lab, payload, plant_defect):
    """With "System cryptography: Use FIPS compliant algorithms" on, SHA256.Create()'s SHA256Managed throws
    InvalidOperationException (https://learn.microsoft.com/dotnet/api/system.security.cryptography.sha256managed.-ctor);
    the payloads use SHA256CryptoServiceProvider. Planted: SHA256.Create() fails the payload on such a host."""
    state = lab.load()
    state.setdefault("lab", {})["fips_hosts"] = [BACKUP]
    lab.save(state)
    params = {"Path": "\\\\?\\" + STORE, "ListingPath": "\\\\?\\" + LISTING} if payload.endswith("write") else \
        {"Path": "\\\\?\\" + STORE}
    result = run(lab, payload, **params)
    assert not result["failed"], result["error"]
    assert result["result"]["Sha256"] == hashlib.sha256(expected().encode("utf-8")).hexdigest().upper()
    plant_defect(payload, "$fileHash = New-Object -TypeName System.Security.Cryptography.SHA256CryptoServiceProvider",
                 "$fileHash = [System.Security.Cryptography.SHA256]::Create()")
    result = run(lab, payload, **params)
    assert result["failed"] and "FIPS" in str(result["error"])


def wide_store(lab, folders, files):
    for folder in range(folders):
        for n in range(files):
            target = real(lab, STORE + "\\wide\\%03d\\%03d.dat" % (folder, n))
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(b"%d" % n)


@pytest.mark.parametrize("payload", ["lync_file_listing", "lync_file_listing_write"])
def test_the_host_holds_one_path_of_folders_not_the_store(lab, payload, plant_defect):
    """At most the entries of the folders on the path being walked are alive at once (counted as the lab's FileInfo
    and DirectoryInfo objects, boundary/fs.LIVE_PEAK), not one per file of the store. Planted: the whole store
    enumerated and held (what Get-ChildItem -Recurse into a variable did) makes the count grow with the store."""
    wide_store(lab, 20, 20)  # 400 files in 20 folders of 20
    params = {"Path": "\\\\?\\" + STORE, "ListingPath": "\\\\?\\" + LISTING} if payload.endswith("write") else \
        {"Path": "\\\\?\\" + STORE}
    fs.reset_live_peak()
    result = run(lab, payload, **params)
    assert not result["failed"], result["error"]
    assert result["result"]["Files"] == 400 + len(NAMES)
    assert fs.LIVE_PEAK[0] < 80, fs.LIVE_PEAK[0]
    plant_defect(payload, "$children = @($entry.EnumerateFileSystemInfos())",
                 "$held = @(Get-ChildItem -LiteralPath $Path -Recurse -File -Force); "
                 "$children = @($entry.EnumerateFileSystemInfos())")
    fs.reset_live_peak()
    assert not run(lab, payload, **params)["failed"]
    assert fs.LIVE_PEAK[0] > 400, fs.LIVE_PEAK[0]


SET_ROOT = "D:\\LyncBackup\\%s" % SET


def inventory_objects(lab, **parameters):
    """(result, paths of the FileInfo/DirectoryInfo objects lync_file_inventory made) for the set's folder."""
    made = []
    original = fs.FileSystemInfo.__init__

    def counting(self, *args, **kwargs):
        made.append(args[0])
        original(self, *args, **kwargs)
    fs.FileSystemInfo.__init__ = counting
    try:
        result = run(lab, "lync_file_inventory", Path="\\\\?\\" + SET_ROOT, **parameters)
    finally:
        fs.FileSystemInfo.__init__ = original
    return result, made


def test_the_set_inventory_prunes_the_stores_it_skips(lab, plant_defect):
    """Skip: a store's folder is not entered (its files are checked through its listing), so the set's inventory
    does not enumerate a large store file by file; the set's other files are listed, hashed (under the FIPS policy
    too: SHA256CryptoServiceProvider). Planted: filtering after a recursive enumeration (the old way) makes an
    object for every file of the store."""
    (real(lab, SET_ROOT) / "manifest.json").write_bytes(b"{}")
    other = real(lab, SET_ROOT + "\\filestores\\fs02.contoso.local_share\\y.txt")
    other.parent.mkdir(parents=True)
    other.write_bytes(b"y")
    state = lab.load()
    state.setdefault("lab", {})["fips_hosts"] = [BACKUP]
    lab.save(state)
    result, made = inventory_objects(lab, Hash=True, Skip=["filestores/fs01.contoso.local_lyncshare"])
    assert not result["failed"], result["error"]
    assert sorted(f["Path"] for f in result["result"]["Files"]) == [
        "filestores/fs02.contoso.local_share/y.txt", "manifest.json"]
    assert all(f["Sha256"] for f in result["result"]["Files"])
    assert not [m for m in made if "fs01.contoso.local_lyncshare\\" in m], made
    plant_defect("lync_file_inventory", "if ($isSkipped) { continue }",
                 "if ($isSkipped) { $null = @(Get-ChildItem -LiteralPath $child.FullName -Recurse -File -Force); continue }")
    result, made = inventory_objects(lab, Hash=True, Skip=["filestores/fs01.contoso.local_lyncshare"])
    assert not result["failed"] and len(result["result"]["Files"]) == 2
    assert len([m for m in made if "fs01.contoso.local_lyncshare\\" in m]) >= len(NAMES)


@pytest.mark.parametrize("payload", ["lync_file_listing_write", "lync_file_listing"])
def test_a_line_takes_its_size_from_the_opened_file_not_a_stale_directory_entry(lab, payload):
    """Review listing2 finding 6: the folder's directory entry of a hard-linked file changed through another name can
    keep the old size (the lab's stale_entries, FindNextFileW's remark): the line's size comes from the same open as
    its hash, so the listing is the canonical text of the files' contents. Summary keeps the directory data."""
    state = lab.load()
    state.setdefault("lab", {})["stale_entries"] = {
        "%s|%s\\a\\z.txt" % (BACKUP, STORE): {"bytes": 3, "mtime": 1700000000}}
    lab.save(state)
    if payload.endswith("write"):
        value = run(lab, payload, Path="\\\\?\\" + STORE, ListingPath="\\\\?\\" + LISTING)["result"]
        assert real(lab, LISTING).read_text(encoding="utf-8") == expected()
    else:
        value = run(lab, payload, Path="\\\\?\\" + STORE)["result"]
        lines = run(lab, payload, Path="\\\\?\\" + STORE, Count=100)["result"]["Lines"]
        assert lines == expected().splitlines()
    assert value["Sha256"] == hashlib.sha256(expected().encode("utf-8")).hexdigest().upper()
    assert value["FileBytes"] == sum(len(d) for d in NAMES.values())
    summary = run(lab, "lync_file_listing", Path="\\\\?\\" + STORE, Summary=True)["result"]
    assert summary["FileBytes"] == sum(len(d) for d in NAMES.values()) - 10 + 3
