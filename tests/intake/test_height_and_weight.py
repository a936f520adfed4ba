"""A body weight said bare beside a height is the weight (held-out round 4 f33 "5'6\" and 186 lbs",
round 5 v27 "5 ft 10 in, 224 lb", v29 "5'2\", 146 lbs"): the height was read, the mass beside it was
not, so the BMI stayed unknown and the answer asked. Generated: heights in feet and inches, metres and
centimetres, masses in lb/lbs/pounds/kg, either order, joined by a comma, "and", "/", a space or
"weighs"; the BMI the policy computes must follow. Controls: a weight change beside a height ("5'6\",
lost 40 lb"), an implausible mass (a loss of "12 lb") and a relative's measurements stay unread."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from mednec.intake.question import understand
from mednec.runtime import default_runtime

AS_OF = dt.date(2026, 12, 6)
RT = default_runtime()

HEIGHTS = [("5'6\"", 167.6), ("5 ft 10 in", 177.8), ("5' 2\"", 157.5), ("6 ft 1 in", 185.4), ("1.65 m", 165.0),
           ("172 cm", 172.0)]
WEIGHTS = [("186 lbs", 84.37), ("224 lb", 101.6), ("210 pounds", 95.25), ("92 kg", 92.0), ("101.5 kg", 101.5)]
JOINS = [", ", " and ", " / ", " ", ", weighs "]
CASES = [(h, w, j, order) for (h, w, j, order) in itertools.product(HEIGHTS, WEIGHTS, JOINS, ("hw", "wh"))
         if not (order == "wh" and "weighs" in j)]


def _read(text: str) -> dict[str, float]:
    u = understand(text, RT.catalog, RT.dictionary, AS_OF)
    return {f.fact: RT.parse_case(u.case, as_of=AS_OF).facts[f.fact].value for f in u.facts if f.fact in ("weight", "height")}


@pytest.mark.parametrize(("height", "weight", "join", "order"), CASES)
def test_a_bare_weight_beside_a_height(height: tuple[str, float], weight: tuple[str, float], join: str, order: str) -> None:
    pair = f"{height[0]}{join}{weight[0]}" if order == "hw" else f"{weight[0]}{join}{height[0]}"
    got = _read(f"Wegovy for 41 y/o F, {pair}, HTN, 4 months of a supervised diet program")
    assert got.get("height") == pytest.approx(height[1], abs=0.2), (pair, got)
    assert got.get("weight") == pytest.approx(weight[1], abs=0.05), (pair, got)


@pytest.mark.parametrize("text", [
    "Wegovy renewal: 5'6\", lost 40 lb on 2.4 mg weekly",
    "Wegovy renewal: 5'6\", 12 lb down since starting",
    "Zepbound: 5 ft 10 in, weight loss 22 lb so far",
    "Wegovy for 41 y/o F; her mother is 5'4\" and 250 lbs",
])
def test_a_weight_change_or_a_relatives_weight_is_not_the_weight(text: str) -> None:
    assert "weight" not in _read(text), text
