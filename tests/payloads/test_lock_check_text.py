"""The set's lock check is written twice, in lync_backup_set_write_files (the close's documents) and in
lync_file_listing_write (each store's listing, checked just before it is renamed into place; review s9main 2).
Payloads are standalone scripts (win_powershell loads no shared module), so the lines are held equal here: a fix
made in one and not the other fails this test."""

import re
import textwrap
from pathlib import Path

PAYLOADS = Path(__file__).resolve().parents[2] / "plugins" / "plugin_utils" / "payloads"
BLOCK = re.compile(r"^ *# lock check: .*?^ *# end of the lock check\n", re.S | re.M)
NAMES = ("lync_backup_set_write_files", "lync_file_listing_write")


def lock_checks(texts):
    """{payload: its lock check block, dedented} of {payload: text}; each payload holds exactly one."""
    found = {}
    for name, text in texts.items():
        blocks = BLOCK.findall(text)
        assert len(blocks) == 1, "%s: one lock check block expected, found %d" % (name, len(blocks))
        found[name] = textwrap.dedent(blocks[0])
    return found


def test_both_payloads_check_the_lock_with_the_same_lines():
    blocks = lock_checks({name: (PAYLOADS / (name + ".ps1")).read_text() for name in NAMES})
    assert blocks[NAMES[0]] == blocks[NAMES[1]]
    assert "LYNC_LOCK_LOST" in blocks[NAMES[0]] and "LYNC_LOCK_MOVING" in blocks[NAMES[0]]


def test_a_change_made_in_one_payload_only_is_seen():
    texts = {name: (PAYLOADS / (name + ".ps1")).read_text() for name in NAMES}
    texts[NAMES[1]] = texts[NAMES[1]].replace("$thisSet -and $otherRun", "$thisSet -or $otherRun")
    blocks = lock_checks(texts)
    assert blocks[NAMES[0]] != blocks[NAMES[1]]
