"""The integration targets (tests/integration/targets) run against the lab, as ansible-test runs them on real Windows.

`ansible-test windows-integration` runs each target as a role in a play of its own (ansible_test/_internal/
commands/integration/__init__.py, command_integration_role): hosts `windows`, no fact gathering, the vars file
tests/integration/integration_config.yml, the vars output_dir and win_output_dir, roles_path the targets folder.
This module does the same against a seeded lab (the `standard` topology: the Standard Edition server is the
`windows` host, the backup share is on backup01), one test per target found in the folder, so a new target is
picked up and a module without a target fails `test_every_module_has_a_target`.

The targets share one lab: each must leave it as it found it (the scratch folders on the share and on the SQL
Server removed, no lock, no scratch database, nothing changed on the servers), which
`test_target_runs_green_against_the_lab` checks after each run by comparing the lab's state and files.
"""

import hashlib
import json
import pathlib
import subprocess
import sys

import pytest
import yaml

from lync_lab import paths, seed
from tests.conftest import Run, lab_env

ROOT = pathlib.Path(__file__).resolve().parents[2]
TARGETS = ROOT / "tests" / "integration" / "targets"
MODULES = ROOT / "plugins" / "modules"
WINDOWS_HOST = "lyncse01.contoso.local"     # the Standard Edition server of the `standard` lab
DHCP_HOST = "dc01.contoso.local"
SETUP_PREFIXES = ("setup_", "prepare_")      # ansible-test's names for targets that only others depend on


def target_names(folder=TARGETS):
    """The test targets of a targets folder (ansible-test's view: setup_/prepare_ roles are not tests)."""
    return sorted(p.name for p in folder.iterdir() if p.is_dir() and not p.name.startswith(SETUP_PREFIXES))


def module_names(folder=MODULES):
    return sorted(p.stem for p in folder.glob("*.py") if p.stem != "__init__")


def target_gaps(modules_folder=MODULES, targets_folder=TARGETS):
    """(modules without a target, targets named after no module)."""
    modules, targets = set(module_names(modules_folder)), set(target_names(targets_folder))
    return sorted(modules - targets), sorted(targets - modules)


def test_every_module_has_a_target():
    assert target_gaps() == ([], [])


def test_a_module_without_a_target_is_found(tmp_path):
    """Planted: a new module in a copy of plugins/modules, and a target whose module went away."""
    modules, targets = tmp_path / "modules", tmp_path / "targets"
    modules.mkdir()
    for name in module_names() + ["lync_new_thing"]:
        (modules / (name + ".py")).write_text("", encoding="utf-8")
    (targets / "setup_lync_integration").mkdir(parents=True)
    for name in module_names()[1:] + ["lync_gone"]:
        (targets / name).mkdir()
    assert target_gaps(modules, targets) == ([module_names()[0], "lync_new_thing"], ["lync_gone"])


def state_changes(before, after, path="", found=None):
    """The paths of the lab state where two snapshots differ (the first 20), for a failure's message."""
    found = [] if found is None else found
    if isinstance(before, dict) and isinstance(after, dict):
        for key in sorted(set(before) | set(after), key=str):
            if len(found) >= 20:
                break
            if key not in before or key not in after:
                found.append("%s/%s %s" % (path, key, "added" if key not in before else "removed"))
            else:
                state_changes(before[key], after[key], "%s/%s" % (path, key), found)
    elif before != after:
        found.append("%s: %.120s -> %.120s" % (path, before, after))
    return found


@pytest.mark.parametrize("name", target_names())
def test_target_has_ansible_test_layout(name):
    """aliases with `windows` (ansible-test windows-integration runs only targets in the windows group, which it
    gives by itself only to names starting with win_: ansible_test/_internal/target.py, IntegrationTarget) and a
    shippable/windows/groupN line (ansible-test's CI groups), tasks/main.yml, and the shared setup role as a
    dependency (it checks integration_config.yml's variables)."""
    folder = TARGETS / name
    aliases = (folder / "aliases").read_text(encoding="utf-8").split()
    assert "windows" in aliases
    assert any(a.startswith("shippable/windows/group") and a[len("shippable/windows/group"):].isdigit() for a in aliases)
    assert (folder / "tasks" / "main.yml").is_file()
    meta = yaml.safe_load((folder / "meta" / "main.yml").read_text(encoding="utf-8"))
    assert "setup_lync_integration" in meta["dependencies"]
    text = (folder / "tasks" / "main.yml").read_text(encoding="utf-8")
    assert "ansible.builtin.assert" in text, "a target must assert on the module's results"
    assert "lync.server.%s" % name in text


