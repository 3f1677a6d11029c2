# -*- coding: utf-8 -*-
# Copyright: (c) 2026, lync.server maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This file only documents the module; the work is done by the action plugin
# plugins/action/lync_sql_install.py, which runs PowerShell payloads through
# ansible.windows.win_powershell.

DOCUMENTATION = r"""
---
module: lync_sql_install
short_description: Install a pinned SQL Server instance on a rebuilt Lync database server
version_added: 0.1.0
description:
  - 'Microsoft: on a rebuilt back end, "install SQL Server 2012 or SQL Server 2008 R2, keeping the instance names the same
    as before the failure" (Restoring an Enterprise Edition Back End Server in Lync Server 2013,
    https://technet.microsoft.com/en-us/library/Hh202163(v=OCS.15)).
    Runs setup.exe unattended from O(media_path) with the configuration file O(configuration_file) and the
    pinned O(instance) on its command line.'
  - Idempotent. An existing O(instance) is left alone; an instance outside O(allowed_instances) stops the run
    (a rebuilt server must have the original layout).
  - Refuses a configuration file that names another instance, does not install the Database Engine or is not
    an Install action; a SQL Server release the product does not support (Lync Server 2013 - 2008 R2 or 2012;
    Skype for Business Server 2015 - 2012 to 2019; 2019 - 2016 to 2019); a domain service account without its
    password; and a server waiting for a restart.
  - O(service_password) reaches setup only as a SecureString parameter, never in output or files.
options:
  instance:
    description: The pinned SQL Server instance name (C(MSSQLSERVER) for the default instance).
    type: str
    required: true
  media_path:
    description: The folder holding setup.exe (a mounted medium or a share; a share needs network credentials).
    type: str
    required: true
  configuration_file:
    description: ConfigurationFile.ini for an unattended install (C(ACTION=Install), C(FEATURES) with SQLENGINE).
    type: str
    required: true
  product:
    description: The Lync product the server serves (V(lync2013), V(sfb2015), V(sfb2019) or its name).
    type: str
    required: true
  allowed_instances:
    description: Every instance the pins give this server; others must not exist.
    type: list
    elements: str
    default: []
  service_account:
    description: Account of the Database Engine service; default the file's C(SQLSVCACCOUNT).
    type: str
  service_password:
    description: Its password (from Ansible Vault); required for a domain account unless O(service_passwords) has it.
    type: str
  service_passwords:
    description:
      - The passwords of SQL Server service accounts by account name (C(lync_sql_service_passwords), one vaulted
        password per account); the entry of O(service_account) (matched without regard to case) is used before
        O(service_password). Lets one variable serve every instance of a server with its own account.
    type: dict
    default: {}
  agent_account:
    description:
      - Account of the instance's SQL Server Agent service, passed as C(/AGTSVCACCOUNT) (the file's value is per
        instance and is overridden); default the instance's virtual account, C(NT Service\SQLSERVERAGENT) for the
        default instance and C(NT Service\SQLAgent$<instance>) for a named one. A domain account's password is
        taken from O(service_passwords).
    type: str
extends_documentation_fragment:
  - lync.server.lync_action
attributes:
  check_mode:
    details: Reads the server and the media and reports what it would install.
seealso:
  - module: lync.server.lync_clean_check
  - name: Restoring an Enterprise Edition Back End Server in Lync Server 2013
    description: Microsoft's procedure, which installs SQL Server with the original instance names.
    link: https://technet.microsoft.com/en-us/library/Hh202163(v=OCS.15)
author:
  - lync.server maintainers (@lync-server)
"""

EXAMPLES = r"""
- name: Install SQL Server instance RTC
  lync.server.lync_sql_install:
    instance: RTC
    media_path: \\backup01.contoso.local\LyncMedia\SQLServer2012
    configuration_file: \\backup01.contoso.local\LyncMedia\SQLServer2012\ConfigurationFile.ini
    product: lync2013
    service_account: CONTOSO\svc-sqlbe
    service_password: "{{ vault_sql_service_password }}"
  register: sql

- name: Restart when setup asks for it
  when: sql.reboot_required
  ansible.windows.win_reboot:
"""

RETURN = r"""
instance:
  description: The instance.
  returned: always
  type: str
version:
  description: Version of the installed instance, or of the setup that installs it.
  returned: always
  type: str
release:
  description: SQL Server release of the media.
  returned: when it installs
  type: str
exit_code:
  description:
    - setup.exe's exit code (0, or 3010 when Windows must restart).
    - V(null) when setup did not run (the instance is already installed, or check mode).
  returned: always
  type: int
reboot_required:
  description: Windows must restart to finish.
  returned: always
  type: bool
"""
