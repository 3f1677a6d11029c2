"""Walks the tree-sitter-powershell tree of a script and evaluates it with Windows PowerShell 5.1's
semantics. Statements write to an output list; expressions return values (see values.py for
the representation). Commands go through binder.py; members through types.py; operators
through operators.py. References are in the tests (tests/lab/test_engine_*.py)."""

import re

from .. import psparse
from . import operators as O
from . import types as T
from . import values as V
from .binder import Argument, Binder, Param
from .errors import (BreakSignal, ContinueSignal, ErrorRecord, ExitSignal, NetException, PSRuntimeError,
                     ReturnSignal, StopPipeline, runtime_error)
from .scopes import split_name

# Nodes that only wrap one child.
WRAPPERS = {"logical_expression", "bitwise_expression", "comparison_expression", "additive_expression",
            "multiplicative_expression", "format_expression", "range_expression", "array_literal_expression",
            "unary_expression", "string_literal", "integer_literal", "left_assignment_expression", "key_expression",
            "argument_expression", "logical_argument_expression", "bitwise_argument_expression",
            "comparison_argument_expression", "additive_argument_expression", "multiplicative_argument_expression",
            "format_argument_expression", "range_argument_expression", "pipeline", "pipeline_chain",
            "argument_expression_list", "member_name", "redirected_file_name", "switch_clause_condition",
            "expression_with_unary_operator"}
STATEMENTS = {"if_statement", "switch_statement", "foreach_statement", "for_statement", "while_statement",
              "do_statement", "try_statement", "function_statement", "flow_control_statement", "trap_statement",
              "data_statement"}
