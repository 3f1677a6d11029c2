# Copyright: (c) 2026, lync.server maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Plan a backup from lync_facts, and turn the items' results into a manifest and a report.

The plan follows the domain brief (sections 1-3): the CMS, LIS and topology once per
deployment on a Front End of the CMS pool; user data for every Front End pool and
Standard Edition server; Response Group configuration for every pool running it;
Persistent Chat data by export as well as by SQL; copy-only SQL backups of every Lync
store (never the transient databases); every file store (Meeting.Active excluded); the
certificates of every Lync server; and the identity of every server of the topology.
Each item names the inventory host that runs it; an item nobody can run is still planned,
with the reason, so the set ends partial instead of silently incomplete.
"""

from __future__ import annotations

from ansible_collections.lync.server.plugins.plugin_utils import backup_set as bs
from ansible_collections.lync.server.plugins.plugin_utils import catalog
from ansible_collections.lync.server.plugins.plugin_utils import filestore_links
from ansible_collections.lync.server.plugins.plugin_utils import timeouts

CMS_ITEMS = (("cms_config", "config", "cms/config.zip"), ("cms_lis", "lis", "cms/lis.zip"),
             ("cms_topology", "topology", "cms/topology.xml"))


def _host_index(hosts):
    """{lower-case FQDN or inventory name: inventory name} for the hosts that answered."""
    index = {}
    for name, facts in hosts.items():
        index[name.lower()] = name
        if facts and facts.get("fqdn"):
            index[facts["fqdn"].lower()] = name
    return index


def _item(kind, scope, host, task, args, paths, problem=None):
    item_id = "%s:%s" % (kind, scope)
    summary = "%s on %s -> %s" % (item_id, host or "(nobody)", ", ".join(paths))
    if problem:
        summary += "  [cannot run: %s]" % problem
    return {"id": item_id, "kind": kind, "scope": scope, "host": host, "task": task, "args": args, "paths": paths,
            "problem": problem, "summary": summary}


def _missing(fqdn, what):
    """Why an item cannot run: its server is not a host of the play. Hosts are matched by FQDN, in any
    group (no role reads a group for SQL or file servers)."""
    return ("no host of the play is %s (the %s): add it to the inventory by that FQDN, in any group, "
            "and to the play's hosts, or it did not answer" % (fqdn, what))


def plan(deployment, hosts, options=None):
    """The list of backup items for a deployment.

    deployment -- lync_deployment facts (from a Front End)
    hosts      -- {inventory name: lync_host facts} of the hosts of the play that answered
    options    -- persistent_chat_export (bool), filestore_flags (str)
    """
    options = options or {}
    index = _host_index(hosts)
    shells = sorted(name for name, facts in hosts.items() if facts and facts.get("lync_shell"))
    items = []

    def front_end_for(computers):
        for computer in computers:
            name = index.get(computer.lower())
            if name in shells:
                return name
        return shells[0] if shells else None

    pools = {p["fqdn"]: p for p in deployment["pools"]}
    cms_pool = pools.get(deployment["cms"]["pool"] or "", {"computers": []})
    cms_host = front_end_for(cms_pool["computers"])
    for kind, what, path in CMS_ITEMS:
        items.append(_item(kind, "global", cms_host, "cms", {"items": [what]}, [path],
                           None if cms_host else "no Front End with the Lync shell answered"))
    for pool in (p for p in deployment["pools"] if p["front_end"]):
        host = front_end_for(pool["computers"])
        problem = None if host else "no Front End with the Lync shell answered"
        items.append(_item("userdata", pool["fqdn"], host, "data", {"kind": "userdata", "pool_fqdn": pool["fqdn"]},
                           ["pools/%s/userdata.zip" % pool["fqdn"]], problem))
        if pool["response_group"]:
            items.append(_item("rgs", pool["fqdn"], host, "data", {"kind": "rgs", "pool_fqdn": pool["fqdn"]},
                               ["pools/%s/rgs.zip" % pool["fqdn"]], problem))
    for store in deployment["sql_stores"]:
        instance = store["instance"] or "MSSQLSERVER"
        scope = "%s\\%s" % (store["fqdn"], instance.lower())
        if options.get("persistent_chat_export", True) and "PersistentChatDatabase" in store["roles"]:
            host = front_end_for([])
            db_instance = scope if store["instance"] else store["fqdn"]
            items.append(_item("pchat_export", scope, host, "data",
                               {"kind": "persistentchat", "db_instance": db_instance},
                               ["persistentchat/%s_%s/mgc.zip" % (store["fqdn"], instance.lower())],
                               None if host else "no Front End with the Lync shell answered"))
        host = index.get(store["fqdn"])
        databases = catalog.backup_selection(store["roles"])
        if databases:
            items.append(_item("sql", scope, host, "sql",
                               {"sql_server": store["fqdn"], "sql_instance": store["instance"],
                                "store_roles": store["roles"]},
                               ["sql/%s_%s/%s.bak" % (store["fqdn"], instance.lower(), db) for db in databases],
                               None if host else _missing(store["fqdn"], "SQL Server of this store")))
    for fstore in deployment["file_stores"]:
        host = index.get(fstore["fqdn"])
        folder = "filestores/%s_%s" % (fstore["fqdn"], str(fstore["share"]).lower())
        local = None
        problem = None if host else _missing(fstore["fqdn"], "file server of this file store")
        if host:
            local = next((s["path"] for s in hosts[host].get("shares", [])
                          if s["name"].lower() == str(fstore["share"]).lower()), None)
            if local is None:
                problem = "%s has no share named %s" % (fstore["fqdn"], fstore["share"])
        items.append(_item("filestore", fstore["unc"], host, "filestore",
                           {"src": local, "folder": folder, "target": folder.replace("/", "\\"),
                            # /XC /XN /XO: robocopy never overwrites a file of the new set (a hard link
                            # from the previous set there would be written through): filestore_links.
                            "flags": filestore_links.robocopy_flags(options.get("filestore_flags")),
                            "server": fstore["fqdn"], "share": fstore["share"]},
                           [folder + "/"], problem))
    computers = sorted({c for p in deployment["pools"] for c in p["computers"]})
    for computer in computers:
        host = index.get(computer)
        facts = hosts.get(host) if host else None
        if facts and facts.get("lync_products") and facts.get("lync_shell"):
            items.append(_item("certificates", computer, host, "certs", {"host_fqdn": computer},
                               ["certs/%s/certificates.json" % computer]))
    for computer in computers:
        host = index.get(computer)
        items.append(_item("identity", computer, host, "identity", {}, ["identity/%s.json" % computer],
                           None if host else _missing(computer, "lync")))
    return items


# SQL Server's limit on a disk backup device's name (the path in BACKUP ... TO DISK = @file): msdb records it as
# backupmediafamily.physical_device_name, nvarchar(260)
# (https://learn.microsoft.com/sql/relational-databases/system-tables/backupmediafamily-transact-sql), sp_addumpdevice
# takes it as nvarchar(260) and says it "must follow the rules for operating-system file names"
# (https://learn.microsoft.com/sql/relational-databases/system-stored-procedures/sp-addumpdevice-transact-sql), and
# Windows' MAX_PATH is 260 characters with the terminating null: 259 of path
# (https://learn.microsoft.com/windows/win32/fileio/maximum-file-path-limitation). A longer name fails the BACKUP
# with Msg 3057, "Invalid device name. The length of the device name provided exceeds supported limit (maximum
# length is:%d)", then Msg 3013 (https://learn.microsoft.com/sql/relational-databases/errors-events/database-engine-events-and-errors-3000-to-3999).
# The page does not print the number SQL Server puts in %d; 259 is the bound that fits both rules (a
# 260-character name is refused here even if SQL Server took it).
SQL_DEVICE_MAX = 259
# The folder the backup files go to, <set>\sql\<server>_<instance>, is created by lync_sql_backup.ps1 (New-Item
# -ItemType Directory -Force, a plain path), not by SQL Server: BACKUP ... TO DISK writes the file into a folder that
# must exist. Windows refuses to create a directory whose path has 248 characters or more without the \\?\ prefix:
# CreateDirectory, "there is a default string size limit for paths of 248 characters (MAX_PATH - enough room for a
# 8.3 filename)" (https://learn.microsoft.com/windows/win32/api/winbase/nf-winbase-createdirectory; the current
# CreateDirectoryA page, https://learn.microsoft.com/windows/win32/api/fileapi/nf-fileapi-createdirectorya, says
# "limited to MAX_PATH characters"), and .NET Framework says "the directory name must be less than 248 characters"
# (PathTooLongException, https://learn.microsoft.com/dotnet/api/system.io.pathtoolongexception). The payload's
# New-Item -ItemType Directory -Force does not even say so: Windows PowerShell 5.1 drops that IOException under -Force
# (PowerShell issue #5290) and silently creates nothing; lync_sql_backup.ps1's Test-Path then stops it, and without
# that each BACKUP would fail with "Operating system error 3". So the folder may have at most 247 characters, whatever
# length its files have (review hardlink3, finding 5). A choice, not Windows' only way: the folder could be made
# through \\?\ (.NET 4.6.2 on the SQL host) while BACKUP keeps a plain device name of up to 259 characters (review
# hardfix2, finding 9); refusing is clear, and the preflight reports it.
SQL_FOLDER_MAX = 247
# What a set id looks like in a path planned before the set exists: every set id has these 28 characters.
SET_ID_SHAPE = "lync-YYYYMMDDTHHMMSSZ-xxxxxx"


def sql_file_names(database, file_count=1):
    """The backup files lync_sql_backup.ps1 writes for one database: <db>.bak, or <db>_<i>of<n>.bak when striped."""
    if file_count <= 1:
        return ["%s.bak" % database]
    return ["%s_%dof%d.bak" % (database, i, file_count) for i in range(1, file_count + 1)]


def sql_device_paths(set_path, server, instance, databases, file_count=1):
    """Every backup device path (TO DISK) of one instance's SQL backup: <set>\\sql\\<server>_<instance>\\<file>."""
    folder = "%s\\sql\\%s_%s" % (set_path.rstrip("\\"), server, (instance or "mssqlserver").lower())
    return ["%s\\%s" % (folder, name) for db in databases for name in sql_file_names(db, file_count)]


