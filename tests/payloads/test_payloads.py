"""Checks over every payload script: syntax, shape, and Microsoft's documented cmdlet syntax.

The cmdlet table is Microsoft's own (office-docs-powershell), trimmed into
tests/payloads/lync-cmdlets.json by tools/trim_cmdlet_reference.py.
"""

import json
import pathlib
import re

import pytest

from lync_lab import psparse

ROOT = pathlib.Path(__file__).resolve().parents[2]
PAYLOAD_DIR = ROOT / "plugins" / "plugin_utils" / "payloads"
PAYLOADS = sorted(PAYLOAD_DIR.glob("*.ps1"))
REFERENCE = json.loads((pathlib.Path(__file__).parent / "lync-cmdlets.json").read_text(encoding="utf-8"))
CMDLETS = {name.lower(): info for name, info in REFERENCE["cmdlets"].items()}
PRODUCTS = ("Lync Server 2013", "Skype for Business Server 2015", "Skype for Business Server 2019")
LYNC_CMDLET_RE = re.compile(r"^[A-Za-z]+-Cs[A-Za-z]+$")
# Commands a read-only probe may call: nothing that writes, deletes, starts or stops.
# (resolve: Resolve-DnsName asks a DNS server, Resolve-Path expands a path; neither changes anything.)
PROBE_VERBS = {"get", "test", "select", "where", "foreach", "sort", "measure", "convertto", "convertfrom", "import", "join", "split",
               "new", "out", "write", "resolve"}
PROBE_WRITERS = {"new-item", "import-csconfiguration", "import-csuserdata", "import-csrgsconfiguration",
                 "import-cslisconfiguration", "import-cspersistentchatdata", "import-cscertificate",
                 "out-file", "new-psdrive", "new-smbshare", "new-csdatabase"}


def test_there_are_payloads():
    """An empty payload folder must not pass these checks vacuously."""
    assert len(PAYLOADS) >= 2, "expected payloads in %s" % PAYLOAD_DIR


@pytest.fixture(params=PAYLOADS, ids=lambda p: p.stem)
def payload(request):
    return request.param.stem, request.param.read_text(encoding="utf-8")


def test_parses_without_error(payload):
    name, text = payload
    assert psparse.syntax_errors(text) == [], "%s.ps1 does not parse" % name


def test_header_names_the_file(payload):
    name, text = payload
    assert psparse.header_name(text) == name


def test_has_cmdletbinding_param_block_and_stops_on_error(payload):
    name, text = payload
    assert psparse.param_block(text) is not None, "%s.ps1 has no param() block" % name
    assert re.search(r"^\[CmdletBinding\(", text, re.MULTILINE), "%s.ps1 has no [CmdletBinding()]" % name
    assert "$ErrorActionPreference = 'Stop'" in text


def test_sets_exactly_one_result_object(payload):
    name, text = payload
    assert len(re.findall(r"^\$Ansible\.Result = ", text, re.MULTILINE)) == 1, \
        "%s.ps1 must assign $Ansible.Result exactly once, at top level" % name


GATED_RE = re.compile(r"^# version-gated: (?P<cmdlet>[A-Za-z]+-Cs[A-Za-z]+) \((?P<why>.+)\)$", re.MULTILINE)


def test_lync_cmdlets_and_parameters_are_documented(payload):
    """Every *-Cs* cmdlet and parameter exists in Microsoft's syntax for all supported products.

    A payload may use a cmdlet that some product lacks only if its header declares it, with the
    reason it is never called there: '# version-gated: <Cmdlet> (<why>)'.
    """
    name, text = payload
    gated = {m.group("cmdlet").lower() for m in GATED_RE.finditer(text)}
    problems = []
    for command in psparse.commands(text):
        cmdlet = command["name"]
        if not LYNC_CMDLET_RE.match(cmdlet):
            continue
        info = CMDLETS.get(cmdlet.lower())
        if info is None:
            problems.append("line %d: %s is not a documented cmdlet" % (command["line"], cmdlet))
            continue
        # A declared version-gated cmdlet must still be right for Lync Server 2013, the baseline.
        products = PRODUCTS[:1] if cmdlet.lower() in gated else PRODUCTS
        missing_products = [p for p in products if p not in info["applicable"]]
        if missing_products:
            problems.append("line %d: %s does not apply to %s" % (command["line"], cmdlet, ", ".join(missing_products)))
        if command["splatted"]:
            problems.append("line %d: %s is called with splatted parameters, which cannot be checked"
                            % (command["line"], cmdlet))
        known = {p.lower(): p for p in info["parameters"]}
        for alias_owner, pinfo in info["parameters"].items():
            for alias in pinfo["aliases"]:
                known[alias.lower()] = alias_owner
        allowed = {p.lower() for p in REFERENCE["common_parameters"]}
        if info["supports_should_process"]:
            allowed |= {p.lower() for p in REFERENCE["should_process_parameters"]}
        for param in command["parameters"]:
            real = known.get(param.lower())
            if real is None:
                if param.lower() not in allowed:
                    problems.append("line %d: %s has no parameter -%s" % (command["line"], cmdlet, param))
                continue
            gaps = [p for p in products if p not in info["parameters"][real]["applicable"]]
            if gaps:
                problems.append("line %d: %s -%s does not exist in %s" % (command["line"], cmdlet, param, ", ".join(gaps)))
    assert problems == [], "%s.ps1:\n  %s" % (name, "\n  ".join(problems))


