"""Retention trusts a set the same run verified only while that proof is fresh (set_reader.newest_trusted)."""

import datetime
import json

from ansible_collections.lync.server.plugins.plugin_utils import backup_set as bs
from ansible_collections.lync.server.plugins.plugin_utils import set_reader

from ...conftest import minimal_manifest

KEY = "k" * 32


class Reader:
    """Stands for the action: answers lync_file_inventory with the set's files, and counts the reads."""

    def __init__(self):
        self.reads = []

    def payload(self, name, parameters):
        self.reads.append((name, parameters["Hash"]))
        return type("Answer", (), {"value": {"Exists": True, "Files": []}})()


def described(finished):
    set_id = "lync-%s-abcdef" % (finished - datetime.timedelta(minutes=30)).strftime("%Y%m%dT%H%M%SZ")
    manifest = dict(minimal_manifest(set_id), finished=finished.strftime("%Y-%m-%dT%H:%M:%SZ"))
    text = json.dumps(manifest)
    return bs.describe(set_id, text, signature_text=bs.sign(text, KEY), key=KEY)


def test_a_set_verified_by_this_run_is_not_read_again():
    info = described(bs.utcnow())
    reader = Reader()
    chosen = set_reader.newest_trusted(reader, "\\\\b\\s", [info], {info["set_id"]: info["manifest_sha256"]})
    assert chosen is info and chosen["checked"] == "sha256 (this run)" and reader.reads == []


def test_another_manifest_or_an_old_proof_is_read_again():
    info = described(bs.utcnow())
    reader = Reader()
    set_reader.newest_trusted(reader, "\\\\b\\s", [info], {info["set_id"]: "0" * 64})
    assert reader.reads == [("lync_file_inventory", True)]
    old = described(bs.utcnow() - set_reader.VERIFIED_FOR - datetime.timedelta(minutes=1))
    reader = Reader()
    set_reader.newest_trusted(reader, "\\\\b\\s", [old], {old["set_id"]: old["manifest_sha256"]})
    assert reader.reads == [("lync_file_inventory", True)]
