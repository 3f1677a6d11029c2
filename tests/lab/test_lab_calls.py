"""The lab's record of remote calls (LYNC_LAB_CALLS), which the bench (tests/bench/) reads."""

from lync_lab import calls


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


def test_max_concurrent_counts_overlaps_and_windows():
    found = [{"start": 0, "end": 2}, {"start": 1, "end": 3}, {"start": 2, "end": 4}, {"start": 10, "end": 11}]
    assert calls.max_concurrent(found) == 2  # one ends as the third starts
    assert calls.max_concurrent(found, since=5) == 1
    assert calls.max_concurrent([]) == 0
