"""Helpers shared by the backup-set twins (mirroring checks the payloads make)."""

import re

from ..errors import PSError

SET_ID_RE = re.compile(r"\Alync-\d{8}T\d{6}Z-[0-9a-f]{6}\Z")  # -cnotmatch ... \z
LOCK_NAME = ".lync-backup.lock"


def check_set_id(set_id, message="invalid backup set id: %s"):
    if not SET_ID_RE.match(set_id):
        raise PSError(message % set_id)
