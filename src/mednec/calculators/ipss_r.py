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

__all__ = ["CYTOGENETIC_POINTS", "IPSS_R_CITATION", "IpssR", "IpssRBounds", "ipss_r", "ipss_r_bounds",
           "ipss_r_category"]

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


#: the fewest and most points each component can add (Greenberg 2012, Table 3)
COMPONENT_RANGES: dict[str, tuple[float, float]] = {
    "cytogenetic_risk": (0.0, 4.0),
    "marrow_blasts_pct": (0.0, 3.0),
    "hemoglobin": (0.0, 1.5),
    "platelets": (0.0, 1.0),
    "anc": (0.0, 0.5),
}


class IpssRBounds(NamedTuple):
    """The IPSS-R when components are missing: the lowest and highest possible score, the risk
    categories between them, and the components that would settle it."""

    low: float
    high: float
    categories: tuple[str, ...]
    missing: tuple[str, ...]


_ORDER = ("very_low", "low", "intermediate", "high", "very_high")


def ipss_r_bounds(
    cytogenetic_risk: str | None,
    marrow_blasts_pct: float | None,
    hemoglobin_g_dl: float | None,
    platelets_10e9_l: float | None,
    anc_10e9_l: float | None,
) -> IpssRBounds:
    """The IPSS-R score interval over every value of the missing components.

    Example: good cytogenetics (1), blasts 3 % (1), Hb 8.1 (1), ANC 1.5 (0), platelets missing
    (0 to 1) -> 3 to 4: low or intermediate, lower-risk whatever the count (<= 4.5).

    >>> ipss_r_bounds("good", 3, 8.1, None, 1.5).categories
    ('low', 'intermediate')
    """
    known = {
        "cytogenetic_risk": None if cytogenetic_risk is None else CYTOGENETIC_POINTS[cytogenetic_risk],
        "marrow_blasts_pct": None if marrow_blasts_pct is None else _blasts_points(marrow_blasts_pct),
        "hemoglobin": None if hemoglobin_g_dl is None else _hemoglobin_points(hemoglobin_g_dl),
        "platelets": None if platelets_10e9_l is None else _platelet_points(platelets_10e9_l),
        "anc": None if anc_10e9_l is None else _anc_points(anc_10e9_l),
    }
    low = sum(v if v is not None else COMPONENT_RANGES[k][0] for k, v in known.items())
    high = sum(v if v is not None else COMPONENT_RANGES[k][1] for k, v in known.items())
    first, last = _ORDER.index(ipss_r_category(low)), _ORDER.index(ipss_r_category(high))
    return IpssRBounds(low, high, _ORDER[first:last + 1], tuple(k for k, v in known.items() if v is None))