def test_probes_only_read(payload):
    """A payload that runs in check mode (SupportsShouldProcess) must not change the host."""
    name, text = payload
    if not psparse.supports_should_process(text):
        return
    for command in psparse.commands(text):
        cmd = command["name"].lower()
        if cmd.startswith("$"):
            continue
        verb = cmd.split("-", 1)[0]
        assert verb in PROBE_VERBS and cmd not in PROBE_WRITERS, \
            "%s.ps1 is a check-mode probe but calls %s (line %d)" % (name, command["name"], command["line"])
    assert "$Ansible.Changed = $false" in text, "%s.ps1 is a probe and must report changed = false" % name


def test_checker_catches_undocumented_parameters():
    """The cmdlet check itself must fail on a bad parameter, or it proves nothing."""
    text = "# lync-payload: bad\n[CmdletBinding()]\nparam()\n$ErrorActionPreference = 'Stop'\n" \
           "Export-CsUserData -PoolFqdn $x -FileName $y -NoSuchSwitch\nGet-CsNoSuchThing\n$Ansible.Result = @{}\n"
    with pytest.raises(AssertionError) as err:
        test_lync_cmdlets_and_parameters_are_documented(("bad", text))
    assert "no parameter -NoSuchSwitch" in str(err.value)
    assert "Get-CsNoSuchThing is not a documented cmdlet" in str(err.value)


def test_checker_catches_version_gated_parameters():
    """-SqlInstanceName exists only from Skype for Business Server 2015 on."""
    text = "# lync-payload: bad\n[CmdletBinding()]\nparam()\n$ErrorActionPreference = 'Stop'\n" \
           "Export-CsUserData -SqlInstanceName $x -FileName $y\n$Ansible.Result = @{}\n"
    with pytest.raises(AssertionError, match="does not exist in Lync Server 2013"):
        test_lync_cmdlets_and_parameters_are_documented(("bad", text))


def test_version_gating_must_be_declared():
    text = "# lync-payload: bad\n[CmdletBinding()]\nparam()\n$ErrorActionPreference = 'Stop'\n" \
           "Export-CsPersistentChatData -DBInstance $x -FileName $y\n$Ansible.Result = @{}\n"
    with pytest.raises(AssertionError, match="does not exist in Skype for Business Server 2019"):
        test_lync_cmdlets_and_parameters_are_documented(("bad", text))
    gated = text.replace("param()", "param()\n# version-gated: Export-CsPersistentChatData (not in 2019)")
    test_lync_cmdlets_and_parameters_are_documented(("bad", gated))


def test_checker_catches_syntax_errors():
    assert psparse.syntax_errors("param(\n$a = {\n") != []


# --- issue 9: rules over every payload that tree-sitter alone does not give ----------------------

WINDOWS = json.loads((pathlib.Path(__file__).parent / "windows-cmdlets.json").read_text(encoding="utf-8"))["commands"]
WINDOWS_COMMANDS = {name.lower(): info for name, info in WINDOWS.items()}
WHATIF_FALSE_RE = re.compile(r"-WhatIf:\s*\$false\b", re.IGNORECASE)
FUNCTION_RE = re.compile(r"^\s*function\s+([A-Za-z][\w-]*)", re.IGNORECASE | re.MULTILINE)


