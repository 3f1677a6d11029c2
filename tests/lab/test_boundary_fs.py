"""The lab's file-system boundary (lync_lab/boundary/fs.py): the item and content cmdlets, Get-FileHash and
System.IO as the payloads reach them, bound to the lab state through fsops; the file payloads run through
the engine; defects planted in their text fail; the payloads as they were at 1a7fef5 (before issue 9's
Windows-true fixes) fail where Windows fails them.

Pages: each test cites the cmdlet or .NET page whose documented behaviour it checks (see the module
docstring of lync_lab/boundary/fs.py for the full list)."""

import datetime
import hashlib
import os

import pytest

from lync_lab import boundary, winps
from lync_lab.context import Context

SE = "lyncse01.contoso.local"
BACKUP = "backup01.contoso.local"
SET = "lync-20260115T090000Z-a1b2c3"
MARKERS = "C:\\ProgramData\\lync.server\\recovery"


def session_on(lab, host=SE, network_user=None):
    ctx = Context(lab, lab.load(), host, False, [], "test")
    ctx.network_user = network_user
    return boundary.open_session(ctx)


def ps(lab, text, host=SE, parameters=None, network_user=None, check_mode=False):
    """Run PowerShell text in a lab session on `host` (the boundary installed, as a payload sees it)."""
    return session_on(lab, host, network_user).engine.run(text, parameters or {}, check_mode=check_mode)


def run(lab, payload, host=SE, check_mode=False, **parameters):
    """A payload's own text through the stand-in win_powershell (the engine) — the lab's path."""
    args = {"script": winps.payload_text(payload), "parameters": parameters, "depth": 12}
    return winps.run(args, check_mode, str(lab.state_path), host, [])


def message(result):
    return result["error"][0]["exception"]["message"] if result.get("error") else None


def real(lab, host, winpath):
    """The real path of C:\\... / D:\\... on a lab host."""
    return lab.host_root(host) / winpath[0] / winpath[3:].replace("\\", "/")


@pytest.fixture
def lab(make_lab):
    return make_lab("standard")


# --- binding, as PowerShell's binder fails -----------------------------------------------------------

def test_cmdlets_bind_their_documented_parameter_sets(lab):
    # Remove-Item: -Path and -LiteralPath are in different sets (remove-item?view=powershell-5.1).
    result = ps(lab, "Remove-Item -Path C:\\x -LiteralPath C:\\y")
    assert result.error_messages == ["Parameter set cannot be resolved using the specified named parameters."]
    # Rename-Item -NewName is a [String]: an array does not bind (rename-item?view=powershell-5.1).
    result = ps(lab, "Rename-Item -LiteralPath C:\\x -NewName @('a', 'b')")
    assert "required by parameter 'NewName'" in result.error_messages[0]
    # New-Item's pathSet needs -Path (new-item?view=powershell-5.1).
    result = ps(lab, "New-Item -ItemType Directory")
    assert result.error_messages == [
        "Cannot process command because of one or more missing mandatory parameters: Path."]
    # Get-FileHash -Algorithm is a ValidateSet (get-filehash?view=powershell-5.1).
    result = ps(lab, "Get-FileHash -LiteralPath C:\\x -Algorithm SHA2")
    assert 'does not belong to the set "SHA1,SHA256,SHA384,SHA512,MACTripleDES,MD5,RIPEMD160"' \
        in result.error_messages[0]
    result = ps(lab, "Set-Content -LiteralPath C:\\x.txt -Value a -Encoding UTF-8")
    assert "FileSystemCmdletProviderEncoding" in result.error_messages[0]


def test_get_filehash_needs_powershell_4(lab):
    """Get-FileHash came with PowerShell 4.0; Windows Server 2012 ships 3.0 (get-filehash?view=powershell-5.1)."""
    with lab.locked() as state:
        state["hosts"][SE]["os"]["version"] = "6.2.9200"
    result = ps(lab, "Get-FileHash -LiteralPath C:\\Windows\\x")
    assert result.error_messages[0].startswith("The term 'Get-FileHash' is not recognized")
    with lab.locked() as state:
        state["hosts"][SE]["powershell_version"] = "5.1"  # WMF 5.1 installed
    assert not ps(lab, "$null = Get-FileHash -LiteralPath C:\\Windows\\x -ErrorAction SilentlyContinue").failed


# --- behaviour, per the pages -------------------------------------------------------------------------

def test_new_item_remove_item_and_their_errors(lab):
    script = r"""
$ErrorActionPreference = 'Stop'
$a = New-Item -ItemType Directory -Path 'C:\Data\a\b'        # creates the missing parents
$again = New-Item -ItemType Directory -Path 'C:\Data\a\b' -Force   # -Force: returns the existing folder
$f = New-Item -ItemType File -Path 'C:\Data\a\b\f.txt' -Value 'hi'
$dup = try { New-Item -ItemType Directory -Path 'C:\Data\a\b'; 'no error' } catch { $_.Exception.Message }
$children = try { Remove-Item -LiteralPath 'C:\Data\a'; 'no error' } catch { $_.FullyQualifiedErrorId }
Remove-Item -LiteralPath 'C:\Data\a' -Recurse -WhatIf
$kept = Test-Path -LiteralPath 'C:\Data\a\b\f.txt'
Remove-Item -LiteralPath 'C:\Data\a' -Recurse
$missing = try { Remove-Item -LiteralPath 'C:\Data\a'; 'no error' } catch { $_.Exception.Message }
$Ansible.Result = @{ A = $a.FullName; Again = $again.PSIsContainer; F = $f.Length; Dup = $dup; Children = $children
                     Kept = $kept; Gone = -not (Test-Path -LiteralPath 'C:\Data\a'); Missing = $missing }
"""
    result = ps(lab, script)
    assert not result.failed, result.error_messages
    assert result.result == {
        "A": "C:\\Data\\a\\b", "Again": True, "F": 2, "Dup": "An item with the specified name C:\\Data\\a\\b already exists.",
        "Children": "RemoveItemUnauthorizedAccessError,Remove-Item", "Kept": True, "Gone": True,
        "Missing": "Cannot find path 'C:\\Data\\a' because it does not exist."}
    assert result.host == ['What if: Performing the operation "Remove Directory" on target "C:\\Data\\a".']


def test_move_item_overwrites_only_with_force_and_keeps_the_time(lab):
    """Move-Item: "the FileSystem provider should not move c:\\temp\\foo.txt over c:\\bar.txt if c:\\bar.txt already
    exists unless the Force parameter is true" (NavigationCmdletProvider.MoveItem); a folder destination takes
    the item inside it (move-item?view=powershell-5.1)."""
    script = r"""
[System.IO.File]::WriteAllText('C:\m\a.txt', 'new')
[System.IO.File]::WriteAllText('C:\m\b.txt', 'old')
$null = New-Item -ItemType Directory -Path 'C:\m\sub'
$refused = try { Move-Item -LiteralPath 'C:\m\a.txt' -Destination 'C:\m\b.txt' -ErrorAction Stop; 'moved' } catch { $_.Exception.Message }
Move-Item -LiteralPath 'C:\m\a.txt' -Destination 'C:\m\b.txt' -Force
Move-Item -LiteralPath 'C:\m\b.txt' -Destination 'C:\m\sub'
$Ansible.Result = @{ Refused = $refused; Text = [System.IO.File]::ReadAllText('C:\m\sub\b.txt'); A = Test-Path 'C:\m\a.txt' }
"""
    (real(lab, SE, "C:\\m")).mkdir(parents=True)
    result = ps(lab, script)
    assert not result.failed, result.error_messages
    assert result.result == {"Refused": "Cannot create a file when that file already exists.", "Text": "new", "A": False}


def test_split_path_and_join_path(lab):
    """Split-Path -Parent (default) and -Leaf (split-path?view=powershell-5.1); Join-Path (join-path?view=powershell-5.1)."""
    script = r"""
$Ansible.Result = @(
    (Split-Path -Path 'D:\a\b\c.txt' -Parent), (Split-Path 'D:\a'), (Split-Path -Path 'D:\a\b\c.txt' -Leaf),
    (Split-Path -Path '\\srv\share\x\y' -Parent), (Split-Path -Path 'D:\a' -Qualifier), (Join-Path 'D:\a\' 'b'))
"""
    result = ps(lab, script)
    assert result.result == ["D:\\a\\b", "D:\\", "c.txt", "\\\\srv\\share\\x", "D:", "D:\\a\\b"]


def test_file_open_createnew_refuses_an_existing_file(lab):
    """FileMode.CreateNew: "If the file already exists, an IOException exception is thrown"
    (https://learn.microsoft.com/dotnet/api/system.io.filemode) — what makes the backup lock atomic."""
    script = r"""
$s = [System.IO.File]::Open('C:\lock', [System.IO.FileMode]::CreateNew, [System.IO.FileAccess]::Write)
$b = [System.Text.Encoding]::UTF8.GetBytes('held')
$s.Write($b, 0, $b.Length)
$s.Dispose()
[System.IO.File]::Open('C:\lock', [System.IO.FileMode]::CreateNew, [System.IO.FileAccess]::Write)
"""
    result = ps(lab, script)
    assert result.error_messages == [
        'Exception calling "Open" with "3" argument(s): "The file \'C:\\lock\' already exists."']
    assert real(lab, SE, "C:\\lock").read_text() == "held"
    # A member FileMode lacks reads as $null, which converts to 0, a value FileMode does not define.
    result = ps(lab, "[System.IO.File]::Open('C:\\x', [System.IO.FileMode]::CreateNeu, 'Write')")
    assert result.error_messages == ['Exception calling "Open" with "3" argument(s): "Enum value was out of legal range.'
                                     '\r\nParameter name: mode"']
    result = ps(lab, "[System.IO.File]::Open('C:\\x', 'CreateNeu', 'Write')")
    assert "Unable to match the identifier name CreateNeu" in result.error_messages[0]


def test_an_open_stream_holds_its_file(lab):
    """File.Open(path, mode, access) shares nothing (FileShare.None): another open, a move or a delete of the file
    fails while the stream is open (https://learn.microsoft.com/dotnet/api/system.io.file.open)."""
    script = r"""
$ErrorActionPreference = 'Stop'
$s = [System.IO.File]::Open('C:\held.txt', [System.IO.FileMode]::Create, [System.IO.FileAccess]::Write)
try { Move-Item -LiteralPath 'C:\held.txt' -Destination 'C:\moved.txt' } catch { $m = $_.Exception.Message }
$s.Dispose()
Move-Item -LiteralPath 'C:\held.txt' -Destination 'C:\moved.txt'
$Ansible.Result = $m
"""
    result = ps(lab, script)
    assert not result.failed, result.error_messages
    assert result.result == "The process cannot access the file 'C:\\held.txt' because it is being used by another process."


def test_sha256_and_get_filehash_agree(lab):
    """SHA256.Create().ComputeHash(Stream) and Get-FileHash (SHA256 by default, Hash in upper-case hex; FileHash with
    Algorithm, Hash, Path: get-filehash?view=powershell-5.1); BitConverter.ToString joins bytes with '-'."""
    data = b"backup \xe2\x9c\x93\r\n"
    real(lab, SE, "C:\\h\\f.bin").parent.mkdir(parents=True)
    real(lab, SE, "C:\\h\\f.bin").write_bytes(data)
    script = r"""
$sha = [System.Security.Cryptography.SHA256]::Create()
$stream = [System.IO.File]::OpenRead('C:\h\f.bin')
$mine = [System.BitConverter]::ToString($sha.ComputeHash($stream))
$stream.Dispose(); $sha.Dispose()
$theirs = Get-FileHash -LiteralPath 'C:\h\f.bin'
$Ansible.Result = @{ Mine = $mine; Hash = $theirs.Hash; Algorithm = $theirs.Algorithm; Path = $theirs.Path }
"""
    result = ps(lab, script)
    digest = hashlib.sha256(data).hexdigest().upper()
    assert result.result == {"Mine": "-".join(digest[i:i + 2] for i in range(0, 64, 2)), "Hash": digest,
                             "Algorithm": "SHA256", "Path": "C:\\h\\f.bin"}


def test_content_cmdlets_encodings(lab):
    """Set-Content writes each value and a newline, in the ANSI code page by default ('Default') in Windows PowerShell
    5.1; -Encoding UTF8 writes a BOM; Get-Content returns lines, -Raw one string (set-content, get-content?view=powershell-5.1).
    File.WriteAllText(path, text) writes UTF-8 without a BOM (https://learn.microsoft.com/dotnet/api/system.io.file.writealltext)."""
    script = r"""
Set-Content -LiteralPath 'C:\c1.txt' -Value 'caf\u00e9', 'b'
Set-Content -LiteralPath 'C:\c2.txt' -Value 'x' -Encoding UTF8
Add-Content -LiteralPath 'C:\c2.txt' -Value 'y' -Encoding UTF8
[System.IO.File]::WriteAllText('C:\c3.txt', 'z')
$Ansible.Result = @{ Lines = @(Get-Content -LiteralPath 'C:\c2.txt'); Raw = Get-Content -LiteralPath 'C:\c2.txt' -Raw }
""".replace("\\u00e9", "\u00e9")
    result = ps(lab, script)
    assert not result.failed, result.error_messages
    assert real(lab, SE, "C:\\c1.txt").read_bytes() == "caf\u00e9\r\nb\r\n".encode("cp1252")
    assert real(lab, SE, "C:\\c2.txt").read_bytes() == b"\xef\xbb\xbfx\r\ny\r\n"
    assert real(lab, SE, "C:\\c3.txt").read_bytes() == b"z"
    assert result.result == {"Lines": ["x", "y"], "Raw": "x\r\ny\r\n"}


def test_writes_are_stamped_with_the_session_clock(lab):
    """NTFS sets LastWriteTime when a file is written: with the virtual clock, a file written before a two-hour
    Start-Sleep is two hours old after it."""
    script = r"""
[System.IO.File]::WriteAllText('C:\t.txt', 'x')
Start-Sleep -Seconds 7200
$Ansible.Result = [math]::Round(([DateTime]::UtcNow - (Get-Item -LiteralPath 'C:\t.txt').LastWriteTimeUtc).TotalHours, 1)
"""
    assert ps(lab, script).result == 2.0


