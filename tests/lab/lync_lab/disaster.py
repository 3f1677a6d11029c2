"""The lab's disaster: a host loses everything and comes back as a freshly installed OS.

Its FQDN, IP address, DNS client settings and domain membership stay (Microsoft's rule:
the replacement has the same identity); Lync, SQL Server, shares, certificates and
every file on its drives are gone. Other hosts keep their state, including the Central
Management store's memory of the lost server.
"""

import copy
import shutil

from . import seed


def wipe(lab, fqdn, joined=True, hostname=None, dns=None):
    """Replace host fqdn with a clean OS install of the same identity; delete its files.

    By default the new install keeps the name, address, DNS client settings and domain
    membership (through the original computer account). joined=False leaves it in a
    workgroup, hostname= gives it another (e.g. setup's random) name and dns= other DNS
    client servers, as a freshly installed server comes before preparation.
    """
    with lab.locked() as state:
        old = state["hosts"][fqdn]
        fresh = seed.windows_host(hostname or old["hostname"], old["ipv4"][0], state["lab"]["product"],
                                  dns=old["dns_servers"][0])
        if dns is not None:
            fresh["dns_servers"] = list(dns)
        fresh["disks"] = {drive: dict(info, free_bytes=info["size_bytes"] - 20 * 2 ** 30)
                          for drive, info in old.get("disks", {}).items()}
        for key in ("dns_server", "dhcp_server"):
            if key in old:
                fresh[key] = old[key]
        if joined and "computer_sid" in old:
            fresh["computer_sid"] = old["computer_sid"]
        if "local_groups" in old:
            # The administrator prepares the new install so the collection can connect at all: WinRM lets in only a
            # local administrator, so the connection's account is put in Administrators again (lync_lab/logon.py).
            fresh["local_groups"] = copy.deepcopy(old["local_groups"])
        if not joined:
            fresh.update(domain_joined=False, domain="WORKGROUP", workgroup="WORKGROUP")
        state["hosts"][fqdn] = fresh
    shutil.rmtree(lab.host_root(fqdn), ignore_errors=True)
