"""Run a stand-in module's work as a lab host, under the lab lock (for modules other than win_powershell)."""

import time

from . import calls
from . import faults as faultlib
from .context import Context
from .errors import PSError
from .state import Lab


def run_on_host(env, fault_list, module_name, work):
    """Call work(ctx) with the state locked; injected `fail` faults for module_name raise PSError."""
    lab = Lab(env["LYNC_LAB_STATE"])
    with calls.recorded(env["LYNC_LAB_HOST"], module_name):
        with lab.locked() as state:
            fault = faultlib.active(fault_list, module_name, {}, state, env["LYNC_LAB_HOST"], ("fail",))
            if fault:
                raise PSError(fault.get("message") or "lab fault: %s failed" % module_name)
            # A `slow` fault's per-byte cost (no per-call delay here: faults.py).
            slow = faultlib.active(fault_list, module_name, {}, state, env["LYNC_LAB_HOST"], ("slow",))
            if slow and slow.get("seconds_per_mb"):
                calls.count_bytes()
            ctx = Context(lab, state, env["LYNC_LAB_HOST"], False, fault_list, module_name)
            result = work(ctx)
        delay = faultlib.transfer_delay(slow, calls.network_bytes())
        if delay:
            time.sleep(delay)
        return result
