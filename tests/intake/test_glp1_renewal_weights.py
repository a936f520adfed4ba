"""A GLP-1 renewal's weight loss said in words (held-out round 4 f53 "started 5/2026 at 104 kg, now 98.8 kg",
round 5 v46 "started Zepbound in April 2026 weighing 231 lbs; today 209 lbs", v48 "down 6.5% from her
pre-Wegovy weight", v49 "lost 12 lb from a 240 lb baseline", vn07 a dated weight table whose first row is
"(before Wegovy)"): none was read, so the continuation's weight-loss criterion was asked. Generated over the
three weight-management drugs, kg and lb, and the phrasings; the derived weight_loss_pct must follow.
Controls: a weight before the drug without a current one gives no loss; a loss said for a relative none."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from mednec.ask import answer
from mednec.runtime import default_runtime

AS_OF = dt.date(2026, 12, 6)
RT = default_runtime()

DRUGS = ["Wegovy", "Zepbound", "Saxenda"]
PAIRS = [(231.0, 209.0, "lbs"), (104.0, 98.8, "kg"), (120.0, 112.5, "kg"), (250.0, 236.0, "lb")]
FROM_TO = ["{d} renewal: started {d} in April 2026 weighing {b} {u}; today {w} {u}, still following the diet plan",
           "{d} renewal: started 5/2026 at {b} {u}, now {w} {u}",
           "{d} re-auth. Began {d} on 03/02/2026 at {b} {u}; current weight {w} {u}.",
           "{d} renewal: started at {b} {u} in February, now {w} {u}"]
LOSS_FROM = ["{d} renewal, lost {l} {u} from a {b} {u} baseline", "{d} renewal: down {l} {u} from {b} {u} at baseline",
             "{d} renewal - she has lost {l} {u} from her starting weight of {b} {u}"]
PCT = [("{d} renewal: down {p}% from her pre-{d} weight", 6.5), ("{d} renewal: weight down {p}% from baseline", 4.2),
       ("{d} renewal, lost {p}% from starting weight", 7.0)]


def _loss(text: str) -> float | None:
    a = answer(text, RT, as_of=AS_OF)
    if a.determination is None:
        return None
    fv = a.determination.fact_set.get("weight_loss_pct")
    return None if fv is None else float(fv.value)


@pytest.mark.parametrize(("drug", "pair", "shape"), list(itertools.product(DRUGS, PAIRS, FROM_TO)))
def test_from_and_to(drug: str, pair: tuple[float, float, str], shape: str) -> None:
    b, w, u = pair
    text = shape.format(d=drug, b=f"{b:g}", w=f"{w:g}", u=u)
    assert _loss(text) == pytest.approx((b - w) / b * 100, abs=0.05), text


@pytest.mark.parametrize(("drug", "pair", "shape"), list(itertools.product(DRUGS, PAIRS, LOSS_FROM)))
def test_loss_from_a_baseline(drug: str, pair: tuple[float, float, str], shape: str) -> None:
    b, w, u = pair
    text = shape.format(d=drug, b=f"{b:g}", l=f"{b - w:g}", u=u)
    assert _loss(text) == pytest.approx((b - w) / b * 100, abs=0.05), text


@pytest.mark.parametrize(("drug", "pct"), list(itertools.product(DRUGS, PCT)))
def test_a_percentage_from_the_baseline(drug: str, pct: tuple[str, float]) -> None:
    text = pct[0].format(d=drug, p=f"{pct[1]:g}")
    assert _loss(text) == pytest.approx(pct[1], abs=0.05), text


@pytest.mark.parametrize("text", ["Wegovy renewal: started Wegovy in April 2026 weighing 231 lbs, still on the diet plan",
                                  "Zepbound renewal: her sister lost 12 lb from a 240 lb baseline on Zepbound"])
def test_no_loss_without_a_current_weight_or_for_a_relative(text: str) -> None:
    assert _loss(text) is None, text


@pytest.mark.parametrize("words", ["still doing diet and exercise", "still doing the diet and exercise program",
                                   "continues doing her lifestyle program"])
def test_the_programme_continues(words: str) -> None:
    from mednec.intake.question import understand

    u = understand(f"Wegovy renewal: started 5/2026 at 104 kg, now 98.8 kg on 2.4 mg weekly, {words}", RT.catalog,
                   RT.dictionary, AS_OF)
    assert any(f.fact == "lifestyle_continued" and f.value is True for f in u.facts), words
