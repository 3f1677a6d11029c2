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
    """[(line, snippet)] for every ERROR or MISSING node; empty when the script parses."""
    tree, data = parse(text)
    found = []
    for node in _walk(tree.root_node):
        if node.type == "ERROR" or node.is_missing:
            found.append((node.start_point[0] + 1, data[node.start_byte:node.end_byte][:60].decode("utf-8", "replace")))
    return found


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
    """[{"name", "parameters", "splatted", "line"}] for every command the script invokes by name."""
    tree, data = parse(text)
    found = []
    for node in _walk(tree.root_node):
        if node.type != "command":
            continue
        name_node = node.child_by_field_name("command_name")
        if name_node is None or name_node.type != "command_name":
            continue  # `& $exe ...`: a dynamic invocation, not a named command
        elements = next((c for c in node.children if c.type == "command_elements"), None)
        parameters, splatted = [], False
        for element in (elements.children if elements else []):
            if element.type == "command_parameter":
                parameters.append(_text(element, data).lstrip("-").rstrip(":"))
            elif _text(element, data).startswith("@") and element.type != "command_argument_sep":
                splatted = splatted or bool(re.match(r"@[A-Za-z_]", _text(element, data)))
        found.append({"name": _text(name_node, data), "parameters": parameters, "splatted": splatted,
                      "line": node.start_point[0] + 1})
    return found


def header_name(text):
    """The name in the '# lync-payload: <name>' header, or None."""
    match = HEADER_RE.match(text if isinstance(text, str) else text.decode("utf-8"))
    return match.group("name") if match else None


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
