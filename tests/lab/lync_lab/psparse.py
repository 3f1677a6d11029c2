"""Read PowerShell payloads with the tree-sitter PowerShell grammar.

Used by the lab (to bind win_powershell `parameters` the way PowerShell would) and by
the payload tests (syntax, param block, every Lync cmdlet and parameter a payload uses).
"""

import functools
import re

import tree_sitter
import tree_sitter_powershell

HEADER_RE = re.compile(r"\A# lync-payload: (?P<name>[a-z][a-z0-9_]*)\r?\n")

# PowerShell type accelerators the payloads use, mapped to the lab's value kinds.
TYPE_KINDS = {
    "string": "string", "string[]": "list", "int": "int", "int32": "int", "int64": "int", "long": "int",
    "switch": "switch", "bool": "bool", "hashtable": "dict", "hashtable[]": "list", "object[]": "list",
    "securestring": "secure", "system.security.securestring": "secure",
    "pscredential": "credential", "system.management.automation.pscredential": "credential",
    "": "any", "object": "any",
}


@functools.lru_cache(maxsize=None)
def _parser():
    return tree_sitter.Parser(tree_sitter.Language(tree_sitter_powershell.language()))


def parse(text):
    """The syntax tree of a script (bytes or str)."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    return _parser().parse(data), data


def _walk(node):
    yield node
    for child in node.children:
        yield from _walk(child)


def syntax_errors(text):
    """[(line, snippet or message)] for every ERROR or MISSING node of the tree-sitter grammar and
    every tokenizer rule PowerShell enforces that the grammar does not (tokenizer_errors); empty
    when PowerShell would parse the script."""
    tree, data = parse(text)
    found = []
    # has_error: the subtree holds an ERROR or MISSING node; walk only then (a payload's tree has
    # tens of thousands of nodes and is walked on every lab run).
    for node in _walk(tree.root_node) if tree.root_node.has_error else ():
        if node.type == "ERROR" or node.is_missing:
            found.append((node.start_point[0] + 1, data[node.start_byte:node.end_byte][:60].decode("utf-8", "replace")))
    return found + tokenizer_errors(data.decode("utf-8"))


# --- What PowerShell's tokenizer rejects and the tree-sitter grammar accepts ----------------------
#
# The Windows PowerShell Language Specification, chapter 2 (lexical structure, §2.3.6 Variables):
# https://learn.microsoft.com/powershell/scripting/lang-spec/chapter-02
#     variable:        $ variable-scope(opt) variable-characters | braced-variable
#     variable-scope:  global: local: private: script: using: workflow: variable-namespace
#     variable-namespace: variable-characters :
# so `$name:` must be followed by a variable character: "$id: text" is the parse error
# InvalidVariableReferenceWithDrive ("Variable reference is not valid. ':' was not followed by a
# valid variable name character. Consider using ${} to delimit the name."), in an expandable
# string as much as in code (about_Variables, "Variable names that include special characters";
# about_Quoting_Rules, "Double-quoted strings"):
# https://learn.microsoft.com/powershell/module/microsoft.powershell.core/about/about_variables
# https://learn.microsoft.com/powershell/module/microsoft.powershell.core/about/about_quoting_rules
# `$name:rest` with a name that is neither a scope nor a drive the payloads mean parses, but
# reads an item of the PowerShell drive `name:` (a missing drive is an error at run time), so the
# lint refuses it too. Here-strings (about_Quoting_Rules, "Here-strings"): the opening @" or @'
# must end its line, the closing "@ or '@ must start a line. PowerShell also reads the
# typographic quotes U+2018/U+2019/U+201A/U+201B as ' and U+201C/U+201D/U+201E as " (spec §2.3.5.2,
# single-quote-character / double-quote-character), so one pasted into a string ends it.

VARIABLE_SCOPES = {"global", "local", "private", "script", "using", "workflow"}
# PowerShell drives whose items the payloads read as variables ($env:ProgramData).
VARIABLE_DRIVES = {"env", "variable", "function", "alias"}
SINGLE_QUOTES = "'\u2018\u2019\u201a\u201b"
DOUBLE_QUOTES = "\"\u201c\u201d\u201e"
TYPOGRAPHIC_QUOTES = "\u2018\u2019\u201a\u201b\u201c\u201d\u201e"


def _is_var_char(ch):
    return ch.isalnum() or ch in "_?"


class _Scanner:
    def __init__(self, text):
        self.text = text
        self.errors = []

    def line(self, pos):
        return self.text.count("\n", 0, pos) + 1

    def error(self, pos, message):
        self.errors.append((self.line(pos), message))

    def variable(self, pos, in_string):
        """Check the variable at text[pos] == '$'; return the position after it."""
        text, n = self.text, len(self.text)
        i = pos + 1
        if i >= n:
            return i
        ch = text[i]
        if ch == "{":
            j = i + 1
            while j < n and text[j] != "}":
                j += 2 if text[j] == "`" else 1
            if j >= n:
                self.error(pos, "${ without a closing }")
                return n
            name = text[i + 1:j]
            if name.strip() == "":
                self.error(pos, "empty variable name ${}")
            elif ":" in name:
                scope, dummy, rest = name.partition(":")
                if rest == "":
                    self.error(pos, "${%s} names a drive or scope but no variable" % name)
            return j + 1
        if ch in "$^" and not in_string:
            return i + 1
        if not _is_var_char(ch):
            return i  # a lone $ (literal in strings; `$(` is a subexpression)
        j = i
        while j < n and _is_var_char(text[j]):
            j += 1
        name = text[i:j]
        if j < n and text[j] == ":" and not (j + 1 < n and text[j + 1] == ":"):
            if j + 1 < n and _is_var_char(text[j + 1]):
                k = j + 1
                while k < n and _is_var_char(text[k]):
                    k += 1
                if name.lower() not in VARIABLE_SCOPES | VARIABLE_DRIVES:
                    self.error(pos, "$%s reads the PowerShell drive '%s:', not $%s; write ${%s}: or $(%s):"
                               % (text[i:k], name, name, name, "$" + name))
                return k
            self.error(pos, "$%s: is not a valid variable reference (InvalidVariableReferenceWithDrive);"
                            " write ${%s}: or $($%s):" % (name, name, name))
            return j + 1
        return j

    def here_string(self, pos, quote):
        """text[pos:pos+2] is @" or @'; return the position after the closing quote-@."""
        text, n = self.text, len(self.text)
        eol = text.find("\n", pos + 2)
        header_rest = text[pos + 2:eol if eol >= 0 else n]
        if header_rest.strip(" \t\r") != "":
            self.error(pos, "characters after a here-string header @%s on its line" % quote)
        if eol < 0:
            self.error(pos, "here-string @%s is not terminated" % quote)
            return n
        closers = SINGLE_QUOTES if quote == "'" else DOUBLE_QUOTES
        i = eol + 1
        while i < n:
            line_end = text.find("\n", i)
            line_end = n if line_end < 0 else line_end
            if text[i] in closers and i + 1 < n and text[i + 1] == "@":
                return i + 2
            if quote == '"':
                self.expandable(i, line_end)
            i = line_end + 1
        self.error(pos, "here-string @%s is not terminated by %s@ at the start of a line" % (quote, quote))
        return n

    def expandable(self, start, end):
        """Scan the variables and subexpressions of expandable text[start:end]."""
        i = start
        while i < end:
            ch = self.text[i]
            if ch == "`":
                i += 2
            elif ch == "$" and i + 1 < end and self.text[i + 1] == "(":
                i = self.code(i + 2, closing=")")
            elif ch == "$":
                i = self.variable(i, True)
            else:
                i += 1

    def double_quoted(self, pos):
        """text[pos] opens a double-quoted string; return the position after it."""
        text, n = self.text, len(self.text)
        i = pos + 1
        while i < n:
            ch = text[i]
            if ch == "`":
                i += 2
            elif ch in DOUBLE_QUOTES:
                if i + 1 < n and text[i + 1] in DOUBLE_QUOTES:
                    i += 2
                    continue
                if ch != '"':
                    self.error(i, "typographic quote %r ends this string in PowerShell" % ch)
                return i + 1
            elif ch == "$" and i + 1 < n and text[i + 1] == "(":
                i = self.code(i + 2, closing=")")
            elif ch == "$":
                i = self.variable(i, True)
            else:
                i += 1
        self.error(pos, "string is not terminated")
        return n

    def single_quoted(self, pos):
        text, n = self.text, len(self.text)
        i = pos + 1
        while i < n:
            if text[i] in SINGLE_QUOTES:
                if i + 1 < n and text[i + 1] in SINGLE_QUOTES:
                    i += 2
                    continue
                if text[i] != "'":
                    self.error(i, "typographic quote %r ends this string in PowerShell" % text[i])
                return i + 1
            i += 1
        self.error(pos, "string is not terminated")
        return n

    def code(self, pos, closing=None):
        """Scan code from pos; with closing=')', stop after the matching parenthesis."""
        text, n = self.text, len(self.text)
        depth = 0
        i = pos
        while i < n:
            ch = text[i]
            prev = text[i - 1] if i > 0 else "\n"
            if ch == "<" and text.startswith("<#", i):
                end = text.find("#>", i + 2)
                i = n if end < 0 else end + 2
            elif ch == "#" and (prev.isspace() or prev in ";(){}|,="):
                end = text.find("\n", i)
                i = n if end < 0 else end
            elif ch == "@" and i + 1 < n and text[i + 1] in "\"'":
                i = self.here_string(i, text[i + 1])
            elif ch in DOUBLE_QUOTES:
                if ch != '"':
                    self.error(i, "typographic quote %r opens a string in PowerShell" % ch)
                i = self.double_quoted(i)
            elif ch in SINGLE_QUOTES:
                if ch != "'":
                    self.error(i, "typographic quote %r opens a string in PowerShell" % ch)
                i = self.single_quoted(i)
            elif ch == "`":
                rest = text[i + 1:text.find("\n", i) if "\n" in text[i:] else n]
                if rest and rest.strip(" \t\r") == "" and rest != "\r":
                    self.error(i, "backtick followed by white space: the line does not continue")
                i += 2
            elif ch == "$":
                i = self.variable(i, False) if not text.startswith("$(", i) else i + 1
            elif ch == "(":
                depth += 1
                i += 1
            elif ch == ")":
                if closing and depth == 0:
                    return i + 1
                depth -= 1
                i += 1
            else:
                i += 1
        return n


