# Copyright: (c) 2026, lync.server maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for lync.server.lync_sql_install (documentation: plugins/modules/lync_sql_install.py)."""

from __future__ import annotations

from ansible.errors import AnsibleActionFail

from ansible_collections.lync.server.plugins.plugin_utils import backup_set as bs
from ansible_collections.lync.server.plugins.plugin_utils import prerequisites
from ansible_collections.lync.server.plugins.plugin_utils import sql_install
from ansible_collections.lync.server.plugins.plugin_utils.action import LyncAction

ARGUMENT_SPEC = {
    "instance": {"type": "str", "required": True},
    "media_path": {"type": "str", "required": True},
    "configuration_file": {"type": "str", "required": True},
    "product": {"type": "str", "required": True},
    "allowed_instances": {"type": "list", "elements": "str", "default": []},
    "service_account": {"type": "str"},
    "service_password": {"type": "str", "no_log": True},
    "service_passwords": {"type": "dict", "no_log": True, "default": {}},
    "agent_account": {"type": "str"},
}


class ActionModule(LyncAction):
    """Install one pinned SQL Server instance unattended, or confirm it is there."""

    ARGUMENT_SPEC = ARGUMENT_SPEC

    def execute(self, params):
        try:
            instance = bs.check_instance(params["instance"]) or "MSSQLSERVER"
            allowed = {instance.upper()} | {(bs.check_instance(n) or "MSSQLSERVER").upper()
                                            for n in params["allowed_instances"]}
            prerequisites.product_key(params["product"])
            media = sql_install.safe_arg(params["media_path"].rstrip("\\"), "media_path")
            config = sql_install.safe_arg(params["configuration_file"], "configuration_file")
            account = sql_install.safe_arg(params["service_account"], "service_account") \
                if params["service_account"] else None
            password = sql_install.password_for(account, params["service_password"], params["service_passwords"])
            if password and not sql_install.SAFE_ARG_RE.match(password):
                raise sql_install.SqlInstallError("service_password cannot be passed to SQL Server setup (it holds a "
                                                  "double quote or a line break)")
            agent = sql_install.agent_account_for(instance, sql_install.safe_arg(params["agent_account"], "agent_account")
                                                  if params["agent_account"] else None)
            agent_password = sql_install.password_for(agent, None, params["service_passwords"]) \
                if sql_install.needs_password(agent) else None
            if agent_password and not sql_install.SAFE_ARG_RE.match(agent_password):
                raise sql_install.SqlInstallError("the SQL Server Agent account's password cannot be passed to SQL "
                                                  "Server setup (it holds a double quote or a line break)")
        except (bs.BackupSetError, prerequisites.PrerequisiteError, sql_install.SqlInstallError) as exc:
            raise AnsibleActionFail("lync_sql_install: %s" % exc) from None
        probe = self.payload("lync_sql_setup_probe", {"MediaPath": media, "ConfigurationFile": config},
                             required_keys=("Instances", "SetupFound")).value
        try:
            decision = sql_install.decide(probe, instance, params["product"], sorted(allowed), account,
                                          bool(password), agent, bool(agent_password))
        except sql_install.SqlInstallError as exc:
            raise AnsibleActionFail("lync_sql_install on %s, instance %s: %s" % (self.host, instance, exc)) from None
        result = {"changed": False, "instance": decision["instance"], "version": decision["version"],
                  "reboot_required": False, "exit_code": None}
        if decision["action"] == "present":
            result.update(edition=decision.get("edition"), msg="instance %s is installed" % instance)
            return result
        result.update(release=decision["release"], service_account=decision["service_account"],
                      agent_account=decision["agent_account"],
                      warnings=decision["warnings"])
        if self.check_mode:
            result.update(changed=True, msg="would install %s instance %s" % (decision["release"], instance))
            return result
        # Every value that lands between double quotes on setup's command line is escaped for the C
        # runtime rules setup.exe parses it by (sql_install.cmdline_value).
        quote = sql_install.cmdline_value
        parameters = {"MediaPath": media, "ConfigurationFile": quote(config), "InstanceName": instance,
                      "AgentAccount": quote(decision["agent_account"]), "Quiet": decision["quiet"]}
        if account:
            parameters["ServiceAccount"] = quote(account)
        secrets = {}
        if password:
            secrets["ServicePassword"] = quote(password)
        if agent_password:
            secrets["AgentPassword"] = quote(agent_password)
        done = self.payload("lync_sql_install", parameters, secrets=secrets or None, required_keys=("ExitCode",)).value
        result.update(changed=True, exit_code=int(done["ExitCode"]), reboot_required=bool(done.get("RebootRequired")),
                      msg="installed %s instance %s" % (decision["release"], instance))
        return result
