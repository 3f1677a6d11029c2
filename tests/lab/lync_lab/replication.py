"""Central Management store replication in the lab.

Every replica whose Replica Replicator Agent runs catches up with the CMS, as Lync's
replicas do within a minute or so; a stopped agent, a powered-off host or an unreachable
CMS leaves the replica behind (Get-CsManagementStoreReplicationStatus: UpToDate False).
Only changes are written, so a state where every replica is current stays untouched.
"""

import datetime

from . import model
from .errors import PSError


def replicate(state):
    try:
        xds = model.cms(state)["content"]
    except PSError:
        return
    if xds.get("topology") is None:
        return
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    status = xds.setdefault("replication", {})
    for fqdn, host in state["hosts"].items():
        replica = host.get("sql", {}).get("RTCLOCAL", {}).get("databases", {}).get("xds")
        agent = host.get("services", {}).get("REPLICA", {}).get("status")
        if host.get("powered_off") or not replica or agent != "Running":
            continue
        if status.get(fqdn, {}).get("version") != xds["version"]:
            status[fqdn] = {"version": xds["version"], "last_status_report": now}
