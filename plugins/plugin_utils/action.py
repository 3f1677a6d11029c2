# Copyright: (c) 2026, lync.server maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The shape every lync.server action plugin shares: validate, then do or (in check mode) plan."""

from __future__ import annotations

import datetime

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.lync.server.plugins.plugin_utils import backup_set as bs
from ansible_collections.lync.server.plugins.plugin_utils import network_identity

from ansible_collections.lync.server.plugins.plugin_utils.args import validate
from ansible_collections.lync.server.plugins.plugin_utils import payload as door


def _now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def finish(action, result, task_vars, work):
    """Run work() (which returns the task's result keys) with the payload warnings of this task run:
    added to the result, or, when work raises (its failure replaces the result), shown before the
    error; then the network-identity warning. Every lync.server action plugin ends through here."""
    door.reset_warnings(action)
    try:
        result.update(work())
    except Exception:
        door.display_warnings(action)
        raise
    return network_identity.warn(door.add_warnings(action, result), task_vars)


class LyncAction(ActionBase):
    """Subclasses set ARGUMENT_SPEC (and the validator's rules) and implement execute()."""

    _supports_check_mode = True
    ARGUMENT_SPEC = {}
    MUTUALLY_EXCLUSIVE = None
    REQUIRED_IF = None
    REQUIRED_ONE_OF = None

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        self.task_vars = task_vars or {}
        params = validate(self, self.ARGUMENT_SPEC, mutually_exclusive=self.MUTUALLY_EXCLUSIVE,
                          required_if=self.REQUIRED_IF, required_one_of=self.REQUIRED_ONE_OF)
        started = _now()

        def work():
            return dict(self.execute(params), started=started, finished=_now())
        return finish(self, result, self.task_vars, work)

    def set_path(self, value):
        """Validate a set folder (<backup root>\\<set id>) option."""
        try:
            bs.check_set_path(value)
        except bs.BackupSetError as exc:
            raise AnsibleActionFail("%s: %s" % (self._task.action, exc)) from None
        return value.rstrip("\\")

    @property
    def check_mode(self):
        return bool(self._task.check_mode)

    @property
    def host(self):
        """The host the task acts on (the delegate when delegated)."""
        delegate = getattr(self._task, "delegate_to", None)
        if isinstance(delegate, str) and delegate and "{{" not in delegate:
            return delegate
        return str(self.task_vars.get("inventory_hostname"))

    def payload(self, name, parameters=None, **kwargs):
        """Run a payload on this task's host (see plugin_utils/payload.py)."""
        return door.run_payload(self, self.task_vars, name, parameters=parameters, **kwargs)

    def execute(self, params):
        raise NotImplementedError
