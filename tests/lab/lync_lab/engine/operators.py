"""PowerShell's operators (about_Comparison_Operators, about_Arithmetic_Operators, about_Split,
about_Join, about_Operators "-f"): case-insensitive by default, the `c` forms case-sensitive,
a collection on the left filters, the right operand converted to the left operand's type."""

import datetime
import re
import uuid

from . import values as V
from .errors import runtime_error

# --- .NET regular expressions in Python ------------------------------------------------------


def dotnet_regex(pattern, ignore_case=True):
    """Compile a .NET pattern with Python's re: (?<name>) becomes (?P<name>)."""
    text = V.to_string(pattern)
    text = re.sub(r"\(\?<([A-Za-z_][A-Za-z0-9_]*)>", r"(?P<\1>", text)
    text = re.sub(r"\\k<([A-Za-z_][A-Za-z0-9_]*)>", r"(?P=\1)", text)
    # .NET reads `[\w-.]` as \w, '-' and '.'; Python refuses the range, so escape the '-'.
    text = re.sub(r"(\\[wdsWDS])-(?!\])", r"\1\\-", text)
    # .NET's \z is the very end (Python's \Z); .NET's \Z also matches before a final newline
    # (https://learn.microsoft.com/dotnet/standard/base-types/anchors-in-regular-expressions).
    text = re.sub(r"(?<!\\)((?:\\\\)*)\\Z", r"\1(?=\\n?\\Z)", text)
    text = re.sub(r"(?<!\\)((?:\\\\)*)\\z", r"\1\\Z", text)
    try:
        return re.compile(text, re.IGNORECASE if ignore_case else 0)
    except re.error as exc:
        raise runtime_error('The regular expression pattern %s is not valid.' % text, "System.ArgumentException",
                            "InvalidRegularExpression", "InvalidOperation") from exc


def dotnet_replacement(text):
    """A .NET substitution string ($1, ${name}, $0, $$) as a Python replacement function."""
    def expand(match):
        out, i = [], 0
        while i < len(text):
            ch = text[i]
            if ch == "$" and i + 1 < len(text):
                nxt = text[i + 1]
                if nxt == "$":
                    out.append("$")
                    i += 2
                    continue
                if nxt.isdigit():
                    j = i + 1
                    while j < len(text) and text[j].isdigit():
                        j += 1
                    group = int(text[i + 1:j])
                    if group <= (match.re.groups or 0):
                        out.append(match.group(group) or "")
                        i = j
                        continue
                if nxt == "{":
                    end = text.find("}", i)
                    if end > 0:
                        name = text[i + 2:end]
                        try:
                            out.append(match.group(int(name) if name.isdigit() else name) or "")
                            i = end + 1
                            continue
                        except (IndexError, error_types):
                            pass
                if nxt == "&":
                    out.append(match.group(0))
                    i += 2
                    continue
            out.append(ch)
            i += 1
        return "".join(out)
    return expand


error_types = (re.error,)


def wildcard_regex(pattern, ignore_case=True):
    """about_Wildcards: * ? [abc] [a-z]; a backtick escapes the next character."""
    text = V.to_string(pattern)
    out, i = ["^"], 0
    while i < len(text):
        ch = text[i]
        if ch == "`" and i + 1 < len(text):
            out.append(re.escape(text[i + 1]))
            i += 2
            continue
        if ch == "*":
            out.append(".*")
        elif ch == "?":
            out.append(".")
        elif ch == "[":
            end = text.find("]", i + 1)
            if end < 0:
                raise runtime_error("The specified wildcard character pattern is not valid: %s" % text,
                                    "System.Management.Automation.WildcardPatternException")
            out.append("[" + text[i + 1:end].replace("\\", "\\\\") + "]")
            i = end
        else:
            out.append(re.escape(ch))
        i += 1
    out.append("$")
    return re.compile("".join(out), re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL)


# --- comparison ------------------------------------------------------------------------------

