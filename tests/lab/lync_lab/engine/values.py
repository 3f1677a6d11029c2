"""PowerShell values in Python, and PowerShell's conversion rules between them.

Representation: $null is None, [bool] bool, [int]/[long] int, [double] float, [string] str,
object[] a Python list, [hashtable]/[ordered] `Hashtable`, [pscustomobject] `PSObject`,
[datetime] datetime, [guid] uuid.UUID, { } `ScriptBlock`; emulated .NET objects are
`NetObject`s. Conversions follow about_Type_Conversion and the language specification
§6 (Conversions): https://learn.microsoft.com/powershell/scripting/lang-spec/chapter-06
"""

import datetime
import math
import re
import uuid

from .errors import runtime_error


def _norm(key):
    if isinstance(key, str):
        return ("s", key.lower())
    if isinstance(key, bool):
        return ("b", key)
    return key


class Hashtable:
    """System.Collections.Hashtable (keys compare case-insensitively, about_Hash_Tables) or, with
    ordered=True, the OrderedDictionary `[ordered]@{}` makes. Python keeps insertion order for both."""

    def __init__(self, items=None, ordered=False):
        self._data = {}
        self.ordered = ordered
        for key, value in (items or []):
            self[key] = value

    @property
    def type_name(self):
        return "System.Collections.Specialized.OrderedDictionary" if self.ordered else "System.Collections.Hashtable"

    def __setitem__(self, key, value):
        if key is None:
            raise runtime_error("Key cannot be null.", "System.ArgumentNullException")
        norm = _norm(key)
        old = self._data.get(norm)
        self._data[norm] = (old[0] if old else key, value)

    def __getitem__(self, key):
        if key is None:
            return None
        found = self._data.get(_norm(key))
        return found[1] if found else None

    def __contains__(self, key):
        return key is not None and _norm(key) in self._data

    def __len__(self):
        return len(self._data)

    def __delitem__(self, key):
        self._data.pop(_norm(key), None)

    def add(self, key, value):
        """Hashtable.Add: a duplicate key is an error (also what a duplicate literal key does)."""
        if key in self:
            raise runtime_error("Item has already been added. Key in dictionary: '%s'  Key being added: '%s'"
                                % (to_string(self.original_key(key)), to_string(key)), "System.ArgumentException")
        self[key] = value

    def original_key(self, key):
        found = self._data.get(_norm(key))
        return found[0] if found else key

    def keys(self):
        return [k for k, _value in self._data.values()]

    def values(self):
        return [v for _key, v in self._data.values()]

    def items(self):
        return list(self._data.values())

    def copy(self):
        return Hashtable(self.items(), self.ordered)

    def to_python(self):
        return {to_string(k): to_python(v) for k, v in self.items()}

    def __eq__(self, other):
        return self is other

    __hash__ = object.__hash__

    def __repr__(self):
        return "%s@{%s}" % ("[ordered]" if self.ordered else "", "; ".join("%s=%r" % kv for kv in self.items()))


class PSObject:
    """[pscustomobject]: an ordered bag of note properties whose names compare case-insensitively."""

    type_name = "System.Management.Automation.PSCustomObject"

    def __init__(self, items=None):
        self.props = Hashtable(items or [], ordered=True)

    def __repr__(self):
        return "@{%s}" % "; ".join("%s=%s" % (k, to_string(v)) for k, v in self.props.items())


class ScriptBlock:
    """A `{ ... }` literal: the tree node to run and the text it came from."""

    type_name = "System.Management.Automation.ScriptBlock"

    def __init__(self, node, text, evaluator=None):
        self.node = node
        self.text = text
        self.evaluator = evaluator

    def __repr__(self):
        return self.text


class NetObject:
    """Base for emulated .NET objects: public attributes are properties and public methods are
    methods, looked up case-insensitively by their .NET names (see types.member)."""

    TYPE_NAME = "System.Object"

    @property
    def type_name(self):
        return self.TYPE_NAME

    def ToString(self):
        return self.TYPE_NAME


