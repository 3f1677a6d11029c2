"""Store locations, Test-CsDatabase rows of one instance, absent vs outdated databases (issue 9, dbfix)."""

import pytest

from ansible_collections.lync.server.plugins.action import lync_database
from ansible_collections.lync.server.plugins.action import lync_recovery_check
from ansible_collections.lync.server.plugins.plugin_utils import recovery_plan as rp


@pytest.mark.parametrize("found, expected", [
    # Microsoft documents Get-CsConfigurationStoreLocation's output as "atl-sql-001.litwareinc.com/rtc"
    # (https://learn.microsoft.com/powershell/module/skype/get-csconfigurationstorelocation).
    ("atl-sql-001.litwareinc.com/rtc", "atl-sql-001.litwareinc.com\\RTC"),
    ("sqlbe01.contoso.local\\MSSQLSERVER", "sqlbe01.contoso.local"),
    ("sqlbe01.contoso.local\\", "sqlbe01.contoso.local"),
    ("sqlbe01.contoso.local/mssqlserver", "sqlbe01.contoso.local"),
    ("sqlbe01.contoso.local\\rtc\r\nBackendStore: sqlbe01.contoso.local\\rtc", "sqlbe01.contoso.local\\RTC"),
])
def test_store_locations_compare_normalised(found, expected):
    assert rp.same_store_location(found, expected)
    assert lync_recovery_check.problems_of({"StoreLocation": found}, expected) == []


def test_other_store_location_is_a_problem():
    assert not rp.same_store_location("sqlbe02.contoso.local/rtc", "sqlbe01.contoso.local\\RTC")
    assert lync_recovery_check.problems_of({"StoreLocation": "sqlbe02.contoso.local/rtc"}, "sqlbe01.contoso.local\\RTC")


def test_old_comparison_flagged_the_documented_form():
    """Regression: the old text compared lower-cased strings as they came."""
    found, expected = "atl-sql-001.litwareinc.com/rtc", "atl-sql-001.litwareinc.com\\RTC"
    assert found.lower() != expected.lower()


ROWS = [
    {"SqlInstanceName": "RTC", "DatabaseName": "LcsCDR", "Succeed": True, "ExpectedVersion": "10.13.2",
     "InstalledVersion": "10.13.2"},
    {"SqlInstanceName": "PCHAT", "DatabaseName": "mgc", "Succeed": False, "ExpectedVersion": "10.13.2",
     "InstalledVersion": ""},
    {"SqlInstanceName": "", "DatabaseName": "rtcxds", "Succeed": False, "ExpectedVersion": "10.13.2",
     "InstalledVersion": "10.13.1"},
]


def test_rows_of_one_instance():
    assert [r["DatabaseName"] for r in lync_database.rows_of(ROWS, "pchat")] == ["mgc"]
    assert [r["DatabaseName"] for r in lync_database.rows_of(ROWS, "")] == ["rtcxds"]
    assert [r["DatabaseName"] for r in lync_database.rows_of(ROWS, "MSSQLSERVER")] == ["rtcxds"]
    assert len(lync_database.rows_of(ROWS, None)) == 3


def test_absent_and_outdated_are_told_apart():
    assert [lync_database.classify(r) for r in ROWS] == ["present", "absent", "outdated"]
    message = lync_database.outdated_message(ROWS, "sqlbe01.contoso.local")
    assert "rtcxds (default: installed 10.13.1, expected 10.13.2)" in message
    assert "Install-CsDatabase -Update" in message
    assert lync_database.outdated_message(ROWS[:2], "x") is None


def test_succeed_string_false_is_not_success():
    """[bool]'False' is $true in PowerShell; the payload compares with $true, Python reads only True/'True'."""
    assert lync_database.succeeded({"Succeed": "False"}) is False
    assert lync_database.succeeded({"Succeed": "True"}) is True