def _as_left_type(left, right):
    """The right operand converted to the left's type, or a marker that it cannot be."""
    if isinstance(left, bool):
        return V.to_bool(right)
    if isinstance(left, (int, float)):
        if isinstance(right, bool):
            return int(right)
        if isinstance(right, (int, float)):
            return right
        if isinstance(right, V.EnumValue):  # 1 -eq [T]::Label compares the enum's value (added by certs helper)
            return right.number
        if isinstance(right, str):
            number = V.parse_number(right)
            return _NO if number is None else number
        return _NO
    if isinstance(left, str):
        return V.to_string(right)
    if isinstance(left, datetime.datetime):
        try:
            return V.to_datetime(right)
        except Exception:
            return _NO
    if isinstance(left, uuid.UUID):
        try:
            return V.to_guid(V.to_string(right))
        except Exception:
            return _NO
    return right


_NO = object()


def equals(left, right, case=False):
    """Scalar -eq (the language spec §7.8.4)."""
    if left is None or right is None:
        return left is None and right is None
    if isinstance(left, V.SwitchValue):
        left = left.IsPresent
    converted = _as_left_type(left, right)
    if converted is _NO:
        return False
    if isinstance(left, str):
        return left == converted if case else left.lower() == converted.lower()
    if isinstance(left, (int, float, bool, datetime.datetime, uuid.UUID)):
        return left == converted
    if isinstance(left, (list, tuple, V.Hashtable)):
        return left is right
    return left == right


def compare(left, right, case=False):
    """-1/0/1 for -lt/-gt/-le/-ge and Sort-Object; an error when they cannot be compared."""
    if left is None and right is None:
        return 0
    if left is None:
        return -1 if not (isinstance(right, str) and right == "") else 0
    if right is None:
        return 1 if not (isinstance(left, str) and left == "") else 0
    converted = _as_left_type(left, right)
    if converted is _NO:
        message = ('Could not compare "%s" to "%s". Error: "Cannot convert value "%s" to type "%s". Error: '
                   '"Input string was not in a correct format.""'
                   % (V.to_string(left), V.to_string(right), V.to_string(right), V.type_name(left)))
        raise runtime_error(message, "System.Management.Automation.RuntimeException", "ComparisonFailure",
                            "InvalidOperation")
    if isinstance(left, str):
        a, b = (left, converted) if case else (left.lower(), converted.lower())
    elif isinstance(left, (int, float, bool, datetime.datetime)):
        a, b = left, converted
    else:
        raise runtime_error("Cannot compare \"%s\" because it is not IComparable." % V.to_string(left),
                            "System.Management.Automation.RuntimeException", "NotIcomparable", "InvalidOperation")
    return (a > b) - (a < b)


def _scalar_compare(op, left, right, case, engine):
    if op == "eq":
        return equals(left, right, case)
    if op == "ne":
        return not equals(left, right, case)
    if op in ("lt", "gt", "le", "ge"):
        result = compare(left, right, case)
        return {"lt": result < 0, "gt": result > 0, "le": result <= 0, "ge": result >= 0}[op]
    if op in ("like", "notlike"):
        hit = bool(wildcard_regex(right, not case).match(V.to_string(left)))
        return hit if op == "like" else not hit
    if op in ("match", "notmatch"):
        match = dotnet_regex(right, not case).search(V.to_string(left))
        return (match is not None) if op == "match" else match is None
    raise AssertionError(op)


def matches_table(match):
    """$Matches after a successful -match: group numbers and names to the captured text."""
    table = V.Hashtable()
    names = {index: name for name, index in match.re.groupindex.items()}
    for index in range(match.re.groups, -1, -1):
        if match.group(index) is not None:
            table[names.get(index, index)] = match.group(index)
    return table


def comparison(op, left, right, engine=None):
    """Binary comparison `left -op right`; op without the dash, e.g. 'eq', 'ceq', 'inotmatch'."""
    case = op.startswith("c") and op[1:] in _CASE_OPS
    if (op.startswith("c") or op.startswith("i")) and op[1:] in _CASE_OPS:
        op = op[1:]
    if op in ("contains", "notcontains"):
        found = any(equals(item, right, case) for item in V.enumerate_value(left))
        return found if op == "contains" else not found
    if op in ("in", "notin"):
        found = any(equals(item, left, case) for item in V.enumerate_value(right))
        return found if op == "in" else not found
    if isinstance(left, (list, tuple)):
        # A collection on the left filters: the elements for which the comparison holds; -like
        # and -notlike return them as the strings they compared (about_Comparison_Operators).
        if op in ("like", "notlike"):
            return [V.to_string(item) for item in left if _scalar_compare(op, item, right, case, engine)]
        return [item for item in left if _scalar_compare(op, item, right, case, engine)]
    if op in ("match", "notmatch"):
        match = dotnet_regex(right, not case).search(V.to_string(left))
        if match is not None and engine is not None:
            engine.set_matches(matches_table(match))
        return (match is not None) if op == "match" else match is None
    return _scalar_compare(op, left, right, case, engine)