class Long(int):
    """An Int64 ([long], a FileInfo.Length, a literal beyond Int32): arithmetic with it stays Int64
    instead of overflowing to a double as Int32 arithmetic does (about_Type_Conversion)."""

    def __repr__(self):
        return "Long(%d)" % int(self)


class SwitchValue:
    """[switch] parameter value: IsPresent, and true in a condition when present."""

    def __init__(self, present):
        self.IsPresent = bool(present)

    def __bool__(self):
        return self.IsPresent

    def ToBool(self):
        return self.IsPresent

    def __repr__(self):
        return "True" if self.IsPresent else "False"


# --- type names ------------------------------------------------------------------------------

# Type accelerators (about_Type_Accelerators) -> full names.
ACCELERATORS = {
    "string": "System.String", "int": "System.Int32", "int32": "System.Int32", "long": "System.Int64",
    "int64": "System.Int64", "bool": "System.Boolean", "boolean": "System.Boolean", "double": "System.Double",
    "float": "System.Single", "single": "System.Single", "decimal": "System.Decimal", "byte": "System.Byte",
    "char": "System.Char", "object": "System.Object", "array": "System.Array", "hashtable": "System.Collections.Hashtable",
    "datetime": "System.DateTime", "timespan": "System.TimeSpan", "guid": "System.Guid", "regex": "System.Text.RegularExpressions.Regex",
    "scriptblock": "System.Management.Automation.ScriptBlock", "switch": "System.Management.Automation.SwitchParameter",
    "pscustomobject": "System.Management.Automation.PSObject", "psobject": "System.Management.Automation.PSObject",
    "securestring": "System.Security.SecureString", "pscredential": "System.Management.Automation.PSCredential",
    "xml": "System.Xml.XmlDocument", "void": "System.Void", "ordered": "System.Collections.Specialized.OrderedDictionary",
    "math": "System.Math", "uint32": "System.UInt32", "uint64": "System.UInt64", "errorrecord": "System.Management.Automation.ErrorRecord",
}


def full_type_name(name):
    """The full name for an accelerator or a name written with or without 'System.'."""
    lower = name.lower()
    if lower.endswith("[]"):
        return full_type_name(name[:-2]) + "[]"
    if lower in ACCELERATORS:
        return ACCELERATORS[lower]
    if lower.startswith("system."):
        return name
    return name


class ArrayList(list):
    """System.Collections.ArrayList: a growable list that enumerates like an array in a pipeline;
    Add returns the new item's index (https://learn.microsoft.com/dotnet/api/system.collections.arraylist.add)."""


def type_name(value):
    """The .NET type name of a value (what $x.GetType().FullName gives)."""
    if value is None:
        return "null"
    if isinstance(value, ArrayList):
        return "System.Collections.ArrayList"
    if isinstance(value, EnumValue):  # an enum value is a str here (see the enum block below)
        return value.type_name
    if isinstance(value, bool):
        return "System.Boolean"
    if isinstance(value, Long):
        return "System.Int64"
    if isinstance(value, int):
        return "System.Int32" if -2**31 <= value < 2**31 else "System.Int64"
    if isinstance(value, float):
        return "System.Double"
    if isinstance(value, str):
        return "System.String"
    if isinstance(value, (list, tuple)):
        return "System.Object[]"
    if isinstance(value, datetime.datetime):
        return "System.DateTime"
    if isinstance(value, datetime.timedelta):
        return "System.TimeSpan"
    if isinstance(value, uuid.UUID):
        return "System.Guid"
    if isinstance(value, (bytes, bytearray)):
        return "System.Byte[]"
    name = getattr(value, "type_name", None) or getattr(value, "TYPE_NAME", None)
    return name or "System.Object"


def is_enumerable(value):
    """What the pipeline unrolls: arrays and lists, not strings or hashtables (about_Pipelines);
    and objects PowerShell enumerates though .NET does not call them collections (ps_enumerate)."""
    return isinstance(value, (list, tuple)) or hasattr(value, "ps_enumerate")


