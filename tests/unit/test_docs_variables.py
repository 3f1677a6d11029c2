"""Every variable the user-facing docs tell a user to set is one the collection really reads.

A survey question, an `-e name=...` or a group_vars line whose variable no role reads does
nothing, silently. So each variable the docs (README.md and docs/*.md, not the rendered
reference) ask a user to set -- in `-e` arguments, in the `variable` column of a table, and as
keys of YAML examples of inventories, group_vars and credential injectors, and in inline code
that sets one (`name: value`, `name=value`) -- must be

* an option of a role's meta/argument_specs.yml,
* a `lync_*` variable a role's defaults or argument spec reads (the common inventory names,
  such as lync_backup_root, that several roles take their defaults from),
* a variable a collection playbook reads (its host pattern, such as lync_backup_hosts), or
* one of NOT_ROLE_VARIABLES below, each with the reason it may appear.

Only names that look like this collection's or Ansible's variables are checked (the prefixes
of VARIABLE_RE); YAML keys such as `fields` of a credential type are not variables.
"""

import functools
import json
import pathlib
import re

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md"] + sorted((ROOT / "docs").glob("*.md"))
ROLE_PREFIXES = tuple(sorted(p.name + "_" for p in (ROOT / "roles").iterdir() if p.is_dir()))
VARIABLE_RE = re.compile(r"\A(lync_|ansible_|%s)[a-z0-9_]+\Z" % "|".join(ROLE_PREFIXES))

# Variables that are not role variables, and why the docs may tell a user to set them.
NOT_ROLE_VARIABLES = {
    # Connection and become variables of Ansible's winrm / psrp connection plugins and runas become plugin
    # (https://docs.ansible.com/ansible/latest/collections/ansible/builtin/winrm_connection.html, psrp_connection.html).
    "ansible_connection": "connection plugin choice",
    "ansible_shell_type": "Windows hosts need the powershell shell plugin",
    "ansible_host": "the address Ansible connects to",
    "ansible_port": "WinRM / PSRP port",
    "ansible_user": "WinRM / PSRP user (AWX's Machine credential)",
    "ansible_password": "WinRM / PSRP password (AWX's Machine credential)",
    "ansible_winrm_transport": "winrm connection: kerberos, credssp, ntlm",
    "ansible_winrm_server_cert_validation": "winrm connection: certificate check",
    "ansible_winrm_kerberos_delegation": "winrm connection: delegation carries the double hop",
    "ansible_psrp_auth": "psrp connection: authentication",
    "ansible_psrp_cert_validation": "psrp connection: certificate check",
    "ansible_psrp_negotiate_delegate": "psrp connection: delegation carries the double hop",
    "ansible_become_password": "runas become password, in the off-site copy example",
    "ansible_become_user": "runas become user",
    # The user's own variables in examples the docs mark as the user's.
    "lync_offsite_root": "the off-site copy example in docs/awx.md is the user's playbook, with the user's variable",
}


def role_variables():
    """Role options, and the lync_* names their defaults and argument specs read."""
    names = set()
    for spec_file in sorted((ROOT / "roles").glob("*/meta/argument_specs.yml")):
        for entry in yaml.safe_load(spec_file.read_text(encoding="utf-8"))["argument_specs"].values():
            for name, option in (entry.get("options") or {}).items():
                names.add(name)
                names.update(re.findall(r"\blync_[a-z0-9_]+", str(option.get("default", ""))))
    for defaults in sorted((ROOT / "roles").glob("*/defaults/main.yml")):
        names.update(re.findall(r"\{\{[^}]*?\b(lync_[a-z0-9_]+)", defaults.read_text(encoding="utf-8")))
        names.update(re.findall(r"\blync_[a-z0-9_]+", " ".join(
            str(v) for v in (yaml.safe_load(defaults.read_text(encoding="utf-8")) or {}).values())))
    return names


def playbook_variables():
    names = set()
    for playbook in sorted((ROOT / "playbooks").glob("*.yml")):
        for expression in re.findall(r"\{\{(.*?)\}\}", playbook.read_text(encoding="utf-8")):
            names.update(re.findall(r"\b(lync_[a-z0-9_]+)\b", expression))
    return names


@functools.lru_cache(maxsize=None)
def known():
    return frozenset(role_variables() | playbook_variables() | set(NOT_ROLE_VARIABLES))