_CASE_OPS = {"eq", "ne", "lt", "gt", "le", "ge", "like", "notlike", "match", "notmatch", "contains", "notcontains",
             "in", "notin", "replace", "split"}


# --- -replace -split -join -------------------------------------------------------------------

def replace(left, right, case=False):
    """about_Comparison_Operators "Replacement operator": regex, .NET substitutions; a list on the
    left gives a list."""
    items = V.enumerate_value(right) if isinstance(right, (list, tuple)) else [right]
    pattern = items[0] if items else ""
    substitute = V.to_string(items[1]) if len(items) > 1 else ""
    if len(items) > 2:
        raise runtime_error("The -replace operator allows only two elements to follow it, not %d." % len(items),
                            "System.Management.Automation.RuntimeException", "BadReplaceArgument", "InvalidOperation")
    regex = dotnet_regex(pattern, not case)
    function = dotnet_replacement(substitute)
    if isinstance(left, (list, tuple)):
        return [regex.sub(function, V.to_string(item)) for item in left]
    return regex.sub(function, V.to_string(left))


def split(left, right, case=False):
    """about_Split: <string> -split <delimiter>[,<max-substrings>[,"<options>"]]."""
    items = V.enumerate_value(right) if isinstance(right, (list, tuple)) else [right]
    delimiter = V.to_string(items[0]) if items else " "
    maximum = V.to_integer(items[1]) if len(items) > 1 else 0
    options = V.to_string(items[2]).lower() if len(items) > 2 else ""
    if "simplematch" in options:
        delimiter = re.escape(delimiter)
    if "ignorecase" in options:
        case = False
    regex = dotnet_regex(delimiter, not case)
    out = []
    for text in V.enumerate_value(left):
        text = V.to_string(text)
        parts = _regex_split(regex, text, maximum)
        out.extend(parts)
    return out


def _regex_split(regex, text, maximum):
    """.NET Regex.Split: captured groups are included; max-substrings limits the pieces."""
    if maximum < 0:
        # A negative count splits from the end (about_Split): keep the last -maximum pieces.
        matches = [m for m in regex.finditer(text) if not (m.end() == m.start() == 0)]
        cuts = matches[len(matches) - (-maximum - 1):] if -maximum - 1 < len(matches) else matches
        result, start = [], 0
        for match in cuts:
            result.append(text[start:match.start()])
            result.extend(g for g in match.groups() if g is not None)
            start = match.end()
        result.append(text[start:])
        return result
    result, start, count = [], 0, 0
    for match in regex.finditer(text):
        if maximum and count >= maximum - 1:
            break
        if match.end() == match.start() == 0:
            continue
        result.append(text[start:match.start()])
        result.extend(g for g in match.groups() if g is not None)
        start = match.end()
        count += 1
    result.append(text[start:])
    return result


def unary_split(value):
    """-split <string>: split on white space, no empty strings (about_Split, Unary split)."""
    out = []
    for text in V.enumerate_value(value):
        out.extend(V.to_string(text).split())
    return out


def join(left, right):
    """<string[]> -join <delimiter> (about_Join)."""
    return V.to_string(right).join(V.to_string(item) for item in V.enumerate_value(left))


# --- -f (composite formatting) ---------------------------------------------------------------

_FORMAT_ITEM = re.compile(r"\{\{|\}\}|\{(\d+)\s*(?:,\s*(-?\d+))?\s*(?::([^}]*))?\}")


