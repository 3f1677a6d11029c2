# Copyright: (c) 2026, lync.server maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for lync.server.lync_clean_check (documentation: plugins/modules/lync_clean_check.py)."""

from __future__ import annotations

import re

from ansible.errors import AnsibleActionFail

from ansible_collections.lync.server.plugins.plugin_utils import backup_set as bs
from ansible_collections.lync.server.plugins.plugin_utils import facts
from ansible_collections.lync.server.plugins.plugin_utils.action import LyncAction

ARGUMENT_SPEC = {
    "domain": {"type": "str"},
    "domain_joined": {"type": "bool", "default": True},
    "require_domain_join": {"type": "bool", "default": False},
    "computer_sid": {"type": "str"},
    "database_instances": {"type": "list", "elements": "str", "default": []},
    "fail_on_unclean": {"type": "bool", "default": True},
}


# A domain computer account's SID: S-1-5-21, the domain's three sub-authorities, the account's RID
# (https://learn.microsoft.com/en-us/windows-server/identity/ad-ds/manage/understand-security-identifiers).
COMPUTER_SID_RE = re.compile(r"^S-1-5-21-\d{1,10}-\d{1,10}-\d{1,10}-\d{1,10}$", re.IGNORECASE)


class ActionModule(LyncAction):
    """Decide whether the target is a clean server to restore onto (domain brief 4.0). Read-only."""

    ARGUMENT_SPEC = ARGUMENT_SPEC

    def execute(self, params):
        try:
            domain = bs.check_fqdn(params["domain"], "domain") if params["domain"] else None
            instances = [bs.check_instance(n) or "MSSQLSERVER" for n in params["database_instances"]]
            if params["computer_sid"] is not None and not COMPUTER_SID_RE.match(params["computer_sid"]):
                raise bs.BackupSetError("computer_sid %r is not a domain computer account's SID (S-1-5-21-<domain "
                                        "sub-authorities>-<RID>, as the identity record's computer_account.sid holds)"
                                        % (params["computer_sid"],))
        except bs.BackupSetError as exc:
            raise AnsibleActionFail("lync_clean_check: %s" % exc) from None
        if not params["domain_joined"] and (domain or params["require_domain_join"]):
            raise AnsibleActionFail("lync_clean_check: domain_joined=false (an Edge Server) goes with neither domain "
                                    "nor require_domain_join")
        host = facts.host_facts(self.payload("lync_host_probe").value)
        expect = {"domain_joined": params["domain_joined"], "domain": domain, "computer_sid": params["computer_sid"],
                  "require_joined": params["require_domain_join"], "database_instances": instances}
        reasons = facts.clean_reasons(host, expect)
        result = {"changed": False, "clean": not reasons, "reasons": reasons,
                  "host": {k: host[k] for k in ("fqdn", "hostname", "domain", "domain_joined", "computer_sid",
                                                "secure_channel", "os")},
                  "sql_instances": host["sql_instances"], "lync_products": host["lync_products"]}
        if reasons and params["fail_on_unclean"]:
            result.update(failed=True, msg="lync_clean_check: %s is not a clean server to restore onto, so nothing "
                                           "was changed on it: %s" % (host["fqdn"] or self.host, "; ".join(reasons)))
        return result
