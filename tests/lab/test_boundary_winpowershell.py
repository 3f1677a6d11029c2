"""The stand-in win_powershell's result for a payload the engine runs: the module's contract
(https://docs.ansible.com/ansible/latest/collections/ansible/windows/win_powershell_module.html) and
its Convert-OutputObject (ansible.windows plugins/modules/win_powershell.ps1): past `depth` an object
becomes [string]$obj; DateTime becomes ToString('o'); lists and dictionaries recurse."""

from lync_lab.boundary import winpowershell
from lync_lab.engine import Engine

SCRIPT = """[CmdletBinding(SupportsShouldProcess)]
param([Parameter(Mandatory = $true)][string]$Name, [int]$Count = 2)
$Ansible.Changed = $false
Write-Warning "careful $Name"
$Ansible.Result = @{ Name = $Name; Count = $Count; When = [datetime]::UtcNow
                     Deep = @{ Inner = @{ Leaf = 1 } }; List = @(1, 2) }
"""


class Session:
    def __init__(self):
        self.engine = Engine()


def test_result_streams_and_changed():
    out = winpowershell.run(Session(), SCRIPT, {"Name": "x"}, False, 2)
    assert out["failed"] is False and out["changed"] is False
    assert out["warning"] == ["careful x"]
    assert out["result"]["Name"] == "x" and out["result"]["Count"] == 2
    assert out["result"]["When"].endswith("Z")  # a Utc DateTime round-trips with 'Z'
    assert out["result"]["List"] == [1, 2]


def test_depth_turns_deeper_objects_into_their_string():
    # depth 2: Result (0) -> Deep (1) -> Inner (2) -> Leaf: Inner's value is a hashtable at depth -1.
    out = winpowershell.run(Session(), SCRIPT, {"Name": "x"}, False, 1)
    assert out["result"]["Deep"] == {"Inner": "System.Collections.Hashtable"}
    assert out["result"]["List"] == [1, 2]  # value types stay values past the depth


def test_binding_failure_is_an_error_record():
    out = winpowershell.run(Session(), SCRIPT, {"Nmae": "x"}, False, 2)
    assert out["failed"] is True
    assert "A parameter cannot be found that matches parameter name 'Nmae'." in out["error"][0]["exception"]["message"]


def test_a_script_powershell_cannot_parse_does_not_run():
    out = winpowershell.run(Session(), 'param([string]$id)\n$Ansible.Result = "$id: x"\n', {"id": "a"}, False, 2)
    assert out["failed"] is True and out["error"][0]["fully_qualified_error_id"] == "ParseException"


def test_every_payload_runs_through_the_engine():
    # Issue 10: no payload has a Python twin any more; the lab runs every payload's own text.
    import pathlib

    from lync_lab import boundary, winps
    payloads = {p.stem for p in pathlib.Path(winps.PAYLOAD_DIR).glob("*.ps1")}
    assert payloads and payloads == boundary.engine_payloads()
    assert not (pathlib.Path(winps.__file__).parent / "twins").exists()
