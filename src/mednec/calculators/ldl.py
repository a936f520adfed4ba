"""LDL cholesterol from a lipid panel, and the percent LDL-C reduction on treatment.

All values in mg/dL (cholesterol: 1 mmol/L = 38.67 mg/dL; triglycerides: 1 mmol/L =
88.57 mg/dL).

* **Friedewald** (1972): LDL-C = TC − HDL-C − TG/5. Refused at triglycerides ≥ 400 mg/dL,
  the equation's own limit (Martin SS et al., JAMA 2013;310(19):2061, methods: "triglycerides
  lower than 400 mg/dL"). :func:`friedewald` raises :class:`LdlNotCalculable` there.
* **NIH equation 2 (Sampson)**: LDL-C = TC/0.948 − HDL-C/0.971 − (TG/8.56 + TG × non-HDL-C/2140
  − TG²/16100) − 9.44, non-HDL-C = TC − HDL-C (Sampson M et al., JAMA Cardiol
  2020;5(5):540-548, PMID 32101259). Developed for patients with hypertriglyceridemia and
  accurate up to triglycerides of 800 mg/dL; mednec refuses it above 800 mg/dL and asks for a
  directly measured LDL-C instead. mednec's default calculated LDL-C.

A directly measured LDL-C always wins over a calculated one (the LDL-lowering pack's
decision); the calculator only runs when no LDL-C value is documented.
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = [
    "CHOLESTEROL_MG_PER_MMOL",
    "FRIEDEWALD_TG_LIMIT",
    "LDL_CITATION",
    "SAMPSON_TG_LIMIT",
    "TRIGLYCERIDE_MG_PER_MMOL",
    "LdlEstimate",
    "LdlNotCalculable",
    "estimate_ldl",
    "friedewald",
    "percent_reduction",
    "sampson",
]

LDL_CITATION = "sampson-2020"
CHOLESTEROL_MG_PER_MMOL = 38.67
TRIGLYCERIDE_MG_PER_MMOL = 88.57
FRIEDEWALD_TG_LIMIT = 400.0
SAMPSON_TG_LIMIT = 800.0


class LdlNotCalculable(ValueError):
    """The panel is outside the equation's range; a measured LDL-C is needed."""


class LdlEstimate(NamedTuple):
    """A calculated LDL-C (mg/dL) and how it was calculated."""

    value: float
    method: str  # "sampson" | "friedewald"
    detail: str


def _check(tc: float, hdl: float, tg: float) -> None:
    if tc <= 0 or hdl <= 0 or tg < 0:
        raise ValueError("total cholesterol and HDL-C must be positive, triglycerides not negative")
    if hdl >= tc:
        raise LdlNotCalculable("HDL-C is not below total cholesterol; check the panel")


def friedewald(tc: float, hdl: float, tg: float) -> float:
    """Friedewald LDL-C (mg/dL); refused at triglycerides ≥ 400 mg/dL.

    >>> friedewald(200, 50, 150)
    120.0
    """
    _check(tc, hdl, tg)
    if tg >= FRIEDEWALD_TG_LIMIT:
        raise LdlNotCalculable(
            f"the Friedewald equation is not valid at triglycerides {tg:g} mg/dL (≥ {FRIEDEWALD_TG_LIMIT:g})"
        )
    return tc - hdl - tg / 5.0


def sampson(tc: float, hdl: float, tg: float) -> float:
    """NIH equation 2 (Sampson 2020) LDL-C (mg/dL); refused above triglycerides 800 mg/dL.

    >>> round(sampson(200, 50, 150), 1)
    123.4
    """
    _check(tc, hdl, tg)
    if tg > SAMPSON_TG_LIMIT:
        raise LdlNotCalculable(
            f"the NIH (Sampson) equation is validated up to triglycerides {SAMPSON_TG_LIMIT:g} mg/dL; "
            f"got {tg:g}: a directly measured LDL-C is needed"
        )
    non_hdl = tc - hdl
    return tc / 0.948 - hdl / 0.971 - (tg / 8.56 + tg * non_hdl / 2140.0 - tg * tg / 16100.0) - 9.44


def estimate_ldl(tc: float, hdl: float, tg: float) -> LdlEstimate:
    """The default calculated LDL-C: the NIH (Sampson) equation, with its inputs shown."""
    value = sampson(tc, hdl, tg)
    detail = (f"NIH equation 2 (Sampson 2020) from total cholesterol {tc:g}, HDL-C {hdl:g} and "
              f"triglycerides {tg:g} mg/dL = {value:.1f} mg/dL")
    if tg >= FRIEDEWALD_TG_LIMIT:
        detail += f"; Friedewald is not used at triglycerides ≥ {FRIEDEWALD_TG_LIMIT:g} mg/dL"
    return LdlEstimate(value, "sampson", detail)


def percent_reduction(baseline: float, current: float) -> float:
    """Percent LDL-C reduction from ``baseline`` (positive = lower now): 140 → 72 is 48.6.

    >>> round(percent_reduction(140, 72), 1)
    48.6
    """
    if baseline <= 0:
        raise ValueError("the baseline must be positive")
    return (baseline - current) / baseline * 100.0
