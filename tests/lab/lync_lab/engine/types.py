"""Members of values and emulated .NET types.

Instance members: strings, arrays, hashtables, [pscustomobject], DateTime, TimeSpan, Guid and
`NetObject`s (any attribute or method whose name starts with a capital letter is a .NET
member; lookup ignores case, as PowerShell's does). Static members: a registry of `NetType`s.
A missing method fails as PowerShell reports it ("Method invocation failed because [T] does
not contain a method named 'M'."); an exception inside a method comes out wrapped as
"Exception calling "M" with "N" argument(s): ..." (about_Methods)."""

import datetime
import inspect
import math
import uuid

from . import values as V
from .errors import ErrorRecord, NetException, PSRuntimeError, runtime_error, signed_hresult


class DotNetError(Exception):
    """Raised by an emulated member: a .NET exception of `type_name` with `message`."""

    def __init__(self, type_name, message, hresult=None):
        super().__init__(message)
        self.type_name = type_name
        self.message = message
        self.hresult = hresult  # Exception.HResult when the thrower sets one (an IOException from a Win32 error)


def method_not_found(type_name, name):
    return runtime_error("Method invocation failed because [%s] does not contain a method named '%s'." % (type_name, name),
                         "System.Management.Automation.RuntimeException", "MethodNotFound", "InvalidOperation")


def overload_not_found(name, count):
    return runtime_error('Cannot find an overload for "%s" and the argument count: "%d".' % (name, count),
                         "System.Management.Automation.MethodException", "MethodCountCouldNotFindBest", "NotSpecified")


def invoke(name, function, args):
    """Call an emulated member with PowerShell's wrapping of .NET exceptions."""
    try:
        inspect.signature(function).bind(*args)
    except TypeError:
        raise overload_not_found(name, len(args)) from None
    try:
        return function(*args)
    except DotNetError as exc:
        # An exception with members of its own (SqlException: Number, Errors) gives its own object.
        inner = exc.net_exception() if hasattr(exc, "net_exception") else NetException(exc.message, exc.type_name)
        if getattr(exc, "hresult", None) is not None:
            inner.HResult = signed_hresult(exc.hresult)
        outer = NetException('Exception calling "%s" with "%d" argument(s): "%s"' % (name, len(args), exc.message),
                             "System.Management.Automation.MethodInvocationException", inner)
        raise PSRuntimeError(ErrorRecord(outer, "%s" % exc.type_name.rsplit(".", 1)[-1])) from None


# --- static members --------------------------------------------------------------------------

class NetType:
    """A .NET type as `[T]` sees it: static methods and properties, by case-insensitive name."""

    def __init__(self, full_name, aliases=(), registry=None):
        self.full_name = full_name
        self.methods = {}
        self.properties = {}
        registry = REGISTRY if registry is None else registry
        registry[full_name.lower()] = self
        for alias in aliases:
            registry[alias.lower()] = self

    def method(self, name):
        def register(function):
            self.methods[name.lower()] = (name, function)
            return function
        return register

    def prop(self, name):
        def register(function):
            self.properties[name.lower()] = (name, function)
            return function
        return register

    def ToString(self):
        return self.full_name


REGISTRY = {}

# Types a cast, -is or catch may name though they have no static members here.
KNOWN_TYPES = {name.lower() for name in V.ACCELERATORS.values()} | {
    name.lower() for name in NetException.HIERARCHY} | {
    "system.exception", "system.systemexception", "system.management.automation.sessionstateexception",
    "system.management.automation.methodexception", "system.invalidcastexception", "system.arithmeticexception",
    "system.valuetype", "system.collections.idictionary", "system.object[]", "system.collections.arraylist",
    "system.management.automation.pscustomobject", "system.management.automation.actionpreferencestopexception"}


def _registered(engine, lower):
    extra = getattr(engine, "types", None) or {}
    return extra.get(lower) or REGISTRY.get(lower)


def resolve_type(engine, name):
    """The full name of a type PowerShell can resolve, or "Unable to find type [X]." (TypeNotFound).
    `engine.types` adds types for one session (a lab host's assemblies)."""
    full = V.full_type_name(name)
    array = full.endswith("[]")
    base = full[:-2] if array else full
    for candidate in (base, "System." + base):
        lower = candidate.lower()
        registered = _registered(engine, lower)
        if registered is not None:
            return registered.full_name + ("[]" if array else "")
        if lower in KNOWN_TYPES:
            return candidate + ("[]" if array else "")
    raise runtime_error("Unable to find type [%s]." % name, "System.Management.Automation.RuntimeException",
                        "TypeNotFound", "InvalidOperation")


def static_type(engine, name):
    full = resolve_type(engine, name)
    found = _registered(engine, full.lower())
    if found is None:
        found = NetType.__new__(NetType)
        found.full_name, found.methods, found.properties = full, {}, {}
    return found


def get_static(engine, type_name, name):
    net_type = static_type(engine, type_name)
    found = net_type.properties.get(name.lower())
    if found is None:
        return None  # a missing static property reads as $null outside strict mode
    return found[1](engine)


def call_static(engine, type_name, name, args):
    net_type = static_type(engine, type_name)
    found = net_type.methods.get(name.lower())
    if found is None:
        raise method_not_found(net_type.full_name, name)
    return _invoke_static(engine, found, args)


