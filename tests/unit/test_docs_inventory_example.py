"""docs/inventory.md's two-site example is a working inventory: Ansible loads it, and every host's pins,
combined as the clean_server and recovery roles combine them (lync_pins_common | combine(lync_pins), a
shallow merge), pass the same validation the roles apply. So the example cannot go stale."""

import pathlib
import re

from ansible.inventory.manager import InventoryManager
from ansible.parsing.dataloader import DataLoader
from ansible.vars.manager import VariableManager

from ansible_collections.lync.server.plugins.plugin_utils import pins as pinlib

DOC = pathlib.Path(__file__).resolve().parents[2] / "docs" / "inventory.md"


def two_site_yaml():
    """The YAML block that follows the heading '## A two-site deployment'."""
    text = DOC.read_text(encoding="utf-8")
    section = text.split("## A two-site deployment", 1)[1]
    found = re.search(r"```yaml\n(.*?)```", section, re.S)
    assert found, "docs/inventory.md: no YAML block under 'A two-site deployment'"
    return found.group(1)


def load(tmp_path, text):
    path = tmp_path / "inventory.yml"
    path.write_text(text, encoding="utf-8")
    loader = DataLoader()
    inventory = InventoryManager(loader=loader, sources=[str(path)])
    return inventory, VariableManager(loader=loader, inventory=inventory)


def combined_pins(variables):
    return dict(variables.get("lync_pins_common") or {}, **(variables.get("lync_pins") or {}))


def test_the_two_site_example_loads_and_every_host_has_valid_pins(tmp_path):
    inventory, variables = load(tmp_path, two_site_yaml())
    hosts = inventory.get_hosts()
    assert len(hosts) >= 10, [h.name for h in hosts]
    pinned = 0
    for host in hosts:
        host_vars = variables.get_vars(host=host)
        if "lync_pins" not in host_vars:
            continue
        pinned += 1
        pinlib.validate(combined_pins(host_vars), host.name)
    assert pinned >= 8, "the example pins the Lync servers of both sites"
    groups = {g.name for g in inventory.groups.values()}
    assert {"lync_front_ends", "lync_backup_servers"} <= groups


def test_the_check_fails_on_a_host_whose_own_dns_drops_the_common_server(tmp_path):
    """The rule the example follows (pins.md): a host's own `dns` replaces the common one."""
    inventory, variables = load(tmp_path, two_site_yaml())
    host = next(h for h in inventory.get_hosts() if "lync_pins" in variables.get_vars(host=h))
    host_vars = variables.get_vars(host=host)
    broken = dict(host_vars["lync_pins"], dns={"records": [{"name": "x", "type": "A", "value": "10.0.0.9"}]})
    try:
        pinlib.validate(dict(host_vars.get("lync_pins_common") or {}, **broken), host.name)
    except pinlib.PinsError as exc:
        assert "dns" in str(exc)
    else:
        raise AssertionError("a dns without its server must be refused")
