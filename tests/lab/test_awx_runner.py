"""AWX as AWX runs it: the project's wrapper playbooks through ansible-runner, against the lab.

AWX (and automation controller) starts every job with ansible-runner: a private data dir with
the project, the inventory and the extra variables (survey answers, credentials of custom types,
the artifacts of the workflow's earlier nodes), and reads the job's status, its events and the
`set_stats` artifacts from the `playbook_on_stats` event (docs/awx.md). This runs the wrappers of
docs/awx.md's project the same way and checks what AWX would read: the status of each job, the
artifacts of a complete and of a partial backup, the verify and recover jobs fed with the backup's
artifacts as a workflow passes them, and that no secret appears in any job event.
"""

import json

import ansible_runner
import pytest
import yaml

from lync_lab import disaster
from tests.conftest import lab_env

WRAPPERS = {"backup.yml": ("Nightly backup of the Lync deployment", "lync.server.backup"),
            "verify_backup.yml": ("Verify a Lync backup set", "lync.server.verify_backup"),
            "prepare_clean_server.yml": ("Prepare clean servers", "lync.server.prepare_clean_server"),
            "recover.yml": ("Recover Lync servers", "lync.server.recover")}
SECRET_VARIABLES = ("lync_network_password", "lync_certificate_password", "lync_backup_signing_key",
                    "lync_domain_join_password")


class Job:
    """One ansible-runner job: what AWX reads of it."""

    def __init__(self, runner):
        self.status = runner.status
        self.rc = runner.rc
        self.events = list(runner.events)
        self.stdout = runner.stdout.read()
        stats = [e for e in self.events if e.get("event") == "playbook_on_stats"]
        assert len(stats) == 1, "a job has one playbook_on_stats event"
        self.artifacts = stats[0]["event_data"].get("artifact_data") or {}


@pytest.fixture
def awx_job(tmp_path):
    """awx_job(lab, playbook, extravars) -> Job: the project's wrapper run by ansible-runner with the
    lab's inventory; the secrets travel as extra variables, as AWX injects custom credentials."""
    counter = {"n": 0}

    def run(lab, playbook, extravars=None):
        counter["n"] += 1
        private = tmp_path / ("job-%d" % counter["n"])
        project = private / "project"
        project.mkdir(parents=True)
        for name, (title, fqcn) in WRAPPERS.items():
            (project / name).write_text(yaml.safe_dump(
                [{"name": title, "ansible.builtin.import_playbook": fqcn}], sort_keys=False), encoding="utf-8")
        inventory = yaml.safe_load((lab.dir / "inventory.yml").read_text(encoding="utf-8"))
        credentials = {name: inventory["all"]["vars"].pop(name) for name in SECRET_VARIABLES}
        (lab.dir / "inventory.yml").write_text(yaml.safe_dump(inventory, sort_keys=False), encoding="utf-8")
        env = lab_env()  # PATH starts with this interpreter's bin: its ansible-playbook runs the job
        envvars = {key: env[key] for key in ("ANSIBLE_COLLECTIONS_PATH", "ANSIBLE_COLLECTIONS_SCAN_SYS_PATH",
                                             "PATH", "PYTHONPATH", "PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX")}
        runner = ansible_runner.run(
            private_data_dir=str(private), playbook=playbook, inventory=str(lab.dir / "inventory.yml"),
            extravars=dict(credentials, **(extravars or {})), envvars=envvars, quiet=True)
        inventory["all"]["vars"].update(credentials)  # the next job of the test reads the lab as seeded
        (lab.dir / "inventory.yml").write_text(yaml.safe_dump(inventory, sort_keys=False), encoding="utf-8")
        job = Job(runner)
        job.secrets = credentials
        return job
    return run


def _no_secret_in(job):
    dumped = json.dumps(job.events, default=str) + job.stdout
    leaked = [name for name, value in job.secrets.items()
              if value and (value in dumped or json.dumps(value)[1:-1] in dumped)]  # as written, or escaped in JSON
    assert not leaked, "secrets in the job events: %s" % leaked


def test_awx_jobs_backup_verify_partial_and_recover(make_lab, awx_job):
    lab = make_lab("standard")

    backup = awx_job(lab, "backup.yml")
    assert (backup.status, backup.rc) == ("successful", 0), backup.stdout[-4000:]
    artifacts = backup.artifacts
    assert artifacts["lync_backup_status"] == "complete"
    assert artifacts["lync_backup_set_id"].startswith("lync-")
    assert artifacts["lync_backup_set_path"].endswith("\\" + artifacts["lync_backup_set_id"])
    assert artifacts["lync_backup_items_failed"] == 0 and artifacts["lync_backup_items_ok"] > 0
    assert len(artifacts["lync_backup_manifest_sha256"]) == 64 and artifacts["lync_backup_bytes"] > 0
    _no_secret_in(backup)

    # The workflow's verify node gets the backup's artifacts as extra variables.
    verify = awx_job(lab, "verify_backup.yml", extravars=artifacts)
    assert (verify.status, verify.rc) == ("successful", 0), verify.stdout[-4000:]
    assert verify.artifacts["lync_verify_set_id"] == artifacts["lync_backup_set_id"]
    assert verify.artifacts["lync_verify_status"] == "ok"
    _no_secret_in(verify)

    # A partial set: the job fails (backup_fail_on_partial) after publishing what it wrote.
    fault = [{"kind": "fail", "payload": "lync_sql_backup",
              "message": "Write on \"\\\\backup01\\LyncBackup\\x.bak\" failed: 112(There is not enough space on the disk.)"}]
    partial = awx_job(lab, "backup.yml", extravars={"lab_faults": fault})
    assert partial.status == "failed" and partial.rc != 0
    assert partial.artifacts["lync_backup_status"] == "partial"
    assert partial.artifacts["lync_backup_items_failed"] > 0
    assert partial.artifacts["lync_backup_set_id"] != artifacts["lync_backup_set_id"]
    _no_secret_in(partial)

    # The bad day: the Standard Edition server is rebuilt, prepared and recovered from the complete set.
    disaster.wipe(lab, "lyncse01.contoso.local")
    prepare = awx_job(lab, "prepare_clean_server.yml", extravars={"lync_prepare_hosts": "lyncse01.contoso.local"})
    assert (prepare.status, prepare.rc) == ("successful", 0), prepare.stdout[-4000:]
    _no_secret_in(prepare)
    recover = awx_job(lab, "recover.yml", extravars={"recovery_targets": ["lyncse01.contoso.local"],
                                                     "recovery_set": artifacts["lync_backup_set_id"]})
    assert (recover.status, recover.rc) == ("successful", 0), recover.stdout[-4000:]
    assert recover.artifacts["lync_recovery_status"] == "recovered"
    assert recover.artifacts["lync_recovery_set_id"] == artifacts["lync_backup_set_id"]
    assert recover.artifacts["lync_recovery_targets"] == ["lyncse01.contoso.local"]
    _no_secret_in(recover)
