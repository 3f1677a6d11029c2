"""Helpers for unit tests of action plugins: a fake task and a recording win_powershell."""

from unittest.mock import MagicMock

import pytest


class Recorder:
    """Stands in for ActionBase._execute_module: records each call, answers from a queue."""

    def __init__(self, answers=None):
        self.calls = []
        self.answers = list(answers or [])

    def __call__(self, module_name=None, module_args=None, task_vars=None, **kwargs):
        self.calls.append({"module_name": module_name, "module_args": module_args})
        if self.answers:
            answer = self.answers.pop(0)
            if isinstance(answer, Exception):
                raise answer
            return answer
        return {"failed": True, "msg": "recorder: no answer queued"}


def ok(result, changed=False):
    """A successful win_powershell result carrying one result object."""
    return {"changed": changed, "result": result, "output": [], "error": [], "warning": []}


def make_action(cls, args, recorder, check_mode=False):
    """An action plugin instance with a fake task whose remote calls go to recorder."""
    task = MagicMock()
    task.args = dict(args)
    task.check_mode = check_mode
    task.async_val = 0
    task.diff = False
    task.action = "lync.server.test"
    task.delegate_to = None
    connection = MagicMock()
    connection._shell.tmpdir = None
    action = cls(task, connection, MagicMock(check_mode=check_mode), loader=MagicMock(), templar=MagicMock(),
                 shared_loader_obj=MagicMock())
    action._execute_module = recorder
    return action


@pytest.fixture
def recorder():
    return Recorder()


# The smallest topology a manifest can record: no pools, stores or file stores. A complete set of it
# holds the three Central Management store exports (backup_set.required_items).
MINIMAL_TOPOLOGY = {"pools": [], "cms": {"pool": None}, "sql_stores": [], "file_stores": []}


def minimal_manifest(set_id, items=(), status="complete"):
    """A format-1 manifest of MINIMAL_TOPOLOGY: the CMS items (no files) plus `items`."""
    cms = [{"id": "%s:global" % kind, "kind": kind, "scope": "global", "host": "fe01.contoso.local", "status": "ok",
            "files": []} for kind in ("cms_config", "cms_lis", "cms_topology")]
    stamp = set_id.split("-")[1]
    started = "%s-%s-%sT%s:%s:%sZ" % (stamp[:4], stamp[4:6], stamp[6:8], stamp[9:11], stamp[11:13], stamp[13:15])
    return {"format": 1, "set_id": set_id, "status": status, "items": cms + list(items), "errors": [],
            "topology": MINIMAL_TOPOLOGY, "started": started}