def tokenizer_errors(text):
    """[(line, message)] for what PowerShell's tokenizer rejects (or misreads) and tree-sitter accepts."""
    text = text.decode("utf-8") if isinstance(text, bytes) else text
    scanner = _Scanner(text)
    scanner.code(0)
    return scanner.errors


def _text(node, data):
    return data[node.start_byte:node.end_byte].decode("utf-8")


def param_block(text):
    """{name: {"kind": ..., "mandatory": bool, "type": str}} from the script's param() block, or None."""
    tree, data = parse(text)
    block = next((n for n in tree.root_node.children if n.type == "param_block"), None)
    if block is None:
        return None
    params = {}
    plist = next((c for c in block.children if c.type == "parameter_list"), None)
    for sp in (plist.children if plist else []):
        if sp.type != "script_parameter":
            continue
        var = next(c for c in sp.children if c.type == "variable")
        name = _text(var, data).lstrip("$")
        type_name, mandatory = "", False
        attrs = next((c for c in sp.children if c.type == "attribute_list"), None)
        for attr in (attrs.children if attrs else []):
            literal = next((c for c in attr.children if c.type == "type_literal"), None)
            if literal is not None:
                spec = next(c for c in literal.children if c.type == "type_spec")
                type_name = _text(spec, data)
                continue
            attr_text = _text(attr, data)
            if re.match(r"\[\s*Parameter\s*\(", attr_text, re.IGNORECASE):
                mandatory = bool(re.search(r"Mandatory(\s*=\s*\$true)?\s*[,)]", attr_text, re.IGNORECASE))
        kind = TYPE_KINDS.get(type_name.lower())
        if kind is None:
            raise ValueError("parameter $%s has a type the lab does not know: [%s]" % (name, type_name))
        params[name] = {"kind": kind, "mandatory": mandatory, "type": type_name or "object",
                        "has_default": any(c.type == "script_parameter_default" for c in sp.children)}
    return params


