# Copyright: (c) 2026, lync.server maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for lync.server.lync_backup_retention (documentation: plugins/modules/lync_backup_retention.py)."""

from __future__ import annotations

import json

from ansible.errors import AnsibleActionFail

from ansible_collections.lync.server.plugins.plugin_utils import backup_set as bs
from ansible_collections.lync.server.plugins.plugin_utils import set_reader
from ansible_collections.lync.server.plugins.plugin_utils.action import LyncAction

ARGUMENT_SPEC = {
    "root": {"type": "str", "required": True},
    "signing_key": {"type": "str", "no_log": True},
    "allow_unsigned": {"type": "bool", "default": False},
    "keep_sets": {"type": "int"},
    "keep_days": {"type": "int"},
    "verify": {"type": "str", "default": "newest", "choices": ["newest", "all"]},
    "protect": {"type": "list", "elements": "str", "default": []},
    "verified": {"type": "dict", "default": {}},
}


class ActionModule(LyncAction):
    """Remove old backup sets, never the newest trusted one."""

    ARGUMENT_SPEC = ARGUMENT_SPEC
    REQUIRED_ONE_OF = [["keep_sets", "keep_days"]]

    def execute(self, params):
        try:
            root = bs.check_root(params["root"])
            for set_id in list(params["protect"]) + list(params["verified"]):
                bs.check_set_id(set_id)
            for sha in params["verified"].values():
                if not bs.SIGNATURE_RE.match(str(sha)):
                    raise bs.BackupSetError("verified maps a set id to its manifest's SHA-256 (64 hex digits), not %r"
                                            % (sha,))
        except bs.BackupSetError as exc:
            raise AnsibleActionFail("lync_backup_retention: %s" % exc) from None
        for key in ("keep_sets", "keep_days"):
            if params[key] is not None and params[key] < (1 if key == "keep_sets" else 0):
                raise AnsibleActionFail("lync_backup_retention: %s must be at least %d"
                                        % (key, 1 if key == "keep_sets" else 0))

        sets, lock = set_reader.scan(self, root, params["signing_key"], params["allow_unsigned"])
        protect = set(params["protect"])
        if lock:
            protect |= {s["set_id"] for s in sets if s["set_id"] in (lock.get("text") or "")}
        newest = set_reader.newest_trusted(self, root, sets, params["verified"]) if params["verify"] == "newest" else None
        for info in sets:
            if params["verify"] == "all":
                set_reader.check_files(self, root, info, deep=True)
            elif info is not newest and info["status"] == "complete" and "checked" not in info:
                # A set that may share data a later close found damaged (bs.reported_damage) is hashed, not sized:
                # damage in place keeps sizes.
                set_reader.check_files(self, root, info, deep=bool(info.get("shares_damage")))
        remove, keep, reasons = bs.retention_plan(sets, bs.utcnow(), params["keep_sets"], params["keep_days"], protect)
        result = {"changed": bool(remove), "removed": remove, "kept": keep, "reasons": reasons,
                  "sets": [dict(set_reader.public(s), condition=bs.condition(s)) for s in sets]}
        if self._task.diff:
            result["diff"] = {"before": json.dumps(sorted(s["set_id"] for s in sets), indent=1) + "\n",
                              "after": json.dumps(sorted(keep), indent=1) + "\n",
                              "before_header": root, "after_header": root}
        if remove and not self.check_mode:
            # Extended-length: a set's file-store copy can lie past MAX_PATH (260 characters).
            removed = self.payload("lync_backup_set_remove", {"Root": bs.extended_path(root).rstrip("\\"),
                                                              "SetIds": remove}).value
            result["bytes_freed"] = removed["BytesFreed"]
            # What the payload removed, not the plan: a set already gone (another run, a person) is skipped there.
            done = removed.get("Removed") or []
            done = [done] if isinstance(done, str) else [str(set_id) for set_id in done]
            result["removed"] = [set_id for set_id in remove if set_id in done]
            result["changed"] = bool(result["removed"])
            missed = [set_id for set_id in remove if set_id not in done]
            if missed:
                result["warnings"] = ["backup sets planned for removal that the host did not remove (no longer "
                                      "there): %s" % ", ".join(missed)]
        warning = bs.override_warning(sets)
        if warning:
            result.setdefault("warnings", []).append(warning)
        damaged = [s["set_id"] for s in sets if bs.condition(s) == "damaged"]
        if damaged:
            result.setdefault("warnings", []).append(
                "backup sets whose files no longer match their manifest: %s" % ", ".join(damaged))
        return result
