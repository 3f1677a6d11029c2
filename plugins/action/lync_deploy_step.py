# Copyright: (c) 2026, lync.server maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for lync.server.lync_deploy_step (documentation: plugins/modules/lync_deploy_step.py)."""

from __future__ import annotations

from ansible.errors import AnsibleActionFail

from ansible_collections.lync.server.plugins.action.lync_services import start_or_stop
from ansible_collections.lync.server.plugins.plugin_utils import backup_set as bs
from ansible_collections.lync.server.plugins.plugin_utils import bootstrapper
from ansible_collections.lync.server.plugins.plugin_utils import recovery_plan
from ansible_collections.lync.server.plugins.plugin_utils.action import LyncAction

ARGUMENT_SPEC = {
    "step": {"type": "str", "required": True,
             "choices": ["sql_express", "local_store", "components", "certificates", "services"]},
    "product": {"type": "str", "default": "Lync Server 2013",
                "choices": ["Lync Server 2013", "Skype for Business Server 2015", "Skype for Business Server 2019"]},
    "install_dir": {"type": "str"},
    "media": {"type": "str"},
    "components": {"type": "list", "elements": "str", "default": []},
    "certificates": {"type": "list", "elements": "dict", "default": [],
                     "options": {"thumbprint": {"type": "str", "required": True},
                                 "types": {"type": "list", "elements": "str", "required": True,
                                           "choices": ["Default", "WebServicesInternal", "WebServicesExternal",
                                                       "Internal", "AccessEdgeExternal", "DataEdgeExternal",
                                                       "AudioVideoAuthentication"]}}},
    "collocated_databases": {"type": "bool", "default": False},
    "configuration_file": {"type": "str", "default": ""},
    "wait": {"type": "bool", "default": True},
    "wait_timeout": {"type": "int", "default": 900},
}


def done(step, status, params):
    """Whether the step's work is already on the server (so running it again changes nothing)."""
    products = [p["Name"] for p in status.get("Products") or []]
    services = {s["Name"]: s["Status"] for s in status.get("Services") or []}
    if step == "sql_express":
        return "RTC" in [i.upper() for i in status.get("SqlInstances") or []]
    if step == "local_store":
        return "RTCLOCAL" in [i.upper() for i in status.get("SqlInstances") or []] and "REPLICA" in services
    if step == "components":
        return bool(params["components"]) and all(
            any(p.endswith(", " + c) for p in products) for c in params["components"])
    if step == "certificates":
        assigned = {(c["Use"], c["Thumbprint"].upper()) for c in status.get("Certificates") or []}
        return all((t, c["thumbprint"].upper()) in assigned for c in params["certificates"] for t in c["types"])
    return bool(services) and all(state == "Running" for name, state in services.items() if name not in ("MASTER", "FTA"))


def restart_state(status):
    """(reboot_required, file_rename_pending) from a lync_deploy_status / lync_deploy_step answer.

    Only Windows' own restart flags (Component Based Servicing's RebootPending and Windows
    Update's RebootRequired keys: RebootPending) make a restart pending. Session Manager's
    PendingFileRenameOperations is set on many healthy servers (installers and antivirus leave
    entries there until the next restart), so it is reported apart and never forces a restart.
    """
    return bool(status.get("RebootPending")), bool(status.get("PendingFileRenames"))


def installs_sql_express(step, params):
    """Whether the step installs a SQL Server Express instance: sql_express (RTC), local_store (RTCLOCAL, and LYSS
    on a Front End) and, with collocated databases, components (step 2 on a Standard Edition server)."""
    return step in ("sql_express", "local_store") or (step == "components" and bool(params["collocated_databases"]))


# SQL Server Setup's RebootRequiredCheck fails when a restart is pending, PendingFileRenameOperations included
# ("Check Parameters for the System Configuration Checker",
# https://learn.microsoft.com/previous-versions/sql/sql-server-2008-r2/ms143185(v=sql.105)).
SQL_SETUP_RESTART = ("SQL Server Setup's RebootRequiredCheck refuses to install while file renames wait for a "
                     "restart (PendingFileRenameOperations); restart the server first")