def _extra_vars(text):
    """Names set by -e / --extra-vars: name=value pairs and JSON objects."""
    names = []
    for match in re.finditer(r"(?:^|[\s`(])(?:-e|--extra-vars)\s+('(\{.*?\})'|\"?([A-Za-z_][A-Za-z0-9_]*)=)", text):
        if match.group(2):
            try:
                names.extend(json.loads(match.group(2)))
            except ValueError:
                names.extend(re.findall(r'"([A-Za-z_][A-Za-z0-9_]*)"\s*:', match.group(2)))
        else:
            names.append(match.group(3))
    return names


def _table_variables(text):
    """Backticked names in the `variable` column of Markdown tables."""
    names, column = [], None
    for line in text.splitlines():
        if not line.startswith("|"):
            column = None
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if column is None:
            lowered = [c.lower() for c in cells]
            column = lowered.index("variable") if "variable" in lowered else -1
            continue
        if column >= 0 and column < len(cells) and not set(cells[column]) <= set("-: "):
            names.extend(re.findall(r"`([A-Za-z_][A-Za-z0-9_]*)`", cells[column]))
    return names


def _inline_settings(text):
    """Names in inline code that sets them: `name: value` or `name=value`."""
    return re.findall(r"`([A-Za-z_][A-Za-z0-9_]*)(?::\s|=)[^`]*`", text)


def _yaml_keys(node, inventory=False):
    """Variables a YAML example sets: an inventory's host and group vars, a vars file's keys, injector extra_vars."""
    names = []
    if not isinstance(node, dict):
        return names
    if inventory or "all" in node or "children" in node or "hosts" in node:
        for key, value in node.items():
            if key in ("children", "hosts") and isinstance(value, dict):
                for member in value.values():
                    names.extend(_yaml_keys(member, inventory=True) if isinstance(member, dict) else [])
            elif key == "vars" and isinstance(value, dict):
                names.extend(value)
            elif isinstance(value, dict) and ("children" in value or "hosts" in value or "vars" in value):
                names.extend(_yaml_keys(value, inventory=True))
            elif key not in ("children", "hosts", "vars"):
                names.append(key)
        return names
    for key, value in node.items():
        if key in ("extra_vars", "vars") and isinstance(value, dict):
            names.extend(value)
        else:
            names.append(key)
    return names


def _yaml_blocks(text):
    names = []
    for block in re.findall(r"^```ya?ml\n(.*?)^```", text, re.MULTILINE | re.DOTALL):
        try:
            node = yaml.safe_load(block)
        except yaml.YAMLError:
            continue
        names.extend(_yaml_keys(node))
    return names


def told_to_set(text):
    """The variable names a doc's text tells a user to set."""
    return sorted({n for n in _extra_vars(text) + _table_variables(text) + _yaml_blocks(text) + _inline_settings(text) if VARIABLE_RE.match(n)})


def unknown_variables(text):
    return [name for name in told_to_set(text) if name not in known()]


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_every_variable_the_docs_set_is_read(doc):
    unknown = unknown_variables(doc.read_text(encoding="utf-8"))
    assert not unknown, "%s tells users to set variables nothing reads: %s" % (doc.name, unknown)


def test_the_docs_that_must_be_checked_are_and_name_variables():
    names = {doc.name: told_to_set(doc.read_text(encoding="utf-8")) for doc in DOCS}
    for required in ("awx.md", "inventory.md", "backup.md", "recovery-runbook.md", "clean-server.md", "README.md"):
        assert required in names, required
    for doc in ("awx.md", "inventory.md", "backup.md", "recovery-runbook.md"):
        assert names[doc], "found no variables in %s: the extraction is broken" % doc
    assert "lync_backup_root" in names["inventory.md"] and "recovery_targets" in names["recovery-runbook.md"]


def test_a_made_up_variable_is_caught():
    text = """Set it with `-e lync_backup_keep=7`, `lync_share_becom: false` or in group_vars:

```yaml
lync_backup_rooot: \\\\backup01\\LyncBackup
```

| question | variable |
|---|---|
| keep | `backup_keep_nights` |

    ansible-playbook lync.server.recover -e '{"recovery_target": ["fe01.contoso.local"]}'
"""
    assert unknown_variables(text) == [
        "backup_keep_nights", "lync_backup_keep", "lync_backup_rooot", "lync_share_becom", "recovery_target"]
    assert not unknown_variables(text.replace("lync_backup_keep=", "lync_backup_root=").replace("rooot", "root").replace("becom:", "become:")
                                 .replace("backup_keep_nights", "backup_keep_sets").replace("recovery_target\"",
                                                                                            "recovery_targets\""))


def test_no_doc_calls_a_shipped_playbook_pending():
    text = (ROOT / "docs" / "awx.md").read_text(encoding="utf-8")
    assert "(pending)" not in text and "being written" not in text
