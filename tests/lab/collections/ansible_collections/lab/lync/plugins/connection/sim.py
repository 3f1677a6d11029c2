# Copyright: (c) 2026, lync.server maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Connection to a simulated Lync lab host: runs modules locally, as that host."""

from __future__ import annotations

DOCUMENTATION = r"""
name: sim
short_description: Run modules locally as a host of the simulated Lync lab
description:
  - Runs modules on the controller like M(ansible.builtin.local), and tells them which lab
    host they run as, which lab state file to use and which faults to inject.
  - A host marked powered off in the lab state, or given an C(unreachable) fault, is unreachable.
  - A pipelined Python module run is a fork of the run's zygote (tests/lab/lync_lab/zygote.py), which
    has already imported module_utils and the lab; the environment variable C(LYNC_LAB_ZYGOTE=off)
    runs every module as a new process instead.
author: lync.server maintainers (@lync-server)
options:
  remote_addr:
    description: The lab host this connection acts as.
    default: inventory_hostname
    vars:
      - name: inventory_hostname
      - name: ansible_host
  lab_state_file:
    description: Path of the lab's state.json.
    required: true
    vars:
      - name: lab_state_file
  lab_user:
    description: The account the WinRM session logs on as.
    default: CONTOSO\lyncadmin
    vars:
      - name: ansible_user
  winrm_transport:
    description:
      - The WinRM authentication the inventory declares (as for ansible.builtin.winrm). With
        C(credssp) the session's credentials reach other servers (no double hop).
    type: list
    elements: str
    default: []
    vars:
      - name: ansible_winrm_transport
  kerberos_delegation:
    description:
      - Kerberos with a forwardable ticket (as for ansible.builtin.winrm); with transport
        C(kerberos) the session's credentials reach other servers.
    type: bool
    default: false
    vars:
      - name: ansible_winrm_kerberos_delegation
  lab_faults:
    description:
      - Faults to inject on this host (see tests/lab/lync_lab/faults.py). A C(drop) fault breaks module runs
        with AnsibleConnectionFailure while a scheduled task of the host runs (or always, C(while=always)),
        at most C(times) times.
    type: list
    elements: dict
    default: []
    vars:
      - name: lab_faults
"""

import fcntl
import importlib.util
import json
import os
import shlex

from ansible.errors import AnsibleConnectionFailure
from ansible.plugins.connection.local import Connection as LocalConnection
from ansible.utils.display import Display

DISPLAY = Display()

LAB_PYTHONPATH = os.path.abspath(os.path.join(os.path.dirname(__file__), *([os.pardir] * 6)))


def _zygote():
    """tests/lab/lync_lab/zygote.py, loaded by path: the controller need not have the lab on its path."""
    if "module" not in _ZYGOTE:
        spec = importlib.util.spec_from_file_location("lync_lab_zygote_client",
                                                      os.path.join(LAB_PYTHONPATH, "lync_lab", "zygote.py"))
        _ZYGOTE["module"] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(_ZYGOTE["module"])
    return _ZYGOTE["module"]


_ZYGOTE = {}


