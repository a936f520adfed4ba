"""LDL-C equations, percent LDL-C reduction, the DLCN score, statin intensity and the NLA
statin-intolerance definition.

Friedewald: LDL-C = TC − HDL-C − TG/5, invalid at TG ≥ 400 mg/dL (Martin 2013 methods).
NIH equation 2 (Sampson 2020): LDL-C = TC/0.948 − HDL-C/0.971 − (TG/8.56 + TG×non-HDL-C/2140
− TG²/16100) − 9.44, valid to TG 800 mg/dL. The expected values below are worked by hand from
those formulas (each row's comment shows the sum); 200/50/150 → 123.4 and 250/40/500 → 121.1
are also the values independent public implementations of the NIH equation print.

DLCN (Nordestgaard 2013, Table 1): every expected score is added by hand from the table in
``mednec.calculators.dlcn`` (highest item per group).

Statin intensity: the 2018 AHA/ACC Table 1 rows, one test per listed dose and the band edges.
"""

from __future__ import annotations

import pytest

from mednec.calculators.dlcn import DlcnItems, dlcn, dlcn_category, ldl_mmol_from_mg, ldl_points
from mednec.calculators.ldl import (
    LdlNotCalculable,
    estimate_ldl,
    friedewald,
    percent_reduction,
    sampson,
)
from mednec.calculators.statins import (
    StatinCourse,
    lowest_dose,
    nla_statin_intolerance,
    statin_intensity,
)

# --- LDL-C equations ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tc", "hdl", "tg", "ldl"),
    [
        (200, 50, 150, 120.0),   # 200 - 50 - 30
        (180, 60, 100, 100.0),   # 180 - 60 - 20
        (150, 35, 399, 35.2),    # 150 - 35 - 79.8: TG just below the limit
    ],
)
def test_friedewald(tc: float, hdl: float, tg: float, ldl: float) -> None:
    assert round(friedewald(tc, hdl, tg), 1) == ldl


@pytest.mark.parametrize("tg", [400, 450, 800])
def test_friedewald_refused_at_triglycerides_400_or_more(tg: float) -> None:
    with pytest.raises(LdlNotCalculable, match="not valid"):
        friedewald(150, 35, tg)


@pytest.mark.parametrize(
    ("tc", "hdl", "tg", "ldl"),
    [
        # 210.970 - 51.493 - (17.523 + 10.514 - 1.398) - 9.44 = 123.40
        (200, 50, 150, 123.4),
        # 263.713 - 41.195 - (58.411 + 49.065 - 15.528) - 9.44 = 121.13
        (250, 40, 500, 121.1),
        # non-HDL 120: 189.873 - 61.792 - (11.682 + 5.607 - 0.621) - 9.44 = 101.97
        (180, 60, 100, 102.0),
        # the facts' guard-rail vignette: TC 150, HDL 35, TG 450 (Friedewald refused)
        # 158.228 - 36.045 - (52.570 + 24.182 - 12.578) - 9.44 = 48.57
        (150, 35, 450, 48.6),
    ],
)
def test_sampson(tc: float, hdl: float, tg: float, ldl: float) -> None:
    assert round(sampson(tc, hdl, tg), 1) == ldl


def test_sampson_refused_above_800() -> None:
    with pytest.raises(LdlNotCalculable, match="800"):
        sampson(300, 40, 801)
    assert sampson(300, 40, 800) > 0


def test_estimate_names_the_method_and_why_friedewald_is_not_used() -> None:
    est = estimate_ldl(150, 35, 450)
    assert est.method == "sampson" and "Friedewald is not used" in est.detail


def test_hdl_above_total_cholesterol_is_refused() -> None:
    with pytest.raises(LdlNotCalculable):
        sampson(50, 60, 100)


@pytest.mark.parametrize(
    ("baseline", "current", "pct"),
    [(140, 72, 48.6), (100, 70, 30.0), (130, 124, 4.6), (90, 99, -10.0)],
)
def test_percent_reduction(baseline: float, current: float, pct: float) -> None:
    assert round(percent_reduction(baseline, current), 1) == pct


# --- DLCN --------------------------------------------------------------------------------

ALL_NO = DlcnItems(False, False, False, False, False, False, 3.0, False)


@pytest.mark.parametrize(
    ("mmol", "points"),
    [(3.99, 0), (4.0, 1), (4.9, 1), (4.96, 1), (5.0, 3), (6.4, 3), (6.49, 3), (6.5, 5), (8.4, 5),
     (8.45, 5), (8.5, 8), (9.2, 8)],
)
def test_dlcn_ldl_bands(mmol: float, points: int) -> None:
    assert ldl_points(mmol) == points


@pytest.mark.parametrize(
    ("mg_dl", "points"),
    [(154, 0), (155, 1), (190, 1), (193, 1), (194, 3), (250, 3), (252, 5), (325, 5), (329, 8)],
)
def test_dlcn_ldl_from_mg_dl_in_mmol(mg_dl: float, points: int) -> None:
    # scored in mmol/L (÷ 38.67): 193 mg/dL = 4.991 -> 1 point; 194 = 5.017 -> 3 points
    assert ldl_points(ldl_mmol_from_mg(mg_dl)) == points