def planned_sql_paths(root, deployment, file_count=1):
    """The backup device paths every SQL store of the deployment would get below `root` (set id of the standard
    shape), the same databases the plan backs up (catalog.backup_selection of the store's roles)."""
    set_path = "%s\\%s" % (root.rstrip("\\"), SET_ID_SHAPE)
    found = []
    for store in (deployment or {}).get("sql_stores") or []:
        found.extend(sql_device_paths(set_path, store["fqdn"], store.get("instance"),
                                      catalog.backup_selection(store.get("roles") or []), file_count))
    return found


def sql_folder(path):
    """The folder of a SQL backup device path (the one lync_sql_backup.ps1 creates)."""
    return path.rsplit("\\", 1)[0]


def sql_shortening(paths):
    """How many characters the backup root must lose so that every SQL backup file fits SQL_DEVICE_MAX and every
    SQL backup folder SQL_FOLDER_MAX (0 when they do)."""
    return max([0] + [len(p) - SQL_DEVICE_MAX for p in paths] + [len(sql_folder(p)) - SQL_FOLDER_MAX for p in paths])


def too_long_for_sql(paths):
    """None when every path fits SQL Server's backup device name and every folder can be created; else the message
    naming the longest folder or file and the limit."""
    folders = sorted({sql_folder(p) for p in paths if len(sql_folder(p)) > SQL_FOLDER_MAX}, key=len)
    if folders:
        longest = folders[-1]
        over = sql_shortening(paths)
        return ("the SQL backup folder %s is %d characters long; Windows creates a directory only when its path is "
                "shorter than 248 characters (at most %d; CreateDirectory, and .NET's \"the directory name must be "
                "less than 248 characters\"), and SQL Server's BACKUP needs that folder to exist: "
                "shorten the backup root by at least %d character%s"
                % (longest, len(longest), SQL_FOLDER_MAX, over, "" if over == 1 else "s"))
    long_ones = [p for p in paths if len(p) > SQL_DEVICE_MAX]
    if not long_ones:
        return None
    longest = max(long_ones, key=len)
    over = len(longest) - SQL_DEVICE_MAX
    return ("the SQL backup file %s is %d characters long; SQL Server refuses a backup device name longer than %d "
            "characters (Msg 3057, \"Invalid device name. The length of the device name provided exceeds supported "
            "limit\"): shorten the backup root by at least %d character%s (%d of the %d SQL backup files are too long)"
            % (longest, len(longest), SQL_DEVICE_MAX, over, "" if over == 1 else "s", len(long_ones), len(paths)))


