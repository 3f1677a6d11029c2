# Copyright: (c) 2026, lync.server maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for lync.server.lync_backup_set_info (documentation: plugins/modules/lync_backup_set_info.py)."""

from __future__ import annotations

from ansible.errors import AnsibleActionFail

from ansible_collections.lync.server.plugins.plugin_utils import backup_set as bs
from ansible_collections.lync.server.plugins.plugin_utils import set_reader
from ansible_collections.lync.server.plugins.plugin_utils.action import LyncAction

ARGUMENT_SPEC = {
    "root": {"type": "str", "required": True},
    "signing_key": {"type": "str", "no_log": True},
    "allow_unsigned": {"type": "bool", "default": False},
    "set_id": {"type": "str"},
    "verify": {"type": "bool", "default": False},
    "subpath": {"type": "str"},
}


class ActionModule(LyncAction):
    """List backup sets, pick one (by name or `latest`), verify it, list the files of part of it."""

    ARGUMENT_SPEC = ARGUMENT_SPEC
    REQUIRED_IF = [["verify", True, ["set_id"]]]

    def execute(self, params):
        try:
            root = bs.check_root(params["root"])
            if params["set_id"] not in (None, "latest"):
                bs.check_set_id(params["set_id"])
        except bs.BackupSetError as exc:
            raise AnsibleActionFail("lync_backup_set_info: %s" % exc) from None
        subpath = params["subpath"]
        if subpath is not None and (params["set_id"] is None or ".." in subpath.replace("\\", "/").split("/")
                                    or subpath.startswith(("\\", "/")) or ":" in subpath):
            raise AnsibleActionFail("lync_backup_set_info: subpath must be a relative folder inside a named set")

        sets, lock = set_reader.scan(self, root, params["signing_key"], params["allow_unsigned"])
        result = {"changed": False, "root": root, "lock": lock, "sets": [], "set": None}
        chosen = None
        if params["set_id"] == "latest":
            chosen = set_reader.newest_trusted(self, root, sets)
            if chosen is None:
                raise AnsibleActionFail("lync_backup_set_info: no complete backup set under %s matches its manifest"
                                        % root)
        elif params["set_id"]:
            chosen = next((s for s in sets if s["set_id"] == params["set_id"]), None)
            if chosen is None:
                raise AnsibleActionFail("lync_backup_set_info: no backup set %s under %s" % (params["set_id"], root))
            if params["verify"]:
                set_reader.check_files(self, root, chosen, deep=True)
        if chosen is not None:
            result["set"] = dict(set_reader.public(chosen), path=bs.set_path(root, chosen["set_id"]),
                                 trusted=bs.is_trusted(chosen), condition=bs.condition(chosen),
                                 manifest=chosen["manifest"])
            if subpath is not None:
                folder = "%s\\%s" % (bs.set_path(root, chosen["set_id"]), subpath.strip("\\/").replace("/", "\\"))
                listing = self.payload("lync_file_inventory", {"Path": bs.extended_path(folder), "Hash": True}).value
                result["files"] = [{"path": f["Path"], "bytes": f["Bytes"], "sha256": f["Sha256"]}
                                   for f in listing.get("Files") or []]
        result["sets"] = [set_reader.listed(s) for s in sets]
        warning = bs.override_warning([chosen] if chosen is not None else [])
        if warning:
            result["warnings"] = [warning]
        return result
