"""Twin of lync_sql_install.ps1: lab SQL Server setup adds the instance and its services."""

from .. import sqlsetup, winhost
from ..errors import PSError

PARAMETERS = {
    "MediaPath": {"kind": "string", "mandatory": True},
    "ConfigurationFile": {"kind": "string", "mandatory": True},
    "InstanceName": {"kind": "string", "mandatory": True},
    "ServiceAccount": {"kind": "string", "mandatory": False},
    "ServicePassword": {"kind": "secure", "mandatory": False},
    "AgentAccount": {"kind": "string", "mandatory": False},
    "AgentPassword": {"kind": "secure", "mandatory": False},
    "Quiet": {"kind": "switch", "mandatory": False},
}
BUILT_IN = ("NT SERVICE\\", "NT AUTHORITY\\", "LOCALSYSTEM", "NETWORK SERVICE", "LOCAL SERVICE")


def _fail(name, code, message):
    raise PSError("SQL Server setup for instance %s ended with exit code %d. Exit message: %s (log: C:\\Program Files\\"
                  "Microsoft SQL Server\\110\\Setup Bootstrap\\Log\\Summary.txt)" % (name, code, message))


def _arguments(params, script):
    """The -ArgumentList the payload hands Start-Process, built the same way. /INSTANCEID and
    /AGTSVCACCOUNT only when the payload text passes them (the payload before issue 9 did not)."""
    arguments = ['/ConfigurationFile="%s"' % params["ConfigurationFile"], '/INSTANCENAME="%s"' % params["InstanceName"]]
    if "'/INSTANCEID=\"{0}\"' -f $InstanceName" in script:
        arguments.append('/INSTANCEID="%s"' % params["InstanceName"])
    arguments.append("/IACCEPTSQLSERVERLICENSETERMS")
    if params.get("AgentAccount") and "'/AGTSVCACCOUNT=\"{0}\"' -f $AgentAccount" in script:
        arguments.append('/AGTSVCACCOUNT="%s"' % params["AgentAccount"])
    if params.get("Quiet"):
        arguments.append("/Q")
    if params.get("ServiceAccount"):
        arguments.append('/SQLSVCACCOUNT="%s"' % params["ServiceAccount"])
    if params.get("ServicePassword") and params["ServicePassword"].plain:
        arguments.append('/SQLSVCPASSWORD="%s"' % params["ServicePassword"].plain)
    if params.get("AgentPassword") and params["AgentPassword"].plain:
        arguments.append('/AGTSVCPASSWORD="%s"' % params["AgentPassword"].plain)
    return arguments


def run(ctx, params):
    record = ctx.record
    # What setup.exe reads: the joined command line split by the C runtime rules.
    line = sqlsetup.command_line_settings(_arguments(params, getattr(ctx, "script", "") or ""))
    name = str(line.get("INSTANCENAME", "")).upper()
    media = sqlsetup.read_media(ctx, params["MediaPath"])
    if media is None:
        raise PSError("This command cannot be run due to the error: The system cannot find the file specified. (%s)"
                      % params["MediaPath"], "InvalidOperation")
    ini = sqlsetup.read_ini(ctx, line.get("CONFIGURATIONFILE") or "")
    if ini is None:
        _fail(name, -2068774911, "The specified configuration file %s does not exist" % params["ConfigurationFile"])
    if str(ini.get("ACTION", "")).lower() != "install":
        _fail(name, -2068578302, "The setting 'ACTION' must be Install for a new instance")
    if "SQLENGINE" not in str(ini.get("FEATURES", "")).upper().replace(" ", "").split(","):
        _fail(name, -2068578302, "The configuration file installs no Database Engine (FEATURES has no SQLENGINE)")
    quiet = line.get("Q") is True or any(str(ini.get(k, "")).lower() == "true" for k in ("QUIET", "QUIETSIMPLE"))
    if "UIMODE" in ini and quiet:
        # https://learn.microsoft.com/sql/database-engine/install-windows/install-sql-server-from-the-command-prompt
        _fail(name, -2068578302, "The setting 'UIMODE' is not allowed when the value of setting 'QUIET' is 'True'.")
    if not str(line.get("SQLSYSADMINACCOUNTS") or ini.get("SQLSYSADMINACCOUNTS") or "").strip():
        _fail(name, -2068578302, "The SQL Server feature 'SQL_Engine_Core_Inst' is not in a supported state: "
                                 "SQLSYSADMINACCOUNTS is required for a Database Engine installation.")
    if record.get("pending_reboot"):
        _fail(name, -2067919934, "A computer restart is required. You must restart this computer before installing "
                                 "SQL Server. (Rule RebootRequiredCheck failed)")
    if name in {n.upper() for n in record.get("sql", {})}:
        _fail(name, -2068578304, "The instance name '%s' is already in use. To continue, specify a unique instance "
                                 "name." % name)
    # The instance ID names the instance's folders and registry key: two instances cannot share one
    # (INSTANCEID on the command line overrides the file's).
    instance_id = str(line.get("INSTANCEID") or ini.get("INSTANCEID") or name).upper()
    used = {sqlsetup.instance_id(inst["version"], other).split(".", 1)[1]: other
            for other, inst in record.get("sql", {}).items()}
    if instance_id in used:
        _fail(name, -2068578304, "The instance ID '%s' is already in use by SQL Server instance '%s'. To continue, "
                                 "specify a unique instance ID." % (instance_id, used[instance_id]))
    account = line.get("SQLSVCACCOUNT") or ini.get("SQLSVCACCOUNT") or winhost.sql_virtual_account(name)
    password = line.get("SQLSVCPASSWORD") or None
    if not account.upper().startswith(BUILT_IN) and not (
            password and sqlsetup.check_service_credentials(ctx.state, account, password)):
        _fail(name, -2068578304, "The credentials you provided for the SQL Server Database Engine service are invalid. "
                                 "To continue, provide a valid account and password for the SQL Server Database "
                                 "Engine service.")
    agent = line.get("AGTSVCACCOUNT") or ini.get("AGTSVCACCOUNT") or ""
    agent_password = line.get("AGTSVCPASSWORD") or None
    if agent and not agent.upper().startswith(BUILT_IN) and not (
            agent_password and sqlsetup.check_service_credentials(ctx.state, agent, agent_password)):
        _fail(name, -2068578304, "The credentials you provided for the SQL Server Agent service are invalid. To "
                                 "continue, provide a valid account and password for the SQL Server Agent service.")
    root = "C:\\Program Files\\Microsoft SQL Server\\MSSQL%s.%s\\MSSQL" % (media["version"].split(".")[0],
                                                                           instance_id)
    record.setdefault("sql", {})[name] = {
        "version": media["version"], "edition": media["edition"], "service_account": account,
        "service_state": "running", "data_dir": root + "\\DATA", "backup_dir": root + "\\Backup", "databases": {},
    }
    services = record.setdefault("services", {})
    engine, agent = winhost.sql_service_names(name)
    services[engine] = {"display_name": "SQL Server (%s)" % name, "status": "Running", "start_mode": "Auto"}
    services[agent] = {"display_name": "SQL Server Agent (%s)" % name, "status": "Running", "start_mode": "Auto"}
    reboot = bool(media.get("reboot"))
    if reboot:
        winhost.pending(record, "SQL Server setup")
    return {"InstanceName": name, "ExitCode": 3010 if reboot else 0, "RebootRequired": reboot}