# The item kinds a host runs itself, each one looped task of the backup role (tasks/items.yml).
ITEM_TASKS = ("cms", "data", "sql", "filestore", "certs")


def by_host(items):
    """{inventory name: {task: [items]}}: what each host runs once the set is open.

    Computed once for the play (the role sets it with run_once), so each host finds its own
    work by its name instead of filtering the whole plan. Items with a problem run nowhere and
    identity records are written by the close, so neither is listed. Every host listed has
    every task key (an empty list: its looped task skips).
    """
    work = {}
    for item in items:
        if item["problem"] or item["kind"] == "identity" or not item["host"] or item["task"] not in ITEM_TASKS:
            continue
        work.setdefault(item["host"], {task: [] for task in ITEM_TASKS})[item["task"]].append(item)
    return work


def loop_records(registered, loop_var="backup_item", links=None):
    """The item records of one looped item task (its registered result), in loop order.

    loop_var names the loop variable that holds the planned item. A file store's record comes from
    its copy (robocopy) and its link step (links: the registered result of lync_filestore_link, looped
    over the same items): what was linked from which earlier set; its files are the ones the close finds
    in its folder (settle). Skipped entries (check mode) give no record.
    """
    linked = {}
    for entry in (links or {}).get("results") or []:
        if isinstance(entry.get("backup_item"), dict):
            linked[entry["backup_item"]["id"]] = entry
    records = []
    for entry in (registered or {}).get("results") or []:
        given = entry.get(loop_var)
        if isinstance(given, dict) and given.get("kind") == "filestore" and not entry.get("skipped"):
            failed = bool(entry.get("failed"))
            link = linked.get(given["id"])
            if not failed and link is not None and (link.get("failed") or link.get("unreachable")):
                # A link step that failed or timed out may have made links before it stopped, and its result does
                # not say which: robocopy skips those names (/XC /XN /XO), and the close could not check them
                # against the earlier set, so damage there would be signed as good. The store fails tonight.
                record = item_result(given, {"msg": "the link step failed (%s): hard links it may have made before "
                                                    "it stopped cannot be checked against the earlier set, so this "
                                                    "copy is not trusted; the next backup links or copies afresh"
                                                    % " ".join(str(link.get("msg") or "no answer").split())}, True)
                record["details"] = filestore_result(given, entry, link)["details"]
                records.append(record)
                continue
            records.append(item_result(given, entry if failed else filestore_result(given, entry, link), failed))
        elif isinstance(given, dict) and not entry.get("skipped"):
            records.append(item_result(given, entry, bool(entry.get("failed"))))
    return records