def enumerate_value(value):
    """The items a value writes to the pipeline: a list gives its elements, anything else itself;
    $null as a value still is one $null (the language spec §8.2)."""
    if isinstance(value, (list, tuple)):
        return list(value)
    if hasattr(value, "ps_enumerate"):
        # An emulated .NET object PowerShell unrolls on output: System.Data.DataTable is written
        # as its DataRows (PowerShell's LanguagePrimitives enumerate a DataTable through its Rows),
        # which is why scripts return one with the comma operator (`, $table`).
        return list(value.ps_enumerate())
    return [value]


def collect(items):
    """The value of collected pipeline output: nothing is $null, one object is that object, more
    are object[] (about_Assignment_Operators, about_Pipelines)."""
    if not items:
        return None
    if len(items) == 1:
        return items[0]
    return list(items)


def to_python(value):
    """A plain Python structure (for $Ansible.Result and test assertions)."""
    if isinstance(value, Hashtable):
        return value.to_python()
    if isinstance(value, PSObject):
        return value.props.to_python()
    if isinstance(value, (list, tuple)):
        return [to_python(v) for v in value]
    if isinstance(value, SwitchValue):
        return value.IsPresent
    if isinstance(value, Long):
        return int(value)
    return value


# --- conversions -----------------------------------------------------------------------------

def format_number(value):
    """[string] of a double: 15 significant digits, .NET's exponent form (1E+20)."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    text = "%.15G" % value
    if "E" in text:
        mantissa, exponent = text.split("E")
        sign = exponent[0]
        digits = exponent[1:].lstrip("0").rjust(2, "0")
        text = "%sE%s%s" % (mantissa, sign, digits)
    return text


def to_string(value, ofs=" "):
    """PowerShell's string conversion (about_Type_Conversion; arrays join with $OFS, a space)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, int):
        return str(int(value))  # int.__str__ of a subclass (Long) would use its __repr__
    if isinstance(value, float):
        return format_number(value)
    if isinstance(value, (list, tuple)):
        return ofs.join(to_string(v, ofs) for v in value)
    if isinstance(value, datetime.datetime):
        # Casts and string expansion use the invariant culture (about_Type_Conversion).
        return value.strftime("%m/%d/%Y %H:%M:%S")
    if isinstance(value, datetime.timedelta):
        total = int(value.total_seconds())
        sign = "-" if total < 0 else ""
        total = abs(total)
        days, rest = divmod(total, 86400)
        text = "%02d:%02d:%02d" % (rest // 3600, rest % 3600 // 60, rest % 60)
        return sign + ("%d.%s" % (days, text) if days else text)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, Hashtable):
        return value.type_name
    if isinstance(value, PSObject) and hasattr(value, "ToString"):
        return value.ToString()  # an adapted .NET object with properties (a DataRow): its ToString()
    if isinstance(value, PSObject):
        return "@{%s}" % "; ".join("%s=%s" % (k, to_string(v)) for k, v in value.props.items())
    if isinstance(value, (bytes, bytearray)):
        return " ".join(str(b) for b in value)
    if hasattr(value, "ToString"):
        return value.ToString()
    return str(value)


def to_bool(value):
    """about_Booleans: $null, 0, '' and empty arrays are false; a one-element array is its element;
    any other array, object, or non-empty string (even 'False') is true."""
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return value != 0
    if isinstance(value, str):
        return value != ""
    if isinstance(value, (list, tuple)):
        if len(value) == 0:
            return False
        if len(value) == 1:
            return to_bool(value[0])
        return True
    if isinstance(value, SwitchValue):
        return value.IsPresent
    return True


def _cannot_convert(value, target, detail):
    shown = to_string(value)
    return runtime_error('Cannot convert value "%s" to type "%s". Error: "%s"' % (shown, target, detail),
                         "System.Management.Automation.PSInvalidCastException", "InvalidCastParseTargetInvocation",
                         "InvalidArgument")


