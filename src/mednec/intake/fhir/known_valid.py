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


class _Plan:
    """What one model class allows: each JSON key's check, the keys it requires, each choice-type
    key's group (``value[x]``: at most one member present) and the groups one member of which is
    required."""

    __slots__ = ("checks", "choice_keys", "choice_of", "needed", "required", "resource_type")

    def __init__(self, checks: dict[str, _Check], required: tuple[str, ...], choice_of: dict[str, str],
                 needed: tuple[frozenset[str], ...], resource_type: str | None) -> None:
        self.checks = checks
        self.required = required
        self.choice_of = choice_of
        self.choice_keys = frozenset(choice_of)
        self.needed = needed
        self.resource_type = resource_type

    def accepts(self, data: Any, top: bool) -> bool:
        if type(data) is not dict:
            return False
        checks = self.checks
        for key, value in data.items():
            check = checks.get(key)
            if check is None:
                if key == "resourceType" and top and value == self.resource_type:
                    continue
                return False
            if not check(value):
                return False
        for key in self.required:
            if key not in data:
                return False
        if self.choice_keys:
            chosen = self.choice_keys.intersection(data)
            if len(chosen) > 1:  # value[x] and effective[x] may both be there, not two value[x]
                groups = [self.choice_of[key] for key in chosen]
                if len(set(groups)) < len(groups):
                    return False
        return not self.needed or all(not group.isdisjoint(data) for group in self.needed)


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


def _list_of(check: _Check) -> _Check:
    def each(value: Any) -> bool:
        if type(value) is not list or not value:
            return False
        return all(map(check, value))

    return each


def _element(model: type) -> _Check:
    """The check of an element of ``model``; its plan is built on first use (types refer to each other)."""
    plan: _Plan | None = None

    def check(value: Any) -> bool:
        nonlocal plan
        if plan is None:
            plan = _plan(model)
        return plan.accepts(value, False)

    return check


def _primitive(meta: Any) -> _Check | None:
    from fhir_core import types as fc

    kind = type(meta)
    if kind is fc.String or kind is fc.Markdown:
        return _string
    if kind is fc.Code:
        return _code
    if kind is fc.Id:
        return _id_check()
    if kind is fc.Uri or kind is fc.Canonical:
        return _uri
    if kind is fc.Decimal:
        return _decimal_check()
    if kind is fc.Integer or kind is fc.UnsignedInt or kind is fc.PositiveInt:
        return _integer_check(meta.min_length, meta.max_length)
    if kind is fc.Date:
        return _moment_check("date")
    if kind is fc.DateTime:
        return _moment_check("dateTime")
    if kind is fc.Instant:
        return _moment_check("instant")
    return None  # time, url, oid, uuid, base64Binary, xhtml, integer64: left to fhir.resources


def _field_check(annotation: Any) -> _Check | None:
    """The check of one field's annotation, or ``None`` for a type left to fhir.resources."""
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
        return _primitive(metas[0]) if len(metas) == 1 else None
    if annotation is bool:
        return _boolean
    if isinstance(annotation, type) and issubclass(annotation, FhirBase) \
            and not issubclass(annotation, FhirElementOrResourceBase):
        return _element(annotation.get_model_klass())
    return None


def _never(value: Any) -> bool:
    return False


@cache
def _plan(model: type) -> _Plan:
    checks: dict[str, _Check] = {}
    required: list[str] = []
    choice_of: dict[str, str] = {}
    needed: set[str] = set()
    for name, field in model.model_fields.items():  # type: ignore[attr-defined]
        alias = field.alias or name
        extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
        if name.endswith("__ext") or not extra.get("element_property"):
            continue  # primitive extensions (_status) and fhir_comments: left to fhir.resources
        checks[alias] = _field_check(field.annotation) or _never
        if field.is_required() or extra.get("element_required"):
            required.append(alias)
        group = extra.get("one_of_many")
        if group:
            choice_of[alias] = str(group)
            if extra.get("one_of_many_required"):
                needed.add(str(group))
    groups = tuple(frozenset(k for k, g in choice_of.items() if g == group) for group in sorted(needed))
    return _Plan(checks, tuple(required), choice_of, groups, getattr(model, "__resource_type__", None))


@cache
def _resource_plan(resource_type: str) -> _Plan | None:
    from fhir.resources.R4B import get_fhir_model_class

    try:
        model = get_fhir_model_class(resource_type)
    except (KeyError, ValueError, AttributeError):
        return None
    return _plan(model)


def known_valid(data: Any) -> bool:
    """``True`` when fhir.resources certainly accepts ``data`` as its R4B resource; ``False`` when
    that is not known (the caller validates it with fhir.resources)."""
    if type(data) is not dict:
        return False
    rt = data.get("resourceType")
    if type(rt) is not str:
        return False
    plan = _resource_plan(rt)
    return plan is not None and plan.accepts(data, True)
