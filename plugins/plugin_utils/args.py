# Copyright: (c) 2026, lync.server maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Argument validation for action plugins, with the same spec format modules use.

Action plugins run on the controller, so they validate their own arguments with
ansible's ArgumentSpecValidator and turn every problem into one precise message.
"""

from __future__ import annotations

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.errors import UnsupportedError


def validate(action, argument_spec, mutually_exclusive=None, required_if=None, required_one_of=None):
    """Validate the task's args against argument_spec; return the validated parameters."""
    validator = ArgumentSpecValidator(
        argument_spec,
        mutually_exclusive=mutually_exclusive,
        required_if=required_if,
        required_one_of=required_one_of,
    )
    result = validator.validate(action._task.args)
    if result.error_messages:
        messages = [("unsupported parameters: %s" % err.msg) if isinstance(err, UnsupportedError) else err.msg
                    for err in result.errors]
        raise AnsibleActionFail("%s: %s" % (action._task.action, "; ".join(messages)))
    return result.validated_parameters
