"""ansible.windows.win_powershell's contract, for a payload the engine runs: parameters and
sensitive_parameters bound to param(), check mode as -WhatIf, and the result's output, error,
warning, verbose and host streams with $Ansible.Result / Changed / Failed, serialised to `depth`
the way the module's Convert-OutputObject does
(https://docs.ansible.com/ansible/latest/collections/ansible/windows/win_powershell_module.html)."""

import datetime
import uuid

from .. import coverage
from ..engine import values as V
from ..engine.errors import ParseError
from ..engine.operators import format_date


def serialise(value, depth):
    """An output object as win_powershell returns it: past `depth`, objects become their string."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, V.SwitchValue):
        return value.IsPresent
    if isinstance(value, datetime.datetime):
        return format_date(value, "o")  # $InputObject.ToString('o'): the offset follows the Kind
    if isinstance(value, uuid.UUID):
        return str(value)
    if depth < 0:
        return V.to_string(value)
    if isinstance(value, V.Hashtable):
        return {V.to_string(k): serialise(v, depth - 1) for k, v in value.items()}
    if isinstance(value, V.PSObject):
        return {V.to_string(k): serialise(v, depth - 1) for k, v in value.props.items()}
    if isinstance(value, (list, tuple)):
        return [serialise(v, depth - 1) for v in value]
    if isinstance(value, V.NetObject):
        return {k: serialise(v, depth - 1) for k, v in vars(value).items()
                if k[:1].isupper() and k != "TYPE_NAME" and not callable(v)}
    return V.to_string(value)


def error_record(record):
    """An ErrorRecord in win_powershell's `error` list format."""
    exception = record.Exception
    return {
        "output": exception.Message,
        "error_details": None,
        "exception": {"message": exception.Message, "type": exception.type_name, "help_link": None,
                      "source": "lab", "hresult": -2146233087, "inner_exception": None},
        "target_object": V.to_string(record.TargetObject) if record.TargetObject is not None else None,
        "category_info": {"category": record.CategoryInfo.Category, "category_id": 0, "activity": "",
                          "reason": exception.type_name.rsplit(".", 1)[-1], "target_name": "", "target_type": ""},
        "fully_qualified_error_id": record.FullyQualifiedErrorId,
        "script_stack_trace": record.ScriptStackTrace,
        "pipeline_iteration_info": [],
    }


def run(session, script, parameters, check_mode, depth, payload=None):
    """Run the payload text in the session; return the pieces of the module result."""
    engine = session.engine
    engine.coverage = set() if payload else None
    try:
        try:
            ran = engine.run(script, parameters, check_mode=check_mode)
        finally:
            if payload:
                coverage.record(payload, engine.coverage)
    except ParseError as exc:
        return {"failed": True, "changed": False, "result": {}, "output": [], "warning": [], "verbose": [],
                "host_out": "", "error": [{"output": str(exc), "exception": {"message": str(exc),
                                           "type": "System.Management.Automation.ParseException"},
                                           "category_info": {"category": "ParserError"},
                                           "fully_qualified_error_id": "ParseException"}]}
    return {"failed": ran.failed, "changed": ran.changed,
            "result": serialise(ran.result_raw, depth) if ran.result_raw is not None else {},
            "output": [serialise(v, depth) for v in ran.raw_output],
            "error": [error_record(r) for r in ran.errors],
            "warning": [V.to_string(w) for w in ran.warnings],
            "verbose": [V.to_string(v) for v in ran.verbose],
            "host_out": "\n".join(V.to_string(h) for h in ran.host)}
