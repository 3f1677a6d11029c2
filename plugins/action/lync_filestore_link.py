# Copyright: (c) 2026, lync.server maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for lync.server.lync_filestore_link (documentation: plugins/modules/lync_filestore_link.py)."""

from __future__ import annotations

import hashlib

from ansible.errors import AnsibleActionFail

from ansible_collections.lync.server.plugins.plugin_utils import backup_set as bs
from ansible_collections.lync.server.plugins.plugin_utils import filestore_links as links
from ansible_collections.lync.server.plugins.plugin_utils import set_reader
from ansible_collections.lync.server.plugins.plugin_utils.action import LyncAction

ARGUMENT_SPEC = {
    "root": {"type": "str", "required": True},
    "set_id": {"type": "str", "required": True},
    "signing_key": {"type": "str", "required": True, "no_log": True},
    "item_id": {"type": "str", "required": True},
    "src": {"type": "str", "required": True},
    "folder": {"type": "str", "required": True},
    "flags": {"type": "str"},
    "batch_size": {"type": "int", "default": 2000},
    "full_every": {"type": "int", "default": 0},
}


def _listing(value):
    return [{"path": f["Path"], "bytes": f["Bytes"], "written": f.get("Written")} for f in value.get("Files") or []]


class ActionModule(LyncAction):
    """Hard-link a file store's unchanged files from the previous trusted set into the set being written."""

    ARGUMENT_SPEC = ARGUMENT_SPEC

    def execute(self, params):
        try:
            root = bs.check_root(params["root"])
            set_id = bs.check_set_id(params["set_id"])
            folder = params["folder"].strip("/")
            target = bs.check_path("%s\\%s" % (bs.set_path(root, set_id), folder.replace("/", "\\")))
        except bs.BackupSetError as exc:
            raise AnsibleActionFail("lync_filestore_link: %s" % exc) from None
        if params["batch_size"] < 1:
            raise AnsibleActionFail("lync_filestore_link: batch_size must be at least 1")
        if params["full_every"] < 0:
            raise AnsibleActionFail("lync_filestore_link: full_every must be 0 (never) or more")
        result = {"changed": False, "mode": "copy", "reason": None, "previous_set": None, "since_full_copy": 0,
                  "linked_files": 0,
                  "linked_bytes": 0, "copy_files": None, "copy_bytes": None, "link_failures": [],
                  "not_linked": None, "flags": links.robocopy_flags(params["flags"])}
        sets, dummy = set_reader.scan(self, root, params["signing_key"], False)
        previous = links.previous_set(sets, set_id)
        if previous is None:
            result["reason"] = "no earlier complete set with a valid signature to link from: full copy"
            return result
        result["previous_set"] = previous["set_id"]
        tonight, due = links.full_copy_due(sets, previous, params["item_id"], params["full_every"])
        if due:
            result["reason"] = due
            return result
        origin = "%s\\%s" % (bs.set_path(root, previous["set_id"]), folder.replace("/", "\\"))
        # Size and time read from each file itself (Refresh), not from possibly stale directory entries.
        source = _listing(self.payload("lync_file_inventory", {"Path": bs.extended_path(params["src"]),
                                                               "Refresh": True}).value)
        before = _listing(self.payload("lync_file_inventory", {"Path": bs.extended_path(origin), "Refresh": True}).value)
        if links.damaged_uncounted(sets, previous["set_id"], params["item_id"]):
            result["reason"] = ("a backup after %s found more damaged links to its copy than it could name: full copy"
                                % previous["set_id"])
            return result
        recorded, finish = self._recorded(root, previous, params["item_id"], folder)
        try:
            chosen = links.plan(source, before, recorded, folder, target, origin, params["flags"],
                                links.damaged_since(sets, previous["set_id"], params["item_id"]))
            untrusted = finish()
        except (bs.BackupSetError, AnsibleActionFail) as exc:
            untrusted = "%s's listing of this store cannot be read (%s)" % (previous["set_id"], " ".join(str(exc).split()))
        if untrusted:
            result["reason"] = "%s: full copy" % untrusted
            return result
        result.update(copy_files=len(chosen["copy"]) + len(chosen["link"]),
                      copy_bytes=chosen["copy_bytes"] + chosen["link_bytes"])
        if chosen["problem"]:
            result["reason"] = "%s: full copy" % chosen["problem"]
            return result
        if not chosen["link"]:
            result["reason"] = "no file is unchanged since %s: full copy" % previous["set_id"]
            return result
        if self.check_mode:
            result.update(mode="link", reason="check mode: would link %d files" % len(chosen["link"]))
            return result
        size_of = {f["path"].replace("/", "\\"): int(f["bytes"]) for f in source}
        linked, failures = [], []
        # The first call links one file: when the share cannot take links at all, it says so once (by Win32 code).
        # The second links a probe of PROBE files: when both link nothing and fail with one code, stop there too.
        rest = chosen["link"][1 + links.PROBE:]
        calls = [chosen["link"][:1], chosen["link"][1:1 + links.PROBE]] + links.batches(rest, params["batch_size"])
        for number, batch in enumerate(c for c in calls if c):
            value = self._link(target, origin, batch)
            done = [str(p) for p in value.get("Linked") or []]
            linked += done
            failures += value.get("Failed") or []
            reason = links.unsupported(value.get("Failed")) if number == 0 and not done else None
            if reason is None and number == 1 and not linked:
                reason = links.same_failure(failures)
            if reason:
                result["reason"] = "hard links cannot be made on %s from %s (%s): full copy" % (root, self.host, reason)
                return result
        result["link_failures"] = [{"path": str(f.get("Path")), "error": str(f.get("Error")), "code": links.code_of(f)}
                                   for f in failures[:20]]
        if not linked:
            result["reason"] = "no link could be made from %s (%s): full copy" % (
                previous["set_id"], result["link_failures"][0]["error"] if failures else "no answer")
            return result
        result.update(changed=bool(linked), mode="link", linked_files=len(linked), since_full_copy=tonight,
                      linked_bytes=sum(size_of.get(p, 0) for p in linked),
                      reason="%d files linked from %s, %d left for robocopy" % (
                          len(linked), previous["set_id"], len(chosen["copy"]) + len(chosen["link"]) - len(linked)))
        result["copy_files"] -= len(linked)
        result["copy_bytes"] -= result["linked_bytes"]
        # What robocopy is left to copy (changed, added, not linkable, failed links): the close compares every other
        # file it finds that the earlier manifest lists with that manifest's hash (backup_plan.settle). It grows with
        # the night's changes, not with the store.
        done = set(linked)
        result["not_linked"] = sorted(p.replace("\\", "/") for p in chosen["copy"] + chosen["link"] if p not in done)
        return result

    def _recorded(self, root, previous, item_id, folder):
        """(what the previous set records for this file store, looked up as {path in the set: (bytes, SHA-256)}.get;
        a function called after the plan that says why that record cannot be trusted, or None). Format 1: its
        manifest's files. Format 2: its listing, walked page by page in step with the plan (ListingWalk), its
        lines hashed as they are read: the plan is used only when that hash is the SHA-256 the signed manifest
        records for the listing."""
        listing = links.manifest_listing(previous["manifest"], item_id)
        if listing is None:
            return links.manifest_files(previous["manifest"], item_id), lambda: None
        digest = hashlib.sha256()
        walk = links.ListingWalk(bs.listing_entries(bs.hashing_pages(set_reader.listing_pages(
            self, bs.set_path(root, previous["set_id"]), listing["path"]), digest)), folder)

        def finish():
            walk.finish()
            if digest.hexdigest().upper() != str(listing["sha256"]).upper():
                return "%s's %s does not match the SHA-256 its manifest records" % (previous["set_id"], listing["path"])
            return None
        return walk, finish

    def _link(self, target, origin, batch):
        """One call of the link payload: `batch` (relative paths) linked from origin into target."""
        return self.payload("lync_filestore_link", {"Target": target, "Previous": origin, "Files": batch,
                                                    "Folders": links.folders(batch)}).value
