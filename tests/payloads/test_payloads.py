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
    assert any("InvalidVariableReferenceWithDrive" in message for _, message in psparse.syntax_errors(old))
