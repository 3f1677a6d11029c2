"""Backup set rules: names, roots, manifests, verification, and retention that never loses the last good set."""

import datetime

import pytest

from ansible_collections.lync.server.plugins.plugin_utils import backup_set as bs

NOW = datetime.datetime(2026, 11, 24, 3, 0, tzinfo=datetime.timezone.utc)


def sid(day, token="abcdef", hour=2):
    return "lync-202611%02dT%02d0000Z-%s" % (day, hour, token)


KEY = "correct horse battery staple"
# The smallest topology: no pools, stores or file stores; its backup must hold the three CMS exports.
TOPOLOGY = {"pools": [], "cms": {"pool": None}, "sql_stores": [], "file_stores": []}


def manifest(set_id, ok=True, files=(("cms/config.zip", 10, "AA"),)):
    item = {"id": "cms_config:global", "kind": "cms_config", "scope": "global", "host": "fe01", "status": "ok" if ok else "failed",
            "files": [{"path": p, "bytes": b, "sha256": h} for p, b, h in files]}
    others = [{"id": "%s:global" % kind, "kind": kind, "scope": "global", "host": "fe01", "status": "ok", "files": []}
              for kind in ("cms_lis", "cms_topology")]
    return {"format": 1, "set_id": set_id, "status": "complete" if ok else "partial", "items": [item] + others,
            "errors": [], "topology": TOPOLOGY, "started": bs.set_time(set_id).strftime("%Y-%m-%dT%H:%M:%SZ")}


def signed(text):
    return bs.sign(text, KEY)


@pytest.mark.parametrize("root", ["\\\\backup01.contoso.local\\LyncBackup", "\\\\backup01\\Lync Backup\\nightly",
                                  "D:\\LyncBackup", "\\\\backup01.contoso.local\\LyncBackup\\"])
def test_good_roots(root):
    assert bs.check_root(root) == root.rstrip("\\")


@pytest.mark.parametrize("root", ["", "LyncBackup", "\\\\backup01", "\\\\backup01\\share\\..\\other", "D:", "D:\\a*b",
                                  "\\\\server\\share\\a\"b", "/mnt/backup", None])
def test_bad_roots(root):
    with pytest.raises(bs.BackupSetError):
        bs.check_root(root)


@pytest.mark.parametrize("root, name", [("\\\\backup01\\LyncBackup.", "LyncBackup."),
                                        ("\\\\backup01\\LyncBackup \\nightly", "LyncBackup "),
                                        ("D:\\Lync.\\nightly", "Lync."), ("\\\\backup01.\\LyncBackup", "backup01.")])
def test_a_name_ending_in_a_period_or_a_space_is_refused_by_root_and_path_checks(root, name):
    """Win32 drops those characters from a plain path and keeps them in a \\\\?\\ one: two payloads would use two
    folders (review s11, 5). The message names the folder."""
    for check, what in ((bs.check_root, "root"), (bs.check_path, "path")):
        with pytest.raises(bs.BackupSetError) as caught:
            check(root)
        assert str(caught.value) == ("%s %r has a name ending in a period or a space (%r): Windows does not keep that "
                                     "character in every path form; rename the folder" % (what, root, name))


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
        bs.validate_manifest(dict(good, format=3))
    assert bs.validate_manifest(dict(good, format=1))  # sets made before listings are still read
    # A manifest that says complete must hold the items its topology requires (issue 11: a forged set
    # with no items won as the newest complete set).
    with pytest.raises(bs.BackupSetError, match="lists no items|lacks the items"):
        bs.validate_manifest(dict(good, items=[]))
    with pytest.raises(bs.BackupSetError, match="cms_lis:global"):
        bs.validate_manifest(dict(good, items=good["items"][:1] + good["items"][2:]))


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
    assert bs.describe(sid(1), None, NOW)["status"] == "incomplete"
    assert bs.describe(sid(1), "nonsense", NOW)["status"] == "invalid"
    assert bs.describe(sid(1), bs.document_text(manifest(sid(2))), NOW)["problems"] == ["manifest.json belongs to %s" % sid(2)]
    text = bs.document_text(manifest(sid(1)))
    info = bs.describe(sid(1), text, NOW, signed(text), KEY)
    assert (info["status"], info["items_ok"], info["bytes"], info["signature"]) == ("complete", 3, 10, "valid")
    assert bs.is_trusted(info)