def test_the_double_hop_share_rights_and_disk_space_act_at_the_commands(lab):
    """fsops' rules reach the cmdlets: a share on another server needs network credentials; a share that denies
    writing refuses; a write larger than the free space fails as Windows does."""
    to_share = "[System.IO.File]::WriteAllText('\\\\backup01\\LyncBackup\\x.txt', 'x')"
    result = ps(lab, to_share)
    assert "Access to the path '\\\\backup01\\LyncBackup\\x.txt' is denied." in result.error_messages[0]
    assert ps(lab, to_share, network_user="CONTOSO\\lyncadmin").error_messages == []
    result = ps(lab, "New-Item -ItemType File -Path '\\\\backup01\\LyncMedia\\x.txt' -ErrorAction Stop",
                network_user="CONTOSO\\lyncadmin")
    assert result.failed and "is denied" in result.error_messages[0]
    with lab.locked() as state:
        state["hosts"][SE]["disks"]["C"]["free_bytes"] = 3
    result = ps(lab, "[System.IO.File]::WriteAllText('C:\\big.txt', 'too big')")
    assert "There is not enough space on the disk." in result.error_messages[0]


FILESTREAM_BUFFER = r"""
$s = [System.IO.File]::Open('C:\b.txt', 'Create', 'Write', 'Read')
$s.Write([byte[]](65, 66), 0, 2)
$buffered = (Get-Item -LiteralPath 'C:\b.txt').Length
$s.Flush()
$flushed = (Get-Item -LiteralPath 'C:\b.txt').Length
$s.Write([byte[]](65, 66, 67), 0, 3)
$big = [byte[]](@(0) * 5000)
$s.Write($big, 0, $big.Length)
$large = (Get-Item -LiteralPath 'C:\b.txt').Length
$s.Write([byte[]](68), 0, 1)
$s.Dispose()
$Ansible.Result = @($buffered, $flushed, $large, (Get-Item -LiteralPath 'C:\b.txt').Length)
"""

FILESTREAM_FULL = r"""
$s = [System.IO.File]::Open('C:\c.txt', 'Create', 'Write', 'None')
$s.Write([byte[]](65, 66, 67, 68, 69, 70, 71, 72, 73, 74), 0, 10)
$errors = @('write: none')
try { $s.Flush() } catch { $errors += 'flush: ' + $_.Exception.InnerException.Message + ' ' + $_.Exception.InnerException.GetType().FullName }
try { $s.Dispose() } catch { $errors += 'dispose: ' + $_.Exception.InnerException.Message }
[System.IO.File]::Delete('C:\c.txt')
$Ansible.Result = $errors
"""


FILESTREAM_DIRECT_FULL = r"""
$s = [System.IO.File]::Open('C:\d.txt', 'Create', 'Write', 'None')
$big = [byte[]](@(0) * 4096)
$errors = @()
try { $s.Write($big, 0, $big.Length) } catch { $errors += 'write: ' + $_.Exception.InnerException.Message }
$errors += 'position: ' + $s.Position
$s.WriteByte(65)
$s.Dispose()
$Ansible.Result = $errors
"""


def test_a_filestream_write_of_a_whole_buffer_goes_at_once_and_a_refused_one_moves_nothing(lab):
    """A write at least the buffer's size goes to the file in the call (.NET's FileStream.Write: WriteCore); refused,
    it leaves the position where it was and nothing buffered, so Dispose has nothing to retry: the later byte fits."""
    with lab.locked() as state:
        state["hosts"][SE]["disks"]["C"]["free_bytes"] = 100
    errors = ps(lab, FILESTREAM_DIRECT_FULL).result
    assert errors == ["write: There is not enough space on the disk.\r\n", "position: 0"], errors
    assert lab.host_root(SE).joinpath("C", "d.txt").read_bytes() == b"A"


def test_a_filestream_buffers_small_writes_and_a_full_disk_fails_flush_and_dispose(lab):
    """.NET Framework's FileStream buffers writes (4096 bytes by default): a small write reaches the file at Flush;
    one that overflows tops the buffer up and writes it, and buffers the rest; Dispose writes the rest
    (https://learn.microsoft.com/dotnet/api/system.io.filestream). On a full disk the small write succeeds and Flush
    throws; Dispose tries again and throws again, yet closes the handle, so the file can be deleted (review s17, 3).
    The Win32 message names no path."""
    # 3 bytes buffered, then 5000: the buffer is topped up to 4096 and written (2 + 4096), the other 907 buffered;
    # the last byte joins them and Dispose writes 908.
    assert ps(lab, FILESTREAM_BUFFER).result == [0, 2, 4098, 5006]
    with lab.locked() as state:
        state["hosts"][SE]["disks"]["C"]["free_bytes"] = 3
    errors = ps(lab, FILESTREAM_FULL).result
    assert errors == ["write: none", "flush: There is not enough space on the disk.\r\n System.IO.IOException",
                      "dispose: There is not enough space on the disk.\r\n"], errors
    assert not lab.host_root(SE).joinpath("C", "c.txt").exists()


HELD_FILE_OPS = [
    "[System.IO.File]::Delete('C:\\held\\a.txt')",
    "[System.IO.File]::Move('C:\\held\\a.txt', 'C:\\held\\b.txt')",
    "Remove-Item -LiteralPath 'C:\\held\\a.txt' -ErrorAction Stop",
    "Rename-Item -LiteralPath 'C:\\held\\a.txt' -NewName 'c.txt' -ErrorAction Stop"]


@pytest.mark.parametrize("share,expected", [(3, "refused"), ("ReadWrite, Delete", "done")])
@pytest.mark.parametrize("operation", HELD_FILE_OPS)
def test_a_file_another_process_holds_without_delete_sharing_cannot_be_deleted_moved_or_renamed(lab, share, expected,
                                                                                                operation):
    """Deleting, moving or renaming a file needs delete access, which every open handle must share
    (FILE_SHARE_DELETE, CreateFileW): a writer that shares read and write only (lab.open_for_write) refuses each;
    one that shares delete too refuses none."""
    folder = lab.host_root(SE) / "C" / "held"
    folder.mkdir(parents=True)
    (folder / "a.txt").write_text("a")
    with lab.locked() as state:
        state.setdefault("lab", {})["open_for_write"] = [
            {"file": SE + "|C:\\held\\a.txt", "access": 2, "share": share}]
    result = ps(lab, "try { %s; $Ansible.Result = 'done' } catch { $Ansible.Result = 'refused' }" % operation)
    assert result.result == expected, result.error_messages
    assert (folder / "a.txt").exists() == (expected == "refused")


READ_ONLY_FILE = r"""
$out = @([string](Get-Item -LiteralPath 'C:\ro\a.txt').Attributes)
try { [System.IO.File]::Delete('C:\ro\a.txt'); $out += 'deleted' } catch { $out += $_.Exception.InnerException.GetType().FullName }
try { Remove-Item -LiteralPath 'C:\ro\a.txt' -ErrorAction Stop; $out += 'removed' } catch { $out += $_.Exception.Message }
Remove-Item -LiteralPath 'C:\ro\a.txt' -Force
$out += (Test-Path -LiteralPath 'C:\ro\a.txt')
$out += [string](New-Item -ItemType File -Path 'C:\ro\a.txt').Attributes
$Ansible.Result = $out
"""


def test_a_read_only_file_refuses_file_delete_and_remove_item_without_force(lab):
    """Attributes a test plants (lab.attributes) show in Attributes; File.Delete of a ReadOnly file fails with
    UnauthorizedAccessException (DeleteFileW); Remove-Item refuses a ReadOnly, Hidden or System file without -Force and
    removes it with -Force (PowerShell's FileSystemProvider.RemoveFileSystemItem); the attributes go with the file."""
    folder = lab.host_root(SE) / "C" / "ro"
    folder.mkdir(parents=True)
    (folder / "a.txt").write_text("a")
    with lab.locked() as state:
        state.setdefault("lab", {})["attributes"] = {SE + "|C:\\ro\\a.txt": "ReadOnly"}
    result = ps(lab, READ_ONLY_FILE)
    assert result.result == ["ReadOnly, Archive", "System.UnauthorizedAccessException",
                             "Cannot remove item C:\\ro\\a.txt: You do not have sufficient access rights to perform "
                             "this operation.", False, "Archive"], (result.result, result.error_messages)


NEW_FOLDERS = r"""param([string[]]$Paths)
$out = @()
foreach ($p in $Paths) {
    $made = try { @(New-Item -ItemType Directory -Path $p -Force -ErrorAction Stop).Count } catch { 'error: ' + $_.Exception.Message }
    $plain = try { $null = New-Item -ItemType Directory -Path $p -ErrorAction Stop; 'made' } catch { 'error: ' + $_.Exception.GetType().FullName }
    $out += ,@($made, $plain, (Test-Path -LiteralPath $p -PathType Container))
}
$Ansible.Result = $out
"""


def test_new_item_directory_with_force_drops_io_errors_and_reports_access_denied(lab):
    """Windows PowerShell 5.1's FileSystemProvider.CreateDirectory (PowerShell/PowerShell at 60b3b304f2, the 5.1 code
    base: namespaces/FileSystemProvider.cs, "catch (IOException) { // Ignore the error if force was specified
    if (!Force) WriteError(...) }"; PowerShell issue #5290): with -Force a folder that cannot be made for an
    IOException (a path of 248 characters or more, a share that does not exist, a file by that name) gives no output
    and no error; UnauthorizedAccessException and ArgumentException are still reported. Without -Force each is an
    error. Test-Path -PathType Container tells."""
    ps(lab, "Set-Content -LiteralPath 'C:\\afile' -Value 'x'")
    long_folder = "C:\\" + "l" * 250
    paths = [long_folder, "\\\\backup01\\NoSuchShare\\x", "C:\\afile", "\\\\backup01\\LyncMedia\\x", "C:\\fine"]
    got = ps(lab, NEW_FOLDERS, parameters={"Paths": paths}, network_user="CONTOSO\\lyncadmin")
    assert got.error_messages == [], got.error_messages
    too_long, no_share, a_file, denied, fine = got.result
    assert too_long == [0, "error: System.IO.PathTooLongException", False]
    assert no_share == [0, "error: System.IO.IOException", False]
    assert a_file == [0, "error: System.IO.IOException", False]
    assert denied[0].startswith("error: Access to the path") and denied[0].endswith("is denied.")
    assert denied[1:] == ["error: System.UnauthorizedAccessException", False]
    assert fine == [1, "error: System.IO.IOException", True]  # made; then, without -Force, "already exists"
    with lab.locked() as state:
        state["hosts"][SE]["dotnet_framework"] = "4.5"
    got = ps(lab, NEW_FOLDERS, parameters={"Paths": ["\\\\?\\C:\\old"]})
    assert got.result == [["error: Illegal characters in path.", "error: System.ArgumentException", False]]


def test_get_childitem_refuses_paths_past_max_path_without_the_prefix(lab):
    """Past MAX_PATH (260) Windows PowerShell 5.1 refuses a path that lacks \\\\?\\
    (https://learn.microsoft.com/en-us/windows/win32/fileio/maximum-file-path-limitation)."""
    deep = real(lab, SE, "C:\\deep").joinpath(*(["d%02d-%s" % (i, "x" * 40) for i in range(6)]))
    deep.mkdir(parents=True)
    (deep / "f.bin").write_bytes(b"1")
    result = ps(lab, "Get-ChildItem -LiteralPath 'C:\\deep' -Recurse -File -ErrorAction Stop")
    assert result.failed and "too long" in result.error_messages[0]
    result = ps(lab, "$Ansible.Result = @(Get-ChildItem -LiteralPath '\\\\?\\C:\\deep' -Recurse -File).Count")
    assert result.result == 1


# --- the payloads through the lab -----------------------------------------------------------------------

def test_set_open_takes_the_lock_refuses_a_held_one_and_takes_over_a_stale_one(lab):
    root = "D:\\LyncBackup"
    result = run(lab, "lync_backup_set_open", BACKUP, Root=root, SetId=SET, LockText="held by " + SET)
    assert not result["failed"], result["error"]
    assert result["result"] == {"Path": root + "\\" + SET, "LockPath": root + "\\.lync-backup.lock", "TakenOverLock": None,
                                "AsideLeft": None}
    lock = real(lab, BACKUP, root + "\\.lync-backup.lock")
    assert lock.read_text() == "held by " + SET and real(lab, BACKUP, root + "\\" + SET).is_dir()
    other = "lync-20260115T100000Z-ffffff"
    result = run(lab, "lync_backup_set_open", BACKUP, Root=root, SetId=other, LockText="other")
    assert result["failed"] and message(result).startswith("LYNC_BACKUP_LOCKED: D:\\LyncBackup\\.lync-backup.lock is held")
    os.utime(lock, (1, 1))
    result = run(lab, "lync_backup_set_open", BACKUP, Root=root, SetId=other, LockText="other")
    assert result["result"]["TakenOverLock"] == "held by " + SET and lock.read_text() == "other"


def _takeover_race(lab, monkeypatch):
    """Two runs read the same stale lock; the other run takes it over and writes its fresh lock between this run's
    read and this run's File.Move (the lab runs a payload in one piece: the other run's write is made at the Move)."""
    from lync_lab import fsops  # pylint: disable=import-outside-toplevel
    lock = real(lab, BACKUP, "D:\\LyncBackup\\.lync-backup.lock")
    lock.write_text("stale " + SET)
    os.utime(lock, (1, 1))
    fresh = '{"set_id": "lync-20260115T100000Z-ffffff", "run": "%s"}' % ("a" * 16)
    original = fsops.move

    def move(ctx, source, destination, *args, **kwargs):
        if source.endswith(".lync-backup.lock") and lock.read_text() != fresh:
            lock.write_text(fresh)
        return original(ctx, source, destination, *args, **kwargs)
    monkeypatch.setattr(fsops, "move", move)
    return lock, fresh


def test_two_runs_taking_over_one_stale_lock_never_both_hold_it(lab, monkeypatch):
    """Review jobstart 3: the second run's rename took the first run's fresh lock, and both ran. Now the second sees
    another text than the lock it judged stale, puts the lock back and is refused."""
    lock, fresh = _takeover_race(lab, monkeypatch)
    result = run(lab, "lync_backup_set_open", BACKUP, Root="D:\\LyncBackup", SetId=SET, LockText="mine",
                 RunId="b" * 16)
    assert result["failed"] and message(result).startswith("LYNC_BACKUP_LOCKED: D:\\LyncBackup\\.lync-backup.lock is "
                                                           "held since "), result
    assert message(result).endswith("(age 0 h) by " + fresh)
    assert lock.read_text() == fresh and sorted(p.name for p in lock.parent.iterdir()) == [".lync-backup.lock"]


