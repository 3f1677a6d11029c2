"""Commands declared from a cmdlet reference (tests/lab/reference/lync-cmdlets.json, the
collection's tests/payloads/windows-cmdlets.json): their documented parameters, types, sets and
positions, so the binder refuses what PowerShell's binder refuses for that cmdlet."""

import json
import os
import pathlib

from .binder import Param

from .commands import Command

# The cmdlet reference the lab declares Lync cmdlets from: a copy, in this repository, of the workspace's
# ../shared/reference/lync-cmdlets.json (parameters, types, sets, positions, per product; generated from
# MicrosoftDocs/office-docs-powershell), so a clone anywhere binds as the pages document.
LAB_REFERENCE = pathlib.Path(__file__).resolve().parents[2] / "reference" / "lync-cmdlets.json"

# Reference type names -> the engine's; unknown .NET types accept any object.
TYPES = {"string": "System.String", "string[]": "System.String[]", "int32": "System.Int32", "int": "System.Int32",
         "int64": "System.Int64", "uint32": "System.UInt32", "boolean": "System.Boolean", "bool": "System.Boolean",
         "double": "System.Double", "datetime": "System.DateTime", "guid": "System.Guid",
         "hashtable": "System.Collections.Hashtable", "object": "System.Object", "object[]": "System.Object[]",
         "securestring": "System.Security.SecureString", "pscredential": "System.Management.Automation.PSCredential"}


_LOADED = {}


def load(path):
    """The reference's cmdlets, read once per process (four boundary areas declare from it on every
    module run; callers only read it)."""
    stat = os.stat(path)
    key = (os.path.abspath(path), stat.st_mtime_ns, stat.st_size)
    if key not in _LOADED:
        with open(path, encoding="utf-8") as handle:
            _LOADED[key] = json.load(handle)["cmdlets"]
    return _LOADED[key]


def command(reference, name, function, **kwargs):
    """A Command for `name` as the reference documents it, run by `function(call)`."""
    entry = reference[name]
    params = []
    for pname, info in entry["parameters"].items():
        if pname in ("WhatIf", "Confirm"):
            continue
        kind = info.get("type") or "Object"
        switch = kind.lower() == "switchparameter"
        sets = tuple(info.get("parameter_sets") or ()) or ("__AllParameterSets",)
        declared_sets = set(sets) - {"__AllParameterSets"}  # mandatory only if required in each of them
        if set(sets) >= set(entry.get("parameter_sets") or {}) and len(sets) > 1:
            sets = ("__AllParameterSets",)
        required = info.get("required_in") or []
        position = info.get("position")
        params.append(Param(pname, TYPES.get(kind.lower(), "System.Object"), switch=switch,
                            position=None if position in (None, "Named") else int(position),
                            mandatory=bool(required) and set(required) >= declared_sets,
                            mandatory_sets=None if not required or set(required) >= declared_sets else required,
                            pipeline="ByValue" in (info.get("pipeline_input") or ""),
                            by_property="ByPropertyName" in (info.get("pipeline_input") or ""),
                            sets=sets, aliases=tuple(info.get("aliases") or ())))
    should_process = "WhatIf" in entry["parameters"]
    return Command(name, params, function, should_process=should_process,
                   default_set=entry.get("default_parameter_set"), **kwargs)