def described(day, status="complete", problems=(), token="abcdef"):
    text = None if status == "incomplete" else bs.document_text(manifest(sid(day, token), ok=status == "complete"))
    info = bs.describe(sid(day, token), text, NOW, signed(text) if text else None, KEY)
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


# --- issue 11: sets that cannot lie ------------------------------------------------------------

def forged(set_id, items=()):
    """A folder a careless or hostile writer made: a manifest that says complete, unsigned or signed
    with another key."""
    doc = dict(manifest(set_id), items=list(items))
    return bs.document_text(doc)


def test_a_folder_with_an_impossible_date_is_listed_invalid_never_fatal():
    stray = "lync-20261399T999999Z-abcdef"
    info = bs.describe(stray, None, NOW)
    assert info["status"] == "invalid" and "not a real time" in info["problems"][0]
    remove, keep, reasons = bs.retention_plan([info, described(20), described(21)], NOW, keep_sets=1)
    assert stray in keep and stray not in remove and reasons[stray].startswith("kept: not a backup set")
    assert remove == [sid(20)]


def test_future_dated_sets_are_never_trusted_and_never_cost_a_real_set():
    future = ["lync-20991231T23595%dZ-abcdef" % n for n in range(3)]
    infos = [bs.describe(f, forged(f, manifest(f)["items"]), NOW, signed(forged(f, manifest(f)["items"])), KEY)
             for f in future]
    assert all(i["status"] == "invalid" and "in the future" in i["problems"][0] for i in infos)
    real = [described(d) for d in (20, 21, 22)]
    remove, keep, dummy = bs.retention_plan(infos + real, NOW, keep_sets=3)
    assert remove == [] and set(sid(d) for d in (20, 21, 22)) <= set(keep)


def test_forged_sets_without_the_key_do_not_count_as_trusted():
    fakes = [sid(d, "f0f0f%d" % (d - 20)) for d in (21, 22, 23)]
    infos = [bs.describe(f, forged(f, manifest(f)["items"]), NOW, None, KEY) for f in fakes]
    infos += [bs.describe(f, forged(f, manifest(f)["items"]), NOW, bs.sign("other", KEY), KEY) for f in
              [sid(19, "0000ff")]]
    assert [bs.condition(i) for i in infos] == ["unsigned", "unsigned", "unsigned", "tampered"]
    real = [described(d) for d in (10, 11, 12)]
    remove, keep, dummy = bs.retention_plan(infos + real, NOW, keep_sets=3)
    assert not set(remove) & {sid(d) for d in (10, 11, 12)}


def test_a_manifest_changed_after_signing_is_tampered():
    text = bs.document_text(manifest(sid(5)))
    changed = text.replace('"bytes": 10', '"bytes": 11')
    info = bs.describe(sid(5), changed, NOW, signed(text), KEY)
    assert info["signature"] == "wrong" and bs.condition(info) == "tampered" and not bs.is_trusted(info)


def test_unsigned_sets_need_the_explicit_override_and_it_is_said_loudly():
    text = bs.document_text(manifest(sid(5)))
    refused = bs.describe(sid(5), text, NOW, None, KEY)
    assert not bs.is_trusted(refused) and "allow_unsigned" in refused["problems"][0]
    allowed = bs.describe(sid(5), text, NOW, None, KEY, allow_unsigned=True)
    assert bs.is_trusted(allowed)
    assert bs.override_warning([allowed]).startswith("OVERRIDE: allow_unsigned")
    no_key = bs.describe(sid(5), text, NOW, signed(text), None)
    assert not bs.is_trusted(no_key) and "lync_backup_signing_key" in no_key["problems"][0]
    # A wrong signature is never overridden.
    assert not bs.is_trusted(bs.describe(sid(5), text, NOW, bs.sign(text, "other"), KEY, allow_unsigned=True))


def test_sets_are_ordered_by_the_time_their_manifest_recorded():
    text = bs.document_text(dict(manifest(sid(20)), started="2026-11-20T02:00:00Z"))
    late = bs.describe(sid(20), text, NOW, signed(text), KEY)
    early = described(21)
    assert [s["set_id"] for s in bs.ordered([late, early])] == [sid(21), sid(20)]
    # A manifest whose recorded start does not match its folder's name is not trusted.
    lying = bs.document_text(dict(manifest(sid(20)), started="2026-11-23T02:00:00Z"))
    assert bs.describe(sid(20), lying, NOW, signed(lying), KEY)["status"] == "invalid"