def test_planted_takeover_without_the_check_takes_a_fresh_lock(lab, monkeypatch, plant_defect):
    lock, fresh = _takeover_race(lab, monkeypatch)
    plant_defect("lync_backup_set_open", "if (-not $moved.Equals($previous, [System.StringComparison]::Ordinal) -or",
                 "if ($false -and")
    result = run(lab, "lync_backup_set_open", BACKUP, Root="D:\\LyncBackup", SetId=SET, LockText="mine",
                 RunId="b" * 16)
    assert not result["failed"] and lock.read_text() == "mine"  # the other run's lock is gone: what the test checks


def _cached_stale_metadata(lab, monkeypatch):
    """The SMB client answers Get-Item from its file-information cache: the lock reads as old, but the file on the
    share is another run's fresh lock (its time is now). The lab makes the file's time the real one at File.Move."""
    from lync_lab import fsops  # pylint: disable=import-outside-toplevel
    lock = real(lab, BACKUP, "D:\\LyncBackup\\.lync-backup.lock")
    lock.write_text("fresh, of a run that took the lock over a moment ago")
    os.utime(lock, (1, 1))
    original = fsops.move

    def move(ctx, source, destination, *args, **kwargs):
        if source.endswith(".lync-backup.lock"):
            os.utime(lock, None)
        return original(ctx, source, destination, *args, **kwargs)
    monkeypatch.setattr(fsops, "move", move)
    return lock


def test_a_lock_whose_cached_time_is_old_is_read_again_after_the_move(lab, monkeypatch):
    lock = _cached_stale_metadata(lab, monkeypatch)
    result = run(lab, "lync_backup_set_open", BACKUP, Root="D:\\LyncBackup", SetId=SET, LockText="mine", RunId="b" * 16)
    assert result["failed"] and message(result).startswith("LYNC_BACKUP_LOCKED"), result
    assert lock.read_text().startswith("fresh") and sorted(p.name for p in lock.parent.iterdir()) == [".lync-backup.lock"]


def test_planted_no_second_reading_of_the_age_takes_a_fresh_lock(lab, monkeypatch, plant_defect):
    lock = _cached_stale_metadata(lab, monkeypatch)
    plant_defect("lync_backup_set_open", "($movedAge -lt $LockMaxAgeHours", "($movedAge -gt $LockMaxAgeHours")
    result = run(lab, "lync_backup_set_open", BACKUP, Root="D:\\LyncBackup", SetId=SET, LockText="mine", RunId="b" * 16)
    assert not result["failed"] and lock.read_text() == "mine"  # what the real test checks fails


def test_set_unlock_releases_only_its_own_lock(lab):
    lock = real(lab, BACKUP, "D:\\LyncBackup\\.lync-backup.lock")
    lock.write_text("held by " + SET)
    result = run(lab, "lync_backup_set_unlock", BACKUP, Root="D:\\LyncBackup", SetId="lync-20260115T100000Z-ffffff")
    assert result["result"] == {"Released": False, "Holder": "held by " + SET} and not result["changed"]
    result = run(lab, "lync_backup_set_unlock", BACKUP, Root="D:\\LyncBackup", SetId=SET)
    assert result["result"] == {"Released": True, "Holder": "held by " + SET} and result["changed"]
    assert not lock.exists()


def _set_with_files(lab):
    folder = real(lab, BACKUP, "D:\\LyncBackup\\" + SET)
    (folder / "db").mkdir(parents=True)
    (folder / "manifest.json").write_bytes(b"{}" * 5)
    (folder / "db" / "rtc.bak").write_bytes(b"x" * 90)
    return folder


def test_set_remove_deletes_a_set_and_counts_its_bytes(lab):
    folder = _set_with_files(lab)
    free = lab.load()["hosts"][BACKUP]["disks"]["D"]["free_bytes"]
    result = run(lab, "lync_backup_set_remove", BACKUP, Root="\\\\?\\D:\\LyncBackup",
                 SetIds=[SET, "lync-20250101T000000Z-ffffff"])
    assert not result["failed"], result["error"]
    assert result["result"] == {"Removed": [SET], "BytesFreed": 100} and result["changed"]
    assert not folder.exists() and not folder.with_name("removing-" + SET).exists()
    assert lab.load()["hosts"][BACKUP]["disks"]["D"]["free_bytes"] == free + 100


def test_write_files_writes_utf8_without_bom_and_checks_the_hash(lab):
    folder = real(lab, BACKUP, "D:\\LyncBackup\\" + SET)
    folder.mkdir(parents=True)
    text = "{\"caf\u00e9\": 1}"
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    files = [{"Path": "meta/identity.json", "Content": text, "Sha256": digest}, {"Path": "manifest.json", "Content": "{}"}]
    result = run(lab, "lync_backup_set_write_files", BACKUP, SetPath="D:\\LyncBackup\\" + SET, Files=files)
    assert not result["failed"], result["error"]
    assert result["result"]["Files"][0] == {"Path": "meta/identity.json", "Bytes": len(text.encode("utf-8")),
                                            "Sha256": digest.upper()}
    assert (folder / "meta" / "identity.json").read_bytes() == text.encode("utf-8")
    assert not list(folder.rglob("*.tmp"))
    # A second write over the same files replaces them (Move-Item -Force).
    files[0]["Content"], files[0]["Sha256"] = "{}", "00" * 32
    result = run(lab, "lync_backup_set_write_files", BACKUP, SetPath="D:\\LyncBackup\\" + SET, Files=files)
    assert result["failed"] and message(result).startswith("LYNC_WRITE_MISMATCH: meta/identity.json landed with SHA-256")
    assert (folder / "manifest.json").read_bytes() == b"{}"  # written by the first run only


RUN_A, RUN_B = "a" * 16, "b" * 16


def _lock(lab, set_id, run_id):
    """The root's lock as lync_backup_set writes it (plugins/action/lync_backup_set.py lock_text)."""
    text = '{"set_id": "%s", "run": "%s", "controller": "awx01", "host": "%s"}' % (set_id, run_id, BACKUP)
    real(lab, BACKUP, "D:\\LyncBackup\\.lync-backup.lock").write_text(text)
    return text


def _close_writes(lab, run_id=RUN_A):
    real(lab, BACKUP, "D:\\LyncBackup\\" + SET).mkdir(parents=True, exist_ok=True)
    return run(lab, "lync_backup_set_write_files", BACKUP, SetPath="D:\\LyncBackup\\" + SET,
               Files=[{"Path": "manifest.json", "Content": "{}"}], LockRoot="\\\\backup01.contoso.local\\LyncBackup",
               LockSetId=SET, LockRunId=run_id)


def test_the_close_writes_nothing_when_another_run_holds_the_sets_lock(lab):
    """Another run resumed this set (its lock names the set with that run's id): this run's close writes nothing
    (review jobstart 5: two runs must not both close one set)."""
    held = _lock(lab, SET, RUN_B)
    result = _close_writes(lab)
    expected = ("LYNC_LOCK_LOST: the lock \\\\backup01.contoso.local\\LyncBackup\\.lync-backup.lock names this set "
                "under another run: " + held)
    assert result["failed"] and message(result) == expected
    assert not real(lab, BACKUP, "D:\\LyncBackup\\" + SET + "\\manifest.json").exists()


def test_the_close_writes_nothing_into_a_set_another_run_closed(lab):
    """The run that resumed the set closed it and released the lock: no lock, but a manifest (review lock 5)."""
    folder = real(lab, BACKUP, "D:\\LyncBackup\\" + SET)
    folder.mkdir(parents=True)
    (folder / "manifest.json").write_text('{"closed": "by the other run"}')
    result = _close_writes(lab)
    assert result["failed"] and message(result).startswith("LYNC_LOCK_LOST: the set D:\\LyncBackup\\" + SET + " is closed")
    assert (folder / "manifest.json").read_text() == '{"closed": "by the other run"}'


def test_the_lock_check_alone_writes_nothing_and_refuses_another_runs_lock(lab):
    """No files: the check the close makes before its first write into the set (its listings; review lock, 5)."""
    folder = real(lab, BACKUP, "D:\\LyncBackup\\" + SET)
    folder.mkdir(parents=True)
    args = dict(SetPath="D:\\LyncBackup\\" + SET, Files=[], LockRoot="\\\\backup01.contoso.local\\LyncBackup",
                LockSetId=SET)
    _lock(lab, SET, RUN_A)
    result = run(lab, "lync_backup_set_write_files", BACKUP, LockRunId=RUN_A, **args)
    assert not result["failed"] and result["result"] == {"Files": []}, result["error"]
    _lock(lab, SET, RUN_B)
    result = run(lab, "lync_backup_set_write_files", BACKUP, LockRunId=RUN_A, **args)
    assert result["failed"] and message(result).startswith("LYNC_LOCK_LOST: the lock ")
    assert list(folder.iterdir()) == []


def test_a_lock_the_close_cannot_read_stops_it(lab):
    """Test-Path answers $false for a lock it cannot read, which read as "no lock"; the close reads the lock, and only
    a lock that is not there lets it through (review lock, finding 6). A folder in the lock's place: reading it is
    refused (File.ReadAllText: UnauthorizedAccessException for a directory)."""
    real(lab, BACKUP, "D:\\LyncBackup\\.lync-backup.lock").mkdir(parents=True)
    result = _close_writes(lab)
    assert result["failed"] and "is denied" in message(result) and "LYNC_LOCK_LOST" not in message(result)
    assert not real(lab, BACKUP, "D:\\LyncBackup\\" + SET + "\\manifest.json").exists()


def test_planted_every_lock_read_error_as_no_lock_fails(lab, plant_defect):
    """Any error reading the lock taken for "no lock" (as Test-Path first did): the unreadable lock passes."""
    plant_defect("lync_backup_set_write_files", "    catch [System.IO.FileNotFoundException] {", "    catch {")
    real(lab, BACKUP, "D:\\LyncBackup\\.lync-backup.lock").mkdir(parents=True)
    result = _close_writes(lab)
    assert not result["failed"]  # what test_a_lock_the_close_cannot_read_stops_it checks fails


@pytest.mark.parametrize("holder", ["own", "other set", "none", "no run id"])
def test_the_close_writes_under_its_own_lock_another_sets_or_none(lab, holder):
    if holder == "own":
        _lock(lab, SET, RUN_A)
    elif holder == "other set":
        _lock(lab, "lync-20260116T090000Z-ffffff", RUN_B)  # the operator released this run's lock; a new set runs
    elif holder == "no run id":
        real(lab, BACKUP, "D:\\LyncBackup\\.lync-backup.lock").write_text('{"set_id": "%s"}' % SET)  # older lock
    result = _close_writes(lab)
    assert not result["failed"], result["error"]
    assert real(lab, BACKUP, "D:\\LyncBackup\\" + SET + "\\manifest.json").read_text() == "{}"


ASIDE = "D:\\LyncBackup\\.lync-backup.lock."


@pytest.mark.parametrize("aside_of", [RUN_B, RUN_A, None])
def test_no_lock_but_one_moved_aside_by_another_run_is_a_takeover_under_way(lab, aside_of):
    """lync_backup_set_open moves the old lock to .lync-backup.lock.<its run id> before it writes its own: in between
    there is no lock, and which set the new one names is not known yet (review s9main 3). Another run's lock moved
    aside is LYNC_LOCK_MOVING, and nothing is written; this run's own name, or none, is no lock."""
    if aside_of:
        real(lab, BACKUP, ASIDE + aside_of).write_text('{"set_id": "%s", "run": "%s"}' % (SET, RUN_A))
    result = _close_writes(lab)
    manifest = real(lab, BACKUP, "D:\\LyncBackup\\" + SET + "\\manifest.json")
    if aside_of == RUN_B:
        assert result["failed"] and message(result) == (
            "LYNC_LOCK_MOVING: there is no lock \\\\backup01.contoso.local\\LyncBackup\\.lync-backup.lock to read, but "
            "another run is taking it over: \\\\backup01.contoso.local\\LyncBackup\\.lync-backup.lock." + RUN_B), result
        assert not manifest.exists()
    else:
        assert not result["failed"], result["error"]
        assert manifest.read_text() == "{}"


def test_a_takeover_that_ends_between_the_read_and_the_listing_is_asked_again(lab, monkeypatch):
    """The read finds no lock; the takeover then writes its lock and deletes the moved-aside one before the root is
    listed. The listing shows the lock itself, which is also a takeover under way (review s12, 4), never "no lock"."""
    from lync_lab import fsops  # pylint: disable=import-outside-toplevel
    original = fsops.read_bytes
    held = '{"set_id": "%s", "run": "%s"}' % (SET, RUN_B)

    def read_bytes(ctx, winpath, *args, **kwargs):
        if winpath.endswith("\\.lync-backup.lock") and not real(lab, BACKUP, "D:\\LyncBackup\\.lync-backup.lock").exists():
            try:
                return original(ctx, winpath, *args, **kwargs)
            finally:
                real(lab, BACKUP, "D:\\LyncBackup\\.lync-backup.lock").write_text(held)
        return original(ctx, winpath, *args, **kwargs)
    monkeypatch.setattr(fsops, "read_bytes", read_bytes)
    result = _close_writes(lab)
    assert result["failed"] and message(result).startswith("LYNC_LOCK_MOVING: "), result
    assert message(result).endswith("taking it over: \\\\backup01.contoso.local\\LyncBackup\\.lync-backup.lock")
    assert not real(lab, BACKUP, "D:\\LyncBackup\\" + SET + "\\manifest.json").exists()
    result = _close_writes(lab)  # asked again: the new lock names the set under another run
    assert result["failed"] and message(result).startswith("LYNC_LOCK_LOST: ")


def test_planted_no_look_for_a_moved_lock_writes_during_a_takeover(lab, plant_defect):
    plant_defect("lync_backup_set_write_files", "        if ($moving.Count -gt 0) {", "        if ($false) {")
    real(lab, BACKUP, ASIDE + RUN_B).write_text('{"set_id": "%s", "run": "%s"}' % (SET, RUN_A))
    assert not _close_writes(lab)["failed"]  # what the real test checks fails


