"""RBC transfusion burden, IWG 2018.

Platzbecker U, et al. Blood 2019;133(10):1020-1030, Table 2 (baseline = the 16 weeks before
treatment), as transcribed in /work/shared/clinical/mds-anemia-facts.md section 7:

* NTD: 0 RBC units in 16 weeks;
* LTB: 3-7 units in 16 weeks, in at least 2 episodes, at most 3 units in 8 weeks;
* HTB: at least 8 units in 16 weeks, at least 4 units in 8 weeks;
* anything else transfused is ``unclassified``.

Windows (module docstring): they end on ``as_of`` and include it, ``start < date <= end``;
"the last 8 weeks" is the 56 days ending on ``as_of`` (as_of-55 .. as_of) and "the last 16
weeks" the 112 days ending on it (as_of-111 .. as_of). "At most 3 in 8 weeks" is read as any
8-week (56-day) window within the 16 weeks.

Transfusions are placed by "days before as_of" so each expectation can be checked by eye.
"""

from __future__ import annotations

import datetime as dt

import pytest

from mednec.calculators.transfusion_burden import (
    Transfusion,
    transfusion_burden,
    units_between,
)

AS_OF = dt.date(2026, 11, 20)


def before(days: int, units: float = 1) -> Transfusion:
    """A transfusion of ``units`` given ``days`` days before AS_OF."""
    return Transfusion(AS_OF - dt.timedelta(days=days), units)


# Row: (transfusions, units_8w, units_16w, episodes_16w, max_units_any_8w, category)
CATEGORY_ROWS = [
    # --- NTD: no units in the 16 weeks ---------------------------------------------------
    pytest.param([], 0, 0, 0, 0, "ntd", id="ntd-no-transfusions"),
    pytest.param([before(112, 2), before(200, 4)], 0, 0, 0, 0, "ntd",
                 id="ntd-only-older-than-16-weeks"),
    # --- LTB: 3-7 units / 16 wk, >=2 episodes, <=3 in any 8 wk ----------------------------
    # 1 unit 100 days ago + 2 units 10 days ago: 3 units, 2 episodes; the two are 90 days
    # apart, so no 8-week window holds more than 2.
    pytest.param([before(100, 1), before(10, 2)], 2, 3, 2, 2, "ltb", id="ltb-3-units"),
    # 3 episodes of 1 unit, 40 days apart: any 56-day window holds 2.
    pytest.param([before(90), before(50), before(10)], 2, 3, 3, 2, "ltb",
                 id="ltb-3-single-units"),
    # 3 units 111 days ago + 3 units 55 days ago: 56 days apart, so in separate 8-week
    # windows (3 each); 6 units in 2 episodes.
    pytest.param([before(111, 3), before(55, 3)], 3, 6, 2, 3, "ltb", id="ltb-6-units-3-per-8wk"),
    # 2 + 2 units exactly 56 days apart: separate 8-week windows -> at most 2 per 8 weeks.
    pytest.param([before(100, 2), before(44, 2)], 2, 4, 2, 2, "ltb", id="ltb-4-units-56-days-apart"),
    # --- HTB: >=8 units / 16 wk, >=4 in 8 wk ----------------------------------------------
    # 4 units 100 days ago + 4 units 20 days ago: 8 units, 4 in an 8-week window.
    pytest.param([before(100, 4), before(20, 4)], 4, 8, 2, 4, "htb", id="htb-8-units"),
    # 2 units every 14 days, 8 times (0, 14, ..., 98 days ago): 16 units in 16 weeks; the
    # last 8 weeks (days 0-55) hold days 0, 14, 28, 42 -> 8 units; a 56-day window holds
    # 4 episodes -> 8 units.
    pytest.param([before(d, 2) for d in range(0, 112, 14)], 8, 16, 8, 8, "htb",
                 id="htb-2-units-fortnightly"),
    # --- unclassified ---------------------------------------------------------------------
    # 1-2 units in 16 weeks
    pytest.param([before(30, 1)], 1, 1, 1, 1, "unclassified", id="unclassified-1-unit"),
    pytest.param([before(90, 1), before(30, 1)], 1, 2, 2, 1, "unclassified",
                 id="unclassified-2-units"),
    # 3 units but in a single episode (LTB needs >=2 episodes)
    pytest.param([before(30, 3)], 3, 3, 1, 3, "unclassified", id="unclassified-3-units-1-episode"),
    # 4 units in 2 episodes within 8 weeks (as in the module docstring example, tested with
    # its dates below): 2 units 50 and 20 days ago -> 4 in 8 weeks, more than 3.
    pytest.param([before(50, 2), before(20, 2)], 4, 4, 2, 4, "unclassified",
                 id="unclassified-4-units-within-8wk"),
    # 2 + 2 units 55 days apart: the same 8-week window holds 4.
    pytest.param([before(100, 2), before(45, 2)], 2, 4, 2, 4, "unclassified",
                 id="unclassified-4-units-55-days-apart"),
    # 7 units: 3-7 but some 8-week window has >=4 (it always does: two 56-day windows cover
    # the 112 days, so 7 units put >=4 in one) -> neither LTB nor HTB.
    pytest.param([before(111, 3), before(55, 3), before(1, 1)], 4, 7, 3, 4, "unclassified",
                 id="unclassified-7-units"),
    # >=8 units would be HTB only with >=4 in 8 weeks, which 8 units always give; 7.5 units
    # (fractional units) is neither band.
    pytest.param([before(100, 3.5), before(20, 4)], 4, 7.5, 2, 4, "unclassified",
                 id="unclassified-7.5-units"),
]