def identity(fqdn, facts, deployment, recorded):
    """identity/<host>.json: what must be the same on a replacement server (docs/backup-set.md)."""
    roles = sorted({r for p in deployment["pools"] if fqdn in p["computers"] for r in p["roles"]})
    return {
        "fqdn": fqdn,
        "hostname": facts.get("hostname"),
        "domain": facts.get("domain"),
        "domain_joined": facts.get("domain_joined"),
        "ipv4": facts.get("ipv4", []),
        "dns_servers": facts.get("dns_servers", []),
        "os": facts.get("os"),
        "lync_roles": roles,
        "lync_products": facts.get("lync_products", []),
        "sql_instances": sorted(i["name"] for i in facts.get("sql_instances", [])),
        "shares": [dict(s, unc="\\\\%s\\%s" % (fqdn, s["name"])) for s in facts.get("shares", [])],
        "certificates": [],
        # The AD computer account the server used: a replacement must reuse it (domain brief 4.0).
        "computer_account": {"sid": facts.get("computer_sid")},
        "recorded": recorded,
    }


def _result_index(results):
    return {r["id"]: r for r in results}


def manifest(items, results, set_id, deployment, hosts, started, finished, version):
    """Build the manifest and the controller-made files of a set from the plan and the items' results.

    results -- [{"id", "status", "error", "files", "details", "started", "finished"}] from every host
    Returns {"manifest": ..., "files": {relative path: document}}.
    """
    by_id = _result_index(results)
    files = {}
    entries = []
    certs_by_host = {}
    for res in results:
        if res["id"].startswith("certificates:"):
            certs_by_host[res["id"].split(":", 1)[1]] = [c["thumbprint"] for c in
                                                         (res.get("details") or {}).get("certificates", [])]
    for item in items:
        entry = {"id": item["id"], "kind": item["kind"], "scope": item["scope"], "host": item["host"],
                 "status": "failed", "error": None, "started": None, "finished": None, "files": [], "details": {}}
        if item["kind"] == "identity":
            facts = hosts.get(item["host"]) if item["host"] else None
            if facts:
                doc = identity(item["scope"], facts, deployment, finished)
                doc["certificates"] = certs_by_host.get(item["scope"], [])
                path = item["paths"][0]
                files[path] = doc
                entry.update(status="ok", started=finished, finished=finished, files=[bs.document_entry(path, doc)])
            else:
                entry["error"] = item["problem"] or "no facts from %s" % item["scope"]
        elif item["problem"]:
            entry["error"] = item["problem"]
        elif item["id"] in by_id:
            res = by_id[item["id"]]
            entry.update(status=res["status"], error=res.get("error"), started=res.get("started"),
                         finished=res.get("finished"), files=res.get("files") or [], details=res.get("details") or {})
        else:
            entry["error"] = "not run: %s failed or became unreachable before this item" % item["host"]
        entries.append(entry)
    failed = [e for e in entries if e["status"] != "ok"]
    doc = {
        "format": bs.FORMAT,
        "set_id": set_id,
        "status": "partial" if failed else "complete",
        "started": started,
        "finished": finished,
        "collection_version": version,
        "lync": {"product": deployment["product"], "version": deployment["version"]},
        "topology": deployment,
        "identities": {path.split("/", 1)[1][:-5]: d for path, d in sorted(files.items())},
        "items": entries,
        "errors": ["%s: %s" % (e["id"], e["error"]) for e in failed],
    }
    return {"manifest": doc, "files": files}


