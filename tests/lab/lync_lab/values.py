"""Values that arrive through win_powershell sensitive_parameters."""


class Secure:
    """A sensitive parameter's value as win_powershell receives it (.plain); str() never shows the secret."""

    def __init__(self, plain):
        self.plain = plain

    def __repr__(self):
        return "System.Security.SecureString"

    __str__ = __repr__


class Credential:
    """A PSCredential built from username/password."""

    def __init__(self, username, password):
        self.username = username
        self.password = Secure(password or "")

    def __repr__(self):
        return "System.Management.Automation.PSCredential(%s)" % self.username
