# Copyright: (c) 2026, lync.server maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Plan a staged recovery from a backup set, in Microsoft's order for each kind of server.

The order of STAGES satisfies every restore procedure of the domain brief (section 4):
  * the server hosting the CMS first (4.4): its database, the service control point,
    the configuration, Enable-CsTopology, then its other databases;
  * a Standard Edition server: file store before the Deployment Wizard (4.4 step 3,
    4.6 step 3), its data only after step 2 recreated the collocated databases (4.2);
  * an Enterprise back end: databases (Install-CsDatabase) then user data with the pool's
    Front End services stopped (4.5), Response Group (4.13), Monitoring/Archiving (4.11);
  * a member server (Front End, Persistent Chat): Deployment Wizard steps 1-4 (4.7);
  * a file server: copy back and share (4.10); Enable-CsTopology sets its ACLs;
  * a Monitoring/Archiving/Persistent Chat store: databases, then SQL restores (4.11, 4.12).
Core databases come back empty and are refilled from the cmdlet exports; SQL restores
serve Archiving, Monitoring and Persistent Chat only.

Each planned step names the host that runs it and the recovered server whose marker
records it, so a rerun resumes at the first unfinished step.
"""

from __future__ import annotations

import json
import re

from ansible_collections.lync.server.plugins.plugin_utils import backup_set as bs

STAGES = (
    ("filestore", "Copy the file store back from the set and share it (4.10; on a Standard Edition server before "
                  "the Deployment Wizard, 4.4 step 3)"),
    ("core", "Install the core components and the Management Shell: Setup.exe /BootstrapLocalMgmt from the media"),
    ("cms_database", "Create the Central Management store: Install-CsDatabase -CentralManagementDatabase -Clean "
                     "(4.4 step 6; a Standard Edition server first gets its SQL Express instance)"),
    ("cms_import", "Set-CsConfigurationStoreLocation, Import-CsConfiguration, Enable-CsTopology (4.4 steps 7-9)"),
    ("databases", "Create the stand-alone databases: Install-CsDatabase -ConfiguredDatabases (4.4 step 10, 4.5 step 4)"),
    ("local_store", "Deployment Wizard step 1: local configuration store"),
    ("components", "Deployment Wizard step 2: setup Lync Server components (collocated databases come back empty)"),
    ("certificates", "Deployment Wizard step 3: assign the certificates to their Lync usages"),
    ("services", "Deployment Wizard step 4: start the services and wait for them"),
    ("userdata", "Import-CsUserData with every Front End of the pool stopped, then started (4.4 step 12, 4.5 step 5)"),
    ("lis", "Import-CsLisConfiguration, then Publish-CsLisConfiguration (4.4 step 13, 4.15)"),
    ("rgs", "Import-CsRgsConfiguration -OverwriteOwner -ReplaceExistingRgsSettings (4.13)"),
    ("sql", "Restore Archiving, Monitoring and Persistent Chat from their SQL backups, then the ACL check (4.11, 4.12)"),
    ("pchat_import", "Import-CsPersistentChatData, when Persistent Chat is restored from its export (4.12)"),
    ("topology_acl", "Enable-CsTopology, to set the ACLs of a rebuilt file store (4.10 step 2)"),
)
STAGE_NAMES = tuple(stage[0] for stage in STAGES)
# The stages that put data into databases: after any of them, Deployment Wizard step 2 (which
# recreates collocated databases empty) must not run again on that server.
DATA_STAGES = ("userdata", "lis", "rgs", "sql", "pchat_import")
DESCRIPTIONS = dict(STAGES)
# The usages Deployment Wizard step 3 assigns per server. OAuthTokenIssuer is not one of them: Microsoft
# assigns it once, with Set-CsCertificate -Identity global ("Assign a server-to-server authentication
# certificate"); it is kept in the CMS (restored with the configuration) and replicated to every Front End.
WIZARD_USAGES = ("Default", "WebServicesInternal", "WebServicesExternal")


class RecoveryPlanError(ValueError):
    """A recovery that cannot be planned as asked."""


def store_location(value):
    """A Central Management store location as one comparable string: <fqdn>\\<instance>, or the FQDN alone
    for the default instance (compare with same_store_location: without case).

    Get-CsConfigurationStoreLocation's output is documented with a forward slash, e.g.
    "atl-sql-001.litwareinc.com/rtc"
    (https://learn.microsoft.com/powershell/module/skype/get-csconfigurationstorelocation), while
    Set-CsConfigurationStoreLocation takes -SqlServerFqdn and -SqlInstanceName; the text a payload returns may
    also carry more lines. First non-empty line only, '/' as '\\', a trailing '\\' or '\\MSSQLSERVER' dropped.
    """
    lines = [line.strip() for line in str(value or "").splitlines() if line.strip()]
    text = lines[0] if lines else ""
    text = text.replace("/", "\\").rstrip("\\")
    if text.upper().endswith("\\MSSQLSERVER"):
        text = text[:-len("\\MSSQLSERVER")]
    return text


def same_store_location(found, expected):
    return store_location(found).lower() == store_location(expected).lower()


def _step(stage, runs_on, marker_host, args=None, label=None):
    return {"stage": stage, "runs_on": runs_on, "marker_host": marker_host, "args": args or {},
            "label": label or marker_host, "description": DESCRIPTIONS[stage], "done": False, "forced": False}


def _index(hosts):
    index = {}
    for name, facts in (hosts or {}).items():
        index[name.lower()] = name
        if facts and facts.get("fqdn"):
            index[facts["fqdn"].lower()] = name
    return index


def _items(manifest):
    return {item["id"]: item for item in manifest["items"]}


def _shares(manifest, fqdn):
    return (manifest.get("identities") or {}).get(fqdn, {}).get("shares", [])


def _core_args(product, options):
    from ansible_collections.lync.server.plugins.plugin_utils import bootstrapper  # pylint: disable=import-outside-toplevel
    install_dir = bootstrapper.install_dir_for(product, options.get("install_dir"))
    media = options.get("media")
    if not media:
        raise RecoveryPlanError("rebuilding a Lync server needs the installation media: set lync_media_path")
    return {"setup": bootstrapper.setup_path(media), "arguments": " ".join(bootstrapper.SETUP_CORE_ARGUMENTS),
            "creates": bootstrapper.path(install_dir)}


def check_items(manifest, named, bad_files=None):
    """The item ids a recovery may use: those named in recovery_items (or, when none are named, every item
    that succeeded). A named item that is unknown, failed in the backup, or has a file that does not match
    its hash (bad_files, from the set's verification) is refused here, before any change, by name:
    recovery_items narrows what is restored, it never widens what is trusted."""
    items = _items(manifest)
    bad = set(bad_files or [])
    if not named:
        return {i for i, item in items.items() if item["status"] == "ok"}
    if isinstance(named, str) or not isinstance(named, (list, tuple)):
        raise RecoveryPlanError("recovery_items must be a list of item ids, not %r" % (named,))
    unknown = [i for i in named if i not in items]
    failed = [i for i in named if i in items and items[i]["status"] != "ok"]
    damaged = ["%s (%s)" % (i, ", ".join(p for p in sorted(bad) if bs.item_claims(items[i], p)))
               for i in named if i in items and any(bs.item_claims(items[i], p) for p in bad)]
    problems = []
    if unknown:
        problems.append("recovery_items names items the set does not have: %s" % ", ".join(unknown))
    if failed:
        problems.append("recovery_items names items that failed in the backup: %s" % ", ".join(failed))
    if damaged:
        problems.append("recovery_items names items whose files do not match their hashes: %s" % "; ".join(damaged))
    if problems:
        good = sorted(i for i, item in items.items() if item["status"] == "ok"
                      and not any(bs.item_claims(item, p) for p in bad))
        raise RecoveryPlanError("%s (the items that can be recovered: %s)" % ("; ".join(problems), ", ".join(good)))
    return set(named)


def plan(manifest, set_path, targets, hosts, options=None):
    """The ordered steps that bring `targets` (server FQDNs) back from the set described by manifest.

    hosts   -- {inventory name: lync_host facts} of the hosts of the play
    options -- media (installation media folder), install_dir, persistent_chat (sql|export),
               items (ids of manifest items the operator allows; empty or None: all items that succeeded),
               rtc_group (DOMAIN\\RTCComponentUniversalServices: required when the plan restores SQL databases)
    Raises RecoveryPlanError when a target is not a server of the backed-up topology or a step
    has nobody to run it.
    """
    options = options or {}
    deployment = manifest["topology"]
    index = _index(hosts)
    targets = sorted({t.lower() for t in targets})
    computers = {c for p in deployment["pools"] for c in p["computers"]}
    unknown = [t for t in targets if t not in computers]
    if unknown:
        raise RecoveryPlanError("not servers of the backed-up topology: %s" % ", ".join(unknown))
    missing = [t for t in targets if t not in index]
    if missing:
        raise RecoveryPlanError("recovery targets missing from the play: %s" % ", ".join(missing))
    items = _items(manifest)
    allowed = check_items(manifest, options.get("items"), options.get("bad_files"))

    def item_file(item_id, suffix=None):
        if item_id not in items or item_id not in allowed:
            raise RecoveryPlanError("the set has no usable item %s (failed in the backup or not allowed by "
                                    "recovery_items)" % item_id)
        files = [f["path"] for f in items[item_id]["files"] if suffix is None or f["path"].endswith(suffix)]
        return ["%s\\%s" % (set_path, f.replace("/", "\\")) for f in files]

    pools = {p["fqdn"]: p for p in deployment["pools"]}
    role_servers = sorted(c for p in deployment["pools"] if p["front_end"] or "PersistentChatServer" in p["roles"]
                          for c in p["computers"])
    front_ends = [c for p in deployment["pools"] if p["front_end"] for c in p["computers"]]
    shell_host = next((index[c] for c in front_ends if c in index and c not in targets), None) or \
        next((index[c] for c in front_ends if c in index), None)
    if shell_host is None:
        raise RecoveryPlanError("no Front End or Standard Edition server is in the play to run the Lync cmdlets")
    cms = deployment["cms"]
    cms_restored = cms["sql_fqdn"] in targets
    steps = []

    for fstore in deployment["file_stores"]:
        if fstore["fqdn"] not in targets:
            continue
        share = next((s for s in _shares(manifest, fstore["fqdn"]) if s["name"].lower() == fstore["share"].lower()), None)
        if share is None:
            raise RecoveryPlanError("the backup recorded no share %s on %s" % (fstore["share"], fstore["fqdn"]))
        folder = "filestores/%s_%s" % (fstore["fqdn"], fstore["share"].lower())
        item_file("filestore:%s" % fstore["unc"])
        planted = [f for f in options.get("extra_files") or [] if f.startswith(folder + "/")]
        if planted:
            # The file store comes back as a folder copy: refuse rather than copy files no backup wrote.
            raise RecoveryPlanError("the set holds files its manifest does not list under %s (%s); the backup did not "
                                    "write them: move them out of the set and run again" % (folder, ", ".join(planted)))
        steps.append(_step("filestore", index[fstore["fqdn"]], fstore["fqdn"], {
            "src": "%s\\%s" % (set_path, folder.replace("/", "\\")), "dest": share["path"], "share": share["name"]}))

    product = manifest["lync"]["product"]
    for server in role_servers:
        if server in targets:
            steps.append(_step("core", index[server], server, _core_args(product, options)))

    sql_express = any(p["edition"] == "Standard" and p["fqdn"] == cms["sql_fqdn"] for p in deployment["pools"])
    if cms_restored:
        runner = index[cms["sql_fqdn"]] if sql_express else shell_host
        steps.append(_step("cms_database", runner, cms["sql_fqdn"], {
            "sql_fqdn": cms["sql_fqdn"], "sql_instance": cms["sql_instance"] or "", "sql_express": sql_express}))
        config = item_file("cms_config:global")[0]
        steps.append(_step("cms_import", runner, cms["sql_fqdn"], {
            "sql_fqdn": cms["sql_fqdn"], "sql_instance": cms["sql_instance"] or "", "configuration_file": config}))

    for store_host in sorted({s["fqdn"] for s in deployment["sql_stores"] if not s["collocated"]}):
        if store_host in targets:
            steps.append(_step("databases", shell_host, store_host, {"sql_fqdn": store_host}))

    collocated = set(collocated_servers(deployment))
    for server in role_servers:
        if server not in targets:
            continue
        components = sorted({"Front End Server" if p["front_end"] else "Persistent Chat Server"
                             for p in deployment["pools"] if server in p["computers"]})
        common = {"product": product, "install_dir": options.get("install_dir") or None, "media": options.get("media"),
                  "collocated_databases": server in collocated}
        for stage in ("local_store", "components", "certificates", "services"):
            args = dict(common, step=stage)
            if stage == "components":
                args["components"] = components
            if stage == "certificates":
                item_file("certificates:%s" % server)
                args["certificates"] = _certificates(items, server)
            steps.append(_step(stage, index[server], server, args))

    user_stores = {p["fqdn"]: p["user_database"] for p in deployment["pools"] if p["front_end"]}
    for pool_fqdn, store in sorted(user_stores.items()):
        if store not in targets:
            continue
        absent = [c for c in pools[pool_fqdn]["computers"] if c not in index]
        if absent:
            # Import-CsUserData needs the Front End service stopped on every Front End of the pool, and all of
            # them started together afterwards; a Front End the play cannot reach would keep running.
            raise RecoveryPlanError("restoring the user data of pool %s needs every Front End of the pool in the "
                                    "play; missing: %s" % (pool_fqdn, ", ".join(absent)))
        fes = [index[c] for c in pools[pool_fqdn]["computers"]]
        steps.append(_step("userdata", shell_host, store, {
            "pool_fqdn": pool_fqdn, "front_ends": fes, "file": item_file("userdata:%s" % pool_fqdn)[0]},
            label=pool_fqdn))
    if cms_restored:
        steps.append(_step("lis", shell_host, cms["sql_fqdn"], {"file": item_file("cms_lis:global")[0]}))
    app_stores = _application_stores(deployment)
    for pool_fqdn, store in sorted(app_stores.items()):
        if store in targets and pools[pool_fqdn]["response_group"]:
            steps.append(_step("rgs", shell_host, store, {"pool_fqdn": pool_fqdn,
                                                          "file": item_file("rgs:%s" % pool_fqdn)[0]}, label=pool_fqdn))

    method = options.get("persistent_chat", "sql")
    for store in deployment["sql_stores"]:
        if store["fqdn"] not in targets:
            continue
        instance = store["instance"] or "MSSQLSERVER"
        scope = "%s\\%s" % (store["fqdn"], instance.lower())
        restore = [d["name"] for d in store["databases"] if d["backup"] == "required"
                   and not (d["name"] == "mgc" and method == "export")]
        if restore:
            item_id = "sql:%s" % scope
            files = {}
            for name in restore:
                files[name] = [f for f in item_file(item_id) if _backup_of(f, name)]
                if not files[name]:
                    raise RecoveryPlanError("the set holds no SQL backup of %s on %s" % (name, scope))
            acl = [name for name in restore if name in ACL_CHECK_DATABASES]
            recorded = {d.get("name"): d for d in (items[item_id].get("details") or {}).get("databases") or []}
            # WITH CHECKSUM on RESTORE only when the backup was taken WITH CHECKSUM (the set records it).
            checksums = {name: recorded.get(name, {}).get("checksum", True) is not False for name in restore}
            steps.append(_step("sql", index[store["fqdn"]], store["fqdn"], {
                "sql_server": store["fqdn"], "sql_instance": store["instance"], "files": files,
                "checksums": checksums,
                "acl_group": rtc_group(options, scope, acl) if acl else "", "acl_databases": acl}, label=scope))
        if method == "export" and "PersistentChatDatabase" in store["roles"]:
            steps.append(_step("pchat_import", shell_host, store["fqdn"], {
                "db_instance": scope if store["instance"] else store["fqdn"],
                "file": item_file("pchat_export:%s" % scope)[0]}, label=scope))

    if not cms_restored and any(f["fqdn"] in targets for f in deployment["file_stores"]):
        file_server = next(f["fqdn"] for f in deployment["file_stores"] if f["fqdn"] in targets)
        steps.append(_step("topology_acl", shell_host, file_server))
    steps.sort(key=lambda s: STAGE_NAMES.index(s["stage"]))
    _start_pools_together(steps, deployment, index)
    for number, step in enumerate(steps, 1):
        step["number"] = number
        step["marker"] = _marker_name(step)
    return {"steps": steps, "shell_host": shell_host, "targets": targets, "cms_restored": cms_restored}


def _start_pools_together(steps, deployment, index):
    """Deployment Wizard step 4 of several rebuilt Front Ends of a pool of three or more: the pool's services stay
    starting until about 85% of its Front Ends are started (Microsoft, Front End Pool high availability and
    management), so each of them starts without waiting and the last one waits for all of them."""
    for pool in deployment["pools"]:
        if not pool["front_end"] or len(pool["computers"]) < 3:
            continue
        members = {c.lower() for c in pool["computers"]}
        rebuilt = [s for s in steps if s["stage"] == "services" and s["marker_host"].lower() in members]
        if len(rebuilt) < 2:
            continue
        for step in rebuilt[:-1]:
            step["args"]["wait"] = False
        rebuilt[-1]["args"]["wait_for_hosts"] = [index.get(s["marker_host"].lower(), s["runs_on"]) for s in rebuilt[:-1]]


# The databases Microsoft's restore procedure runs the ACL check on (RTCComponentUniversalServices in
# ServerRole): the Archiving and Monitoring databases; not Persistent Chat's mgc.
ACL_CHECK_DATABASES = ("LcsLog", "LcsCDR", "QoEMetrics")

# DOMAIN\group, as lync_sql_restore takes it (the NetBIOS domain name and the group's name).
RTC_GROUP_RE = re.compile(r"\A[A-Za-z0-9][A-Za-z0-9.\-]{0,63}\\[A-Za-z0-9 ._\-]{1,64}\Z")


def rtc_group(options, scope, databases):
    r"""The group the ACL check after a SQL restore looks for; RecoveryPlanError when it is not set.

    A restored database carries the grants of the old deployment; the runbook's ACL check
    (lync_sql_restore acl_group) makes sure the group Install-CsDatabase grants access to the
    Lync databases, DOMAIN\RTCComponentUniversalServices, is a user of it with its role. The
    group's domain is the one Enable-CsAdForest created Lync's universal groups in (-GroupDomain,
    by default the forest root domain), not necessarily the SQL server's own, so it is not guessed
    from the server's domain: the plan refuses the SQL stage without it, before any change.
    """
    group = str(options.get("rtc_group") or "").strip()
    if not group:
        raise RecoveryPlanError(
            "the sql stage restores %s on %s, and the ACL check after the restore needs the group Install-CsDatabase "
            "grants on Lync databases: set lync_rtc_group (recovery_rtc_group) to DOMAIN\\RTCComponentUniversalServices, "
            "DOMAIN being the NetBIOS name of the domain holding Lync's universal groups (Enable-CsAdForest "
            "-GroupDomain; by default the forest root domain); nothing was changed" % (", ".join(databases), scope))
    if not RTC_GROUP_RE.match(group):
        raise RecoveryPlanError("lync_rtc_group %r is not DOMAIN\\group (e.g. CONTOSO\\RTCComponentUniversalServices)"
                                % group)
    return group


def _backup_of(path, database):
    name = path.rsplit("\\", 1)[-1]
    return name == "%s.bak" % database or name.startswith("%s_" % database) and name.endswith(".bak")


def _certificates(items, server):
    """[{thumbprint, types}] of the Lync usages a server's certificates had at backup time."""
    item = items.get("certificates:%s" % server)
    found = []
    for cert in (item or {}).get("details", {}).get("certificates", []):
        types = [u for u in cert.get("usages", []) if u in WIZARD_USAGES]
        if types:
            found.append({"thumbprint": cert["thumbprint"], "types": types})
    return found


def _application_stores(deployment):
    """{pool fqdn: SQL server of its application store} for pools running ApplicationServer."""
    return {p["fqdn"]: p.get("application_database") or p["user_database"] for p in deployment["pools"]
            if p["response_group"]}


def _marker_name(step):
    """Markers are per stage and, where a stage repeats on one server, per pool or store."""
    if step["label"] == step["marker_host"]:
        return step["stage"]
    suffix = "".join(c if c.isalnum() else "_" for c in step["label"].lower())
    return ("%s_%s" % (step["stage"], suffix))[:64]


def apply_markers(planned, markers, set_id, force=()):
    """Mark steps done whose marker (for this set) exists on their server, unless their stage is forced.

    markers -- {server fqdn: [{"Stage": name, "Text": json}]} from lync_recovery_marker
    """
    unknown = [f for f in force if f not in STAGE_NAMES]
    if unknown:
        raise RecoveryPlanError("unknown stages to force: %s (stages: %s)" % (", ".join(unknown), ", ".join(STAGE_NAMES)))
    for step in planned["steps"]:
        found = {m["Stage"]: m for m in markers.get(step["marker_host"], [])}.get(step["marker"])
        step["done"] = False
        if found:
            try:
                step["done"] = json.loads(found["Text"]).get("set_id") == set_id
            except ValueError:
                step["done"] = False
        if step["stage"] in force:
            step["forced"] = step["done"]
            step["done"] = False
    return planned


def marker_stage(name):
    """The stage a marker name (see _marker_name) records, or None for a name no stage produces.

    A marker is the stage's name, alone or followed by "_" and a pool or store label. Stage names
    contain "_" themselves (pchat_import, cms_database), so the stage is the longest stage name the
    marker equals or starts with followed by "_", never the text before the first "_".
    """
    name = str(name or "").lower()
    found = [s for s in STAGE_NAMES if name == s or name.startswith(s + "_")]
    return max(found, key=len) if found else None


def data_markers(names):
    """The marker names among `names` that record restored data (DATA_STAGES), in their order."""
    return [n for n in names if marker_stage(n) in DATA_STAGES]


def refuse_components_after_data(planned, markers, collocated_servers):
    """Microsoft: step 2 recreates collocated databases; never rerun it after their data came back."""
    problems = []
    for step in planned["steps"]:
        if step["stage"] != "components" or step["done"] or step["marker_host"] not in collocated_servers:
            continue
        imported = data_markers([m["Stage"] for m in markers.get(step["marker_host"], [])])
        if imported:
            problems.append("refusing Deployment Wizard step 2 on %s: its collocated databases already hold restored "
                            "data (%s), and step 2 would recreate them empty" % (step["marker_host"], ", ".join(imported)))
    return problems


def plan_lines(planned):
    """The plan as an operator reads it: one line per step, in order, per host."""
    lines = []
    for step in planned["steps"]:
        state = "done" if step["done"] else ("rerun (forced)" if step["forced"] else "to do")
        lines.append("%2d. %-13s %-26s on %-24s [%s] %s" % (step["number"], step["stage"], step["label"],
                                                            step["runs_on"], state, step["description"]))
    return lines


def collocated_servers(deployment):
    """Servers whose Lync databases live with a server role (Standard Edition)."""
    return sorted(s["fqdn"] for s in deployment["sql_stores"] if s["collocated"])
