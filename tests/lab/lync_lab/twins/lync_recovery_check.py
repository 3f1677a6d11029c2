"""Twin of lync_recovery_check.ps1."""

from .. import databases, lyncsetup, model
from .lync_topology_probe import run as topology_probe

PARAMETERS = {"SqlServers": {"kind": "list", "mandatory": False, "default": []}}


def run(ctx, params):
    model.require_lync_shell(ctx.record)
    ctx.changed = False
    record = ctx.record
    probe = topology_probe(ctx, {})
    found = []
    for server in params.get("SqlServers", []):
        found += databases.test_databases(ctx.state, server)
    return {
        "Services": [{"Name": n, "Status": record["services"][n]["status"]} for n in lyncsetup.lync_services(record)],
        "Databases": found,
        "Replication": [{"ReplicaFqdn": r["ReplicaFqdn"], "UpToDate": r["UpToDate"]} for r in probe["Replication"]],
        "StoreLocation": probe["StoreLocation"],
        "Certificates": [{"Use": use, "Thumbprint": cert["thumbprint"]} for cert in record.get("certificates", [])
                         for use in cert.get("usages", [])],
    }
