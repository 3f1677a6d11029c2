"""Engine core additions the file payloads needed: operators inside a method's argument list, the String members
that take a StringComparison, and $null to a String member's string parameter."""

from lync_lab.engine import Engine, default_table


def run(text):
    return Engine(commands=default_table()).run(text)


def test_an_operator_inside_method_arguments():
    # about_Methods: "the arguments are expressions" — `.StartsWith($a + '\')` adds before the call
    # (https://learn.microsoft.com/powershell/module/microsoft.powershell.core/about/about_methods?view=powershell-5.1).
    result = run("$a = 'D:\\x'; $Ansible.Result = @('D:\\x\\y'.StartsWith($a + '\\'), 'abcd'.Substring(2 - 1, 1 * 2))")
    assert result.result == [True, "bc"]


def test_startswith_with_a_string_comparison():
    # String.StartsWith(String, StringComparison): OrdinalIgnoreCase ignores case; StartsWith(String) does not
    # (https://learn.microsoft.com/dotnet/api/system.string.startswith).
    result = run("$Ansible.Result = @('D:\\X\\y'.StartsWith('d:\\x', [System.StringComparison]::OrdinalIgnoreCase), "
                 "'D:\\X'.StartsWith('d:'), 'ab'.EndsWith('B', 'OrdinalIgnoreCase'), 'ab'.Equals('AB', 'Ordinal'), "
                 "[string][System.StringComparison]::Ordinal)")
    assert result.result == [True, False, True, False, "Ordinal"]
    result = run("'ab'.StartsWith('a', 'Ordinall')")
    assert "Unable to match the identifier name Ordinall" in result.error_messages[0]


def test_null_to_a_string_parameter_throws():
    # String.Contains(null) throws ArgumentNullException (https://learn.microsoft.com/dotnet/api/system.string.contains);
    # PowerShell passes $null to the method as null.
    result = run("'abc'.Contains($null)")
    assert result.error_messages == ['Exception calling "Contains" with "1" argument(s): "Value cannot be null.\r\n'
                                     'Parameter name: value"']