def _invoke_static(engine, found, args):
    name, function = found
    try:
        inspect.signature(function).bind(engine, *args)
    except TypeError:
        raise overload_not_found(name, len(args)) from None
    return invoke(name, lambda *a: function(engine, *a), list(args))


# System.String
STRING = NetType("System.String")
STRING.method("IsNullOrEmpty")(lambda engine, s: s is None or V.to_string(s) == "")
STRING.method("IsNullOrWhiteSpace")(lambda engine, s: s is None or V.to_string(s).strip() == "")
STRING.method("Join")(lambda engine, sep, *items: V.to_string(sep).join(
    V.to_string(i) for i in (V.enumerate_value(items[0]) if len(items) == 1 else items)))
STRING.method("Format")(lambda engine, fmt, *args: __import__("lync_lab.engine.operators", fromlist=["x"]).format_operator(
    fmt, list(args[0]) if len(args) == 1 and isinstance(args[0], list) else list(args)))
STRING.method("Concat")(lambda engine, *items: "".join(V.to_string(i) for i in items))
STRING.prop("Empty")(lambda engine: "")
# String.CompareOrdinal(a, b): UTF-16 code units (https://learn.microsoft.com/dotnet/api/system.string.compareordinal);
# the sign is what callers may rely on. null sorts first.
STRING.method("CompareOrdinal")(lambda engine, a, b: _compare_ordinal(a, b))


def _compare_ordinal(first, second):
    keys = [b"" if v is None else V.to_string(v).encode("utf-16-be", "surrogatepass") for v in (first, second)]
    if first is None or second is None:
        return (first is not None) - (second is not None)
    return (keys[0] > keys[1]) - (keys[0] < keys[1])


# System.Math
MATH = NetType("System.Math")
MATH.method("Round")(lambda engine, x, digits=0: round(V.to_double(x), V.to_integer(digits)) if digits else float(round(V.to_double(x))))
MATH.method("Floor")(lambda engine, x: float(math.floor(V.to_double(x))))
MATH.method("Ceiling")(lambda engine, x: float(math.ceil(V.to_double(x))))
MATH.method("Max")(lambda engine, a, b: max(V.to_number(a), V.to_number(b)))
MATH.method("Min")(lambda engine, a, b: min(V.to_number(a), V.to_number(b)))
MATH.method("Abs")(lambda engine, x: abs(V.to_number(x)))
MATH.method("Pow")(lambda engine, a, b: float(V.to_double(a) ** V.to_double(b)))
MATH.method("Sqrt")(lambda engine, x: math.sqrt(V.to_double(x)))
MATH.method("Truncate")(lambda engine, x: float(math.trunc(V.to_double(x))))
MATH.prop("PI")(lambda engine: math.pi)

# System.IO.Path: Windows path rules on strings only (no file system).
PATH = NetType("System.IO.Path")


def _path_parts(path):
    path = V.to_string(path)
    cut = max(path.rfind("\\"), path.rfind("/"), path.rfind(":") if len(path) > 1 and path[1] == ":" else -1)
    return path[:cut + 1], path[cut + 1:]


@PATH.method("Combine")
def _combine(engine, *parts):
    if len(parts) < 2:
        raise DotNetError("System.ArgumentNullException", "Value cannot be null.")
    result = ""
    for part in parts:
        part = V.to_string(part)
        if part == "":
            continue
        if part.startswith(("\\", "/")) or (len(part) > 1 and part[1] == ":") or result == "":
            result = part
        elif result.endswith(("\\", "/", ":")):
            result += part
        else:
            result += "\\" + part
    return result


@PATH.method("GetFileName")
def _file_name(engine, path):
    return None if path is None else _path_parts(path)[1]


@PATH.method("GetDirectoryName")
def _dir_name(engine, path):
    head = _path_parts(path)[0]
    if head in ("", "\\") or (len(head) <= 3 and head.endswith(":\\")):
        return None if head.endswith(":\\") or head == "" else ""
    return head.rstrip("\\/")


@PATH.method("GetExtension")
def _extension(engine, path):
    name = _path_parts(path)[1]
    dot = name.rfind(".")
    return "" if dot < 0 or dot == len(name) - 1 else name[dot:]


@PATH.method("GetFileNameWithoutExtension")
def _stem(engine, path):
    name = _path_parts(path)[1]
    dot = name.rfind(".")
    return name if dot < 0 else name[:dot]


@PATH.method("GetTempPath")
def _temp(engine):
    temp = engine.env_get("TEMP") or "C:\\Windows\\TEMP"
    return temp if temp.endswith("\\") else temp + "\\"


@PATH.method("IsPathRooted")
def _rooted(engine, path):
    path = V.to_string(path)
    return path.startswith(("\\", "/")) or (len(path) > 1 and path[1] == ":")


PATH.prop("DirectorySeparatorChar")(lambda engine: "\\")

# System.DateTime: the virtual clock (clock.py); the lab runs in UTC.
DATETIME = NetType("System.DateTime")
DATETIME.prop("UtcNow")(lambda engine: V.with_kind(engine.clock.now(), "Utc"))
DATETIME.prop("Now")(lambda engine: V.with_kind(engine.clock.now(), "Local"))
DATETIME.prop("Today")(lambda engine: V.with_kind(engine.clock.now(), "Local").replace(hour=0, minute=0, second=0, microsecond=0))
DATETIME.method("Parse")(lambda engine, text: V.to_datetime(V.to_string(text)))