_INT_RE = re.compile(r"^\s*[+-]?\d+\s*$")
_HEX_RE = re.compile(r"^\s*([+-]?)0x([0-9a-f]+)\s*$", re.IGNORECASE)
_REAL_RE = re.compile(r"^\s*[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?\s*$", re.IGNORECASE)
_MULTIPLIERS = {"kb": 1024, "mb": 1024**2, "gb": 1024**3, "tb": 1024**4, "pb": 1024**5}


def parse_number(text):
    """A number from a string as PowerShell converts for arithmetic: '' is 0, '0x10' is 16, '1.5'
    a double; None when it is not a number."""
    if text.strip() == "":
        return 0
    if _INT_RE.match(text):
        return int(text)
    match = _HEX_RE.match(text)
    if match:
        return int(match.group(1) + match.group(2), 16)
    if _REAL_RE.match(text):
        return float(text)
    return None


def to_number(value):
    """The number a value stands for in arithmetic or a numeric comparison."""
    if value is None:
        return 0
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str):
        number = parse_number(value)
        if number is None:
            raise _cannot_convert(value, "System.Int32", "Input string was not in a correct format.")
        return number
    if isinstance(value, SwitchValue):
        return int(value.IsPresent)
    if isinstance(value, (list, tuple)) and len(value) == 1:
        return to_number(value[0])
    raise runtime_error('Cannot convert the "%s" value of type "%s" to type "System.Int32".'
                        % (to_string(value), type_name(value)), "System.Management.Automation.PSInvalidCastException",
                        "ConvertToFinalInvalidCastException", "InvalidArgument")


def bankers_round(value):
    """[int] of a double rounds half to even, as .NET's Convert.ToInt32 (about_Type_Conversion)."""
    return int(round(value))


_INT_RANGES = {"System.Int32": (-2**31, 2**31 - 1), "System.Int64": (-2**63, 2**63 - 1), "System.Byte": (0, 255),
               "System.UInt32": (0, 2**32 - 1), "System.UInt64": (0, 2**64 - 1)}


_INT_TYPES = {name.lower(): name for name in _INT_RANGES}


def to_integer(value, target="System.Int32"):
    low, high = _INT_RANGES[target]
    if isinstance(value, (list, tuple)):
        if len(value) == 1:
            return to_integer(value[0], target)
        raise runtime_error('Cannot convert the "%s" value of type "System.Object[]" to type "%s".'
                            % (to_string(value), target), "System.Management.Automation.PSInvalidCastException",
                            "ConvertToFinalInvalidCastException", "InvalidArgument")
    if isinstance(value, str):
        number = parse_number(value)
        if number is None:
            raise _cannot_convert(value, target, "Input string was not in a correct format.")
    elif isinstance(value, datetime.datetime):
        raise runtime_error('Cannot convert the "%s" value of type "System.DateTime" to type "%s".'
                            % (to_string(value), target), "System.Management.Automation.PSInvalidCastException")
    else:
        number = to_number(value)
    if isinstance(number, float):
        if math.isnan(number) or math.isinf(number):
            raise _cannot_convert(value, target, "Value was either too large or too small for an %s." % target.split(".")[-1])
        number = bankers_round(number)
    if not low <= number <= high:
        raise _cannot_convert(value, target, "Value was either too large or too small for an %s." % target.split(".")[-1])
    return Long(number) if target == "System.Int64" else int(number)


def to_double(value):
    number = to_number(value)
    return float(number)


DATE_FORMATS = ["%Y-%m-%dT%H:%M:%S.%fZ", "%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M:%S.%f", "%Y-%m-%dT%H:%M:%S",
                "%Y-%m-%d %H:%M:%S", "%Y-%m-%d", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y", "%m/%d/%Y %I:%M:%S %p", "%d %b %Y", "%d-%b-%Y",
                "%d %B %Y", "%B %d, %Y"]


