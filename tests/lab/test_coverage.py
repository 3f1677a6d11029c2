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