def summary(doc):
    """Counts of a manifest: items ok/failed and bytes."""
    total = sum(bs.item_bytes(i) for i in doc["items"])
    return {"items_ok": sum(1 for i in doc["items"] if i["status"] == "ok"),
            "items_failed": sum(1 for i in doc["items"] if i["status"] != "ok"), "bytes": total}


def human_size(count):
    """Bytes as report.txt (and the preflight) print them: B, KiB, MiB, GiB, TiB."""
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if count < 1024 or unit == "TiB":
            return ("%d %s" % (count, unit)) if unit == "B" else ("%.1f %s" % (count, unit))
        count /= 1024.0
    return str(count)


def report(doc, path):
    """report.txt: the set at a glance, one line per item, then every error."""
    counts = summary(doc)
    status = "Status:   %s (%d items ok, %d failed, %s)" % (
        doc["status"].upper(), counts["items_ok"], counts["items_failed"], human_size(counts["bytes"]))
    lines = ["lync.server backup %s" % doc["set_id"],
             status,
             "Location: %s" % path,
             "Started:  %s   Finished: %s" % (doc["started"], doc["finished"]),
             "Lync:     %s, build %s" % (doc["lync"]["product"], doc["lync"]["version"]),
             "", "Items"]
    width = max([len(i["id"]) for i in doc["items"]] + [4])
    for item in doc["items"]:
        lines.append("  %-6s %-*s  on %-26s %3d files  %s" % ("ok" if item["status"] == "ok" else "FAILED", width,
                                                              item["id"], item["host"] or "-", bs.item_file_count(item),
                                                              human_size(bs.item_bytes(item))))
    stores = [i for i in doc["items"] if i["kind"] == "filestore" and (i.get("details") or {}).get("transfer")]
    if stores:
        lines += ["", "File-store copies (backup_filestore_full_every)"]
        for item in stores:
            details = item["details"]
            if details["transfer"] == "linked":
                what = "linked from %s, %s files copied (night %s since the last full copy)" % (
                    details.get("linked_from"), details.get("copied_files", "?"),
                    details.get("since_full_copy") if details.get("since_full_copy") is not None else "?")
            else:
                what = "FULL COPY: %s" % " ".join(str(details.get("transfer_reason")).split())
            lines.append("  %-*s  %s" % (width, item["id"], what))
    if doc["errors"]:
        lines += ["", "Errors"] + ["  " + e for e in doc["errors"]]
    return "\n".join(lines) + "\n"


def stats(doc, path):
    """set_stats for AWX/Tower workflows (docs/backup-set.md)."""
    counts = summary(doc)
    return {"lync_backup_set_id": doc["set_id"], "lync_backup_set_path": path, "lync_backup_status": doc["status"],
            "lync_backup_items_ok": counts["items_ok"], "lync_backup_items_failed": counts["items_failed"],
            "lync_backup_bytes": counts["bytes"]}


# ansible-core before 2.19 says a task timed out in msg only (plugin_utils/timeouts.py).
TIMEOUT_MSG_RE = timeouts.TIMEOUT_MSG_RE