def supports_should_process(text):
    """True when [CmdletBinding(SupportsShouldProcess)] heads the param block (win_powershell's rule)."""
    tree, data = parse(text)
    block = next((n for n in tree.root_node.children if n.type == "param_block"), None)
    if block is None:
        return False
    attrs = next((c for c in block.children if c.type == "attribute_list"), None)
    for attr in (attrs.children if attrs else []):
        attr_text = _text(attr, data)
        if re.match(r"\[\s*CmdletBinding\s*\(", attr_text, re.IGNORECASE):
            return bool(re.search(r"SupportsShouldProcess(\s*=\s*\$true)?\s*[,)]", attr_text, re.IGNORECASE))
    return False


def commands(text):
    """[{"name", "parameters", "splatted", "arguments", "line", "text"}] for every command the script invokes by name.

    arguments: [{"parameter", "argument" (text of the value given to it, or None), "attached" (-P:value)}]."""
    tree, data = parse(text)
    found = []
    for node in _walk(tree.root_node):
        if node.type != "command":
            continue
        name_node = node.child_by_field_name("command_name")
        if name_node is None or name_node.type != "command_name":
            continue  # `& $exe ...`: a dynamic invocation, not a named command
        elements = next((c for c in node.children if c.type == "command_elements"), None)
        parameters, splatted, arguments = [], False, []
        children = list(elements.children if elements else [])
        for index, element in enumerate(children):
            if element.type == "command_parameter":
                parameters.append(_text(element, data).lstrip("-").rstrip(":"))
                # The element after the parameter (past one separator): its argument, unless it is another
                # parameter. `attached` marks the -Name:$value form (the only way a switch takes a value).
                rest = children[index + 1:index + 3]
                argument, attached = None, False
                if len(rest) == 2 and rest[0].type == "command_argument_sep" and rest[1].type != "command_parameter":
                    argument, attached = _text(rest[1], data), _text(rest[0], data).strip() == ":"
                elif _text(element, data).endswith(":") and rest and rest[0].type != "command_parameter":
                    argument, attached = _text(rest[0], data), True
                arguments.append({"parameter": parameters[-1], "argument": argument, "attached": attached})
            elif _text(element, data).startswith("@") and element.type != "command_argument_sep":
                splatted = splatted or bool(re.match(r"@[A-Za-z_]", _text(element, data)))
        found.append({"name": _text(name_node, data), "parameters": parameters, "splatted": splatted,
                      "arguments": arguments, "line": node.start_point[0] + 1, "text": _text(node, data)})
    return found


