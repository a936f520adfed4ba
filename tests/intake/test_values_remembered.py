"""Parsed values are remembered across patients (``mednec.intake.values._PARSED`` and ``_EVENTS``); a
remembered answer is exactly the one parsing again gives.

Values that compare equal but are not the same (``1``, ``1.0`` and ``True``; ``0.0``, ``-0.0``, ``0`` and
``False``; a date and its ISO text) are parsed in every order, each after the others have filled the
memory, for every fact type; the outcome -- the value with its type and ``repr``, the unit, the date, or
the error and the field it names -- must be that of a cold parse. A refusal is never remembered: the
same bad value under two paths names each path.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest

from mednec.errors import MednecError
from mednec.intake import values
from mednec.intake.values import parse_fact_value
from mednec.runtime import default_runtime

DICT = default_runtime().dictionary
AS_OF = dt.date(2026, 11, 20)


def _outcome(fid: str, raw: Any, path: str = "facts.x") -> tuple[Any, ...]:
    try:
        fv = parse_fact_value(DICT.facts[fid], raw, as_of=AS_OF, path=path, source="test")
    except MednecError as exc:
        return ("error", type(exc).__name__, exc.message, exc.field)
    if fv is None:
        return ("none",)
    value = fv.value
    shown = tuple((tuple((k, type(v), repr(v)) for k, v in e.items())) for e in value) \
        if isinstance(value, tuple) else (type(value), repr(value))
    return ("value", shown, fv.unit, fv.observed, fv.provenance)


def _cold(fid: str, raw: Any) -> tuple[Any, ...]:
    values._PARSED.clear()  # noqa: SLF001
    values._EVENTS.clear()  # noqa: SLF001
    return _outcome(fid, raw)


def _fact_of(kind: str) -> str:
    return next(f for f, fd in DICT.facts.items() if fd.type == kind and fd.may_give
                and (kind != "number" or fd.range is None or fd.range[0] <= 0))


EQUAL_BUT_NOT_SAME: list[list[Any]] = [
    [0, 0.0, -0.0, False, "0"],
    [1, 1.0, True, "1", {"value": 1}, {"value": 1.0}, {"value": True}],
    [2, 2.0, "2", {"value": 2, "unit": None}],
    ["yes", "Yes", "true", True, 1],
    ["2026-01-05", dt.date(2026, 1, 5), dt.datetime(2026, 1, 5, 0, 0)],
    [{"value": 2.0, "comparator": "<"}, {"value": 2.0, "comparator": "<="}, {"value": 2.0}, {"value": -0.0}],
]


@pytest.mark.parametrize("kind", ["number", "boolean", "category", "date"])
@pytest.mark.parametrize("group", EQUAL_BUT_NOT_SAME, ids=range(len(EQUAL_BUT_NOT_SAME)))
def test_a_remembered_scalar_is_what_parsing_again_gives(kind: str, group: list[Any]) -> None:
    fid = _fact_of(kind)
    cold = [_cold(fid, raw) for raw in group]
    for order in itertools.permutations(range(len(group))):
        values._PARSED.clear()  # noqa: SLF001
        for _ in range(2):  # the second pass reads every value from the memory
            for n in order:
                assert _outcome(fid, group[n]) == cold[n], (fid, group[n])


EVENTS = [
    {"date": "2026-07-13", "units": 1},
    {"date": "2026-07-13", "units": 1.0},
    {"date": "2026-07-13", "units": True},
    {"date": dt.date(2026, 7, 13), "units": 1},
    {"date": "2026-07-13", "units": 0},
    {"date": "2026-07-13", "units": -0.0},
    {"date": "2026-07-13", "units": 0.0},
    {"date": "2026-07-13", "units": False},
    {"date": "2027-07-13", "units": 1},
    {"date": "2026-07-13", "units": [1]},
]


def test_a_remembered_event_is_what_parsing_again_gives_and_is_not_shared() -> None:
    fid = "rbc_transfusions"
    cold = [_cold(fid, [e]) for e in EVENTS]
    for order in itertools.permutations(range(len(EVENTS)), 4):
        values._EVENTS.clear()  # noqa: SLF001
        for _ in range(2):
            for n in order:
                assert _outcome(fid, [EVENTS[n]]) == cold[n], EVENTS[n]
    first = parse_fact_value(DICT.facts[fid], [EVENTS[0]], as_of=AS_OF, path="p", source="s")
    again = parse_fact_value(DICT.facts[fid], [EVENTS[0]], as_of=AS_OF, path="p", source="s")
    assert first is not None and again is not None
    assert first.value == again.value and first.value[0] is not again.value[0]


def test_a_refusal_is_not_remembered_and_names_its_own_field() -> None:
    fid = _fact_of("number")
    assert _outcome(fid, 1e9, "facts.a")[3] == "facts.a"
    assert _outcome(fid, 1e9, "facts.b")[3] == "facts.b"
    assert _outcome("rbc_transfusions", [{"date": "2027-01-01", "units": 1}], "facts.c")[3] == "facts.c[0].date"
    assert _outcome("rbc_transfusions", [{"date": "2027-01-01", "units": 1}], "facts.d")[3] == "facts.d[0].date"


def test_the_evaluation_date_is_part_of_what_is_remembered() -> None:
    fd = DICT.facts[_fact_of("date")]
    assert parse_fact_value(fd, "2026-06-01", as_of=AS_OF, path="p", source="s") is not None
    with pytest.raises(MednecError):
        parse_fact_value(fd, "2026-06-01", as_of=dt.date(2026, 1, 1), path="p", source="s")


def test_a_remembered_date_is_what_parsing_again_gives_and_a_refusal_names_its_field() -> None:
    for text in ("2026-01-05", " 2026-01-05 ", "2026-02-30", "2026-1-5", "x"):
        values._DATES.clear()  # noqa: SLF001
        outcomes = []
        for path in ("a", "b", "a"):
            try:
                outcomes.append(("date", values.parse_date(text, path=path)))
            except MednecError as exc:
                outcomes.append(("error", exc.message, exc.field))
        if outcomes[0][0] == "date":
            assert outcomes == [outcomes[0]] * 3
        else:
            assert [o[2] for o in outcomes] == ["a", "b", "a"]


def test_a_remembered_quantity_unit_is_what_naming_it_again_gives() -> None:
    from mednec.intake.fhir import units

    fd = DICT.facts["hemoglobin"]
    quantities = [{"code": "g/dL", "system": units.UCUM}, {"unit": "g/dl"}, {"code": "mmol/L"}, {"unit": "gm/dL"},
                  {"code": "g/L", "unit": "g/L", "system": "http://other"}, {}, {"code": "kg"}, {"unit": "furlong"}]

    def named(q: dict[str, str], path: str) -> tuple[Any, ...]:
        try:
            return ("unit", units.quantity_unit(fd, q, path=path))
        except MednecError as exc:
            return ("error", exc.message, exc.field)

    units._NAMED.clear()  # noqa: SLF001
    cold = []
    for q in quantities:
        units._NAMED.clear()  # noqa: SLF001
        cold.append(named(q, "p"))
    assert ("unit", "g/dL") in cold and any(c[0] == "error" for c in cold)
    for _ in range(2):
        for q, want in zip(quantities, cold, strict=True):
            assert named(q, "p") == want
            if want[0] == "error":
                assert named(q, "q")[2] == "q"
