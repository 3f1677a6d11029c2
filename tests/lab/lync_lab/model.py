"""Lookups over the state dict that the lab's rules and emulated commands need."""

from . import netid
from .errors import PSError


def find_host(state, name):
    """The FQDN of a host given its FQDN or short name (case-insensitive), or None."""
    name = str(name).lower()
    for fqdn, host in state["hosts"].items():
        if name in (fqdn.lower(), str(host["hostname"]).lower()):
            return fqdn
    return None


def host(state, name):
    """The host record for a name; a PowerShell-style error when no such machine answers."""
    fqdn = find_host(state, name)
    if fqdn is None:
        raise PSError("The network path was not found: no computer named %s" % name, "ObjectNotFound")
    return state["hosts"][fqdn]


DEFAULT_INSTANCE = "MSSQLSERVER"


def sql_instance(state, server, instance):
    r"""The SQL instance record `instance` on `server`, as a SqlClient connection would find it.

    An empty instance is the default instance (stored under MSSQLSERVER, Windows' name for it).
    The default instance is reached by the server name alone: asked for as <server>\MSSQLSERVER
    the client looks up a *named* instance called MSSQLSERVER, which does not exist, and fails
    like any unknown instance. Microsoft: "Default instance: computer_name ... Named instance:
    computer_name\instance_name"
    (https://learn.microsoft.com/en-us/sql/database-engine/configure-windows/logging-in-to-sql-server);
    a Microsoft SQL Server blog shows <computer name>\MSSQLSERVER failing for the default instance
    (https://learn.microsoft.com/en-us/archive/blogs/alexejs/453). Lync's cmdlets take the same path:
    Install-CsDatabase -SqlInstanceName "If this parameter is omitted, ... the default SQL Server
    instance" (https://learn.microsoft.com/en-us/powershell/module/skype/install-csdatabase).

    The connection is made with the running payload's Windows login (netid.sql_login, the double hop).
    """
    record = host(state, server)
    if instance and instance.upper() == DEFAULT_INSTANCE:
        raise PSError("A network-related or instance-specific error occurred while establishing a connection to "
                      "SQL Server. The server was not found or was not accessible (%s\\%s: no named instance "
                      "of that name; the default instance is reached by the server name alone)" % (server, instance))
    key = instance.upper() if instance else DEFAULT_INSTANCE
    for name, inst in record.get("sql", {}).items():
        if name.upper() == key:
            if inst.get("service_state", "running") != "running":
                raise PSError("A network-related or instance-specific error occurred while establishing a "
                              "connection to SQL Server (%s\\%s is not running)" % (server, instance))
            netid.sql_login(state, server, instance)
            return inst
    raise PSError("A network-related or instance-specific error occurred while establishing a connection to "
                  "SQL Server. The server was not found or was not accessible (%s\\%s)" % (server, instance))


def cms(state):
    """The xds database of the Central Management store the AD service control point names."""
    scp = state["ad"].get("scp")
    if not scp:
        raise PSError("Cannot find the Central Management store: the service control point in Active Directory "
                      "is missing. Run Set-CsConfigurationStoreLocation.")
    instance = sql_instance(state, scp["sql_fqdn"], scp["instance"])
    xds = instance["databases"].get("xds")
    if not xds:
        raise PSError("Cannot open database \"xds\" requested by the login on %s\\%s"
                      % (scp["sql_fqdn"], scp["instance"]))
    return xds


def require_lync_shell(record):
    """Mimic the payload preamble: fail like it does when no Lync module is installed."""
    if not record.get("lync_module"):
        raise PSError("LYNC_SHELL_MISSING: neither the SkypeForBusiness nor the Lync module is installed")
    return record["lync_module"]
