"""A fast, one-sided check against the R4B models: ``True`` only when fhir.resources would accept the resource.

Building the R4B model of every resource (:func:`mednec.intake.fhir.validate.validate_resource`) was
more than half of a new bundle's intake cost. :func:`known_valid` walks the JSON once with a plan
read from the same model classes (each field's alias, FHIR primitive type, cardinality, required
flag and choice group ``value[x]``) and answers ``True`` only for shapes it knows fhir.resources
accepts; anything else -- a value that fails, but also a primitive extension (``_status``), a
contained resource, a ``time``, a ``url``, a leap second, non-ASCII text in a ``code``, an empty
list -- answers ``False``, and the caller validates with fhir.resources, which then words the error
(or accepts). So accepting or rejecting a resource, and the message and field of a rejection, are
exactly those of the full R4B validation; this only skips it where its answer is known.

Each primitive check accepts a subset of what fhir_core's own type accepts (its patterns, read from
fhir_core where it states them, bounds from the annotation):

* ``string``, ``markdown``: a ``str`` holding a printable ASCII character (fhir_core's pattern
  ``[ \\r\\n\\t\\S]+`` is searched, so such a string matches it in any regex engine);
* ``code``: ASCII non-space runs separated by single spaces (a subset of ``^[^\\s]+(\\s[^\\s]+)*$``);
* ``id``: fhir_core's pattern and length limit, as configured in ``fhir_core.constraints``;
* ``uri``, ``canonical``: a non-empty ``str`` (fhir_core's pattern ``\\S*`` matches any string);
* ``decimal``: an ``int`` or ``float`` (not ``bool``) whose ``str`` matches fhir_core's pattern;
* ``integer``, ``unsignedInt``, ``positiveInt``: an ``int`` (not ``bool``) within the bounds;
* ``boolean``: a ``bool``;
* ``date``, ``dateTime``, ``instant``: a ``str`` matching fhir_core's pattern, no leap second, at
  most 6 digits of fraction, and a real calendar day and time (``datetime.fromisoformat``).

tests/fhir/test_fhir_known_valid.py checks the one-sidedness on generated resources, valid and with
one field broken in each way the mappers read, and that intake gives the same answer with and
without this check.

The plan of the resource types the intake validates is shipped (``r4b_plan.json``, :func:`write_plan`), so
a new process checks them without building the R4B model classes (building them cost about 0.2 CPU-s per
process: a Bulk run's parent and every CLI command that reads FHIR paid it). It is used only when the
installed fhir.resources and fhir-core are the versions it was read from (constraints.txt pins both); any
other version, and any type it does not hold, reads the model classes as before.
tests/fhir/test_known_valid_plan.py checks that the shipped plan equals a fresh reading and that checks
built from either answer alike.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
import types
import typing
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

__all__ = ["backbone_keys", "is_resource_type", "known_valid", "read_plan", "write_plan"]

_Check = Callable[[Any], bool]

_PRINTABLE = re.compile(r"[ -~]")
_CODE = re.compile(r"[!-~]+(?: [!-~]+)*")
_FRACTION = re.compile(r"\.([0-9]+)")


def _string(value: Any) -> bool:
    return type(value) is str and _PRINTABLE.search(value) is not None


def _code(value: Any) -> bool:
    return type(value) is str and _CODE.fullmatch(value) is not None


def _uri(value: Any) -> bool:
    return type(value) is str and value != ""


def _boolean(value: Any) -> bool:
    return type(value) is bool


#: The plan of the R4B models the intake's resource types hold (see :func:`write_plan`), read from
#: fhir.resources once and shipped beside this module, so that a process checks resources without building
#: the R4B model classes (about 0.2 CPU-s for the six types a Bulk run verifies, and for every new process of
#: the CLI). It is used only when the installed fhir.resources and fhir-core are the versions it was read
#: from; otherwise, and for a type it does not hold, the model classes are read as before.
PLAN_FILE = Path(__file__).with_name("r4b_plan.json")
#: The resource types whose plans are shipped: those the intake validates (its mappers' types) and Bundle.
PLANNED_TYPES = ("AllergyIntolerance", "BiologicallyDerivedProduct", "Bundle", "Claim", "Condition",
                 "FamilyMemberHistory", "List", "Medication", "MedicationAdministration", "MedicationDispense",
                 "MedicationRequest", "MedicationStatement", "Observation", "Patient", "Procedure",
                 "QuestionnaireResponse")
_VERSIONED = ("fhir.resources", "fhir-core")


@cache
def _shipped() -> dict[str, Any] | None:
    """The shipped plan, when it was read from the installed versions of fhir.resources and fhir-core."""
    try:
        plan: dict[str, Any] = json.loads(PLAN_FILE.read_text("utf-8"))
        if plan.get("versions") != _installed():
            return None
    except (OSError, ValueError, ImportError):  # no fhir extra: the caller's own import says so
        return None
    return plan


def _installed() -> dict[str, str | None]:
    """The installed versions of fhir.resources and fhir-core, read without importlib.metadata where the
    distribution's folder says it (importing importlib.metadata and searching every path costs ~90 ms)."""
    import fhir.resources
    import fhir_core

    versions: dict[str, str | None] = {"fhir-core": None, "fhir.resources": getattr(fhir.resources, "__version__", None)}
    folder = Path(fhir_core.__file__).resolve().parent.parent
    found = [d.name for d in folder.glob("fhir_core-*.dist-info")]
    if len(found) == 1:
        versions["fhir-core"] = found[0].removeprefix("fhir_core-").removesuffix(".dist-info")
    if None in versions.values():
        from importlib import metadata

        try:
            versions = {name: metadata.version(name) for name in _VERSIONED}
        except metadata.PackageNotFoundError:
            return versions
    return versions