def _watch_aside_removal(lab, monkeypatch):
    """[whether the new lock existed] at each removal of a lock moved aside (the lab's Remove-Item)."""
    from lync_lab import fsops  # pylint: disable=import-outside-toplevel
    lock = real(lab, BACKUP, "D:\\LyncBackup\\.lync-backup.lock")
    seen = []
    original = fsops.remove

    def remove(ctx, winpath, *args, **kwargs):
        if ".lync-backup.lock." in winpath:
            seen.append(lock.exists())
        return original(ctx, winpath, *args, **kwargs)
    monkeypatch.setattr(fsops, "remove", remove)
    return lock, seen


def test_a_takeover_removes_the_lock_it_moved_aside_only_once_its_own_exists(lab, monkeypatch):
    """At every moment of a takeover either the lock or the one moved aside exists (review s9main 3)."""
    lock, seen = _watch_aside_removal(lab, monkeypatch)
    lock.write_text("stale")
    os.utime(lock, (1, 1))
    result = run(lab, "lync_backup_set_open", BACKUP, Root="D:\\LyncBackup", SetId=SET, LockText="mine", RunId=RUN_B)
    assert not result["failed"] and result["result"]["TakenOverLock"] == "stale", result["error"]
    assert seen == [True] and lock.read_text() == "mine"
    assert sorted(p.name for p in lock.parent.iterdir()) == [".lync-backup.lock", SET]


def test_planted_aside_removed_before_the_new_lock_leaves_a_moment_without_either(lab, monkeypatch, plant_defect):
    lock, seen = _watch_aside_removal(lab, monkeypatch)
    plant_defect("lync_backup_set_open", "    $takenOver = $previous\n}\n",
                 "    Remove-Item -LiteralPath $aside -Force\n    $takenOver = $previous\n}\n")
    lock.write_text("stale")
    os.utime(lock, (1, 1))
    run(lab, "lync_backup_set_open", BACKUP, Root="D:\\LyncBackup", SetId=SET, LockText="mine", RunId=RUN_B)
    assert seen[0] is False  # what the real test checks fails


def test_a_moved_aside_lock_that_cannot_be_deleted_is_named_not_a_failed_open(lab, monkeypatch):
    """The open holds its new lock: a failing removal of the lock it moved aside must not fail it (and block the root
    for a day); the file left is named (AsideLeft) for the collection's warning (review s12, 5)."""
    from lync_lab import fsops  # pylint: disable=import-outside-toplevel
    from lync_lab.errors import PSError  # pylint: disable=import-outside-toplevel
    original = fsops.remove

    def remove(ctx, winpath, *args, **kwargs):
        if ".lync-backup.lock." in winpath:
            raise PSError("Access to the path '%s' is denied." % winpath, "PermissionDenied", "UnauthorizedAccessException")
        return original(ctx, winpath, *args, **kwargs)
    monkeypatch.setattr(fsops, "remove", remove)
    lock = real(lab, BACKUP, "D:\\LyncBackup\\.lync-backup.lock")
    lock.write_text("stale")
    os.utime(lock, (1, 1))
    result = run(lab, "lync_backup_set_open", BACKUP, Root="D:\\LyncBackup", SetId=SET, LockText="mine", RunId=RUN_B)
    assert not result["failed"], result["error"]
    assert result["result"]["AsideLeft"] == "D:\\LyncBackup\\.lync-backup.lock." + RUN_B
    assert lock.read_text() == "mine"


def test_a_read_only_lock_moved_aside_is_named_not_a_failed_open(lab):
    """A stale lock someone made ReadOnly keeps the attribute when it is moved aside, and File.Delete refuses a
    read-only file (DeleteFileW): the open holds its new lock and names the file left (review s16, 2). The lab keeps
    planted attributes by path, so the attribute is planted under the moved-aside name."""
    lock = real(lab, BACKUP, "D:\\LyncBackup\\.lync-backup.lock")
    lock.write_text("stale")
    os.utime(lock, (1, 1))
    state = lab.load()
    state.setdefault("lab", {})["attributes"] = {BACKUP + "|D:\\LyncBackup\\.lync-backup.lock." + RUN_B: "ReadOnly"}
    lab.save(state)
    result = run(lab, "lync_backup_set_open", BACKUP, Root="D:\\LyncBackup", SetId=SET, LockText="mine", RunId=RUN_B)
    assert not result["failed"], result["error"]
    assert result["result"]["AsideLeft"] == "D:\\LyncBackup\\.lync-backup.lock." + RUN_B
    assert lock.read_text() == "mine" and real(lab, BACKUP, "D:\\LyncBackup\\.lync-backup.lock." + RUN_B).exists()


def test_a_moved_aside_lock_left_when_another_runs_lock_came_first_is_named_in_the_refusal(lab, monkeypatch):
    """CreateNew loses (a third run's lock appeared after the takeover's move) and the lock moved aside cannot be
    deleted: the refusal keeps CreateNew's own error and names the file left (review s13, 6)."""
    from lync_lab import fsops  # pylint: disable=import-outside-toplevel
    from lync_lab.errors import PSError  # pylint: disable=import-outside-toplevel
    lock = real(lab, BACKUP, "D:\\LyncBackup\\.lync-backup.lock")
    original_read, original_remove = fsops.read_bytes, fsops.remove

    def read_bytes(ctx, winpath, *args, **kwargs):
        try:
            return original_read(ctx, winpath, *args, **kwargs)
        finally:
            if winpath.endswith(".lync-backup.lock." + RUN_B) and not lock.exists():
                lock.write_text("third")  # another run's CreateNew comes first

    def remove(ctx, winpath, *args, **kwargs):
        if ".lync-backup.lock." in winpath:
            raise PSError("Access to the path '%s' is denied." % winpath, "PermissionDenied", "UnauthorizedAccessException")
        return original_remove(ctx, winpath, *args, **kwargs)
    monkeypatch.setattr(fsops, "read_bytes", read_bytes)
    monkeypatch.setattr(fsops, "remove", remove)
    lock.write_text("stale")
    os.utime(lock, (1, 1))
    result = run(lab, "lync_backup_set_open", BACKUP, Root="D:\\LyncBackup", SetId=SET, LockText="mine", RunId=RUN_B)
    # In the collection's words whatever the system's language (review s16, 1), with the system's message kept.
    assert result["failed"] and message(result).startswith("LYNC_BACKUP_LOCKED: D:\\LyncBackup\\.lync-backup.lock is "
                                                           "held since "), result
    assert "by another run that created it at the same moment (" in message(result) and "already exists" in message(result)
    assert message(result).endswith("; the lock this run took over was moved to D:\\LyncBackup\\.lync-backup.lock."
                                    + RUN_B + " and could not be deleted: delete it (a close that finds no lock would "
                                    "take it for a takeover under way)")
    assert lock.read_text() == "third" and not real(lab, BACKUP, "D:\\LyncBackup\\" + SET).exists()


def test_a_lock_whose_text_could_not_be_written_is_removed(lab, monkeypatch):
    """CreateNew made this run's lock but writing its text failed (a full share): a lock that names no set is one no
    unlock releases, blocking the root for a day; it is removed and the open fails (review s16, 8)."""
    del monkeypatch
    state = lab.load()
    state["hosts"][BACKUP].setdefault("disks", {})["D"] = {"size_bytes": 2 ** 30, "free_bytes": 2}  # the lock is longer
    lab.save(state)
    result = run(lab, "lync_backup_set_open", BACKUP, Root="D:\\LyncBackup", SetId=SET, LockText="mine", RunId=RUN_B)
    assert result["failed"] and "not enough space on the disk" in message(result), result
    assert not message(result).startswith("LYNC_BACKUP_LOCKED")
    assert not real(lab, BACKUP, "D:\\LyncBackup\\.lync-backup.lock").exists()


def test_planted_lock_left_when_its_text_could_not_be_written(lab, monkeypatch, plant_defect):
    plant_defect("lync_backup_set_open", "    if ($created) {", "    if ($false) {")
    with pytest.raises(AssertionError):  # what the real test checks fails
        test_a_lock_whose_text_could_not_be_written_is_removed(lab, monkeypatch)


def test_planted_refusal_without_the_lock_left_aside_names_nothing(lab, monkeypatch, plant_defect):
    plant_defect("lync_backup_set_open", "    if ($null -ne $asideLeft) {\n        $failure +=", "    if ($false) {\n        $failure +=")
    with pytest.raises(AssertionError):  # what the real test checks fails
        test_a_moved_aside_lock_left_when_another_runs_lock_came_first_is_named_in_the_refusal(lab, monkeypatch)


def _staged_listing(lab, run_id=RUN_A):
    """A store's copy in the set, its listing written under its staged name, and the close's last write renaming it
    into place under the lock (lync_backup_set_write_files with From), the manifest after it."""
    base = "D:\\LyncBackup\\" + SET
    store = real(lab, BACKUP, base + "\\filestores\\fs")
    store.mkdir(parents=True, exist_ok=True)
    (store / "a.txt").write_text("a")
    staged = "listings/fs.tsv.%s.staged" % run_id
    listed = run(lab, "lync_file_listing_write", BACKUP, Path=base + "\\filestores\\fs",
                 ListingPath=base + "\\" + staged.replace("/", "\\"))
    assert not listed["failed"] and listed["result"]["Files"] == 1, listed["error"]
    return listed["result"], run(
        lab, "lync_backup_set_write_files", BACKUP, SetPath=base, LockRoot="\\\\backup01.contoso.local\\LyncBackup",
        LockSetId=SET, LockRunId=run_id, Files=[{"Path": "listings/fs.tsv", "From": staged, "Sha256": listed["result"]["Sha256"]},
                                                {"Path": "manifest.json", "Content": "{}"}])


def test_the_close_writes_and_hashes_under_the_fips_policy(lab, plant_defect):
    """The FIPS policy on the backup server: the written files are hashed with the FIPS-validated class (review s15,
    8). Planted: SHA256.Create() (SHA256Managed) fails the write there."""
    state = lab.load()
    state.setdefault("lab", {})["fips_hosts"] = [BACKUP]
    lab.save(state)
    _lock(lab, SET, RUN_A)
    result = _close_writes(lab)
    assert not result["failed"], result["error"]
    assert result["result"]["Files"][0]["Sha256"] == hashlib.sha256(b"{}").hexdigest().upper()
    plant_defect("lync_backup_set_write_files",
                 "$sha256 = New-Object -TypeName System.Security.Cryptography.SHA256CryptoServiceProvider",
                 "$sha256 = [System.Security.Cryptography.SHA256]::Create()")
    real(lab, BACKUP, "D:\\LyncBackup\\" + SET + "\\manifest.json").unlink()
    result = _close_writes(lab)
    assert result["failed"] and "FIPS" in str(result["error"])


@pytest.mark.parametrize("holder", [RUN_A, RUN_B, "moving", "closed"])
def test_a_staged_listing_is_renamed_into_place_only_under_this_runs_lock(lab, holder):
    """A store's listing can take hours: it is written under a staged name and renamed into place by the close's last
    write, after its lock check (reviews s9main 2, s12 3, s13 5). A takeover under way keeps the staged listing for
    the next try, so its store is not read again; a set that is another run's gets neither listing nor staged file."""
    if holder == "moving":
        real(lab, BACKUP, ASIDE + RUN_B).write_text("{}")
    elif holder == "closed":
        real(lab, BACKUP, "D:\\LyncBackup\\" + SET).mkdir(parents=True)
        real(lab, BACKUP, "D:\\LyncBackup\\" + SET + "\\manifest.json").write_text("{}")
    else:
        _lock(lab, SET, holder)
    listings = real(lab, BACKUP, "D:\\LyncBackup\\" + SET + "\\listings")
    others = {}
    if holder == RUN_B:
        # The resumer's listing in place and its staged one: the late run's refusal removes only its own (review s15, 2).
        others = {"fs.tsv": "resumer's listing", "fs.tsv.%s.staged" % RUN_B: "resumer's staged listing"}
        listings.mkdir(parents=True)
        for name, text in others.items():
            (listings / name).write_text(text)
    listed, result = _staged_listing(lab)
    if holder == RUN_A:
        assert not result["failed"], result["error"]
        assert [p.name for p in listings.iterdir()] == ["fs.tsv"]
        assert result["result"]["Files"][0] == {"Path": "listings/fs.tsv", "Bytes": listed["Bytes"],
                                                "Sha256": listed["Sha256"]}
    elif holder == "moving":
        assert result["failed"] and message(result).startswith("LYNC_LOCK_MOVING"), result
        assert [p.name for p in listings.iterdir()] == ["fs.tsv.%s.staged" % RUN_A]
    else:
        assert result["failed"] and message(result).startswith("LYNC_LOCK_LOST"), result
        assert {p.name: p.read_text() for p in listings.iterdir()} == others


def test_the_last_write_removes_staged_listings_other_runs_left_and_nothing_else(lab):
    """A close that died or was refused before its last write left its staged listing (and perhaps its writer's
    temporary file): the run that holds the set removes them, so the set holds only what its manifest lists (review
    s15, 1). Other files in listings, and this run's own staged listing (renamed into place), stay."""
    _lock(lab, SET, RUN_A)
    listings = real(lab, BACKUP, "D:\\LyncBackup\\" + SET + "\\listings")
    listings.mkdir(parents=True)
    # Another run's, and this run's own that no rename takes (a .tmp left, an earlier try's listing; review s18, 3).
    left = ["fs.tsv.%s.staged" % RUN_B, "other.tsv.%s.staged.tmp" % ("c" * 32), "other.tsv.%s.staged" % RUN_A,
            "other.tsv.%s.staged.tmp" % RUN_A]
    kept = ["other.tsv", "notes.staged", "fs.tsv.%s.staged.bak" % RUN_B]
    for name in left + kept:
        (listings / name).write_text(name)
    # The close's lock-only check, before its listings exist, leaves the folder alone: only the write with the
    # manifest removes what others left.
    early = run(lab, "lync_backup_set_write_files", BACKUP, SetPath="D:\\LyncBackup\\" + SET,
                LockRoot="\\\\backup01.contoso.local\\LyncBackup", LockSetId=SET, LockRunId=RUN_A, Files=[])
    assert not early["failed"] and sorted(p.name for p in listings.iterdir()) == sorted(left + kept), early["error"]
    listed, result = _staged_listing(lab)
    assert not result["failed"], result["error"]
    assert sorted(p.name for p in listings.iterdir()) == sorted(kept + ["fs.tsv"])
    assert (listings / "fs.tsv").read_bytes() != b"" and listed["Files"] == 1


