"""Lint rules of issue 9 (second hostile review, area reviewe): each flags the old payload text it exists for."""

import pathlib

import pytest

from lync_lab import psparse

PAYLOADS = pathlib.Path(__file__).resolve().parents[2] / "plugins" / "plugin_utils" / "payloads"

# Parameters naming a folder on the SQL server, which may be another host than the one the payload runs on
# (sql_server vs the payload host): SQL Server opens the paths built from them, PowerShell never does.
SQL_SERVER_FOLDERS = {"scratchfolder"}

# lync_sql_restore.ps1 at a1be940 (test mode). Join-Path's FileSystem provider resolves the drive of -Path on the
# payload host and throws "Cannot find drive. A drive with the name 'S' does not exist." when that drive exists
# only on the SQL server (https://learn.microsoft.com/powershell/module/microsoft.powershell.management/join-path);
# [System.IO.Path]::Combine only joins strings
# (https://learn.microsoft.com/dotnet/api/system.io.path.combine).
OLD_SCRATCH_JOIN = """param([string]$ScratchName = '', [string]$ScratchFolder = '')
foreach ($row in $fileList.Rows) {
    $index++
    $values["@physical$index"] = Join-Path -Path $ScratchFolder `
        -ChildPath ("$ScratchName" + "_$index" + [System.IO.Path]::GetExtension([string]$row.PhysicalName))
}
"""


def remote_folder_join_problems(text):
    """Join-Path whose -Path (named or first positional) is a parameter naming a folder on the SQL server."""
    problems = []
    for command in psparse.commands(text):
        if command["name"].lower() != "join-path":
            continue
        named = [a["argument"] for a in command["arguments"] if a["parameter"].lower() == "path"]
        first = named[0] if named else (command["text"].split()[1] if len(command["text"].split()) > 1 else "")
        if first and first.lstrip("$").lower() in SQL_SERVER_FOLDERS:
            problems.append("line %d: Join-Path -Path %s resolves a drive that may exist only on the SQL server: "
                            "use [System.IO.Path]::Combine" % (command["line"], first))
    return problems


def test_remote_folder_join_rule_flags_the_old_sql_restore():
    assert remote_folder_join_problems(OLD_SCRATCH_JOIN)
    assert remote_folder_join_problems("$p = Join-Path $ScratchFolder 'x.mdf'\n")


@pytest.mark.parametrize("path", sorted(PAYLOADS.glob("*.ps1")), ids=lambda p: p.stem)
def test_no_payload_join_paths_a_folder_on_the_sql_server(path):
    assert remote_folder_join_problems(path.read_text(encoding="utf-8")) == []


# lync_services.ps1 at a1be940: -ErrorAction SilentlyContinue "has no effect on terminating errors"
# (about_CommonParameters, https://learn.microsoft.com/powershell/module/microsoft.powershell.core/about/about_commonparameters):
# a terminating error of one Start-CsWindowsService call still ended the payload (under
# $ErrorActionPreference = 'Stop') and the services after it were never asked.
OLD_SERVICES = """$ErrorActionPreference = 'Stop'
$failed = New-Object -TypeName System.Collections.ArrayList  # -ErrorVariable +failed appends to it
foreach ($name in $Names) {
    if ($State -eq 'started') { Start-CsWindowsService -Name $name -NoWait -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable +failed }
    if ($State -eq 'stopped') { Stop-CsWindowsService -Name $name -NoWait -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable +failed }
}
"""


def service_try_problems(text):
    problems = ["line %d: %s outside try/catch: a terminating error ends the payload" % found
                for found in psparse.commands_outside_try(text, ["Start-CsWindowsService", "Stop-CsWindowsService"])]
    for block in psparse.try_blocks(text):
        if {"start-cswindowsservice", "stop-cswindowsservice"} & set(block["commands"]):
            rest = text[text.index(block["text"]) + len(block["text"]):]
            if not rest.lstrip().startswith("catch { $null = $failed.Add($_) }"):
                problems.append("line %d: the catch must add the error to $failed" % block["line"])
    if "Start-CsWindowsService" in text and "New-Object -TypeName System.Collections.ArrayList" not in text:
        problems.append("$failed must be an ArrayList created before the calls ($failed.Add)")
    return problems


def test_service_try_rule_flags_the_old_services_payload():
    assert len(service_try_problems(OLD_SERVICES)) == 2


def test_service_calls_catch_terminating_errors():
    assert service_try_problems((PAYLOADS / "lync_services.ps1").read_text(encoding="utf-8")) == []