@cache
def _patterns() -> dict[str, Any]:
    """fhir_core's patterns the primitive checks use (from the shipped plan when it is used)."""
    shipped = _shipped()
    return shipped["patterns"] if shipped is not None else _read_patterns()


def _read_patterns() -> dict[str, Any]:
    from fhir_core import constraints
    from fhir_core import types as fc

    def of(pattern: Any) -> list[Any]:
        return [pattern.pattern, int(pattern.flags)]

    out: dict[str, Any] = {"decimal": of(fc.Decimal.pattern), "date": of(fc.Date.pattern),
                           "dateTime": of(fc.DateTime.pattern), "instant": of(fc.Instant.pattern),
                           "leap": of(fc.FHIR_LEAP_SECOND)}
    pattern = getattr(constraints, "TYPES_ID_PATTERN", fc.Id.pattern)
    limit = getattr(constraints, "TYPES_ID_MAX_LENGTH", fc.Id.max_length)
    # configured otherwise: ids are left to fhir.resources
    out["id"] = limit if pattern == r"^[A-Za-z0-9\-.]+$" and isinstance(limit, int) else None
    return out


def _compiled(name: str) -> re.Pattern[str]:
    text, flags = _patterns()[name]
    return re.compile(text, flags)


def _decimal_check() -> _Check:
    pattern = _compiled("decimal")

    def check(value: Any) -> bool:
        return (type(value) is int or type(value) is float) and pattern.fullmatch(str(value)) is not None

    return check


def _integer_check(low: int, high: int) -> _Check:
    def check(value: Any) -> bool:
        return type(value) is int and low <= value <= high

    return check


def _id_check() -> _Check | None:
    limit = _patterns()["id"]
    if limit is None:
        return None
    shape = re.compile(rf"[A-Za-z0-9\-.]{{1,{limit}}}")

    def check(value: Any) -> bool:
        return type(value) is str and shape.fullmatch(value) is not None

    return check


def _moment_check(kind: str) -> _Check:
    """``date``, ``dateTime`` or ``instant``: fhir_core's pattern, then a real day (and time)."""
    pattern = _compiled(kind)
    leap = _compiled("leap")

    def check(value: Any) -> bool:
        if type(value) is not str or pattern.fullmatch(value) is None:
            return False
        if len(value) < 10:  # YYYY or YYYY-MM (month 01-12 by the pattern); not an instant's
            return kind != "instant"
        if len(value) == 10:
            try:
                dt.date.fromisoformat(value)
            except ValueError:
                return False
            return True
        if leap.fullmatch(value) is not None:
            return False
        fraction = _FRACTION.search(value)
        if fraction is not None and len(fraction.group(1)) > 6:
            return False
        try:
            dt.datetime.fromisoformat(value)
        except ValueError:
            return False
        return True

    return check


