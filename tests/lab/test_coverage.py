"""The payload statement coverage the lab keeps (lync_lab/coverage.py)."""

from lync_lab import coverage
from lync_lab.boundary import winpowershell
from lync_lab.engine import Engine

SCRIPT = """param([int]$N)
$a = 1
if ($N -gt 1) {
    $a = 2
} else {
    $a = 3
}
$Ansible.Result = $a
"""


class Session:
    def __init__(self):
        self.engine = Engine()


def test_statement_lines_are_the_statements_of_the_script():
    assert coverage.statement_lines(SCRIPT) == {2, 3, 4, 6, 8}


def test_a_run_records_the_statements_it_ran(tmp_path, monkeypatch):
    monkeypatch.setenv("LYNC_LAB_COVERAGE_DIR", str(tmp_path))
    (tmp_path / "payloads").mkdir()
    (tmp_path / "payloads" / "demo.ps1").write_text(SCRIPT, encoding="utf-8")
    winpowershell.run(Session(), SCRIPT, {"N": 2}, False, 2, payload="demo")
    assert coverage.report(tmp_path, tmp_path / "payloads") == {"demo": (4, 5, [6])}
    winpowershell.run(Session(), SCRIPT, {"N": 0}, False, 2, payload="demo")
    assert coverage.report(tmp_path, tmp_path / "payloads") == {"demo": (5, 5, [])}


RUNNER_LIKE = """param([string]$Text)
$ErrorActionPreference = 'Stop'
$work = [scriptblock]::Create($Text)
$null = & $work -N 2
$Ansible.Result = 'runner'
"""


def test_a_task_process_counts_the_statements_of_its_work_not_the_runners():
    """taskrun (a detached job's process) runs the job runner, which runs the work's text as a script block: the
    statements counted are the work's (its lines are the payload's), none of the runner's."""
    from lync_lab import taskrun  # pylint: disable=import-outside-toplevel
    engine = Engine()
    taskrun._count_work_statements(engine)  # pylint: disable=protected-access
    engine.run(RUNNER_LIKE, {"Text": SCRIPT}, False, error_action="stop")
    assert engine.coverage == {2, 3, 4, 8}  # SCRIPT's statements that ran with N = 2


def test_a_detached_sql_backup_counts_its_backup_statements(make_lab, run_playbook, tmp_path, monkeypatch):
    """The lab's SQL backup runs only in the scheduled task's process (backup_detached, default true): its lines
    reach the coverage table through that process (lync_lab/taskrun.py)."""
    folder = tmp_path / "coverage"
    folder.mkdir()
    monkeypatch.setenv("LYNC_LAB_COVERAGE_DIR", str(folder))
    lab = make_lab("standard")
    run = run_playbook(lab, "lync.server.backup")
    assert run.rc == 0, run.output
    assert list(folder.glob("lync_job_start.*.lines"))  # the backup did run detached
    text = (coverage.PAYLOAD_DIR / "lync_sql_backup.ps1").read_text(encoding="utf-8").splitlines()
    backup = [n for n, line in enumerate(text, 1) if "Invoke-Sql $connection $BackupSql $values" in line]
    verify = [n for n, line in enumerate(text, 1) if "Invoke-Sql $connection $VerifySql $verifyValues" in line]
    assert len(backup) == 1 and len(verify) == 1
    done, dummy, missing = coverage.report(folder)["lync_sql_backup"]
    assert done > 0 and backup[0] not in missing and verify[0] not in missing, missing
