"""The lab's record of remote calls (LYNC_LAB_CALLS), which the bench (tests/bench/) reads."""

from lync_lab import boundary, calls, fsops, labrun, netid, winps
from lync_lab.context import Context


def test_calls_are_recorded_only_when_asked(tmp_path, monkeypatch):
    path = tmp_path / "calls.jsonl"
    monkeypatch.delenv("LYNC_LAB_CALLS", raising=False)
    with calls.recorded("fe01", "lync_host_probe"):
        pass
    assert not path.exists()
    monkeypatch.setenv("LYNC_LAB_CALLS", str(path))
    with calls.recorded("fe01", "lync_host_probe"):
        pass
    (call,) = calls.load(path)
    assert call["host"] == "fe01" and call["name"] == "lync_host_probe" and call["end"] >= call["start"]
    assert call["cpu"] > 0  # this process's CPU so far


def test_max_concurrent_counts_overlaps_and_windows():
    found = [{"start": 0, "end": 2}, {"start": 1, "end": 3}, {"start": 2, "end": 4}, {"start": 10, "end": 11}]
    assert calls.max_concurrent(found) == 2  # one ends as the third starts
    assert calls.max_concurrent(found, since=5) == 1
    assert calls.max_concurrent([]) == 0


# --- bytes moved (the bench's "network transfers" and "backup-disk reads") --------------------------------

SE = "lyncse01.contoso.local"
BACKUP = "backup01.contoso.local"
SHARE = "\\\\backup01.contoso.local\\LyncBackup\\t"
SHARE_USER = "CONTOSO\\lyncshare"


def _moves(path):
    (call,) = calls.load(path)
    return {(m["actor"], m["disk"], m["op"]): m["bytes"] for m in call["bytes"]}


def _ps(lab, host, text, network_user=SHARE_USER):
    with lab.locked() as state:
        ctx = Context(lab, state, host, False, [], "test")
        ctx.network_user = network_user
        with netid.session(ctx):
            ran = boundary.open_session(ctx).engine.run(text, {})
    assert ran.terminating_error is None, ran.terminating_error
    return ran


def test_bytes_are_counted_by_who_moved_them_and_whose_disk(make_lab, tmp_path, monkeypatch):
    """A local write, a copy to the backup share (a local read, a network write), a hash over SMB (a network
    read of the backup server's disk), a FileStream written in two chunks (the chunks, not the file the lab
    rewrites at each Write) and reopened only to write (no read)."""
    lab = make_lab("standard")
    path = tmp_path / "calls.jsonl"
    monkeypatch.setenv("LYNC_LAB_CALLS", str(path))
    with calls.recorded(SE, "test"):
        _ps(lab, SE, "\n".join([
            "$null = New-Item -ItemType Directory -Path C:\\bench",
            "Set-Content -LiteralPath C:\\bench\\a.txt -Value ('x' * 998)",  # 998 + CRLF = 1000 bytes
            "$null = New-Item -ItemType Directory -Path %s" % SHARE,
            "Copy-Item -LiteralPath C:\\bench\\a.txt -Destination %s\\a.txt" % SHARE,
            "$null = Get-FileHash -LiteralPath %s\\a.txt" % SHARE,
            "[byte[]]$b = 1..100",
            "$s = [System.IO.File]::OpenWrite('%s\\b.bin'); $s.Write($b, 0, 100); $s.Write($b, 0, 50); $s.Dispose()"
            % SHARE,
            "$s = [System.IO.File]::OpenWrite('%s\\b.bin'); $s.Write($b, 0, 7); $s.Dispose()" % SHARE]))
    assert _moves(path) == {(SE, SE, "write"): 1000, (SE, SE, "read"): 1000, (SE, BACKUP, "write"): 1000 + 157,
                            (SE, BACKUP, "read"): 1000}


def test_nothing_is_counted_without_a_record(make_lab, monkeypatch):
    lab = make_lab("standard")
    monkeypatch.delenv("LYNC_LAB_CALLS", raising=False)
    with calls.recorded(SE, "test"):
        _ps(lab, SE, "Set-Content -LiteralPath C:\\a.txt -Value abc")
        assert calls.network_bytes() == 0 and calls._CURRENT[-1]["tally"] is None  # pylint: disable=protected-access


