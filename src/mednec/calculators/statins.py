"""Statin intensity from drug and daily dose, and statin intolerance as the NLA defines it.

**Intensity** (2018 AHA/ACC multisociety cholesterol guideline, Grundy SM et al., Circulation
2019;139:e1082, Table 1; LDL-C lowering ≥ 50 % high, 30-49 % moderate, < 30 % low):

============  ===============  =====================  ==========
statin        high             moderate               low
============  ===============  =====================  ==========
atorvastatin  40-80 mg         10-20 mg
rosuvastatin  20-40 mg         5-10 mg
simvastatin                    20-40 mg               10 mg
pravastatin                    40-80 mg               10-20 mg
lovastatin                     40-80 mg               20 mg
fluvastatin                    80 mg (XL, or 40 BID)  20-40 mg
pitavastatin                   1-4 mg
============  ===============  =====================  ==========

A daily dose between two listed doses takes the lower band (rosuvastatin 15 mg is moderate);
a dose below the table's lowest is ``None`` (not classified). Simvastatin 80 mg is in the
trials the table draws on, but the FDA advises against starting or titrating to it (the table's
footnote); mednec classifies it as moderate, never high. Combination products count by their
statin component ("ezetimibe/simvastatin 10/40" is simvastatin 40 mg).

**Intolerance** (National Lipid Association scientific statement, Cheeley MK et al., J Clin
Lipidol 2022;16(4):361-375, PMID 35718660): one or more adverse effects associated with statin
therapy that resolve or improve with dose reduction or discontinuation; *complete* when no
statin dose is tolerated, *partial* when the dose needed for the patient's objective is not;
to classify a patient as intolerant, at least two statins should have been attempted,
including at least one at the lowest approved daily dosage. mednec reads a course recorded as
stopped (or reduced) for intolerance or an adverse effect as one whose effect resolved or
improved on stopping (the record's own attribution), and takes the lowest dose the 2018 table
lists for each statin as its "lowest approved daily dosage" (the labels' lowest strengths were
not checked): atorvastatin 10, rosuvastatin 5, simvastatin 10, pravastatin 10, lovastatin 20,
fluvastatin 20, pitavastatin 1 mg (mednec editorial decision).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

__all__ = [
    "INTENSITY_CITATION",
    "INTOLERANCE_CITATION",
    "STATINS",
    "StatinCourse",
    "StatinIntolerance",
    "lowest_dose",
    "nla_statin_intolerance",
    "statin_in",
    "statin_intensity",
]

INTENSITY_CITATION = "acc-aha-2018-cholesterol"
INTOLERANCE_CITATION = "nla-2022-statin-intolerance"

#: (lowest daily dose of the band in mg, intensity), ascending, per statin (2018 Table 1).
_BANDS: dict[str, tuple[tuple[float, str], ...]] = {
    "atorvastatin": ((10, "moderate"), (40, "high")),
    "rosuvastatin": ((5, "moderate"), (20, "high")),
    "simvastatin": ((10, "low"), (20, "moderate")),
    "pravastatin": ((10, "low"), (40, "moderate")),
    "lovastatin": ((20, "low"), (40, "moderate")),
    "fluvastatin": ((20, "low"), (80, "moderate")),
    "pitavastatin": ((1, "moderate"),),
}
STATINS: frozenset[str] = frozenset(_BANDS)


def statin_in(drug: str) -> str | None:
    """The statin a drug name contains ("ezetimibe/simvastatin" -> ``simvastatin``), or ``None``."""
    low = drug.lower()
    return next((s for s in sorted(STATINS) if s in low), None)


def statin_intensity(drug: str, daily_dose_mg: float) -> str | None:
    """``high``, ``moderate`` or ``low`` for a statin's daily dose; ``None`` when not a statin
    or below the table's lowest dose.

    >>> statin_intensity("atorvastatin", 80)
    'high'
    >>> statin_intensity("ezetimibe/simvastatin", 40)
    'moderate'
    """
    statin = statin_in(drug)
    if statin is None or daily_dose_mg <= 0:
        return None
    out = None
    for lowest, intensity in _BANDS[statin]:
        if daily_dose_mg + 1e-9 >= lowest:
            out = intensity
    return out


def lowest_dose(statin: str) -> float:
    """The lowest daily dose the 2018 table lists for ``statin`` (mg)."""
    return float(_BANDS[statin][0][0])


class StatinCourse(NamedTuple):
    """One statin course: the drug, its daily dose (mg) when known, why it stopped, whether
    it is still taken."""

    drug: str
    daily_dose_mg: float | None
    intolerant: bool
    ongoing: bool


class StatinIntolerance(NamedTuple):
    """The NLA assessment: ``complete``, ``partial`` or ``not_established``, and why."""

    status: str
    statins_not_tolerated: tuple[str, ...]
    at_lowest_dose: tuple[str, ...]
    explanation: str


def nla_statin_intolerance(courses: Sequence[StatinCourse]) -> StatinIntolerance:
    """Statin intolerance per the NLA 2022 definition (see the module docstring).

    ``complete`` when no statin is being taken; ``partial`` when one still is (a lower,
    tolerated dose).
    """
    bad: dict[str, bool] = {}
    for c in courses:
        statin = statin_in(c.drug)
        if statin is None or not c.intolerant:
            continue
        at_lowest = c.daily_dose_mg is not None and c.daily_dose_mg <= lowest_dose(statin) + 1e-9
        bad[statin] = bad.get(statin, False) or at_lowest
    names = tuple(sorted(bad))
    lowest = tuple(s for s in names if bad[s])
    if len(names) < 2:
        why = ("no statin stopped for an adverse effect" if not names
               else f"only one statin ({names[0]}) stopped for an adverse effect; at least two are needed")
        return StatinIntolerance("not_established", names, lowest, why)
    if not lowest:
        return StatinIntolerance(
            "not_established", names, lowest,
            f"{' and '.join(names)} stopped for adverse effects, but none at its lowest daily dose",
        )
    ongoing = any(statin_in(c.drug) is not None and c.ongoing and not c.intolerant for c in courses)
    status = "partial" if ongoing else "complete"
    return StatinIntolerance(
        status, names, lowest,
        f"{' and '.join(names)} not tolerated, {' and '.join(lowest)} at the lowest daily dose; "
        f"{'a lower statin dose is still taken' if ongoing else 'no statin is taken now'}",
    )
