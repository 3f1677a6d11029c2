"""Every role task whose payload may reach another server carries the collection's network identity.

A WinRM session without delegation has no credentials for a second server (Microsoft, "Making the
second hop in PowerShell Remoting":
https://learn.microsoft.com/en-us/powershell/scripting/security/remoting/ps-remoting-second-hop).
The Lync cmdlets read the Central Management store on its SQL Server and Active Directory with the
caller's identity, so a module that reaches SQL Server, the CMS, AD or a share must run inside
become runas logon_type=new_credentials as <role>_network_user (docs/architecture.md, "Network
identity"). This walks every role from tasks/main.yml through blocks and include_tasks, so a task
put outside the credentials block (as roles/discover had it at 1a7fef5) fails here.
"""

import pathlib

import pytest
import yaml

from ansible_collections.lync.server.plugins.plugin_utils import network_identity

ROOT = pathlib.Path(__file__).resolve().parents[2]

# Modules whose payloads touch only the host they run on (or need no payload): the host probe
# (local SQL instances; the computer account through the machine's own secure channel), DNS by
# query, DHCP read on the DHCP server itself, local markers and services, pure comparisons, the free space of a
# share read on the server that holds it (CIM on that host).
LOCAL_ONLY = {"lync_clean_check", "lync_network_info", "lync_pins_check", "lync_recovery_marker", "lync_services",
              "lync_share_space"}
# Other collections' modules that read or write a share on another server in these roles (the
# installation media, file-store copies).
SHARE_MODULES = {"community.windows.win_robocopy", "ansible.windows.win_package"}
BLOCK_KEYS = ("block", "rescue", "always")

# roles/discover/tasks/main.yml at 1a7fef5 (the old text), first task.
OLD_DISCOVER = """
- name: Gather Lync facts (topology from Front Ends, host facts everywhere)
  lync.server.lync_facts:
    gather_subset: "{{ ['all'] if inventory_hostname in groups[discover_front_end_group] | default([]) else ['host'] }}"
"""


def _carries_network_identity(task):
    flags = str(task.get("become_flags", ""))
    user = str(task.get("become_user", ""))
    password = str((task.get("vars") or {}).get("ansible_become_password", ""))
    return (task.get("become_method") == "ansible.builtin.runas" and "logon_type=new_credentials" in flags
            and user.replace(" ", "").endswith("_network_user}}")
            and password.replace(" ", "").endswith("_network_password}}")
            and "_network_become" in str(task.get("become", "")))


def _module(task):
    for key in task:
        if key.startswith("lync.server."):
            return key[len("lync.server."):]
    return None


def _needs_network_identity(task):
    if any(key in SHARE_MODULES for key in task):
        return True
    module = _module(task)
    if module is None or module in LOCAL_ONLY:
        return False
    if module == "lync_facts":  # only the topology probe leaves the host
        return task[_module_key(task)].get("gather_subset") != "host"
    return True


def _module_key(task):
    return "lync.server." + _module(task)


def _included(role_dir, include):
    """The task files an include_tasks may name: a templated name (stage_{{ ... }}.yml) may be any
    file that starts and ends like it."""
    if "{{" not in include:
        return [role_dir / "tasks" / include]
    head, tail = include.split("{{", 1)[0], include.rsplit("}}", 1)[-1]
    found = sorted((role_dir / "tasks").glob("%s*%s" % (head, tail)))
    assert found, include
    return found


def uncovered(tasks, role_dir, covered=False, where="main.yml"):
    """[(file, task name)] of tasks that need network credentials and run without them."""
    found = []
    for task in tasks or []:
        inside = covered or _carries_network_identity(task)
        if any(key in task for key in BLOCK_KEYS):
            for key in BLOCK_KEYS:
                found += uncovered(task.get(key), role_dir, inside, where)
            continue
        include = task.get("ansible.builtin.include_tasks") or task.get("ansible.builtin.import_tasks")
        if include:
            for path in _included(role_dir, include):
                found += uncovered(yaml.safe_load(path.read_text()), role_dir, inside, path.name)
            continue
        if _needs_network_identity(task) and not inside:
            found.append((where, task.get("name")))
    return found


ROLES = sorted(p for p in (ROOT / "roles").iterdir() if (p / "tasks" / "main.yml").exists())


@pytest.mark.parametrize("role_dir", ROLES, ids=[p.name for p in ROLES])
def test_every_task_that_reaches_another_server_carries_the_network_identity(role_dir):
    tasks = yaml.safe_load((role_dir / "tasks" / "main.yml").read_text())
    assert uncovered(tasks, role_dir) == []


@pytest.mark.parametrize("role_dir", ROLES, ids=[p.name for p in ROLES])
def test_every_role_names_the_network_identity_in_defaults_and_argument_specs(role_dir):
    names = ["%s_network_%s" % (role_dir.name, k) for k in ("become", "user", "password")]
    defaults = yaml.safe_load((role_dir / "defaults" / "main.yml").read_text())
    options = yaml.safe_load((role_dir / "meta" / "argument_specs.yml").read_text())["argument_specs"]["main"]["options"]
    for name in names:
        assert name in defaults and name in options, name
    # The collection-wide names come first, the deprecated ones still work.
    assert "lync_network_user" in defaults[names[1]] and "lync_share_user" in defaults[names[1]]
    assert "lync_network_password" in defaults[names[2]] and "lync_share_password" in defaults[names[2]]
    assert options[names[2]].get("no_log") is True


def test_the_old_discover_task_is_flagged():
    """The check fails on the old text: lync_facts outside any network-credentials block."""
    role_dir = ROOT / "roles" / "discover"
    assert uncovered(yaml.safe_load(OLD_DISCOVER), role_dir) == [
        ("main.yml", "Gather Lync facts (topology from Front Ends, host facts everywhere)")]


def test_host_facts_alone_need_no_network_identity():
    tasks = yaml.safe_load("""
- name: Gather host facts
  lync.server.lync_facts:
    gather_subset: host
""")
    assert uncovered(tasks, ROOT / "roles" / "recovery") == []


@pytest.mark.parametrize("task_vars, warned", [
    ({"lync_share_user": "CONTOSO\\svc", "lync_share_password": "secret-value"}, True),
    ({"lync_share_become": False}, True),
    ({"lync_network_user": "CONTOSO\\svc", "lync_share_user": "CONTOSO\\svc"}, False),
    ({"lync_network_user": "CONTOSO\\svc"}, False),
    ({}, False),
])
def test_only_the_deprecated_names_warn(task_vars, warned):
    result = network_identity.warn({}, task_vars)
    assert bool(result.get("warnings")) is warned
    if warned:
        message = result["warnings"][0]
        assert "deprecated" in message and "lync_network_" in message and "2.0.0" in message
        assert "secret-value" not in message and "CONTOSO" not in message  # names only, never a value
