# Copyright: (c) 2026, lync.server maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one door to Windows.

Every piece of remote work in this collection goes through :func:`run_payload`: it loads
a payload script by name from ``payloads/``, runs it through
``ansible.windows.win_powershell`` with the caller's values passed as ``parameters``
(secrets as ``sensitive_parameters``), and returns the payload's single result object.
User values never become script text, so nothing a user types can change what runs.
Every way the remote side can fail is turned into one :class:`PayloadError` whose
message names the payload and the host. What a payload (or a cmdlet it calls) writes with
Write-Warning is kept on the action (:func:`payload_warnings`) and shown as the task's warnings.
"""

from __future__ import annotations

import os
import re

from ansible.errors import AnsibleActionFail, AnsibleConnectionFailure
from ansible.utils.display import Display

PAYLOAD_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "payloads")
HEADER_RE = re.compile(r"\A# lync-payload: (?P<name>[a-z][a-z0-9_]*)\r?\n")
PROBE_RE = re.compile(r"\[CmdletBinding\(\s*SupportsShouldProcess(\s*=\s*\$true)?\s*\)\]", re.IGNORECASE)
NAME_RE = re.compile(r"\A[a-z][a-z0-9_]*\Z")

# Payloads that need the Lync Server Management Shell throw this marker when neither
# the Lync (2013) nor the SkypeForBusiness (2015/2019) module is installed.
SHELL_MISSING_MARKER = "LYNC_SHELL_MISSING"

# win_powershell flattens result objects deeper than `depth` into strings (default 2);
# our results are nested documents, so ask for enough depth to keep them whole.
RESULT_DEPTH = 12

_CACHE = {}

# Where run_payload keeps the warnings of the payloads an action ran (see payload_warnings).
_WARNINGS_ATTR = "_lync_payload_warnings"
MASK = "********"


class PayloadError(AnsibleActionFail):
    """A payload could not be run or did not return a usable result."""


class PayloadUnreachable(PayloadError):
    """The host did not answer (the connection failed or dropped): the payload may not have run."""


class Payload:
    """A payload script as it lies on disk; its text is sent to the host unchanged."""

    def __init__(self, name, path, text):
        self.name = name
        self.path = path
        self.text = text
        # Read-only probes declare SupportsShouldProcess; win_powershell runs only
        # those in check mode (with -WhatIf), and so do we.
        self.is_probe = bool(PROBE_RE.search(text))


class PayloadResult:
    """What a payload returned: its result object, whether it changed something, warnings."""

    def __init__(self, value, changed, warnings):
        self.value = value
        self.changed = changed
        self.warnings = warnings


def load_payload(name):
    """Return the named payload, checking that the file declares the same name."""
    if not isinstance(name, str) or not NAME_RE.match(name):
        raise PayloadError("invalid payload name %r" % (name,))
    if name not in _CACHE:
        path = os.path.join(PAYLOAD_DIR, name + ".ps1")
        try:
            with open(path, "rb") as handle:
                text = handle.read().decode("utf-8")
        except OSError as exc:
            raise PayloadError("payload %s is not part of this collection (%s)" % (name, exc)) from exc
        match = HEADER_RE.match(text)
        if not match or match.group("name") != name:
            raise PayloadError("payload file %s does not start with '# lync-payload: %s'" % (path, name))
        _CACHE[name] = Payload(name, path, text)
    return _CACHE[name]


class SensitiveEntry(dict):
    """One sensitive_parameters entry. With ANSIBLE_DEBUG, ActionBase._execute_module logs its module
    arguments with "%s" (ansible/plugins/action/__init__.py, "done with _execute_module"); the entry's
    repr masks the secret, while the JSON sent to the module, built from the dict's items, keeps it.
    Debug mode is documented as unsafe for secrets anyway (docs/architecture.md, "Secrets")."""

    def __repr__(self):
        return repr({k: ("********" if k in ("value", "password") else v) for k, v in self.items()})

    __str__ = __repr__


def _sensitive(secrets, credentials):
    """Build win_powershell sensitive_parameters: SecureString values and PSCredentials."""
    entries = []
    for pname, value in sorted((secrets or {}).items()):
        entries.append(SensitiveEntry(name=pname, value=value))
    for pname, (username, password) in sorted((credentials or {}).items()):
        entries.append(SensitiveEntry(name=pname, username=username, password=password))
    return entries


def _error_text(result):
    """The most useful one-line description of a failed win_powershell result."""
    for record in result.get("error") or []:
        exception = record.get("exception") or {}
        text = exception.get("message") or record.get("output") or ""
        if text:
            return " ".join(str(text).split())
    return " ".join(str(result.get("msg") or "unknown error").split())


def _uses_share(value):
    """True when a parameter value, or any value nested in it, is a UNC path."""
    if isinstance(value, str):
        return value.startswith("\\\\")
    if isinstance(value, dict):
        return any(_uses_share(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_uses_share(v) for v in value)
    return False


# What SQL Server and Active Directory answer a WinRM session that has no credentials for a second
# server (Kerberos/NTLM without delegation): SQL Server error 18456 for the anonymous logon, and
# LDAP's "operations error" (000004DC, no successful bind) from the domain controller.
_SECOND_HOP_ERRORS = ("nt authority\\anonymous logon", "successful bind must be completed", "000004dc")


def _double_hop_hint(text, parameters):
    """Access denied on a UNC path, or an anonymous login to SQL Server or AD, from a WinRM session
    is usually the double hop; say how to fix it."""
    lowered = text.lower()
    uses_share = _uses_share(parameters or {})
    if uses_share and "denied" in lowered:
        return (" (a WinRM session reaches a share on another server only with network credentials: run the "
                "task with become_method ansible.builtin.runas and become_flags 'logon_type=new_credentials "
                "logon_flags=netcredentials_only'; see docs/backup.md)")
    if any(marker in lowered for marker in _SECOND_HOP_ERRORS):
        return (" (the WinRM session has no credentials for SQL Server, the Central Management store or Active "
                "Directory on another server - the double hop: run the task with the collection's network "
                "identity, lync_network_user, through become_method ansible.builtin.runas and become_flags "
                "'logon_type=new_credentials logon_flags=netcredentials_only', or declare a connection that "
                "delegates credentials (CredSSP, Kerberos delegation); see docs/architecture.md, Network identity)")
    return ""


def _host_name(action, task_vars):
    """The host the payload really runs on: the delegate, if the task is delegated."""
    delegate = getattr(action._task, "delegate_to", None)
    if isinstance(delegate, str) and delegate and "{{" not in delegate:
        return delegate
    return str((task_vars or {}).get("inventory_hostname", "<unknown host>"))


def _masked(text, secrets, credentials):
    """text with every secret value and credential password replaced by the mask."""
    values = list((secrets or {}).values()) + [pair[1] for pair in (credentials or {}).values()]
    for value in sorted((str(v) for v in values if v not in (None, "")), key=len, reverse=True):
        text = text.replace(value, MASK)
    return text


def _keep_warnings(action, where, result, secrets, credentials):
    """Keep what the payload wrote to the warning stream, with the payload and host named, secrets masked."""
    texts = [_masked(" ".join(str(text).split()), secrets, credentials) for text in result.get("warning") or []]
    kept = getattr(action, _WARNINGS_ATTR, None)
    if kept is None:
        kept = []
        setattr(action, _WARNINGS_ATTR, kept)
    for text in texts:
        line = "%s: %s" % (where, text)
        if line not in kept:
            kept.append(line)
    return texts


def reset_warnings(action):
    """Forget the payload warnings kept on action (at the start of a task run)."""
    setattr(action, _WARNINGS_ATTR, [])


def payload_warnings(action):
    """The warnings the payloads of this action wrote, in order: 'payload <name> on <host>: <text>'."""
    return list(getattr(action, _WARNINGS_ATTR, None) or [])


def add_warnings(action, result):
    """Append the action's payload warnings to result['warnings'] (the task's warnings); return result."""
    kept = payload_warnings(action)
    if kept:
        warnings = list(result.get("warnings") or [])
        result["warnings"] = warnings + [w for w in kept if w not in warnings]
    return result


def display_warnings(action):
    """Show the action's payload warnings now: for a task that fails, whose result the exception replaces."""
    display = Display()
    for warning in payload_warnings(action):
        display.warning(warning)


