# Copyright: (c) 2026, lync.server maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Lab stand-in for the ansible.windows.win_reboot action: the same options and results, and a lab restart."""

from __future__ import annotations

from ansible.errors import AnsibleError
from ansible.module_utils.common.validation import check_type_float, check_type_str
from ansible.plugins.action import ActionBase

# The real action's options (ansible-doc ansible.windows.win_reboot), with their aliases.
OPTIONS = {
    "boot_time_command": check_type_str, "connect_timeout": check_type_float, "connect_timeout_sec": check_type_float,
    "msg": check_type_str, "post_reboot_delay": check_type_float, "post_reboot_delay_sec": check_type_float,
    "pre_reboot_delay": check_type_float, "pre_reboot_delay_sec": check_type_float,
    "reboot_timeout": check_type_float, "reboot_timeout_sec": check_type_float,
    "shutdown_timeout": check_type_float, "shutdown_timeout_sec": check_type_float, "test_command": check_type_str,
}


class ActionModule(ActionBase):
    """Restart the lab host (tests/lab/lync_lab/winhost.py reboot) through the lab.lync.reboot module."""

    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(OPTIONS)

    def run(self, tmp=None, task_vars=None):
        self._supports_check_mode = True
        if self._task.check_mode:
            return {"changed": True, "elapsed": 0, "rebooted": True}
        result = super().run(tmp, task_vars)
        for name, check in OPTIONS.items():
            if self._task.args.get(name) is not None:
                try:
                    check(self._task.args[name])
                except TypeError as exc:
                    raise AnsibleError("Invalid value given for '%s': %s." % (name, exc)) from exc
        done = self._execute_module(module_name="lab.lync.reboot",
                                    module_args={"msg": str(self._task.args.get("msg") or "Reboot initiated by Ansible")},
                                    task_vars=task_vars)
        if done.get("failed") or done.get("unreachable"):
            result.update(failed=True, rebooted=False, msg=done.get("msg", "lab reboot failed"), elapsed=0,
                          unreachable=bool(done.get("unreachable")))
            return result
        result.update(changed=True, rebooted=True, elapsed=0, unreachable=False)
        return result