def test_the_last_write_over_an_extended_unc_path_passes_over_a_staged_file_another_run_holds_open(lab):
    """The close's real SetPath: \\\\?\\UNC\\server\\share\\<set> (backup_set.extended_path). Another run's staged
    temporary file still open for writing (its listing writer opened it without delete sharing) cannot be removed: it is
    passed over without failing the close, and the other leftovers go (reviews s16 3, s16 7)."""
    _lock(lab, SET, RUN_A)
    base = "D:\\LyncBackup\\" + SET
    listings = real(lab, BACKUP, base + "\\listings")
    listings.mkdir(parents=True)
    held, gone = "fs.tsv.%s.staged.tmp" % RUN_B, "old.tsv.%s.staged" % RUN_B
    for name in (held, gone, "fs.tsv.%s.staged" % RUN_A):
        (listings / name).write_text(name)
    state = lab.load()
    state.setdefault("lab", {})["open_for_write"] = ["%s|%s\\listings\\%s" % (BACKUP, base, held)]
    lab.save(state)
    result = run(lab, "lync_backup_set_write_files", BACKUP,
                 SetPath="\\\\?\\UNC\\backup01.contoso.local\\LyncBackup\\" + SET,
                 LockRoot="\\\\backup01.contoso.local\\LyncBackup", LockSetId=SET, LockRunId=RUN_A,
                 Files=[{"Path": "listings/fs.tsv", "From": "listings/fs.tsv.%s.staged" % RUN_A, "Sha256": ""},
                        {"Path": "manifest.json", "Content": "{}"}])
    assert not result["failed"], result["error"]
    assert sorted(p.name for p in listings.iterdir()) == sorted(["fs.tsv", held])


def test_a_createnew_refused_for_another_reason_is_not_taken_for_another_runs_lock(lab, monkeypatch):
    """CreateNew fails with an IOException that is not "the file exists" (the share went away): the open fails with
    the system's error, not LYNC_BACKUP_LOCKED, which would tell the operator another backup is running (review s17,
    7: the error code decides, not the exception type)."""
    from lync_lab import fsops  # pylint: disable=import-outside-toplevel
    from lync_lab.errors import PSError  # pylint: disable=import-outside-toplevel
    original_write = fsops.write_bytes

    def write_bytes(ctx, winpath, *args, **kwargs):
        if winpath.endswith("\\.lync-backup.lock"):
            raise PSError("The specified network name is no longer available.", "WriteError", "IOException")
        return original_write(ctx, winpath, *args, **kwargs)
    monkeypatch.setattr(fsops, "write_bytes", write_bytes)
    result = run(lab, "lync_backup_set_open", BACKUP, Root="D:\\LyncBackup", SetId=SET, LockText="mine", RunId=RUN_B)
    assert result["failed"] and "The specified network name is no longer available." in message(result), result
    assert not message(result).startswith("LYNC_BACKUP_LOCKED")
    assert not real(lab, BACKUP, "D:\\LyncBackup\\" + SET).exists()


def test_planted_any_ioexception_taken_for_another_runs_lock(lab, monkeypatch, plant_defect):
    plant_defect("lync_backup_set_open", "($cause.HResult -eq -2147024816 -or $cause.HResult -eq -2147024713)", "$true")
    with pytest.raises(AssertionError):  # what the real test checks fails
        test_a_createnew_refused_for_another_reason_is_not_taken_for_another_runs_lock(lab, monkeypatch)


def _rename_from(lab, source):
    """The close's last write asked to rename `source` into place as listings/fs.tsv, under run A's lock check."""
    return run(lab, "lync_backup_set_write_files", BACKUP, SetPath="D:\\LyncBackup\\" + SET,
               LockRoot="\\\\backup01.contoso.local\\LyncBackup", LockSetId=SET, LockRunId=RUN_A,
               Files=[{"Path": "listings/fs.tsv", "From": source, "Sha256": "A" * 64}])


@pytest.mark.parametrize("source", ["listings/fs.tsv.%s.staged" % RUN_B, "listings/fs.tsv", "manifest.json",
                                    "listings/sub/fs.tsv.%s.staged" % RUN_A])
def test_only_this_runs_staged_listings_are_renamed_or_removed(lab, source):
    """From may name only listings\\<name>.<this run id>.staged: the payload renames it and, refused, removes it
    (review s15, 4). Anything else is refused before the lock is read, and stays."""
    _lock(lab, SET, RUN_B)
    folder = real(lab, BACKUP, "D:\\LyncBackup\\" + SET)
    target = real(lab, BACKUP, "D:\\LyncBackup\\" + SET + "\\" + source.replace("/", "\\"))
    target.parent.mkdir(parents=True)
    target.write_text("kept")
    result = _rename_from(lab, source)
    assert result["failed"] and message(result) == "not a staged listing of this run: " + source
    assert target.read_text() == "kept" and folder.exists()


def test_planted_other_runs_staged_listings_left_stay_in_the_set(lab, plant_defect):
    plant_defect("lync_backup_set_write_files", "    if ($closing -and (Test-Path -LiteralPath $listings -PathType Container)) {",
                 "    if ($false) {")
    _lock(lab, SET, RUN_A)
    listings = real(lab, BACKUP, "D:\\LyncBackup\\" + SET + "\\listings")
    listings.mkdir(parents=True)
    (listings / ("fs.tsv.%s.staged" % RUN_B)).write_text("left")
    _staged_listing(lab)
    assert (listings / ("fs.tsv.%s.staged" % RUN_B)).exists()  # what the real test checks fails


def test_a_staged_listing_that_changed_stops_the_close_before_its_manifest(lab):
    """The staged listing must land with the SHA-256 its payload hashed as it wrote it."""
    _lock(lab, SET, RUN_A)
    base = "D:\\LyncBackup\\" + SET
    staged = real(lab, BACKUP, base + "\\listings\\fs.tsv.%s.staged" % RUN_A)
    staged.parent.mkdir(parents=True)
    staged.write_text("changed")
    result = run(lab, "lync_backup_set_write_files", BACKUP, SetPath=base, LockRoot="\\\\backup01.contoso.local\\LyncBackup",
                 LockSetId=SET, LockRunId=RUN_A, Files=[
                     {"Path": "listings/fs.tsv", "From": "listings/fs.tsv.%s.staged" % RUN_A, "Sha256": "A" * 64},
                     {"Path": "manifest.json", "Content": "{}"}])
    assert result["failed"] and message(result).startswith("LYNC_WRITE_MISMATCH: listings/fs.tsv landed with SHA-256 ")
    assert not real(lab, BACKUP, base + "\\manifest.json").exists()


@pytest.mark.parametrize("source", ["..\\other\\fs.tsv", "D:\\elsewhere.tsv", "\\\\server\\share\\x"])
def test_a_staged_file_from_outside_the_set_is_refused_before_anything_is_touched(lab, source):
    """From names a file inside the set, like Path: refused before the lock check and before any removal."""
    _lock(lab, SET, RUN_B)
    real(lab, BACKUP, "D:\\LyncBackup\\" + SET).mkdir(parents=True)
    outside = real(lab, BACKUP, "D:\\LyncBackup\\other\\fs.tsv")  # what "..\\other\\fs.tsv" names
    outside.parent.mkdir(parents=True)
    outside.write_text("kept")
    result = _rename_from(lab, source)
    assert result["failed"] and message(result) == "not a path inside the set: " + source
    assert outside.read_text() == "kept"


def test_planted_staged_listing_renamed_before_the_lock_check_lands_under_another_runs_lock(lab, plant_defect):
    plant_defect("lync_backup_set_write_files", "if ($LockRoot) {\n",
                 "foreach ($file in $Files) { if ($file.From) { Move-Item -LiteralPath (Join-Path -Path $SetPath "
                 "-ChildPath (([string]$file.From) -replace '/', '\\')) -Destination (Join-Path -Path $SetPath "
                 "-ChildPath (([string]$file.Path) -replace '/', '\\')) -Force } }\nif ($LockRoot) {\n")
    _lock(lab, SET, RUN_B)
    _staged_listing(lab)
    # what the real test checks fails: the listing is in place in a set that is another run's
    assert real(lab, BACKUP, "D:\\LyncBackup\\" + SET + "\\listings\\fs.tsv").exists()


def test_planted_staged_files_removed_on_a_takeover_under_way_make_the_store_read_again(lab, plant_defect):
    plant_defect("lync_backup_set_write_files",
                 "if ($_.Exception.Message.StartsWith('LYNC_LOCK_LOST: ', [System.StringComparison]::Ordinal)) {",
                 "if ($true) {")
    real(lab, BACKUP, ASIDE + RUN_B).write_text("{}")
    _staged_listing(lab)
    # what the real test checks fails: the staged listing is gone, so the next try must list the store again
    assert list(real(lab, BACKUP, "D:\\LyncBackup\\" + SET + "\\listings").iterdir()) == []


@pytest.mark.parametrize("old,new,holder", [
    # A typo'd variable: '"run": "' + $null + '"' is never in a lock, so this run's own lock reads as another run's.
    ("-not $holder.Contains('\"run\": \"' + $LockRunId + '\"')", "-not $holder.Contains('\"run\": \"' + $RunId + '\"')",
     RUN_A),
    # The check dropped: another run's lock of this set no longer stops the writes.
    ("if ($thisSet -and $otherRun) {", "if ($false) {", RUN_B),
    # -or for -and: a lock of this set held by this very run, or any other set's lock, refuses the close.
    ("if ($thisSet -and $otherRun) {", "if ($thisSet -or $otherRun) {", RUN_A),
])
def test_planted_lock_lost_defects_fail(lab, plant_defect, old, new, holder):
    _lock(lab, SET, holder)
    plant_defect("lync_backup_set_write_files", old, new)
    result = _close_writes(lab)
    refused = result["failed"] and message(result).startswith("LYNC_LOCK_LOST")
    assert refused != (holder == RUN_B)  # what the real tests check fails: own lock refused, or another's let through


def test_file_inventory_lists_and_hashes(lab):
    folder = _set_with_files(lab)
    path = "\\\\?\\D:\\LyncBackup\\" + SET
    for check_mode in (False, True):
        result = run(lab, "lync_file_inventory", BACKUP, check_mode=check_mode, Path=path, Hash=True)
        assert not result["failed"] and not result["changed"], result["error"]
        # Written: LastWriteTimeUtc.Ticks (100 ns since 0001-01-01), what robocopy's "same" rule compares.
        ticks = {name: int((datetime.datetime.fromtimestamp((folder / name).stat().st_mtime, datetime.timezone.utc)
                            .replace(tzinfo=None) - datetime.datetime(1, 1, 1)).total_seconds() * 10 ** 7)
                 for name in ("db/rtc.bak", "manifest.json")}
        assert result["result"] == {"Exists": True, "Files": [
            {"Path": "db/rtc.bak", "Bytes": 90, "Sha256": hashlib.sha256(b"x" * 90).hexdigest().upper(), "Error": None,
             "Written": ticks["db/rtc.bak"]},
            {"Path": "manifest.json", "Bytes": 10, "Sha256": hashlib.sha256(b"{}" * 5).hexdigest().upper(),
             "Error": None, "Written": ticks["manifest.json"]}]}
    # A file another process holds open for writing (a straggler) is named, not fatal; the next file is hashed
    # with a fresh hash object.
    state = lab.load()
    state.setdefault("lab", {})["open_for_write"] = ["%s|D:\\LyncBackup\\%s\\db\\rtc.bak" % (BACKUP, SET)]
    lab.save(state)
    result = run(lab, "lync_file_inventory", BACKUP, Path=path, Hash=True)
    assert not result["failed"], result["error"]
    held, manifest = result["result"]["Files"]
    assert held["Sha256"] is None and "being used by another process" in held["Error"]
    assert manifest["Sha256"] == hashlib.sha256(b"{}" * 5).hexdigest().upper() and manifest["Error"] is None
    assert folder.is_dir()


def test_recovery_markers_set_read_and_remove(lab):
    result = run(lab, "lync_recovery_marker_set", SE, Stage="prepared", Text='{"n":1}')
    assert not result["failed"] and result["result"] == {"Path": MARKERS + "\\prepared.json", "Existed": False}
    assert real(lab, SE, MARKERS + "\\prepared.json").read_bytes() == b'{"n":1}'
    run(lab, "lync_recovery_marker_set", SE, Stage="databases", Text="{}")
    real(lab, SE, MARKERS + "\\notes.txt").write_text("not a marker")
    result = run(lab, "lync_recovery_markers", SE, check_mode=True)
    assert result["result"] == {"Folder": MARKERS, "Markers": [{"Stage": "databases", "Text": "{}"},
                                                               {"Stage": "prepared", "Text": '{"n":1}'}]}
    result = run(lab, "lync_recovery_marker_set", SE, Stage="prepared", Remove=True)
    assert result["changed"] and result["result"]["Existed"] is True
    assert not real(lab, SE, MARKERS + "\\prepared.json").exists()
    result = run(lab, "lync_recovery_markers", SE)
    assert result["result"]["Markers"] == [{"Stage": "databases", "Text": "{}"}]


def _lync_server_acl(lab):
    return (lab.load()["hosts"][SE].get("acls") or {}).get("c:\\programdata\\lync.server")


def test_the_first_marker_makes_lync_server_protected(lab):
    """The markers decide which stages a rerun skips: lync.server is made owned by Administrators, with only
    Administrators and SYSTEM, nothing inherited from ProgramData (where Users may create files in a new subfolder),
    as lync_job_start makes it; a folder that exists keeps its ACL (the job start tightens it)."""
    result = run(lab, "lync_recovery_marker_set", SE, Stage="prepared", Text="{}")
    assert not result["failed"], result["error"]
    acl = _lync_server_acl(lab)
    assert acl and acl["protected"] and acl["owner"] == "S-1-5-32-544", acl
    assert sorted(r["identity"] for r in acl["rules"]) == ["S-1-5-18", "S-1-5-32-544"], acl
    assert real(lab, SE, MARKERS + "\\prepared.json").read_bytes() == b"{}"