class ActionModule(LyncAction):
    """One Deployment Wizard step, run only when its work is not yet on the server."""

    ARGUMENT_SPEC = ARGUMENT_SPEC

    def execute(self, params):
        result = self._execute(params)
        if getattr(self, "_certificate_error", None) and params["step"] == "certificates":
            result.setdefault("warnings", []).append(
                "%s: Get-CsCertificate failed, the assigned certificates are unknown: %s" % (self.host, self._certificate_error))
        return result

    def _execute(self, params):
        step = params["step"]
        try:
            install_dir = bootstrapper.install_dir_for(params["product"], params["install_dir"])
            bs.check_path(install_dir, "install_dir")
            if params["media"]:
                bs.check_path(params["media"], "media")
            if params["configuration_file"]:
                bs.check_path(params["configuration_file"], "configuration_file")
        except bs.BackupSetError as exc:
            raise AnsibleActionFail("lync_deploy_step: %s" % exc) from None
        if not 0 <= params["wait_timeout"] <= 86400:
            raise AnsibleActionFail("lync_deploy_step: wait_timeout must be between 0 and 86400 seconds")
        status = self.payload("lync_deploy_status", {"InstallDir": install_dir}, required_keys=("Products",)).value
        self._certificate_error = status.get("CertificateError")
        reboot_required, file_rename_pending = restart_state(status)
        if done(step, status, params):
            return {"changed": False, "step": step, "reboot_required": reboot_required,
                    "file_rename_pending": file_rename_pending}
        if step == "components" and params["collocated_databases"]:
            imported = recovery_plan.data_markers(status.get("Markers") or [])
            if imported:
                raise AnsibleActionFail(
                    "lync_deploy_step on %s: refusing step 2, which recreates the collocated databases empty, "
                    "after data was restored into them (%s)" % (self.host, ", ".join(imported)))
        if file_rename_pending and installs_sql_express(step, params):
            # Restart first: the role reboots on reboot_required and runs the step again.
            return {"changed": False, "step": step, "reboot_required": True, "file_rename_pending": True,
                    "msg": "%s: step %s not run: %s" % (self.host, step, SQL_SETUP_RESTART)}
        if self.check_mode:
            return {"changed": True, "step": step, "reboot_required": False, "file_rename_pending": file_rename_pending}
        if step == "services":
            result = start_or_stop(self, "started", [], params["wait_timeout"], wait=params["wait"])
            result.update(step=step, reboot_required=False, file_rename_pending=file_rename_pending)
            return result
        media = bootstrapper.media_amd64(params["media"]) if params["media"] else None
        args = {"Step": step, "BootstrapperPath": bootstrapper.path(install_dir),
                "BootstrapperArguments": bootstrapper.arguments(step, media) if step != "certificates" else [],
                "ConfigurationFile": params["configuration_file"],
                "Certificates": [{"Thumbprint": c["thumbprint"].upper(), "Types": c["types"]} for c in params["certificates"]]}
        try:
            value = self.payload("lync_deploy_step", args, required_keys=("Step",)).value
        except AnsibleActionFail as exc:
            if "LYNC_BOOTSTRAPPER_FAILED: " in str(exc):
                raise AnsibleActionFail("lync_deploy_step %s on %s: %s (Bootstrapper.exe writes its logs under the "
                                        "running user's %%TEMP%%)" % (step, self.host,
                                                                      str(exc).split("LYNC_BOOTSTRAPPER_FAILED: ", 1)[1])) \
                    from None
            raise
        return {"changed": True, "step": step, "reboot_required": restart_state(value)[0],
                "file_rename_pending": file_rename_pending, "exit_code": value.get("ExitCode")}