class Connection(LocalConnection):
    """ansible.builtin.local, plus the lab host's identity and reachability."""

    transport = "lab.lync.sim"

    def _lab_host_state(self):
        path = self.get_option("lab_state_file")
        with open(path, encoding="utf-8") as handle:
            hosts = json.load(handle)["hosts"]
        name = str(self.get_option("remote_addr")).lower()
        return next((h for fqdn, h in hosts.items() if name in (fqdn, h["hostname"].lower())), None)

    def _connect(self):
        host = self.get_option("remote_addr")
        record = self._lab_host_state()
        if record is None:
            raise AnsibleConnectionFailure("lab: no host %s in %s" % (host, self.get_option("lab_state_file")))
        if record.get("powered_off"):
            raise AnsibleConnectionFailure("lab: %s is powered off (connection timed out)" % host)
        self._lab_record = record  # read once per connection (exec_command's PowerShell and seclogon rules)
        if any(f.get("kind") == "unreachable" for f in self.get_option("lab_faults") or []):
            raise AnsibleConnectionFailure("lab fault: %s does not answer on WinRM (connection timed out)" % host)
        return super()._connect()

    def _delegates(self):
        """Whether the connection passes the session's credentials on (CredSSP, Kerberos delegation)."""
        transports = [str(t).lower() for t in self.get_option("winrm_transport") or []]
        return "credssp" in transports or ("kerberos" in transports and bool(self.get_option("kerberos_delegation")))

    def _network_user(self):
        """Who the session is on other servers: nobody (the WinRM double hop), unless the task
        carries network credentials with become runas logon_type=new_credentials, or the
        connection delegates the session's credentials (then: the session user)."""
        become = self.become
        if become is not None and become.name.split(".")[-1] == "runas" and \
                "logon_type=new_credentials" in str(become.get_option("become_flags") or ""):
            return str(become.get_option("become_user") or "")
        return str(self.get_option("lab_user")) if self._delegates() else ""

    def _runas(self):
        become = self.become
        return become is not None and become.name.split(".")[-1] == "runas"

    # What a Windows host answers when become runas cannot start the module's process because the Secondary Logon
    # service is disabled: become_wrapper.ps1's [Ansible.Become.BecomeUtil]::CreateProcessAsUser throws
    # (CreateProcessWithTokenW, Win32 error 1058), and exec_wrapper.ps1's Write-AnsibleErrorJson prints
    # {failed, msg: "failure during exec_wrapper: <error>", exception} (ansible-core's executor/powershell; the runas
    # plugin's note: "The Secondary Logon service (seclogon) must be running to use runas").
    SECLOGON_DISABLED = ('Exception calling "CreateProcessAsUser" with "9" argument(s): "CreateProcessWithTokenW() '
                         'failed (The service cannot be started, either because it is disabled or because it has no '
                         'enabled devices associated with it, Win32ErrorCode 1058)"')

    @staticmethod
    def _older_than_5_1(record):
        """Whether the host's Windows PowerShell (lab state powershell_version, default 5.1) is older than 5.1."""
        parts = str(record.get("powershell_version") or "5.1").split(".")
        try:
            return (int(parts[0]), int(parts[1] if len(parts) > 1 else 0)) < (5, 1)
        except ValueError:
            return False

    def _dropped(self):
        """Whether a `drop` fault (tests/lab/lync_lab/faults.py) breaks this call: while a scheduled task of the
        host is running (`while: task_running`, the default) or always (`while: always`), at most `times` times
        (counted per host and fault in <state>.drops.json, beside the state, under its own lock)."""
        drops = [f for f in self.get_option("lab_faults") or [] if f.get("kind") == "drop"]
        if not drops:
            return None
        record = self._lab_host_state() or {}
        running = any(t.get("state") == "Running" for t in (record.get("scheduled_tasks") or {}).values())
        path = os.path.abspath(self.get_option("lab_state_file")) + ".drops.json"
        with open(path + ".lock", "a", encoding="utf-8") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                counts = {}
                if os.path.exists(path):
                    with open(path, encoding="utf-8") as handle:
                        counts = json.load(handle)
                for fault in drops:
                    if fault.get("while", "task_running") == "task_running" and not running:
                        continue
                    key = "%s#%s" % (self.get_option("remote_addr"), json.dumps(fault, sort_keys=True))
                    if fault.get("times") is not None and counts.get(key, 0) >= int(fault["times"]):
                        continue
                    counts[key] = counts.get(key, 0) + 1
                    with open(path, "w", encoding="utf-8") as handle:
                        json.dump(counts, handle)
                    return fault
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)
        return None

    def exec_command(self, cmd, in_data=None, sudoable=True):
        if not self._connected:  # as ensure_connect would, before the rules below read the host's record
            self._connect()
        if in_data is not None and self._dropped():
            # What WinRM reports when the network or the host's listener goes away mid-run (ansible.builtin.winrm
            # raises AnsibleConnectionFailure for a transport error).
            self._connected = False
            raise AnsibleConnectionFailure("lab fault: the WinRM connection to %s dropped (connection reset by peer)"
                                           % self.get_option("remote_addr"))
        if in_data is not None and self._older_than_5_1(self._lab_record):
            # ansible-core's bootstrap_wrapper.ps1 refuses before any module runs.
            return 1, b'{"failed":true,"msg":"Ansible requires PowerShell v5.1"}', b""
        if self._runas() and sudoable:
            record = self._lab_record
            seclogon = (record.get("services") or {}).get("seclogon") or {}
            if str(seclogon.get("start_mode", "")).lower() == "disabled":
                return 1, json.dumps({"failed": True, "msg": "failure during exec_wrapper: " + self.SECLOGON_DISABLED,
                                      "exception": self.SECLOGON_DISABLED}).encode("utf-8"), b""
        env = {
            "LYNC_LAB_HOST": str(self.get_option("remote_addr")),
            "LYNC_LAB_STATE": os.path.abspath(self.get_option("lab_state_file")),
            "LYNC_LAB_FAULTS": json.dumps(self.get_option("lab_faults") or []),
            "LYNC_LAB_USER": str(self.get_option("lab_user")),
            "LYNC_LAB_NET_USER": self._network_user(),
            "PYTHONPATH": LAB_PYTHONPATH,
        }
        prefix = " ".join("%s=%s" % (k, shlex.quote(v)) for k, v in env.items())
        command = "%s %s" % (prefix, cmd)
        # A pipelined module run is a fork of this run's zygote (tests/lab/lync_lab/zygote.py), the
        # same script and environment without a new interpreter; anything else is a local process.
        if _zygote().parse_command(command) is None or in_data is None or not _zygote().enabled(os.environ):
            return super().exec_command(command, in_data=in_data, sudoable=sudoable)
        super(LocalConnection, self).exec_command(command, in_data=in_data, sudoable=sudoable)  # connects (ensure_connect)
        DISPLAY.vvv("EXEC %s" % command, host=self._play_context.remote_addr)  # as ansible.builtin.local shows it
        try:
            return _zygote().run(command, in_data, dict(os.environ), self.cwd)
        except (_zygote().ZygoteError, OSError) as error:
            DISPLAY.warning("lab: the zygote failed (%s); this module runs as a new process" % error)
            return super().exec_command(command, in_data=in_data, sudoable=sudoable)