@pytest.mark.parametrize("old,new", [
    ("    $acl.SetAccessRuleProtection($true, $false)\n", ""),
    ("        $null = [System.IO.Directory]::CreateDirectory($checked, (& $protectedAcl))\n",
     "        $null = [System.IO.Directory]::CreateDirectory($checked)\n"),
])
def test_planted_marker_folder_left_open_fails(lab, plant_defect, old, new):
    plant_defect("lync_recovery_marker_set", old, new)
    result = run(lab, "lync_recovery_marker_set", SE, Stage="prepared", Text="{}")
    acl = _lync_server_acl(lab)
    assert result["failed"] or not (acl and acl["protected"])  # what the real test checks fails


# --- markers only Administrators and SYSTEM could have written (review s9main, finding 1) ---------------------

USER_SID = "S-1-5-21-3623811015-3361044348-30300820-4321"  # a local user of the host, no administrator


def _plant_acl(lab, winpath, record):
    state = lab.load()
    state["hosts"][SE].setdefault("acls", {})[winpath.lower()] = record
    lab.save(state)


def test_markers_are_owned_by_administrators_whatever_the_default_owner(lab):
    state = lab.load()
    state["hosts"][SE]["admin_default_owner"] = "object_creator"  # KB 318825 "Object creator"
    lab.save(state)
    result = run(lab, "lync_recovery_marker_set", SE, Stage="prepared", Text='{"n":1}')
    assert not result["failed"], result["error"]
    record = lab.load()["hosts"][SE]["acls"][(MARKERS + "\\prepared.json").lower()]
    assert record["owner"] == "S-1-5-32-544" and record["protected"], record
    result = run(lab, "lync_recovery_markers", SE)
    assert not result["failed"], result["error"]
    assert result["result"]["Markers"] == [{"Stage": "prepared", "Text": '{"n":1}'}]


def test_planted_a_recovery_folder_left_to_the_default_owner_is_refused_under_object_creator(lab, plant_defect):
    """Review s11, finding 1: `recovery` made without a named owner belongs to the user under "Object creator"."""
    plant_defect("lync_recovery_marker_set", "        $null = [System.IO.Directory]::CreateDirectory($checked, (& $protectedAcl))\n",
                 "        if ($checked -eq $folder) { $null = [System.IO.Directory]::CreateDirectory($checked) }\n"
                 "        else { $null = [System.IO.Directory]::CreateDirectory($checked, (& $protectedAcl)) }\n")
    state = lab.load()
    state["hosts"][SE]["admin_default_owner"] = "object_creator"
    lab.save(state)
    result = run(lab, "lync_recovery_marker_set", SE, Stage="prepared", Text="{}")
    assert result["failed"] and "LYNC_RECOVERY_UNSAFE" in message(result)  # what the real test checks fails


def test_planted_a_marker_written_with_the_default_owner_is_refused_under_object_creator(lab, plant_defect):
    plant_defect("lync_recovery_marker_set", "    $stream = [System.IO.File]::Create($path, 4096, "
                 "[System.IO.FileOptions]::None, $security)\n",
                 "    [System.IO.File]::WriteAllBytes($path, $bytes)\n    $stream = New-Object -TypeName System.IO.MemoryStream\n")
    state = lab.load()
    state["hosts"][SE]["admin_default_owner"] = "object_creator"
    lab.save(state)
    run(lab, "lync_recovery_marker_set", SE, Stage="prepared", Text="{}")
    result = run(lab, "lync_recovery_markers", SE)
    assert result["failed"] and "LYNC_RECOVERY_UNSAFE" in message(result)  # what the real test checks fails


def test_a_marker_someone_else_owns_stops_the_reading(lab):
    run(lab, "lync_recovery_marker_set", SE, Stage="prepared", Text="{}")
    real(lab, SE, MARKERS + "\\databases.json").write_text("{}")
    _plant_acl(lab, MARKERS + "\\databases.json",
               {"owner": USER_SID, "protected": False, "inherited": True, "rules": []})
    result = run(lab, "lync_recovery_markers", SE)
    assert result["failed"] and "LYNC_RECOVERY_UNSAFE" in message(result), result
    assert "databases.json is owned by %s" % USER_SID in message(result)


def test_planted_no_owner_check_reads_a_planted_marker(lab, plant_defect):
    plant_defect("lync_recovery_markers", "        if ($ours -notcontains $markerOwner) {", "        if ($false) {")
    run(lab, "lync_recovery_marker_set", SE, Stage="prepared", Text="{}")
    real(lab, SE, MARKERS + "\\databases.json").write_text("{}")
    _plant_acl(lab, MARKERS + "\\databases.json",
               {"owner": USER_SID, "protected": False, "inherited": True, "rules": []})
    result = run(lab, "lync_recovery_markers", SE)
    assert not result["failed"] and len(result["result"]["Markers"]) == 2  # what the real test checks fails


@pytest.mark.parametrize("where", ["lync.server", "recovery"])
def test_a_marker_folder_others_may_write_is_refused_by_both(lab, where):
    """lync.server made by an earlier version with New-Item: what it inherits from ProgramData lets Users create files
    in it (the lab's default ACL); or a recovery folder a user made and owns."""
    folder = real(lab, SE, MARKERS)
    folder.mkdir(parents=True)
    if where == "recovery":
        run(lab, "lync_recovery_marker_set", SE, Stage="prepared", Text="{}")  # lync.server protected first
        _plant_acl(lab, MARKERS, {"owner": USER_SID, "protected": False, "inherited": False, "rules": [
            {"identity": USER_SID, "rights": "FullControl", "inheritance": "ContainerInherit, ObjectInherit",
             "propagation": "None", "type": "Allow"}]})
    for result in (run(lab, "lync_recovery_marker_set", SE, Stage="databases", Text="{}"),
                   run(lab, "lync_recovery_markers", SE)):
        assert result["failed"] and "LYNC_RECOVERY_UNSAFE" in message(result), result
    assert not real(lab, SE, MARKERS + "\\databases.json").exists()


BASE = "C:\\ProgramData\\lync.server"
ADMINS_SYSTEM = [{"identity": sid, "rights": "FullControl", "inheritance": "ContainerInherit, ObjectInherit",
                  "propagation": "None", "type": "Allow"} for sid in ("S-1-5-32-544", "S-1-5-18")]
# What Explorer's "Disable inheritance - convert into explicit" leaves from ProgramData: CREATOR OWNER inherit-only.
CREATOR_OWNER_ONLY_BELOW = {"identity": "S-1-3-0", "rights": "FullControl",
                            "inheritance": "ContainerInherit, ObjectInherit", "propagation": "InheritOnly",
                            "type": "Allow"}
# A hand-set ACE with the generic write bit (GENERIC_WRITE, 0x40000000) for Users, on the folder itself.
USERS_GENERIC_WRITE = {"identity": "S-1-5-32-545", "rights": "1073741824", "inheritance": "None",
                       "propagation": "None", "type": "Allow"}


@pytest.mark.parametrize("extra, refused, made", [
    (CREATOR_OWNER_ONLY_BELOW, False, BASE), (CREATOR_OWNER_ONLY_BELOW, False, MARKERS),
    (USERS_GENERIC_WRITE, True, MARKERS)])
def test_the_marker_folder_check_skips_inherit_only_rules_and_counts_generic_write(lab, extra, refused, made):
    """Review s11, 2: an inherit-only rule grants nothing on lync.server itself (what it gives a `recovery` that
    inherits is checked there: CREATOR OWNER becomes its owner's rule); GENERIC_WRITE on the folder lets Users write."""
    real(lab, SE, made).mkdir(parents=True)
    _plant_acl(lab, BASE, {"owner": "S-1-5-32-544", "protected": True, "inherited": False,
                           "rules": ADMINS_SYSTEM + [extra]})
    for result in (run(lab, "lync_recovery_marker_set", SE, Stage="databases", Text="{}"),
                   run(lab, "lync_recovery_markers", SE)):
        assert result["failed"] == refused, result
        assert refused == ("LYNC_RECOVERY_UNSAFE" in (message(result) or ""))
    assert real(lab, SE, MARKERS + "\\databases.json").exists() != refused


@pytest.mark.parametrize("payload, old, new, extra", [
    ("lync_recovery_marker_set", " -and -not ($creators -contains $_.IdentityReference.Value -and "
     "([int]$_.PropagationFlags -band 2) -ne 0)", "", CREATOR_OWNER_ONLY_BELOW),
    ("lync_recovery_marker_set", " -bor 0x40000000 -bor 0x10000000\n", "\n", USERS_GENERIC_WRITE),
])
def test_planted_marker_rights_check_defects_fail(lab, plant_defect, payload, old, new, extra):
    plant_defect(payload, old, new)
    real(lab, SE, BASE).mkdir(parents=True)
    _plant_acl(lab, BASE, {"owner": "S-1-5-32-544", "protected": True, "inherited": False,
                           "rules": ADMINS_SYSTEM + [extra]})
    result = run(lab, "lync_recovery_marker_set", SE, Stage="databases", Text="{}")
    assert result["failed"] != (extra is USERS_GENERIC_WRITE)  # what the real test checks fails


USERS_MODIFY_FILES_BELOW = {"identity": "S-1-5-32-545", "rights": "Modify", "inheritance": "ObjectInherit",
                            "propagation": "InheritOnly", "type": "Allow"}


def test_an_inherit_only_rule_of_anyone_but_the_creator_is_refused(lab):
    """Users:(OI)(IO)(M) grants nothing on lync.server itself, but it stays inherit-only on recovery and reaches every
    file made there without a protected ACL, such as a marker of an earlier version (review s12, 1)."""
    real(lab, SE, MARKERS).mkdir(parents=True)
    _plant_acl(lab, BASE, {"owner": "S-1-5-32-544", "protected": True, "inherited": False,
                           "rules": ADMINS_SYSTEM + [USERS_MODIFY_FILES_BELOW]})
    for result in (run(lab, "lync_recovery_marker_set", SE, Stage="databases", Text="{}"),
                   run(lab, "lync_recovery_markers", SE)):
        assert result["failed"] and "LYNC_RECOVERY_UNSAFE" in message(result), result


@pytest.mark.parametrize("payload", ["lync_recovery_marker_set", "lync_recovery_markers"])
def test_planted_every_inherit_only_rule_skipped_lets_users_rule_through(lab, plant_defect, payload):
    plant_defect(payload, "-not ($creators -contains $_.IdentityReference.Value -and ([int]$_.PropagationFlags -band 2) -ne 0)",
                 "([int]$_.PropagationFlags -band 2) -eq 0")
    real(lab, SE, BASE).mkdir(parents=True)
    _plant_acl(lab, BASE, {"owner": "S-1-5-32-544", "protected": True, "inherited": False,
                           "rules": ADMINS_SYSTEM + [USERS_MODIFY_FILES_BELOW]})
    if payload == "lync_recovery_markers":
        real(lab, SE, MARKERS).mkdir(parents=True)
    result = run(lab, "lync_recovery_marker_set" if payload == "lync_recovery_marker_set" else payload, SE,
                 **({"Stage": "databases", "Text": "{}"} if payload == "lync_recovery_marker_set" else {}))
    assert not result["failed"]  # what the real test checks fails


def test_a_junction_as_lync_server_is_refused_before_recovery_is_made_through_it(lab):
    """A user plants C:\\ProgramData\\lync.server as a junction to a folder of theirs: it is refused before anything
    is created where it points (review s12, 7)."""
    target = real(lab, SE, "C:\\Users\\mallory\\planted")
    target.mkdir(parents=True)
    base = real(lab, SE, BASE)
    base.parent.mkdir(parents=True, exist_ok=True)
    base.symlink_to(target, target_is_directory=True)
    result = run(lab, "lync_recovery_marker_set", SE, Stage="databases", Text="{}")
    assert result["failed"] and "LYNC_RECOVERY_UNSAFE" in message(result) and "a link: True" in message(result)
    assert list(target.iterdir()) == []


def test_a_creator_group_inherit_only_rule_is_refused(lab):
    """CREATOR GROUP is given to the creator's primary group (Domain Users), not to the creator: its inherit-only
    rule counts (review s13, 1)."""
    real(lab, SE, MARKERS).mkdir(parents=True)
    _plant_acl(lab, BASE, {"owner": "S-1-5-32-544", "protected": True, "inherited": False,
                           "rules": ADMINS_SYSTEM + [dict(CREATOR_OWNER_ONLY_BELOW, identity="S-1-3-1")]})
    for result in (run(lab, "lync_recovery_marker_set", SE, Stage="databases", Text="{}"),
                   run(lab, "lync_recovery_markers", SE)):
        assert result["failed"] and "LYNC_RECOVERY_UNSAFE" in message(result), result
        # The fix names the account whose rule must go (review s14, 1): /grant:r leaves other accounts' rules.
        assert ('/remove:g *<SID> /T; the first found: S-1-3-1), and run again' in message(result)), message(result)


def _open_marker(lab):
    """A marker an earlier version wrote (owned by Administrators) whose own ACL lets Users write it."""
    run(lab, "lync_recovery_marker_set", SE, Stage="prepared", Text="{}")
    real(lab, SE, MARKERS + "\\databases.json").write_text("{}")
    _plant_acl(lab, MARKERS + "\\databases.json", {"owner": "S-1-5-32-544", "protected": False, "inherited": False,
                                                   "rules": ADMINS_SYSTEM + [USERS_MODIFY_FILES_BELOW,
                                                                             dict(USERS_GENERIC_WRITE, rights="Modify")]})


def test_a_marker_others_may_write_stops_the_reading(lab):
    _open_marker(lab)
    result = run(lab, "lync_recovery_markers", SE)
    assert result["failed"] and "LYNC_RECOVERY_UNSAFE" in message(result), result
    assert "databases.json may be changed by others (S-1-5-32-545 may write it)" in message(result)
    assert "/reset: recovery holds Administrators and SYSTEM only" in message(result)