LOOPS = {"foreach_statement", "for_statement", "while_statement", "do_statement", "switch_statement"}
ESCAPES = {"0": "\0", "a": "\a", "b": "\b", "e": "\x1b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}
_NUMBER_RE = re.compile(r"^(?P<num>(?:0x[0-9a-f]+)|(?:\d*\.?\d+(?:e[+-]?\d+)?))(?P<suffix>l|d|u|ul|y|uy|s|us|n)?"
                        r"(?P<mult>kb|mb|gb|tb|pb)?$", re.IGNORECASE)


def kids(node):
    """Children without comments."""
    return [c for c in node.children if c.type != "comment"]


def unescape(text):
    """Backtick escapes of an expandable string (about_Special_Characters)."""
    if "`" not in text:
        return text
    out, i = [], 0
    while i < len(text):
        ch = text[i]
        if ch == "`" and i + 1 < len(text):
            nxt = text[i + 1]
            if nxt == "u" and text.startswith("{", i + 2):
                end = text.find("}", i + 3)
                out.append(chr(int(text[i + 3:end], 16)))
                i = end + 1
                continue
            out.append(ESCAPES.get(nxt, nxt))
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def number_literal(text):
    """An integer or real literal with its suffix and multiplier (spec §2.3.5.1)."""
    match = _NUMBER_RE.match(text.strip())
    if not match:
        raise runtime_error("The number literal %s is not valid." % text)
    num, suffix, mult = match.group("num"), (match.group("suffix") or "").lower(), match.group("mult")
    if num.lower().startswith("0x"):
        value = int(num, 16)
        if value >= 2**31 and value < 2**32 and not suffix:
            value -= 2**32  # 0xFFFFFFFF is -1 as an Int32
    elif re.match(r"^\d+$", num):
        value = int(num)
    else:
        value = float(num)
    if mult:
        value = value * V._MULTIPLIERS[mult.lower()]
    if suffix == "d":
        value = float(value)
    if isinstance(value, int) and value >= 2**63:
        value = float(value)
    if isinstance(value, int) and (suffix == "l" or not -2**31 <= value < 2**31):
        value = V.Long(value)
    return value


class ScriptFunction:
    """A function of the script (or the script itself): its binder and body."""

    def __init__(self, name, params, body, advanced, should_process, defaults, named_blocks=None):
        self.name = name
        self.params = params
        self.body = body
        self.advanced = advanced
        self.should_process = should_process
        self.defaults = defaults
        self.binder = Binder(name, params, kind="script", advanced=advanced, should_process=should_process,
                             positional_by_order=True)


class PSCmdlet(T.V.NetObject):
    """$PSCmdlet of an advanced script or function: ShouldProcess, ParameterSetName, ThrowTerminatingError."""

    TYPE_NAME = "System.Management.Automation.PSScriptCmdlet"

    def __init__(self, engine, set_name, name):
        self._engine = engine
        self.ParameterSetName = set_name
        self._name = name

    def ShouldProcess(self, target, action=None):
        return self._engine.should_process(V.to_string(target), V.to_string(action) if action is not None else self._name)

    def ShouldContinue(self, query, caption):
        return True

    def ThrowTerminatingError(self, record):
        raise PSRuntimeError(record)

    def WriteError(self, record):
        self._engine.write_error(record)

    def WriteVerbose(self, text):
        self._engine.write_stream("verbose", V.to_string(text))

    def WriteWarning(self, text):
        self._engine.write_stream("warning", V.to_string(text))


class Evaluator:
    """The tree walker. `engine` (engine.py) holds streams, commands, clock and scopes."""

    def __init__(self, engine, data):
        self.engine = engine
        self.data = data

    def text(self, node):
        return self.data[node.start_byte:node.end_byte].decode("utf-8")

    # --- statements ------------------------------------------------------------------------

    def run_body(self, nodes, out):
        """Run a list of statement-level nodes (a block's content)."""
        for node in nodes:
            self.exec_statement(node, out)

    def exec_block(self, node, out):
        """statement_block / script_block / statement_list / any single statement."""
        if node is None:
            return
        if node.type in ("statement_block", "script_block", "script_block_body", "statement_list", "script_block_expression"):
            for child in kids(node):
                if child.type in ("{", "}", "param_block"):
                    continue
                if child.type in ("statement_list", "script_block_body", "script_block", "statement_block"):
                    self.exec_block(child, out)
                elif child.type == "named_block_list":
                    self.run_named_blocks(child, out, None)
                else:
                    self.exec_statement(child, out)
            return
        self.exec_statement(node, out)

    def exec_statement(self, node, out):
        """One statement, with PowerShell's handling of statement-terminating errors: outside a
        try and unless $ErrorActionPreference is Stop, the error is written and the script goes on."""
        engine = self.engine
        if engine.coverage is not None and self.data is engine.script_data:
            engine.coverage.add(node.start_point[0] + 1)  # payload statement coverage (lync_lab/coverage.py)
        try:
            self._exec_statement(node, out)
        except PSRuntimeError as exc:
            if exc.script_terminating or engine.try_depth > 0:
                raise
            if engine.preference("ErrorActionPreference") == "stop":
                exc.script_terminating = True
                raise
            engine.record_error(exc.record, "continue")

    def _exec_statement(self, node, out):
        t = node.type
        if t in ("empty_statement", "comment", ";", "label", "param_block", "{", "}"):
            return
        if t in ("statement_list", "script_block_body", "script_block", "statement_block"):
            self.exec_block(node, out)
            return
        if t == "named_block_list":
            self.run_named_blocks(node, out, None)
            return
        if t == "if_statement":
            return self.exec_if(node, out)
        if t == "foreach_statement":
            return self.exec_foreach(node, out)
        if t == "for_statement":
            return self.exec_for(node, out)
        if t == "while_statement":
            return self.exec_while(node, out)
        if t == "do_statement":
            return self.exec_do(node, out)
        if t == "switch_statement":
            return self.exec_switch(node, out)
        if t == "try_statement":
            return self.exec_try(node, out)
        if t == "function_statement":
            return self.define_function(node)
        if t == "flow_control_statement":
            return self.exec_flow(node, out)
        if t == "trap_statement":
            raise runtime_error("trap is not supported by the lab engine")
        if t == "ERROR":
            raise runtime_error("parse error at %r" % self.text(node)[:40])
        out.extend(self.statement_output(node))

    def statement_output(self, node):
        """What an expression or pipeline statement writes to the pipeline."""
        node = self.unwrap(node)
        t = node.type
        if t in ("pipeline", "pipeline_chain") or t == "command":
            return self.run_pipeline(node)
        if t == "assignment_expression":
            self.assign(node)
            return []
        if t in ("pre_increment_expression", "pre_decrement_expression", "post_increment_expression",
                 "post_decrement_expression"):
            self.ev(node)
            return []
        if t == "cast_expression" and self.type_of(node).lower() == "void":
            self.ev(kids(node)[1])
            return []
        if t in ("parenthesized_expression", "sub_expression"):
            inner = self.inner_statements(node)
            items = []
            for child in inner:
                items.extend(self.statement_output(child) if child.type != "statement_list" else self.collect(child))
            if t == "parenthesized_expression" and len(inner) == 1 and self.is_expression(inner[0]):
                return V.enumerate_value(self.ev(inner[0]))
            return items
        if t == "invokation_expression":
            value = self.ev(node)
            return [] if value is None else V.enumerate_value(value)
        if t in STATEMENTS:
            out = []
            self._exec_statement(node, out)
            return out
        return V.enumerate_value(self.ev(node))

    def collect(self, node):
        """Run statements and return everything they write to the pipeline."""
        out = []
        self.exec_block(node, out)
        return out

    def unwrap(self, node):
        while node.type in WRAPPERS:
            children = kids(node)
            if len(children) != 1:
                break
            node = children[0]
        return node

    def is_expression(self, node):
        node = self.unwrap(node)
        if node.type in ("command", "pipeline", "pipeline_chain") or node.type in STATEMENTS:
            return False
        return True

    def inner_statements(self, node):
        """The statements inside ( ), $( ) or @( )."""
        found = []
        for child in kids(node):
            if child.type in ("(", ")", "$(", "@("):
                continue
            if child.type == "statement_list":
                found.extend(c for c in kids(child) if c.type not in ("empty_statement",))
            else:
                found.append(child)
        return found

    def value_of(self, node):
        """The value of a pipeline used as a value (right of `=`, a hash entry, a condition): an
        expression keeps its value; commands and statements give their unrolled output."""
        node = self.unwrap(node)
        if node.type in STATEMENTS or node.type in ("command", "pipeline", "pipeline_chain"):
            out = self.statement_output(node) if node.type not in STATEMENTS else self._statement_items(node)
            return V.collect(out)
        return self.ev(node)

    def _statement_items(self, node):
        out = []
        self._exec_statement(node, out)
        return out

    # --- control flow ----------------------------------------------------------------------

    def condition(self, node):
        return V.to_bool(self.value_of(node))

    def exec_if(self, node, out):
        children = kids(node)
        cond = node.child_by_field_name("condition")
        blocks = [c for c in children if c.type == "statement_block"]
        if self.condition(cond):
            self.exec_block(blocks[0], out)
            return
        for child in children:
            clauses = [child] if child.type == "elseif_clause" else (
                [c for c in kids(child) if c.type == "elseif_clause"] if child.type == "elseif_clauses" else [])
            for clause in clauses:
                if self.condition(clause.child_by_field_name("condition")):
                    self.exec_block(next(c for c in kids(clause) if c.type == "statement_block"), out)
                    return
        else_clause = next((c for c in children if c.type == "else_clause"), None)
        if else_clause is not None:
            self.exec_block(next(c for c in kids(else_clause) if c.type == "statement_block"), out)

    def _label(self, node):
        prev = node.prev_sibling
        while prev is not None and prev.type == "comment":
            prev = prev.prev_sibling
        if prev is not None and prev.type == "label":
            return self.text(prev)[1:].lower()
        return None

    def _loop_body(self, block, out, label):
        """Run a loop body; True to stop the loop (break)."""
        try:
            self.exec_block(block, out)
        except BreakSignal as signal:
            if signal.label is None or signal.label.lower() == label:
                return True
            raise
        except ContinueSignal as signal:
            if signal.label is None or signal.label.lower() == label:
                return False
            raise
        return False

    def exec_foreach(self, node, out):
        """foreach ($x in <collection>): $null gives no iteration (PowerShell 3+, about_Foreach)."""
        children = kids(node)
        var = next(c for c in children if c.type == "variable")
        index = children.index(next(c for c in children if c.type == "in"))
        source = children[index + 1]
        block = next(c for c in children if c.type == "statement_block")
        label = self._label(node)
        value = self.value_of(source)
        items = [] if value is None else V.enumerate_value(value)
        for item in items:
            self.set_variable(self.text(var), item)
            if self._loop_body(block, out, label):
                break

    def exec_for(self, node, out):
        init = node.child_by_field_name("for_initializer")
        cond = node.child_by_field_name("for_condition")
        step = node.child_by_field_name("for_iterator")
        block = next(c for c in kids(node) if c.type == "statement_block")
        label = self._label(node)
        if init is not None:
            self.statement_output(init)
        while cond is None or self.condition(cond):
            if self._loop_body(block, out, label):
                break
            if step is not None:
                self.statement_output(step)

    def exec_while(self, node, out):
        cond = node.child_by_field_name("condition")
        block = next(c for c in kids(node) if c.type == "statement_block")
        label = self._label(node)
        while self.condition(cond):
            if self._loop_body(block, out, label):
                break

    def exec_do(self, node, out):
        cond = node.child_by_field_name("condition")
        block = next(c for c in kids(node) if c.type == "statement_block")
        until = any(c.type == "until" for c in kids(node))
        label = self._label(node)
        while True:
            if self._loop_body(block, out, label):
                break
            if self.condition(cond) == until:
                break

    def exec_switch(self, node, out):
        """about_Switch: each element of the value is tested against every clause; a matching clause
        runs with $_ set; `break` leaves the switch, `continue` goes to the next element; default
        runs when no clause matched."""
        children = kids(node)
        options = {self.text(c).lower().lstrip("-") for c in children if c.type == "switch_parameter"}
        options |= {self.text(k).lower().lstrip("-") for c in children if c.type == "switch_parameters" for k in kids(c)}
        cond_node = next(c for c in children if c.type == "switch_condition")
        inner = [c for c in kids(cond_node) if c.type not in ("(", ")")]
        value = self.value_of(inner[0]) if inner else None
        body = next(c for c in children if c.type == "switch_body")
        clauses = []
        for child in kids(body):
            if child.type == "switch_clauses":
                clauses.extend(c for c in kids(child) if c.type == "switch_clause")
            elif child.type == "switch_clause":
                clauses.append(child)
        items = V.enumerate_value(value) if isinstance(value, (list, tuple)) else [value]
        case = "casesensitive" in options
        label = self._label(node)
        scope = self.engine.scope
        saved = scope.vars.pop("_", None)  # the Variable itself: scope.set would change it in place
        try:
            for item in items:
                matched = False
                default = None
                stop = False
                for clause in clauses:
                    parts = kids(clause)
                    cond, block = parts[0], parts[-1]
                    if cond.type == "switch_clause_condition" and self.text(cond).lower() == "default":
                        default = block
                        continue
                    scope.set("_", item)
                    if self._clause_matches(cond, item, options, case):
                        matched = True
                        scope.set("_", item)
                        result = self._switch_body(block, out, label)
                        if result == "break":
                            stop = True
                            break
                        if result == "continue":
                            break
                if stop:
                    break
                if not matched and default is not None:
                    scope.set("_", item)
                    if self._switch_body(default, out, label) == "break":
                        break
        finally:
            if saved is None:
                scope.remove("_")
            else:
                scope.vars["_"] = saved

    def _switch_body(self, block, out, label):
        try:
            self.exec_block(block, out)
        except BreakSignal as signal:
            if signal.label is None or signal.label.lower() == label:
                return "break"
            raise
        except ContinueSignal as signal:
            if signal.label is None or signal.label.lower() == label:
                return "continue"
            raise
        return None

    def _clause_matches(self, cond, item, options, case):
        cond = self.unwrap(cond)
        if cond.type == "script_block_expression":
            return V.to_bool(V.collect(self.collect(cond)))
        if cond.type in ("simple_name", "generic_token", "switch_clause_condition"):
            pattern = self.token_value(self.text(cond))
        else:
            pattern = self.ev(cond)
        if "regex" in options:
            return bool(O.comparison("cmatch" if case else "match", V.to_string(item), pattern, self.engine))
        if "wildcard" in options:
            return bool(O.comparison("clike" if case else "like", V.to_string(item), pattern))
        if isinstance(pattern, str) and not isinstance(item, str) and item is not None:
            return O.equals(V.to_string(item), pattern, case)
        return O.equals(item, pattern, case) if item is not None else pattern is None

    def exec_try(self, node, out):
        """about_Try_Catch_Finally: a terminating error in try runs the first catch whose type
        matches (or an untyped catch) with $_ the ErrorRecord; finally always runs."""
        children = kids(node)
        body = next(c for c in children if c.type == "statement_block")
        catches = []
        for child in children:
            if child.type == "catch_clauses":
                catches.extend(c for c in kids(child) if c.type == "catch_clause")
            elif child.type == "catch_clause":
                catches.append(child)
        final = next((c for c in children if c.type == "finally_clause"), None)
        engine = self.engine
        try:
            engine.try_depth += 1
            try:
                self.exec_block(body, out)
            finally:
                engine.try_depth -= 1
        except PSRuntimeError as exc:
            clause, caught = self._matching_catch_inner(catches, exc.record)
            if clause is None:
                raise
            scope = engine.scope
            saved = scope.vars.pop("_", None)  # the Variable itself: scope.set would change it in place
            scope.set("_", caught)
            engine.record_error(exc.record, "silentlycontinue")
            try:
                self.exec_block(next(c for c in kids(clause) if c.type == "statement_block"), out)
            finally:
                if saved is None:
                    scope.remove("_")
                else:
                    scope.vars["_"] = saved
        finally:
            if final is not None:
                self.exec_block(next(c for c in kids(final) if c.type == "statement_block"), out)

    def _matching_catch_inner(self, catches, record):
        """(clause, $_) for a terminating error. Windows PowerShell 5.1 tries the inner exception
        first (a .NET exception a method threw, wrapped in MethodInvocationException): a typed catch
        that matches it gets $_ with that exception as $_.Exception; otherwise the outer exception is
        matched and $_ is the error record as it is (ExceptionHandlingOps.FindMatchingHandler;
        about_Try_Catch_Finally)."""
        inner = getattr(record.Exception, "InnerException", None)
        if isinstance(inner, NetException):
            names = [n.lower() for n in inner.type_names()]
            for clause in catches:
                types = [c for c in kids(clause) if c.type == "type_literal"] + [
                    t for c in kids(clause) if c.type == "catch_type_list" for t in kids(c) if t.type == "type_literal"]
                if any(T.resolve_type(self.engine, self.type_of(literal)).lower() in names for literal in types):
                    caught = ErrorRecord(inner, record.FullyQualifiedErrorId, record.CategoryInfo.Category,
                                         record.TargetObject)
                    return clause, caught
        return self._matching_catch(catches, record), record

    def _matching_catch(self, catches, record):
        names = [n.lower() for n in record.Exception.type_names()]
        for clause in catches:
            types = [c for c in kids(clause) if c.type == "type_literal"] + [
                t for c in kids(clause) if c.type == "catch_type_list" for t in kids(c) if t.type == "type_literal"]
            if not types:
                return clause
            for literal in types:
                full = T.resolve_type(self.engine, self.type_of(literal)).lower()
                if full in names:
                    return clause
        return None

    def exec_flow(self, node, out):
        children = kids(node)
        keyword = children[0].type.lower()
        rest = children[1:]
        if keyword in ("break", "continue"):
            label = self.text(rest[0]).lower() if rest else None
            raise (BreakSignal if keyword == "break" else ContinueSignal)(label)
        if keyword == "return":
            if rest:
                out.extend(self.statement_output(rest[0]))
            raise ReturnSignal()
        if keyword == "exit":
            code = V.to_integer(self.value_of(rest[0])) if rest else 0
            raise ExitSignal(code)
        if keyword == "throw":
            self.do_throw(rest[0] if rest else None)
        raise runtime_error("unsupported flow control %s" % keyword)

    def do_throw(self, node):
        """about_Throw: a string becomes a RuntimeException whose message (and error id) is the
        string; an ErrorRecord is thrown as is; `throw` alone in a catch rethrows $_."""
        if node is None:
            current = self.engine.scope.find("_")
            if current is not None and isinstance(current.value, ErrorRecord):
                raise PSRuntimeError(current.value, script_terminating=True)
            raise PSRuntimeError(ErrorRecord(NetException("ScriptHalted"), "ScriptHalted", "OperationStopped"), True)
        value = self.value_of(node)
        if isinstance(value, ErrorRecord):
            raise PSRuntimeError(value, script_terminating=True)
        if isinstance(value, NetException):
            raise PSRuntimeError(ErrorRecord(value, value.type_name.rsplit(".", 1)[-1], "OperationStopped"), True)
        message = V.to_string(value) if value is not None else "ScriptHalted"
        record = ErrorRecord(NetException(message), message, "OperationStopped", value)
        raise PSRuntimeError(record, script_terminating=True)

    # --- functions -------------------------------------------------------------------------

    def define_function(self, node):
        children = kids(node)
        name = self.text(next(c for c in children if c.type == "function_name"))
        params_node = next((c for c in children if c.type == "function_parameter_declaration"), None)
        body = [c for c in children if c.type not in ("function", "function_name", "function_parameter_declaration",
                                                      "{", "}", "filter", "workflow")]
        param_block = None
        flat = []
        for part in body:
            if part.type == "script_block":
                for inner in kids(part):
                    if inner.type == "param_block":
                        param_block = inner
                    else:
                        flat.append(inner)
            elif part.type == "param_block":
                param_block = part
            else:
                flat.append(part)
        source = param_block if param_block is not None else params_node
        params, defaults, advanced, should_process = self.read_params(source)
        function = ScriptFunction(name, params, flat, advanced, should_process, defaults)
        function.evaluator = self
        self.engine.functions[name.lower()] = function

    def read_params(self, node):
        """Params of a param_block or function_parameter_declaration: ([Param], {name: default node},
        advanced, SupportsShouldProcess)."""
        params, defaults = [], {}
        advanced = should_process = False
        if node is None:
            return params, defaults, advanced, should_process
        for child in kids(node):
            if child.type in ("attribute", "attribute_list"):
                for attr in ([child] if child.type == "attribute" else kids(child)):
                    text = self.text(attr)
                    if re.match(r"\[\s*CmdletBinding\b", text, re.IGNORECASE):
                        advanced = True
                        should_process = bool(re.search(r"SupportsShouldProcess(\s*=\s*\$true)?\s*[,)]", text, re.IGNORECASE))
        plist = next((c for c in kids(node) if c.type == "parameter_list"), None)
        for sp in (kids(plist) if plist is not None else []):
            if sp.type == "variable":
                params.append(Param(split_name(self.text(sp))[1]))
                continue
            if sp.type != "script_parameter":
                continue
            var = next(c for c in kids(sp) if c.type == "variable")
            name = split_name(self.text(var))[1]
            type_name, mandatory, position, pipeline, by_property, sets, aliases, allow = "System.Object", False, None, False, False, [], [], set()
            attrs = []
            for c in kids(sp):
                if c.type == "attribute_list":
                    attrs.extend(kids(c))
                elif c.type in ("attribute", "type_literal"):
                    attrs.append(c)
            for attr in attrs:
                literal = attr if attr.type == "type_literal" else next(
                    (c for c in kids(attr) if c.type == "type_literal"), None)
                if literal is not None:
                    type_name = self.type_of(literal)
                    continue
                text = self.text(attr)
                if re.match(r"\[\s*Parameter\s*\(", text, re.IGNORECASE):
                    advanced = True
                    mandatory = mandatory or bool(re.search(r"Mandatory(\s*=\s*\$true)?\s*[,)]", text, re.IGNORECASE))
                    match = re.search(r"Position\s*=\s*(\d+)", text, re.IGNORECASE)
                    position = int(match.group(1)) if match else position
                    pipeline = pipeline or bool(re.search(r"ValueFromPipeline(\s*=\s*\$true)?\s*[,)]", text, re.IGNORECASE))
                    by_property = by_property or bool(re.search(r"ValueFromPipelineByPropertyName(\s*=\s*\$true)?\s*[,)]", text, re.IGNORECASE))
                    match = re.search(r"ParameterSetName\s*=\s*['\"]([^'\"]+)", text, re.IGNORECASE)
                    if match:
                        sets.append(match.group(1))
                elif re.match(r"\[\s*Alias\s*\(", text, re.IGNORECASE):
                    aliases.extend(re.findall(r"['\"]([^'\"]+)['\"]", text))
                elif re.match(r"\[\s*Allow(Null|EmptyString|EmptyCollection)\s*\(", text, re.IGNORECASE):
                    # Each attribute lifts one refusal only (about_Functions_Advanced_Parameters).
                    allow.add({"null": "null", "emptystring": "string", "emptycollection": "collection"}[
                        re.match(r"\[\s*Allow(\w+)", text).group(1).lower()])
            default = next((c for c in kids(sp) if c.type == "script_parameter_default"), None)
            if default is not None:
                defaults[name] = [c for c in kids(default) if c.type != "="][0]
            params.append(Param(name, type_name, position=position, mandatory=mandatory, pipeline=pipeline,
                                by_property=by_property, sets=sets or ("__AllParameterSets",), aliases=aliases,
                                allow_empty=allow))
        return params, defaults, advanced, should_process

    def run_named_blocks(self, node, out, items):
        blocks = {}
        for block in kids(node):
            if block.type == "named_block":
                name = self.text(kids(block)[0]).lower()
                blocks[name] = next(c for c in kids(block) if c.type == "statement_block")
        if "begin" in blocks:
            self.exec_block(blocks["begin"], out)
        if "process" in blocks:
            for item in (items if items is not None else [None]):
                if items is not None:
                    self.engine.scope.set("_", item)
                self.exec_block(blocks["process"], out)
        if "end" in blocks:
            self.exec_block(blocks["end"], out)

    # --- pipelines and commands ------------------------------------------------------------

    def run_pipeline(self, node):
        node = self.unwrap(node)
        if node.type == "pipeline":
            parts = [c for c in kids(node) if c.type not in ("&&", "||")]
            out = []
            for part in parts:
                out.extend(self.run_pipeline(part))
            return out
        elements = [c for c in kids(node) if c.type != "|"] if node.type == "pipeline_chain" else [node]
        items = None
        try:
            for index, element in enumerate(elements):
                element = self.unwrap(element)
                if element.type == "command":
                    items = self.run_command(element, items)
                elif index == 0:
                    items = self.statement_output(element)
                else:
                    raise runtime_error("Expressions are only allowed as the first element of a pipeline.")
        except StopPipeline as stop:
            return stop.args[0] if stop.args else []
        return items if items is not None else []

    def command_arguments(self, elements):
        """[Argument] from command_elements, and the redirections."""
        args, redirections = [], []
        pending = None
        children = kids(elements) if elements is not None else []
        i = 0
        while i < len(children):
            child = children[i]
            i += 1
            t = child.type
            if t == "command_argument_sep":
                if self.text(child).strip() == ":" and pending is not None:
                    pending.has_value = True
                    # the value follows after the ':'
                    while i < len(children) and children[i].type == "command_argument_sep":
                        i += 1
                    if i < len(children):
                        pending.value = self.argument_value(children[i])
                        i += 1
                    pending = None
                continue
            if t == "command_parameter":
                text = self.text(child)
                name = text[1:]
                arg = Argument(name=name.rstrip(":"), text=text)
                if name.endswith(":"):
                    arg.has_value = True
                    while i < len(children) and children[i].type == "command_argument_sep":
                        i += 1
                    arg.value = self.argument_value(children[i]) if i < len(children) else None
                    i += 1
                    args.append(arg)
                    pending = None
                    continue
                args.append(arg)
                pending = arg
                continue
            pending = None
            inner = self.unwrap(child)
            if inner.type == "variable" and self.text(inner).startswith("@"):
                child, t = inner, inner.type
            if t in ("redirection", "merging_redirection_operator", "file_redirection_operator"):
                redirections.append(self.text(child).strip())
                continue
            if t == "variable" and self.text(child).startswith("@"):
                value = self.get_variable(self.text(child))
                if isinstance(value, V.Hashtable):
                    # about_Splatting: each key is a parameter name, each value its argument
                    for key, val in value.items():
                        args.append(Argument(V.to_string(key), val, True))
                else:
                    args.extend(Argument(value=v) for v in V.enumerate_value(value))
                continue
            args.append(Argument(value=self.argument_value(child), text=self.text(child)))
        return args, redirections

    def argument_value(self, node):
        node = self.unwrap(node)
        if node.type == "generic_token":
            if kids(node):
                return self.expand(node, bare=True)
            return self.text(node)
        return self.ev(node)

    def run_command(self, node, input_items):
        children = kids(node)
        name_node = node.child_by_field_name("command_name")
        invocation = next((c for c in children if c.type == "command_invokation_operator"), None)
        elements = next((c for c in children if c.type == "command_elements"), None)
        if name_node is not None and name_node.type == "command_name" and invocation is None:
            name = self.text(name_node)
            if re.match(r"^\d", name):
                # tree-sitter reads `1..$n | ...`, `5L` and `1GB * 4` at the start of a pipeline as
                # a command; PowerShell reads an expression.
                if elements is None or not [c for c in kids(elements) if c.type != "command_argument_sep"]:
                    return V.enumerate_value(self.reparse_expression(name))
                return V.enumerate_value(self.reparse_command_expression(self.text(node)))
            target = name
        else:
            target = self.ev(name_node) if name_node is not None else None
        args, redirections = self.command_arguments(elements)
        return self.engine.invoke_command(target, args, input_items, redirections, dot=invocation is not None
                                          and self.text(invocation) == ".")

    def reparse_expression(self, text):
        """What tree-sitter leaves as a command_name that starts with a digit: `1..$n` (a range whose
        lower bound is a literal) or a number with a suffix (`5L`)."""
        match = re.match(r"^(\d+)\.\.(.+)$", text, re.DOTALL)
        if not match:
            return number_literal(text)
        low = number_literal(match.group(1))
        rest = match.group(2).strip()
        if re.match(r"^-?\d+$", rest):
            high = int(rest)
        else:
            tree, data = psparse.parse("$null = " + rest)
            node = tree.root_node
            while node.type != "assignment_expression":
                node = kids(node)[0]
            high = Evaluator(self.engine, data).value_of(kids(node)[2])
        low, high = V.to_integer(low), V.to_integer(high)
        step = 1 if high >= low else -1
        return list(range(low, high + step, step))

    def token_value(self, text):
        """A leaf token that tree-sitter did not split (a switch clause's condition): a bareword is
        itself; a quoted string is read as the string it is."""
        if text[:1] == "'" and text[-1:] == "'":
            return text[1:-1].replace("''", "'")
        if text[:1] == '"' and text[-1:] == '"':
            tree, data = psparse.parse("$null = " + text)
            node = tree.root_node
            while node.type != "assignment_expression":
                node = kids(node)[0]
            return Evaluator(self.engine, data).value_of(kids(node)[2])
        return text

    def reparse_command_expression(self, text):
        """`1GB * 4`: the grammar knows the multipliers only in lower case."""
        normalized = re.sub(r"(?<=\d)(KB|MB|GB|TB|PB)\b", lambda m: m.group(1).lower(), text, flags=re.IGNORECASE)
        tree, data = psparse.parse("$null = " + normalized)
        node = tree.root_node
        while node.type != "assignment_expression":
            node = kids(node)[0]
        value = self.unwrap(kids(node)[2])
        if value.type == "command":
            raise runtime_error("The lab engine cannot read %r as an expression (tree-sitter reads a command)" % text)
        return Evaluator(self.engine, data).value_of(value)

    def ev_command_name(self, node):
        text = self.text(node)
        if re.match(r"^\d", text):
            return self.reparse_expression(text)
        return V.collect(self.engine.invoke_command(text, [], None))

    # --- expressions -----------------------------------------------------------------------

    def ev(self, node):
        t = node.type
        handler = getattr(self, "ev_" + t, None)
        if handler is not None:
            return handler(node)
        children = kids(node)
        if t in WRAPPERS or len(children) == 1:
            if len(children) == 1:
                return self.ev(children[0])
        if t in ("command", "pipeline", "pipeline_chain") or t in STATEMENTS:
            return self.value_of(node)
        raise runtime_error("The lab engine cannot evaluate %s: %s" % (t, self.text(node)[:60]))

    def ev_variable(self, node):
        return self.get_variable(self.text(node))

    def ev_braced_variable(self, node):
        return self.get_variable(self.text(node))

    def ev_decimal_integer_literal(self, node):
        return number_literal(self.text(node))

    ev_hexadecimal_integer_literal = ev_decimal_integer_literal
    ev_real_literal = ev_decimal_integer_literal

    def ev_verbatim_string_characters(self, node):
        text = self.text(node)
        return text[1:-1].replace("''", "'") if len(text) >= 2 else text

    def ev_verbatim_here_string_characters(self, node):
        return self.here_body(self.text(node))

    @staticmethod
    def here_body(text):
        """The text between the header line of @' or @" and the terminator line."""
        start = text.find("\n") + 1
        end = text.rfind("\n")
        body = text[start:end] if end >= start else ""
        return body[:-1] if body.endswith("\r") else body

    def ev_expandable_string_literal(self, node):
        return self.expand(node)

    def ev_expandable_here_string_literal(self, node):
        return self.expand(node, here=True)

    def expand(self, node, here=False, bare=False):
        """An expandable string: literal text with backtick escapes, `""` for a quote, $var and
        $(...) expanded with [string] conversion (arrays joined by $OFS, a space)."""
        text = self.text(node)
        if here:
            lo = node.start_byte + len(text[:text.find("\n") + 1].encode("utf-8"))
            end_text = text[:text.rfind("\n")]
            hi = node.start_byte + len(end_text.encode("utf-8"))
            if end_text.endswith("\r"):
                hi -= 1
        elif bare:
            lo, hi = node.start_byte, node.end_byte
        else:
            lo, hi = node.start_byte + 1, node.end_byte - 1
        parts, pos = [], lo
        ofs = self.ofs()
        for child in node.children:
            if child.start_byte < lo or child.end_byte > hi:
                continue
            literal = self.data[pos:child.start_byte].decode("utf-8")
            parts.append(unescape(literal))
            if child.type == '""':
                parts.append('"')
            elif child.type in ("variable", "braced_variable"):
                # tree-sitter lets a variable node of a here-string start with the line break before it
                text = self.text(child)
                dollar = text.find("$")
                parts.append(text[:dollar])
                parts.append(V.to_string(self.get_variable(text[dollar:]), ofs))
            elif child.type == "sub_expression":
                items = []
                for statement in self.inner_statements(child):
                    items.extend(self.statement_output(statement))
                parts.append(V.to_string(V.collect(items), ofs))
            else:
                parts.append(self.text(child))
            pos = child.end_byte
        parts.append(unescape(self.data[pos:hi].decode("utf-8")))
        return "".join(parts)

    def ofs(self):
        found = self.engine.scope.find("OFS")
        return V.to_string(found.value) if found is not None and found.value is not None else " "

    def ev_array_literal_expression(self, node):
        children = kids(node)
        if len(children) == 1:
            return self.ev(children[0])
        return [self.ev(c) for c in children if c.type != ","]

    def ev_argument_expression_list(self, node):
        children = kids(node)
        if len(children) == 1:
            return self.ev(children[0])
        return [self.ev(c) for c in children if c.type != ","]

    def ev_parenthesized_expression(self, node):
        inner = self.inner_statements(node)
        if len(inner) == 1:
            return self.value_of(inner[0])
        return V.collect([item for s in inner for item in self.statement_output(s)])

    def ev_sub_expression(self, node):
        items = []
        for statement in self.inner_statements(node):
            items.extend(self.statement_output(statement) if statement.type != "statement_list" else self.collect(statement))
        return V.collect(items)

    def ev_array_expression(self, node):
        """@( ): the output of the statements, always as an array (about_Arrays)."""
        items = []
        for statement in self.inner_statements(node):
            items.extend(self.statement_output(statement) if statement.type != "statement_list" else self.collect(statement))
        return list(items)

    def ev_hash_literal_expression(self, node, ordered=False):
        table = V.Hashtable(ordered=ordered)
        body = next((c for c in kids(node) if c.type == "hash_literal_body"), None)
        for entry in (kids(body) if body is not None else []):
            if entry.type != "hash_entry":
                continue
            parts = [c for c in kids(entry) if c.type not in ("=", ";")]
            key_node, value_node = self.unwrap(parts[0]), parts[1]
            if key_node.type in ("simple_name", "generic_token"):
                key = self.text(key_node)
            else:
                key = self.ev(key_node)
            if key in table:
                raise runtime_error("Duplicate keys '%s' are not allowed in hash literals." % V.to_string(key),
                                    error_id="DuplicateKeyInHashLiteral", category="ParserError")
            table[key] = self.value_of(value_node)
        return table

    def ev_script_block_expression(self, node):
        inner = next((c for c in kids(node) if c.type == "script_block"), None)
        if inner is None or any(c.type == "param_block" for c in kids(node)):
            inner = node  # tree-sitter puts `{ param(...) ... }`'s param block beside the script_block
        return V.ScriptBlock(inner, self.text(node)[1:-1], self)

    def ev_type_literal(self, node):
        return T.TypeInfo(T.resolve_type(self.engine, self.type_of(node)))

    def type_of(self, node):
        """The type name a type_literal (or cast_expression) writes."""
        if node.type == "cast_expression":
            node = kids(node)[0]
        text = self.text(node).strip()
        return text[1:-1].strip() if text.startswith("[") else text

    def ev_cast_expression(self, node):
        literal, operand = kids(node)[0], kids(node)[-1]
        name = self.type_of(literal)
        lower = name.lower()
        inner = self.unwrap(operand)
        if lower == "ordered":
            if inner.type != "hash_literal_expression":
                raise runtime_error("The ordered attribute can be specified only on a hash literal node.",
                                    error_id="OrderedAttributeOnlyOnHashLiteralNode", category="ParserError")
            return self.ev_hash_literal_expression(inner, ordered=True)
        if lower in ("pscustomobject",) and inner.type == "hash_literal_expression":
            return V.PSObject(self.ev_hash_literal_expression(inner, ordered=True).items())
        value = self.ev(operand)
        if lower == "void":
            return None
        full = T.resolve_type(self.engine, name)
        return V.convert(value, full)

    def ev_expression_with_unary_operator(self, node):
        children = kids(node)
        op = self.text(children[0]).lower()
        if children[0].type in ("cast_expression",) or len(children) == 1:
            return self.ev(children[0])
        operand = children[1]
        if op == ",":
            return [self.ev(operand)]
        if op in ("-not", "!"):
            return not V.to_bool(self.ev(operand))
        if op == "-":
            value = self.ev(operand)
            return -V.to_number(value)
        if op == "+":
            return V.to_number(self.ev(operand))
        if op in ("-join",):
            return O.join(self.ev(operand), "")
        if op in ("-split", "-isplit", "-csplit"):
            return O.unary_split(self.ev(operand))
        if op == "-bnot":
            return ~V.to_integer(self.ev(operand), "System.Int64")
        if op in ("++", "--"):
            return self._increment(operand, 1 if op == "++" else -1, prefix=True)
        raise runtime_error("unsupported unary operator %s" % op)

    def ev_pre_increment_expression(self, node):
        return self._increment(kids(node)[-1], 1, True)

    def ev_pre_decrement_expression(self, node):
        return self._increment(kids(node)[-1], -1, True)

    def ev_post_increment_expression(self, node):
        return self._increment(kids(node)[0], 1, False)

    def ev_post_decrement_expression(self, node):
        return self._increment(kids(node)[0], -1, False)

    def _increment(self, target, step, prefix):
        old = self.ev(target)
        new = V.to_number(old) + step
        self.store(target, new)
        return new if prefix else old

    def ev_logical_expression(self, node):
        children = kids(node)
        if len(children) == 1:
            return self.ev(children[0])
        left = V.to_bool(self.ev(children[0]))
        op = self.text(children[1]).lower()
        if op == "-and":
            return left and V.to_bool(self.ev(children[2]))
        if op == "-or":
            return left or V.to_bool(self.ev(children[2]))
        if op == "-xor":
            return left != V.to_bool(self.ev(children[2]))
        raise runtime_error("unsupported operator %s" % op)

    def ev_bitwise_expression(self, node):
        children = kids(node)
        if len(children) == 1:
            return self.ev(children[0])
        first, second = self.ev(children[0]), self.ev(children[2])
        # An enum operand takes part as its underlying number; two values of one enum give a value of that enum
        # ([IO.FileAttributes]'Directory, ReparsePoint' -band [IO.FileAttributes]::ReparsePoint is ReparsePoint):
        # https://learn.microsoft.com/powershell/module/microsoft.powershell.core/about/about_arithmetic_operators
        same = isinstance(first, V.EnumValue) and isinstance(second, V.EnumValue) and first.enum_type is second.enum_type
        left = first.number if isinstance(first, V.EnumValue) else V.to_integer(first, "System.Int64")
        right = second.number if isinstance(second, V.EnumValue) else V.to_integer(second, "System.Int64")
        op = self.text(children[1]).lower()
        value = {"-band": left & right, "-bor": left | right, "-bxor": left ^ right}[op]
        return V.EnumValue(first.enum_type, value) if same else value

    def ev_comparison_expression(self, node):
        children = kids(node)
        if len(children) == 1:
            return self.ev(children[0])
        left = self.ev(children[0])
        op = self.text(children[1]).lower().lstrip("-")
        right_node = children[2]
        if op in ("is", "isnot", "as"):
            type_name = T.resolve_type(self.engine, self.type_of(right_node) if self.unwrap(right_node).type == "type_literal"
                                       else V.to_string(self.ev(right_node)))
            if op == "as":
                try:
                    return V.convert(left, type_name)
                except PSRuntimeError:
                    return None
            result = V.is_instance(left, type_name)
            return result if op == "is" else not result
        right = self.ev(right_node)
        base = op[1:] if op[:1] in ("c", "i") and op[1:] in O._CASE_OPS else op
        case = op.startswith("c") and base != op
        if base == "replace":
            return O.replace(left, right, case)
        if base == "split":
            return O.split(left, right, case)
        if base == "join":
            return O.join(left, right)
        return O.comparison(op, left, right, self.engine)

    def ev_additive_expression(self, node):
        children = kids(node)
        if len(children) == 1:
            return self.ev(children[0])
        return O.arithmetic(self.text(children[1]), self.ev(children[0]), self.ev(children[2]))

    ev_multiplicative_expression = ev_additive_expression

    def ev_format_expression(self, node):
        children = kids(node)
        if len(children) == 1:
            return self.ev(children[0])
        return O.format_operator(self.ev(children[0]), self.ev(children[2]))

    def ev_range_expression(self, node):
        children = kids(node)
        if len(children) == 1:
            return self.ev(children[0])
        low = V.to_integer(self.ev(children[0]))
        high = V.to_integer(self.ev(children[2]))
        step = 1 if high >= low else -1
        return list(range(low, high + step, step))

    def member_name(self, node):
        node = self.unwrap(node)
        if node.type in ("simple_name", "generic_token", "type_identifier"):
            return self.text(node)
        return V.to_string(self.ev(node))

    def _member_parts(self, node):
        children = kids(node)
        target = children[0]
        op = next(c for c in children if c.type in (".", "::"))
        name_node = children[children.index(op) + 1]
        return target, op.type, name_node

    def ev_member_access(self, node):
        target, op, name_node = self._member_parts(node)
        name = self.member_name(name_node)
        if op == "::":
            return T.get_static(self.engine, self.type_of(target), name)
        return T.get_member(self.ev(target), name)

    def ev_invokation_expression(self, node):
        target, op, name_node = self._member_parts(node)
        name = self.member_name(name_node)
        arg_list = next((c for c in kids(node) if c.type == "argument_list"), None)
        args = []
        if arg_list is not None:
            exprs = [c for c in kids(arg_list) if c.type not in ("(", ")")]
            if exprs:
                inner = exprs[0]
                if inner.type == "argument_expression_list":
                    args = [self.ev(c) for c in kids(inner) if c.type != ","]
                else:
                    args = [self.ev(inner)]
        if op == "::":
            return T.call_static(self.engine, self.type_of(target), name, args)
        return T.call_method(self.engine, self.ev(target), name, args)

    def ev_element_access(self, node):
        children = kids(node)
        target = self.ev(children[0])
        index = self.ev(children[2])
        return self.index(target, index)

    def index(self, target, index):
        """$a[i]: negative from the end, out of range gives $null, a list of indexes a list;
        $h['key'] a value; indexing $null fails (about_Arrays)."""
        if target is None:
            raise runtime_error("Cannot index into a null array.", error_id="NullArray", category="InvalidOperation")
        if hasattr(target, "ps_index"):
            return target.ps_index(index)
        if isinstance(target, V.Hashtable):
            if isinstance(index, list):
                return [target[k] for k in index]
            return target[index]
        if isinstance(target, V.PSObject):
            return T.get_member(target, V.to_string(index))
        if isinstance(index, list):
            return [self.index(target, i) for i in index]
        if isinstance(target, (list, tuple, str)):
            i = V.to_integer(index)
            if -len(target) <= i < len(target):
                return target[i]
            return None
        if V.to_integer(index) in (0, -1):
            return target  # a scalar indexes as a one-element collection
        return None

    def ev_assignment_expression(self, node):
        return self.assign(node)

    # --- variables and assignment ----------------------------------------------------------

    def get_variable(self, text):
        scope_name, name = split_name(text)
        engine = self.engine
        if scope_name == "env":
            return engine.env_get(name)
        lower = name.lower()
        if lower == "null":
            return None
        if lower == "true":
            return True
        if lower == "false":
            return False
        if lower == "psitem":
            lower = name = "_"
        scope = {"script": engine.script_scope, "global": engine.global_scope}.get(scope_name, engine.scope)
        if scope_name == "local":
            var = scope.vars.get(lower)
        else:
            var = scope.find(name)
        return var.value if var is not None else None

    def set_variable(self, text, value, type_name=None):
        scope_name, name = split_name(text)
        engine = self.engine
        if scope_name == "env":
            engine.env_set(name, value)
            return
        if name.lower() == "null":
            return
        if name.lower() in ("true", "false"):
            raise runtime_error("Cannot overwrite variable %s because it is read-only or constant." % name,
                                error_id="VariableNotWritable", category="WriteError")
        scope = {"script": engine.script_scope, "global": engine.global_scope}.get(scope_name, engine.scope)
        scope.set(name, value, type_name, private=scope_name == "private")

    def assign(self, node):
        children = kids(node)
        left = children[0]
        op = self.text(children[1]).strip()
        value_node = children[2]
        value = self.value_of(value_node)
        if op != "=":
            current = self.ev(left)
            arithmetic = {"+=": "+", "-=": "-", "*=": "*", "/=": "/", "%=": "%"}[op]
            value = O.arithmetic(arithmetic, current, value)
        self.store(left, value)
        return value

    def store(self, left, value):
        left = self.unwrap(left)
        t = left.type
        if t == "variable":
            self.set_variable(self.text(left), value)
            return
        if t == "cast_expression":
            if self.type_of(left).lower() == "ordered":
                raise runtime_error("The ordered attribute can be specified only on a hash literal node.",
                                    error_id="OrderedAttributeOnlyOnHashLiteralNode", category="ParserError")
            type_name = T.resolve_type(self.engine, self.type_of(left))
            target = self.unwrap(kids(left)[-1])
            if target.type != "variable":
                raise runtime_error("The assignment expression is not valid.", error_id="InvalidLeftHandSide")
            self.set_variable(self.text(target), V.convert(value, type_name), type_name)
            return
        if t == "member_access":
            target, op, name_node = self._member_parts(left)
            obj = self.ev(target)
            T.set_member(obj, self.member_name(name_node), value)
            return
        if t == "element_access":
            children = kids(left)
            obj = self.ev(children[0])
            index = self.ev(children[2])
            if isinstance(obj, V.Hashtable):
                obj[index] = value
                return
            if isinstance(obj, list):
                i = V.to_integer(index)
                if not -len(obj) <= i < len(obj):
                    raise runtime_error("Index was outside the bounds of the array.", "System.IndexOutOfRangeException",
                                        "System.IndexOutOfRangeException", "OperationStopped")
                obj[i] = value
                return
            if obj is None:
                raise runtime_error("Cannot index into a null array.", error_id="NullArray", category="InvalidOperation")
            raise runtime_error("Unable to index into an object of type %s." % V.type_name(obj),
                                error_id="CannotIndex", category="InvalidOperation")
        raise runtime_error("The assignment expression is not valid. The input to an assignment operator must be an "
                            "object that is able to accept assignments, such as a variable or a property.",
                            error_id="InvalidLeftHandSide", category="ParserError")

    # --- added by certs helper ---------------------------------------------------------------
    def ev_argument_list(self, node):
        """`New-Object System.Text.StringBuilder(10)` / `New-Object T('My', 'LocalMachine')`: in argument mode a
        parenthesis right after a bareword starts the next argument, the parenthesized expression (an array when it
        holds a comma list) — the idiom of New-Object's page, Example "Create an object with a constructor"
        (https://learn.microsoft.com/powershell/module/microsoft.powershell.utility/new-object?view=powershell-5.1)."""
        exprs = [c for c in kids(node) if c.type not in ("(", ")")]
        if not exprs:
            return None
        return self.ev(exprs[0])


# Operators inside a method call's argument list: tree-sitter-powershell names these nodes
# *_argument_expression; they evaluate as the same operators outside one (about_Operators).
for _kind in ("logical", "bitwise", "comparison", "additive", "multiplicative", "format", "range"):
    setattr(Evaluator, "ev_%s_argument_expression" % _kind, getattr(Evaluator, "ev_%s_expression" % _kind))
