"""IPSS-R from incomplete components (issue 13 item 5): the interval holds every possible score.

Generated: every combination of component values at and around the Greenberg 2012 cut points,
with every subset of the blood counts (hemoglobin, platelets, ANC) left out; the bounds must
contain the true score of every completion, be reached by some completion, and the categories
must be exactly those of the completions.
"""

from __future__ import annotations

import itertools

import pytest

from mednec.calculators.ipss_r import CYTOGENETIC_POINTS, ipss_r, ipss_r_bounds, ipss_r_category

BLASTS = (0.0, 2.0, 3.0, 5.0, 10.0, 12.0)
HB = (7.9, 8.0, 9.9, 10.0)
PLT = (49.0, 50.0, 99.0, 100.0)
ANC = (0.7, 0.8)


@pytest.mark.parametrize("missing", [m for r in (1, 2, 3) for m in itertools.combinations(("hb", "plt", "anc"), r)])
def test_bounds_contain_every_completion(missing: tuple[str, ...]) -> None:
    for cyto, blasts, hb, plt, anc in itertools.product(CYTOGENETIC_POINTS, BLASTS, HB, PLT, ANC):
        given = {"hb": hb, "plt": plt, "anc": anc}
        b = ipss_r_bounds(cyto, blasts, *(None if k in missing else given[k] for k in ("hb", "plt", "anc")))
        completions = [
            ipss_r(cyto, blasts, h, p, a)
            for h in (HB if "hb" in missing else (hb,))
            for p in (PLT if "plt" in missing else (plt,))
            for a in (ANC if "anc" in missing else (anc,))
        ]
        scores = [c.score for c in completions]
        assert b.low == min(scores) and b.high == max(scores)
        assert set(b.categories) == {ipss_r_category(s) for s in (b.low, b.high)} | {c.category for c in completions}


def test_the_published_example_is_decided_without_platelets() -> None:
    b = ipss_r_bounds("good", 3, 8.1, None, 1.5)
    assert (b.low, b.high, b.missing) == (3.0, 4.0, ("platelets",))
    assert set(b.categories) <= {"very_low", "low", "intermediate"}  # lower risk whatever the count