def header_name(text):
    """The name in the '# lync-payload: <name>' header, or None."""
    match = HEADER_RE.match(text if isinstance(text, str) else text.decode("utf-8"))
    return match.group("name") if match else None


# --- Pipelines and statements unroll their output ------------------------------------------------
#
# A statement or pipeline on the right of `=` collects what it writes to the pipeline: nothing
# gives $null, one object gives that object, more give an object[] (about_Assignment_Operators,
# "Assigning the result of a statement"; about_Pipelines; about_Arrays, "the array subexpression
# operator @( ) ... returns the result as an array even if it contains zero or one object"):
# https://learn.microsoft.com/powershell/module/microsoft.powershell.core/about/about_assignment_operators
# https://learn.microsoft.com/powershell/module/microsoft.powershell.core/about/about_pipelines
# https://learn.microsoft.com/powershell/module/microsoft.powershell.core/about/about_arrays
# `@(...)` returned inside an if/switch/foreach branch is unrolled again on its way out: only
# `$x = @(if (...) {...})` keeps a list of one. A variable so assigned and then used as a list
# (indexed, .Count/.Length, `+=`, or handed to the result as a value, where one string becomes a
# JSON string and an empty list $null) must be assigned with @( ) around the whole right side.
UNROLLING_STATEMENTS = {"if_statement", "switch_statement", "foreach_statement", "for_statement",
                        "while_statement", "do_statement", "try_statement"}
