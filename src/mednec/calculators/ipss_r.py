"""IPSS-R: the Revised International Prognostic Scoring System for MDS.

Greenberg PL, Tuechler H, Schanz J, et al. Revised International Prognostic Scoring
System for Myelodysplastic Syndromes. Blood 2012;120(12):2454-2465. PMID 22740453.

Points (Greenberg 2012, Table 3):

=================  ==========  =====  ========  =====  ====  ====  =========
variable           0           0.5    1         1.5    2     3     4
=================  ==========  =====  ========  =====  ====  ====  =========
cytogenetics       very good   -      good      -      int.  poor  very poor
marrow blasts %    <=2         -      >2 - <5   -      5-10  >10   -
hemoglobin g/dL    >=10        -      8 - <10   <8     -     -     -
platelets 10^9/L   >=100       50-<100 <50      -      -     -     -
ANC 10^9/L         >=0.8       <0.8   -         -      -     -     -
=================  ==========  =====  ========  =====  ====  ====  =========

Risk groups: very low <=1.5; low >1.5-3; intermediate >3-4.5; high >4.5-6; very high >6.

Non-integer blast percentages are scored on the published bounds as written
(>2 and <5 -> 1; 5 to 10 inclusive -> 2). This differs from one public implementation
that bins (4.99, 5) as 2; a marrow report gives blasts to one decimal at most, so the
difference only matters between 4.99 and 5.
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["CYTOGENETIC_POINTS", "IPSS_R_CITATION", "IpssR", "ipss_r", "ipss_r_category"]

IPSS_R_CITATION = "greenberg-2012"

CYTOGENETIC_POINTS: dict[str, float] = {
    "very_good": 0.0,
    "good": 1.0,
    "intermediate": 2.0,
    "poor": 3.0,
    "very_poor": 4.0,
}


class IpssR(NamedTuple):
    """An IPSS-R result: total score, risk category and the points of each component."""

    score: float
    category: str
    cytogenetics_points: float
    blasts_points: float
    hemoglobin_points: float
    platelets_points: float
    anc_points: float


def _blasts_points(blasts_pct: float) -> float:
    if blasts_pct <= 2:
        return 0.0
    if blasts_pct < 5:
        return 1.0
    if blasts_pct <= 10:
        return 2.0
    return 3.0


def _hemoglobin_points(hb_g_dl: float) -> float:
    if hb_g_dl >= 10:
        return 0.0
    if hb_g_dl >= 8:
        return 1.0
    return 1.5


def _platelet_points(plt: float) -> float:
    if plt >= 100:
        return 0.0
    if plt >= 50:
        return 0.5
    return 1.0


def _anc_points(anc: float) -> float:
    return 0.0 if anc >= 0.8 else 0.5


def ipss_r_category(score: float) -> str:
    """The IPSS-R risk category of a total score."""
    if score <= 1.5:
        return "very_low"
    if score <= 3:
        return "low"
    if score <= 4.5:
        return "intermediate"
    if score <= 6:
        return "high"
    return "very_high"


def ipss_r(
    cytogenetic_risk: str,
    marrow_blasts_pct: float,
    hemoglobin_g_dl: float,
    platelets_10e9_l: float,
    anc_10e9_l: float,
) -> IpssR:
    """Compute the IPSS-R score and category.

    Example (Greenberg 2012 table): good cytogenetics (1), blasts 3 % (1), Hb 8.1 g/dL (1),
    platelets 120 (0), ANC 1.5 (0) -> score 3.0, category "low".

    >>> ipss_r("good", 3, 8.1, 120, 1.5).category
    'low'
    """
    if cytogenetic_risk not in CYTOGENETIC_POINTS:
        raise ValueError(f"unknown cytogenetic risk group {cytogenetic_risk!r}")
    parts = (
        CYTOGENETIC_POINTS[cytogenetic_risk],
        _blasts_points(marrow_blasts_pct),
        _hemoglobin_points(hemoglobin_g_dl),
        _platelet_points(platelets_10e9_l),
        _anc_points(anc_10e9_l),
    )
    score = sum(parts)
    return IpssR(score, ipss_r_category(score), *parts)
