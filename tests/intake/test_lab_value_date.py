"""A lab value's own date said right after it is the value's date (held-out round 3, r56: "LDL 130 drawn
03/10/2026" was read as undated, so current -- a confident "meets" on an LDL-C 271 days old, where the
policies require one at most 120 days old). Table-driven: date shapes x the words that attach a date to a
value; a date that begins another statement, or one about a drug course, is not the value's."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from mednec.ask import answer
from mednec.intake.question import understand
from mednec.runtime import Runtime

AS_OF = dt.date(2026, 12, 6)
DATES = [("03/10/2026", dt.date(2026, 3, 10)), ("3/10/2026", dt.date(2026, 3, 10)), ("2026-03-10", dt.date(2026, 3, 10)),
         ("March 10, 2026", dt.date(2026, 3, 10)), ("10 Mar 2026", dt.date(2026, 3, 10)), ("March 2026", dt.date(2026, 3, 1)),
         ("03/2026", dt.date(2026, 3, 1))]
ATTACH = ["LDL 130 drawn {d}", "LDL 130 mg/dL drawn on {d}", "LDL-C 130 ({d})", "LDL 130 on {d}", "LDL-C 130 mg/dL checked in {d}",
          "LDL 130 measured {d}", "LDL-C 130 mg/dL, drawn {d}", "LDL 130 mg/dL (collected {d})", "LDL 130 from {d}"]


def _ldl(text: str, runtime: Runtime) -> tuple[float | None, dt.date | None]:
    u = understand(text, runtime.catalog, runtime.dictionary, AS_OF)
    f = next((f for f in u.facts if f.fact == "ldl_c"), None)
    return (None, None) if f is None else (f.value, f.date)


@pytest.mark.parametrize(("attach", "date"), list(itertools.product(ATTACH, DATES)))
def test_value_date_after_the_value(runtime: Runtime, attach: str, date: tuple[str, dt.date]) -> None:
    text = f"Repatha for CAD s/p PCI, {attach.format(d=date[0])}, atorvastatin 80 mg for 2 years"
    assert _ldl(text, runtime) == (130.0, date[1])


@pytest.mark.parametrize("text", [
    "Repatha, CAD, LDL 130 on atorvastatin 80 since 03/2026",
    "Repatha, CAD, LDL 130 mg/dL, 03/10/2026 started rosuvastatin 20",
    "Repatha, CAD, LDL 130 on rosuvastatin from 03/10/2026 to 05/01/2026",
    "Repatha, CAD, LDL 130 in 12/2027",  # a future date is no lab date
])
def test_a_date_that_is_not_the_values(runtime: Runtime, text: str) -> None:
    assert _ldl(text, runtime) == (130.0, None)


@pytest.mark.parametrize("attach", ATTACH)
def test_stale_ldl_is_not_current(runtime: Runtime, attach: str) -> None:
    """The policies' LDL-C must be at most 120 days old: 271 days is not met (before: 'meets')."""
    text = f"Repatha for CAD s/p PCI, {attach.format(d='03/10/2026')}, atorvastatin 80 mg for 2 years"
    a = answer(text, runtime, as_of=AS_OF)
    assert a.determination is not None and a.determination.determination == "does_not_meet_criteria"
    recent = f"Repatha for CAD s/p PCI, {attach.format(d='11/10/2026')}, atorvastatin 80 mg for 2 years"
    b = answer(recent, runtime, as_of=AS_OF)
    assert b.determination is not None and b.determination.determination == "meets_criteria"
