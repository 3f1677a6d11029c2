# Copyright: (c) 2026, lync.server maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bounds on remote calls (the task keyword ``timeout``).

Every task of the roles that runs on a Windows host has a bound from its role's ``<role>_timeouts``
dictionary and names the key it uses in the task variable ``<role>_bound``. A call past its bound is
stopped by ansible-core; this module recognises such a result and words the failure so that it says
"timed out", which bound stopped it and what to raise.

ansible-core 2.19 reports a task timeout with a ``timedout`` key (``{"period": <seconds>}``);
2.16 to 2.18 only say it in ``msg``: "The <action> action failed to execute in the expected time frame
(<seconds>) and was terminated".
"""

from __future__ import annotations

import re
from collections.abc import Mapping

# ansible-core before 2.19: "The <action> action failed to execute in the expected time frame (<n>) and was terminated".
TIMEOUT_MSG_RE = re.compile(r"failed to execute in the expected time frame \((\d+)\)")


def _one_line(text):
    return " ".join(str(text).split())


def period(result):
    """The bound (seconds) after which the task keyword `timeout` stopped the call of `result`, or None when
    it was not stopped by its bound. A loop's result is timed out when one of its items is."""
    if not isinstance(result, Mapping):
        return None
    timed_out = result.get("timedout")
    if timed_out:
        value = timed_out.get("period") if isinstance(timed_out, Mapping) else timed_out
        return value if value is not True else "?"
    found = TIMEOUT_MSG_RE.search(_one_line(result.get("msg") or ""))
    if found:
        return int(found.group(1))
    for item in result.get("results") or []:
        found = period(item)
        if found is not None:
            return found
    return None


def _failure_text(result):
    """The failure's own message (a loop's: its failed items' messages)."""
    texts = [_one_line(item.get("msg")) for item in result.get("results") or []
             if isinstance(item, Mapping) and item.get("failed") and item.get("msg")]
    return "; ".join(texts) or _one_line(result.get("msg") or "failed")


def failure_message(result, task, bounds, context=""):
    """The message a rescued remote call fails with.

    `result` is ``ansible_failed_result``, `task` ``ansible_failed_task`` (either may be missing on a host
    that only stopped with the play), `bounds` the name of the role's timeouts dictionary
    (``recovery_timeouts``): the task names its key in the task variable ``<prefix>_bound``
    (``recovery_bound``). `context` is appended (what stopped, what a rerun does)."""
    result = result if isinstance(result, Mapping) else {}
    task = task if isinstance(task, Mapping) else {}
    tail = (" " + _one_line(context)) if context else ""
    if not result:
        return "stopped with the play: a task that runs once for every host failed (see above).%s" % tail
    name = task.get("name") or "a task"
    seconds = period(result)
    if seconds is None:
        return "%s failed: %s.%s" % (name, _failure_text(result).rstrip("."), tail)
    bound_var = (bounds[:-len("timeouts")] if bounds.endswith("timeouts") else bounds + "_") + "bound"
    key = (task.get("vars") or {}).get(bound_var)
    setting = "%s.%s" % (bounds, key) if key else bounds
    return ("%s timed out after %s seconds (%s): the host did not answer within the bound, so the call was stopped "
            "(it may still be running on the host: make sure it has finished or been stopped before running again). "
            "If the work needs more time (more data, a slower share or SQL Server), raise %s (give the whole %s "
            "dictionary); if it should have been quick, find out why the host hangs.%s"
            % (name, seconds, setting, setting, bounds, tail))