_PLAIN_VARIABLE_RE = re.compile(r"^\$(?:(?:script|local|global|private):)?([A-Za-z_][A-Za-z0-9_]*)$", re.IGNORECASE)


# Commands whose output is a list by nature (a filtered, sorted or listed set of objects).
LIST_COMMANDS = {"foreach-object", "where-object", "sort-object", "get-childitem", "get-csservice",
                 "get-cspool", "get-cssite", "get-cscertificate", "get-cswindowsservice"}
_AUTOMATIC = {"null", "true", "false", "_", "psitem", "args", "input"}


def _unwrap(node):
    while node.type in ("pipeline", "pipeline_chain") and len(node.children) == 1:
        node = node.children[0]
    return node


def _commands_of(node):
    node = _unwrap(node)
    if node.type == "command":
        return [node]
    if node.type in ("pipeline", "pipeline_chain"):
        return [c for c in node.children if c.type == "command"]
    return []


def _unrolls(rhs):
    """Whether an assignment's right side is a statement or a pipeline with a command in it."""
    return rhs.type in UNROLLING_STATEMENTS or bool(_commands_of(rhs))


def _means_a_list(rhs, data, list_functions):
    """Whether the right side was written to produce a list: an @( ) in it, or a pipeline whose last
    command lists objects (or is a function of the script that returns @( ))."""
    if any(n.type == "array_expression" for n in _walk(rhs)):
        return True
    commands = _commands_of(rhs)
    if not commands:
        return False
    name_node = commands[-1].child_by_field_name("command_name")
    name = _text(name_node, data).lower() if name_node is not None else ""
    return name in LIST_COMMANDS or name in list_functions


