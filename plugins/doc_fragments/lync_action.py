# -*- coding: utf-8 -*-
# Copyright: (c) 2026, lync.server maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)


class ModuleDocFragment:
    """What every lync.server module shares: it is an action plugin over win_powershell."""

    DOCUMENTATION = r"""
options: {}
requirements:
  - ansible.windows (the payloads run through M(ansible.windows.win_powershell)).
  - PowerShell 3.0 or newer on the Windows host.
notes:
  - Payloads that reach a UNC share need network credentials on the connection (become with
    C(logon_type=new_credentials)); see docs/architecture.md, "Double hop".
"""
