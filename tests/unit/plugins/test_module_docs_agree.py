"""Every module's DOCUMENTATION (doc fragments resolved, as ansible-doc shows it) agrees with the
argument spec its action plugin validates: the same options, and for each the same type, required,
default, choices, elements, aliases and suboptions; secret-looking options are no_log.

The documentation and the spec are written twice (plugins/modules/<name>.py documents,
plugins/action/<name>.py validates), so this test is what keeps them one. What the action plugin
does is the truth: a disagreement is fixed in the documentation unless the spec is the mistake."""

import importlib
import pathlib
import re

import pytest
from ansible.plugins.loader import fragment_loader
from ansible.utils.plugin_docs import get_docstring

ROOT = pathlib.Path(__file__).resolve().parents[3]
MODULES = sorted(p.stem for p in (ROOT / "plugins" / "modules").glob("*.py") if p.stem != "__init__")
# Option names that carry a secret, as ansible-test's validate-modules (no-log-needed) looks for them.
SECRET_RE = re.compile(r"(password|passphrase|passwd|secret|token|(^|_)key$|pass$)")
# Secret-looking names that hold no secret, with the reason.
NOT_SECRET = {}


def documentation(name):
    doc = get_docstring(str(ROOT / "plugins" / "modules" / (name + ".py")), fragment_loader,
                        collection_name="lync.server")[0]
    assert doc, "%s has no DOCUMENTATION" % name
    return doc


def action_plugin(name):
    return importlib.import_module("ansible_collections.lync.server.plugins.action." + name).ActionModule


def argument_spec(name):
    spec = getattr(action_plugin(name), "ARGUMENT_SPEC", None)
    assert spec, "%s: the action plugin has no ARGUMENT_SPEC" % name
    return spec


def _text(option):
    description = option.get("description") or ""
    return " ".join(description if isinstance(description, list) else [description])


def _value(value):
    return str(value).lower() if isinstance(value, bool) else str(value)


def conditional_disagreements(documented, specified, required_if, required_one_of):
    """The rules the validator applies besides the spec: each one must be said in the options' descriptions
    (C(required) and the condition, as V(value) or O(option=value); or, for a one-of group, the other
    options by O(name)), and none may name an option with a default (the validator fills the default in
    before it checks them, so the rule would never fire)."""
    found = []
    for rule in required_if or []:
        key, value, needed = rule[:3]
        for option in needed:
            text = _text(documented.get(option) or {})
            said = ("V(%s)" % _value(value), "O(%s=%s)" % (key, _value(value)))
            if "required" not in text.lower() or not any(s in text for s in said):
                found.append("%s: required when %s=%s (required_if), which the documentation does not say"
                             % (option, key, _value(value)))
            if (specified.get(option) or {}).get("default") is not None:
                found.append("%s: required_if can never fire, the argument spec gives it a default" % option)
    for group in required_one_of or []:
        for option in group:
            text = _text(documented.get(option) or {})
            if not all("O(%s)" % other in text for other in group if other != option):
                found.append("%s: one of %s is required (required_one_of), which the documentation does not say"
                             % (option, ", ".join(group)))
            if (specified.get(option) or {}).get("default") is not None:
                found.append("%s: required_one_of can never fire, the argument spec gives it a default" % option)
    return found


def _choices(value):
    return None if value is None else sorted(str(v) for v in value)


def disagreements(where, documented, specified):
    """Every way the documented options and the spec's options differ, as lines."""
    found = []
    documented = documented or {}
    specified = specified or {}
    for option in sorted(set(documented) - set(specified)):
        found.append("%s%s: documented, not in the argument spec" % (where, option))
    for option in sorted(set(specified) - set(documented)):
        found.append("%s%s: in the argument spec, not documented" % (where, option))
    for option in sorted(set(documented) & set(specified)):
        doc, spec = documented[option] or {}, specified[option] or {}
        path = "%s%s" % (where, option)
        pairs = {
            "type": (doc.get("type", "str"), spec.get("type", "str")),
            "required": (bool(doc.get("required", False)), bool(spec.get("required", False))),
            "default": (doc.get("default"), spec.get("default")),
            "choices": (_choices(doc.get("choices")), _choices(spec.get("choices"))),
            "elements": (doc.get("elements"), spec.get("elements")),
            "aliases": (sorted(doc.get("aliases") or []), sorted(spec.get("aliases") or [])),
        }
        for key, (in_doc, in_spec) in pairs.items():
            if in_doc != in_spec:
                found.append("%s: %s is %r in the documentation, %r in the argument spec" % (path, key, in_doc, in_spec))
        if doc.get("type") == "list" and not doc.get("elements"):
            found.append("%s: a list without elements" % path)
        names = [option] + list(spec.get("aliases") or [])
        if any(SECRET_RE.search(n) for n in names) and option not in NOT_SECRET and not spec.get("no_log"):
            found.append("%s: looks like a secret but the argument spec does not set no_log" % path)
        if doc.get("suboptions") or spec.get("options"):
            found.extend(disagreements(path + ".", doc.get("suboptions"), spec.get("options")))
    return found


def test_every_module_has_an_action_plugin():
    actions = {p.stem for p in (ROOT / "plugins" / "action").glob("*.py") if p.stem != "__init__"}
    assert MODULES and set(MODULES) == actions


@pytest.mark.parametrize("name", MODULES)
def test_documentation_agrees_with_the_argument_spec(name):
    documented, specified = documentation(name).get("options") or {}, argument_spec(name)
    action = action_plugin(name)
    found = disagreements("", documented, specified) + conditional_disagreements(
        documented, specified, getattr(action, "REQUIRED_IF", None), getattr(action, "REQUIRED_ONE_OF", None))
    assert not found, "%s:\n  %s" % (name, "\n  ".join(found))


def test_the_comparison_finds_each_kind_of_disagreement():
    documented = {"a": {"type": "int", "default": 1}, "b": {"type": "list", "elements": "str", "choices": ["x"]},
                  "password": {"type": "str"}, "only_doc": {},
                  "sub": {"type": "dict", "suboptions": {"c": {"type": "str", "required": True}}}}
    specified = {"a": {"type": "str", "default": 1}, "b": {"type": "list", "elements": "int", "choices": ["y"]},
                 "password": {"type": "str"}, "only_spec": {"aliases": ["o"]},
                 "sub": {"type": "dict", "options": {"c": {"type": "str"}}}}
    found = "\n".join(disagreements("", documented, specified))
    for expected in ("a: type is 'int'", "b: elements is 'str'", "b: choices", "password: looks like a secret",
                     "only_doc: documented, not", "only_spec: in the argument spec, not", "sub.c: required is True"):
        assert expected in found, found
    assert not disagreements("", {"x": {"type": "str", "aliases": ["y"]}}, {"x": {"aliases": ["y"]}})


def test_the_comparison_finds_unsaid_and_dead_conditional_rules():
    documented = {"state": {"description": "What to do."}, "a": {"description": "Required with O(state=closed)."},
                  "b": {"description": "Used for V(closed)."}, "c": {"description": "Or O(d)."}, "d": {}}
    specified = {"state": {}, "a": {}, "b": {"default": ""}, "c": {}, "d": {}}
    found = "\n".join(conditional_disagreements(documented, specified, [["state", "closed", ["a", "b"]]], [["c", "d"]]))
    assert "a:" not in found and "c:" not in found, found
    for expected in ("b: required when state=closed", "b: required_if can never fire", "d: one of c, d is required"):
        assert expected in found, found
