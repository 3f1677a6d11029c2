"""Deciding a SQL Server installation from the server's instances, the media and the configuration file."""

import pytest

from ansible_collections.lync.server.plugins.plugin_utils import sql_install


def probe(**changes):
    value = {"Instances": [], "SetupFound": True, "SetupVersion": "11.0.7001.0", "ConfigurationFound": True,
             "Settings": {"ACTION": "Install", "FEATURES": "SQLENGINE,REPLICATION,FULLTEXT", "QUIET": "True"},
             "PasswordKeys": [], "PendingReboot": []}
    value.update(changes)
    return value


def decide(p, instance="RTC", product="lync2013", allowed=("RTC",), account="CONTOSO\\svc-sql", password=True):
    return sql_install.decide(p, instance, product, list(allowed), account, password)


def test_install_the_pinned_instance():
    d = decide(probe())
    assert d["action"] == "install" and d["instance"] == "RTC" and d["release"] == "SQL Server 2012"
    assert d["quiet"] is False  # the file says QUIET already; /Q again would clash


def test_existing_pinned_instance_is_left_alone():
    d = decide(probe(Instances=[{"Name": "RTC", "Version": "11.0.7001.0"}], SetupFound=False))
    assert d["action"] == "present" and d["version"] == "11.0.7001.0"


@pytest.mark.parametrize("p, kwargs, text", [
    (probe(Instances=[{"Name": "SQLEXPRESS"}]), {}, "instance(s) SQLEXPRESS, which the pins do not name"),
    (probe(SetupFound=False), {}, "setup.exe was not found"),
    (probe(ConfigurationFound=False), {}, "configuration file was not found"),
    (probe(SetupVersion="12.0.6024.0"), {}, "SQL Server 2014 is not supported for Lync Server 2013"),
    (probe(Settings={"ACTION": "Upgrade", "FEATURES": "SQLENGINE"}), {}, "ACTION is 'Upgrade'"),
    (probe(Settings={"ACTION": "Install", "FEATURES": "SSMS"}), {}, "do not include SQLENGINE"),
    (probe(Settings={"ACTION": "Install", "FEATURES": "SQLENGINE", "INSTANCENAME": "LYNC"}), {},
     "installs instance LYNC, but the pinned instance is RTC"),
    (probe(), {"password": False}, "service account CONTOSO\\svc-sql needs its password"),
    (probe(PendingReboot=["Component Based Servicing"]), {}, "Windows waits for a restart"),
])
def test_refusals_say_why(p, kwargs, text):
    with pytest.raises(sql_install.SqlInstallError) as err:
        decide(p, **kwargs)
    assert text in str(err.value)


def test_virtual_accounts_need_no_password():
    assert decide(probe(), account="NT Service\\MSSQL$RTC", password=False)["action"] == "install"


def test_second_pinned_instance_may_exist():
    d = decide(probe(Instances=[{"Name": "RTC"}]), instance="PCHAT", allowed=("RTC", "PCHAT"))
    assert d["action"] == "install" and d["instance"] == "PCHAT"


def test_passwords_in_the_configuration_file_are_warned_about():
    d = decide(probe(PasswordKeys=["SQLSVCPASSWORD"]), password=False)
    assert d["warnings"] and "clear text" in d["warnings"][0]


@pytest.mark.parametrize("value", ['D:\\SQL" /ACTION=Uninstall', "D:\\SQL\n", ""])
def test_values_that_would_break_setups_command_line(value):
    with pytest.raises(sql_install.SqlInstallError, match="cannot be passed"):
        sql_install.safe_arg(value, "media_path")
