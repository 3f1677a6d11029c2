"""Twin of lync_sql_setup_probe.ps1: instances, installation media, configuration file, pending restart."""

from .. import sqlsetup

PARAMETERS = {
    "MediaPath": {"kind": "string", "mandatory": True},
    "ConfigurationFile": {"kind": "string", "mandatory": True},
}
WANTED = ("ACTION", "FEATURES", "INSTANCENAME", "INSTANCEID", "QUIET", "QUIETSIMPLE", "SQLSVCACCOUNT",
          "SQLSYSADMINACCOUNTS", "INSTANCEDIR", "SQLCOLLATION", "IACCEPTSQLSERVERLICENSETERMS", "AGTSVCACCOUNT",
          "UIMODE")


def run(ctx, params):
    ctx.changed = False
    record = ctx.record
    instances = [{"Name": name, "Id": sqlsetup.instance_id(inst["version"], name), "Version": inst["version"],
                  "Edition": inst["edition"]} for name, inst in sorted(record.get("sql", {}).items())]
    media = sqlsetup.read_media(ctx, params["MediaPath"])
    ini = sqlsetup.read_ini(ctx, params["ConfigurationFile"])
    settings = {k: v for k, v in (ini or {}).items() if k in WANTED}
    passwords = sorted(k for k in (ini or {}) if "PASSWORD" in k or "PWD" in k)
    return {
        "Instances": instances,
        "SetupFound": media is not None,
        "SetupVersion": media["version"] if media else None,
        "ConfigurationFound": ini is not None,
        "Settings": settings,
        "PasswordKeys": passwords,
        "PendingReboot": list(record.get("pending_reboot", [])),
    }
