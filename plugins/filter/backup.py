# Copyright: (c) 2026, lync.server maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters of the backup role: plan, each host's work and item results (docs in the .yml files); the manifest is
built by lync.server.lync_backup_set when it closes the set."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.lync.server.plugins.plugin_utils import backup_plan


def _plan(deployment, hosts, options=None):
    if not isinstance(deployment, dict) or "pools" not in deployment:
        raise AnsibleFilterError("backup_plan: needs the lync_deployment facts of a Front End; none answered")
    if not isinstance(hosts, dict):
        raise AnsibleFilterError("backup_plan: hosts must be a dict of lync_host facts keyed by inventory name")
    return backup_plan.plan(deployment, hosts, options or {})


def _item_result(module_result, item):
    failed = bool((module_result or {}).get("failed"))
    return backup_plan.item_result(item, module_result, failed)


def _work(items):
    if not isinstance(items, list):
        raise AnsibleFilterError("backup_work: needs the plan (a list of items from lync.server.backup_plan)")
    return backup_plan.by_host(items)


def _item_results(registered, loop_var="backup_item", links=None):
    if not isinstance(registered, dict):
        raise AnsibleFilterError("backup_item_results: needs the registered result of a looped item task")
    if links is not None and not isinstance(links, dict):
        raise AnsibleFilterError("backup_item_results: links must be the registered result of the file-store link step")
    return backup_plan.loop_records(registered, loop_var, links)


def _sql_backups(manifest, set_path):
    return backup_plan.sql_backups(manifest, set_path)


class FilterModule:
    """lync.server backup filters."""

    def filters(self):
        return {
            "backup_plan": _plan,
            "backup_item_result": _item_result,
            "backup_item_results": _item_results,
            "backup_work": _work,
            "backup_sql_backups": _sql_backups,
        }