def test_a_marker_with_both_faults_is_refused_once_with_both_fixes(lab):
    """Owned by someone else and writable by others: one refusal names both faults and both fixes, so the operator
    is not sent back a second time (review s14, 2)."""
    _open_marker(lab)
    record = {"owner": USER_SID, "protected": False, "inherited": False,
              "rules": ADMINS_SYSTEM + [dict(USERS_GENERIC_WRITE, rights="Modify")]}
    _plant_acl(lab, MARKERS + "\\databases.json", record)
    result = run(lab, "lync_recovery_markers", SE)
    assert result["failed"] and "LYNC_RECOVERY_UNSAFE" in message(result), result
    said = message(result)
    assert "databases.json is owned by %s, not by Administrators or SYSTEM" % USER_SID in said
    assert ") and may be changed by others (S-1-5-32-545 may write it)" in said
    # The owner first: an owner may always rewrite the ACL, so /reset then works (review s16, 4).
    assert said.index("/A: icacls /setowner does not take ownership)") < said.index(", then give it back the folder's ACL") < said.index(
        "/reset: recovery holds Administrators and SYSTEM only), and run again")


def test_planted_no_marker_acl_check_reads_a_marker_others_may_write(lab, plant_defect):
    plant_defect("lync_recovery_markers", "        if ($markerOpen.Count -gt 0) {", "        if ($false) {")
    _open_marker(lab)
    result = run(lab, "lync_recovery_markers", SE)
    assert not result["failed"] and len(result["result"]["Markers"]) == 2  # what the real test checks fails


def test_planted_no_folder_check_writes_into_an_open_folder(lab, plant_defect):
    plant_defect("lync_recovery_marker_set", "    if ($linked -or $ours -notcontains $owner -or $open.Count -gt 0) {",
                 "    if ($false) {")
    real(lab, SE, MARKERS).mkdir(parents=True)
    result = run(lab, "lync_recovery_marker_set", SE, Stage="databases", Text="{}")
    assert not result["failed"] and real(lab, SE, MARKERS + "\\databases.json").exists()  # the real test fails


# --- planted defects: the lab fails on them --------------------------------------------------------------

def test_planted_lock_defects_fail(lab, plant_defect):
    root = "D:\\LyncBackup"
    # 1. A wrong enum value: [System.IO.FileMode]::CreateNu is $null, which File.Open cannot take.
    plant_defect("lync_backup_set_open", "[System.IO.FileMode]::CreateNew", "[System.IO.FileMode]::CreateNu")
    result = run(lab, "lync_backup_set_open", BACKUP, Root=root, SetId=SET, LockText="x")
    assert result["failed"] and 'Exception calling "Open"' in message(result)


def test_planted_lock_age_comparison_fails(lab, plant_defect):
    # 2. The age test turned round: a stale lock is refused instead of taken over (a fresh one is still refused by
    # the second reading of its age, under the name it was moved to).
    lock = real(lab, BACKUP, "D:\\LyncBackup\\.lync-backup.lock")
    lock.write_text("stale")
    os.utime(lock, (1, 1))
    plant_defect("lync_backup_set_open", "if ($age -lt $LockMaxAgeHours -and", "if ($age -gt $LockMaxAgeHours -and")
    result = run(lab, "lync_backup_set_open", BACKUP, Root="D:\\LyncBackup", SetId=SET, LockText="x")
    assert result["failed"] and message(result).startswith("LYNC_BACKUP_LOCKED")  # Windows: taken over


def test_planted_unlock_typo_fails(lab, plant_defect):
    # 3. A typo'd variable: $SetId -> $SetIds is $null, and String.Contains($null) throws ArgumentNullException.
    real(lab, BACKUP, "D:\\LyncBackup\\.lync-backup.lock").write_text("held by " + SET)
    plant_defect("lync_backup_set_unlock", "$holder.Contains($SetId)", "$holder.Contains($SetIds)")
    result = run(lab, "lync_backup_set_unlock", BACKUP, Root="D:\\LyncBackup", SetId=SET)
    assert result["failed"] and "Value cannot be null." in message(result)


@pytest.mark.parametrize("old,new,check", [
    # A dropped -Recurse: Remove-Item of a folder with children fails in a host that cannot prompt.
    ("Remove-Item -LiteralPath $doomed -Recurse -Force", "Remove-Item -LiteralPath $doomed -Force",
     lambda r: r["failed"] and "has children and the Recurse parameter was not specified" in message(r)),
    # A string that does not expand: '$Root\removing-$id' is that literal text, not a path.
    ('$doomed = "$Root\\removing-$id"', "$doomed = '$Root\\removing-$id'", lambda r: r["failed"]),
    # The wrong measure: counting files instead of summing their bytes.
    ("Measure-Object -Property Length -Sum).Sum", "Measure-Object -Property Length -Sum).Count",
     lambda r: not r["failed"] and r["result"]["BytesFreed"] == 2),
])
def test_planted_set_remove_defects_fail(lab, plant_defect, old, new, check):
    _set_with_files(lab)
    plant_defect("lync_backup_set_remove", old, new)
    result = run(lab, "lync_backup_set_remove", BACKUP, Root="\\\\?\\D:\\LyncBackup", SetIds=[SET])
    assert check(result), result
    assert result["failed"] or result["result"] != {"Removed": [SET], "BytesFreed": 100}


@pytest.mark.parametrize("old,new", [
    # A BOM: UTF8Encoding($true) writes EF BB BF before the text, so the SHA-256 differs from the expected one.
    ("System.Text.UTF8Encoding -ArgumentList $false", "System.Text.UTF8Encoding -ArgumentList $true"),
    # A dropped .Replace('-', ''): the hash keeps BitConverter's dashes and never equals the expected hex.
    (".ComputeHash($stream)).Replace('-', '')", ".ComputeHash($stream))"),
    # A wrong .NET member: the stream's Close is there, but OpenReed is not.
    ("[System.IO.File]::OpenRead($Path)", "[System.IO.File]::OpenReed($Path)"),
    # A dropped -Force: the second write of a file cannot move its temporary file over the first.
    ("Move-Item -LiteralPath $temp -Destination $target -Force", "Move-Item -LiteralPath $temp -Destination $target"),
])
def test_planted_write_files_defects_fail(lab, plant_defect, old, new):
    real(lab, BACKUP, "D:\\LyncBackup\\" + SET + "\\a.json").parent.mkdir(parents=True)
    real(lab, BACKUP, "D:\\LyncBackup\\" + SET + "\\a.json").write_text("old")
    plant_defect("lync_backup_set_write_files", old, new)
    files = [{"Path": "a.json", "Content": "{}", "Sha256": hashlib.sha256(b"{}").hexdigest()}]
    result = run(lab, "lync_backup_set_write_files", BACKUP, SetPath="D:\\LyncBackup\\" + SET, Files=files)
    assert result["failed"], result


@pytest.mark.parametrize("old,new,check", [
    # The sub-folders' files dropped (no recursion below the first level): only the top-level file is listed.
    ("@(Get-ChildItem -LiteralPath $child.FullName -Recurse -File -Force)", "@()",
     lambda r: [f["Path"] for f in r["result"]["Files"]] == ["manifest.json"]),
    # An off-by-one in the relative name.
    ("$base = $rootName.Length + 1", "$base = $rootName.Length", lambda r: r["result"]["Files"][0]["Path"] == "/db/rtc.bak"),
    # The FileInfo itself to ComputeHash, not its stream.
    # (each file is then listed with the error instead of a hash: the close fails every item that claims one)
    ("$sha256.ComputeHash($stream)", "$sha256.ComputeHash($_)",
     lambda r: r["failed"] or all(f["Sha256"] is None and f["Error"] for f in r["result"]["Files"])),
])
def test_planted_file_inventory_defects_fail(lab, plant_defect, old, new, check):
    _set_with_files(lab)
    plant_defect("lync_file_inventory", old, new)
    result = run(lab, "lync_file_inventory", BACKUP, Path="\\\\?\\D:\\LyncBackup\\" + SET, Hash=True)
    assert check(result), result


@pytest.mark.parametrize("payload,old,new", [
    # A dropped -Filter: notes.txt is read as a marker.
    ("lync_recovery_markers", "-Filter '*.json' ", ""),
    # The wrong member: Name keeps '.json' in the stage.
    ("lync_recovery_markers", "Stage = $_.BaseName", "Stage = $_.Name"),
    # A typo'd switch variable: $Removed is $null, so -Remove writes the marker instead of removing it.
    ("lync_recovery_marker_set", "if ($Remove) {", "if ($Removed) {"),
])
def test_planted_marker_defects_fail(lab, plant_defect, payload, old, new):
    run(lab, "lync_recovery_marker_set", SE, Stage="prepared", Text="{}")
    real(lab, SE, MARKERS + "\\notes.txt").write_text("x")
    plant_defect(payload, old, new)
    run(lab, "lync_recovery_marker_set", SE, Stage="prepared", Remove=True)
    run(lab, "lync_recovery_marker_set", SE, Stage="databases", Text="{}")
    result = run(lab, "lync_recovery_markers", SE)
    assert result["result"]["Markers"] != [{"Stage": "databases", "Text": "{}"}], result


# --- the payloads as they were at 1a7fef5 (before issue 9) ---------------------------------------------------

OLD_SET_ID_CHECK = "if ($SetId -notmatch '^lync-\\d{8}T\\d{6}Z-[0-9a-f]{6}$') { throw \"invalid backup set id: $SetId\" }"
OLD_STAGE_CHECK = "if ($Stage -notmatch '^[a-z][a-z0-9_]{0,63}$') { throw \"invalid stage name: $Stage\" }"
OLD_HASH_LINE = "$hash = [string](Get-FileHash -LiteralPath $target -Algorithm SHA256).Hash"


def test_old_set_open_took_an_upper_case_set_id(lab, plant_defect):
    """1a7fef5: -notmatch is case-insensitive and '$' matches before a final newline (about_Comparison_Operators,
    about_Regular_Expressions), so 'LYNC-...' opened a set the other payloads refuse to remove."""
    new = "if ($SetId -cnotmatch '\\Alync-\\d{8}T\\d{6}Z-[0-9a-f]{6}\\z') { throw \"invalid backup set id: $SetId\" }"
    bad = "LYNC-20260115T090000Z-A1B2C3"
    assert run(lab, "lync_backup_set_open", BACKUP, Root="D:\\LyncBackup", SetId=bad, LockText="x")["failed"]
    plant_defect("lync_backup_set_open", new, OLD_SET_ID_CHECK)
    result = run(lab, "lync_backup_set_open", BACKUP, Root="D:\\LyncBackup", SetId=bad, LockText="x")
    assert not result["failed"] and real(lab, BACKUP, "D:\\LyncBackup\\" + bad).is_dir()


def test_old_marker_set_took_an_upper_case_stage(lab, plant_defect):
    new = "if ($Stage -cnotmatch '\\A[a-z][a-z0-9_]{0,63}\\z') { throw \"invalid stage name: $Stage\" }"
    assert run(lab, "lync_recovery_marker_set", SE, Stage="Prepared")["failed"]
    plant_defect("lync_recovery_marker_set", new, OLD_STAGE_CHECK)
    assert not run(lab, "lync_recovery_marker_set", SE, Stage="Prepared")["failed"]


def test_old_write_files_needs_get_filehash_which_powershell_3_lacks(lab, plant_defect):
    """1a7fef5 hashed with Get-FileHash (PowerShell 4.0+): on Windows Server 2008 R2 with PowerShell 3.0, which Lync
    Server 2013 supports, the command is not there (get-filehash?view=powershell-5.1)."""
    with lab.locked() as state:
        state["hosts"][BACKUP]["os"]["version"] = "6.1.7601"
    real(lab, BACKUP, "D:\\LyncBackup\\" + SET).mkdir(parents=True)
    files = [{"Path": "a.json", "Content": "{}"}]
    assert not run(lab, "lync_backup_set_write_files", BACKUP, SetPath="D:\\LyncBackup\\" + SET, Files=files)["failed"]
    plant_defect("lync_backup_set_write_files", "$hash = (Get-Sha256 $target)", OLD_HASH_LINE)
    result = run(lab, "lync_backup_set_write_files", BACKUP, SetPath="D:\\LyncBackup\\" + SET, Files=files)
    assert result["failed"] and message(result).startswith("The term 'Get-FileHash' is not recognized")


# --- moved from test_engine_payloads.py (its FakeHost is retired for the real boundary) -------------------

def test_set_remove_binds_parameters_like_powershell(lab):
    text = winps.payload_text("lync_backup_set_remove")
    result = session_on(lab).engine.run(text, {"Root": "D:\\Backups"})
    assert result.failed and result.error_messages == [
        "Cannot process command because of one or more missing mandatory parameters: SetIds."]
    result = session_on(lab).engine.run(text, {"Root": "", "SetIds": [SET]})
    assert result.error_messages == ["Cannot bind argument to parameter 'Root' because it is an empty string."]


def test_set_remove_of_one_set_keeps_a_list(lab):
    # `$removed = @(); $removed += $id`: one removed set is still a list in the result.
    _set_with_files(lab)
    result = run(lab, "lync_backup_set_remove", BACKUP, Root="D:\\LyncBackup", SetIds=SET)
    assert result["result"]["Removed"] == [SET]


def test_a_misspelled_dotnet_member_fails_as_on_windows(lab):
    # [System.IO.File]::ReadAllTxt -> "Method invocation failed because [System.IO.File] does not contain a method
    # named 'ReadAllTxt'." and the payload fails.
    run(lab, "lync_recovery_marker_set", SE, Stage="prepared", Text="{}")
    text = winps.payload_text("lync_recovery_markers").replace("ReadAllText", "ReadAllTxt")
    result = session_on(lab).engine.run(text, {})
    assert result.failed and result.error_messages == [
        "Method invocation failed because [System.IO.File] does not contain a method named 'ReadAllTxt'."]