@pytest.mark.parametrize(
    ("items", "score", "category"),
    [
        (ALL_NO, 0, "unlikely"),
        # tendon xanthoma 6 + LDL 6.7 mmol/L 5 = 11
        (ALL_NO._replace(tendon_xanthoma=True, untreated_ldl_mmol=6.7), 11, "definite"),
        # xanthoma and arcus in one group: only 6 counts; + LDL 5.2 (3) = 9
        (ALL_NO._replace(tendon_xanthoma=True, arcus_before_45=True, untreated_ldl_mmol=5.2), 9, "definite"),
        # relative with premature CHD 1 + own premature CHD 2 + LDL 6.6 (5) = 8
        (ALL_NO._replace(relative_premature_cvd_or_high_ldl=True, premature_chd=True, untreated_ldl_mmol=6.6),
         8, "probable"),
        # family 2 (child with high LDL) and 1 in one group: 2; + LDL 5.5 (3) + own cerebral 1 = 6
        (ALL_NO._replace(relative_premature_cvd_or_high_ldl=True, relative_xanthoma_or_child_high_ldl=True,
                         premature_cerebral_or_peripheral_vd=True, untreated_ldl_mmol=5.5), 6, "probable"),
        # LDLR variant 8 alone
        (ALL_NO._replace(causative_variant=True), 8, "probable"),
        # LDL 5.0 (3) + relative 1 + arcus 4 = 8
        (ALL_NO._replace(relative_premature_cvd_or_high_ldl=True, arcus_before_45=True, untreated_ldl_mmol=5.0),
         8, "probable"),
        # LDL 4.5 (1) + relative 1 + own premature CHD 2 = 4
        (ALL_NO._replace(relative_premature_cvd_or_high_ldl=True, premature_chd=True, untreated_ldl_mmol=4.5),
         4, "possible"),
    ],
)
def test_dlcn_scores(items: DlcnItems, score: int, category: str) -> None:
    s = dlcn(items)
    assert s.complete and s.minimum == score and dlcn_category(score) == category


def test_dlcn_bounds_with_undocumented_items() -> None:
    # only LDL 6.6 mmol/L (5) documented: at least 5, at most 5 + 2 + 2 + 6 + 8 = 23
    s = dlcn(DlcnItems(untreated_ldl_mmol=6.6))
    assert (s.minimum, s.maximum) == (5, 23) and not s.complete
    # nothing documented: LDL unknown counts 0..8
    assert dlcn(DlcnItems()) == (0, 26)


@pytest.mark.parametrize(("score", "category"), [(2, "unlikely"), (3, "possible"), (5, "possible"),
                                                 (6, "probable"), (8, "probable"), (9, "definite")])
def test_dlcn_categories(score: int, category: str) -> None:
    assert dlcn_category(score) == category


# --- statin intensity ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("drug", "dose", "intensity"),
    [
        ("atorvastatin", 40, "high"), ("atorvastatin", 80, "high"),
        ("atorvastatin", 10, "moderate"), ("atorvastatin", 20, "moderate"),
        ("rosuvastatin", 20, "high"), ("rosuvastatin", 40, "high"),
        ("rosuvastatin", 5, "moderate"), ("rosuvastatin", 10, "moderate"), ("rosuvastatin", 15, "moderate"),
        ("simvastatin", 20, "moderate"), ("simvastatin", 40, "moderate"), ("simvastatin", 10, "low"),
        ("simvastatin", 80, "moderate"),  # not recommended by the FDA; never high
        ("pravastatin", 40, "moderate"), ("pravastatin", 80, "moderate"),
        ("pravastatin", 10, "low"), ("pravastatin", 20, "low"),
        ("lovastatin", 40, "moderate"), ("lovastatin", 80, "moderate"), ("lovastatin", 20, "low"),
        ("fluvastatin", 80, "moderate"), ("fluvastatin", 20, "low"), ("fluvastatin", 40, "low"),
        ("pitavastatin", 1, "moderate"), ("pitavastatin", 4, "moderate"),
        ("ezetimibe/simvastatin", 40, "moderate"), ("amlodipine/atorvastatin", 80, "high"),
        ("Atorvastatin calcium", 40, "high"),
        ("atorvastatin", 5, None), ("ezetimibe", 10, None), ("metformin", 1000, None),
    ],
)
def test_statin_intensity(drug: str, dose: float, intensity: str | None) -> None:
    assert statin_intensity(drug, dose) == intensity


# --- NLA statin intolerance -------------------------------------------------------------


def c(drug: str, dose: float | None, intolerant: bool = True, ongoing: bool = False) -> StatinCourse:
    return StatinCourse(drug, dose, intolerant, ongoing)


@pytest.mark.parametrize(
    ("courses", "status"),
    [
        # the facts' vignette 5: atorvastatin 10 and rosuvastatin 5, both stopped -> complete
        ([c("atorvastatin", 10), c("rosuvastatin", 5)], "complete"),
        # vignette 6: simvastatin 20 only -> one statin is not enough
        ([c("simvastatin", 20)], "not_established"),
        # two statins, neither at its lowest dose
        ([c("atorvastatin", 40), c("rosuvastatin", 20)], "not_established"),
        # two statins, one at its lowest dose, pravastatin 10 tolerated now -> partial
        ([c("atorvastatin", 80), c("simvastatin", 10), c("pravastatin", 10, intolerant=False, ongoing=True)],
         "partial"),
        # the same statin twice counts once
        ([c("atorvastatin", 10), c("atorvastatin", 40)], "not_established"),
        # a course stopped for another reason does not count
        ([c("atorvastatin", 10), c("rosuvastatin", 5, intolerant=False)], "not_established"),
        # the dose not documented: cannot be the lowest-dose attempt
        ([c("atorvastatin", None), c("rosuvastatin", None)], "not_established"),
        ([c("atorvastatin", None), c("rosuvastatin", 5)], "complete"),
    ],
)
def test_nla_intolerance(courses: list[StatinCourse], status: str) -> None:
    assert nla_statin_intolerance(courses).status == status


def test_lowest_doses() -> None:
    assert [lowest_dose(s) for s in ("atorvastatin", "rosuvastatin", "simvastatin", "pitavastatin")] == [
        10, 5, 10, 1]
