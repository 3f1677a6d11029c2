"""What an emulated command sees: the lab state, the host it runs on, and helpers for its file system."""

import os

from . import model, paths


class Context:
    """The equivalent of one PowerShell runspace on one lab host."""

    def __init__(self, lab, state, host, check_mode, fault_list, payload):
        self.lab = lab
        self.state = state
        self.host = model.find_host(state, host) or host
        self.check_mode = check_mode
        self.faults = fault_list
        self.payload = payload
        self.changed = True  # win_powershell's $Ansible.Changed starts as $true
        self.warnings = []
        self.session_user = os.environ.get("LYNC_LAB_USER") or "CONTOSO\\lyncadmin"
        # Credentials usable on other servers: only with become runas logon_type=new_credentials.
        self.network_user = os.environ.get("LYNC_LAB_NET_USER") or None

    @property
    def record(self):
        """This host's record in the state."""
        return model.host(self.state, self.host)

    def warn(self, message):
        """Write-Warning."""
        self.warnings.append(message)

    def path(self, winpath):
        """The real path behind a Windows path (C:\\... on this host, or \\\\server\\share\\...)."""
        return paths.resolve(self.lab, self.state, self.host, winpath)