def format_value(value, spec):
    """One .NET format item: N, D, X, F, P, E, C-less, and custom date formats."""
    if isinstance(value, (list, tuple)):
        return "System.Object[]"  # String.Format calls ToString(), not PowerShell's conversion
    if not spec:
        if isinstance(value, datetime.datetime):
            from .types import _en_us
            return _en_us(value)  # String.Format formats a DateTime in the current culture (en-US here)
        return V.to_string(value)
    kind, digits = spec[0].upper(), spec[1:]
    if isinstance(value, datetime.datetime):
        return format_date(value, spec)
    if isinstance(value, (int, float)) and not isinstance(value, bool) and (digits.isdigit() or digits == "") and kind in "NDXFPEG":
        precision = int(digits) if digits else None
        if kind == "D":
            text = str(abs(int(value))).rjust(precision or 0, "0")
            return ("-" if value < 0 else "") + text
        if kind == "X":
            text = format(int(value), "X" if spec[0] == "X" else "x")
            return text.rjust(precision or 0, "0")
        if kind == "N":
            return format(value, ",.%df" % (2 if precision is None else precision))
        if kind == "F":
            return format(value, ".%df" % (2 if precision is None else precision))
        if kind == "P":
            return format(value * 100, ".%df" % (2 if precision is None else precision)) + " %"
        if kind == "E":
            text = format(value, ".%dE" % (6 if precision is None else precision))
            mantissa, exponent = text.split("E")
            return "%sE%s%s" % (mantissa, exponent[0], exponent[1:].rjust(3, "0"))
        if kind == "G":
            return V.to_string(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool) and set(spec) <= set("0#.,"):
        decimals = len(spec.split(".")[1]) if "." in spec else 0
        text = format(value, "%s.%df" % ("," if "," in spec else "", decimals))
        whole = spec.split(".")[0].replace(",", "")
        zeros = whole.count("0")
        int_part, _dot, frac = text.partition(".")
        sign = "-" if int_part.startswith("-") else ""
        int_part = int_part.lstrip("-").rjust(zeros, "0")
        return sign + int_part + ("." + frac if frac else "")
    return V.to_string(value)


_DATE_TOKENS = [("yyyy", "%Y"), ("yy", "%y"), ("MM", "%m"), ("dd", "%d"), ("HH", "%H"), ("hh", "%I"), ("mm", "%M"),
                ("ss", "%S"), ("fff", "%f3"), ("tt", "%p")]


def format_date(value, spec):
    """DateTime.ToString(format) for the custom and the standard formats the payloads use."""
    standard = {"o": "%Y-%m-%dT%H:%M:%S.%f0", "s": "%Y-%m-%dT%H:%M:%S", "u": "%Y-%m-%d %H:%M:%SZ"}
    if spec in standard:
        text = value.strftime(standard[spec])
        if spec == "o":
            text += {"Utc": "Z", "Local": "+00:00"}.get(V.date_kind(value), "")
        return text
    out, i = [], 0
    while i < len(spec):
        for token, directive in _DATE_TOKENS:
            if spec.startswith(token, i):
                out.append(value.strftime("%f")[:3] if directive == "%f3" else value.strftime(directive))
                i += len(token)
                break
        else:
            ch = spec[i]
            if ch == "'":
                end = spec.find("'", i + 1)
                out.append(spec[i + 1:end])
                i = end + 1
            elif ch == "\\" and i + 1 < len(spec):
                out.append(spec[i + 1])
                i += 2
            else:
                out.append(ch)
                i += 1
    return "".join(out)


def format_operator(fmt, args):
    """"<format>" -f <values> (about_Operators, Format operator -f; .NET composite formatting)."""
    text = V.to_string(fmt)
    values = V.enumerate_value(args) if isinstance(args, (list, tuple)) else [args]

    def item(match):
        whole = match.group(0)
        if whole == "{{":
            return "{"
        if whole == "}}":
            return "}"
        index = int(match.group(1))
        if index >= len(values):
            raise runtime_error("Error formatting a string: Index (zero based) must be greater than or equal to zero and "
                                "less than the size of the argument list..", "System.FormatException", "FormatError",
                                "InvalidOperation")
        rendered = format_value(values[index], match.group(3))
        width = int(match.group(2)) if match.group(2) else 0
        return rendered.rjust(width) if width > 0 else rendered.ljust(-width)
    rendered = _FORMAT_ITEM.sub(item, text)
    leftover = _FORMAT_ITEM.sub("", text)
    if "{" in leftover or "}" in leftover:
        raise runtime_error("Error formatting a string: Input string was not in a correct format..",
                            "System.FormatException", "FormatError", "InvalidOperation")
    return rendered


