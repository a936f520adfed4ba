"""``FactSet.given_digest`` (the input hash's facts part) reads plain values inline; it must stay the
digest it was: SHA-256 of the ``repr`` of the given facts' rows, each value in its canonical form
(whole floats as ints, dates as ISO text, mappings as sorted pairs, sequences as tuples, partial values
as their mapping). The reference below is that definition, written the plain way; random fact sets --
numbers, texts, yes/no, dates, events with mixed field types, nested lists, partial values, derived
facts -- must hash the same."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from mednec.facts.factset import FactSet, FactValue, Provenance
from mednec.facts.partial import Between, OneOf, is_partial


def _reference_canonical(value: Any) -> Any:
    if is_partial(value):
        return _reference_canonical(value.to_dict())
    if isinstance(value, bool | str | int) or value is None:
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else value
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return tuple(_reference_canonical(v) for v in value)
    if isinstance(value, Mapping):
        return tuple(sorted((str(k), _reference_canonical(v)) for k, v in value.items()))
    return value


def _reference_digest(facts: FactSet) -> str:
    rows = tuple((k, _reference_canonical(fv.value), fv.unit, fv.observed.isoformat() if fv.observed else None)
                 for k, fv in sorted(facts.items()) if not fv.derived)
    return hashlib.sha256(repr(rows).encode()).hexdigest()


_floats = st.floats(allow_nan=False, allow_infinity=True) | st.sampled_from([0.0, -0.0, 1.0, 2.5, 1e20])
_dates = st.dates(dt.date(1900, 1, 1), dt.date(2100, 1, 1))
_plain = st.none() | st.booleans() | st.integers(-10**6, 10**6) | _floats | st.text(max_size=8) | _dates
_nested = st.recursive(_plain, lambda inner: st.lists(inner, max_size=3) | st.tuples(inner, inner)
                       | st.dictionaries(st.text(max_size=4), inner, max_size=3), max_leaves=8)
_events = st.lists(st.dictionaries(st.sampled_from(["date", "units", "drug", "start", "end", "response"]),
                                   _nested, max_size=5), max_size=6).map(tuple)
_partial = st.builds(lambda lo, hi: Between(lo, hi, ("x",), "r"), st.floats(0, 10), st.floats(10, 20)) | \
    st.builds(lambda vs: OneOf(tuple(vs), ("y",), "r"), st.lists(st.text(max_size=4), min_size=2, max_size=3))
_values = _plain | _events | _partial | _nested


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text(min_size=1, max_size=6), st.tuples(_values, st.none() | st.text(max_size=4),
                                                                  st.none() | _dates, st.booleans()), max_size=8))
def test_the_given_digest_is_the_plain_definition(raw: dict[str, tuple[Any, Any, Any, bool]]) -> None:
    facts = FactSet({k: FactValue(k, v, unit, observed, Provenance("test"), derived)
                     for k, (v, unit, observed, derived) in raw.items()}, dt.date(2026, 11, 20))
    assert facts.given_digest() == _reference_digest(facts)
