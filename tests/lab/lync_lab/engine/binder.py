"""Parameter binding as PowerShell's binder does it (about_Parameters, about_Parameter_Sets,
about_Functions_Advanced_Parameters, about_CommonParameters):
https://learn.microsoft.com/powershell/module/microsoft.powershell.core/about/about_parameters

Named arguments first (a unique prefix of a name or an alias is enough), then positional ones
by position within the parameter set the named ones leave, then pipeline input, then the
mandatory check. Failures carry PowerShell's messages and error ids, as its resources word them:
https://github.com/PowerShell/PowerShell/blob/master/src/System.Management.Automation/resources/ParameterBinderStrings.resx
(NamedParameterNotFound, PositionalParameterNotFound, MissingArgument, AmbiguousParameter,
CannotConvertArgument, CannotConvertArgumentNoMessage, MissingMandatoryParameter,
ParameterArgumentTransformationError, ParameterArgumentValidationError*NotAllowed, InputObjectNotBound)."""

from . import values as V
from .errors import ErrorRecord, NetException, PSRuntimeError

ALL_SETS = "__AllParameterSets"
_NO_DEFAULT = object()


class Param:
    """A declared parameter of a command."""

    def __init__(self, name, type="System.Object", position=None, mandatory=False, switch=False, pipeline=False,
                 by_property=False, sets=(ALL_SETS,), aliases=(), default=_NO_DEFAULT, allow_empty=False,
                 mandatory_sets=None):
        self.name = name
        self.type = "System.Management.Automation.SwitchParameter" if switch else V.full_type_name(type)
        self.position = position
        self.mandatory = mandatory
        self.switch = switch or self.type.lower() == "system.management.automation.switchparameter"
        self.pipeline = pipeline
        self.by_property = by_property
        self.sets = tuple(sets)
        self.aliases = tuple(aliases)
        self.default = default
        self.allow_empty = allow_empty
        # Mandatory in these parameter sets only (about_Parameter_Sets: a parameter can be mandatory in one
        # set and optional in another); None: `mandatory` holds in every set of the parameter.
        self.mandatory_sets = tuple(mandatory_sets) if mandatory_sets is not None else None

    def in_set(self, name):
        return ALL_SETS in self.sets or name in self.sets

    def mandatory_in(self, set_name):
        if self.mandatory_sets is not None:
            return set_name in self.mandatory_sets
        return self.mandatory and self.in_set(set_name)

    def __repr__(self):
        return "Param(%s)" % self.name


COMMON = [Param("Verbose", switch=True, aliases=("vb",)), Param("Debug", switch=True, aliases=("db",)),
          Param("ErrorAction", "System.String", aliases=("ea",)), Param("WarningAction", "System.String", aliases=("wa",)),
          Param("InformationAction", "System.String", aliases=("infa",)), Param("ErrorVariable", "System.String", aliases=("ev",)),
          Param("WarningVariable", "System.String", aliases=("wv",)), Param("InformationVariable", "System.String", aliases=("iv",)),
          Param("OutVariable", "System.String", aliases=("ov",)), Param("OutBuffer", "System.Int32", aliases=("ob",)),
          Param("PipelineVariable", "System.String", aliases=("pv",))]
SHOULD_PROCESS = [Param("WhatIf", switch=True, aliases=("wi",)), Param("Confirm", switch=True, aliases=("cf",))]
COMMON_NAMES = {p.name.lower() for p in COMMON + SHOULD_PROCESS}


class Argument:
    """One element of a command line after evaluation: `-Name`, `-Name:value`, or a value."""

    def __init__(self, name=None, value=None, has_value=False, text=None):
        self.name = name
        self.value = value
        self.has_value = has_value
        self.text = text

    def __repr__(self):
        return "Argument(%r, %r, %r)" % (self.name, self.value, self.has_value)


def bind_error(message, error_id, category="InvalidArgument", exception="System.Management.Automation.ParameterBindingException"):
    return PSRuntimeError(ErrorRecord(NetException(message, exception), error_id, category))