# The folders a detached job's folder lives in (C:\\ProgramData\\lync.server\\jobs\\<job>); they stay, empty,
# when the job is removed.
JOB_FOLDERS = ("/C/ProgramData", "/C/ProgramData/lync.server", "/C/ProgramData/lync.server/jobs")
JOB_LOCK = "/C/ProgramData/lync.server/jobs.lock"  # lync_job_start's lock: one start at a time on the host


class IntegrationLab:
    """One seeded lab with an ansible-test style inventory (group `windows`) and integration_config.yml."""

    def __init__(self, base):
        self.base = base
        self.lab = seed.seed("standard", base / "lab")
        # Windows has C:\Windows\TEMP (the exports stage there); the seeded drive lacks it, and a folder made on
        # first use would read as something a target left behind.
        state = self.lab.load()
        paths.resolve(self.lab, state, WINDOWS_HOST, "C:\\Windows\\TEMP").mkdir(parents=True, exist_ok=True)
        inventory = yaml.safe_load((self.lab.dir / "inventory.yml").read_text(encoding="utf-8"))
        groups = inventory["all"]["children"]
        groups["windows"] = {"hosts": {WINDOWS_HOST: None}}
        (self.lab.dir / "inventory.yml").write_text(yaml.safe_dump(inventory, sort_keys=False), encoding="utf-8")
        common = inventory["all"]["vars"]
        pins = dict(common["lync_pins_common"])
        pins.update(groups["lync_front_ends"]["hosts"][WINDOWS_HOST]["lync_pins"])
        # What a maintainer writes in tests/integration/integration_config.yml (see its .template), for the lab.
        self.config = {
            "lync_it_backup_share": common["lync_backup_root"],
            "lync_it_network_user": common["lync_network_user"],
            "lync_it_network_password": common["lync_network_password"],
            "lync_it_certificate_password": common["lync_certificate_password"],
            "lync_it_signing_key": common["lync_backup_signing_key"],
            "lync_it_sql_instance": "RTC",
            "lync_it_sql_database": "xds",
            "lync_it_scratch_folder": "C:\\LyncIntegrationScratch",
            "lync_it_pool_fqdn": WINDOWS_HOST,
            "lync_it_dhcp_server": DHCP_HOST,
            "lync_it_pins": pins,
            "lync_it_product": "lync2013",
            "lync_it_sql_media": common["lync_sql_media"],
            "lync_it_sql_configuration_file": common["lync_sql_configuration_file"],
        }
        self.config_file = base / "integration_config.yml"
        self.config_file.write_text(yaml.safe_dump(self.config, sort_keys=False), encoding="utf-8")
        self.runs = 0

    def snapshot(self):
        """Everything a target could leave behind: the state (servers, SQL, certificates) and every file."""
        state = json.loads((self.lab.dir / "state.json").read_text(encoding="utf-8"))
        for host in state.get("hosts", {}).values():  # the jobs' home and lock keep the ACL their first job gave them
            acls = host.get("acls") or {}
            for folder in [f for f in acls if f.lower().endswith(("\\programdata\\lync.server",
                                                                  "\\programdata\\lync.server\\jobs",
                                                                  "\\programdata\\lync.server\\jobs.lock"))]:
                del acls[folder]
            if "acls" in host and not acls:
                del host["acls"]
        files = {}
        for path in sorted((self.lab.dir / "fs").rglob("*")):
            key = str(path.relative_to(self.lab.dir))
            if (path.is_dir() and key.endswith(JOB_FOLDERS)) or key.endswith(JOB_LOCK):
                continue  # the detached jobs' home stays, empty but for its lock file (docs/architecture.md, "Detached
                # work"); a job in it counts
            files[key] = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "<dir>"
        return state, files

    def run(self, target, extra_env=None, roles_path=TARGETS):
        """Run one target as ansible-test does: a generated play applying it as a role to the `windows` hosts."""
        self.runs += 1
        work = self.base / ("run-%d-%s" % (self.runs, target))
        work.mkdir()
        play = [{"hosts": "windows", "gather_facts": False,
                 "vars_files": [str(self.config_file)],
                 "vars": {"output_dir": str(work / "output"), "win_output_dir": "C:\\ansible_testing"},
                 "roles": [target]}]
        playbook = work / ("%s.yml" % target)
        playbook.write_text(json.dumps(play, indent=4, sort_keys=True), encoding="utf-8")
        record = work / "record.jsonl"
        env = lab_env(dict(extra_env or {}, LYNC_LAB_RECORD=str(record), ANSIBLE_ROLES_PATH=str(roles_path)))
        proc = subprocess.run([str(pathlib.Path(sys.executable).parent / "ansible-playbook"),
                               "-i", str(self.lab.dir / "inventory.yml"), str(playbook)],
                              cwd=str(work), env=env, capture_output=True, text=True, timeout=900, check=False)
        records = [json.loads(line) for line in record.read_text().splitlines()] if record.exists() else []
        return Run(proc, records)


