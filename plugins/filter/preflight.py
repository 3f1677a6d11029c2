# Copyright: (c) 2026, lync.server maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters lync.server.preflight_report, preflight_sql_targets and preflight_share_host (documentation: their .yml)."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.lync.server.plugins.plugin_utils import preflight


def preflight_report(inputs, fail_on_bad_day=True):
    """The preflight's records, lines and verdict; bad input is a filter error, not a Python trace."""
    try:
        return preflight.report(inputs, bool(fail_on_bad_day))
    except preflight.PreflightError as exc:
        raise AnsibleFilterError(str(exc)) from None


def preflight_sql_targets(result):
    """The SQL Server instances of a host the backup backs up, from its registered lync_facts result."""
    try:
        return preflight.sql_targets(result)
    except (AttributeError, TypeError) as exc:
        raise AnsibleFilterError("preflight_sql_targets: needs a registered lync.server.lync_facts result: %s" % exc) from None


def preflight_share_host(root, hosts, facts):
    """The host of the play that holds the share lync_backup_root names, or ""."""
    return preflight.share_host(root, list(hosts or []), list(facts or []))


class FilterModule:
    """lync.server preflight filter."""

    def filters(self):
        return {"preflight_report": preflight_report, "preflight_sql_targets": preflight_sql_targets,
                "preflight_share_host": preflight_share_host}
