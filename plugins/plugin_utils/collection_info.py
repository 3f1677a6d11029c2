# Copyright: (c) 2026, lync.server maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The version of the lync.server collection a plugin was loaded from, read on the controller.

An installed collection (built by ansible-galaxy, from Galaxy, a tarball or git) carries its version
in MANIFEST.json; a source checkout used as a collection (a symlink in a collections path) has only
galaxy.yml. Both lie at the collection's root, two folders above any plugin file
(<root>/plugins/<type>/<plugin>.py).
"""

from __future__ import annotations

import json
import os

import yaml

UNKNOWN = "unknown"


def collection_root(plugin_file=None):
    """The root of the collection that holds plugin_file (default: this file)."""
    path = os.path.abspath(plugin_file or __file__)
    return os.path.dirname(os.path.dirname(os.path.dirname(path)))


def _read(path):
    with open(path, "rb") as handle:
        return handle.read().decode("utf-8")


def collection_version(plugin_file=None):
    """The collection's version: MANIFEST.json's collection_info.version, else galaxy.yml's version,
    else 'unknown' (never an exception: a manifest must be written even when the version cannot be read)."""
    root = collection_root(plugin_file)
    try:
        version = json.loads(_read(os.path.join(root, "MANIFEST.json")))["collection_info"]["version"]
    except (OSError, ValueError, KeyError, TypeError):
        try:
            version = (yaml.safe_load(_read(os.path.join(root, "galaxy.yml"))) or {})["version"]
        except (OSError, yaml.YAMLError, KeyError, TypeError):
            return UNKNOWN
    return str(version) if version not in (None, "") else UNKNOWN
