# Copyright: (c) 2026, lync.server maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which Lync services to wait for, and the wait itself (lync_services, lync_deploy_step).

The payload lync_services.ps1 only starts or stops (with -NoWait) and reports Get-CsWindowsService;
every decision and the polling are here, so they are unit-tested.

* MASTER (Master Replicator Agent) and FTA (File Transfer Agent) run only on the active Central
  Management Server: on every other Front End of the Central Management pool they stay stopped, so a
  wait for them there can only time out. They are waited for only on the active CMS.
  (Get-CsManagementStoreReplicationStatus -CentralManagementStoreStatus names the Active Master and the
  File Transfer Agent: https://learn.microsoft.com/en-us/powershell/module/skypeforbusiness/get-csmanagementstorereplicationstatus)
* A Front End pool's services stay starting until about 85% of its Front Ends are started
  (https://learn.microsoft.com/en-us/skypeforbusiness/plan-your-deployment/high-availability-and-disaster-recovery/high-availability):
  start every Front End of a pool without waiting (wait=False), then wait on each.
"""

from __future__ import annotations

import time

CMS_ONLY = ("MASTER", "FTA")
WANT = {"started": "Running", "stopped": "Stopped"}


def is_active_cms(host, active_cms):
    """Whether host (an FQDN or inventory name) is the active Central Management Server named by active_cms."""
    if not host or not active_cms:
        return False
    host, active = str(host).lower().rstrip("."), str(active_cms).lower().rstrip(".")
    if "." in host and "." in active:
        return host == active
    return host.split(".", 1)[0] == active.split(".", 1)[0]


def to_wait_for(services, names, state, active_cms=False):
    """Names of the services (of Get-CsWindowsService's list) that must reach the state.

    names: the services the task names ([] = every Lync service of the server). Stopping waits for all of
    them; starting leaves out MASTER and FTA unless this server is the active Central Management Server.
    A named service the server does not have is kept, so the wait reports it."""
    present = [str(s["Name"]) for s in services]
    if names:
        upper = {p.upper(): p for p in present}
        chosen = [upper.get(n.upper(), n) for n in names]
    else:
        chosen = present
    if state == "started" and not active_cms:
        chosen = [n for n in chosen if n.upper() not in CMS_ONLY]
    return chosen


def not_there(services, waited, state):
    """The waited-for services not (yet) in the state, in order."""
    status = {str(s["Name"]).upper(): str(s["Status"]) for s in services}
    return [n for n in waited if status.get(n.upper()) != WANT[state]]


def failure_message(host, state, timeout, missing, errors=()):
    """Why the wait failed: the services not there, and what Start-/Stop-CsWindowsService reported (the payload
    collects the cmdlets' non-terminating errors so one failing service does not stop the others)."""
    text = "%s: Lync services not %s after %d seconds: %s" % (host, WANT[state].lower(), timeout, ", ".join(missing))
    if errors:
        text += "; %s-CsWindowsService reported: %s" % ("Start" if state == "started" else "Stop",
                                                        "; ".join(" ".join(str(e).split()) for e in errors))
    return text


def wait_for(query, waited, state, timeout, interval, clock=None, sleep=None):
    """Poll query() (-> the services list) until every waited-for service is in the state or timeout seconds
    have passed. Returns (last services list, names still not there, number of polls)."""
    clock = clock or time.monotonic
    sleep = sleep or time.sleep
    deadline = clock() + timeout
    polls = 0
    while True:
        services = query()
        polls += 1
        missing = not_there(services, waited, state)
        if not missing:
            return services, [], polls
        left = deadline - clock()
        if left <= 0:
            return services, missing, polls
        sleep(min(interval, left))