def test_the_labs_own_time_is_recorded_apart(make_lab, tmp_path, monkeypatch):
    """The time a call waits for the lab lock and loads and saves the state is the lab's, not the host's."""
    lab = make_lab("standard")
    path = tmp_path / "calls.jsonl"
    monkeypatch.setenv("LYNC_LAB_CALLS", str(path))
    with calls.recorded(SE, "test"):
        with lab.locked():
            pass
    (call,) = calls.load(path)
    assert 0 < call["lab"] <= call["end"] - call["start"]


def _remote_backup(lab, faults=()):
    """lync_sql_backup run on fe01 against sqlmon01's instance, to the backup share."""
    return winps.run({"script": winps.payload_text("lync_sql_backup"), "depth": 12, "parameters": {
        "SqlInstance": "sqlmon01.contoso.local\\RTC", "Databases": ["LcsCDR"], "FileCount": 1, "CopyOnly": True,
        "TargetFolder": SHARE + "\\sql", "Checksum": True, "Compress": False, "Verify": True}},
        False, str(lab.state_path), "fe01.contoso.local", list(faults))


def test_sql_server_moves_the_backup_bytes(make_lab, tmp_path, monkeypatch):
    """BACKUP DATABASE and RESTORE VERIFYONLY read and write as the SQL Server service, on the SQL host,
    whichever host runs the payload (sqlbak, boundary/sql.py); the payload's own hash reads from its host."""
    lab = make_lab("enterprise")
    path = tmp_path / "calls.jsonl"
    monkeypatch.setenv("LYNC_LAB_CALLS", str(path))
    monkeypatch.setenv("LYNC_LAB_NET_USER", SHARE_USER)
    result = _remote_backup(lab)
    assert not result.get("failed"), result
    moves = _moves(path)
    written = moves[("sqlmon01.contoso.local", BACKUP, "write")]
    assert written > 0 and moves[("sqlmon01.contoso.local", BACKUP, "read")] == written  # VERIFYONLY
    assert moves.get(("fe01.contoso.local", BACKUP, "read"), 0) in (0, written)  # Get-FileHash over SMB, if any
    # fe01 writes nothing elsewhere (on its own disk, only the payload's session record in its temporary folder).
    assert not any(actor == "fe01.contoso.local" and op == "write" and disk != "fe01.contoso.local"
                   for actor, disk, op in moves), moves


# --- the slow fault's per-byte cost (a bench knob) -----------------------------------------------------

def test_slow_fault_adds_its_cost_per_network_byte(make_lab, tmp_path, monkeypatch):
    """seconds_per_mb counts only bytes that crossed hosts, and works without a record (LYNC_LAB_CALLS unset)."""
    lab = make_lab("enterprise")
    path = tmp_path / "calls.jsonl"
    monkeypatch.setenv("LYNC_LAB_CALLS", str(path))
    monkeypatch.setenv("LYNC_LAB_NET_USER", SHARE_USER)
    slept = []
    monkeypatch.setattr(winps.time, "sleep", slept.append)
    assert not _remote_backup(lab, [{"kind": "slow", "seconds": 3}]).get("failed")
    assert slept == [3.0]  # no per-byte cost unless asked
    network = sum(n for (actor, disk, dummy), n in _moves(path).items() if actor != disk)
    assert network > 0
    slept.clear()
    monkeypatch.delenv("LYNC_LAB_CALLS")
    assert not _remote_backup(lab, [{"kind": "slow", "seconds": 3, "seconds_per_mb": 2 ** 20}]).get("failed")
    assert slept == [3.0 + network]  # the same backup again: 1 s per byte moved between hosts


def test_slow_fault_costs_a_stand_in_module_its_network_bytes(make_lab, monkeypatch):
    lab = make_lab("standard")
    slept = []
    monkeypatch.setattr(labrun.time, "sleep", slept.append)
    env = {"LYNC_LAB_STATE": str(lab.state_path), "LYNC_LAB_HOST": SE}

    def copy(ctx):
        fsops.write_bytes(ctx, "C:\\local.bin", b"l" * 300)  # on its own disk: free
        fsops.write_bytes(ctx, SHARE + "\\x.bin", b"x" * 1000, account=SHARE_USER)
    labrun.run_on_host(env, [{"kind": "slow", "seconds": 5, "seconds_per_mb": 2 ** 20}], "win_robocopy", copy)
    assert slept == [1000.0]  # no per-call seconds for a stand-in module, 1000 bytes at 1 s a byte
    labrun.run_on_host(env, [{"kind": "slow", "seconds": 5}], "win_robocopy", copy)
    assert slept == [1000.0]
