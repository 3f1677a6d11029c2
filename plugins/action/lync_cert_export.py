# Copyright: (c) 2026, lync.server maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for lync.server.lync_cert_export (documentation: plugins/modules/lync_cert_export.py)."""

from __future__ import annotations

import hashlib

from ansible.errors import AnsibleActionFail

from ansible_collections.lync.server.plugins.plugin_utils import backup_set as bs
from ansible_collections.lync.server.plugins.plugin_utils import certs as certlib
from ansible_collections.lync.server.plugins.plugin_utils.action import LyncAction

# The longest name written below a host's certificate folder: chain\\<40-hex thumbprint>.cer.tmp.
CERT_DEEPEST = len("\\chain\\") + 40 + len(".cer.tmp")

ARGUMENT_SPEC = {
    "set_path": {"type": "str", "required": True},
    "password": {"type": "str", "required": True, "no_log": True},
    "thumbprints": {"type": "list", "elements": "str", "default": []},
    "host_fqdn": {"type": "str"},
    "allow_not_exportable": {"type": "bool", "default": False},
}
THUMBPRINT_LENGTH = 40


class ActionModule(LyncAction):
    """Export this server's Lync certificates with private keys as password-protected PFX files."""

    ARGUMENT_SPEC = ARGUMENT_SPEC

    def execute(self, params):
        set_path = self.set_path(params["set_path"])
        try:
            host = bs.check_fqdn(params["host_fqdn"] or self.host, "host_fqdn")
        except bs.BackupSetError as exc:
            raise AnsibleActionFail("lync_cert_export: %s" % exc) from None
        if len(params["password"]) < 8:
            raise AnsibleActionFail("lync_cert_export: the PFX password must have at least 8 characters")
        thumbprints = [t.replace(" ", "").upper() for t in params["thumbprints"]]
        bad = [t for t in thumbprints if len(t) != THUMBPRINT_LENGTH or not all(c in "0123456789ABCDEF" for c in t)]
        if bad:
            raise AnsibleActionFail("lync_cert_export: not certificate thumbprints: %s" % ", ".join(bad))
        folder = "certs/%s" % host
        if self.check_mode:
            return {"changed": True, "planned": ["%s/certificates.json" % folder], "files": []}
        probe = self.payload("lync_cert_probe", {"Thumbprints": [], "Intermediates": []},
                             required_keys=("Present",)).value
        if not probe.get("LyncShell"):
            raise AnsibleActionFail("lync_cert_export on %s: LYNC_SHELL_MISSING: neither the SkypeForBusiness nor the "
                                    "Lync module is installed" % host)
        if probe.get("AssignedErrors"):
            raise AnsibleActionFail("lync_cert_export on %s: cannot read the certificate assignments: %s"
                                    % (host, "; ".join(str(e) for e in probe["AssignedErrors"])))
        exported, usages, elsewhere = certlib.export_plan(probe.get("Assigned"))
        usages = dict(certlib.usage_map(probe.get("Assigned")), **usages) if thumbprints else usages
        wanted = thumbprints or exported
        # Extended-length only under a long root: a Front End may have .NET Framework 4.5, which refuses the prefix.
        target = bs.long_path("%s\\%s" % (set_path, folder.replace("/", "\\")), CERT_DEEPEST)
        value = self.payload("lync_cert_export", {"TargetFolder": target, "Thumbprints": wanted},
                             secrets={"Password": params["password"]}, required_keys=("Certificates",)).value
        described, files, problems, warnings, not_restorable, chain_files = [], [], [], [], [], {}
        for cert in value["Certificates"]:
            rel = "%s/%s" % (folder, cert["Name"]) if cert["Name"] else None
            chain = []
            for ca in certlib.intermediates(cert.get("Chain")):
                path = certlib.chain_file(host, str(ca["Thumbprint"]))
                chain.append({"thumbprint": str(ca["Thumbprint"]).upper(), "subject": ca["Subject"],
                              "issuer": ca["Issuer"], "file": path})
                chain_files.setdefault(path, certlib.pem(ca["Der"]))
            described.append({"thumbprint": cert["Thumbprint"], "subject": cert["Subject"], "sans": cert["Sans"],
                              "issuer": cert["Issuer"], "not_after": cert["NotAfter"],
                              "usages": usages.get(str(cert["Thumbprint"]).upper(), []),
                              "exportable": cert["Exportable"], "file": rel, "chain": chain})
            if rel:
                files.append({"path": rel, "bytes": int(cert["Bytes"]), "sha256": cert["Sha256"]})
            if cert.get("ChainWarning"):
                warnings.append("certificate %s: %s" % (cert["Thumbprint"], cert["ChainWarning"]))
            if cert.get("NotExportable") and params["allow_not_exportable"]:
                not_restorable.append(cert["Thumbprint"])
                warnings.append("%s; recorded as not restorable (allow_not_exportable): re-enroll it on a rebuild"
                                % cert["Error"])
            elif cert.get("WriteError"):
                problems.append(cert["WriteError"])
            elif cert["Error"]:
                problems.append(cert["Error"])
        to_write = []
        for path, text in sorted(chain_files.items()):
            data = text.encode("utf-8")
            entry = {"path": path, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest().upper()}
            to_write.append({"Path": path, "Content": text, "Sha256": entry["sha256"]})
            files.append(entry)
        document = bs.document_entry("%s/certificates.json" % folder, described)
        to_write.append({"Path": document["path"], "Content": bs.document_text(described), "Sha256": document["sha256"]})
        self.payload("lync_backup_set_write_files", {"SetPath": bs.long_path(set_path, len(folder) + CERT_DEEPEST),
                                                     "Files": to_write})
        files.append(document)
        result = {"changed": True, "files": files, "details": {"certificates": described, "global_elsewhere": elsewhere}}
        if not_restorable:
            result["not_restorable"] = not_restorable
        if warnings:
            result["warnings"] = warnings
        if problems:
            result.update(failed=True, msg="lync_cert_export on %s: %s" % (host, "; ".join(problems)))
        return result
