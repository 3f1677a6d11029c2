"""Whatever a user gives any action plugin, the script sent is a payload file, byte for byte.

Every string option of every action plugin gets hostile text (quotes, $(...), backticks,
semicolons, newlines, unicode); every script that reaches win_powershell must be one of
the payload files unchanged, and must not contain the text the user gave.
"""

import importlib
import pathlib

import pytest
from ansible.errors import AnsibleError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.lync.server.plugins.plugin_utils import payload as door

from ...conftest import Recorder, make_action

ROOT = pathlib.Path(door.__file__).resolve().parents[2]
ACTIONS = sorted(p.stem for p in (ROOT / "plugins" / "action").glob("*.py") if p.stem != "__init__")
PAYLOAD_TEXTS = {p.read_text(encoding="utf-8") for p in pathlib.Path(door.PAYLOAD_DIR).glob("*.ps1")}
HOSTILE = st.one_of(
    st.text(min_size=1),
    st.sampled_from(["x'; Remove-Item C:\\ -Recurse; 'y", "$(Stop-Computer -Force)", "`$env:TEMP`n",
                     "a;b\r\nc", "\u202eevil\u0000", "\\\\server\\share'$(x)", "@{A=1}"]),
)


def hostile_args(spec, data):
    args = {}
    for name, option in spec.items():
        kind = option.get("type", "str")
        if kind in ("str", "path", "raw"):
            args[name] = data.draw(HOSTILE)
        elif kind == "list" and option.get("elements", "str") == "str":
            args[name] = data.draw(st.lists(HOSTILE, min_size=1, max_size=3))
    return args


def test_there_are_action_plugins():
    assert ACTIONS


@pytest.mark.parametrize("name", ACTIONS)
@settings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(data=st.data())
def test_scripts_are_payload_files(name, data):
    module = importlib.import_module("ansible_collections.lync.server.plugins.action." + name)
    args = hostile_args(module.ARGUMENT_SPEC, data)
    recorder = Recorder()  # answers every call with a failure, so the plugin stops after its first call
    try:
        make_action(module.ActionModule, args, recorder).run(task_vars={"inventory_hostname": "h"})
    except AnsibleError:
        pass
    for call in recorder.calls:
        script = call["module_args"]["script"]
        assert script in PAYLOAD_TEXTS
        for value in args.values():
            for text in value if isinstance(value, list) else [value]:
                if len(text) > 12:
                    assert text not in script