# --- arithmetic ------------------------------------------------------------------------------

def _widen(a, b, result):
    """Integer arithmetic that overflows its operands' type gives a double (about_Type_Conversion:
    [int]::MaxValue + 1 is the Double 2147483648); an Int64 operand makes it Int64 arithmetic."""
    if not isinstance(result, int) or isinstance(result, bool):
        return result
    if isinstance(a, int) and isinstance(b, int):
        wide = isinstance(a, V.Long) or isinstance(b, V.Long) or not (-2**31 <= a < 2**31 and -2**31 <= b < 2**31)
        low, high = (-2**63, 2**63) if wide else (-2**31, 2**31)
        if not low <= result < high:
            return float(result)
        return V.Long(result) if wide else int(result)
    return result


def add(left, right):
    """about_Arithmetic_Operators: the left operand decides — numbers add, strings concatenate,
    arrays append, hashtables merge (a duplicate key is an error)."""
    if left is None:
        if isinstance(right, (list, tuple)):
            return list(right)
        return right
    if isinstance(left, (list, tuple)):
        return list(left) + (list(right) if isinstance(right, (list, tuple)) else [right])
    if isinstance(left, V.Hashtable):
        if not isinstance(right, V.Hashtable):
            raise runtime_error("A hash table can only be added to another hash table.",
                                "System.Management.Automation.RuntimeException", "AddHashTableToNonHashTable",
                                "InvalidOperation")
        merged = left.copy()
        for key, value in right.items():
            merged.add(key, value)
        return merged
    if isinstance(left, str):
        return left + V.to_string(right)
    if isinstance(left, datetime.datetime) and isinstance(right, datetime.timedelta):
        return left + right
    if isinstance(left, (int, float, bool)):
        if isinstance(right, (list, tuple, V.Hashtable)):
            raise runtime_error('Method invocation failed because [%s] does not contain a method named \'op_Addition\'.'
                                % V.type_name(left), "System.Management.Automation.RuntimeException",
                                "MethodNotFound", "InvalidOperation")
        a, b = V.to_number(left), V.to_number(right)
        return _widen(a, b, a + b)
    raise runtime_error("Method invocation failed because [%s] does not contain a method named 'op_Addition'."
                        % V.type_name(left), "System.Management.Automation.RuntimeException", "MethodNotFound",
                        "InvalidOperation")


def arithmetic(op, left, right):
    """- * / % with PowerShell's rules: int / int that does not divide gives a double."""
    if op == "+":
        return add(left, right)
    if op == "*":
        if isinstance(left, str):
            return left * V.to_integer(right)
        if isinstance(left, (list, tuple)):
            return list(left) * V.to_integer(right)
    if isinstance(left, datetime.datetime) and op == "-":
        if isinstance(right, datetime.datetime):
            return left - right
        if isinstance(right, datetime.timedelta):
            return left - right
    if left is None and op != "*":
        left = 0
    if isinstance(left, (list, tuple, V.Hashtable)) or isinstance(right, (list, tuple, V.Hashtable)):
        name = {"-": "op_Subtraction", "*": "op_Multiply", "/": "op_Division", "%": "op_Modulus"}[op]
        raise runtime_error("Method invocation failed because [%s] does not contain a method named '%s'."
                            % (V.type_name(left), name), "System.Management.Automation.RuntimeException",
                            "MethodNotFound", "InvalidOperation")
    a = V.to_number(left)
    b = V.to_number(right)
    if op == "-":
        return _widen(a, b, a - b)
    if op == "*":
        return _widen(a, b, a * b)
    if b == 0 and op in "/%":
        raise runtime_error("Attempted to divide by zero.", "System.DivideByZeroException", "RuntimeException",
                            "NotSpecified")
    if op == "/":
        if isinstance(a, int) and isinstance(b, int) and a % b == 0:
            return a // b
        return a / b
    if op == "%":
        if isinstance(a, int) and isinstance(b, int):
            result = abs(a) % abs(b)
            return -result if a < 0 else result
        import math
        return math.fmod(a, b)
    raise AssertionError(op)