# System.Guid: NewGuid draws from the engine's seeded generator, so runs repeat.
GUID = NetType("System.Guid")
GUID.method("NewGuid")(lambda engine: engine.new_guid())
GUID.method("Parse")(lambda engine, text: V.to_guid(V.to_string(text)))
GUID.prop("Empty")(lambda engine: uuid.UUID(int=0))

INT32 = NetType("System.Int32")
INT32.prop("MaxValue")(lambda engine: 2**31 - 1)
INT32.prop("MinValue")(lambda engine: -2**31)
INT32.method("Parse")(lambda engine, text: V.to_integer(V.to_string(text)))
INT64 = NetType("System.Int64")
INT64.prop("MaxValue")(lambda engine: 2**63 - 1)
TIMESPAN = NetType("System.TimeSpan")
TIMESPAN.method("FromSeconds")(lambda engine, s: datetime.timedelta(seconds=V.to_double(s)))
TIMESPAN.method("FromMinutes")(lambda engine, m: datetime.timedelta(minutes=V.to_double(m)))


# --- instance members ------------------------------------------------------------------------

def _check_range(cond, param):
    if not cond:
        raise DotNetError("System.ArgumentOutOfRangeException",
                          "Index and length must refer to a location within the string.\r\nParameter name: %s" % param)


def _substring(s, start, length=None):
    start = V.to_integer(start)
    _check_range(0 <= start <= len(s), "startIndex")
    if length is None:
        return s[start:]
    length = V.to_integer(length)
    _check_range(length >= 0 and start + length <= len(s), "length")
    return s[start:start + length]


def _trim_chars(chars):
    if not chars:
        return None
    return "".join(V.to_string(c) for c in (V.enumerate_value(chars[0]) if len(chars) == 1 else chars))


def _split(s, *separators):
    """String.Split on .NET Framework 4 (Windows PowerShell 5.1): a string argument is a char[] of
    separators, so 'a--b'.Split('--') splits at every '-'."""
    if not separators:
        return s.split() if s.strip() else [s]
    chars = "".join(V.to_string(c) for c in V.enumerate_value(separators[0]))
    options = V.to_string(separators[1]) if len(separators) > 1 else ""
    parts, current = [], []
    for ch in s:
        if ch in chars:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    if options.lower() in ("removeemptyentries", "1"):
        parts = [p for p in parts if p != ""]
    return parts


def _index_of(s, value, start=0):
    return s.find(V.to_string(value), V.to_integer(start))


STRING_METHODS = {
    "ToLower": lambda s: s.lower(), "ToUpper": lambda s: s.upper(),
    "ToLowerInvariant": lambda s: s.lower(), "ToUpperInvariant": lambda s: s.upper(),
    "Trim": lambda s, *c: s.strip(_trim_chars(c)), "TrimStart": lambda s, *c: s.lstrip(_trim_chars(c)),
    "TrimEnd": lambda s, *c: s.rstrip(_trim_chars(c)),
    "Substring": _substring,
    "StartsWith": lambda s, v: s.startswith(V.to_string(v)), "EndsWith": lambda s, v: s.endswith(V.to_string(v)),
    "Contains": lambda s, v: V.to_string(v) in s,
    "IndexOf": _index_of, "LastIndexOf": lambda s, v: s.rfind(V.to_string(v)),
    "Replace": lambda s, old, new: s.replace(V.to_string(old), V.to_string(new)) if V.to_string(old) else _empty_old(),
    "Split": _split,
    "PadLeft": lambda s, n, c=" ": s.rjust(V.to_integer(n), V.to_string(c)),
    "PadRight": lambda s, n, c=" ": s.ljust(V.to_integer(n), V.to_string(c)),
    "Insert": lambda s, i, v: s[:V.to_integer(i)] + V.to_string(v) + s[V.to_integer(i):],
    "Remove": lambda s, i, n=None: s[:V.to_integer(i)] + ("" if n is None else s[V.to_integer(i) + V.to_integer(n):]),
    "ToCharArray": list,
    "Equals": lambda s, other: isinstance(other, str) and s == other,
    "ToString": lambda s, *a: s,
    "CompareTo": lambda s, o: (s > V.to_string(o)) - (s < V.to_string(o)),
}


def _empty_old():
    raise DotNetError("System.ArgumentException", "String cannot be of zero length.\r\nParameter name: oldValue")


def _fixed_size(*args):
    raise DotNetError("System.NotSupportedException", "Collection was of a fixed size.")


def _dotnet_equals(a, b):
    """Object.Equals: case-sensitive, no conversion (what IList.Contains uses)."""
    if type(a) is not type(b) and not (isinstance(a, (int, float)) and isinstance(b, (int, float))
                                       and not isinstance(a, bool) and not isinstance(b, bool)):
        return False
    return a == b