class Bound:
    """The result: {name: value}, the chosen set, unbound arguments ($args of simple functions)."""

    def __init__(self):
        self.values = {}
        self.set_name = None
        self.extra = []

    def __contains__(self, name):
        return name in self.values

    def get(self, name, default=None):
        return self.values.get(name, default)

    def __getitem__(self, name):
        return self.values[name]


class Binder:
    """Binds arguments to a command's `params`. `kind` is 'cmdlet' (a Python command) or 'script'
    (a function or the script itself) — they word conversion failures differently."""

    def __init__(self, name, params, kind="cmdlet", advanced=True, should_process=False, default_set=None,
                 positional_by_order=False):
        self.name = name
        self.kind = kind
        self.advanced = advanced
        self.params = list(params)
        if advanced:
            self.params += COMMON + (SHOULD_PROCESS if should_process else [])
        self.default_set = default_set
        self.positional_by_order = positional_by_order

    # -- name resolution ----------------------------------------------------------------------

    def resolve(self, given):
        lower = given.lower()
        for param in self.params:
            if param.name.lower() == lower or lower in (a.lower() for a in param.aliases):
                return param
        matches = [p for p in self.params if p.name.lower().startswith(lower)]
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            raise bind_error("Parameter cannot be processed because the parameter name '%s' is ambiguous. Possible matches "
                             "include: %s." % (given, " ".join("-" + m.name for m in matches)), "AmbiguousParameter")
        return None

    # -- conversion ---------------------------------------------------------------------------

    def convert(self, param, value):
        if param.switch:
            return V.SwitchValue(V.to_bool(value))
        target = param.type
        if value is None and self.kind != "cmdlet" and target.lower() == "system.string":
            # A script's [string] is an ArgumentTypeConverterAttribute: $null becomes '' before any validation
            # (PowerShell's ArgumentTypeConverterAttribute.Transform, then ParameterBinderBase's null/empty checks;
            # review s9main 4). A cmdlet's parameter has no such converter and keeps $null.
            return ""
        if value is None or target.lower() == "system.object":
            return value
        is_array_type = target.endswith("[]")
        if not is_array_type and isinstance(value, (list, tuple)) and target.lower() not in (
                "system.object", "system.array", "system.boolean", "system.management.automation.psobject"):
            # An array to a scalar parameter: a cmdlet or an advanced function refuses it; a
            # simple function converts it ([string] joins it) (about_Type_Conversion).
            if len(value) == 1:
                value = value[0]
            elif self.kind == "cmdlet" or self.advanced:
                raise self._conversion_failure(param, value, None, array=True)
        try:
            return V.convert(value, target)
        except PSRuntimeError as exc:
            raise self._conversion_failure(param, value, exc) from None

    def _conversion_failure(self, param, value, exc, array=False):
        if self.kind == "cmdlet":
            if array:
                message = ("Cannot convert '%s' to the type '%s' required by parameter '%s'. Specified method is not "
                           "supported." % (V.type_name(value), param.type, param.name))
            else:
                message = "Cannot bind parameter '%s'. %s" % (param.name, exc.message)
            return bind_error(message, "CannotConvertArgument,%s" % self.name)
        detail = exc.message if exc is not None else "Cannot convert value to type %s." % param.type
        return bind_error("Cannot process argument transformation on parameter '%s'. %s" % (param.name, detail),
                          "ParameterArgumentTransformationError,%s" % self.name)

    # -- binding ------------------------------------------------------------------------------

    def bind(self, arguments, pipeline_input=False):
        """Bind a list of Argument; returns Bound. With pipeline_input, a mandatory parameter that
        takes pipeline input may still be missing (it is bound per input object)."""
        bound = Bound()
        positional = []
        i = 0
        while i < len(arguments):
            arg = arguments[i]
            i += 1
            if arg.name is None:
                positional.append(arg)
                continue
            param = self.resolve(arg.name)
            if param is None:
                if not self.advanced:
                    bound.extra.append("-" + arg.name + (":" if arg.has_value else ""))
                    if arg.has_value:
                        bound.extra.append(arg.value)
                    continue
                raise bind_error("A parameter cannot be found that matches parameter name '%s'." % arg.name,
                                 "NamedParameterNotFound,%s" % self.name)
            if param.name in bound.values:
                raise bind_error("Cannot bind parameter because parameter '%s' is specified more than once. To provide "
                                 "multiple values to parameters that can accept multiple values, use the array syntax. "
                                 "For example, \"-parameter value1,value2,value3\"." % param.name,
                                 "ParameterAlreadyBound,%s" % self.name)
            if arg.has_value:
                value = arg.value
            elif param.switch:
                value = True
            elif i < len(arguments) and arguments[i].name is None:
                value = arguments[i].value
                i += 1
            else:
                raise bind_error("Missing an argument for parameter '%s'. Specify a parameter of type '%s' and try again."
                                 % (param.name, param.type), "MissingArgument,%s" % self.name)
            bound.values[param.name] = self._checked(param, self.convert(param, value))
        sets = self._candidate_sets(bound)
        self._bind_positional(bound, positional, sets)
        bound.set_name = self._choose_set(bound, sets, pipeline_input)
        if not pipeline_input:
            self.check_mandatory(bound)
        return bound

    def _checked(self, param, value):
        """Mandatory parameters refuse $null, '' and empty arrays (about_Functions_Advanced_Parameters,
        AllowNull / AllowEmptyString / AllowEmptyCollection)."""
        if not param.mandatory or param.switch:
            return value
        # allow_empty: True (a built-in cmdlet's parameter takes all three) or the attributes a script declared:
        # AllowNull lifts only the $null refusal, AllowEmptyString only '', AllowEmptyCollection only @().
        allowed = {"null", "string", "collection"} if param.allow_empty is True else set(param.allow_empty or ())
        self._not_null_or_empty(param, value, allowed)
        # The empty-collection refusal is for array and list parameter types only (an [object] or untyped parameter
        # binds @()), and each element is held to the null and empty-string rules (ParameterBinderBase's
        # ValidateNullOrEmptyArgument; CompiledCommandParameter's collection type information; review s9main 5).
        target = param.type.lower()
        collection = "array" if target.endswith("[]") else (
            "collection" if "list" in target or "collection" in target else None)
        if collection and isinstance(value, list):
            if not value and "collection" not in allowed:
                raise bind_error("Cannot bind argument to parameter '%s' because it is an empty %s."
                                 % (param.name, collection),
                                 "ParameterArgumentValidationErrorEmpty%sNotAllowed,%s"
                                 % ("Array" if collection == "array" else "Collection", self.name), "InvalidData")
            for element in value:
                self._not_null_or_empty(param, element, allowed)
        return value

    def _not_null_or_empty(self, param, value, allowed):
        if value is None and "null" not in allowed:
            raise bind_error("Cannot bind argument to parameter '%s' because it is null." % param.name,
                             "ParameterArgumentValidationErrorNullNotAllowed,%s" % self.name, "InvalidData")
        if isinstance(value, str) and value == "" and "string" not in allowed:
            raise bind_error("Cannot bind argument to parameter '%s' because it is an empty string." % param.name,
                             "ParameterArgumentValidationErrorEmptyStringNotAllowed,%s" % self.name, "InvalidData")

    def _all_sets(self):
        names = []
        for param in self.params:
            for s in param.sets:
                if s != ALL_SETS and s not in names:
                    names.append(s)
        return names

    def _candidate_sets(self, bound):
        sets = self._all_sets()
        if not sets:
            return [ALL_SETS]
        candidates = [s for s in sets if all(self._param(n).in_set(s) for n in bound.values)]
        if not candidates:
            raise bind_error("Parameter set cannot be resolved using the specified named parameters.",
                             "AmbiguousParameterSet,%s" % self.name)
        return candidates

    def _param(self, name):
        return next(p for p in self.params if p.name == name)

    def _positional_params(self, sets):
        found = []
        # Functions number their parameters in declared order unless one declares a Position
        # (about_Functions_Advanced_Parameters, "Position argument").
        by_order = self.positional_by_order and not any(p.position is not None for p in self.params)
        for index, param in enumerate(self.params):
            if param.name.lower() in COMMON_NAMES or param.switch:
                continue
            if not any(param.in_set(s) for s in sets):
                continue
            if param.position is not None:
                found.append((param.position, index, param))
            elif by_order:
                found.append((1000 + index, index, param))
        found.sort(key=lambda item: (item[0], item[1]))
        seen, ordered = set(), []
        for _position, _index, param in found:
            if param.name not in seen:
                seen.add(param.name)
                ordered.append(param)
        return ordered

    def _bind_positional(self, bound, positional, sets):
        """Each unnamed argument goes to the next positional parameter; where parameter sets put
        different parameters at that position, the first whose type takes the argument wins and
        the sets narrow to those that have it (about_Parameter_Binding)."""
        for arg in positional:
            free = [p for p in self._positional_params(sets) if p.name not in bound.values]
            if not free:
                if not self.advanced:
                    bound.extra.append(arg.value)
                    continue
                raise bind_error("A positional parameter cannot be found that accepts argument '%s'."
                                 % V.to_string(arg.value), "PositionalParameterNotFound,%s" % self.name)
            position = free[0].position
            candidates = [p for p in free if p.position == position] if position is not None else free[:1]
            failure = None
            for param in candidates:
                try:
                    bound.values[param.name] = self._checked(param, self.convert(param, arg.value))
                except PSRuntimeError as exc:
                    failure = failure or exc
                    continue
                narrowed = [s for s in sets if param.in_set(s)]
                sets[:] = narrowed or sets
                failure = None
                break
            if failure is not None:
                raise failure

    def _choose_set(self, bound, sets, pipeline_input):
        if sets == [ALL_SETS]:
            return ALL_SETS
        if len(sets) == 1:
            return sets[0]
        complete = [s for s in sets if all(p.name in bound.values or (pipeline_input and p.pipeline)
                                           for p in self.params if p.mandatory_in(s))]
        if self.default_set in complete:
            return self.default_set
        if len(complete) == 1:
            return complete[0]
        if self.default_set in sets:
            return self.default_set
        if self.kind == "cmdlet" and self.default_set is None and complete:
            # A cmdlet declared from its documentation, whose default set the page does not name:
            # take the first complete set, as a compiled cmdlet's DefaultParameterSetName would.
            return complete[0]
        raise bind_error("Parameter set cannot be resolved using the specified named parameters. One or more parameters "
                         "issued cannot be used together or an insufficient number of parameters were provided.",
                         "AmbiguousParameterSet,%s" % self.name)

    def check_mandatory(self, bound):
        missing = [p.name for p in self.params
                   if p.name not in bound.values and p.mandatory_in(bound.set_name or ALL_SETS)]
        if missing:
            raise bind_error("Cannot process command because of one or more missing mandatory parameters: %s."
                             % " ".join(missing), "MissingMandatoryParameter,%s" % self.name)

    def bind_pipeline_object(self, bound, item):
        """Bind one pipeline object to the ValueFromPipeline parameter (or by property name);
        returns a Bound for this object."""
        per_item = Bound()
        per_item.values = dict(bound.values)
        per_item.set_name = bound.set_name
        per_item.extra = list(bound.extra)
        for param in self.params:
            if param.name in bound.values or not param.in_set(bound.set_name or ALL_SETS):
                continue
            if param.pipeline:
                try:
                    per_item.values[param.name] = self._checked(param, self.convert(param, item))
                except PSRuntimeError:
                    continue
                break
            if param.by_property:
                from .types import get_member
                for name in (param.name,) + param.aliases:
                    value = get_member(item, name)
                    if value is not None:
                        per_item.values[param.name] = self._checked(param, self.convert(param, value))
                        break
        if not any(p.pipeline or p.by_property for p in self.params if p.name in per_item.values and p.name not in bound.values):
            raise bind_error("The input object cannot be bound to any parameters for the command either because the command "
                             "does not take pipeline input or the input and its properties do not match any of the "
                             "parameters that take pipeline input.", "InputObjectNotBound,%s" % self.name)
        self.check_mandatory(per_item)
        return per_item
