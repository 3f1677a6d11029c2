"""Twin of lync_sql_install.ps1: lab SQL Server setup adds the instance and its services."""

from .. import sqlsetup, winhost
from ..errors import PSError

PARAMETERS = {
    "MediaPath": {"kind": "string", "mandatory": True},
    "ConfigurationFile": {"kind": "string", "mandatory": True},
    "InstanceName": {"kind": "string", "mandatory": True},
    "ServiceAccount": {"kind": "string", "mandatory": False},
    "ServicePassword": {"kind": "secure", "mandatory": False},
    "Quiet": {"kind": "switch", "mandatory": False},
}
BUILT_IN = ("NT SERVICE\\", "NT AUTHORITY\\", "LOCALSYSTEM", "NETWORK SERVICE", "LOCAL SERVICE")


def _fail(name, code, message):
    raise PSError("SQL Server setup for instance %s ended with exit code %d. Exit message: %s (log: C:\\Program Files\\"
                  "Microsoft SQL Server\\110\\Setup Bootstrap\\Log\\Summary.txt)" % (name, code, message))


def run(ctx, params):
    record = ctx.record
    name = params["InstanceName"].upper()
    media = sqlsetup.read_media(ctx, params["MediaPath"])
    if media is None:
        raise PSError("This command cannot be run due to the error: The system cannot find the file specified. (%s)"
                      % params["MediaPath"], "InvalidOperation")
    ini = sqlsetup.read_ini(ctx, params["ConfigurationFile"])
    if ini is None:
        _fail(name, -2068774911, "The specified configuration file %s does not exist" % params["ConfigurationFile"])
    if str(ini.get("ACTION", "")).lower() != "install":
        _fail(name, -2068578302, "The setting 'ACTION' must be Install for a new instance")
    if "SQLENGINE" not in str(ini.get("FEATURES", "")).upper().replace(" ", "").split(","):
        _fail(name, -2068578302, "The configuration file installs no Database Engine (FEATURES has no SQLENGINE)")
    if record.get("pending_reboot"):
        _fail(name, -2067919934, "A computer restart is required. You must restart this computer before installing "
                                 "SQL Server. (Rule RebootRequiredCheck failed)")
    if name in {n.upper() for n in record.get("sql", {})}:
        _fail(name, -2068578304, "The instance name '%s' is already in use. To continue, specify a unique instance "
                                 "name." % name)
    account = params.get("ServiceAccount") or ini.get("SQLSVCACCOUNT") or winhost.sql_virtual_account(name)
    password = params.get("ServicePassword")
    if not account.upper().startswith(BUILT_IN) and not (
            password and password.plain and sqlsetup.check_service_credentials(ctx.state, account, password.plain)):
        _fail(name, -2068578304, "The credentials you provided for the SQL Server Database Engine service are invalid. "
                                 "To continue, provide a valid account and password for the SQL Server Database "
                                 "Engine service.")
    root = "C:\\Program Files\\Microsoft SQL Server\\%s\\MSSQL" % sqlsetup.instance_id(media["version"], name)
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
