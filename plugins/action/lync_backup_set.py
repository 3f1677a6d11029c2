# Copyright: (c) 2026, lync.server maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for lync.server.lync_backup_set (documentation: plugins/modules/lync_backup_set.py)."""

from __future__ import annotations

import hashlib
import itertools
import json
import re
import secrets
import socket
import time

from ansible.errors import AnsibleActionFail

from ansible_collections.lync.server.plugins.plugin_utils import backup_plan, collection_info, report_html
from ansible_collections.lync.server.plugins.plugin_utils import backup_set as bs
from ansible_collections.lync.server.plugins.plugin_utils import filestore_links
from ansible_collections.lync.server.plugins.plugin_utils import set_reader
from ansible_collections.lync.server.plugins.plugin_utils.action import LyncAction

ARGUMENT_SPEC = {
    "root": {"type": "str", "required": True},
    "state": {"type": "str", "required": True, "choices": ["opened", "closed", "unlocked"]},
    "set_id": {"type": "str"},
    "lock_max_age": {"type": "int", "default": 24},
    "resume": {"type": "bool", "default": False},
    "force": {"type": "bool", "default": False},
    "run_id": {"type": "str"},
    "plan": {"type": "list", "elements": "dict"},
    "results": {"type": "list", "elements": "dict"},
    "deployment": {"type": "dict"},
    "hosts": {"type": "dict", "default": {}},
    "started": {"type": "str"},
    "history": {"type": "list", "elements": "dict"},
    "signing_key": {"type": "str", "no_log": True},
}


# Paths per call of lync_file_links (the close asks which differing files are links): arguments stay bounded.
LINK_BATCH = 2000
# LYNC_LOCK_MOVING (another run is taking the backup lock over at this moment: its old lock moved aside, its new one
# not yet written) is asked again this many times, this many seconds apart: a takeover takes a few SMB round trips, and
# the 25 s outlast the SMB client's caches of "not found" and of folder listings (review s13, 4).
LOCK_MOVING_TRIES = 6
LOCK_MOVING_WAIT = 5
LOCK_HOLDER_RE = re.compile(r"lync-\d{8}T\d{6}Z-[0-9a-f]{6}")
RUN_ID_RE = re.compile(r"\A[0-9a-f]{16,64}\Z")
LOCKED_RE = re.compile(r"held since (?P<since>\S+) \(age (?P<age>[0-9.]+) h\) by (?P<holder>.*)\Z", re.S)


class LockLost(AnsibleActionFail):
    """The close's lock check refused: another run resumed or closed the set. Never an item's error."""


def staged_listing(name, run_id):
    """The name a store's listing is written under before the close renames it into place (name itself without a
    run id: no lock, nothing to wait for). The run id keeps two runs closing one set from writing one file."""
    return "%s.%s.staged" % (name, run_id) if run_id else name


def aside_left(value):
    """The warning for a lock taken over whose moved-aside copy could not be deleted (lync_backup_set_open AsideLeft):
    while it stays, a close that finds no lock reads it as a takeover under way."""
    if not value.get("AsideLeft"):
        return []
    return ["the lock this run took over was moved to %s and could not be deleted; delete it (a close that "
            "finds no lock would take it for a takeover under way)" % value["AsideLeft"]]


def lock_text(set_id, token, host):
    """The lock's text: the set, this run's random token, the controller and the start time (JSON)."""
    return json.dumps({"set_id": set_id, "run": token, "controller": socket.gethostname(), "host": host,
                       "started": bs.utcnow().isoformat()})


def locked_by(text):
    """(holder dict or {}, age in hours or None, since) of a LYNC_BACKUP_LOCKED refusal's text."""
    found = LOCKED_RE.search(" ".join(str(text).split()))
    if not found:
        return {}, None, None
    try:
        holder = json.loads(found.group("holder"))
    except ValueError:
        holder = {}
    return (holder if isinstance(holder, dict) else {}), float(found.group("age")), found.group("since")


