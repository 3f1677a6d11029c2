# Copyright: (c) 2026, lync.server maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter lync.server.preflight_report (documentation: preflight_report.yml)."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.lync.server.plugins.plugin_utils import preflight


def preflight_report(inputs, fail_on_bad_day=True):
    """The preflight's records, lines and verdict; bad input is a filter error, not a Python trace."""
    try:
        return preflight.report(inputs, bool(fail_on_bad_day))
    except preflight.PreflightError as exc:
        raise AnsibleFilterError(str(exc)) from None


class FilterModule:
    """lync.server preflight filter."""

    def filters(self):
        return {"preflight_report": preflight_report}
