"""Family tests (held-out round 4, f37 and f47: two confident "meets").

- The share of central events: "AHI 30 but predominantly central (60% central events)" was not read, so Zepbound's
  sleep-apnea pathway presumed obstructive apnea. "N% central events" / "central events N%" gives
  ``central_apnea_predominant`` (50% or more, the policy's definition), "predominantly / mostly central" gives it
  true.
- A stated combination of two GLP-1 / GIP agonists: "Mounjaro to be added on top of Trulicity 4.5 mg weekly" was
  answered "meets" (Trulicity was not even in the treatment history). "added (on top of | to) X", "in addition
  to X", "in combination with X", "together with X" for a GLP-1 / GIP agonist X gives ``concurrent_glp1`` true
  (the class limitation: not met); the same words with a drug outside the class say nothing."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from mednec.intake.question import understand
from mednec.runtime import Runtime

AS_OF = dt.date(2026, 12, 6)


def _facts(text: str, runtime: Runtime) -> dict[str, object]:
    u = understand(text, runtime.catalog, runtime.dictionary, AS_OF)
    return {f.fact: f.value for f in u.facts}


SHARES = ["{p}% central events", "{p}% central apneas", "central events {p}%", "central apneas: {p}%", "{p}% of events were central"]


@pytest.mark.parametrize(("form", "p"), itertools.product(SHARES, (10, 49, 50, 60, 85)))
def test_the_central_share_decides(runtime: Runtime, form: str, p: int) -> None:
    f = _facts(f"Zepbound for OSA: PSG AHI 30, {form.format(p=p)}, BMI 33", runtime)
    assert f.get("central_apnea_predominant") is (p >= 50)


@pytest.mark.parametrize("words", ["predominantly central", "mostly central apneas", "primarily central events"])
def test_predominantly_central(runtime: Runtime, words: str) -> None:
    assert _facts(f"Zepbound for sleep apnea, AHI 28, {words}, BMI 34", runtime).get("central_apnea_predominant") is True


ADDED = ["to be added on top of {x}", "adding it to {x}", "added to her {x}", "in addition to {x}", "in combination with {x}",
         "together with his current {x}", "along with {x}"]
REQ = [("Mounjaro", ["Trulicity", "Ozempic", "Victoza", "dulaglutide"]), ("Ozempic", ["Trulicity", "Mounjaro"]),
       ("Zepbound", ["Wegovy", "Saxenda"]), ("Wegovy", ["Zepbound", "Trulicity"])]


@pytest.mark.parametrize(("drug", "other", "form"), [(d, o, f) for (d, os), f in itertools.product(REQ, ADDED) for o in os])
def test_a_stated_combination_is_concurrent(runtime: Runtime, drug: str, other: str, form: str) -> None:
    f = _facts(f"{drug} {form.format(x=other + ' weekly')}; T2DM on metformin, BMI 34, 6 months of diet", runtime)
    assert f.get("concurrent_glp1") is True


@pytest.mark.parametrize("text", ["Ozempic to be added to metformin, T2DM", "Wegovy in addition to diet and exercise, BMI 34",
                                  "Mounjaro in combination with glipizide, T2DM", "Zepbound together with a lifestyle program"])
def test_other_drugs_are_no_combination(runtime: Runtime, text: str) -> None:
    assert "concurrent_glp1" not in _facts(text, runtime)
