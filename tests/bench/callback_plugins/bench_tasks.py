"""Callback for the bench (tests/bench/backup_bench.py): when each task starts, one JSON line in the file
named by LYNC_BENCH_TASKS ({"time", "name", "action", "role", "state"}), so the bench can tell which
phase of the backup a recorded remote call belongs to. Enabled only by the bench."""

import json
import os
import time

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = """
name: bench_tasks
type: aggregate
short_description: the start of every task, for the backup bench
description: Writes one JSON line per task start to the file named by LYNC_BENCH_TASKS.
"""


class CallbackModule(CallbackBase):
    """Task starts, for the bench."""

    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "bench_tasks"
    CALLBACK_NEEDS_ENABLED = True

    def _write(self, record):
        path = os.environ.get("LYNC_BENCH_TASKS")
        if path:
            with open(path, "a", encoding="utf-8") as handle:
                handle.write(json.dumps(record) + "\n")

    def v2_playbook_on_task_start(self, task, is_conditional):
        role = task._role.get_name() if task._role else None  # pylint: disable=protected-access
        state = task.args.get("state") if isinstance(task.args, dict) else None
        self._write({"time": time.time(), "name": task.get_name(), "action": task.action, "role": role,
                     "state": state if isinstance(state, str) else None})

    def v2_playbook_on_stats(self, stats):
        self._write({"time": time.time(), "name": "(end of the run)", "action": None, "role": None, "state": None})