def resume_refusal(set_id, text, lock_max_age):
    """Why a resume is refused when the set's lock is younger than lock_max_age: the run that holds it may be
    alive (docs/backup.md, "The controller died mid-backup")."""
    holder, age, since = locked_by(text)
    if holder.get("set_id") != set_id:
        return None
    return ("lync_backup_set: cannot resume %s: its lock is %s hours old (younger than lock_max_age, %d hours): the run "
            "that opened it (controller %s, run %s, started %s) may still be working on the set, and two runs must "
            "not write into one set. Make sure that run has ended (its ansible-playbook process on that controller, "
            "the schedule), then resume with force (the role's backup_resume_force: true), or wait until the lock "
            "is %d hours old" % (set_id, "%.1f" % age if age is not None else "?", lock_max_age,
                                 holder.get("controller", "unknown"), holder.get("run", "unknown"),
                                 holder.get("started", since), lock_max_age))


LOCAL_NAMES = ("localhost", "127.0.0.1", "::1", ".")


def _is_address(name):
    return name.replace(".", "").isdigit() or ":" in name


def _names_host(server, inventory_name, facts):
    """Whether `server` (the root's, lower-case) names this host: its inventory name, or from its lync_host facts
    its FQDN, its IPv4 addresses, or, for a single-label server (a NetBIOS name: the DNS suffix is implied), its
    computer name or the first label of its FQDN. An FQDN matches whole: backup01.fabrikam.local is not
    backup01.contoso.local; only a host known by a short inventory name and no facts is matched by first label."""
    facts = facts or {}
    inventory = str(inventory_name).lower()
    fqdn = str(facts.get("fqdn") or "").lower()
    full = {inventory, fqdn} | {str(a).lower() for a in facts.get("ipv4") or []}
    full.discard("")
    if server in full:
        return True
    if _is_address(server):
        return False
    if "." not in server:
        short = {str(facts.get("hostname") or "").lower()} | {n.split(".", 1)[0] for n in full if not _is_address(n)}
        return server in short
    return not fqdn and "." not in inventory and not _is_address(inventory) and server.split(".", 1)[0] == inventory


def share_elsewhere(root, host, hosts):
    """Whether the close hashed the set over the network (round-2 review, finding 7).

    root  -- the checked root; a drive path is local
    host  -- the inventory name of the host that closes the set
    hosts -- {inventory name: lync_host facts} of the play (discover_hosts)

    None when the root's server is this host: localhost, its inventory name, its FQDN, its computer name or one
    of its IPv4 addresses (from its facts). (server, True) when the server is another host of the play by one
    of those names; (server, False) when it names no host known here: another server, or this one through a
    name its facts do not hold (a DNS alias, a DFS namespace, an address of another adapter), which only a
    lookup on the host could tell."""
    if not root.startswith("\\\\"):
        return None
    server = root[2:].split("\\", 1)[0].lower()
    if server in LOCAL_NAMES or _names_host(server, host, hosts.get(host)):
        return None
    certain = any(_names_host(server, name, facts) for name, facts in hosts.items() if name != host)
    return server, certain


def share_warning(root, host, server, certain):
    """The close's warning for share_elsewhere's answer."""
    fix = "put the backup server in lync_backup_servers (or set backup_set_host) so each byte is read where it lies"
    if certain:
        return "the set was hashed over the network: %s holds the share %s, not %s, the host that closed the set; %s" % (
            server, root, host, fix)
    return ("the set may have been hashed over the network: the share %s names the server %s, which is not %s (the "
            "host that closed the set) by its inventory name, FQDN, computer name or IPv4 addresses; if %s is another "
            "name of %s (a DNS alias, a DFS namespace), nothing was read over the network; otherwise %s"
            % (root, server, host, server, host, fix))