ARRAY_METHODS = {
    "Contains": lambda a, v: any(_dotnet_equals(x, v) for x in a),
    "IndexOf": lambda a, v: next((i for i, x in enumerate(a) if _dotnet_equals(x, v)), -1),
    "Add": lambda a, v: _fixed_size(), "Remove": lambda a, v: _fixed_size(), "Clear": lambda a: _fixed_size(),
    "ToString": lambda a: "System.Object[]",
    "Clone": list,
}


def _remove_key(h, key):
    del h[key]


class DictionaryEntry(V.NetObject):
    TYPE_NAME = "System.Collections.DictionaryEntry"

    def __init__(self, key, value):
        self.Key = key
        self.Value = value
        self.Name = key


def _add_entry(h, key, value):
    if key in h:
        raise DotNetError("System.ArgumentException", "Item has already been added. Key in dictionary: '%s'  Key being added: '%s'"
                          % (V.to_string(h.original_key(key)), V.to_string(key)))
    h[key] = value


HASHTABLE_METHODS = {
    "ContainsKey": lambda h, k: k in h, "Contains": lambda h, k: k in h,
    "ContainsValue": lambda h, v: any(_dotnet_equals(x, v) for x in h.values()),
    "Add": _add_entry, "Remove": _remove_key, "Clear": lambda h: h._data.clear(),
    "Clone": lambda h: h.copy(), "GetEnumerator": lambda h: [DictionaryEntry(k, v) for k, v in h.items()],
    "ToString": lambda h: h.type_name,
}


def _add_time(d, **unit):
    return lambda x: d + datetime.timedelta(**{k: V.to_double(x) for k in unit})


DATETIME_PROPS = {
    "Year": lambda d: d.year, "Month": lambda d: d.month, "Day": lambda d: d.day, "Hour": lambda d: d.hour,
    "Minute": lambda d: d.minute, "Second": lambda d: d.second, "Millisecond": lambda d: d.microsecond // 1000,
    "Date": lambda d: d.replace(hour=0, minute=0, second=0, microsecond=0), "Kind": V.date_kind,
    "Ticks": lambda d: int((d - datetime.datetime(1, 1, 1)).total_seconds() * 10**7),
    "DayOfWeek": lambda d: d.strftime("%A"),
}
DATETIME_METHODS = {
    "AddSeconds": lambda d, x: d + datetime.timedelta(seconds=V.to_double(x)),
    "AddMinutes": lambda d, x: d + datetime.timedelta(minutes=V.to_double(x)),
    "AddHours": lambda d, x: d + datetime.timedelta(hours=V.to_double(x)),
    "AddDays": lambda d, x: d + datetime.timedelta(days=V.to_double(x)),
    "AddMilliseconds": lambda d, x: d + datetime.timedelta(milliseconds=V.to_double(x)),
    "Add": lambda d, t: d + t,
    "Subtract": lambda d, o: d - o,
    # The lab's hosts run in UTC: conversion changes the Kind, not the clock value (an Unspecified
    # time counts as local for ToUniversalTime and as UTC for ToLocalTime, as DateTime documents).
    "ToUniversalTime": lambda d: V.with_kind(d, "Utc"), "ToLocalTime": lambda d: V.with_kind(d, "Local"),
    # DateTime.ToString() uses the current culture (the lab's hosts are en-US), unlike [string].
    "ToString": lambda d, fmt=None: _en_us(d) if fmt is None else _format_date(d, V.to_string(fmt)),
    "CompareTo": lambda d, o: (d > o) - (d < o),
}
TIMESPAN_PROPS = {
    "TotalSeconds": lambda t: t.total_seconds(), "TotalMinutes": lambda t: t.total_seconds() / 60,
    "TotalHours": lambda t: t.total_seconds() / 3600, "TotalDays": lambda t: t.total_seconds() / 86400,
    "TotalMilliseconds": lambda t: t.total_seconds() * 1000, "Days": lambda t: t.days,
    "Hours": lambda t: t.seconds // 3600, "Minutes": lambda t: t.seconds % 3600 // 60, "Seconds": lambda t: t.seconds % 60,
}
GUID_METHODS = {
    "ToString": lambda g, fmt="D": {"n": g.hex, "d": str(g), "b": "{%s}" % g, "p": "(%s)" % g}[V.to_string(fmt).lower() or "d"],
}


def _en_us(d):
    hour = d.hour % 12 or 12
    return "%d/%d/%d %d:%02d:%02d %s" % (d.month, d.day, d.year, hour, d.minute, d.second, "AM" if d.hour < 12 else "PM")


def _format_date(d, fmt):
    from .operators import format_date
    return format_date(d, fmt)


class TypeInfo(V.NetObject):
    """What .GetType() returns."""

    TYPE_NAME = "System.RuntimeType"

    def __init__(self, full_name):
        self.FullName = full_name
        self.Name = full_name.rsplit(".", 1)[-1]

    def ToString(self):
        return self.FullName

    def __eq__(self, other):
        return isinstance(other, TypeInfo) and other.FullName.lower() == self.FullName.lower()

    __hash__ = V.NetObject.__hash__


def _lookup(table, name):
    lower = name.lower()
    for key, value in table.items():
        if key.lower() == lower:
            return key, value
    return None, None