def to_datetime(value):
    """[datetime]: strings parse in the invariant culture (month/day/year), as casts do."""
    if isinstance(value, datetime.datetime):
        return value
    if isinstance(value, str):
        text = value.strip()
        for fmt in DATE_FORMATS:
            try:
                return datetime.datetime.strptime(text, fmt)
            except ValueError:
                continue
        raise _cannot_convert(value, "System.DateTime", "String was not recognized as a valid DateTime.")
    if value is None:
        raise runtime_error('Cannot convert null to type "System.DateTime".', "System.Management.Automation.PSInvalidCastException")
    raise runtime_error('Cannot convert the "%s" value of type "%s" to type "System.DateTime".'
                        % (to_string(value), type_name(value)), "System.Management.Automation.PSInvalidCastException")


class UtcDateTime(datetime.datetime):
    """A DateTime whose Kind is Utc ([datetime]::UtcNow, LastWriteTimeUtc, ToUniversalTime()).
    .NET compares and subtracts DateTimes by ticks whatever their Kind; only formatting ('o' adds
    'Z') and conversion read it ("DateTime.Kind",
    https://learn.microsoft.com/dotnet/api/system.datetime.kind)."""

    KIND = "Utc"


class LocalDateTime(datetime.datetime):
    """A DateTime whose Kind is Local (Get-Date, [datetime]::Now, LastWriteTime). The lab's hosts
    run in UTC, so local and universal times carry the same clock value; 'o' formats the offset
    '+00:00' ("Standard date and time format strings", the round-trip "O" specifier,
    https://learn.microsoft.com/dotnet/standard/base-types/standard-date-and-time-format-strings)."""

    KIND = "Local"


def date_kind(value):
    """Utc, Local or Unspecified (a plain datetime: a cast from a string without an offset)."""
    return getattr(value, "KIND", "Unspecified")


def with_kind(value, kind):
    """The same clock value as a DateTime of `kind`."""
    cls = {"Utc": UtcDateTime, "Local": LocalDateTime}.get(kind, datetime.datetime)
    return cls(value.year, value.month, value.day, value.hour, value.minute, value.second, value.microsecond)


def to_guid(value):
    if isinstance(value, uuid.UUID):
        return value
    if isinstance(value, str):
        try:
            return uuid.UUID(value.strip())
        except ValueError:
            pass
    raise _cannot_convert(value, "System.Guid", "Guid should contain 32 digits with 4 dashes (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx).")


