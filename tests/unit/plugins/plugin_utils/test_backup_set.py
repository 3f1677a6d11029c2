"""Backup set rules: names, roots, manifests, verification, and retention that never loses the last good set."""

import datetime

import pytest

from ansible_collections.lync.server.plugins.plugin_utils import backup_set as bs

NOW = datetime.datetime(2026, 11, 24, 3, 0, tzinfo=datetime.timezone.utc)


def sid(day, token="abcdef", hour=2):
    return "lync-202611%02dT%02d0000Z-%s" % (day, hour, token)


def manifest(set_id, ok=True, files=(("cms/config.zip", 10, "AA"),)):
    item = {"id": "cms_config:global", "kind": "cms_config", "scope": "global", "host": "fe01", "status": "ok" if ok else "failed",
            "files": [{"path": p, "bytes": b, "sha256": h} for p, b, h in files]}
    return {"format": 1, "set_id": set_id, "status": "complete" if ok else "partial", "items": [item], "errors": []}


@pytest.mark.parametrize("root", ["\\\\backup01.contoso.local\\LyncBackup", "\\\\backup01\\Lync Backup\\nightly",
                                  "D:\\LyncBackup", "\\\\backup01.contoso.local\\LyncBackup\\"])
def test_good_roots(root):
    assert bs.check_root(root) == root.rstrip("\\")


@pytest.mark.parametrize("root", ["", "LyncBackup", "\\\\backup01", "\\\\backup01\\share\\..\\other", "D:", "D:\\a*b",
                                  "\\\\server\\share\\a\"b", "/mnt/backup", None])
def test_bad_roots(root):
    with pytest.raises(bs.BackupSetError):
        bs.check_root(root)


def test_set_ids_carry_their_time():
    set_id = bs.new_set_id(NOW, "a1b2c3")
    assert set_id == "lync-20261124T030000Z-a1b2c3"
    assert bs.set_time(set_id) == NOW
    assert bs.SET_ID_RE.match(bs.new_set_id())
    for bad in ("lync-2026-11-24", "../lync-20261124T030000Z-a1b2c3", "lync-20261124T030000Z-A1B2C3"):
        with pytest.raises(bs.BackupSetError):
            bs.check_set_id(bad)


def test_set_path_splits_into_root_and_id():
    assert bs.check_set_path("\\\\b\\s\\" + sid(1)) == ("\\\\b\\s", sid(1))
    with pytest.raises(bs.BackupSetError):
        bs.check_set_path("\\\\b\\s\\not-a-set")


def test_manifest_status_must_match_its_items():
    good = manifest(sid(1))
    assert bs.parse_manifest(bs.document_text(good))["status"] == "complete"
    lying = dict(good, status="partial")
    with pytest.raises(bs.BackupSetError, match="says partial but its items say otherwise"):
        bs.validate_manifest(lying)
    with pytest.raises(bs.BackupSetError, match="not JSON"):
        bs.parse_manifest("{")
    with pytest.raises(bs.BackupSetError, match="format"):
        bs.validate_manifest(dict(good, format=2))


def test_compare_finds_missing_resized_and_changed_files_and_lists_extras():
    doc = manifest(sid(1), files=(("a", 1, "AA"), ("b", 2, "BB"), ("c", 3, "CC")))
    listing = [{"Path": "a", "Bytes": 1, "Sha256": "aa"}, {"Path": "b", "Bytes": 5, "Sha256": "BB"},
               {"Path": "x", "Bytes": 1, "Sha256": "XX"}, {"Path": "manifest.json", "Bytes": 1, "Sha256": "M"}]
    problems, extra = bs.compare(doc, listing, hashed=True)
    assert problems == ["b has 5 bytes, the manifest says 2", "c is missing"]
    assert extra == ["x"]
    listing[0]["Sha256"] = "ZZ"
    assert bs.compare(doc, listing, hashed=True)[0][0] == "a does not match its SHA-256 (changed after the backup)"
    assert bs.compare(doc, listing, hashed=False)[0] == ["b has 5 bytes, the manifest says 2", "c is missing"]


def test_describe_tells_unfinished_invalid_and_foreign_manifests_apart():
    assert bs.describe(sid(1), None)["status"] == "incomplete"
    assert bs.describe(sid(1), "nonsense")["status"] == "invalid"
    assert bs.describe(sid(1), bs.document_text(manifest(sid(2))))["problems"] == ["manifest.json belongs to %s" % sid(2)]
    info = bs.describe(sid(1), bs.document_text(manifest(sid(1))))
    assert (info["status"], info["items_ok"], info["bytes"]) == ("complete", 1, 10)


def described(day, status="complete", problems=(), token="abcdef"):
    info = bs.describe(sid(day, token), None if status == "incomplete" else bs.document_text(
        manifest(sid(day, token), ok=status == "complete")))
    info["problems"].extend(problems)
    return info


def test_retention_by_count_keeps_the_newest_trusted_sets():
    sets = [described(d) for d in (10, 11, 12, 13, 14)]
    remove, keep, dummy = bs.retention_plan(sets, NOW, keep_sets=3)
    assert remove == [sid(11), sid(10)] and keep == [sid(14), sid(13), sid(12)]


def test_retention_by_days():
    sets = [described(d) for d in (1, 10, 20, 23)]
    remove, dummy, reasons = bs.retention_plan(sets, NOW, keep_days=7)
    assert remove == [sid(10), sid(1)]
    assert reasons[sid(20)] == "kept: younger than 7 days"


def test_the_newest_trusted_set_survives_any_setting():
    old = described(1)
    damaged = described(20, problems=["cms/config.zip is missing"])
    partial = described(22, status="partial")
    remove, keep, reasons = bs.retention_plan([old, damaged, partial], NOW, keep_days=1)
    assert keep[-1] == sid(1) and sid(1) not in remove and reasons[sid(1)] == "kept: newest trusted set"
    assert sid(20) in remove and reasons[sid(20)] == "removed: damaged set older than retention"


def test_untrusted_sets_go_only_when_older_than_what_is_kept():
    sets = [described(10), described(11, status="partial"), described(12), described(13, status="incomplete"),
            described(14)]
    remove, keep, reasons = bs.retention_plan(sets, NOW, keep_sets=2)
    # Kept trusted: 14 and 12; the incomplete 13 lies between them and stays; 11 and 10 are older.
    assert sorted(remove) == [sid(10), sid(11)]
    assert reasons[sid(13)] == "kept: incomplete set still within retention"


def test_nothing_is_removed_without_a_trusted_set_or_without_settings():
    untrusted = [described(1, status="partial"), described(2, problems=["x"]), described(3, status="incomplete")]
    assert bs.retention_plan(untrusted, NOW, keep_sets=1)[0] == []
    assert bs.retention_plan([described(1), described(2)], NOW)[0] == []


def test_protected_sets_stay():
    sets = [described(d) for d in (10, 11, 12)]
    remove, dummy, reasons = bs.retention_plan(sets, NOW, keep_sets=1, protect={sid(10)})
    assert remove == [sid(11)] and reasons[sid(10)] == "kept: protected"


def test_document_entries_match_document_text():
    entry = bs.document_entry("identity/fe01.json", {"b": 1, "a": [1, 2]})
    assert entry["bytes"] == len(bs.document_text({"a": [1, 2], "b": 1}).encode())
    assert len(entry["sha256"]) == 64 and entry["sha256"].isupper()