def item_result(item, module_result, failed):
    """The result record of one item from its module's result (or from the failure that stopped it)."""
    module_result = module_result or {}
    error = None
    if failed:
        error = " ".join(str(module_result.get("msg") or "failed").split())
        period = timeouts.period(module_result)  # ansible-core 2.19: timedout key; 2.16-2.18: msg only
        if period is not None:
            # The task keyword `timeout` stopped it (the item's bound, backup_timeouts): say so plainly.
            error = "timed out after %s seconds (backup_timeouts); the host did not answer: %s" % (period, error)
    return {"id": item["id"], "status": "failed" if failed else "ok", "error": error,
            "files": module_result.get("files") or [], "details": module_result.get("details") or {},
            "started": module_result.get("started"), "finished": module_result.get("finished")}


def link_details(link):
    """What the link step did for a file store: files and bytes hard-linked from an earlier set (the close counts
    the copied ones from what landed). `link` is lync_filestore_link's result (None: not run)."""
    link = link or {}
    ok = not link.get("failed") and not link.get("skipped") and link.get("mode") == "link" \
        and int(link.get("linked_files") or 0) > 0
    reason = link.get("reason") or ("link step failed: %s; full copy" % " ".join(str(link.get("msg")).split())
                                    if link.get("failed") else "no link step ran: full copy")
    return {"transfer": "linked" if ok else "full copy", "transfer_reason": reason,
            "linked_from": link.get("previous_set") if ok else None,
            "linked_files": int(link.get("linked_files") or 0) if ok else 0,
            "linked_bytes": int(link.get("linked_bytes") or 0) if ok else 0,
            # Nights of linking since the store's last full copy (0: tonight's copy is a full one;
            # backup_filestore_full_every): the next night's link step reads it.
            "since_full_copy": (int(link["since_full_copy"]) if link.get("since_full_copy") is not None else None)
            if ok else 0,
            # For the close only (settle takes it out): every other file it finds there is a link to check.
            "not_linked": [str(p) for p in link.get("not_linked") or []] if ok else []}


def filestore_result(item, robocopy, link=None):
    """The module-like result of a file store item after its link step and its copy: the folder it fills in the
    set. Its files are the ones that landed there, listed and hashed once by the close on the backup server
    (settle)."""
    details = {"unc": item["scope"], "server": item["args"]["server"], "share": item["args"]["share"],
               "local_path": item["args"]["src"], "folder": item["args"]["folder"], "file_count": None, "bytes": None,
               "excluded": ["Meeting.Active"] if "Meeting.Active" in str(item["args"].get("flags")) else [],
               "robocopy_rc": (robocopy or {}).get("rc")}
    details.update(link_details(link))
    return {"files": [], "details": details, "started": (link or {}).get("started") or (robocopy or {}).get("started"),
            "finished": (robocopy or {}).get("finished")}


def top_folders(doc, documents=()):
    """The set's top-level folders that items claim files in (cms, pools, sql, certs, ...): the close lists and
    hashes each in its own call, so a folder that cannot be read fails only the items in it. File stores are not
    among them: each is listed into its own listing file on the host (store_folders)."""
    documents = set(documents)
    found = set()
    for item in doc["items"]:
        if item["status"] != "ok" or item["kind"] == "filestore":
            continue
        paths = [e["path"] for e in item["files"] if e["path"] not in documents]
        found.update(p.split("/", 1)[0] for p in paths if "/" in p)
    return sorted(found)


def store_folders(doc):
    """{item id: folder} of the file stores whose copy succeeded: the close writes a listing of each
    (lync_file_listing_write, on the host that holds the set) and settle references it from the manifest."""
    return {item["id"]: item["details"]["folder"] for item in doc["items"]
            if item["status"] == "ok" and item["kind"] == "filestore" and (item.get("details") or {}).get("folder")}


