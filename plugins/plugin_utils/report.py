# Copyright: (c) 2026, lync.server maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Plain-text reports an administrator reads at a glance (and a cron mail carries well)."""

from __future__ import annotations

BACKUP_WORDS = {"required": "SQL backup", "safety": "export (+SQL copy)", "never": "transient"}


def _table(rows, indent="  "):
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(rows[0]))]
    return [indent + "  ".join(str(cell).ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in rows]


def topology_lines(deployment, hosts):
    """Lines describing the deployment (lync_deployment facts) and each host (lync_host facts by name)."""
    lines = []
    if deployment:
        cms = deployment["cms"]
        repl = cms["replication"]
        lines.append("%s, build %s (%s shell)" % (deployment["product"], deployment["version"], deployment["shell_module"]))
        lines.append("Central Management store: %s on %s\\%s; replication %s%s" % (
            cms["pool"], cms["sql_fqdn"], cms["sql_instance"],
            "up to date" if repl["up_to_date"] else "NOT up to date",
            (" (stale: %s)" % ", ".join(repl["stale_replicas"])) if repl["stale_replicas"] else ""))
        lines.append("")
        for site in deployment["sites"]:
            lines.append("Site %s" % site["name"])
            rows = [("pool", "kind", "computers", "roles")]
            for pool in (p for p in deployment["pools"] if p["fqdn"] in site["pools"]):
                kind = ("%s Edition" % pool["edition"]) if pool["edition"] else "-"
                rows.append((pool["fqdn"], kind, ", ".join(pool["computers"]), ", ".join(pool["roles"])))
            lines.extend(_table(rows))
            lines.append("")
        lines.append("SQL stores")
        rows = [("instance", "databases (how they are protected)")]
        for store in deployment["sql_stores"]:
            dbs = ", ".join("%s [%s]" % (db["name"], BACKUP_WORDS[db["backup"]]) for db in store["databases"])
            rows.append((store["name"] + (" (collocated)" if store["collocated"] else ""), dbs))
        lines.extend(_table(rows))
        lines.append("")
        lines.append("File stores")
        rows = [("share", "used by")]
        rows += [(fs["unc"], ", ".join(fs["used_by"])) for fs in deployment["file_stores"]]
        lines.extend(_table(rows))
        lines.append("")
    else:
        lines.append("No topology: no host with the Lync Server Management Shell answered.")
        lines.append("")
    lines.append("Hosts")
    rows = [("host", "address", "lync", "clean", "why not clean")]
    for name in sorted(hosts):
        host = hosts[name]
        products = "yes" if host["lync_products"] else "no"
        reasons = "; ".join(host["clean_reasons"])
        rows.append((name, ", ".join(host["ipv4"]), products, "yes" if host["clean"] else "no",
                     (reasons[:90] + "...") if len(reasons) > 90 else reasons))
    lines.extend(_table(rows))
    return lines