@pytest.mark.parametrize(
    ("transfusions", "units_8w", "units_16w", "episodes", "peak_8w", "category"), CATEGORY_ROWS
)
def test_categories_and_counts(
    transfusions: list[Transfusion],
    units_8w: float,
    units_16w: float,
    episodes: int,
    peak_8w: float,
    category: str,
) -> None:
    b = transfusion_burden(transfusions, AS_OF)
    assert b.category == category
    assert b.units_8w == units_8w
    assert b.units_16w == units_16w
    assert b.episodes_16w == episodes
    assert b.max_units_any_8w == peak_8w


def test_docstring_example() -> None:
    # 2 units on 2026-09-01 and 2 units on 2026-10-01, as of 2026-10-15:
    # 44 and 14 days before -> 4 units in 8 weeks and in 16 weeks, 2 episodes, unclassified.
    b = transfusion_burden(
        [Transfusion(dt.date(2026, 9, 1), 2), Transfusion(dt.date(2026, 10, 1), 2)],
        dt.date(2026, 10, 15),
    )
    assert (b.units_8w, b.units_16w, b.episodes_16w, b.category) == (4, 4, 2, "unclassified")


def test_order_of_input_does_not_matter() -> None:
    rows = [before(100, 1), before(10, 2), before(50, 1)]
    assert transfusion_burden(rows, AS_OF) == transfusion_burden(list(reversed(rows)), AS_OF)


# --- window edges: start < date <= end ---------------------------------------------------
# 16-week window: (as_of - 112 days, as_of]
@pytest.mark.parametrize(
    ("days_before", "in_16w"),
    [
        (113, False),
        (112, False),  # exactly 16 weeks before: outside (start is exclusive)
        (111, True),   # the first day inside
        (56, True),
        (0, True),     # as_of itself is inside (end is inclusive)
    ],
)
def test_16_week_window_edges(days_before: int, in_16w: bool) -> None:
    b = transfusion_burden([before(days_before, 2)], AS_OF)
    assert b.units_16w == (2 if in_16w else 0)
    assert b.episodes_16w == (1 if in_16w else 0)
    assert b.category == ("unclassified" if in_16w else "ntd")


# 8-week window: (as_of - 56 days, as_of]
@pytest.mark.parametrize(
    ("days_before", "in_8w"),
    [
        (57, False),
        (56, False),  # exactly 8 weeks before: outside
        (55, True),   # the first day inside
        (0, True),    # as_of itself is inside
    ],
)
def test_8_week_window_edges(days_before: int, in_8w: bool) -> None:
    b = transfusion_burden([before(days_before, 2)], AS_OF)
    assert b.units_8w == (2 if in_8w else 0)
    assert b.units_16w == 2  # always within 16 weeks


def test_transfusions_after_as_of_are_ignored() -> None:
    b = transfusion_burden([Transfusion(AS_OF + dt.timedelta(days=1), 3)], AS_OF)
    assert (b.units_8w, b.units_16w, b.episodes_16w, b.category) == (0, 0, 0, "ntd")


def test_same_day_entries_add_up() -> None:
    # units add up; how many *episodes* two same-day entries make is deliberately not pinned
    b = transfusion_burden([before(20, 1), before(20, 2)], AS_OF)
    assert b.units_16w == 3
    assert b.units_8w == 3
    assert b.max_units_any_8w == 3


# --- units_between ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        # transfusions on 10-01 (1 unit), 10-15 (2 units), 11-01 (4 units)
        (dt.date(2026, 9, 30), dt.date(2026, 11, 1), 7.0),
        (dt.date(2026, 10, 1), dt.date(2026, 11, 1), 6.0),   # start is exclusive
        (dt.date(2026, 9, 30), dt.date(2026, 10, 31), 3.0),  # end is inclusive: 11-01 is out
        (dt.date(2026, 10, 14), dt.date(2026, 10, 15), 2.0),
        (dt.date(2026, 10, 15), dt.date(2026, 10, 15), 0.0),  # empty interval
        (dt.date(2026, 11, 2), dt.date(2026, 12, 1), 0.0),
    ],
)
def test_units_between(start: dt.date, end: dt.date, expected: float) -> None:
    tx = [
        Transfusion(dt.date(2026, 10, 1), 1),
        Transfusion(dt.date(2026, 10, 15), 2),
        Transfusion(dt.date(2026, 11, 1), 4),
    ]
    result = units_between(tx, start, end)
    assert result == expected
    assert isinstance(result, float)