def convert(value, target):
    """Convert `value` to the type named `target` (full name or accelerator) as a cast does."""
    full = full_type_name(target)
    lower = full.lower()
    if isinstance(value, EnumValue) and lower in _INT_TYPES:  # [int] of an enum is its value (added by certs helper)
        return value.number
    if lower.endswith("[]"):
        if value is None:
            return None
        element = full[:-2]
        return [convert(v, element) for v in enumerate_value(value)]
    if lower in ("system.object", "system.management.automation.psobject"):
        if lower == "system.management.automation.psobject" and isinstance(value, Hashtable):
            return PSObject(value.items())
        return value
    if lower == "system.string":
        return to_string(value) if not isinstance(value, (list, tuple)) else to_string(value)
    if lower in _INT_TYPES:
        if value is None:
            return 0
        return to_integer(value, _INT_TYPES[lower])
    if lower in ("system.double", "system.single", "system.decimal"):
        if value is None:
            return 0.0
        return to_double(value)
    if lower == "system.boolean":
        if isinstance(value, (int, float)) or value is None or isinstance(value, (bool, str, list, SwitchValue)):
            return to_bool(value)
        return True
    if lower == "system.management.automation.switchparameter":
        return SwitchValue(to_bool(value))
    if lower in ("system.collections.hashtable", "system.collections.specialized.ordereddictionary"):
        if value is None:
            return None
        if isinstance(value, Hashtable):
            if lower == "system.collections.hashtable" and value.ordered:
                return Hashtable(value.items())  # [hashtable][ordered]@{} is a plain Hashtable
            return value
        raise runtime_error('Cannot convert the "%s" value of type "%s" to type "System.Collections.Hashtable".'
                            % (to_string(value), type_name(value)), "System.Management.Automation.PSInvalidCastException",
                            "ConvertToFinalInvalidCastException", "InvalidArgument")
    if lower == "system.collections.arraylist":
        # [System.Collections.ArrayList]@(...): PowerShell builds the ArrayList from the collection (the
        # ArrayList(ICollection) constructor, https://learn.microsoft.com/dotnet/api/system.collections.arraylist.-ctor);
        # $null stays $null.
        if value is None:
            return None
        return value if isinstance(value, ArrayList) else ArrayList(enumerate_value(value))
    if lower == "system.datetime":
        return to_datetime(value)
    if lower == "system.guid":
        return to_guid(value)
    if lower == "system.array":
        return None if value is None else enumerate_value(value)
    if lower == "system.char":
        if isinstance(value, str) and len(value) == 1:
            return value
        if isinstance(value, int) and not isinstance(value, bool):
            return chr(value)
        raise _cannot_convert(value, "System.Char", "String must be exactly one character long.")
    if lower == "system.management.automation.scriptblock":
        if isinstance(value, ScriptBlock):
            return value
        raise runtime_error('Cannot convert the "%s" value of type "%s" to type "System.Management.Automation.ScriptBlock".'
                            % (to_string(value), type_name(value)), "System.Management.Automation.PSInvalidCastException")
    if lower in ENUMS:  # enums (added by certs helper)
        return to_enum(value, ENUMS[lower])
    if lower in CONVERTERS:  # types a boundary area registers (added by windows helper, block below)
        return CONVERTERS[lower](value)
    if value is None:
        return None
    if type_name(value).lower() == lower:
        return value
    if isinstance(value, NetObject) and any(t.lower() == lower for t in getattr(value, "TYPE_NAMES", ())):
        return value
    raise runtime_error('Cannot convert the "%s" value of type "%s" to type "%s".' % (to_string(value), type_name(value), full),
                        "System.Management.Automation.PSInvalidCastException", "ConvertToFinalInvalidCastException",
                        "InvalidArgument")


def is_instance(value, target):
    """`-is [T]`."""
    full = full_type_name(target).lower()
    if full == "system.object":
        return value is not None
    if value is None:
        return False
    name = type_name(value).lower()
    if name == full:
        return True
    if full in ("system.array", "system.object[]") and isinstance(value, (list, tuple)):
        return True
    if full in ("system.valuetype",) and isinstance(value, (int, float, bool, datetime.datetime, uuid.UUID)):
        return True
    if full == "system.collections.idictionary" and isinstance(value, Hashtable):
        return True
    if full == "system.management.automation.psobject" and isinstance(value, PSObject):
        return True
    if isinstance(value, NetObject):
        return any(t.lower() == full for t in getattr(value, "TYPE_NAMES", ()))
    return False


# --- enums (added by certs helper) -------------------------------------------------------------
# A .NET enum as PowerShell converts to it (about_Enum, https://learn.microsoft.com/powershell/module/
# microsoft.powershell.core/about/about_enum?view=powershell-5.1; about_Type_Conversion): a cast from a
# label (case-insensitive), from an integer that is a defined value, and, for a [Flags] enum, from a
# comma-separated string or an array of labels (their bitwise OR). ToString() gives the label, or for a
# [Flags] value its labels joined with ", ".

ENUMS = {}  # lower full name -> EnumType


class EnumType:
    """A .NET enum: members {label: value} in declaration order; `flags` for [System.Flags] enums."""

    def __init__(self, full_name, members, flags=False):
        self.full_name = full_name
        self.members = dict(members)
        self.flags = flags
        ENUMS[full_name.lower()] = self

    def value(self, label):
        return EnumValue(self, self.members[label])

    def label_of(self, number):
        return next((k for k, v in self.members.items() if v == number), None)