class _Later:
    """The check of an element type not built yet: built on first use (R4B types refer to each other,
    and most are never met), when it also takes the place of this stand-in wherever it was put."""

    __slots__ = ("name", "places")

    def __init__(self, name: str) -> None:
        self.name = name
        self.places: list[Callable[[_Check], None]] = []

    def __call__(self, value: Any) -> bool:
        check = _element(self.name)
        for put in self.places:
            put(check)
        self.places.clear()
        return check(value)


def _list_of(check: _Check) -> _Check:
    def each(value: Any) -> bool:
        if type(value) is not list or not value:
            return False
        return all(map(check, value))

    if isinstance(check, _Later):
        def put(built: _Check) -> None:
            nonlocal check
            check = built

        check.places.append(put)
    return each


_TEXTS_MAX = 4096


class _Known(dict[Any, bool]):
    """A check's answers by value, asked as ``known[value]`` (``__getitem__``: a look-up in C, no Python
    frame on a hit); a value not seen yet is checked by :meth:`__missing__` and remembered. Codes, units,
    dates and references recur across resources and patients, and a look-up costs a tenth of the pattern.
    Only ``str`` passes: any other value is answered ``False`` (``True``, ``1`` and ``1.0``, equal as keys,
    all answer ``False``); an unhashable one raises ``TypeError``, which the walk takes as "not known".
    Bounded: cleared when full."""

    __slots__ = ("check",)

    def __init__(self, check: _Check) -> None:
        super().__init__()
        self.check = check

    def __missing__(self, value: Any) -> bool:
        answer = type(value) is str and self.check(value)
        if len(self) >= _TEXTS_MAX:
            self.clear()
        self[value] = answer
        return answer


def _remembered(check: _Check | None) -> _Check | None:
    """A check of text (``str`` only) that remembers its answers (:class:`_Known`)."""
    if check is None:
        return None
    return _Known(check).__getitem__


@cache
def _primitive(kind: str, low: int | None = None, high: int | None = None) -> _Check | None:
    """The check of a FHIR primitive type by its name in the plan (one per type and bounds, so each
    remembers its texts); ``None`` for a type left to fhir.resources."""
    if kind == "string":
        return _remembered(_string)
    if kind == "code":
        return _remembered(_code)
    if kind == "id":  # not remembered: a resource's id is its own (it would only crowd out the codes)
        return _id_check()
    if kind == "uri":
        return _remembered(_uri)
    if kind == "decimal":
        return _decimal_check()
    if kind == "int":
        assert low is not None and high is not None
        return _integer_check(low, high)
    if kind in ("date", "dateTime", "instant"):
        return _remembered(_moment_check(kind))
    if kind == "bool":
        return _boolean
    return None


def _built(plan: Any) -> _Check | None:
    """The check a field's plan describes (:func:`_field_plan`), or ``None`` for a type left to fhir.resources."""
    if isinstance(plan, str):
        return _primitive(plan)
    head, *rest = plan
    if head == "int":
        return _primitive("int", *rest)
    if head == "list":
        check = _built(rest[0])
        return _list_of(check) if check is not None else None
    return _ELEMENTS.get(rest[0]) or _Later(rest[0])  # an element type, by its model's name


#: The primitive types' names in the plan, by fhir_core's type name.
_PRIMITIVES = {"String": "string", "Markdown": "string", "Code": "code", "Id": "id", "Uri": "uri",
               "Canonical": "uri", "Decimal": "decimal", "Date": "date", "DateTime": "dateTime",
               "Instant": "instant", "Integer": "int", "UnsignedInt": "int", "PositiveInt": "int"}


def _field_plan(annotation: Any) -> Any:
    """One field's annotation as the plan of its check: a primitive type's name (``"never"``: a type left to
    fhir.resources), ``["int", low, high]``, ``["list", plan]`` or ``["element", model name]``."""
    from fhir_core.types import FhirBase, FhirElementOrResourceBase

    origin = typing.get_origin(annotation)
    if origin is typing.Union or origin is types.UnionType:
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return _field_plan(args[0]) if len(args) == 1 else "never"
    if origin is list:
        (inner,) = typing.get_args(annotation)
        plan = _field_plan(inner)
        return ["list", plan] if plan != "never" else "never"
    if origin is typing.Annotated:
        base, *metas = typing.get_args(annotation)
        if len(metas) != 1:
            return "never"
        meta = metas[0]
        kind = _PRIMITIVES.get(type(meta).__name__, "never") if type(meta).__module__.startswith("fhir_core") \
            else "never"
        return ["int", meta.min_length, meta.max_length] if kind == "int" else kind
    if annotation is bool:
        return "bool"
    if isinstance(annotation, type) and issubclass(annotation, FhirBase) \
            and not issubclass(annotation, FhirElementOrResourceBase):
        model = annotation.get_model_klass()
        _CLASSES.setdefault(model.__name__, model)
        return ["element", model.__name__]
    return "never"


