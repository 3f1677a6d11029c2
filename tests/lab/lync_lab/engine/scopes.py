"""Variables and scopes (about_Scopes, about_Automatic_Variables, about_Preference_Variables).

Scopes are dynamic: a function's scope is a child of the scope it is called from; reading a
variable walks up to the global scope; plain assignment creates the variable in the current
scope; `$script:`/`$global:`/`$local:` name a scope; `$env:` reads the process environment.
A variable declared with a type (`[int]$x = ...`, or a typed parameter) keeps converting
values assigned to it."""

from . import values as V


class Variable:
    def __init__(self, name, value=None, type_name=None, constant=False):
        self.private = False
        self.name = name
        self.value = value
        self.type_name = type_name
        self.constant = constant


class Scope:
    def __init__(self, parent=None, kind="local"):
        self.parent = parent
        self.kind = kind
        self.vars = {}

    def find(self, name):
        """The Variable named `name` here or in a parent scope, or None."""
        lower = name.lower()
        scope = self
        while scope is not None:
            found = scope.vars.get(lower)
            if found is not None and (scope is self or not found.private):
                return found
            scope = scope.parent
        return None

    def set(self, name, value, type_name=None, private=False):
        """Assign in this scope (a new variable shadows a parent's); converts to the declared type."""
        lower = name.lower()
        var = self.vars.get(lower)
        if var is None:
            var = self.vars[lower] = Variable(name)
        if var.constant:
            from .errors import runtime_error
            raise runtime_error("Cannot overwrite variable %s because it is read-only or constant." % name,
                                "System.Management.Automation.SessionStateUnauthorizedAccessException",
                                "VariableNotWritable", "WriteError")
        if private:
            var.private = True
        if type_name is not None:
            var.type_name = type_name
        if var.type_name is not None:
            value = V.convert(value, var.type_name)
        var.value = value
        return var

    def remove(self, name):
        self.vars.pop(name.lower(), None)


def split_name(text):
    """('script', 'x') from '$script:x', (None, 'x') from '$x' or '${x}', ('env', 'TEMP') from '$env:TEMP';
    a leading '@' (splatting) is accepted."""
    body = text.lstrip("$@")
    if body.startswith("{") and body.endswith("}"):
        body = body[1:-1].replace("`}", "}").replace("`{", "{")
    qualifier, sep, rest = body.partition(":")
    if sep and rest and qualifier.lower() in ("script", "global", "local", "private", "env", "variable", "using"):
        return qualifier.lower(), rest
    return None, body