class EnumValue(NetObject):
    """A value of an EnumType: compares equal to its label (any case), its number and itself."""

    def __init__(self, enum_type, number):
        self.enum_type = enum_type
        self.number = int(number)
        self.TYPE_NAMES = (enum_type.full_name, "System.Enum", "System.ValueType")

    @property
    def type_name(self):
        return self.enum_type.full_name

    def ToString(self):
        label = self.enum_type.label_of(self.number)
        if label is not None or not self.enum_type.flags:
            return label if label is not None else str(self.number)
        labels, rest = [], self.number
        for name, bit in sorted(self.enum_type.members.items(), key=lambda item: -item[1]):
            if bit and rest & bit == bit:
                labels.insert(0, name)
                rest &= ~bit
        return ", ".join(labels) if not rest else str(self.number)

    def HasFlag(self, flag):
        bits = to_enum(flag, self.enum_type).number
        return self.number & bits == bits

    def __int__(self):
        return self.number

    def __eq__(self, other):
        if isinstance(other, EnumValue):
            return other.enum_type is self.enum_type and other.number == self.number
        if isinstance(other, (int, str)) and not isinstance(other, bool):
            from .errors import PSRuntimeError  # pylint: disable=import-outside-toplevel
            try:
                return to_enum(other, self.enum_type).number == self.number
            except PSRuntimeError:
                return False
        return False

    def __hash__(self):
        return hash((self.enum_type.full_name, self.number))

    def __repr__(self):
        return "%s::%s" % (self.enum_type.full_name, self.ToString())


def to_enum(value, enum_type):
    """[EnumType]value as PowerShell's cast does it, or its PSInvalidCastException."""
    if isinstance(value, EnumValue) and value.enum_type is enum_type:
        return value
    if value is None:
        raise runtime_error('Cannot convert null to type "%s".' % enum_type.full_name,
                            "System.Management.Automation.PSInvalidCastException", "nullToObjectInvalidCast",
                            "InvalidArgument")
    names = ", ".join(enum_type.members)
    if isinstance(value, (int, EnumValue)) and not isinstance(value, bool):
        number = int(value)
        if enum_type.label_of(number) is not None or (enum_type.flags and EnumValue(enum_type, number).ToString()
                                                      != str(number)):
            return EnumValue(enum_type, number)
        raise _cannot_convert(value, enum_type.full_name, "Unable to match the identifier name %d to a valid "
                              "enumerator name. Specify one of the following enumerator names and try again: %s"
                              % (number, names))
    labels = [to_string(v) for v in value] if isinstance(value, (list, tuple)) else to_string(value).split(",")
    number = 0
    for label in labels:
        found = next((v for k, v in enum_type.members.items() if k.lower() == label.strip().lower()), None)
        if found is None:
            raise _cannot_convert(value, enum_type.full_name, "Unable to match the identifier name %s to a valid "
                                  "enumerator name. Specify one of the following enumerator names and try again: %s"
                                  % (label.strip(), names))
        number |= found
    if len(labels) > 1 and not enum_type.flags and enum_type.label_of(number) is None:
        raise runtime_error('Cannot convert value "%s" to type "%s" due to enumeration values that are not valid. '
                            'Specify one of the following enumeration values and try again. The possible enumeration '
                            'values are "%s".' % (to_string(value, ","), enum_type.full_name, names),
                            "System.Management.Automation.PSInvalidCastException", "InvalidCastEnumFromTypeNotAString",
                            "InvalidArgument")
    return EnumValue(enum_type, number)


# --- registered conversions (added by windows helper) --------------------------------------------------
# Conversions to other .NET types a boundary area knows (System.Net.IPAddress, ...): lower-case full
# name -> function(value) returning the converted value or raising PowerShell's conversion error.
CONVERTERS = {}