def _model_plan(model: type) -> dict[str, Any]:
    """A model's plan: each JSON key's check (:func:`_field_plan`), the keys it requires, each choice-type
    key's group (``value[x]``: at most one member present) and the groups one member of which is required."""
    fields: dict[str, Any] = {}
    must: list[str] = []
    choice: dict[str, str] = {}
    groups: set[str] = set()
    for name, field in model.model_fields.items():  # type: ignore[attr-defined]
        alias = field.alias or name
        extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
        if name.endswith("__ext") or not extra.get("element_property"):
            continue  # primitive extensions (_status) and fhir_comments: left to fhir.resources
        fields[alias] = _field_plan(field.annotation)
        if field.is_required() or extra.get("element_required"):
            must.append(alias)
        group = extra.get("one_of_many")
        if group:
            choice[alias] = str(group)
            if extra.get("one_of_many_required"):
                groups.add(str(group))
    return {"resourceType": getattr(model, "__resource_type__", None), "fields": fields, "required": must,
            "choice": choice, "needed": sorted(groups)}


#: The model classes met while reading plans, by name (an element type is named in its holder's plan).
_CLASSES: dict[str, type] = {}


@cache
def _plan(name: str) -> dict[str, Any] | None:
    """The plan of the model called ``name``: shipped, or read from its class."""
    shipped = _shipped()
    if shipped is not None and name in shipped["models"]:
        return shipped["models"][name]  # type: ignore[no-any-return]
    model = _CLASSES.get(name) or _model_class(name)
    return None if model is None else _model_plan(model)


def _model_class(name: str) -> type | None:
    from fhir.resources.R4B import get_fhir_model_class

    try:
        model: type = get_fhir_model_class(name)
    except (KeyError, ValueError, AttributeError):
        return None
    _CLASSES.setdefault(model.__name__, model)
    return model


def _never(value: Any) -> bool:
    return False


#: Each model's element check, once built, by the model's name.
_ELEMENTS: dict[str, _Check] = {}


def _element(name: str) -> _Check:
    """The check of a value of the model ``name`` inside another (see :func:`_checks`)."""
    check = _ELEMENTS.get(name)
    return check if check is not None else _checks(name)[0]


def _checks(name: str) -> tuple[_Check, _Check]:
    """The checks of the model ``name`` as an element and as a resource (its ``resourceType`` too), from its
    plan (:func:`_model_plan`). The element types it holds are built with it, so that an element is checked
    in one call (the walk is most of the check's cost): an element type not built yet is a :class:`_Later`
    stand-in until first met."""
    plan = _plan(name)
    if plan is None:
        return _never, _never
    checks: dict[str, _Check] = {}
    keys_of = dict.keys
    resource_type = plan["resourceType"]
    for alias, field_plan in plan["fields"].items():
        field_check = checks[alias] = _built(field_plan) or _never
        if isinstance(field_check, _Later):
            field_check.places.append(functools.partial(checks.__setitem__, alias))
    required = frozenset(plan["required"])
    choice_of: dict[str, str] = plan["choice"]
    choice_keys = frozenset(choice_of)
    needed = tuple(frozenset(k for k, g in choice_of.items() if g == group) for group in plan["needed"])

    def walker(top: bool) -> _Check:
        # the resource's own check also takes its ``resourceType`` (a look-up: any other value is no key,
        # an unhashable one a TypeError, both "not known")
        keyed = checks
        if top:
            keyed = {**checks, "resourceType": {resource_type: True}.__getitem__}
            for alias, check in checks.items():
                if isinstance(check, _Later):
                    check.places.append(functools.partial(keyed.__setitem__, alias))
        group_of = choice_of.__getitem__

        def walk(data: Any) -> bool:
            if type(data) is not dict:
                return False
            try:
                for key, value in data.items():
                    if not keyed[key](value):
                        return False
            except (KeyError, TypeError):  # a key the model has not, or an unhashable text: not known
                return False
            if not keys_of(data) >= required:
                return False
            if choice_keys:
                chosen = choice_keys.intersection(data)
                if len(chosen) > 1:  # value[x] and effective[x] may both be there, not two value[x]
                    groups = list(map(group_of, chosen))
                    if len(set(groups)) < len(groups):
                        return False
            return not needed or all(not group.isdisjoint(data) for group in needed)

        return walk

    element, resource = walker(False), walker(True)
    _ELEMENTS[name] = element  # only once complete: a type that holds itself got a stand-in
    return element, resource


