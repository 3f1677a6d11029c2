"""Bind win_powershell parameters to a payload's param() block the way PowerShell does.

The lab refuses what PowerShell would refuse: an unknown parameter name, a missing
mandatory parameter, a value of the wrong type, a secret sent as plain text.
"""

from .errors import PSError
from .values import Credential, Secure


def _convert(name, kind, value):
    def bad():
        return PSError("Cannot process argument transformation on parameter '%s'. Cannot convert value %r to "
                       "the expected type." % (name, type(value).__name__), "InvalidData",
                       "ParameterArgumentTransformationError")
    if value is None or kind == "any":
        return value
    if kind == "string":
        if isinstance(value, (dict, list)):
            raise bad()
        return value if isinstance(value, str) else str(value).lower() if isinstance(value, bool) else str(value)
    if kind in ("switch", "bool"):
        if not isinstance(value, bool):
            raise bad()
        return value
    if kind == "int":
        if isinstance(value, bool):
            raise bad()
        try:
            return int(value)
        except (TypeError, ValueError):
            raise bad() from None
    if kind == "list":
        items = value if isinstance(value, list) else [value]
        return [item if isinstance(item, (dict, str)) else str(item) for item in items]
    if kind == "dict":
        if not isinstance(value, dict):
            raise bad()
        return value
    if kind in ("secure", "credential"):
        if not isinstance(value, (Secure, Credential)):
            raise PSError("Cannot convert the \"%s\" value of type \"System.String\" to type \"%s\"."
                          % (name, "SecureString" if kind == "secure" else "PSCredential"), "InvalidArgument")
        return value
    raise bad()


def bind(spec, parameters, sensitive_parameters):
    """Return {name: value} bound to spec, or raise PSError as PowerShell would."""
    given = dict(parameters or {})
    for entry in sensitive_parameters or []:
        if entry.get("username") is not None:
            given[entry["name"]] = Credential(entry["username"], entry.get("password"))
        else:
            given[entry["name"]] = Secure(entry.get("value") or "")
    names = {name.lower(): name for name in spec}
    bound = {}
    for key, value in given.items():
        if key in ("WhatIf", "Confirm"):
            continue
        real = names.get(key.lower())
        if real is None:
            raise PSError("A parameter cannot be found that matches parameter name '%s'." % key,
                          "InvalidArgument", "NamedParameterNotFound")
        bound[real] = _convert(real, spec[real]["kind"], value)
    missing = [name for name, info in spec.items() if info["mandatory"] and bound.get(name) in (None, "", [])]
    if missing:
        raise PSError("Cannot process command because of one or more missing mandatory parameters: %s."
                      % " ".join(missing), "InvalidArgument", "MissingMandatoryParameter")
    return bound