def _foreach_script_block_form(command):
    """ForEach-Object's script-block form (-Process, or a { } first argument): its 5.1 page lists [-WhatIf] [-Confirm]
    (https://learn.microsoft.com/powershell/module/microsoft.powershell.core/foreach-object?view=powershell-5.1), but
    the block runs in the caller's scope and only the member form (-MemberName) calls ShouldProcess; the commands
    inside the block are checked on their own."""
    names = {a["parameter"].lower() for a in command["arguments"]}
    if "membername" in names:
        return False
    if names & {"process", "begin", "end"}:
        return True
    rest = command["text"].split(None, 1)[1].lstrip() if len(command["text"].split(None, 1)) > 1 else ""
    return rest.startswith("{")


def should_process_problems(text):
    """In a payload win_powershell runs with -WhatIf in check mode ([CmdletBinding(SupportsShouldProcess)]),
    every call of a command that supports ShouldProcess must pass -WhatIf:$false, or it inherits
    -WhatIf ($WhatIfPreference), writes a what-if line and returns nothing.

    Decision (docs/testing.md): such payloads are read-only probes (test_probes_only_read), so no call
    is a change meant to be skipped in check mode; there is no exception. A payload that changes
    something is not SupportsShouldProcess, and win_powershell skips it in check mode.
    Every command such a payload calls must be known: a Lync cmdlet (lync-cmdlets.json, Microsoft's
    syntax) or a Windows command in windows-cmdlets.json (with the page showing whether its syntax
    has [-WhatIf] [-Confirm]), or a function the payload defines.
    """
    if not psparse.supports_should_process(text):
        return []
    own = {m.group(1).lower() for m in FUNCTION_RE.finditer(text)}
    problems = []
    for command in psparse.commands(text):
        name = command["name"].lower()
        if name in own or not re.match(r"^[A-Za-z]+-[A-Za-z0-9]+$", command["name"]):
            continue
        if name in CMDLETS:
            supports = CMDLETS[name]["supports_should_process"]
        elif name in WINDOWS_COMMANDS:
            supports = WINDOWS_COMMANDS[name]["supports_should_process"]
        else:
            problems.append("line %d: %s is in neither lync-cmdlets.json nor windows-cmdlets.json; add it with "
                            "Microsoft's page and whether it supports ShouldProcess" % (command["line"], command["name"]))
            continue
        if name == "foreach-object" and _foreach_script_block_form(command):
            continue
        if supports and not WHATIF_FALSE_RE.search(command["text"]):
            problems.append("line %d: %s supports ShouldProcess and inherits -WhatIf in check mode; pass -WhatIf:$false"
                            % (command["line"], command["name"]))
    return problems


def test_should_process_calls_pass_whatif_false(payload):
    name, text = payload
    problems = should_process_problems(text)
    assert problems == [], "%s.ps1:\n  %s" % (name, "\n  ".join(problems))


def test_no_unrolled_collections(payload):
    """A list assigned from a statement or pipeline must be wrapped in @( ) as a whole (about_Arrays)."""
    name, text = payload
    problems = psparse.unrolled_collections(text)
    assert problems == [], "%s.ps1:\n  %s" % (name, "\n  ".join("line %d: %s" % p for p in problems))


def test_tokenizer_rules_catch_the_old_backup_set_remove():
    """The line that broke retention before issue 9; tree-sitter's grammar alone accepted it."""
    old = 'throw "refusing to remove $id: not a backup set name"\n'
    assert any("InvalidVariableReferenceWithDrive" in message for dummy, message in psparse.syntax_errors(old))


# --- Values a Lync cmdlet parameter can bind ------------------------------------------------------------------
# A [string] parameter takes one value: Start-CsWindowsService -Name "You can only pass a single service name
# to the Name parameter" (https://learn.microsoft.com/en-us/powershell/module/skypeforbusiness/start-cswindowsservice);
# an array given to a scalar parameter fails parameter binding (about_Parameter_Binding / CannotConvertArgument).

def _is_array_argument(argument, array_params):
    text = argument.strip()
    if text.startswith("@("):
        return True
    if re.fullmatch(r"\$(?P<v>[A-Za-z_][A-Za-z0-9_]*)", text) and text[1:].lower() in array_params:
        return True
    unquoted = re.sub(r"'[^']*'|\"[^\"]*\"|\([^()]*\)", "", text)
    return "," in unquoted


