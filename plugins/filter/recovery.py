# Copyright: (c) 2026, lync.server maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter lync.server.recovery_plan (documentation: recovery_plan.yml)."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.lync.server.plugins.plugin_utils import recovery_plan as rp


def recovery_plan(manifest, set_path, targets, hosts, markers=None, options=None):
    """The ordered recovery steps, with done/forced states from the markers, and the problems found."""
    options = options or {}
    if not isinstance(manifest, dict) or "topology" not in manifest:
        raise AnsibleFilterError("recovery_plan: needs the manifest of a backup set")
    try:
        planned = rp.plan(manifest, set_path, targets or [], hosts or {}, options)
        rp.apply_markers(planned, markers or {}, manifest["set_id"], options.get("force") or [])
    except rp.RecoveryPlanError as exc:
        raise AnsibleFilterError("recovery_plan: %s" % exc) from None
    deployment = manifest["topology"]
    planned["problems"] = rp.refuse_components_after_data(planned, markers or {}, rp.collocated_servers(deployment))
    planned["lines"] = rp.plan_lines(planned)
    planned["pending"] = [s for s in planned["steps"] if not s["done"]]
    planned["restored_sql"] = sorted({s["fqdn"] for s in deployment["sql_stores"] if s["fqdn"] in planned["targets"]})
    cms = deployment["cms"]
    # Get-CsConfigurationStoreLocation: <fqdn>\<instance>, or the FQDN alone for the default instance.
    planned["store_location"] = rp.store_location("%s\\%s" % (cms["sql_fqdn"], cms["sql_instance"])
                                                  if cms["sql_instance"] else cms["sql_fqdn"])
    return planned


class FilterModule:
    """lync.server recovery filters."""

    def filters(self):
        return {"recovery_plan": recovery_plan}