@pytest.mark.parametrize("path", ["../outside.txt", "a/../../b", "C:/Windows/x", "\\\\evil\\share\\x", "/etc/x",
                                  "a\\b", "a//b", "a/./b", "", "a/b:stream", "con?", "trailing ", None, 7])
def test_manifest_paths_outside_the_set_refuse_the_set(path):
    doc = manifest(sid(5), files=((path, 1, "AA"),))
    with pytest.raises(bs.BackupSetError, match="manifest file path"):
        bs.validate_manifest(doc)
    info = bs.describe(sid(5), bs.document_text(doc), NOW, signed(bs.document_text(doc)), KEY)
    assert info["status"] == "invalid"


def test_good_manifest_paths():
    for path in ("filestores/fs01.contoso.local_lyncshare/1-WebServices-1/Meeting Content/x y.dat",
                 "sql/sql01_mssqlserver/LcsCDR.bak", "identity/fe01.contoso.local.json"):
        assert bs.check_manifest_path(path) == path


def test_untrusted_sets_wait_for_keep_sets_trusted_ones():
    # The first signed night: the sets made before signing are unsigned, so untrusted; keep_sets=3
    # removes none of them until three trusted sets are newer.
    old = [bs.describe(sid(d), bs.document_text(manifest(sid(d))), NOW, None, KEY) for d in (10, 11, 12)]
    first = described(13)
    remove, dummy, dummy2 = bs.retention_plan(old + [first], NOW, keep_sets=3)
    assert remove == []
    later = [described(d) for d in (14, 15)]
    remove, dummy, dummy2 = bs.retention_plan(old + [first] + later, NOW, keep_sets=3)
    assert sorted(remove) == [sid(10), sid(11), sid(12)]


def test_file_problems_name_the_bad_files_and_the_extra_ones():
    doc = manifest(sid(1), files=(("a", 1, "AA"), ("b", 2, "BB")))
    listing = [{"Path": "a", "Bytes": 1, "Sha256": "AB"}, {"Path": "b", "Bytes": 2, "Sha256": "BB"},
               {"Path": "planted.exe", "Bytes": 1, "Sha256": "XX"}, {"Path": "manifest.sig", "Bytes": 65, "Sha256": "S"}]
    bad, extra = bs.file_problems(doc, listing, hashed=True)
    assert list(bad) == ["a"] and extra == ["planted.exe"]


def test_a_partial_set_with_a_wrong_signature_is_tampered_not_partial():
    text = bs.document_text(manifest(sid(5), ok=False))
    assert bs.condition(bs.describe(sid(5), text, NOW, signed(text), KEY)) == "partial"
    assert bs.condition(bs.describe(sid(5), text, NOW, bs.sign(text, "other"), KEY)) == "tampered"
    assert bs.condition(bs.describe(sid(5), text, NOW, None, KEY)) == "unsigned"


@pytest.mark.parametrize("signature", ["", "   ", "zz" * 32, "é" * 64, "AB" * 31, "\ufeff" + "ab" * 33])
def test_a_damaged_signature_file_is_wrong_never_a_crash(signature):
    # hmac.compare_digest refuses non-ASCII str (https://docs.python.org/3/library/hmac.html): bytes are
    # compared, and a manifest.sig that exists but is not 64 hex digits is wrong (the backup never writes one).
    text = bs.document_text(manifest(sid(5)))
    info = bs.describe(sid(5), text, NOW, signature, KEY, allow_unsigned=True)
    assert info["signature"] == "wrong" and bs.condition(info) == "tampered"


def test_a_signature_with_a_bom_or_a_newline_is_still_valid():
    text = bs.document_text(manifest(sid(5)))
    for written in (signed(text) + "\n", signed(text) + "\r\n", "\ufeff" + signed(text), signed(text).lower()):
        assert bs.describe(sid(5), text, NOW, written, KEY)["signature"] == "valid"


def test_a_set_that_cannot_be_read_is_invalid_and_the_others_are_listed():
    info = bs.describe(sid(5), None, NOW, None, KEY, read_error="Access to the path is denied.")
    assert info["status"] == "invalid" and "could not be read: Access to the path is denied." in info["problems"][0]


