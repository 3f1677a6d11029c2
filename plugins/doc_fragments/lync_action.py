# -*- coding: utf-8 -*-
# Copyright: (c) 2026, lync.server maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)


class ModuleDocFragment:
    """What every lync.server module shares: it is an action plugin over win_powershell."""

    DOCUMENTATION = r"""
options: {}
attributes:
  action:
    description: Indicates this has a corresponding action plugin so some parts of the options can be executed on the controller.
    support: full
  action_group:
    description: Action is part of action_group(s), for convenient setting of module_defaults.
    support: N/A
    membership: [lync.server.lync]
  async:
    description: Supports being used with the C(async) keyword.
    support: none
  bypass_host_loop:
    description: Forces a 'global' task that does not execute per host.
    support: none
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: none
  platform:
    description: Target OS/families that can be operated against.
    support: N/A
    platforms: windows
requirements:
  - ansible.windows (the payloads run through M(ansible.windows.win_powershell)).
  - PowerShell 3.0 or newer on the Windows host.
notes:
  - Payloads that reach a UNC share, SQL Server or the Central Management store on another server, or
    Active Directory, need network credentials on the connection (become runas with
    C(logon_type=new_credentials) as C(lync_network_user), or a connection that delegates credentials);
    see docs/architecture.md, "Network identity".
"""
