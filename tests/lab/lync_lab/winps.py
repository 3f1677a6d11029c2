"""What the stand-in ansible.windows.win_powershell does in the lab.

It accepts only lync.server payloads whose text is byte-identical to the payload file
(so the lab proves that user values never reach script text), refuses a script PowerShell
would not parse, applies the inventory's faults, runs the payload's own text in the lab's
PowerShell engine over the lab state (lync_lab.boundary), and answers in win_powershell's
result format.
"""

import functools
import os
import pathlib
import time

from . import boundary
from . import calls
from . import faults as faultlib
from . import netid, psparse, replication
from .context import Context
from .errors import PSError
from .boundary.winpowershell import run as engine_run
from .state import Lab
from .values import Credential, Secure

COLLECTION_ROOT = pathlib.Path(__file__).resolve().parents[3]
PAYLOAD_DIR = COLLECTION_ROOT / "plugins" / "plugin_utils" / "payloads"


def _base():
    return {"changed": False, "result": {}, "output": [], "error": [], "warning": [], "verbose": [],
            "debug": [], "information": [], "host_out": "", "host_err": ""}


def payload_text(name):
    """The text of payload `name` as the lab runs it."""
    return (pathlib.Path(PAYLOAD_DIR) / (name + ".ps1")).read_text(encoding="utf-8")


def _payload_text(script):
    name = psparse.header_name(script or "")
    if not name:
        raise PSError("lab: only lync.server payloads are simulated; this script has no '# lync-payload:' header")
    path = pathlib.Path(PAYLOAD_DIR) / (name + ".ps1")
    if not path.exists():
        raise PSError("lab: no payload file %s" % path)
    if path.read_bytes() != script.encode("utf-8"):
        raise PSError("lab: the script text for %s differs from %s; user values must travel as parameters"
                      % (name, path))
    # Lab model rule: PowerShell parses the whole script before it runs a line of it, so a
    # script it cannot parse fails as a ParserError and nothing runs (about_Parsing:
    # https://learn.microsoft.com/powershell/module/microsoft.powershell.core/about/about_parsing).
    script = mutant_text(name) or script
    problems = _parse_errors(script)
    if problems:
        raise PSError("At line:%d char:1\n%s" % problems[0], category="ParserError",
                      error_id="ParseException")
    return name, script


def mutant_text(name):
    """A planted defect: with LYNC_LAB_MUTANT_DIR set (by a test), the lab runs <dir>/<name>.ps1 in
    place of the payload the collection sent, so a test can show that the lab fails on a defect in
    the payload's own text. Only tests set it; the collection's text is checked first all the same."""
    folder = os.environ.get("LYNC_LAB_MUTANT_DIR")
    path = pathlib.Path(folder) / (name + ".ps1") if folder else None
    return path.read_text(encoding="utf-8") if path is not None and path.is_file() else None


@functools.lru_cache(maxsize=64)
def _parse_errors(script):
    return tuple(psparse.syntax_errors(script))


def _engine_parameters(params):
    """win_powershell's parameters and sensitive_parameters as the script receives them: a
    sensitive entry with a username is a PSCredential, one with a value a SecureString."""
    given = dict(params.get("parameters") or {})
    for entry in params.get("sensitive_parameters") or []:
        if entry.get("username") is not None:
            given[entry["name"]] = Credential(entry["username"], entry.get("password"))
        else:
            given[entry["name"]] = Secure(entry.get("value") or "")
    return given


def run(params, check_mode, state_path, host, fault_list):
    """Run one win_powershell call in the lab and return the module result."""
    with calls.recorded(host, psparse.header_name(params.get("script") or "") or "win_powershell"):
        result = _run(params, check_mode, state_path, host, fault_list)
        calls.note_sizes(params.get("parameters"), result.get("result"))
        return result


def _run(params, check_mode, state_path, host, fault_list):
    """run() without the call record."""
    result = _base()
    if params.get("path"):
        result.update(failed=True, msg="lab: win_powershell path= is not simulated; lync.server sends script=")
        return result
    script = params.get("script")
    try:
        name, script = _payload_text(script)
    except PSError as err:
        result.update(failed=True, error=[err.record()])
        return result
    if check_mode and not psparse.supports_should_process(script):
        result.update(changed=True, msg="skipped, running in check mode")
        return result

    lab = Lab(state_path)
    given = _engine_parameters(params)
    delay = 0
    fault = None
    with lab.locked() as state:
        try:
            fault = faultlib.active(fault_list, name, given, state, host, ("fail", "malformed", "slow", "hang"))
            if fault and fault["kind"] == "fail":
                raise PSError(fault.get("message") or "lab fault: %s failed on %s" % (name, host))
            if fault and fault["kind"] in ("slow", "hang"):
                delay = float(fault.get("seconds", 3600 if fault["kind"] == "hang" else 2))
            if fault and fault.get("seconds_per_mb"):
                calls.count_bytes()
            ctx = Context(lab, state, host, check_mode, fault_list, name)
            takeover = faultlib.active(fault_list, name, given, state, host, ("takeover",))
            if takeover:
                faultlib.take_over(ctx, takeover)
            # The payload's own text runs in the engine: PowerShell's binder binds the parameters.
            with netid.session(ctx):  # the payload's identity on other servers (the double hop)
                ran = engine_run(boundary.open_session(ctx), script, given, check_mode, int(params.get("depth") or 2),
                                 payload=name)
            replication.replicate(state)
            if fault and fault["kind"] == "malformed":
                ran["result"] = "lab fault: malformed result"
            result.update(ran)
        except PSError as err:
            result.update(failed=True, error=[err.record()])
    if fault and fault["kind"] == "slow":
        delay += faultlib.transfer_delay(fault, calls.network_bytes())
    if delay:
        time.sleep(delay)
    return result
