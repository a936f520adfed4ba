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
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import types
import typing
from collections.abc import Callable
from functools import cache
from typing import Any

__all__ = ["known_valid"]

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


def _decimal_check() -> _Check:
    from fhir_core.types import Decimal

    pattern = Decimal.pattern

    def check(value: Any) -> bool:
        return (type(value) is int or type(value) is float) and pattern.fullmatch(str(value)) is not None

    return check


def _integer_check(low: int, high: int) -> _Check:
    def check(value: Any) -> bool:
        return type(value) is int and low <= value <= high

    return check


def _id_check() -> _Check | None:
    from fhir_core import constraints
    from fhir_core.types import Id

    pattern = getattr(constraints, "TYPES_ID_PATTERN", Id.pattern)
    limit = getattr(constraints, "TYPES_ID_MAX_LENGTH", Id.max_length)
    if pattern != r"^[A-Za-z0-9\-.]+$" or not isinstance(limit, int):
        return None  # configured otherwise: leave ids to fhir.resources
    shape = re.compile(rf"[A-Za-z0-9\-.]{{1,{limit}}}")

    def check(value: Any) -> bool:
        return type(value) is str and shape.fullmatch(value) is not None

    return check


def _moment_check(kind: str) -> _Check:
    """``date``, ``dateTime`` or ``instant``: fhir_core's pattern, then a real day (and time)."""
    from fhir_core import types as fc

    pattern = {"date": fc.Date, "dateTime": fc.DateTime, "instant": fc.Instant}[kind].pattern
    leap = fc.FHIR_LEAP_SECOND

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

    __slots__ = ("model", "places")

    def __init__(self, model: type) -> None:
        self.model = model
        self.places: list[Callable[[_Check], None]] = []

    def __call__(self, value: Any) -> bool:
        check = _element(self.model)
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
def _primitive(kind: Any, low: int | None = None, high: int | None = None) -> _Check | None:
    """The check of a FHIR primitive type (one per type and bounds, so each remembers its texts)."""
    from fhir_core import types as fc

    if kind is fc.String or kind is fc.Markdown:
        return _remembered(_string)
    if kind is fc.Code:
        return _remembered(_code)
    if kind is fc.Id:  # not remembered: a resource's id is its own (it would only crowd out the codes)
        return _id_check()
    if kind is fc.Uri or kind is fc.Canonical:
        return _remembered(_uri)
    if kind is fc.Decimal:
        return _decimal_check()
    if kind is fc.Integer or kind is fc.UnsignedInt or kind is fc.PositiveInt:
        assert low is not None and high is not None
        return _integer_check(low, high)
    if kind is fc.Date:
        return _remembered(_moment_check("date"))
    if kind is fc.DateTime:
        return _remembered(_moment_check("dateTime"))
    if kind is fc.Instant:
        return _remembered(_moment_check("instant"))
    return None  # time, url, oid, uuid, base64Binary, xhtml, integer64: left to fhir.resources


def _field_check(annotation: Any) -> _Check | None:
    """The check of one field's annotation, or ``None`` for a type left to fhir.resources."""
    from fhir_core import types as fc
    from fhir_core.types import FhirBase, FhirElementOrResourceBase

    origin = typing.get_origin(annotation)
    if origin is typing.Union or origin is types.UnionType:
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return _field_check(args[0]) if len(args) == 1 else None
    if origin is list:
        (inner,) = typing.get_args(annotation)
        check = _field_check(inner)
        return _list_of(check) if check is not None else None
    if origin is typing.Annotated:
        base, *metas = typing.get_args(annotation)
        if len(metas) != 1:
            return None
        meta = metas[0]
        kind: Any = type(meta)
        if kind in (fc.Integer, fc.UnsignedInt, fc.PositiveInt):
            return _primitive(kind, meta.min_length, meta.max_length)
        return _primitive(kind)
    if annotation is bool:
        return _boolean
    if isinstance(annotation, type) and issubclass(annotation, FhirBase) \
            and not issubclass(annotation, FhirElementOrResourceBase):
        model = annotation.get_model_klass()
        return _ELEMENTS.get(model) or _Later(model)
    return None


def _never(value: Any) -> bool:
    return False


#: Each model class's element check, once built.
_ELEMENTS: dict[type, _Check] = {}


def _element(model: type) -> _Check:
    """The check of a value of ``model`` inside another (see :func:`_checks`)."""
    check = _ELEMENTS.get(model)
    return check if check is not None else _checks(model)[0]


def _checks(model: type) -> tuple[_Check, _Check]:
    """The checks of ``model`` as an element and as a resource (its ``resourceType`` too), from its plan:
    each JSON key's check, the keys it requires, each choice-type key's group (``value[x]``: at most one
    member present) and the groups one member of which is required, read from the model's fields. The
    element types it holds are built with it, so that an element is checked in one call (the walk is
    most of the check's cost): an element type not built yet is a :class:`_Later` stand-in until first met."""
    checks: dict[str, _Check] = {}
    keys_of = dict.keys
    required: frozenset[str] = frozenset()
    choice_of: dict[str, str] = {}
    choice_keys: frozenset[str] = frozenset()
    needed: tuple[frozenset[str], ...] = ()
    resource_type = getattr(model, "__resource_type__", None)

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

    must: list[str] = []
    groups: set[str] = set()
    for name, field in model.model_fields.items():  # type: ignore[attr-defined]
        alias = field.alias or name
        extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
        if name.endswith("__ext") or not extra.get("element_property"):
            continue  # primitive extensions (_status) and fhir_comments: left to fhir.resources
        field_check = checks[alias] = _field_check(field.annotation) or _never
        if isinstance(field_check, _Later):
            field_check.places.append(functools.partial(checks.__setitem__, alias))
        if field.is_required() or extra.get("element_required"):
            must.append(alias)
        group = extra.get("one_of_many")
        if group:
            choice_of[alias] = str(group)
            if extra.get("one_of_many_required"):
                groups.add(str(group))
    required = frozenset(must)
    choice_keys = frozenset(choice_of)
    needed = tuple(frozenset(k for k, g in choice_of.items() if g == group) for group in sorted(groups))
    element, resource = walker(False), walker(True)
    _ELEMENTS[model] = element  # only once complete: a type that holds itself got a stand-in
    return element, resource


@cache
def _resource_check(resource_type: str) -> _Check | None:
    from fhir.resources.R4B import get_fhir_model_class

    try:
        model = get_fhir_model_class(resource_type)
    except (KeyError, ValueError, AttributeError):
        return None
    return _checks(model)[1]


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