def _settle_store(item, folder, listed):
    """Reference a file store's listing from its item (format 2): the listing is the item's one file, so the
    manifest (and manifest.sig) cover every file of the store through the listing's SHA-256. Returns problems."""
    if listed is None or listed.get("error"):
        return ["the close could not list %s/ to hash it: %s" % (folder, (listed or {}).get("error") or "not listed")]
    path = bs.listing_path(folder)
    entry = {"path": path, "bytes": int(listed["Bytes"]), "sha256": str(listed["Sha256"]).upper()}
    item["files"] = [entry]
    item["listing"] = dict(entry, folder=folder.rstrip("/"), files=int(listed["Files"]),
                           file_bytes=int(listed["FileBytes"]))
    details = item["details"]
    details.update(file_count=int(listed["Files"]), bytes=int(listed["FileBytes"]))
    if "linked_files" in details:
        # What the night moved: every file of the folder that was not linked from an earlier set.
        details.update(copied_files=details["file_count"] - details["linked_files"],
                       copied_bytes=details["bytes"] - details["linked_bytes"])
    count = int(listed.get("ErrorCount") or 0)
    if count:
        shown = list(listed.get("Errors") or [])
        # Each error names its own cause: a file that cannot be read (still being written by a run that timed out, or
        # denied), a reparse-point folder (not entered), a name with an unpaired surrogate (no line).
        return ["%d entr%s of %s/ could not be listed or read: %s%s" % (
            count, "y" if count == 1 else "ies", folder, "; ".join(shown), "; ..." if count > len(shown) else "")]
    return []


def linked_from(doc):
    """The earlier sets the file stores of a manifest hard-linked files from (the close checks them)."""
    return sorted({(i.get("details") or {}).get("linked_from") for i in doc["items"]
                   if i["kind"] == "filestore" and i["status"] == "ok"} - {None})


def take_not_linked(doc):
    """{item id: [paths relative to the store]} the link step left to robocopy, taken out of the items (the list is
    for the close's link check only, never for the manifest)."""
    found = {}
    for item in doc["items"]:
        if item["kind"] == "filestore" and "not_linked" in (item.get("details") or {}):
            found[item["id"]] = item["details"].pop("not_linked") or []
    return found


def listed_pairs(earlier_pages, new_pages):
    """(path, earlier SHA-256, SHA-256 now) of each path on both sides of an earlier set's listing of a store and
    this set's, walked in step page by page (backup_set.merge_listings: one page of each in memory)."""
    for path, was, now in bs.merge_listings(earlier_pages, new_pages):
        if was is not None and now is not None:
            yield path, was["sha256"], now["sha256"]


def recorded_pairs(recorded, folder, new_pages):
    """The same against an earlier set in format 1: recorded is its manifest's {path in the set: (bytes, SHA-256)}
    of the store (filestore_links.manifest_files), already in memory with that manifest."""
    prefix = folder.rstrip("/") + "/"
    for entry in bs.listing_entries(new_pages):
        known = recorded.get(prefix + entry["path"])
        if known is not None:
            yield entry["path"], known[1], entry["sha256"]


def differing(pairs, not_linked):
    """(path in the store, earlier SHA-256, SHA-256 now) of each path on both sides whose hash differs and that the
    link step did not leave to robocopy: the candidates for damage. Not every one is a link: a file missing from
    the link step's listing (removed, or being replaced, while it was listed) and back in the store when robocopy
    ran is a fresh copy that no list names. So these are only candidates; the close asks the host which are
    really links (lync_file_links) before link_damage blames the earlier set. pairs -- listed_pairs or
    recorded_pairs. A file unreadable now is already a problem of the listing; one the earlier set has no hash for
    was never linked."""
    left = set(not_linked or ())
    for path, known, got in pairs:
        if path in left or known is None or got is None or str(got).upper() == str(known).upper():
            continue
        yield path, known, got


def link_damage(item, source, links, limit=bs.MAX_NAMED):
    """(problems, damaged paths in the set (at most `limit`), count) of a file store whose link step
    linked files from the earlier set `source` (docs/architecture.md, "Only changed file-store bytes").
    links -- (path in the store, earlier SHA-256, SHA-256 now) of the files whose hash differs from that set's
    record (differing) AND that the host found to be hard links (lync_file_links: more than one name; before the
    close only the link step, from `source`'s copy, gives a file of the new set a second name): each is
    `source`'s own file, damaged in place since `source` closed. A differing file with one name is a copy robocopy
    made and is never counted here, so a good earlier set is never blamed for it."""
    prefix = item["details"]["folder"].rstrip("/") + "/"
    found, damaged, count = [], [], 0
    for path, known, got in links:
        count += 1
        if len(damaged) < limit:
            damaged.append(prefix + path)
            found.append("%s is a hard link to %s's copy, which %s's manifest records with SHA-256 %s; it reads %s now: "
                         "that copy is damaged (the next backup copies this file afresh)"
                         % (prefix + path, source, source, str(known).upper(), str(got).upper()))
    if count > len(damaged):
        found.append("%d more linked file(s) of %s read otherwise than %s recorded them than named here (the next "
                     "backup copies the store afresh)" % (count - len(damaged), prefix.rstrip("/"), source))
    return found, damaged, count


