"""RBC transfusion burden from dated transfusions (IWG 2018).

Platzbecker U, Fenaux P, Adès L, et al. Proposals for revised IWG 2018 hematological
response criteria in patients with MDS included in clinical trials. Blood
2019;133(10):1020-1030. PMID 30404811. Table 2, baseline = the 16 weeks before treatment:

* NTD (non-transfusion-dependent): 0 RBC units in 16 weeks;
* LTB (low transfusion burden): 3-7 units in 16 weeks, in at least 2 transfusion episodes,
  at most 3 units in 8 weeks;
* HTB (high transfusion burden): at least 8 units in 16 weeks, at least 4 in 8 weeks.

An episode is a day with one or more transfusions. Read with "at most 3 units in any 8-week
window", 7 units in 16 weeks can never be LTB (two 8-week windows cover the 16 weeks, so one
holds at least 4); such patients are ``unclassified``.

Patients transfused but outside those bands (1-2 units in 16 weeks, or 3-7 units in a
single episode or with 4 or more in one 8-week window) are ``unclassified``.

Windows end on the evaluation date and include it: "the last 8 weeks" is the 56 days
ending on ``as_of``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import NamedTuple

__all__ = ["EIGHT_WEEKS", "SIXTEEN_WEEKS", "TRANSFUSION_CITATION", "Transfusion", "TransfusionBurden", "transfusion_burden",
           "units_between"]

TRANSFUSION_CITATION = "iwg-2018"
WEEK = dt.timedelta(days=7)
#: the windows, made once (a timedelta product costs as much as the comparison it serves)
EIGHT_WEEKS = 8 * WEEK
SIXTEEN_WEEKS = 16 * WEEK


class Transfusion(NamedTuple):
    """One RBC transfusion episode."""

    date: dt.date
    units: float


class TransfusionBurden(NamedTuple):
    """Units and episodes in the 8- and 16-week windows, and the IWG 2018 category."""

    units_8w: float
    units_16w: float
    episodes_16w: int
    max_units_any_8w: float
    category: str


def units_between(transfusions: Sequence[Transfusion], start: dt.date, end: dt.date) -> float:
    """Units transfused on days ``start < date <= end``."""
    return float(sum(t.units for t in transfusions if start < t.date <= end))


def _max_units_any_8w(in_window: Sequence[Transfusion]) -> float:
    best = 0.0
    for anchor in in_window:
        start, end = anchor.date, anchor.date + EIGHT_WEEKS
        total = sum(t.units for t in in_window if start <= t.date < end)
        best = max(best, total)
    return float(best)


def transfusion_burden(transfusions: Sequence[Transfusion], as_of: dt.date) -> TransfusionBurden:
    """Count units and episodes before ``as_of`` and classify by IWG 2018.

    Example: 2 units on 2026-09-01 and 2 units on 2026-10-01, as of 2026-10-15 -> 4 units in
    8 weeks, 4 in 16 weeks, 2 episodes: ``unclassified`` (3-7 units but 4 within 8 weeks).
    """
    start16 = as_of - SIXTEEN_WEEKS
    window = [t for t in transfusions if start16 < t.date <= as_of]
    units16 = float(sum(t.units for t in window))
    units8 = units_between(window, as_of - EIGHT_WEEKS, as_of)
    episodes = len({t.date for t in window})  # transfusions on the same day are one episode
    peak8 = _max_units_any_8w(window)
    if units16 == 0:
        category = "ntd"
    elif units16 >= 8 and peak8 >= 4:
        category = "htb"
    elif 3 <= units16 <= 7 and episodes >= 2 and peak8 <= 3:
        category = "ltb"
    else:
        category = "unclassified"
    return TransfusionBurden(units8, units16, episodes, peak8, category)