def test_a_root_past_max_path_is_refused():
    with pytest.raises(bs.BackupSetError, match="longer than 200 characters"):
        bs.check_root("\\\\backup01.contoso.local\\" + "x" * 190)


@pytest.mark.parametrize("failure", [
    {"failed": True, "msg": "Timed out after 5 seconds.", "timedout": {"period": 5}},  # ansible-core 2.19
    {"failed": True, "msg": "The lync.server.lync_data_export action failed to execute in the expected time frame (5) "
                            "and was terminated"},  # ansible-core 2.16
])
def test_a_timed_out_item_says_so_on_every_core_release(failure):
    from ansible_collections.lync.server.plugins.plugin_utils import backup_plan
    record = backup_plan.item_result({"id": "userdata:pool01.contoso.local"}, failure, True)
    assert record["status"] == "failed" and record["error"].startswith("timed out after 5 seconds (backup_timeouts)")


def test_sensitive_parameters_mask_themselves_when_printed_but_travel_whole():
    # ANSIBLE_DEBUG logs _execute_module's arguments with "%s"; the JSON sent to the module keeps the value.
    import json
    from ansible_collections.lync.server.plugins.plugin_utils import payload
    entries = payload._sensitive({"Password": "Vault-Secret-1"}, {"Cred": ("CONTOSO\\svc", "Vault-Secret-2")})  # pylint: disable=protected-access
    shown = "%s" % {"sensitive_parameters": entries}
    assert "Vault-Secret" not in shown and "********" in shown
    assert "Vault-Secret-1" in json.dumps(entries) and "Vault-Secret-2" in json.dumps(entries)


@pytest.mark.parametrize("text, expected", [
    ("2026-01-15T09:00:00Z", "2026-01-15T09:00:00+00:00"),
    ("2026-11-25T02:00:01.1234567Z", "2026-11-25T02:00:01.123456+00:00"),  # .NET's 'o' (seven digits)
    ("2026-11-25T03:00:01.1234567+01:00", "2026-11-25T02:00:01.123456+00:00"),
    ("2026-11-24T21:30:00-0430", "2026-11-25T02:00:00+00:00"),
    ("2026-11-25T02:00:01", "2026-11-25T02:00:01+00:00"),  # no offset: UTC
])
def test_parse_time_reads_the_forms_windows_and_manifests_write(text, expected):
    assert bs.parse_time(text).isoformat() == expected


@pytest.mark.parametrize("text", [None, "", "yesterday", "2026-13-01T00:00:00Z", "2026-01-15 09:00:00Z", 5])
def test_parse_time_refuses_what_is_no_time(text):
    assert bs.parse_time(text) is None


def test_paths_below_a_long_root_take_the_extended_form():
    """A root may be 200 characters; a set's folders lie 30 and more below it. The close lists
    <root>\\<set>\\persistentchat: the root's length rule must not apply to it (a 185-character root crashed the close)."""
    root = "\\\\backup01.contoso.local\\LyncBackup\\" + "x" * (185 - 36)
    assert len(root) == 185 and bs.check_root(root) == root
    folder = bs.set_path(root, "lync-20261124T020000Z-abcdef") + "\\persistentchat"
    assert bs.extended_path(folder) == "\\\\?\\UNC\\" + folder[2:]
    with pytest.raises(bs.BackupSetError):
        bs.check_root(root + "\\" + "y" * 20)
    with pytest.raises(bs.BackupSetError):
        bs.extended_path(root + "\\..\\other")


def test_a_long_path_takes_the_prefix_only_when_a_file_below_it_would_pass_max_path():
    """Front Ends may run .NET Framework 4.5, which refuses the \\\\?\\ prefix: short paths stay plain."""
    short = "\\\\backup01.contoso.local\\LyncBackup\\lync-20261124T020000Z-abcdef"
    assert bs.long_path(short, 60) == short
    deep = short + "\\" + "d" * (bs.MAX_DIRECTORY - len(short) - 60)
    assert bs.long_path(deep, 60) == "\\\\?\\UNC\\" + deep[2:]
    assert bs.long_path(deep, 58) == deep
    assert bs.long_path("\\\\?\\UNC\\x\\y", 0) == "\\\\?\\UNC\\x\\y"