class ActionModule(LyncAction):
    """Open a new backup set (taking the root's lock), close it (manifest last), or release the lock."""

    sleep = staticmethod(time.sleep)  # between the LYNC_LOCK_MOVING questions (tests give their own)

    ARGUMENT_SPEC = ARGUMENT_SPEC
    REQUIRED_IF = [["state", "closed", ["set_id", "plan", "results", "deployment", "started"]],
                   ["state", "unlocked", ["set_id"]]]

    def execute(self, params):
        try:
            root = bs.check_root(params["root"])
            if params["set_id"] is not None:
                bs.check_set_id(params["set_id"])
        except bs.BackupSetError as exc:
            raise AnsibleActionFail("lync_backup_set: %s" % exc) from None
        if params["lock_max_age"] < 1:
            raise AnsibleActionFail("lync_backup_set: lock_max_age must be at least 1 (hours)")
        if params["run_id"] is not None and not RUN_ID_RE.match(params["run_id"]):
            raise AnsibleActionFail("lync_backup_set: run_id must be 16 to 64 lower-case hex digits")
        return getattr(self, "_" + params["state"])(root, params)

    def _opened(self, root, params):
        # The role chooses the set id before this call, so that the release in its `always` block knows the
        # lock's owner even when this answer is lost (a dropped connection, a malformed result).
        set_id = params["set_id"] or bs.new_set_id()
        if params["resume"]:
            return self._resumed(root, set_id, params)
        try:
            age = abs((bs.utcnow() - bs.set_time(set_id)).total_seconds())
        except bs.BackupSetError as exc:
            raise AnsibleActionFail("lync_backup_set: %s" % exc) from None
        if age > 600:
            raise AnsibleActionFail("lync_backup_set: a new set's id must carry the current UTC time; %s is %d minutes "
                                    "away from now" % (set_id, age // 60))
        path = bs.set_path(root, set_id)
        token = params["run_id"] or secrets.token_hex(8)
        if self.check_mode:
            return {"changed": True, "set_id": set_id, "path": path, "lock_taken_over": None, "run_id": token}
        try:
            result = self.payload("lync_backup_set_open", {"Root": root, "SetId": set_id,
                                                           "LockText": lock_text(set_id, token, self.host),
                                                           "LockMaxAgeHours": params["lock_max_age"], "RunId": token})
        except AnsibleActionFail as exc:
            text = str(exc)
            # Only the payload's own marker: a lock another run created first is LYNC_BACKUP_LOCKED too (by its error
            # code, in any language); the system's "already exists" may be the set folder's (review s17, 6).
            if "LYNC_BACKUP_LOCKED" in text:
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
               "lock_taken_over": result.value.get("TakenOverLock"), "run_id": token}
        if out["lock_taken_over"]:
            out["warnings"] = ["took over a stale backup lock older than %d hours: %s"
                               % (params["lock_max_age"], out["lock_taken_over"])]
        out["warnings"] = out.get("warnings", []) + aside_left(result.value)
        if not out["warnings"]:
            del out["warnings"]
        return out

    def _write(self, path, files, lock=None, staged=()):
        """Rename the staged files [(relative path, staged relative path, expected sha256)] into place, then write
        [(relative path, text, expected sha256 or None)], in order; {relative path: written entry}. With lock (root,
        set id, run id), nothing is renamed or written when another run holds the set's lock (LYNC_LOCK_LOST)."""
        parameters = {"SetPath": bs.extended_path(path), "Files": [
            {"Path": rel, "From": source, "Sha256": sha} for rel, source, sha in staged] + [
            {"Path": rel, "Content": text, "Sha256": sha or ""} for rel, text, sha in files]}
        if lock and lock[2]:
            parameters.update(LockRoot=lock[0], LockSetId=lock[1], LockRunId=lock[2])
        value = self.payload("lync_backup_set_write_files", parameters).value
        return {f["Path"]: {"path": f["Path"], "bytes": f["Bytes"], "sha256": f["Sha256"]} for f in value["Files"]}

    def _closed(self, root, params):
        """Build the manifest here, from the plan and every item's record; list and hash what landed in the set
        (one read of each byte, on the host that holds the share); settle each item against it; write the
        identity records, report.txt, manifest.sig and manifest.json last; and return the set's verification."""
        set_id = params["set_id"]
        path = bs.set_path(root, set_id)
        finished = bs.utcnow().strftime("%Y-%m-%dT%H:%M:%SZ")
        try:
            built = backup_plan.manifest(params["plan"], params["results"], set_id, params["deployment"],
                                         params["hosts"], params["started"], finished,
                                         collection_info.collection_version(__file__))
        except (KeyError, TypeError, AttributeError) as exc:
            raise AnsibleActionFail("lync_backup_set: the plan and the item records do not make a manifest (%s: %s)"
                                    % (type(exc).__name__, exc)) from None
        manifest, documents = built["manifest"], built["files"]
        if self.check_mode:
            return {"changed": True, "set_id": set_id, "path": path, "status": manifest["status"]}
        landed, unreadable = self._landed(path, backup_plan.top_folders(manifest, documents))
        # The lock checked before the first write into the set (the staged listings below): a run that resumed this
        # set, or closed it, keeps it untouched (review lock, finding 5); the last write, which renames the listings
        # into place and writes the documents, checks it again in the same call.
        if params["run_id"]:
            self._close_writes(path, [], root, set_id, params["run_id"])
        stores = backup_plan.store_folders(manifest)
        listings = self._listings(path, stores, params["run_id"])
        # Renamed into place by the last write, under the lock, with the SHA-256 their payload hashed as it wrote.
        staged = [(bs.listing_path(folder), staged_listing(bs.listing_path(folder), params["run_id"]),
                   listings[item_id]["Sha256"]) for item_id, folder in sorted(stores.items())
                  if params["run_id"] and "error" not in listings[item_id]]
        left = backup_plan.take_not_linked(manifest)
        backup_plan.settle(manifest, landed, documents, unreadable, listings)
        self._check_links(root, path, manifest, self._earlier(root, params, manifest), left, params["run_id"])
        for item in bs.listed_stores(manifest):
            # The listing the host wrote, as its payload hashed the bytes it wrote (the verification below).
            listing = item["listing"]
            landed[listing["path"]] = {"Path": listing["path"], "Bytes": listing["bytes"], "Sha256": listing["sha256"]}
        try:
            bs.validate_manifest(manifest)
        except bs.BackupSetError as exc:
            raise AnsibleActionFail("lync_backup_set: refusing to write an invalid manifest: %s" % exc) from None
        report = backup_plan.report(manifest, path)
        # Documents first (each checked against the hash the manifest expects), the manifest last.
        listed = {f["path"]: f for item in manifest["items"] for f in item["files"]}
        ordered = [(rel, bs.document_text(doc), listed.get(rel, {}).get("sha256")) for rel, doc in sorted(documents.items())]
        page = report_html.render(manifest, params["history"], path)
        for key, name, text in (("report", "report.txt", report), ("report_html", "report.html", page)):
            data = text.encode("utf-8")
            manifest[key] = {"path": name, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest().upper()}
            ordered.append((name, text, manifest[key]["sha256"]))
        manifest_text = bs.document_text(manifest)
        signature = bs.sign(manifest_text, params["signing_key"]) + "\n" if params["signing_key"] else None
        if signature:
            # The signature before the manifest: the manifest stays the last file a set gets.
            ordered.append((bs.SIGNATURE_NAME, signature, None))
        ordered.append(("manifest.json", manifest_text, None))
        # Checked in the same call as the writes: a run that resumed this set meanwhile closes it, not this one.
        written = self._close_writes(path, ordered, root, set_id, params["run_id"], staged)
        released = self.payload("lync_backup_set_unlock", self._unlock_parameters(root, set_id, params)).value["Released"]
        verified = self._verification(set_id, path, manifest_text, signature, params["signing_key"], landed, written)
        out = {"changed": True, "set_id": set_id, "path": path, "status": manifest["status"],
               "manifest_sha256": written["manifest.json"]["sha256"], "signed": bool(signature),
               "lock_released": released, "files": sorted(written), "report": report,
               # The controller's copy of report.html: the same page with this close's verification.
               "report_html": report_html.render(manifest, params["history"], path, verified),
               "stats": backup_plan.stats(manifest, path), "summary": backup_plan.summary(manifest), "set": verified}
        remote = self._share_elsewhere(root, params["hosts"])
        if remote:
            out["warnings"] = [share_warning(root, self.host, *remote)]
        return out

    def _close_writes(self, path, files, root, set_id, run_id, staged=()):
        """_write under the set's lock (no files: the lock check alone), its refusals named for the close."""
        try:
            return self._under_lock(lambda: self._write(path, files, lock=(root, set_id, run_id), staged=staged))
        except LockLost:
            raise
        except AnsibleActionFail as exc:
            if "LYNC_WRITE_MISMATCH" in str(exc):
                raise AnsibleActionFail("lync_backup_set: %s; the set stays without a manifest"
                                        % str(exc).split("LYNC_WRITE_MISMATCH: ", 1)[1]) from None
            raise

    def _under_lock(self, call):
        """call() (a payload that checks the set's lock): LYNC_LOCK_MOVING asked again, LOCK_MOVING_TRIES times, until
        the takeover under way has written its lock; LYNC_LOCK_LOST, and a takeover that never ends, are LockLost."""
        attempt = 0
        while True:
            attempt += 1
            try:
                return call()
            except AnsibleActionFail as exc:
                text = str(exc)
                if "LYNC_LOCK_LOST: " in text:
                    raise LockLost("lync_backup_set: %s; this run does not close the set (the run that resumed it "
                                   "does), and its lock stays that run's"
                                   % " ".join(text.split("LYNC_LOCK_LOST: ", 1)[1].split())) from None
                if "LYNC_LOCK_MOVING: " not in text:
                    raise
                if attempt == LOCK_MOVING_TRIES:
                    said = " ".join(text.split("LYNC_LOCK_MOVING: ", 1)[1].split())
                    # The lock itself listed but never readable as a file (a link, say), or a moved-aside lock left.
                    advice = ("the lock is listed but cannot be read: check what it is" if said.endswith(".lync-backup.lock")
                              else "if no other backup runs on this root, that file is left from a takeover that did not "
                                   "finish: delete it")
                    raise LockLost("lync_backup_set: %s (asked %d times, %d s apart); this run does not close the set. "
                                   "%s%s, and close the set again (backup_resume_set)"
                                   % (said, LOCK_MOVING_TRIES, LOCK_MOVING_WAIT, advice[0].upper(), advice[1:])) from None
            self.sleep(LOCK_MOVING_WAIT)

    def _earlier(self, root, params, manifest):
        """{set id: manifest, or None when it cannot be read or its signature does not match} of the earlier sets
        that file stores hard-linked files from (their manifests' hashes are what the linked files must read as)."""
        wanted = backup_plan.linked_from(manifest)
        if not wanted:
            return {}
        sets, dummy = set_reader.scan(self, root, params["signing_key"], False)
        found = {info["set_id"]: info for info in sets}
        return {set_id: (found[set_id]["manifest"] if set_id in found and found[set_id].get("signature") == "valid"
                         else None) for set_id in wanted}

    def _check_links(self, root, path, manifest, earlier, left, run_id=None):
        """Each file store that hard-linked files from an earlier set: every linked file must read as that set
        recorded it (docs/architecture.md, "Only changed file-store bytes"). Against a format-2 earlier set, its
        listing and this set's are walked in step page by page (one page of each on the controller), and the
        earlier listing's lines are hashed as they are read and must match the SHA-256 its manifest records
        before any finding counts; against a format-1 set, its manifest's per-file hashes. A file whose hash
        differs (and that the link step did not leave to robocopy) counts against the earlier set only when the
        host finds it is a hard link (lync_file_links, _links): what is a link is read from the file system at the
        close, not inferred from the link step's lists, since a file missing from the link step's listing and
        copied by robocopy is on none of them (review hardlink3, finding 3). A damaged earlier copy
        fails the item; the paths named (at most backup_set.MAX_NAMED, with the count) go to
        details.damaged_links, which the next night's link step reads so as to copy them afresh."""
        for item in bs.listed_stores(manifest):
            source = item["details"].get("linked_from")
            if item["status"] != "ok" or not source:
                continue
            # This set's listing still has its staged name: the last write renames it into place.
            found = self._link_problems(root, path, item, source, earlier.get(source), left.get(item["id"]),
                                        staged_listing(item["listing"]["path"], run_id))
            if found:
                backup_plan.fail_item(manifest, item, found)

    def _link_problems(self, root, path, item, source, before, not_linked, own_listing):
        unchecked = "its files linked from %s cannot be checked: " % source
        if before is None:
            return [unchecked + "that set's manifest could not be read or its signature does not match"]
        earlier = next((i for i in before.get("items") or [] if i.get("id") == item["id"] and i.get("status") == "ok"),
                       None)
        new_pages = set_reader.listing_pages(self, path, own_listing)
        listing = (earlier or {}).get("listing")
        digest = hashlib.sha256()
        try:
            if listing:
                old_pages = bs.hashing_pages(set_reader.listing_pages(self, bs.set_path(root, source), listing["path"]),
                                             digest)
                pairs = backup_plan.listed_pairs(old_pages, new_pages)
            else:
                pairs = backup_plan.recorded_pairs(filestore_links.manifest_files(before, item["id"]),
                                                   item["details"]["folder"], new_pages)
            unknown = []
            links = self._links(path, item["details"]["folder"], backup_plan.differing(pairs, not_linked), unknown)
            found, damaged, count = backup_plan.link_damage(item, source, links)
        except (bs.BackupSetError, AnsibleActionFail) as exc:
            return [unchecked + "the listings or the files' link counts could not be read (%s)"
                    % " ".join(str(exc).split())]
        if listing and digest.hexdigest().upper() != str(listing["sha256"]).upper():
            return [unchecked + "%s's %s does not match the SHA-256 its manifest records" % (source, listing["path"])]
        if unknown:
            # Whether these are links is not known: the item fails, but the earlier set is not blamed (no
            # damaged_links), since a copy with one name says nothing about it.
            named = "; ".join("%s: %s" % (f.get("Path"), " ".join(str(f.get("Error")).split())) for f in unknown[:5])
            found = found + [unchecked + "%d file(s) differ from %s's record and whether they are hard links to its "
                             "copy cannot be read (%s)" % (len(unknown), source, named)]
        if count:
            item["details"].update(damaged_links=damaged, damaged_links_count=count)
        return found

    def _links(self, path, folder, candidates, unknown):
        """The candidates (differing: path in the store, earlier SHA-256, SHA-256 now) that are hard links in this
        set's copy of the store, asked of the host that holds the set (lync_file_links: more than one name) in
        calls of LINK_BATCH paths: only the files whose hash differs from the earlier record travel, never the
        store's list. Files whose link state cannot be read are appended to `unknown` ({Path, Error})."""
        candidates = iter(candidates)
        store = bs.extended_path("%s\\%s" % (path, folder.replace("/", "\\")))
        while True:
            batch = list(itertools.islice(candidates, LINK_BATCH))
            if not batch:
                return
            value = self.payload("lync_file_links", {"Path": store, "Files": [p for p, dummy, dummy2 in batch]}).value
            linked = {str(p) for p in value.get("Linked") or []}
            unknown.extend(value.get("Failed") or [])
            for entry in batch:
                if entry[0] in linked:
                    yield entry

    def _landed(self, path, folders):
        """({relative path: file} of every file in the given top-level folders of the set, listed and hashed by
        lync_file_inventory, one call per folder; {folder: why} for the folders that could not be listed)."""
        landed, unreadable = {}, {}
        for folder in folders:
            try:
                value = self.payload("lync_file_inventory", {"Path": bs.extended_path("%s\\%s" % (path, folder)),
                                                             "Hash": True}).value
            except AnsibleActionFail as exc:
                unreadable[folder] = " ".join(str(exc).split())
                continue
            for entry in value.get("Files") or []:
                rel = "%s/%s" % (folder, entry["Path"])
                landed[rel] = dict(entry, Path=rel)
        return landed, unreadable

    def _listings(self, path, stores, run_id):
        """{item id: summary} of each file store's copy, listed and hashed on the host into the set
        (lync_file_listing_write): only the summary travels back, whatever the file count. With a run id the
        listing is written under its staged name (staged_listing), which the close's last write renames into place
        under this run's lock: a listing takes as long as its store's bytes take to read, and neither another run's
        set nor a takeover of the lock at that moment makes it read them again (reviews s9main 2, s12 3, s13 5)."""
        found = {}
        for item_id, folder in sorted(stores.items()):
            name = bs.listing_path(folder)
            parameters = {"Path": bs.extended_path("%s\\%s" % (path, folder.replace("/", "\\"))),
                          "ListingPath": bs.extended_path("%s\\%s" % (path, staged_listing(name, run_id).replace("/", "\\")))}
            try:
                found[item_id] = self.payload("lync_file_listing_write", parameters).value
            except AnsibleActionFail as exc:
                found[item_id] = {"error": " ".join(str(exc).split())}
        return found

    def _share_elsewhere(self, root, hosts=None):
        """(server, certain) when a UNC root's server is not the host running this module, else None: see
        share_elsewhere."""
        return share_elsewhere(root, self.host, hosts or {})

    @staticmethod
    def _verification(set_id, path, manifest_text, signature, key, landed, written):
        """The set as lync_backup_set_info verify would describe it, from the listing this close hashed and the
        files it wrote (the same run's verification: retention trusts it without reading the set again)."""
        info = bs.describe(set_id, manifest_text, signature_text=signature, key=key)
        files = [f for f in landed.values() if f["Path"] not in written]
        files += [{"Path": rel, "Bytes": w["bytes"], "Sha256": w["sha256"]} for rel, w in written.items()]
        if written["manifest.json"]["sha256"] != info["manifest_sha256"]:
            info["problems"].append("manifest.json landed with another SHA-256 than the text written")
        if info["manifest"] is not None:
            bad, extra = bs.file_problems(info["manifest"], files, hashed=True)
            info["problems"].extend(bad[p] for p in sorted(bad))
            info.update(bad_files=sorted(bad), extra_files=extra, checked="sha256 (close)")
        errors = list((info["manifest"] or {}).get("errors") or [])
        return dict(set_reader.public(info), path=path, trusted=bs.is_trusted(info), condition=bs.condition(info),
                    errors=errors)

    def _resumed(self, root, set_id, params):
        """Resume the set of a run that died (docs/backup.md, "The controller died mid-backup"): take its lock again
        when the lock names that set (or there is none), if the set has no manifest; its items then run into it."""
        if not params["set_id"]:
            raise AnsibleActionFail("lync_backup_set: resume needs set_id, the set to resume")
        path = bs.set_path(root, set_id)
        token = params["run_id"] or secrets.token_hex(8)
        if self.check_mode:
            return {"changed": True, "set_id": set_id, "path": path, "lock_taken_over": None, "resumed": True,
                    "run_id": token}
        parameters = {"Root": root, "SetId": set_id, "LockText": lock_text(set_id, token, self.host),
                      "LockMaxAgeHours": params["lock_max_age"], "Resume": True, "RunId": token}
        if params["force"]:
            # The operator says the run that opened the set has ended: its lock is taken over whatever its age.
            parameters["TakeOver"] = True
        try:
            result = self.payload("lync_backup_set_open", parameters)
        except AnsibleActionFail as exc:
            text = str(exc)
            refusal = resume_refusal(set_id, text, params["lock_max_age"]) if "LYNC_BACKUP_LOCKED" in text else None
            if refusal:
                raise AnsibleActionFail(refusal) from None
            for marker in ("LYNC_BACKUP_LOCKED: ", "LYNC_RESUME_REFUSED: "):
                if marker in text:
                    raise AnsibleActionFail("lync_backup_set: cannot resume %s: %s" % (
                        set_id, text.rsplit(marker, maxsplit=1)[-1])) from None
            if "LYNC_ROOT_MISSING" in text:
                raise AnsibleActionFail("lync_backup_set: the backup root %s does not exist or %s cannot reach it"
                                        % (root, self.host)) from None
            raise
        return {"changed": True, "set_id": set_id, "path": result.value["Path"],
                "lock_taken_over": result.value.get("TakenOverLock"), "resumed": True, "run_id": token,
                "warnings": ["resumed the unfinished set %s: its items run into it again (detached jobs still running "
                             "there are waited for and collected)" % set_id] + aside_left(result.value)}

    @staticmethod
    def _unlock_parameters(root, set_id, params):
        """The release's parameters: with this run's id, only this run's lock of the set is released."""
        parameters = {"Root": root, "SetId": set_id}
        if params["run_id"]:
            parameters["RunId"] = params["run_id"]
        return parameters

    def _unlocked(self, root, params):
        if self.check_mode:
            return {"changed": False, "lock_released": False}
        result = self.payload("lync_backup_set_unlock", self._unlock_parameters(root, params["set_id"], params))
        return {"changed": result.value["Released"], "lock_released": result.value["Released"],
                "lock_holder": result.value.get("Holder")}