def _object_member(value, name):
    """(real name, attribute) of a NetObject-like Python object, case-insensitively."""
    lower = name.lower()
    for attr in list(getattr(value, "__dict__", {})) + dir(type(value)):
        if attr[:1].isupper() and attr.lower() == lower:
            return attr, getattr(value, attr)
    return None, None


def get_member(value, name):
    """`$value.Name`: a hashtable key (keys win over properties), a property, or $null; on a
    collection the member of each element (member enumeration, about_Properties)."""
    lower = name.lower()
    if value is None:
        return None
    if isinstance(value, V.Hashtable):
        if name in value:
            return value[name]
        if lower == "count":
            return len(value)
        if lower == "keys":
            return value.keys()
        if lower == "values":
            return value.values()
        return None
    if isinstance(value, V.PSObject):
        if name in value.props:
            return value.props[name]
        if lower == "psobject":
            return _PSObjectView(value)
        return 1 if lower == "count" else None
    if isinstance(value, (list, tuple)):
        if lower in ("count", "length"):
            return len(value)
        if lower in ("rank",):
            return 1
        found = [get_member(item, name) for item in value]
        return V.collect([f for f in found if f is not None])
    if isinstance(value, str):
        if lower == "length":
            return len(value)
        return 1 if lower == "count" else None
    if isinstance(value, datetime.datetime):
        real, prop = _lookup(DATETIME_PROPS, name)
        return prop(value) if prop else (1 if lower == "count" else None)
    if isinstance(value, datetime.timedelta):
        real, prop = _lookup(TIMESPAN_PROPS, name)
        return prop(value) if prop else (1 if lower == "count" else None)
    if isinstance(value, uuid.UUID):
        return str(value) if lower == "guid" else (1 if lower == "count" else None)
    if isinstance(value, (bool, int, float)):
        return 1 if lower == "count" else None
    if isinstance(value, V.SwitchValue):
        return value.IsPresent if lower == "ispresent" else None
    if lower == "psobject":
        return _PSObjectView(value)
    real, attr = _object_member(value, name)
    if real is not None and not callable(attr):
        return attr
    if lower == "count":
        return 1
    return None


class PropertyInfo(V.NetObject):
    """A PSPropertyInfo: Name and Value."""

    TYPE_NAME = "System.Management.Automation.PSNoteProperty"

    def __init__(self, name, value):
        self.Name = name
        self.Value = value


class PropertyCollection(list):
    """$obj.PSObject.Properties: enumerates PSPropertyInfo objects; indexed by a name it gives that
    property (case-insensitive) or $null."""

    def ps_index(self, index):
        if isinstance(index, str):
            return next((p for p in self if p.Name.lower() == index.lower()), None)
        return None


def properties_of(value):
    """The properties PowerShell's adapter shows for an object, as PSPropertyInfo objects."""
    if isinstance(value, V.PSObject):
        return PropertyCollection(PropertyInfo(k, v) for k, v in value.props.items())
    if isinstance(value, V.Hashtable):
        return PropertyCollection([PropertyInfo("Count", len(value)), PropertyInfo("Keys", value.keys()),
                                   PropertyInfo("Values", value.values())])
    names = sorted({a for a in list(getattr(value, "__dict__", {})) + dir(type(value))
                    if a[:1].isupper() and not callable(getattr(value, a, None))})
    return PropertyCollection(PropertyInfo(n, getattr(value, n)) for n in names)


class _PSObjectView(V.NetObject):
    """$obj.PSObject: the adapter's view of an object (its Properties)."""

    TYPE_NAME = "System.Management.Automation.PSObject"

    def __init__(self, obj):
        self.Properties = properties_of(obj)


def set_member(value, name, new):
    """`$value.Name = x`: a hashtable key is added or set; an object's existing property set;
    anything else fails as PowerShell does (PropertyNotFound / PropertyAssignmentException)."""
    if isinstance(value, V.Hashtable):
        value[name] = new
        return
    if isinstance(value, V.PSObject):
        if name in value.props:
            value.props[name] = new
            return
    elif value is not None and not isinstance(value, (str, int, float, bool, list, tuple)):
        real, attr = _object_member(value, name)
        if real is not None and not callable(attr):
            setter = getattr(value, "set_member", None)
            try:
                if setter:
                    setter(real, new)
                else:
                    setattr(value, real, new)
            except DotNetError as exc:
                # A .NET property setter that throws: 'Exception setting "P": "..."' (SetValueInvocationException,
                # https://learn.microsoft.com/dotnet/api/system.management.automation.setvalueinvocationexception).
                inner = exc.net_exception() if hasattr(exc, "net_exception") else NetException(exc.message, exc.type_name)
                if getattr(exc, "hresult", None) is not None:
                    inner.HResult = signed_hresult(exc.hresult)
                outer = NetException('Exception setting "%s": "%s"' % (real, exc.message),
                                     "System.Management.Automation.SetValueInvocationException", inner)
                raise PSRuntimeError(ErrorRecord(outer, "ExceptionWhenSetting")) from None
            return
    if value is None:
        raise runtime_error("The property '%s' cannot be found on this object. Verify that the property exists and can be set."
                            % name, "System.Management.Automation.RuntimeException", "PropertyAssignmentException",
                            "InvalidOperation")
    raise runtime_error("The property '%s' cannot be found on this object. Verify that the property exists and can be set."
                        % name, "System.Management.Automation.RuntimeException", "PropertyNotFound", "InvalidOperation")