def fail_item(doc, item, found):
    """Fail an item with its problems after settle (the close's link check), and set the manifest's status again."""
    item.update(status="failed", error="; ".join(([item["error"]] if item.get("error") else []) + list(found)))
    _status(doc)


def _status(doc):
    failed = [i for i in doc["items"] if i["status"] != "ok"]
    doc["status"] = "partial" if failed else "complete"
    doc["errors"] = ["%s: %s" % (i["id"], i["error"]) for i in failed]


def settle(doc, landed, documents=(), unreadable=None, listings=None):
    """Match a manifest's items with the files that landed in the set, as the close lists and hashes them on the
    backup server (one read of each byte, where it lies). Each byte is hashed once, there (docs/architecture.md,
    "Each byte moved once").

    landed -- {relative path: {"Path", "Bytes", "Sha256"}} (lync_file_inventory with Hash)
    documents -- relative paths the close itself writes afterwards (identity records), left as they are.
    unreadable -- {top-level folder: why} for folders the close could not list: their items fail with the reason.
    listings -- {item id: lync_file_listing's summary (Files, FileBytes, Bytes, Sha256, Errors, ErrorCount) or
    {"error": why}} of each file store (store_folders): its item references its listing instead of its files.
    An ok item fails when a file it claims did not land, landed with another size, or landed with another
    SHA-256 than its source computed (exports hash their local staging file, certificates their bytes in
    memory); otherwise each entry takes the landed SHA-256. A file store item claims every file under its
    folder, through its listing. Returns the problems found, and sets the manifest's status and errors again.
    """
    documents = set(documents)
    unreadable = unreadable or {}
    stores = store_folders(doc)
    problems = []
    for item in doc["items"]:
        # The link step's list of files left to robocopy is for the close's link check only (take_not_linked).
        if item["kind"] == "filestore":
            (item.get("details") or {}).pop("not_linked", None)
        if item["status"] != "ok":
            continue
        found = []
        if item["id"] in stores:
            found = _settle_store(item, stores[item["id"]], (listings or {}).get(item["id"]))
            if found:
                item.update(status="failed", error="; ".join(found))
                problems.extend(found)
            continue
        claimed = [e["path"] for e in item["files"] if e["path"] not in documents]
        lost = sorted({p.split("/", 1)[0] for p in claimed if p.split("/", 1)[0] in unreadable})
        if lost:
            found.extend("the close could not list %s/ to hash it: %s" % (top, unreadable[top]) for top in lost)
        for entry in item["files"] if not lost else []:
            if entry["path"] in documents:
                continue
            got = landed.get(entry["path"])
            if got is None:
                found.append("%s did not land in the set" % entry["path"])
            elif got.get("Error"):
                found.append("%s could not be read where it landed (still being written by a run that timed out, "
                             "or denied): %s" % (entry["path"], got["Error"]))
            elif int(got["Bytes"]) != int(entry["bytes"]):
                found.append("%s landed with %s bytes; the item wrote %s" % (entry["path"], got["Bytes"], entry["bytes"]))
            elif entry.get("sha256") and str(entry["sha256"]).upper() != str(got["Sha256"]).upper():
                found.append("%s landed with another SHA-256 than its source computed (changed in transit or on "
                             "the share)" % entry["path"])
            else:
                entry["sha256"] = str(got["Sha256"]).upper()
        if found:
            item.update(status="failed", error="; ".join(found))
            problems.extend(found)
    _status(doc)
    return problems


def sql_backups(manifest, set_path):
    """Every SQL backup a set holds: [{sql_fqdn, instance, database, checksum (taken WITH CHECKSUM, as the set
    records it; true when it does not say), files (full paths)}] (for restore tests)."""
    found = []
    for item in manifest["items"]:
        if item["kind"] != "sql" or item["status"] != "ok":
            continue
        details = item.get("details") or {}
        instance = details.get("instance") or "MSSQLSERVER"
        for db in details.get("databases") or []:
            if db.get("status") == "ok":
                found.append({"sql_fqdn": details["sql_fqdn"], "instance": "" if instance == "MSSQLSERVER" else instance,
                              "database": db["name"], "checksum": db.get("checksum", True) is not False,
                              "files": ["%s\\%s" % (set_path, f.replace("/", "\\")) for f in db["files"]]})
    return found
