# Copyright: (c) 2026, lync.server maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for lync.server.lync_cert_import (documentation: plugins/modules/lync_cert_import.py)."""

from __future__ import annotations

from ansible.errors import AnsibleActionFail

from ansible_collections.lync.server.plugins.plugin_utils import backup_set as bs
from ansible_collections.lync.server.plugins.plugin_utils import certs as certlib
from ansible_collections.lync.server.plugins.plugin_utils.action import LyncAction

ARGUMENT_SPEC = {
    "set_path": {"type": "str", "required": True},
    "manifest": {"type": "dict", "required": True},
    "password": {"type": "str", "required": True, "no_log": True},
    "host_fqdn": {"type": "str"},
    "thumbprints": {"type": "list", "elements": "str", "default": []},
    "assign": {"type": "str", "default": "auto", "choices": ["auto", "always", "never"]},
}


class ActionModule(LyncAction):
    """Reinstall a server's certificates from a backup set (idempotent by thumbprint) and assign their Lync usages."""

    ARGUMENT_SPEC = ARGUMENT_SPEC

    def execute(self, params):
        set_path = self.set_path(params["set_path"])
        try:
            host = bs.check_fqdn(params["host_fqdn"] or self.host, "host_fqdn")
            bs.validate_manifest(params["manifest"])
            if params["manifest"]["set_id"] != bs.check_set_path(set_path)[1]:
                raise bs.BackupSetError("manifest belongs to set %s, not to %s" % (params["manifest"]["set_id"], set_path))
            wanted, not_restorable = certlib.from_manifest(params["manifest"], host)
        except (bs.BackupSetError, certlib.CertPlanError) as exc:
            raise AnsibleActionFail("lync_cert_import: %s" % exc) from None
        if not params["password"]:
            raise AnsibleActionFail("lync_cert_import: the PFX password is empty")
        only = {t.replace(" ", "").upper() for t in params["thumbprints"]}
        unknown = sorted(only - {c["thumbprint"] for c in wanted} - {c["thumbprint"] for c in not_restorable})
        if unknown:
            raise AnsibleActionFail("lync_cert_import: the set holds no certificate %s for %s" % (", ".join(unknown), host))
        if only:
            wanted = [c for c in wanted if c["thumbprint"] in only]
            not_restorable = [c for c in not_restorable if c["thumbprint"] in only]
        chain = sorted({ca["thumbprint"] for c in wanted for ca in c["chain"]})
        probe = self.payload("lync_cert_probe", {"Thumbprints": [c["thumbprint"] for c in wanted], "Intermediates": chain},
                             required_keys=("Present",)).value
        try:
            to_import, assignments, pending, kept = certlib.plan(
                wanted, probe.get("Present") or [], probe.get("Assigned") or [], probe.get("LyncShell"),
                params["assign"], probe.get("AssignedErrors") or [])
        except certlib.CertPlanError as exc:
            raise AnsibleActionFail("lync_cert_import on %s: %s" % (self.host, exc)) from None
        chain_to_import = certlib.chain_to_import(wanted, probe.get("PresentCA"))
        result = {
            "changed": bool(to_import or chain_to_import or assignments),
            "certificates": [{k: c[k] for k in ("thumbprint", "subject", "usages", "not_after")} for c in wanted],
            "imported": [c["thumbprint"] for c in to_import],
            "imported_chain": [c["thumbprint"] for c in chain_to_import],
            "assigned": [{"type": a["Type"], "thumbprint": a["Thumbprint"], "global": a["Global"]} for a in assignments],
            "pending_assignments": [{"type": a["Type"], "thumbprint": a["Thumbprint"], "global": a["Global"]}
                                    for a in pending],
            "not_restorable": not_restorable,
            "left_alone": [{"type": a["Type"], "thumbprint": a["Thumbprint"], "global": True, "current": a["Current"]}
                           for a in kept],
        }
        warnings = ["certificate %s (%s) cannot be restored from the set: %s"
                    % (c["thumbprint"], c["subject"], c["reason"]) for c in not_restorable]
        warnings += ["the deployment's global %s certificate is now %s, not %s as in the backup set: left alone "
                     "(Set-CsCertificate -Identity global would change it for every server); assign it yourself "
                     "if the set's certificate must come back" % (a["Type"], a["Current"], a["Thumbprint"])
                     for a in kept]
        if warnings:
            result["warnings"] = warnings
        if self.check_mode or not result["changed"]:
            return result
        folder = set_path
        self.payload("lync_cert_import", {
            "Certificates": [{"Thumbprint": c["thumbprint"], "Path": "%s\\%s" % (folder, c["file"].replace("/", "\\")),
                              "Sha256": c["sha256"]} for c in to_import],
            "Intermediates": [{"Thumbprint": c["thumbprint"], "Sha256": c["sha256"],
                               "Path": "%s\\%s" % (folder, c["file"].replace("/", "\\"))} for c in chain_to_import],
            "Assignments": assignments,
        }, secrets={"Password": params["password"]}, required_keys=("Imported",))
        return result
