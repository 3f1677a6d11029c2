"""Install-CsDatabase -ConfiguredDatabases on a server with two instances (issue 9, dbfix).

"-ForInstance: When specified, instructs the Install-CsDatabase cmdlet to only act against the specified SQL
Server instance" (https://learn.microsoft.com/powershell/module/skype/install-csdatabase); without it,
-ConfiguredDatabases acts on every database the topology puts on the server, and -Clean drops them all.
The lab's Install-CsDatabase (lync_lab.databases.install_configured) follows that rule. The payload before
issue 9 (git 1a7fef5) had no -ForInstance: cleaning PCHAT wiped the monitoring databases of RTC.
"""

import pathlib
import shutil
import subprocess

from lync_lab import winps

ROOT = pathlib.Path(__file__).parents[2]
PAYLOAD = "plugins/plugin_utils/payloads/lync_database_install.ps1"
HOST = "fe01.contoso.local"
SQL = "sqlmon01.contoso.local"


def _serve(monkeypatch, folder, text):
    monkeypatch.setenv("LYNC_LAB_NET_USER", "CONTOSO\\svc-lyncbackup")  # the network identity (double hop)
    shutil.copytree(winps.PAYLOAD_DIR, folder)
    (folder / "lync_database_install.ps1").write_text(text, encoding="utf-8")
    monkeypatch.setattr(winps, "PAYLOAD_DIR", folder)
    return text


def _run(lab, script, **parameters):
    args = {"script": script, "parameters": parameters, "depth": 12, "sensitive_parameters": None}
    return winps.run(args, False, str(lab.state_path), HOST, [])


def _rtc_tables(lab):
    return lab.load()["hosts"][SQL]["sql"]["RTC"]["databases"]["LcsCDR"]["content"]["tables"]


def test_clean_for_one_instance_leaves_the_other(make_lab, monkeypatch, tmp_path):
    lab = make_lab("enterprise")
    assert _rtc_tables(lab)
    script = _serve(monkeypatch, tmp_path / "new", (ROOT / PAYLOAD).read_text(encoding="utf-8"))
    result = _run(lab, script, Mode="configured", SqlServerFqdn=SQL, ForInstance="PCHAT", Clean=True)
    assert not result.get("failed"), result
    assert _rtc_tables(lab), "the RTC instance's databases were recreated"


def test_old_payload_cleans_every_instance(make_lab, monkeypatch, tmp_path):
    lab = make_lab("enterprise")
    old = subprocess.run(["git", "show", "1a7fef5:" + PAYLOAD], capture_output=True, text=True, check=True,
                         cwd=ROOT).stdout
    script = _serve(monkeypatch, tmp_path / "old", old)
    result = _run(lab, script, Mode="configured", SqlServerFqdn=SQL, Clean=True)
    assert not result.get("failed"), result
    assert not _rtc_tables(lab), "without -ForInstance the lab's Install-CsDatabase -Clean acts on every instance"


def test_for_instance_and_for_default_instance_together_fail(make_lab, monkeypatch, tmp_path):
    lab = make_lab("enterprise")
    script = _serve(monkeypatch, tmp_path / "new", (ROOT / PAYLOAD).read_text(encoding="utf-8"))
    result = _run(lab, script, Mode="configured", SqlServerFqdn=SQL, ForInstance="PCHAT", ForDefaultInstance=True)
    assert result.get("failed") and "You cannot use both ForInstance and ForDefaultInstance" in str(result)