def unrolled_collections(text):
    """[(line, message)] for variables assigned the unwrapped output of a statement or a command
    pipeline and then used as a list: indexed, .Count/.Length, `+=`, or (when the right side was
    written to produce a list) handed on as a hashtable value; and for `$x = <statement>` whose
    branches return @( ), which the statement unrolls whatever $x is used for."""
    tree, data = parse(text)
    list_functions = set()
    for node in _walk(tree.root_node):
        if node.type == "function_statement":
            body = next((c for c in node.children if c.type == "script_block"), node)
            name = next((c for c in node.children if c.type == "function_name"), None)
            if name is not None and any(n.type == "array_expression" for n in _walk(body)):
                list_functions.add(_text(name, data).lower())
    unrolled = {}  # name -> (line of the unwrapped assignment, whether it was meant to be a list)
    uses = []      # (name, line, how, needs_intent)
    for node in _walk(tree.root_node):
        if node.type == "assignment_expression":
            left, operator = node.children[0], node.children[1]
            match = _PLAIN_VARIABLE_RE.match(_text(left, data).strip())
            if not match or match.group(1).lower() in _AUTOMATIC:
                continue
            name = match.group(1).lower()
            if _text(operator, data) == "+=":
                uses.append((name, node.start_point[0] + 1, "+=", False))
            elif _text(operator, data) == "=" and len(node.children) > 2 and _unrolls(node.children[2]):
                meant = _means_a_list(node.children[2], data, list_functions)
                if meant and node.children[2].type in UNROLLING_STATEMENTS:
                    # `$x = if (...) { @(...) }`: the @( ) inside says a list was meant, and the
                    # statement unrolls it whatever $x is used for later.
                    uses.append((name, node.start_point[0] + 1, "an @( ) inside a statement", False))
                line, before = unrolled.get(name, (node.start_point[0] + 1, False))
                unrolled[name] = (line if not meant or before else node.start_point[0] + 1, before or meant)
        elif node.type in ("member_access", "element_access") and node.children:
            target = node.children[0]
            match = _PLAIN_VARIABLE_RE.match(_text(target, data)) if target.type == "variable" else None
            if not match:
                continue
            if node.type == "element_access":
                uses.append((match.group(1).lower(), node.start_point[0] + 1, "[index]", False))
            else:
                member = next((c for c in node.children if c.type == "member_name"), None)
                if member is not None and _text(member, data).lower() in ("count", "length"):
                    uses.append((match.group(1).lower(), node.start_point[0] + 1, "." + _text(member, data), False))
        elif node.type == "hash_entry":
            value = next((c for c in node.children if c.type == "pipeline"), None)
            match = _PLAIN_VARIABLE_RE.match(_text(value, data).strip()) if value is not None else None
            if match:
                key = next((c for c in node.children if c.type == "key_expression"), None)
                uses.append((match.group(1).lower(), node.start_point[0] + 1,
                             "the value of %s" % (_text(key, data) if key is not None else "a key"), True))
    found = []
    for name, line, how, needs_intent in uses:
        if name in unrolled and (unrolled[name][1] or not needs_intent):
            found.append((line, "$%s is used or meant as a list (%s) but line %d assigns it the unrolled output of a "
                                "statement or pipeline (one item gives a scalar, none gives $null): write "
                                "$%s = @(...) around the whole right side" % (name, how, unrolled[name][0], name)))
    return found


GET_COMMAND_RE = re.compile(r"Get-Command\s+(?:-Name\s+)?['\"]?(?P<name>[A-Za-z]+-[A-Za-z0-9]+)['\"]?", re.IGNORECASE)


def command_guards(text):
    """Lower-case names a script probes with `Get-Command -Name '<name>'` (a presence check before use)."""
    guards = set()
    tree, data = parse(text)
    for node in _walk(tree.root_node):
        if node.type != "command":
            continue
        name_node = node.child_by_field_name("command_name")
        if name_node is None or _text(name_node, data).lower() != "get-command":
            continue
        match = GET_COMMAND_RE.search(_text(node, data))
        if match:
            guards.add(match.group("name").lower())
    return guards


def _guard_conjuncts(condition_text):
    """The operands of a condition's top-level -and chain, lower-cased and stripped."""
    return [part.strip().lower() for part in re.split(r"\s-and\s", condition_text, flags=re.IGNORECASE)]


