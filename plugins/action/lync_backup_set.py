# Copyright: (c) 2026, lync.server maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for lync.server.lync_backup_set (documentation: plugins/modules/lync_backup_set.py)."""

from __future__ import annotations

import hashlib
import json
import re
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
    "report_html": {"type": "str"},
    "signing_key": {"type": "str", "no_log": True},
}


LOCK_HOLDER_RE = re.compile(r"lync-\d{8}T\d{6}Z-[0-9a-f]{6}")


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
        # The role chooses the set id before this call, so that the release in its `always` block knows the
        # lock's owner even when this answer is lost (a dropped connection, a malformed result).
        set_id = params["set_id"] or bs.new_set_id()
        try:
            age = abs((bs.utcnow() - bs.set_time(set_id)).total_seconds())
        except bs.BackupSetError as exc:
            raise AnsibleActionFail("lync_backup_set: %s" % exc) from None
        if age > 600:
            raise AnsibleActionFail("lync_backup_set: a new set's id must carry the current UTC time; %s is %d minutes "
                                    "away from now" % (set_id, age // 60))
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
                holder = LOCK_HOLDER_RE.search(text)
                raise AnsibleActionFail(
                    "lync_backup_set: another backup is running against %s; refusing to start a second one (%s). If no "
                    "backup is running (check the schedule and the controller and start time above), release that "
                    "lock with: ansible %s -m lync.server.lync_backup_set -a 'root=%s state=unlocked set_id=%s' (it "
                    "removes only the lock of that set); otherwise the next backup takes it over once it is older than "
                    "lock_max_age (%d hours)"
                    % (root, text.rsplit("LYNC_BACKUP_LOCKED: ", maxsplit=1)[-1], self.host, root,
                       holder.group(0) if holder else "<set id in the lock>", params["lock_max_age"])) from None
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

    def _write(self, path, files):
        """Write [(relative path, text, expected sha256 or None)] in order; {relative path: written entry}."""
        value = self.payload("lync_backup_set_write_files", {"SetPath": path, "Files": [
            {"Path": rel, "Content": text, "Sha256": sha or ""} for rel, text, sha in files]}).value
        return {f["Path"]: {"path": f["Path"], "bytes": f["Bytes"], "sha256": f["Sha256"]} for f in value["Files"]}

    def _closed(self, root, params):
        manifest = json.loads(json.dumps(params["manifest"]))
        set_id = params["set_id"]
        path = bs.set_path(root, set_id)
        if manifest.get("set_id") != set_id:
            raise AnsibleActionFail("lync_backup_set: the manifest is for %r, not %s" % (manifest.get("set_id"), set_id))
        files = {rel: (c if isinstance(c, str) else bs.document_text(c)) for rel, c in params["files"].items()}
        for rel in files:
            if rel.startswith(("/", "\\")) or ".." in rel.replace("\\", "/").split("/") or \
                    rel in ("manifest.json", "report.txt", "report.html", bs.SIGNATURE_NAME):
                raise AnsibleActionFail("lync_backup_set: %r is not a file the set may hold" % rel)
        try:
            bs.validate_manifest(manifest)
        except bs.BackupSetError as exc:
            raise AnsibleActionFail("lync_backup_set: refusing to write an invalid manifest: %s" % exc) from None
        if self.check_mode:
            return {"changed": True, "set_id": set_id, "path": path, "status": manifest["status"]}
        # Documents first (each checked against the hash the manifest expects), the manifest last.
        listed = {f["path"]: f for item in manifest["items"] for f in item["files"]}
        ordered = [(rel, text, listed.get(rel, {}).get("sha256")) for rel, text in sorted(files.items())]
        for key, name in (("report", "report.txt"), ("report_html", "report.html")):
            if params[key] is not None:
                data = params[key].encode("utf-8")
                manifest[key] = {"path": name, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest().upper()}
                ordered.append((name, params[key], manifest[key]["sha256"]))
        manifest_text = bs.document_text(manifest)
        if params["signing_key"]:
            # The signature before the manifest: the manifest stays the last file a set gets.
            ordered.append((bs.SIGNATURE_NAME, bs.sign(manifest_text, params["signing_key"]) + "\n", None))
        ordered.append(("manifest.json", manifest_text, None))
        try:
            written = self._write(path, ordered)
        except AnsibleActionFail as exc:
            if "LYNC_WRITE_MISMATCH" in str(exc):
                raise AnsibleActionFail("lync_backup_set: %s; the set stays without a manifest"
                                        % str(exc).split("LYNC_WRITE_MISMATCH: ", 1)[1]) from None
            raise
        final = written["manifest.json"]
        released = self.payload("lync_backup_set_unlock", {"Root": root, "SetId": set_id}).value["Released"]
        return {"changed": True, "set_id": set_id, "path": path, "status": manifest["status"],
                "manifest_sha256": final["sha256"], "signed": bool(params["signing_key"]),
                "lock_released": released, "files": sorted(written)}

    def _unlocked(self, root, params):
        if self.check_mode:
            return {"changed": False, "lock_released": False}
        result = self.payload("lync_backup_set_unlock", {"Root": root, "SetId": params["set_id"]})
        return {"changed": result.value["Released"], "lock_released": result.value["Released"],
                "lock_holder": result.value.get("Holder")}
