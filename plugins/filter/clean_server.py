# Copyright: (c) 2026, lync.server maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters of the clean_server role (documentation in the .yml files beside this one)."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.lync.server.plugins.plugin_utils import pins as pinlib
from ansible_collections.lync.server.plugins.plugin_utils import prerequisites


def _prerequisites(identity, product, os_version, topology=None, pins=None):
    if not isinstance(identity, dict) or not identity.get("fqdn"):
        raise AnsibleFilterError("prerequisites: needs the server's identity record from the backup set")
    try:
        checked = pinlib.validate(pins) if pins else {"sql_instances": []}
        return prerequisites.server_plan(identity, product, os_version, topology or {}, checked)
    except (prerequisites.PrerequisiteError, pinlib.PinsError) as exc:
        raise AnsibleFilterError("prerequisites for %s: %s" % (identity.get("fqdn"), exc)) from None


class FilterModule:
    """lync.server clean-server filters."""

    def filters(self):
        return {"prerequisites": _prerequisites}