def parameter_uses(text, parameter):
    """[{"cmdlet", "line", "argument", "guards"}] for every command passing -<parameter>.

    argument -- the text after the parameter (e.g. '$SqlInstanceName')
    guards   -- the conditions of every if/elseif whose block encloses the command, each as the
                list of its -and operands (lower-case), innermost first
    """
    tree, data = parse(text)
    found = []
    for node in _walk(tree.root_node):
        if node.type != "command":
            continue
        name_node = node.child_by_field_name("command_name")
        elements = next((c for c in node.children if c.type == "command_elements"), None)
        if name_node is None or elements is None:
            continue
        items = [c for c in elements.children if c.type != "command_argument_sep"]
        for index, element in enumerate(items):
            label = _text(element, data)
            if element.type != "command_parameter" or label.lstrip("-").rstrip(":").lower() != parameter.lower():
                continue
            argument = _text(items[index + 1], data) if index + 1 < len(items) else ""
            guards = []
            parent = node.parent
            while parent is not None:
                if parent.type == "statement_block" and parent.parent is not None \
                        and parent.parent.type in ("if_statement", "elseif_clause"):
                    condition = next((c for c in parent.parent.children if c.type == "pipeline"), None)
                    if condition is not None:
                        guards.append(_guard_conjuncts(_text(condition, data)))
                parent = parent.parent
            found.append({"cmdlet": _text(name_node, data), "line": node.start_point[0] + 1,
                          "argument": argument.strip(), "guards": guards})
    return found


def wrapped_lookups(text):
    """[(line, snippet)] for every @($table[$key]): an array subexpression holding one index/key lookup.

    A missing key yields $null, and @($null) is an array of one $null, not an empty array
    (about_Arrays, array subexpression operator: https://learn.microsoft.com/powershell/module/
    microsoft.powershell.core/about/about_arrays). lync_cert_export recorded usages [null] that way.
    """
    tree, data = parse(text)
    found = []
    for node in _walk(tree.root_node):
        if node.type != "array_expression":
            continue
        body = next((c for c in node.children if c.type == "statement_list"), None)
        if body is None:
            continue
        inner = _text(body, data).strip()
        if any(n.type == "element_access" and _text(n, data).strip() == inner for n in _walk(body)):
            found.append((node.start_point[0] + 1, _text(node, data)[:60]))
    return found


def try_blocks(text):
    """[{"line", "text", "commands", "methods"}] for the try block of every try statement (the block after
    `try`, without its catch/finally): the commands it invokes by name and the .NET methods it calls
    (`$x.Name(` / `[Type]::Name(`), lower-case."""
    tree, data = parse(text)
    found = []
    for node in _walk(tree.root_node):
        if node.type != "try_statement":
            continue
        block = next((c for c in node.children if c.type == "statement_block"), None)
        if block is None:
            continue
        body = _text(block, data)
        found.append({"line": block.start_point[0] + 1, "text": body,
                      "commands": [c["name"].lower() for c in commands(body)],
                      "methods": [m.lower() for m in re.findall(r"(?:\.|::)([A-Za-z_][A-Za-z0-9_]*)\(", body)]})
    return found


def commands_outside_try(text, names):
    """[(line, name)] of the named commands (case-insensitive) not inside the try block of a try statement:
    a terminating error there stops the script whatever -ErrorAction says (about_CommonParameters,
    -ErrorAction "has no effect on terminating errors", https://learn.microsoft.com/powershell/module/
    microsoft.powershell.core/about/about_commonparameters)."""
    wanted = {n.lower() for n in names}
    tree, data = parse(text)
    found = []
    for node in _walk(tree.root_node):
        if node.type != "command":
            continue
        name_node = node.child_by_field_name("command_name")
        if name_node is None or _text(name_node, data).lower() not in wanted:
            continue
        parent, inside = node.parent, False
        while parent is not None and not inside:
            if parent.type == "statement_block" and parent.parent is not None \
                    and parent.parent.type == "try_statement":
                inside = True
            parent = parent.parent
        if not inside:
            found.append((node.start_point[0] + 1, _text(name_node, data)))
    return found


def discarded_results(text, method):
    """[(line, snippet)] where the result of a .NET call `.method(` is thrown away: `$null = ...`,
    `[void]...` or `... | Out-Null`."""
    pattern = re.compile(r"(\$null\s*=|\[void\])[^\n]*\.%s\(|\.%s\([^\n]*\|\s*Out-Null" % (method, method),
                         re.IGNORECASE)
    return [(text.count("\n", 0, m.start()) + 1, m.group(0)[:60]) for m in pattern.finditer(text)]