def _arraylist_add(items, value):
    items.append(value)
    return len(items) - 1


def _arraylist_remove_at(items, index):
    index = V.to_integer(index)
    if index < 0 or index >= len(items):
        raise DotNetError("System.ArgumentOutOfRangeException", "Index was out of range. Must be non-negative and less "
                          "than the size of the collection.\r\nParameter name: index")
    del items[index]


# Members of System.Collections.ArrayList beyond an array's (https://learn.microsoft.com/dotnet/api/system.collections.arraylist).
ARRAYLIST_METHODS = {"add": ("Add", _arraylist_add),
                     "addrange": ("AddRange", lambda items, more: items.extend(V.enumerate_value(more))),
                     "clear": ("Clear", lambda items: items.clear()),
                     # RemoveAt(index): https://learn.microsoft.com/dotnet/api/system.collections.arraylist.removeat
                     "removeat": ("RemoveAt", _arraylist_remove_at)}


def call_method(engine, value, name, args):
    """`$value.Name(args)`."""
    if value is None:
        raise runtime_error("You cannot call a method on a null-valued expression.",
                            "System.Management.Automation.RuntimeException", "InvokeMethodOnNull", "InvalidOperation")
    lower = name.lower()
    if lower == "gettype":
        return TypeInfo(V.type_name(value))
    if lower in ("foreach", "where") and args and isinstance(args[0], V.ScriptBlock):
        # The intrinsic .ForEach({}) and .Where({}) of every object (about_Intrinsic_Members).
        items = V.enumerate_value(value)
        if lower == "foreach":
            return [out for item in items for out in engine.run_pipeline_block(args[0], item)]
        return [item for item in items if V.to_bool(V.collect(engine.run_pipeline_block(args[0], item)))]
    table = None
    if isinstance(value, V.ArrayList) and lower in ARRAYLIST_METHODS:
        real, function = ARRAYLIST_METHODS[lower]
        return invoke(real, lambda *a: function(value, *a), list(args))
    if isinstance(value, str):
        table = STRING_METHODS
    elif isinstance(value, (list, tuple)):
        table = ARRAY_METHODS
        real, function = _lookup(table, name)
        if function is None:
            # Method enumeration: the method of each element (PowerShell 3 and later).
            return V.collect([call_method(engine, item, name, args) for item in value])
    elif isinstance(value, V.Hashtable):
        table = HASHTABLE_METHODS
    elif isinstance(value, datetime.datetime):
        table = DATETIME_METHODS
    elif isinstance(value, uuid.UUID):
        table = GUID_METHODS
    elif isinstance(value, V.ScriptBlock):
        if lower == "invoke":
            return engine.invoke_scriptblock(value, list(args))
        if lower == "tostring":
            return value.text
    elif isinstance(value, V.PSObject):
        if lower == "tostring":
            return V.to_string(value)
    elif isinstance(value, (bool, int, float)):
        if lower == "tostring":
            if args and isinstance(value, (int, float)) and not isinstance(value, bool):
                from .operators import format_value
                return format_value(value, V.to_string(args[0]))
            return V.to_string(value)
        if lower == "equals":
            return invoke(name, lambda o: _dotnet_equals(value, o), list(args))
    if table is not None:
        real, function = _lookup(table, name)
        if function is None:
            raise method_not_found(V.type_name(value), name)
        try:
            inspect.signature(function).bind(value, *args)
        except TypeError:
            raise overload_not_found(real, len(args)) from None
        return invoke(real, lambda *a: function(value, *a), list(args))
    real, attr = _object_member(value, name)
    if real is None or not callable(attr):
        if lower == "tostring":
            return V.to_string(value)
        raise method_not_found(V.type_name(value), name)
    return invoke(real, attr, list(args))


# --- System.Text encodings and System.BitConverter (pure .NET, no lab state) -----------------

class Encoding(V.NetObject):
    """System.Text.Encoding: UTF8Encoding(encoderShouldEmitUTF8Identifier[, throwOnInvalidBytes]) and the static
    [System.Text.Encoding]::UTF8 (https://learn.microsoft.com/dotnet/api/system.text.utf8encoding.-ctor). Without
    throwOnInvalidBytes an unpaired UTF-16 surrogate encodes as U+FFFD (EF BF BD) and invalid bytes decode as U+FFFD
    (the replacement fallback); with it, GetBytes throws EncoderFallbackException and decoding throws
    DecoderFallbackException (https://learn.microsoft.com/dotnet/api/system.text.encoderfallbackexception)."""

    TYPE_NAME = "System.Text.UTF8Encoding"
    TYPE_NAMES = ("System.Text.UTF8Encoding", "System.Text.Encoding")

    def __init__(self, bom=True, throw=False):
        self.bom = V.to_bool(bom)
        self.throw = V.to_bool(throw)
        self.WebName = "utf-8"
        self.EncodingName = "Unicode (UTF-8)"

    def encode(self, text):
        try:
            return text.encode("utf-8")
        except UnicodeEncodeError as exc:
            if self.throw:
                raise DotNetError("System.Text.EncoderFallbackException",
                                  "Unable to translate Unicode character \\u%04X at index %d to specified code page."
                                  % (ord(text[exc.start]), exc.start)) from None
            return "".join("\ufffd" if 0xD800 <= ord(c) <= 0xDFFF else c for c in text).encode("utf-8")

    def decode(self, data):
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as exc:
            if self.throw:
                raise DotNetError("System.Text.DecoderFallbackException",
                                  "Unable to translate bytes [%02X] at index %d from specified code page to Unicode."
                                  % (data[exc.start], exc.start)) from None
            return data.decode("utf-8", "replace")

    def GetBytes(self, text):
        return list(self.encode(V.to_string(text)))  # byte[] is a list of ints here

    def GetByteCount(self, text):
        return len(self.encode(V.to_string(text)))

    def GetString(self, data, index=None, count=None):
        data = bytes(data if not isinstance(data, list) else [V.to_integer(b, "System.Byte") for b in data])
        if index is not None:
            data = data[V.to_integer(index):V.to_integer(index) + V.to_integer(count)]
        return self.decode(data)

    def GetPreamble(self):
        return list(b"\xef\xbb\xbf" if self.bom else b"")


