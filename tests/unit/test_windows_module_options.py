"""Every task of roles/, playbooks/ and tests/integration/targets/ that calls an ansible.windows, community.windows or
microsoft.ad module uses only options the REAL module documents.

ansible-lint skips the options of PowerShell modules on purpose, and the lab's stand-ins
could accept an option the real module does not have; so the options are checked here
against `ansible-doc --json <fqcn>` run on the real collections in .cache/collections
(never the lab's tests/lab/collections).
"""

import functools
import json
import os
import pathlib
import re
import subprocess
import sys

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
REAL_COLLECTIONS = ROOT / ".cache" / "collections"
WINDOWS_FQCN_RE = re.compile(r"\A(ansible\.windows|community\.windows|microsoft\.ad)\.[a-z0-9_]+\Z")
SHORT_WINDOWS_RE = re.compile(r"\A(win_[a-z0-9_]+|membership)\Z")
TASK_LISTS = ("tasks", "pre_tasks", "post_tasks", "handlers", "block", "rescue", "always")
# Keywords of a task that are not module options.
TASK_KEYWORDS = {"name", "when", "register", "loop", "loop_control", "vars", "become", "become_method", "become_user",
                 "become_flags", "delegate_to", "run_once", "tags", "notify", "ignore_errors", "changed_when",
                 "failed_when", "until", "retries", "delay", "no_log", "environment", "any_errors_fatal", "args",
                 "check_mode", "diff", "throttle", "timeout", "listen", "local_action", "module_defaults",
                 "delegate_facts", "async", "poll", "with_items", "ignore_unreachable"}


def yaml_files():
    files = sorted((ROOT / "roles").glob("*/tasks/*.yml")) + sorted((ROOT / "roles").glob("*/handlers/*.yml"))
    # The integration targets (tests/integration/targets, run by ansible-test on real Windows) too.
    files += sorted((ROOT / "tests" / "integration" / "targets").glob("*/tasks/*.yml"))
    return files + sorted((ROOT / "playbooks").glob("*.yml"))


def tasks_in(node):
    """Every task dict in a playbook, task file or block, recursively."""
    if isinstance(node, list):
        for item in node:
            yield from tasks_in(item)
    elif isinstance(node, dict):
        nested = [key for key in TASK_LISTS if key in node]
        if nested:
            for key in nested:
                yield from tasks_in(node[key])
        elif "hosts" not in node and "import_playbook" not in node:
            yield node


def windows_calls(tasks):
    """[(task name, fqcn, options)] of the calls to Windows collection modules; short names are errors."""
    found = []
    for task in tasks:
        for key, value in task.items():
            if WINDOWS_FQCN_RE.match(key):
                options = dict(value) if isinstance(value, dict) else value
                if isinstance(task.get("args"), dict):
                    options = dict(options or {}, **task["args"])
                found.append((task.get("name", "<unnamed>"), key, options))
            elif SHORT_WINDOWS_RE.match(key) and key not in TASK_KEYWORDS:
                found.append((task.get("name", "<unnamed>"), key, "short name: use the FQCN"))
    return found


@functools.lru_cache(maxsize=None)
def documented(fqcn):
    """The option names and aliases the real module documents."""
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(REAL_COLLECTIONS), ANSIBLE_COLLECTIONS_SCAN_SYS_PATH="false")
    proc = subprocess.run([str(pathlib.Path(sys.executable).parent / "ansible-doc"), "-t", "module", "--json", fqcn],
                          env=env, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, "ansible-doc does not know %s in %s: %s" % (fqcn, REAL_COLLECTIONS, proc.stderr)
    doc = json.loads(proc.stdout)[fqcn]["doc"]
    assert str(pathlib.Path(doc["filename"]).resolve()).startswith(str(REAL_COLLECTIONS.resolve())), \
        "%s was documented from %s, not from the real collection" % (fqcn, doc["filename"])
    names = set()
    for name, option in (doc.get("options") or {}).items():
        names.add(name)
        names.update(option.get("aliases") or [])
    return frozenset(names)


def problems_in(calls):
    problems = []
    for task, fqcn, options in calls:
        if isinstance(options, str):
            problems.append("%s: %s: %s" % (task, fqcn, options))
            continue
        unknown = sorted(set(options or {}) - documented(fqcn))
        if unknown:
            problems.append("%s: %s has no option %s (it documents: %s)"
                            % (task, fqcn, ", ".join(unknown), ", ".join(sorted(documented(fqcn)))))
    return problems


@pytest.mark.parametrize("path", yaml_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_windows_module_options_exist_in_the_real_modules(path):
    calls = windows_calls(tasks_in(yaml.safe_load(path.read_text(encoding="utf-8"))))
    assert problems_in(calls) == []


def test_the_roles_call_windows_modules_at_all():
    """The check above must have something to check."""
    calls = [c for p in yaml_files() for c in windows_calls(tasks_in(yaml.safe_load(p.read_text(encoding="utf-8"))))]
    used = {call[1] for call in calls}
    assert {"ansible.windows.win_feature", "ansible.windows.win_reboot", "microsoft.ad.membership"} <= used


def test_checker_catches_a_wrong_option_and_a_short_name():
    tasks = list(tasks_in([{"block": [{"name": "typo", "ansible.windows.win_feature": {"nam": "Web-Server"}},
                                      {"name": "short", "win_reboot": {}}]}]))
    problems = problems_in(windows_calls(tasks))
    assert any("win_feature has no option nam" in p for p in problems)
    assert any("short: win_reboot: short name" in p for p in problems)


def test_aliases_count_as_documented():
    assert "ipv4_addresses" in documented("ansible.windows.win_dns_client")
