# Copyright: (c) 2026, lync.server maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Record every task result as JSON so lab tests assert on data, not on screen text."""

from __future__ import annotations

DOCUMENTATION = r"""
name: record
type: notification
short_description: Write every task result of a run to a JSON file (lab tests)
description:
  - Appends one JSON object per task result (host, task name, action, status, result) to the
    file named by the environment variable E(LYNC_LAB_RECORD).
author: lync.server maintainers (@lync-server)
requirements:
  - LYNC_LAB_RECORD set to a writable file path
"""

import json
import os

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    """Append task results to $LYNC_LAB_RECORD as JSON lines."""

    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "notification"
    CALLBACK_NAME = "lab.lync.record"
    CALLBACK_NEEDS_ENABLED = True

    def _write(self, status, result):
        path = os.environ.get("LYNC_LAB_RECORD")
        if not path:
            return
        entry = {
            "host": result._host.get_name(),
            "task": result._task.get_name(),
            "action": result._task.action,
            "status": status,
            "result": result._result,
            # The task's arguments as the worker ran them (templated): their JSON size, for tests that bound
            # what travels through task arguments.
            "args_bytes": len(json.dumps(getattr(result._task, "args", None) or {}, default=str)),
        }
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(entry, default=str) + "\n")

    def v2_runner_on_ok(self, result):
        self._write("ok", result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._write("failed", result)

    def v2_runner_on_unreachable(self, result):
        self._write("unreachable", result)

    def v2_runner_on_skipped(self, result):
        self._write("skipped", result)
