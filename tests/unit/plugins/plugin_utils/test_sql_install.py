"""Deciding a SQL Server installation from the server's instances, the media and the configuration file."""

import pytest

from ansible_collections.lync.server.plugins.plugin_utils import sql_install


def probe(**changes):
    value = {"Instances": [], "SetupFound": True, "SetupVersion": "11.0.7001.0", "ConfigurationFound": True,
             "Settings": {"ACTION": "Install", "FEATURES": "SQLENGINE,REPLICATION,FULLTEXT", "QUIET": "True",
                          "SQLSYSADMINACCOUNTS": "CONTOSO\\RTCUniversalServerAdmins"},
             "PasswordKeys": [], "PendingReboot": []}
    value.update(changes)
    return value


SETTINGS = probe()["Settings"]


def decide(p, instance="RTC", product="lync2013", allowed=("RTC",), account="CONTOSO\\svc-sql", password=True,
           agent=None, agent_password=False):
    return sql_install.decide(p, instance, product, list(allowed), account, password, agent, agent_password)


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
    (probe(Settings=dict(SETTINGS, INSTANCEID="LYNC")), {}, "INSTANCEID is LYNC, another instance's"),
    (probe(Settings=dict(SETTINGS, AGTSVCACCOUNT="NT Service\\SQLAgent$LYNC")), {},
     "AGTSVCACCOUNT is NT Service\\SQLAgent$LYNC, the Agent account of another instance"),
    (probe(Settings=dict(SETTINGS, AGTSVCACCOUNT="NT Service\\SQLSERVERAGENT")), {},
     "the Agent account of another instance"),
    (probe(Settings={"ACTION": "Install", "FEATURES": "SQLENGINE"}), {}, "has no SQLSYSADMINACCOUNTS"),
    (probe(Settings=dict(SETTINGS, UIMODE="Normal")), {}, "sets UIMODE"),
    (probe(Settings=dict(SETTINGS, QUIET="False", UIMODE="Normal")), {}, "sets UIMODE"),
    (probe(), {"agent": "CONTOSO\\svc-agent"}, "SQL Server Agent account CONTOSO\\svc-agent needs its password"),
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


# --- setup.exe's command line: the C runtime rules -------------------------------------------------------------
def c_runtime_argv(text):
    """argv of a C program started with command line `text`, by Microsoft's rules
    (https://learn.microsoft.com/cpp/c-language/parsing-c-command-line-arguments): 2n backslashes + quote
    -> n backslashes and a delimiting quote; 2n+1 backslashes + quote -> n backslashes and a literal quote;
    other backslashes literal; space/tab outside quotes separate."""
    argv, cur, quoted, have, i = [], "", False, False, 0
    while i < len(text):
        if text[i] == "\\":
            j = i
            while j < len(text) and text[j] == "\\":
                j += 1
            if j < len(text) and text[j] == '"':
                cur += "\\" * ((j - i) // 2)
                if (j - i) % 2:
                    cur += '"'
                    j += 1
                i, have = j, True
                continue
            cur += text[i:j]
            i, have = j, True
            continue
        if text[i] == '"':
            quoted, have = not quoted, True
        elif text[i] in " \t" and not quoted:
            if have:
                argv.append(cur)
            cur, have = "", False
        else:
            cur, have = cur + text[i], True
        i += 1
    if have:
        argv.append(cur)
    return argv


def payload_command_line(password, quote):
    """The arguments lync_sql_install.ps1 hands Start-Process (joined with spaces), with the password last
    but one so a swallowed quote shows in the next argument too."""
    return " ".join(['/ConfigurationFile="D:\\Media\\ConfigurationFile.ini"', '/INSTANCENAME="RTC"',
                     '/SQLSVCPASSWORD="%s"' % quote(password), '/AGTSVCACCOUNT="NT Service\\SQLAgent$RTC"'])


@pytest.mark.parametrize("password", ["p@ss\\", "p@ss\\\\", "p@ss\\w\\rd", "plain", "\\"])
def test_a_password_reaches_setup_unchanged(password):
    argv = c_runtime_argv(payload_command_line(password, sql_install.cmdline_value))
    assert argv == ["/ConfigurationFile=D:\\Media\\ConfigurationFile.ini", "/INSTANCENAME=RTC",
                    "/SQLSVCPASSWORD=" + password, "/AGTSVCACCOUNT=NT Service\\SQLAgent$RTC"]


@pytest.mark.parametrize("password", ["p@ss\\", "p@ss\\\\", "p@ss\\\\\\"])
def test_the_old_unescaped_value_broke_a_trailing_backslash(password):
    """Regression: the old payload put the value between the quotes as it was; an odd run of trailing
    backslashes made the closing quote literal and swallowed the next argument; an even run was halved."""
    argv = c_runtime_argv(payload_command_line(password, lambda value: value))
    assert "/SQLSVCPASSWORD=" + password not in argv


def test_agent_account_defaults_to_the_instance_virtual_account():
    assert sql_install.agent_account_for("MSSQLSERVER") == "NT Service\\SQLSERVERAGENT"
    assert sql_install.agent_account_for("rtc") == "NT Service\\SQLAgent$RTC"
    assert sql_install.agent_account_for("RTC", "CONTOSO\\svc-agent") == "CONTOSO\\svc-agent"
    d = decide(probe(), agent="CONTOSO\\svc-agent", agent_password=True)
    assert d["agent_account"] == "CONTOSO\\svc-agent"
    assert decide(probe())["agent_account"] == "NT Service\\SQLAgent$RTC"