@cache
def _resource_check(resource_type: str) -> _Check | None:
    shipped = _shipped()
    if shipped is None or resource_type not in shipped["resources"]:
        model = _model_class(resource_type)
        if model is None:
            return None
        resource_type = model.__name__
    return _checks(resource_type)[1]


def is_resource_type(name: str) -> bool:
    """Whether ``name`` names an R4B model (fhir.resources' own look-up): a resource type of the shipped plan is known
    without building its model classes, any other name is looked up in fhir.resources."""
    shipped = _shipped()
    return (shipped is not None and name in shipped["resources"]) or _model_class(name) is not None


def backbone_keys(resource_type: str) -> tuple[str, ...]:
    """The elements of a resource type that may carry a ``modifierExtension`` (its BackboneElements, Dosage and
    Timing), in the model's order: shipped, or read from the R4B model."""
    shipped = _shipped()
    if shipped is not None and resource_type in shipped["backbone"]:
        return tuple(shipped["backbone"][resource_type])
    return _read_backbone_keys(resource_type)


def _read_backbone_keys(resource_type: str) -> tuple[str, ...]:
    model = _model_class(resource_type)
    if model is None:
        return ()
    backbone = re.compile(rf"\babc\.(?:{re.escape(resource_type)}\w+|Dosage|Timing)Type\b")
    fields = model.model_fields  # type: ignore[attr-defined]
    return tuple(f.alias or name for name, f in fields.items() if backbone.search(str(f.annotation)))


def read_plan(resource_types: tuple[str, ...] = PLANNED_TYPES) -> dict[str, Any]:
    """The plan of ``resource_types`` and every element type they hold, read from the installed fhir.resources
    (what :data:`PLAN_FILE` holds; tests/fhir/test_known_valid_plan.py checks the two are the same)."""
    models: dict[str, Any] = {}
    todo = []
    for rt in resource_types:
        model = _model_class(rt)
        if model is None:
            raise ValueError(f"{rt!r} is not an R4B resource type")
        todo.append(model.__name__)
    while todo:
        name = todo.pop()
        if name in models:
            continue
        model = _CLASSES[name]
        models[name] = plan = _model_plan(model)
        todo.extend(_elements_named(plan["fields"].values()))
    return {"versions": _installed(), "patterns": _read_patterns(), "resources": sorted(resource_types),
            "backbone": {rt: list(_read_backbone_keys(rt)) for rt in sorted(resource_types)},
            "models": dict(sorted(models.items()))}


def _elements_named(plans: Any) -> list[str]:
    out = []
    for plan in plans:
        while isinstance(plan, list) and plan[0] == "list":
            plan = plan[1]
        if isinstance(plan, list) and plan[0] == "element":
            out.append(plan[1])
    return out


def write_plan(path: Path = PLAN_FILE) -> None:
    """Write :func:`read_plan` to ``path`` (after fhir.resources or fhir-core is upgraded:
    ``python -c "from mednec.intake.fhir.known_valid import write_plan; write_plan()"``)."""
    path.write_text(json.dumps(read_plan(), indent=0, sort_keys=True) + "\n", "utf-8")


def known_valid(data: Any) -> bool:
    """``True`` when fhir.resources certainly accepts ``data`` as its R4B resource; ``False`` when
    that is not known (the caller validates it with fhir.resources)."""
    if type(data) is not dict:
        return False
    rt = data.get("resourceType")
    if type(rt) is not str:
        return False
    check = _resource_check(rt)
    return check is not None and check(data)
