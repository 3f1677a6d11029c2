"""The lab's disaster: a host loses everything and comes back as a freshly installed OS.

Its FQDN, IP address, DNS client settings and domain membership stay (Microsoft's rule:
the replacement has the same identity); Lync, SQL Server, shares, certificates and
every file on its drives are gone. Other hosts keep their state, including the Central
Management store's memory of the lost server.
"""

import shutil

from . import seed


def wipe(lab, fqdn):
    """Replace host fqdn with a clean OS install of the same identity; delete its files."""
    with lab.locked() as state:
        old = state["hosts"][fqdn]
        fresh = seed.windows_host(old["hostname"], old["ipv4"][0], state["lab"]["product"], dns=old["dns_servers"][0])
        fresh["disks"] = {drive: dict(info, free_bytes=info["size_bytes"] - 20 * 2 ** 30)
                          for drive, info in old.get("disks", {}).items()}
        for key in ("dns_server", "dhcp_server"):
            if key in old:
                fresh[key] = old[key]
        state["hosts"][fqdn] = fresh
    shutil.rmtree(lab.host_root(fqdn), ignore_errors=True)