@pytest.fixture(scope="module")
def integration_lab(tmp_path_factory):
    return IntegrationLab(tmp_path_factory.mktemp("integration"))


def check_green(run, target):
    """The run passed, ran the target's own tasks on the windows host, and every assert of it held."""
    assert run.rc == 0, run.output
    mine = [r for r in run.records if r["task"].startswith(target + " : ")]
    asserts = [r for r in mine if r["action"] in ("ansible.builtin.assert", "assert")]
    calls = [r for r in mine if r["action"] == "lync.server." + target]
    assert calls and all(r["host"] == WINDOWS_HOST or r["result"].get("_ansible_delegated_vars") for r in calls)
    assert asserts and all(r["status"] == "ok" for r in asserts), run.output
    unexpected = [r["task"] for r in run.records if r["status"] == "failed" and not r["result"].get("_ansible_ignore_errors")
                  and r["action"] != "lync.server." + target]
    assert unexpected == [], run.output


@pytest.mark.parametrize("name", target_names())
def test_target_runs_green_against_the_lab(integration_lab, name):
    before = integration_lab.snapshot()
    run = integration_lab.run(name)
    check_green(run, name)
    after = integration_lab.snapshot()
    assert after[1] == before[1], "the target left files behind or changed some"
    assert after[0] == before[0], "the target changed the lab's servers: %s" % state_changes(before[0], after[0])


def test_a_target_fails_when_its_module_is_broken(integration_lab, plant_defect):
    """Planted: lync_sql_backup's payload no longer records the RESTORE VERIFYONLY it ran; the target's
    assertion on the documented `details.databases[].verified` must catch it (and still clean up)."""
    before = integration_lab.snapshot()
    plant_defect("lync_sql_backup", "$entry.Verified = $true", "$entry.Verified = $false")
    run = integration_lab.run("lync_sql_backup")
    assert run.rc != 0
    failed = [r for r in run.records if r["status"] == "failed" and not r["result"].get("_ansible_ignore_errors")]
    assert [r["task"] for r in failed] == ["lync_sql_backup : Check the backup"], run.output
    assert any(r["result"].get("assertion") == "db.verified" for r in failed)
    assert integration_lab.snapshot() == before, "the target's always block must clean up after a failure"


def test_a_target_that_leaves_files_behind_is_caught(integration_lab, tmp_path):
    """Planted: a copy of the lync_backup_set target without its cleanup; the runner's comparison must see the
    scratch folder it leaves on the share."""
    import shutil  # pylint: disable=import-outside-toplevel
    targets = tmp_path / "targets"
    shutil.copytree(TARGETS, targets)
    main = targets / "lync_backup_set" / "tasks" / "main.yml"
    text = main.read_text(encoding="utf-8")
    main.write_text(text[:text.index("  always:")], encoding="utf-8")
    before = integration_lab.snapshot()
    run = integration_lab.run("lync_backup_set", roles_path=targets)
    check_green(run, "lync_backup_set")
    after = integration_lab.snapshot()
    left = sorted(set(after[1]) - set(before[1]))
    assert left and all("LyncBackup/lync-it-" in path for path in left)
    # Put the lab back for the other tests of this module.
    shutil.rmtree(integration_lab.lab.dir / left[0].split("/lync-it-")[0] / ("lync-it-" + left[0].split("/lync-it-")[1].split("/")[0]))
    integration_lab.lab.save(before[0])
    assert integration_lab.snapshot() == before


def test_config_template_documents_every_variable_the_targets_read():
    """integration_config.yml.template names (set or commented out) every lync_it_* variable a target reads, and
    the lab's config sets only variables the template documents, so the maintainers' file cannot drift."""
    import re  # pylint: disable=import-outside-toplevel
    template = (ROOT / "tests" / "integration" / "integration_config.yml.template").read_text(encoding="utf-8")
    documented = set(re.findall(r"^#? ?(lync_it_[a-z_]+):", template, re.M))
    made_by_setup = {"lync_it_root", "lync_it_sql_host", "lync_it_share_host", "lync_it_become", "lync_it_set",
                     "lync_it_set_id", "lync_it_started", "lync_it_closed", "lync_it_verified"}
    read = set()
    for path in TARGETS.glob("*/tasks/*.yml"):
        read |= set(re.findall(r"\blync_it_[a-z_]+", path.read_text(encoding="utf-8")))
    assert sorted(read - made_by_setup - documented) == []
    lab_config = set(re.findall(r'"(lync_it_[a-z_]+)"', pathlib.Path(__file__).read_text(encoding="utf-8")))
    assert sorted(lab_config - documented - made_by_setup) == []
