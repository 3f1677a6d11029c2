"""Who a payload is on the network: the WinRM double hop for SQL Server, the Central Management
store and Active Directory (the share has the same rule in fsops.locate).

A WinRM session authenticated with Kerberos (or NTLM) holds no credentials it can pass on: on
any other server it is nobody, unless the task carries network credentials (become runas with
logon_type=new_credentials, which the lab's connection reports as ctx.network_user) or the
connection delegates the user's credentials (CredSSP, Kerberos delegation; the lab's connection
then reports the session user as the network user).
Microsoft: "Making the second hop in PowerShell Remoting",
https://learn.microsoft.com/en-us/powershell/scripting/security/remoting/ps-remoting-second-hop

* SQL Server: Windows authentication to an instance on another server arrives as the anonymous
  logon and fails with error 18456, "Login failed for user 'NT AUTHORITY\\ANONYMOUS LOGON'."
  https://learn.microsoft.com/en-us/sql/relational-databases/errors-events/mssqlserver-18456-database-engine-error
  A connection to an instance on the session's own server is a local logon and works.
* The Central Management store: the Lync cmdlets read and write the master (the xds database on
  the SQL Server the service control point names) with the caller's Windows identity (only
  -LocalStore reads the server's local replica), so they are SQL connections like any other.
* Active Directory: an LDAP operation on user or contact objects, or a write of the service
  control point, from a session with no network credentials binds anonymously and the domain
  controller refuses it ("An operations error occurred", LDAP error 000004DC: a successful bind
  must be completed on the connection). The lookup of the service control point that every Lync
  cmdlet makes first is not modelled as failing: what administrators meet on a Front End without
  delegation is the SQL login failure above.

The rules apply to the payload running now: winps runs each payload inside `session(ctx)`, so the
model functions that open a connection (model.sql_instance, model.cms, the AD writes in cmdlets)
check who is calling without every command having to pass it. Lab bookkeeping outside a session
(replication, seeding, tests that read the state) is not a Windows client and is not checked.
"""

import contextlib

from . import model
from .errors import PSError

ANONYMOUS = "NT AUTHORITY\\ANONYMOUS LOGON"

_ACTIVE = []  # the Context of the payload running now (innermost last)


@contextlib.contextmanager
def session(ctx):
    """Run a payload as ctx (its host, its session user, its network identity)."""
    _ACTIVE.append(ctx)
    try:
        yield ctx
    finally:
        _ACTIVE.pop()


def caller(state):
    """The Context of the payload that is working on this state now, or None (lab bookkeeping)."""
    for ctx in reversed(_ACTIVE):
        if ctx.state is state:
            return ctx
    return None


def identity_on(ctx, fqdn):
    """Who ctx is on server fqdn: its session user on its own server, its network identity
    elsewhere (empty: nobody, the double hop)."""
    if fqdn is not None and str(fqdn).lower() == str(ctx.host).lower():
        return ctx.session_user
    return ctx.network_user or ""


def sql_login(state, server, instance=None):
    """The Windows login SQL Server sees when the running payload connects to server\\instance;
    raises SQL Server's error 18456 for the anonymous logon of a double hop."""
    ctx = caller(state)
    if ctx is None:
        return None
    fqdn = model.find_host(state, server)
    who = identity_on(ctx, fqdn)
    if not who:
        raise PSError(
            "Exception calling \"Open\" with \"0\" argument(s): \"Login failed for user '%s'.\" "
            "(SQL Server %s%s, error 18456, connecting from %s without network credentials: the WinRM "
            "double hop)" % (ANONYMOUS, server, "\\" + instance if instance else "", ctx.host),
            "OpenError", "SqlException")
    return who


def ad_access(state, what):
    """Check that the running payload may use Active Directory for `what` (an LDAP operation with
    the caller's identity on a domain controller)."""
    ctx = caller(state)
    if ctx is None:
        return None
    controllers = [str(dc).lower() for dc in state.get("ad", {}).get("domain_controllers", [])]
    who = ctx.session_user if str(ctx.host).lower() in controllers else ctx.network_user
    if not who:
        raise PSError(
            "Active Directory operation failed (%s): An operations error occurred. 000004DC: LdapErr: "
            "DSID-0C090A5C, comment: In order to perform this operation a successful bind must be "
            "completed on the connection (the session on %s has no network credentials: the WinRM "
            "double hop)" % (what, ctx.host), "InvalidOperation", "DirectoryServicesCOMException")
    return who
