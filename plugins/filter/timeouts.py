# Copyright: (c) 2026, lync.server maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter lync.server.failure_message (documentation: failure_message.yml)."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.lync.server.plugins.plugin_utils import timeouts


def failure_message(result, task, bounds, context=""):
    """The message a rescued remote call fails with: a timeout says so and names the bound to raise."""
    if not isinstance(bounds, str) or not bounds:
        raise AnsibleFilterError("failure_message: bounds must name the role's timeouts dictionary")
    return timeouts.failure_message(result, task, bounds, context or "")


class FilterModule:
    """lync.server failure filters."""

    def filters(self):
        return {"failure_message": failure_message}
