# Copyright: (c) 2026, lync.server maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection's one network identity (docs/architecture.md, "Network identity").

Every task whose payload reaches SQL Server, the Central Management store, Active Directory
or a share runs with network credentials: become runas logon_type=new_credentials as
lync_network_user (or the WinRM connection delegates: CredSSP / Kerberos delegation, declared
with lync_network_become: false). The names lync_share_user / lync_share_password /
lync_share_become are the deprecated names of the same settings; they still work.
"""

from __future__ import annotations

NEW_NAMES = ("lync_network_user", "lync_network_password", "lync_network_become")
OLD_NAMES = ("lync_share_user", "lync_share_password", "lync_share_become")
REMOVAL = "2.0.0"


def deprecation(task_vars):
    """The deprecation message when the inventory sets only the old names, else None."""
    task_vars = task_vars or {}
    old = [name for name in OLD_NAMES if name in task_vars]
    if not old or any(name in task_vars for name in NEW_NAMES):
        return None
    return ("%s: deprecated variable names, to be removed in lync.server %s. They set the collection's one "
            "network identity, which reaches SQL Server, the Central Management store and Active Directory as "
            "well as the backup share: rename them to %s (docs/inventory.md)."
            % (", ".join(old), REMOVAL,
               ", ".join(NEW_NAMES[OLD_NAMES.index(name)] for name in old)))


def warn(result, task_vars):
    """Add the deprecation warning to an action result (Ansible shows each distinct warning once)."""
    message = deprecation(task_vars)
    if message:
        result.setdefault("warnings", []).append(message)
    return result
