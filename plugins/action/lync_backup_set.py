# Copyright: (c) 2026, lync.server maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for lync.server.lync_backup_set (documentation: plugins/modules/lync_backup_set.py)."""

from __future__ import annotations

import json
import socket

from ansible.errors import AnsibleActionFail

from ansible_collections.lync.server.plugins.plugin_utils import backup_set as bs
from ansible_collections.lync.server.plugins.plugin_utils.action import LyncAction

ARGUMENT_SPEC = {
    "root": {"type": "str", "required": True},
    "state": {"type": "str", "required": True, "choices": ["opened", "closed", "unlocked"]},
    "set_id": {"type": "str"},
    "lock_max_age": {"type": "int", "default": 24},
    "manifest": {"type": "dict"},
    "files": {"type": "dict", "default": {}},
    "report": {"type": "str"},
}


class ActionModule(LyncAction):
    """Open a new backup set (taking the root's lock), close it (manifest last), or release the lock."""

    ARGUMENT_SPEC = ARGUMENT_SPEC
    REQUIRED_IF = [["state", "closed", ["set_id", "manifest"]], ["state", "unlocked", ["set_id"]]]

    def execute(self, params):
        try:
            root = bs.check_root(params["root"])
            if params["set_id"] is not None:
                bs.check_set_id(params["set_id"])
        except bs.BackupSetError as exc:
            raise AnsibleActionFail("lync_backup_set: %s" % exc) from None
        if params["lock_max_age"] < 1:
            raise AnsibleActionFail("lync_backup_set: lock_max_age must be at least 1 (hours)")
        return getattr(self, "_" + params["state"])(root, params)

    def _opened(self, root, params):
        set_id = bs.new_set_id()
        path = bs.set_path(root, set_id)
        if self.check_mode:
            return {"changed": True, "set_id": set_id, "path": path, "lock_taken_over": None}
        lock = json.dumps({"set_id": set_id, "controller": socket.gethostname(), "host": self.host,
                           "started": bs.utcnow().isoformat()})
        try:
            result = self.payload("lync_backup_set_open", {"Root": root, "SetId": set_id, "LockText": lock,
                                                           "LockMaxAgeHours": params["lock_max_age"]})
        except AnsibleActionFail as exc:
            text = str(exc)
            if "LYNC_BACKUP_LOCKED" in text or "already exists" in text:
                raise AnsibleActionFail("lync_backup_set: another backup is running against %s; refusing to start a "
                                        "second one (%s)" % (root, text.rsplit("LYNC_BACKUP_LOCKED: ", maxsplit=1)[-1])) from None
            if "LYNC_ROOT_MISSING" in text:
                raise AnsibleActionFail("lync_backup_set: the backup root %s does not exist or %s cannot reach it"
                                        % (root, self.host)) from None
            raise
        out = {"changed": True, "set_id": set_id, "path": result.value["Path"],
               "lock_taken_over": result.value.get("TakenOverLock")}
        if out["lock_taken_over"]:
            out["warnings"] = ["took over a stale backup lock older than %d hours: %s"
                               % (params["lock_max_age"], out["lock_taken_over"])]
        return out

    def _write(self, path, relative, content):
        return self.payload("lync_backup_set_write_file",
                            {"SetPath": path, "RelativePath": relative, "Content": content}).value

    def _closed(self, root, params):
        manifest = json.loads(json.dumps(params["manifest"]))
        set_id = params["set_id"]
        path = bs.set_path(root, set_id)
        if manifest.get("set_id") != set_id:
            raise AnsibleActionFail("lync_backup_set: the manifest is for %r, not %s" % (manifest.get("set_id"), set_id))
        files = {rel: (c if isinstance(c, str) else bs.document_text(c)) for rel, c in params["files"].items()}
        for rel in files:
            if rel.startswith(("/", "\\")) or ".." in rel.replace("\\", "/").split("/") or rel == "manifest.json":
                raise AnsibleActionFail("lync_backup_set: %r is not a file the set may hold" % rel)
        if params["report"] is not None:
            files["report.txt"] = params["report"]
        try:
            bs.validate_manifest(manifest)
        except bs.BackupSetError as exc:
            raise AnsibleActionFail("lync_backup_set: refusing to write an invalid manifest: %s" % exc) from None
        if self.check_mode:
            return {"changed": True, "set_id": set_id, "path": path, "status": manifest["status"]}
        listed = {f["path"]: f for item in manifest["items"] for f in item["files"]}
        written = {rel: self._write(path, rel, content) for rel, content in sorted(files.items())}
        for rel, done in written.items():
            expected = listed.get(rel)
            if expected and str(expected.get("sha256")).upper() != str(done["Sha256"]).upper():
                raise AnsibleActionFail("lync_backup_set: %s on the share does not match what was written (SHA-256 %s, "
                                        "expected %s); the set stays without a manifest" % (rel, done["Sha256"],
                                                                                            expected.get("sha256")))
        if "report.txt" in written:
            manifest["report"] = {"path": "report.txt", "bytes": written["report.txt"]["Bytes"],
                                  "sha256": written["report.txt"]["Sha256"]}
        final = self._write(path, "manifest.json", bs.document_text(manifest))
        released = self.payload("lync_backup_set_unlock", {"Root": root, "SetId": set_id}).value["Released"]
        return {"changed": True, "set_id": set_id, "path": path, "status": manifest["status"],
                "manifest_sha256": final["Sha256"], "lock_released": released, "files": sorted(written)}

    def _unlocked(self, root, params):
        if self.check_mode:
            return {"changed": False, "lock_released": False}
        result = self.payload("lync_backup_set_unlock", {"Root": root, "SetId": params["set_id"]})
        return {"changed": result.value["Released"], "lock_released": result.value["Released"],
                "lock_holder": result.value.get("Holder")}