def run_payload(action, task_vars, name, parameters=None, secrets=None, credentials=None, required_keys=()):
    """Run payload `name` on the task's host and return a PayloadResult.

    action       -- the calling ActionBase (its connection and check mode are used)
    parameters   -- {PowerShell parameter name: value}; values travel as data
    secrets      -- {parameter name: str} sent as SecureString, never logged
    credentials  -- {parameter name: (username, password)} sent as PSCredential
    required_keys -- keys the result object must carry, else the result is malformed
    """
    payload = load_payload(name)
    host = _host_name(action, task_vars)
    where = "payload %s on %s" % (name, host)
    if action._task.check_mode and not payload.is_probe:
        raise PayloadError("%s: refusing to run a payload that changes the host in check mode" % where)

    module_args = {
        "script": payload.text,
        "parameters": dict(parameters or {}),
        "error_action": "stop",
        "depth": RESULT_DEPTH,
    }
    sensitive = _sensitive(secrets, credentials)
    if sensitive:
        module_args["sensitive_parameters"] = sensitive

    try:
        result = action._execute_module(
            module_name="ansible.windows.win_powershell",
            module_args=module_args,
            task_vars=task_vars,
        )
    except AnsibleConnectionFailure as exc:
        raise PayloadUnreachable("%s: host unreachable: %s" % (where, " ".join(str(exc).split()))) from exc

    # Kept before any failure check: a warning often explains the failure that follows it.
    warnings = _keep_warnings(action, where, result, secrets, credentials)

    if result.get("unreachable"):
        raise PayloadUnreachable("%s: host unreachable: %s" % (where, result.get("msg", "")))
    if result.get("failed"):
        text = _error_text(result)
        if SHELL_MISSING_MARKER in text:
            raise PayloadError(
                "%s: the Lync Server Management Shell is not installed on this host "
                "(neither the Lync nor the SkypeForBusiness PowerShell module was found)" % where)
        raise PayloadError("%s failed: %s%s" % (where, text, _double_hop_hint(text, parameters)))

    value = result.get("result")
    if not isinstance(value, dict) or not value:
        raise PayloadError("%s returned a malformed result: expected one result object, got %s"
                           % (where, type(value).__name__ if value is not None else "nothing"))
    missing = [key for key in required_keys if key not in value]
    if missing:
        raise PayloadError("%s returned a malformed result: missing %s" % (where, ", ".join(missing)))
    return PayloadResult(value, bool(result.get("changed")), warnings)
