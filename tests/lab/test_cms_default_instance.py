"""A Central Management store on a default SQL Server instance can be created and imported (issue 9).

Install-CsDatabase, Test-CsDatabase and Set-CsConfigurationStoreLocation use the default instance
when -SqlInstanceName is left out
(https://learn.microsoft.com/en-us/powershell/module/skype/install-csdatabase); the default instance
has no name a client can use (model.sql_instance). Before issue 9 lync_cms_import refused an empty
instance, lync_database required one for mode cms, and the payloads always passed -SqlInstanceName.
"""

import pathlib

import pytest

from lync_lab import cmdlets, disaster, model, paths, seed
from lync_lab.errors import PSError

PLAYBOOK = pathlib.Path(__file__).parent / "playbooks" / "cms_default_instance.yml"
BE = "sqlbe01.contoso.local"
FE = "fe01.contoso.local"


@pytest.fixture
def default_instance_lab(make_lab):
    """The enterprise lab with its back end on the default instance, its CMS exported to fe01, sqlbe01 wiped."""
    lab = make_lab("enterprise")
    with lab.locked() as state:
        seed.move_to_default_instance(state, BE, "RTC")
        data = cmdlets.export_configuration(state)
        assert state["ad"]["scp"] == {"sql_fqdn": BE, "instance": ""}
        target = paths.resolve(lab, state, FE, "C:\\cms\\config.zip")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    disaster.wipe(lab, BE)
    return lab


def test_seed_shapes_a_default_instance_the_way_windows_names_it(make_lab):
    lab = make_lab("enterprise")
    with lab.locked() as state:
        seed.move_to_default_instance(state, BE, "RTC")
        record = state["hosts"][BE]
        assert set(record["sql"]) == {"MSSQLSERVER"}
        assert {"MSSQLSERVER", "SQLSERVERAGENT"} <= set(record["services"])
        assert not any(name.upper().startswith(("MSSQL$", "SQLAGENT$")) for name in record["services"])
        assert "MSSQL11.MSSQLSERVER" in record["sql"]["MSSQLSERVER"]["data_dir"]
        assert model.cms(state)["content"]["topology"]  # reached through the SCP's empty instance


def test_default_instance_is_not_reachable_by_its_name(make_lab):
    lab = make_lab("enterprise")
    with lab.locked() as state:
        seed.move_to_default_instance(state, BE, "RTC")
        assert model.sql_instance(state, BE, "")["databases"]["xds"]
        with pytest.raises(PSError, match="no named instance of that name"):
            model.sql_instance(state, BE, "MSSQLSERVER")
        with pytest.raises(PSError, match="no named instance"):
            cmdlets.set_store_location(state, BE, "MSSQLSERVER")


def test_cms_database_and_import_on_the_default_instance(default_instance_lab, run_playbook):
    lab = default_instance_lab
    run = run_playbook(lab, PLAYBOOK)
    assert run.rc == 0, run.output
    state = lab.load()
    record = state["hosts"][BE]
    assert set(record["sql"]) == {"MSSQLSERVER"}
    assert {"MSSQLSERVER", "SQLSERVERAGENT"} <= set(record["services"])
    assert {"xds", "lis"} <= set(record["sql"]["MSSQLSERVER"]["databases"])
    assert state["ad"]["scp"] == {"sql_fqdn": BE, "instance": ""}
    assert run.result("Import the CMS", FE)["result"]["store_location"] == BE
    assert model.cms(state)["content"]["enabled"] is True


def test_the_default_instance_by_name_is_normalised_not_passed(default_instance_lab, run_playbook):
    """sql_instance: MSSQLSERVER means the default instance; it never reaches -SqlInstanceName."""
    run = run_playbook(default_instance_lab, PLAYBOOK, extra_vars={"cms_instance": "MSSQLSERVER"})
    assert run.rc == 0, run.output
    assert default_instance_lab.load()["ad"]["scp"]["instance"] == ""