STORE = "filestore:\\\\fs01\\LyncShare"


def store_set(day, linked_from=None, damaged=(), count=None, key=KEY, tamper=False):
    """A signed set with one file store: full copy, or linked from `linked_from`; `damaged` the paths its close
    found damaged in that earlier set's copy (details.damaged_links, as backup_plan.settle records them)."""
    doc = manifest(sid(day))
    details = {"folder": "filestores/fs01_lyncshare", "transfer": "linked" if linked_from else "full copy",
               "linked_from": linked_from}
    if damaged:
        details.update(damaged_links=list(damaged), damaged_links_count=count or len(damaged))
    doc["items"].append({"id": STORE, "kind": "filestore", "scope": "\\\\fs01\\LyncShare", "host": "fs01",
                         "status": "failed" if damaged else "ok", "files": [], "details": details})
    if damaged:
        doc["status"] = "partial"
    text = bs.document_text(doc)
    return bs.describe(sid(day), text, NOW, "0" * 64 if tamper else signed(text), key)


def test_a_set_whose_copy_a_later_close_found_damaged_is_no_longer_trusted():
    """Review hardlink2 N5: night 13 linked from 12 (which linked from 11) and found a linked file damaged; set 12
    holds that data, so it is damaged (its signed manifest untouched: the finding is read from 13's); set 11, from
    which 12 linked, may share it and is named for a hash check; set 10 (a full copy before the chain) is not."""
    bad = "filestores/fs01_lyncshare/a/b.wav"
    sets = bs.ordered([store_set(10), store_set(11), store_set(12, sid(11)), store_set(13, sid(12), [bad])])
    assert all(bs.is_trusted(s) for s in sets if s["status"] == "complete")  # before: 12 is trusted
    by_id = {s["set_id"]: s for s in bs.reported_damage(sets)}
    twelve = by_id[sid(12)]
    assert not bs.is_trusted(twelve) and bs.condition(twelve) == "damaged"
    assert twelve["reported_damage"] == [bad] and "%s's close found 1 file(s)" % sid(13) in twelve["problems"][0]
    assert twelve["signature"] == "valid"  # its own manifest and signature are untouched
    assert bs.is_trusted(by_id[sid(11)]) and by_id[sid(11)]["shares_damage"]
    assert bs.is_trusted(by_id[sid(10)]) and "shares_damage" not in by_id[sid(10)]


def test_retention_never_counts_the_damaged_set_as_good():
    """With 12 still trusted, keep_sets=2 keeps 14 and 12 and removes 10 and 11, the sets whose copies are good
    (the planted defect: reported_damage not applied). Marked, 12 is not counted: 11 is kept."""
    bad = "filestores/fs01_lyncshare/a/b.wav"

    def nights():
        return [store_set(10), store_set(11), store_set(12, sid(11)), store_set(13, sid(12), [bad]), store_set(14)]
    remove, dummy, dummy2 = bs.retention_plan(bs.ordered(nights()), NOW, keep_sets=2)
    assert remove == [sid(11), sid(10)]  # unmarked: what the review found
    remove, keep, reasons = bs.retention_plan(bs.reported_damage(bs.ordered(nights())), NOW, keep_sets=2)
    assert sid(11) in keep and reasons[sid(11)] == "kept: within the newest 2 trusted sets"
    assert reasons[sid(12)] == "kept: damaged set still within retention"
    # No trusted set left at all (the damaged one was the only complete one): nothing is removed.
    only = bs.reported_damage(bs.ordered([store_set(12), store_set(13, sid(12), [bad])]))
    assert bs.retention_plan(only, NOW, keep_sets=1)[0] == []


def test_a_tampered_or_unsigned_report_marks_nothing():
    bad = "filestores/fs01_lyncshare/a/b.wav"
    sets = bs.reported_damage(bs.ordered([store_set(12), store_set(13, sid(12), [bad], tamper=True)]))
    assert bs.is_trusted(sets[1]) and "reported_damage" not in sets[1]
    # A count beyond the names still marks the set (the unnamed ones are damaged too).
    sets = bs.reported_damage(bs.ordered([store_set(12), store_set(13, sid(12), [bad], count=300)]))
    assert "found 300 file(s)" in sets[1]["problems"][0] and ", ..." in sets[1]["problems"][0]
