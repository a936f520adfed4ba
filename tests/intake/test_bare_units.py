"""A number without its unit is not guessed when the number fits more than one unit (family from
the held-out GLP-1 set: "weight 210" was read as 210 kg; "LDL 3.2" as 3.2 mg/dL, a confident
wrong "not met" for 3.2 mmol/L = 124 mg/dL).

For every number fact the questions read by name whose units convert by more than one factor,
and for values across its plausible range (the dictionary's own bounds, and the bounds
converted into each unit): a bare value is read in the canonical unit only when no other unit
makes it plausible; otherwise it is listed as not used, naming the units, and the answer asks.
The same value with its unit is always read."""

from __future__ import annotations

import datetime as dt

import pytest

from mednec.facts.dictionary import FactDef
from mednec.intake.question import understand
from mednec.runtime import Runtime, default_runtime

AS_OF = dt.date(2026, 12, 6)
RT = default_runtime()
FACTS = [fd for fd in RT.dictionary.facts.values()
         if fd.type == "number" and fd.names and fd.range and len(set(fd.units.values())) > 1]


def _values(fd: FactDef) -> list[float]:
    """The range's bounds, the bounds in every unit, and points between them (all rounded to 2 places)."""
    assert fd.range is not None
    lo, hi = fd.range
    points = {lo, hi, (lo + hi) / 2}
    for f in set(fd.units.values()):
        points |= {lo / f, hi / f, lo / f * 1.01, hi / f * 0.99}
    return sorted({round(v, 2) for v in points if v > 0 and round(v, 2) > 0})


def _plausible(fd: FactDef, v: float) -> set[float]:
    assert fd.range is not None
    return {f for f in fd.units.values() if fd.range[0] <= v * f <= fd.range[1]}


def test_the_family_is_not_empty() -> None:
    assert {"weight", "height", "ldl_c"} <= {fd.id for fd in FACTS}, [fd.id for fd in FACTS]


@pytest.mark.parametrize("fd", FACTS, ids=[fd.id for fd in FACTS])
def test_a_bare_number_is_read_only_when_one_unit_fits(runtime: Runtime, fd: FactDef) -> None:
    name = sorted(fd.names, key=len)[0]
    for v in _values(fd):
        text = f"Is Repatha medically necessary? {name} {v:g}"
        u = understand(text, runtime.catalog, runtime.dictionary, AS_OF)
        read = [f for f in u.findings if f.fact == fd.id]
        unused = [x for x in u.unused if x.fact == fd.id and "could be" in x.reason]
        fits = _plausible(fd, v)
        if len(fits) > 1:
            assert not read and unused, (text, read, u.unused)
        else:
            assert not unused, (text, unused)
        with_unit = f"Is Repatha medically necessary? {name} {v:g} {fd.unit}"
        got = [f for f in understand(with_unit, runtime.catalog, runtime.dictionary, AS_OF).findings if f.fact == fd.id]
        if fd.range[0] <= v <= fd.range[1]:
            assert got and float(got[0].value) == pytest.approx(v), (with_unit, got)
