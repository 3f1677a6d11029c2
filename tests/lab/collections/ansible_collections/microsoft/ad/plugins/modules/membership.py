# Copyright: (c) 2026, lync.server maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Lab stand-in for microsoft.ad.membership (same options, rules, results and check mode)."""

from __future__ import annotations

DOCUMENTATION = r"""
module: membership
short_description: Lab stand-in for microsoft.ad.membership
description:
  - Joins a lab host to the lab's domain (reusing an existing computer account of its name, as
    Add-Computer does), renames it, or leaves the domain; see tests/lab/lync_lab/winhost.py.
  - Like the real module, it refuses to move a member to another domain.
author: lync.server maintainers (@lync-server)
options:
  dns_domain_name: {type: str, description: Domain to join.}
  domain_admin_user: {type: str, description: Account allowed to join computers.}
  domain_admin_password: {type: str, description: Its password.}
  domain_ou_path: {type: str, description: OU for a new computer account.}
  domain_server: {type: str, description: Accepted; not simulated.}
  hostname: {type: str, description: The computer name to have.}
  offline_join_blob: {type: str, description: Not simulated.}
  reboot: {type: bool, default: false, description: Restart after a change.}
  reboot_timeout: {type: int, default: 600, description: Accepted.}
  state: {type: str, choices: [domain, workgroup], required: true, description: Member of a domain or a workgroup.}
  workgroup_name: {type: str, description: Workgroup to join.}
"""

import json
import os

from ansible.module_utils.basic import AnsibleModule


def main():
    module = AnsibleModule(
        argument_spec={
            "dns_domain_name": {"type": "str"},
            "domain_admin_user": {"type": "str"},
            "domain_admin_password": {"type": "str", "no_log": True},
            "domain_ou_path": {"type": "str"},
            "domain_server": {"type": "str"},
            "hostname": {"type": "str"},
            "offline_join_blob": {"type": "str", "no_log": True},
            "reboot": {"type": "bool", "default": False},
            "reboot_timeout": {"type": "int", "default": 600},
            "state": {"type": "str", "choices": ["domain", "workgroup"], "required": True},
            "workgroup_name": {"type": "str"},
        },
        mutually_exclusive=[["offline_join_blob", "domain_admin_user"], ["offline_join_blob", "dns_domain_name"],
                            ["offline_join_blob", "domain_ou_path"], ["offline_join_blob", "hostname"]],
        required_if=[["state", "domain", ["domain_admin_user", "offline_join_blob"], True],
                     ["state", "workgroup", ["workgroup_name", "domain_admin_user", "domain_admin_password"]]],
        required_together=[["domain_admin_user", "domain_admin_password"]],
        supports_check_mode=True,
    )
    # lync_lab is on PYTHONPATH: the lab connection puts it there.
    from lync_lab import winhost  # pylint: disable=import-error
    from lync_lab.errors import PSError  # pylint: disable=import-error
    from lync_lab.labrun import run_on_host  # pylint: disable=import-error
    p = module.params
    if p["offline_join_blob"]:
        module.fail_json(msg="lab: offline_join_blob is not simulated")

    def work(ctx):
        record = ctx.record
        before = {"dns_domain_name": record["domain"] if record.get("domain_joined") else None,
                  "hostname": record["hostname"], "state": "domain" if record.get("domain_joined") else "workgroup"}
        changed = False
        if p["state"] == "domain":
            if not record.get("domain_joined") or str(record["domain"]).lower() != str(p["dns_domain_name"]).lower():
                changed = winhost.join_domain(ctx.state, record, p["dns_domain_name"], p["domain_admin_user"],
                                              p["domain_admin_password"], p["hostname"], p["domain_ou_path"],
                                              module.check_mode)
            elif p["hostname"] and p["hostname"].lower() != record["hostname"].lower():
                winhost.check_domain_credential(ctx.state, p["domain_admin_user"], p["domain_admin_password"],
                                                record["hostname"])
                changed = winhost.rename(record, p["hostname"], module.check_mode)
                if changed and not module.check_mode:
                    account = ctx.state["ad"]["computers"].pop(record["hostname"].upper(), None)
                    if account is not None:
                        ctx.state["ad"]["computers"][p["hostname"].upper()] = account
        else:
            changed = winhost.leave_domain(record, p["workgroup_name"], module.check_mode)
        if changed and p["reboot"] and not module.check_mode:
            winhost.reboot(record)
        return changed, before

    try:
        changed, before = run_on_host(os.environ, json.loads(os.environ.get("LYNC_LAB_FAULTS") or "[]"), "membership", work)
    except PSError as err:
        module.fail_json(msg=err.message)
    after = {"dns_domain_name": p["dns_domain_name"], "hostname": p["hostname"] or before["hostname"], "state": p["state"]}
    module.exit_json(changed=changed, reboot_required=changed and not p["reboot"], diff={"before": before, "after": after})


if __name__ == "__main__":
    main()
