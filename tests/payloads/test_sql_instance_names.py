"""Payload rule: an optional SQL instance name reaches a Lync cmdlet only when it is set.

Install-CsDatabase, Test-CsDatabase and Set-CsConfigurationStoreLocation take -SqlInstanceName
as optional: "If this parameter is omitted, the Install-CsDatabase cmdlet will use the default
SQL Server instance" (https://learn.microsoft.com/en-us/powershell/module/skype/install-csdatabase,
../shared/reference/cmdlets/Install-CsDatabase.md). A default instance has no name a client
can use: it is reached as <server>, never as <server>\\MSSQLSERVER
(https://learn.microsoft.com/en-us/sql/database-engine/configure-windows/logging-in-to-sql-server).
So a payload whose instance parameter may be empty must leave -SqlInstanceName out then:
every `-SqlInstanceName $X` sits in an `if` (or `elseif`) block whose condition tests `$X`
(alone or as an operand of -and). Issue 9: lync_cms_import, lync_database_install and
lync_database_status always passed it, so a CMS on a default instance could not be restored.
"""

import pathlib

import pytest

from lync_lab import psparse

PAYLOAD_DIR = pathlib.Path(__file__).resolve().parents[2] / "plugins" / "plugin_utils" / "payloads"
PAYLOADS = sorted(PAYLOAD_DIR.glob("*.ps1"))
INSTANCE_PARAMETERS = ("SqlInstanceName", "MirrorSqlInstanceName")


def unguarded_instance_names(text):
    """'line N: <cmdlet> -P $X' for every instance name passed without a guard testing $X."""
    problems = []
    for parameter in INSTANCE_PARAMETERS:
        for use in psparse.parameter_uses(text, parameter):
            if not use["cmdlet"].lower().split("-", 1)[-1].startswith("cs"):
                continue
            variable = use["argument"].lower()
            if not variable.startswith("$"):
                problems.append("line %d: %s -%s %s: pass the instance as a parameter of the payload"
                                % (use["line"], use["cmdlet"], parameter, use["argument"]))
            elif not any(variable in conjuncts for conjuncts in use["guards"]):
                problems.append("line %d: %s -%s %s outside an `if (%s)` block: an empty value (the default "
                                "instance) must leave the parameter out"
                                % (use["line"], use["cmdlet"], parameter, use["argument"], use["argument"]))
    return problems


@pytest.mark.parametrize("payload", PAYLOADS, ids=lambda p: p.stem)
def test_instance_name_is_passed_only_when_set(payload):
    problems = unguarded_instance_names(payload.read_text(encoding="utf-8"))
    assert problems == [], "%s:\n  %s" % (payload.name, "\n  ".join(problems))


# The old text of lync_database_install.ps1 and lync_cms_import.ps1 (commit 1a7fef5).
OLD_INSTALL = """if ($Mode -eq 'cms') {
    Install-CsDatabase -CentralManagementDatabase -SqlServerFqdn $SqlServerFqdn -SqlInstanceName $SqlInstanceName -Clean:$Clean -Confirm:$false
}
"""
OLD_IMPORT = """try {
    Set-CsConfigurationStoreLocation -SqlServerFqdn $SqlServerFqdn -SqlInstanceName $SqlInstanceName -Force -Confirm:$false
}
finally { }
"""


@pytest.mark.parametrize("old", [OLD_INSTALL, OLD_IMPORT])
def test_rule_flags_the_old_text(old):
    problems = unguarded_instance_names(old)
    assert len(problems) == 1 and "outside an `if ($SqlInstanceName)` block" in problems[0]


def test_rule_accepts_a_guard_and_rejects_a_guard_on_another_variable():
    good = "if ($Mode -eq 'cms' -and $SqlInstanceName) { Test-CsDatabase -SqlInstanceName $SqlInstanceName }\n"
    assert unguarded_instance_names(good) == []
    wrong = "if ($Other) { Test-CsDatabase -SqlInstanceName $SqlInstanceName }\n"
    assert unguarded_instance_names(wrong) != []
    negated = "if (-not $SqlInstanceName) { Test-CsDatabase -SqlInstanceName $SqlInstanceName }\n"
    assert unguarded_instance_names(negated) != []
    literal = "Test-CsDatabase -SqlInstanceName 'MSSQLSERVER'\n"
    assert unguarded_instance_names(literal) != []
