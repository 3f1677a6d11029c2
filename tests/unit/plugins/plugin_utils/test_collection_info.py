"""The manifest's collection_version is the version of the collection the plugin was loaded from:
MANIFEST.json in an installed collection, galaxy.yml in a source checkout."""

import json

from ansible_collections.lync.server.plugins.plugin_utils import collection_info
from ansible_collections.lync.server.plugins.filter import backup as backup_filter


def plugin_in(root):
    """A plugin file in a collection laid out at root, as ansible-galaxy installs one."""
    plugin = root / "plugins" / "filter" / "backup.py"
    plugin.parent.mkdir(parents=True)
    plugin.write_text("# a plugin\n", encoding="utf-8")
    return str(plugin)


def test_an_installed_collection_reads_manifest_json(tmp_path):
    root = tmp_path / "ansible_collections" / "lync" / "server"
    plugin = plugin_in(root)
    (root / "MANIFEST.json").write_text(json.dumps({"collection_info": {"namespace": "lync", "name": "server",
                                                                        "version": "1.4.2"}}), encoding="utf-8")
    assert collection_info.collection_root(plugin) == str(root)
    assert collection_info.collection_version(plugin) == "1.4.2"


def test_manifest_json_wins_over_galaxy_yml(tmp_path):
    plugin = plugin_in(tmp_path)
    (tmp_path / "MANIFEST.json").write_text('{"collection_info": {"version": "2.0.0"}}', encoding="utf-8")
    (tmp_path / "galaxy.yml").write_text("version: 1.9.0\n", encoding="utf-8")
    assert collection_info.collection_version(plugin) == "2.0.0"


def test_a_source_checkout_reads_galaxy_yml(tmp_path):
    plugin = plugin_in(tmp_path / "checkout")
    (tmp_path / "checkout" / "galaxy.yml").write_text("namespace: lync\nname: server\nversion: 0.3.0-dev1\n",
                                                      encoding="utf-8")
    assert collection_info.collection_version(plugin) == "0.3.0-dev1"


def test_unreadable_or_missing_metadata_is_unknown(tmp_path):
    plugin = plugin_in(tmp_path)
    assert collection_info.collection_version(plugin) == "unknown"
    (tmp_path / "MANIFEST.json").write_text("{not json", encoding="utf-8")
    (tmp_path / "galaxy.yml").write_text("name: server\n", encoding="utf-8")
    assert collection_info.collection_version(plugin) == "unknown"


def test_this_checkout_reports_its_galaxy_yml_version():
    import pathlib

    import yaml
    root = pathlib.Path(collection_info.collection_root())
    expected = str(yaml.safe_load((root / "galaxy.yml").read_text(encoding="utf-8"))["version"])
    assert collection_info.collection_version() == expected
    assert collection_info.collection_version(backup_filter.__file__) == expected
