"""Twin of lync_topology_probe.ps1: the topology as the Central Management store holds it."""

from .. import cmdlets, model

PARAMETERS = {}


def _core_version(record):
    for product in record.get("products", []):
        if product["Name"].endswith("Core Components"):
            return product["Name"], product["Version"]
    return None, None


def _active_master(state, cms_pool, topology):
    pool = next((p for p in topology["pools"] if p["Fqdn"] == cms_pool), None)
    for fqdn in (pool or {}).get("Computers", []):
        record = state["hosts"].get(fqdn)
        if record and not record.get("powered_off") and \
                record.get("services", {}).get("MASTER", {}).get("status") == "Running":
            return fqdn
    return ""


def run(ctx, params):
    del params
    module = model.require_lync_shell(ctx.record)
    ctx.changed = False
    xds = model.cms(ctx.state)["content"]
    topology = xds["topology"]
    name, version = _core_version(ctx.record)
    product = name.split(",")[0].replace("Microsoft ", "") if name else "Lync Server"
    cms_pool = next(s["PoolFqdn"] for s in topology["services"] if s["Role"] == "CentralManagement")
    scp = ctx.state["ad"]["scp"]
    replication = []
    for fqdn, status in sorted(xds.get("replication", {}).items()):
        replication.append({"ReplicaFqdn": fqdn, "UpToDate": status["version"] == xds["version"],
                            "LastStatusReport": status["last_status_report"],
                            "LastUpdateCreation": xds["last_update_creation"]})
    master = _active_master(ctx.state, cms_pool, topology)
    return {
        "Module": module,
        "ServerVersion": "%s(%s): Volume license key installed." % (product, ".".join(version.split(".")[:3])),
        "ProductVersion": version,
        "Sites": [dict(s) for s in topology["sites"]],
        "Pools": [dict(p) for p in topology["pools"]],
        "Services": [dict(s) for s in topology["services"]],
        "StoreLocation": cmdlets.store_location(ctx.state),
        "Replication": replication,
        "CmsStatus": {"ActiveMasterFqdn": master, "ActiveFileTransferAgents": [master] if master else [],
                      "ActiveReplicatorAgents": [master] if master else []},
    }
