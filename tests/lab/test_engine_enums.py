"""Enums in the engine (lync_lab.engine.values EnumType/EnumValue, types.enum_type), as about_Enum documents them
(https://learn.microsoft.com/powershell/module/microsoft.powershell.core/about/about_enum?view=powershell-5.1);
the New-Object T(args) argument form (New-Object's page); reference-declared parameters mandatory in some sets only.

The engine has no `enum` statement: the enums of the page's examples are declared with types.enum_type, as the
boundary declares .NET enums (boundary/certs.py: X509KeyStorageFlags, X509ContentType, ...)."""

from lync_lab.engine import Engine, default_table, reference
from lync_lab.engine import types as T
from lync_lab.engine import values as V

# about_Enum, Example 1: enum MarkdownUnorderedListCharacter { Asterisk; Dash; Plus }
T.enum_type("MarkdownUnorderedListCharacter", [("Asterisk", 0), ("Dash", 1), ("Plus", 2)])
# about_Enum, "Enumerations as flags": [Flags()] enum FileAttributes { Archive = 1; Compressed = 2; Device = 4; ... }
T.enum_type("FileAttributes", [("Archive", 1), ("Compressed", 2), ("Device", 4), ("Directory", 8), ("Encrypted", 16),
                               ("Hidden", 32)], flags=True)


def run(text):
    return Engine(commands=default_table()).run(text)


def test_casting_labels_and_integers_gives_the_enum_and_compares_equal():
    """Example 1: [MarkdownUnorderedListCharacter]$EnumValue = $Value for 0, 'Asterisk', 1, 'Dash', 2, 'Plus';
    Enumeration shows the label and AreEqual ($Value -eq $EnumValue) is True for each."""
    ran = run("$out = foreach ($Value in @(0, 'Asterisk', 1, 'Dash', 2, 'Plus')) {\n"
              "  [MarkdownUnorderedListCharacter]$EnumValue = $Value\n"
              "  '{0}={1}' -f [string]$EnumValue, ($Value -eq $EnumValue) }\n$Ansible.Result = $out")
    assert ran.result == ["Asterisk=True", "Asterisk=True", "Dash=True", "Dash=True", "Plus=True", "Plus=True"]


def test_static_member_access_and_int_cast():
    """about_Enum: '[<enum-name>]::<label>' accesses a label; casting to [int] gives its value."""
    ran = run("$Ansible.Result = @([string][MarkdownUnorderedListCharacter]::Plus, [int][MarkdownUnorderedListCharacter]::Dash)")
    assert ran.result == ["Plus", 1]


def test_flags_from_a_comma_separated_string_and_from_a_number():
    """about_Enum, flags: [FileAttributes]'Archive, Hidden' combines the labels; a value with several bits set shows
    its labels separated by commas."""
    ran = run("$a = [FileAttributes]'Archive, Hidden'\n$Ansible.Result = @([int]$a, [string]$a, [string][FileAttributes]3,"
              " $a.HasFlag([FileAttributes]::Hidden), $a.HasFlag('Device'))")
    assert ran.result == [33, "Archive, Hidden", "Archive, Compressed", True, False]


def test_a_label_that_does_not_exist_fails_with_the_names_listed():
    ran = run("[MarkdownUnorderedListCharacter]'Star'")
    assert ran.error_messages == [
        'Cannot convert value "Star" to type "MarkdownUnorderedListCharacter". Error: "Unable to match the identifier '
        'name Star to a valid enumerator name. Specify one of the following enumerator names and try again: Asterisk, '
        'Dash, Plus"']


def test_is_and_gettype_of_an_enum_value():
    ran = run("$v = [MarkdownUnorderedListCharacter]'dash'\n"
              "$Ansible.Result = @(($v -is [MarkdownUnorderedListCharacter]), $v.GetType().FullName)")
    assert ran.result == [True, "MarkdownUnorderedListCharacter"]


def test_new_object_parenthesized_argument_list():
    """New-Object's page, "Create an object with a constructor": a parenthesis right after the type name is the next
    positional argument (-ArgumentList), an array when it holds a comma list."""
    engine = Engine(commands=default_table())
    engine.object_factories["lab.pair"] = lambda e, first, second=None: V.PSObject([("First", first), ("Second", second)])
    ran = engine.run("$p = New-Object Lab.Pair('My', 'LocalMachine')\n$q = New-Object Lab.Pair(5)\n"
                     "$Ansible.Result = @($p.First, $p.Second, $q.First)")
    assert ran.result == ["My", "LocalMachine", 5]


def test_reference_parameter_mandatory_in_one_set_only():
    """Set-CsCertificate: -Identity and -Type are required in the Path set only
    (https://learn.microsoft.com/powershell/module/skypeforbusiness/set-cscertificate); in the Thumbprint set they
    are optional, so a declaration from the reference must not make them mandatory everywhere."""
    ref = {"Set-X": {"default_parameter_set": None, "parameter_sets": {"Thumbprint": [], "Path": []}, "parameters": {
        "Identity": {"type": "String", "parameter_sets": ["Thumbprint", "Path"], "required_in": ["Path"]},
        "Thumbprint": {"type": "String", "parameter_sets": ["Thumbprint"], "required_in": ["Thumbprint"]},
        "Path": {"type": "String", "parameter_sets": ["Path"], "required_in": ["Path"]}}}}
    command = reference.command(ref, "Set-X", lambda call: [V.to_string(call.args.get("Thumbprint"))])
    assert {p.name: p.mandatory for p in command.params} == {"Identity": False, "Thumbprint": True, "Path": True}
