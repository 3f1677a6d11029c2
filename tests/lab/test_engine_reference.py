"""engine/reference.py: a Lync cmdlet declared from the cmdlet reference binds as its page documents it.

A parameter is mandatory in the parameter sets whose syntax block makes it so, not in every set it belongs
to (about_Parameter_Sets: "Each parameter set must have at least one unique parameter ... A parameter can be
mandatory in one set and optional in another";
https://learn.microsoft.com/powershell/module/microsoft.powershell.core/about/about_parameter_sets?view=powershell-5.1).
Set-CsCertificate (https://learn.microsoft.com/powershell/module/skypeforbusiness/set-cscertificate): -Identity
belongs to the CertificateReference, Thumbprint and Path sets and is required only with -Path.
"""

import pytest

from lync_lab.boundary import lync_deploy
from lync_lab.engine import Engine, default_table, reference


def _engine():
    calls = []
    table = default_table()
    table.add(reference.command(lync_deploy.cmdlet_reference(), "Set-CsCertificate",
                                lambda call: calls.append((call.set_name, dict(call.args))) or []))
    return Engine(commands=table), calls


def test_a_parameter_required_in_one_set_is_optional_in_the_others():
    engine, calls = _engine()
    ran = engine.run("Set-CsCertificate -Type Default -Thumbprint ABC -Confirm:$false", {})
    assert not ran.errors and calls and calls[0][0] == "Thumbprint" and "Identity" not in calls[0][1]


@pytest.mark.parametrize("script", ["Set-CsCertificate -Type Default -Path C:\\cert.pfx -Confirm:$false"])
def test_it_stays_mandatory_in_the_set_that_requires_it(script):
    engine, calls = _engine()
    ran = engine.run(script, {})
    assert not calls
    assert any("missing mandatory parameters: Identity" in e.Exception.Message for e in ran.errors) or \
        "missing mandatory parameters: Identity" in str(getattr(ran, "terminating", ""))