SCRIPTBLOCK = NetType("System.Management.Automation.ScriptBlock", aliases=("scriptblock",))
SCRIPTBLOCK.method("Create")(lambda engine, text: engine.create_scriptblock(text))

ENCODING = NetType("System.Text.Encoding")
ENCODING.prop("UTF8")(lambda engine: Encoding(True))
NetType("System.Text.UTF8Encoding")
BITCONVERTER = NetType("System.BitConverter")


@BITCONVERTER.method("ToString")
def _bit_converter(engine, data):
    values = bytes(data) if not isinstance(data, list) else [V.to_integer(b, "System.Byte") for b in data]
    return "-".join("%02X" % b for b in values)


# New-Object -TypeName <T> -ArgumentList ...: constructors of pure types (lower full name -> callable).
FACTORIES = {"system.text.utf8encoding": lambda engine, bom=True, throw=False: Encoding(bom, throw),
             "system.collections.arraylist": lambda engine: V.ArrayList()}


# --- secrets: SecureString, PSCredential, Marshal ---------------------------------------------

class SecureString(V.NetObject):
    """System.Security.SecureString: what a sensitive parameter arrives as; shows no secret."""

    TYPE_NAME = "System.Security.SecureString"

    def __init__(self, plain):
        self._plain = plain
        self.Length = len(plain)

    def ToString(self):
        return self.TYPE_NAME


class NetworkCredential(V.NetObject):
    TYPE_NAME = "System.Net.NetworkCredential"

    def __init__(self, user, plain):
        self.UserName = user
        self.Password = plain


class PSCredential(V.NetObject):
    """System.Management.Automation.PSCredential: UserName, Password (a SecureString), GetNetworkCredential()."""

    TYPE_NAME = "System.Management.Automation.PSCredential"

    def __init__(self, user, password):
        self.UserName = user
        self.Password = password

    def GetNetworkCredential(self):
        return NetworkCredential(self.UserName, self.Password._plain)  # pylint: disable=protected-access


class _BSTR(V.NetObject):
    TYPE_NAME = "System.IntPtr"

    def __init__(self, plain):
        self.plain = plain


MARSHAL = NetType("System.Runtime.InteropServices.Marshal")


@MARSHAL.method("SecureStringToBSTR")
def _to_bstr(engine, secure):
    if not isinstance(secure, SecureString):
        raise DotNetError("System.ArgumentNullException", "Value cannot be null.\r\nParameter name: s")
    return _BSTR(secure._plain)  # pylint: disable=protected-access


MARSHAL.method("PtrToStringBSTR")(lambda engine, pointer: pointer.plain if isinstance(pointer, _BSTR) else None)
MARSHAL.method("ZeroFreeBSTR")(lambda engine, pointer: None)


# --- enums (added by certs helper) -------------------------------------------------------------

def enum_type(full_name, members, flags=False, aliases=()):
    """Declare a .NET enum: `[T]'Label'` and `[T]::Label` (about_Enum), -is [T], and a parameter or cast of type T
    converting as PowerShell does (values.to_enum). `members` in the order the .NET page lists them."""
    declared = V.EnumType(full_name, members, flags)
    net_type = NetType(full_name, aliases)
    for label in declared.members:
        net_type.prop(label)(lambda engine, label=label: declared.value(label))
    net_type.method("GetNames")(lambda engine: list(declared.members))
    return declared


# --- System.StringComparison and the String members that take it (added by the fs helper) ------------
# https://learn.microsoft.com/dotnet/api/system.stringcomparison (CurrentCulture 0 ... OrdinalIgnoreCase 5);
# String.StartsWith(String, StringComparison), EndsWith(String, StringComparison), Equals(String, StringComparison):
# https://learn.microsoft.com/dotnet/api/system.string.startswith. A value reads as its label (what
# [System.StringComparison]::Ordinal shows); a label or number converts to it, as a method argument does.
STRING_COMPARISONS = ("CurrentCulture", "CurrentCultureIgnoreCase", "InvariantCulture", "InvariantCultureIgnoreCase",
                      "Ordinal", "OrdinalIgnoreCase")