def test_scalar_cmdlet_parameters_get_one_value(payload):
    """No array (a [string[]] parameter of the payload, @(...), a comma list) goes to a Lync cmdlet parameter that
    Microsoft documents as a single value."""
    name, text = payload
    params = psparse.param_block(text) or {}
    arrays = {p.lower() for p, info in params.items() if info["kind"] == "list"}
    problems = []
    for command in psparse.commands(text):
        info = CMDLETS.get(command["name"].lower())
        if info is None:
            continue
        documented = {p.lower(): p for p in info["parameters"]}
        for arg in command["arguments"]:
            real = documented.get(arg["parameter"].lower())
            if real is None or arg["argument"] is None:
                continue
            kind = info["parameters"][real]["type"]
            if kind == "SwitchParameter" and not arg["attached"]:
                continue
            if not kind.endswith("[]") and "list" not in kind.lower() and _is_array_argument(arg["argument"], arrays):
                problems.append("line %d: %s -%s takes one %s, not the array %s" % (
                    command["line"], command["name"], real, kind, arg["argument"]))
    assert problems == [], "%s.ps1:\n  %s" % (name, "\n  ".join(problems))


def test_cs_windows_service_calls_do_not_wait(payload):
    """Start-/Stop-CsWindowsService always with -NoWait: without it the call blocks until the services get there,
    and a Front End pool's services stay starting until enough of its Front Ends are started (Front End pool
    high availability: https://learn.microsoft.com/en-us/skypeforbusiness/plan-your-deployment/high-availability-and-disaster-recovery/high-availability).
    The wait belongs to the action plugin (plugin_utils/services.py), which starts every Front End first.
    The one exception is Deployment Wizard step 1's `Start-CsWindowsService -Name 'REPLICA'` (Install Local
    Configuration Store): the Replica Replicator Agent does not wait for the pool."""
    name, text = payload
    blocking = [c for c in psparse.commands(text)
                if c["name"].lower() in ("start-cswindowsservice", "stop-cswindowsservice")
                and "nowait" not in [p.lower() for p in c["parameters"]]
                and not any(a["parameter"].lower() == "name" and (a["argument"] or "").strip("'\"").upper() == "REPLICA"
                            for a in c["arguments"])]
    assert blocking == [], "%s.ps1: %s" % (name, ", ".join("line %d: %s without -NoWait" % (c["line"], c["name"])
                                                           for c in blocking))


# The lync_services.ps1 of commit 1a7fef5: a [string[]] to -Name, and no -NoWait.
OLD_LYNC_SERVICES = """# lync-payload: lync_services
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)][string]$State,
    [string[]]$Names = @(),
    [int]$WaitSeconds = 600
)
$ErrorActionPreference = 'Stop'
if ($State -eq 'started') {
    if ($Names.Count -gt 0) { Start-CsWindowsService -Name $Names -Confirm:$false } else { Start-CsWindowsService -Confirm:$false }
}
elseif ($State -eq 'stopped') {
    if ($Names.Count -gt 0) { Stop-CsWindowsService -Name $Names -Confirm:$false } else { Stop-CsWindowsService -Confirm:$false }
}
$Ansible.Result = @{}
"""


def test_checker_catches_an_array_to_a_single_value_parameter():
    with pytest.raises(AssertionError) as err:
        test_scalar_cmdlet_parameters_get_one_value(("old", OLD_LYNC_SERVICES))
    assert "Start-CsWindowsService -Name takes one String, not the array $Names" in str(err.value)
    assert "Stop-CsWindowsService -Name takes one String" in str(err.value)
    for bad in ("Start-CsWindowsService -Name 'RTCSRV','REPLICA' -NoWait", "Start-CsWindowsService -Name @($x) -NoWait",
                "Start-CsWindowsService -Name:$Names -NoWait"):
        with pytest.raises(AssertionError):
            test_scalar_cmdlet_parameters_get_one_value(("bad", OLD_LYNC_SERVICES.replace(
                "$Ansible.Result = @{}", bad + "\n$Ansible.Result = @{}")))
    test_scalar_cmdlet_parameters_get_one_value(("good", OLD_LYNC_SERVICES.replace("-Name $Names", "-Name $name")))


def test_checker_catches_a_blocking_cs_windows_service_call():
    with pytest.raises(AssertionError, match="line 10: Start-CsWindowsService without -NoWait"):
        test_cs_windows_service_calls_do_not_wait(("old", OLD_LYNC_SERVICES))