def test_path_takes_wildcards_and_literalpath_does_not(lab):
    """about_Wildcards: -Path expands * ? [ ]; -LiteralPath takes the characters as they are
    (get-childitem?view=powershell-5.1). A drive of a provider the host has no area for is DriveNotFound."""
    for version in ("110", "120"):
        log = real(lab, SE, "C:\\Program Files\\Microsoft SQL Server\\%s\\Setup Bootstrap\\Log\\Summary.txt" % version)
        log.parent.mkdir(parents=True)
        log.write_text(version)
    script = r"""
$found = @(Get-ChildItem -Path (Join-Path -Path $env:ProgramFiles -ChildPath 'Microsoft SQL Server\*\Setup Bootstrap\Log\Summary.txt'))
$Ansible.Result = @{ Found = @($found | ForEach-Object { $_.FullName }); Wild = Test-Path -Path 'C:\Program Files\*\1?0'
                     Literal = Test-Path -LiteralPath 'C:\Program Files\*'
                     Content = @(Get-Content -Path 'C:\Program Files\Microsoft SQL Server\1*\Setup Bootstrap\Log\Summary.txt')
                     Cert = Test-Path -LiteralPath 'Cert:\LocalMachine\My\AB' }
"""
    result = ps(lab, script)
    assert not result.failed, result.error_messages
    assert result.result == {"Found": ["C:\\Program Files\\Microsoft SQL Server\\110\\Setup Bootstrap\\Log\\Summary.txt",
                                       "C:\\Program Files\\Microsoft SQL Server\\120\\Setup Bootstrap\\Log\\Summary.txt"],
                             "Wild": True, "Literal": False, "Content": ["110", "120"], "Cert": False}
    # Cert: is certs.py's provider; a drive no provider has is DriveNotFound.
    result = ps(lab, "Get-Item -LiteralPath 'Cert:\\LocalMachine\\My\\AB'")
    assert result.error_messages == ["Cannot find path 'Cert:\\LocalMachine\\My\\AB' because it does not exist."]
    result = ps(lab, "Get-Item -LiteralPath 'Nope:\\AB'")
    assert result.error_messages == ["Cannot find drive. A drive with the name 'Nope' does not exist."]


def test_copy_item_copies_a_file_and_a_tree(lab):
    """Copy-Item: into an existing folder, or to a new name; a folder with -Recurse with its content, keeping the
    files' LastWriteTime (copy-item?view=powershell-5.1)."""
    src = real(lab, SE, "C:\\src\\sub\\a.txt")
    src.parent.mkdir(parents=True)
    src.write_text("a")
    os.utime(src, (1000000000, 1000000000))
    script = r"""
$ErrorActionPreference = 'Stop'
$null = New-Item -ItemType Directory -Path 'C:\dst'
Copy-Item -LiteralPath 'C:\src\sub\a.txt' -Destination 'C:\dst'
Copy-Item -LiteralPath 'C:\src\sub\a.txt' -Destination 'C:\dst\b.txt'
Copy-Item -LiteralPath 'C:\src' -Destination 'C:\tree' -Recurse
$Ansible.Result = @((Get-ChildItem -LiteralPath 'C:\dst' -Name), (Get-ChildItem -LiteralPath 'C:\tree' -Recurse -File).FullName,
                    (Get-Item -LiteralPath 'C:\tree\sub\a.txt').LastWriteTimeUtc.Year)
"""
    result = ps(lab, script)
    assert not result.failed, result.error_messages
    assert result.result == [["a.txt", "b.txt"], "C:\\tree\\sub\\a.txt", 2001]


OLD_DOTNET_CHECK_START = "if (-not $exists -and $Path.StartsWith('\\\\?\\', [System.StringComparison]::Ordinal)) {"


def test_old_inventory_called_a_set_missing_on_old_dotnet(lab, plant_defect):
    """1a7fef5 had no check for .NET before 4.6.2, which refuses \\\\?\\ paths: Test-Path swallowed "Illegal characters in
    path" and the set was reported as missing (https://learn.microsoft.com/dotnet/api/system.io.pathtoolongexception)."""
    _set_with_files(lab)
    with lab.locked() as state:
        state["hosts"][BACKUP]["dotnet_framework"] = "4.5.2"
    path = "\\\\?\\D:\\LyncBackup\\" + SET
    assert run(lab, "lync_file_inventory", BACKUP, Path=path)["failed"]
    text = winps.payload_text("lync_file_inventory")
    start = text.index(OLD_DOTNET_CHECK_START)
    block = text[start:text.index("\n}\n", start) + 3]
    plant_defect("lync_file_inventory", block, "")
    result = run(lab, "lync_file_inventory", BACKUP, Path=path)
    assert not result["failed"] and result["result"] == {"Exists": False, "Files": []}


def test_file_inventory_with_refresh_leaves_out_a_file_removed_after_the_listing(lab):
    """Another process removes a file after Get-ChildItem listed it (the payload sorts every entry first): with
    Refresh, FileInfo.Exists turns false and the file is left out; reading its Length would throw
    FileNotFoundException and fail the whole listing, so the link step would fall back to a full copy
    (hard-link review 2, N2). Without Refresh the enumeration's entry is used as before."""
    _set_with_files(lab)
    path = "\\\\?\\D:\\LyncBackup\\" + SET
    state = lab.load()
    state.setdefault("lab", {})["removed_after_listing"] = ["%s|D:\\LyncBackup\\%s\\db\\rtc.bak" % (BACKUP, SET)]
    lab.save(state)
    result = run(lab, "lync_file_inventory", BACKUP, check_mode=True, Path=path, Refresh=True)
    assert not result["failed"], result["error"]
    assert [f["Path"] for f in result["result"]["Files"]] == ["manifest.json"]
    assert not real(lab, BACKUP, "D:\\LyncBackup\\%s\\db\\rtc.bak" % SET).exists()


def test_an_owner_the_token_may_not_name_is_an_io_exception_at_creation_and_invalid_operation_at_persist(lab):
    """Win32 CreateDirectory with a descriptor naming another owner fails ERROR_INVALID_OWNER (1307), an IOException
    through .NET Framework's error mapping; SetAccessControl (NativeObjectSecurity.Persist) throws
    InvalidOperationException (review s9main 7)."""
    real(lab, SE, "C:\\existing").mkdir(parents=True)
    text = ("$acl = New-Object -TypeName System.Security.AccessControl.DirectorySecurity\n"
            "$acl.SetOwner((New-Object -TypeName System.Security.Principal.SecurityIdentifier -ArgumentList '%s'))\n"
            "try { [System.IO.Directory]::CreateDirectory('C:\\made', $acl) } catch { $created = $_.Exception.InnerException }\n"
            "try { [System.IO.Directory]::SetAccessControl('C:\\existing', $acl) } catch { $persisted = $_.Exception.InnerException }\n"
            "$Ansible.Result = @($created.GetType().FullName, $created.HResult, $persisted.GetType().FullName)" % USER_SID)
    result = ps(lab, text)
    assert result.result == ["System.IO.IOException", -2147023589, "System.InvalidOperationException"], result.error_messages
    assert not real(lab, SE, "C:\\made").exists()


# --- NTFS ACL inheritance as Get-Acl shows it ("ACE inheritance rules",
# https://learn.microsoft.com/windows/win32/secauthz/ace-inheritance-rules; PropagationFlags and InheritanceFlags,
# https://learn.microsoft.com/dotnet/api/system.security.accesscontrol.propagationflags, .inheritanceflags) ----------

TOP = "C:\\Data\\top"
USERS_CREATE_BELOW = {"identity": "S-1-5-32-545", "rights": "CreateFiles, AppendData", "inheritance": "ContainerInherit",
                      "propagation": "None", "type": "Allow"}
USERS_MODIFY_HERE_AND_CHILDREN = {"identity": "S-1-5-32-545", "rights": "Modify",
                                  "inheritance": "ContainerInherit, ObjectInherit", "propagation": "NoPropagateInherit",
                                  "type": "Allow"}
GET_RULES = r"""
$sid = [System.Security.Principal.SecurityIdentifier]
$Ansible.Result = @(foreach ($path in $Paths) {
    $acl = Get-Acl -LiteralPath $path
    (@($acl.GetOwner($sid).Value, $acl.GetType().Name) + @($acl.GetAccessRules($true, $true, $sid) | ForEach-Object {
        '{0} {1} | {2} | {3} {4}' -f $_.IdentityReference.Value, $_.FileSystemRights, $_.InheritanceFlags, $_.PropagationFlags, $_.IsInherited
    })) -join "`n"
})
"""


def _acls_of(lab, *paths):
    """Get-Acl of each path: [owner, type name, "identity rights | inheritance | propagation IsInherited", ...]."""
    for winpath in paths:
        target = real(lab, SE, winpath)
        if winpath.endswith(".txt"):
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text("x")
        else:
            target.mkdir(parents=True, exist_ok=True)
    result = ps(lab, "param($Paths)\n" + GET_RULES, parameters={"Paths": list(paths)})
    assert not result.failed, result.error_messages
    return [text.split("\n") for text in result.result]


def test_a_file_does_not_inherit_a_container_only_rule(lab):
    """CONTAINER_INHERIT_ACE only: "Noncontainer child objects: No effect on the child object"."""
    _plant_acl(lab, TOP, {"owner": "S-1-5-32-544", "protected": True, "inherited": False,
                          "rules": ADMINS_SYSTEM + [USERS_CREATE_BELOW]})
    sub, file_ = _acls_of(lab, TOP + "\\sub", TOP + "\\f.txt")
    assert sub[2:] == ["S-1-5-32-544 FullControl | ContainerInherit, ObjectInherit | None True",
                       "S-1-5-18 FullControl | ContainerInherit, ObjectInherit | None True",
                       "S-1-5-32-545 CreateFiles, AppendData | ContainerInherit | None True"]
    assert file_ == ["S-1-5-32-544", "FileSecurity", "S-1-5-32-544 FullControl | None | None True",
                     "S-1-5-18 FullControl | None | None True"]


def test_an_object_inherit_only_rule_reaches_files_through_subfolders_as_inherit_only(lab):
    """OBJECT_INHERIT_ACE only: a file inherits an effective ACE; a folder "inherit[s] an inherit-only ACE", so the
    files of the subfolder get it too. The rule being InheritOnly on `top` does not stop it reaching them
    ("propagated only to child objects")."""
    _plant_acl(lab, TOP, {"owner": "S-1-5-32-544", "protected": True, "inherited": False,
                          "rules": [USERS_MODIFY_FILES_BELOW]})
    file_, sub, deeper, sub_file, deep_file = _acls_of(
        lab, TOP + "\\f.txt", TOP + "\\sub", TOP + "\\sub\\deeper", TOP + "\\sub\\f.txt", TOP + "\\sub\\deeper\\f.txt")
    assert file_[2:] == sub_file[2:] == deep_file[2:] == ["S-1-5-32-545 Modify | None | None True"]
    assert sub[2:] == deeper[2:] == ["S-1-5-32-545 Modify | ObjectInherit | InheritOnly True"]


def test_a_no_propagate_rule_reaches_the_children_only(lab):
    """NO_PROPAGATE_INHERIT_ACE: the child's copy is not inheritable, so the grandchildren do not get it."""
    _plant_acl(lab, TOP, {"owner": "S-1-5-32-544", "protected": True, "inherited": False,
                          "rules": ADMINS_SYSTEM[:1] + [USERS_MODIFY_HERE_AND_CHILDREN]})
    sub, file_, grandchild, grandchild_file = _acls_of(
        lab, TOP + "\\sub", TOP + "\\f.txt", TOP + "\\sub\\deeper", TOP + "\\sub\\f.txt")
    assert sub[2:] == ["S-1-5-32-544 FullControl | ContainerInherit, ObjectInherit | None True",
                       "S-1-5-32-545 Modify | None | None True"]
    assert file_[2:] == ["S-1-5-32-544 FullControl | None | None True", "S-1-5-32-545 Modify | None | None True"]
    assert grandchild[2:] == ["S-1-5-32-544 FullControl | ContainerInherit, ObjectInherit | None True"]
    assert grandchild_file[2:] == ["S-1-5-32-544 FullControl | None | None True"]


def test_creator_owner_names_the_owner_of_a_new_file_and_stays_inherit_only_on_a_folder(lab):
    """CREATOR OWNER "is replaced with the SID for the object's creator" when inherited
    (https://learn.microsoft.com/windows/win32/secauthz/well-known-sids): a file gets its owner's ACE and no CREATOR
    OWNER entry; a folder gets its owner's effective ACE (not inheritable) and CREATOR OWNER inherit-only."""
    _plant_acl(lab, TOP, {"owner": "S-1-5-32-544", "protected": True, "inherited": False,
                          "rules": ADMINS_SYSTEM[:1] + [CREATOR_OWNER_ONLY_BELOW]})
    with lab.locked() as state:
        state["hosts"][SE]["admin_default_owner"] = "object_creator"  # new objects are owned by their creator
    result = ps(lab, "$null = [System.IO.Directory]::CreateDirectory('%s\\made')\n"
                "[System.IO.File]::WriteAllText('%s\\made.txt', 'x')\n" % (TOP, TOP) + "$Paths = @('%s\\made', '%s\\made.txt')"
                % (TOP, TOP) + GET_RULES)
    assert not result.failed, result.error_messages
    folder, file_ = [text.split("\n") for text in result.result]
    user = folder[0]
    assert user.startswith("S-1-5-21-") and file_[0] == user, result.result
    assert folder[2:] == ["S-1-5-32-544 FullControl | ContainerInherit, ObjectInherit | None True",
                          "%s FullControl | None | None True" % user,
                          "S-1-3-0 FullControl | ContainerInherit, ObjectInherit | InheritOnly True"]
    assert file_[2:] == ["S-1-5-32-544 FullControl | None | None True", "%s FullControl | None | None True" % user]
    # A file already there, owned by Administrators: CREATOR OWNER's copy names Administrators.
    (planted,) = _acls_of(lab, TOP + "\\planted.txt")
    assert planted[2:] == ["S-1-5-32-544 FullControl | None | None True", "S-1-5-32-544 FullControl | None | None True"]


def test_a_file_with_no_recorded_folder_above_gets_what_reaches_a_file_from_the_default_acl(lab):
    """A file in a folder that has C:\\ProgramData's inherited ACL (DEFAULT_INHERITED_ACL): not the Users'
    container-only "create files" rule, nor CREATOR OWNER's inherit-only entry (its owner's copy instead)."""
    folder, file_ = _acls_of(lab, "C:\\ProgramData\\X", "C:\\ProgramData\\X\\f.txt")
    assert "S-1-5-32-545 CreateFiles, AppendData | ContainerInherit | None True" in folder[2:]
    assert file_ == ["S-1-5-32-544", "FileSecurity", "S-1-5-18 FullControl | None | None True",
                     "S-1-5-32-544 FullControl | None | None True", "S-1-5-32-544 FullControl | None | None True",
                     "S-1-5-32-545 ReadAndExecute | None | None True"]