STRINGCOMPARISON = NetType("System.StringComparison")
for _label in STRING_COMPARISONS:
    STRINGCOMPARISON.prop(_label)(lambda engine, label=_label: label)


def _ignores_case(comparison):
    """True for the *IgnoreCase members of StringComparison; an unknown value fails as .NET's conversion does."""
    if isinstance(comparison, int) and not isinstance(comparison, bool) and 0 <= comparison < len(STRING_COMPARISONS):
        return STRING_COMPARISONS[comparison].endswith("IgnoreCase")
    label = V.to_string(comparison)
    found = next((c for c in STRING_COMPARISONS if c.lower() == label.lower()), None)
    if found is None:
        raise DotNetError("System.Management.Automation.PSInvalidCastException",
                          'Cannot convert argument "comparisonType", with value: "%s", for "StartsWith" to type '
                          '"System.StringComparison": "Unable to match the identifier name %s to a valid enumerator name. '
                          'Specify one of the following enumerator names and try again: %s"'
                          % (label, label, ", ".join(STRING_COMPARISONS)))
    return found.endswith("IgnoreCase")


def _with_comparison(test):
    def member(s, value, comparison=None):
        if value is None:
            raise DotNetError("System.ArgumentNullException", "Value cannot be null.\r\nParameter name: value")
        value = V.to_string(value)
        if comparison is not None and _ignores_case(comparison):
            return test(s.lower(), value.lower())
        return test(s, value)
    return member


STRING_METHODS["StartsWith"] = _with_comparison(lambda s, v: s.startswith(v))
STRING_METHODS["EndsWith"] = _with_comparison(lambda s, v: s.endswith(v))
STRING_METHODS["Equals"] = lambda s, other, comparison=None: isinstance(other, str) and (
    s.lower() == other.lower() if comparison is not None and _ignores_case(comparison) else s == other)


def _null_checked(name, member):
    """String members whose .NET parameter is a string: $null stays null (PowerShell does not turn it into '' for
    a method argument) and .NET throws ArgumentNullException (https://learn.microsoft.com/dotnet/api/system.string.contains)."""
    def checked(s, value, *rest):
        if value is None:
            raise DotNetError("System.ArgumentNullException", "Value cannot be null.\r\nParameter name: %s" % name)
        return member(s, value, *rest)
    return checked


STRING_METHODS["Contains"] = _null_checked("value", STRING_METHODS["Contains"])
STRING_METHODS["IndexOf"] = _null_checked("value", STRING_METHODS["IndexOf"])


# --- Array.Sort(keys, items, comparer) and StringComparer.Ordinal (added by the stream helper) ------------------
# https://learn.microsoft.com/dotnet/api/system.array.sort ("Sort(Array, Array, IComparer): Sorts a pair of
# one-dimensional Array objects (one contains the keys and the other contains the corresponding items) based on
# the keys in the first Array using the specified IComparer"; in place, not stable: equal keys are not expected
# here) and https://learn.microsoft.com/dotnet/api/system.stringcomparer.ordinal (ordinal: UTF-16 code units, what
# String.CompareOrdinal compares; the key below orders strings the same way, surrogates included).

class StringComparer(V.NetObject):
    TYPE_NAME = "System.OrdinalComparer"
    TYPE_NAMES = ("System.OrdinalComparer", "System.StringComparer")

    def __init__(self, ignore_case):
        self.ignore_case = ignore_case

    def key(self, value):
        if value is None:
            return b""  # null sorts first
        text = V.to_string(value)
        if self.ignore_case:
            text = text.upper()
        return text.encode("utf-16-be", "surrogatepass")

    def Compare(self, first, second):
        a, b = self.key(first), self.key(second)
        return (a > b) - (a < b)


STRINGCOMPARER = NetType("System.StringComparer")
STRINGCOMPARER.prop("Ordinal")(lambda engine: StringComparer(False))
STRINGCOMPARER.prop("OrdinalIgnoreCase")(lambda engine: StringComparer(True))
ARRAY = NetType("System.Array")


@ARRAY.method("Sort")
def _array_sort(engine, keys, items=None, comparer=None):
    """Sort(Array), Sort(Array, IComparer) and Sort(Array, Array[, IComparer]), in place."""
    if isinstance(items, StringComparer) and comparer is None:
        items, comparer = None, items
    if not isinstance(keys, list):
        raise DotNetError("System.ArgumentNullException", "Value cannot be null.\r\nParameter name: keys")
    if items is not None and (not isinstance(items, list) or len(items) < len(keys)):
        raise DotNetError("System.ArgumentException", "The items array must be at least as long as the keys array.")
    order = comparer.key if isinstance(comparer, StringComparer) else (
        lambda v: V.to_string(v).encode("utf-16-be", "surrogatepass"))  # pylint: disable=unnecessary-lambda
    if comparer is None:
        # The default comparer is culture-aware; the payloads pass StringComparer.Ordinal.
        raise DotNetError("System.NotSupportedException", "the lab emulates Array.Sort with StringComparer.Ordinal only")
    ranked = sorted(range(len(keys)), key=lambda i: order(keys[i]))
    sorted_keys = [keys[i] for i in ranked]
    if items is not None:
        sorted_items = [items[i] for i in ranked]
        items[:len(keys)] = sorted_items
    keys[:] = sorted_keys
