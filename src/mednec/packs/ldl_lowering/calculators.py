"""The LDL-lowering pack's calculators: LDL-C from a lipid panel (NIH/Sampson), the age of the
LDL-C value, the percent LDL-C reduction, the Dutch Lipid Clinic Network score, and the statin and
ezetimibe steps read from ``medication_history`` (statin intensity per the 2018 AHA/ACC table,
intolerance per the NLA 2022 definition).

The functions are in :mod:`mednec.calculators`; this module registers them with the facts of
this pack (``facts.yaml``) they read and produce.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from mednec.calculators.courses import STOPPED, documents, is_not_given, start_range_weeks
from mednec.calculators.dlcn import DLCN_CITATION, DlcnItems, dlcn, dlcn_category, ldl_mmol_from_mg
from mednec.calculators.ldl import LDL_CITATION, LdlNotCalculable, estimate_ldl, percent_reduction
from mednec.calculators.registry import Calculator, Facts, fact_value
from mednec.calculators.statins import (
    INTOLERANCE_CITATION,
    StatinCourse,
    nla_statin_intolerance,
    statin_in,
    statin_intensity,
)
from mednec.facts.days import describe_days
from mednec.facts.drugs import DrugVocabulary
from mednec.facts.partial import Between

__all__ = ["CALCULATORS", "course_weeks"]

_INTOLERANT = frozenset({"intolerant"})


def course_weeks(entry: Mapping[str, Any], as_of: dt.date) -> float | None:
    """Weeks from a course's start to its end (or ``as_of`` when it is still taken)."""
    start: dt.date | None = entry.get("start")
    if start is None or (entry.get("response") == STOPPED and entry.get("end") is None):  # stopped, not said when
        return None
    end: dt.date = entry.get("end") or as_of
    return round(max((end - start).days, 0) / 7.0, 1)


def _start_range_text(entry: Mapping[str, Any], as_of: dt.date) -> str:
    """', started in October 2026: 5.1 to 9.4 weeks' for a start known only to a range of days (the step
    decides only when both ends agree); empty otherwise."""
    first, last = entry.get("start_earliest"), entry.get("start_latest")
    if entry.get("start") is not None or not isinstance(first, dt.date) or not isinstance(last, dt.date):
        return ""
    end: dt.date = entry.get("end") or as_of
    span = start_range_weeks(min(first, last), max(first, last), end)
    short, long = span.get("weeks_range", (span.get("weeks"), span.get("weeks")))
    return f", started {describe_days(first, last)}: {short:g} to {long:g} weeks"


def _ongoing(entry: Mapping[str, Any]) -> bool:
    return entry.get("end") is None and entry.get("response") not in ("intolerant", "contraindicated", STOPPED)


def _intolerant(entry: Mapping[str, Any]) -> bool:
    return entry.get("response") in _INTOLERANT or entry.get("reason_stopped") == "intolerance"


def _run_ldl(facts: Facts, as_of: dt.date) -> tuple[dict[str, Any], str]:
    tc, hdl, tg = (fact_value(facts, k) for k in ("total_cholesterol", "hdl_c", "triglycerides"))
    try:
        est = estimate_ldl(tc, hdl, tg)
    except LdlNotCalculable as exc:
        return {}, f"{exc}; a directly measured LDL-C is needed"
    return {"ldl_c": round(est.value, 1)}, est.detail


def _run_recency(facts: Facts, as_of: dt.date) -> tuple[dict[str, Any], str]:
    fv = facts["ldl_c"]
    if fv.observed is not None and fv.observed_last is not None:  # dated to a month, a year, "early March"
        return _recency_range(fv.observed, fv.observed_last, as_of)
    when = fv.observed or as_of
    days = max((as_of - when).days, 0)
    said = "" if fv.observed else " (undated: taken as current)"
    return {"ldl_c_days_old": float(days)}, f"LDL-C of {when.isoformat()}{said}: {days} days before {as_of.isoformat()}"


def _recency_range(first: dt.date, last: dt.date, as_of: dt.date) -> tuple[dict[str, Any], str]:
    """The LDL-C's age when its date is known only to a range of days: from the last possible day's age
    to the first's, so a window is decided only when every day of the range gives the same answer."""
    young, old = max((as_of - last).days, 0), max((as_of - first).days, 0)
    span = describe_days(first, last)
    detail = (f"LDL-C dated only to {span}: {young} to {old} days before {as_of.isoformat()}"
              f" (presumed any day of {span}; decided only where every day gives the same answer)")
    if young == old:
        return {"ldl_c_days_old": float(young)}, detail
    reason = f"On which day in {span} was the LDL-C drawn? ({young} to {old} days before {as_of.isoformat()})"
    return {"ldl_c_days_old": Between(float(young), float(old), ("ldl_c",), reason)}, detail


def _run_reduction(facts: Facts, as_of: dt.date) -> tuple[dict[str, Any], str]:
    before, now = fact_value(facts, "ldl_c_pretreatment"), fact_value(facts, "ldl_c")
    pct = percent_reduction(before, now)
    return {"ldl_reduction_pct": round(pct, 1)}, (
        f"LDL-C {before:g} mg/dL before the requested drug -> {now:g} mg/dL now: {pct:.1f}% lower"
    )


_DLCN_ITEMS = ("fh_relative_premature_cvd_or_high_ldl", "fh_relative_xanthoma_or_child_high_ldl", "premature_chd",
               "premature_cerebral_or_peripheral_vd", "tendon_xanthoma", "arcus_before_45")


def _run_dlcn(facts: Facts, as_of: dt.date) -> tuple[dict[str, Any], str]:
    """The DLCN score when the documented items settle it against the probable-FH cut (6)."""
    ldl = fact_value(facts, "ldl_c_untreated")
    items = DlcnItems(
        relative_premature_cvd_or_high_ldl=fact_value(facts, "fh_relative_premature_cvd_or_high_ldl"),
        relative_xanthoma_or_child_high_ldl=fact_value(facts, "fh_relative_xanthoma_or_child_high_ldl"),
        premature_chd=fact_value(facts, "premature_chd"),
        premature_cerebral_or_peripheral_vd=fact_value(facts, "premature_cerebral_or_peripheral_vd"),
        tendon_xanthoma=fact_value(facts, "tendon_xanthoma"),
        arcus_before_45=fact_value(facts, "arcus_before_45"),
        untreated_ldl_mmol=None if ldl is None else ldl_mmol_from_mg(ldl),
        causative_variant=fact_value(facts, "fh_genetic_variant"),
    )
    score = dlcn(items)
    if score.complete:
        return {"dlcn_score": float(score.minimum)}, (
            f"DLCN score {score.minimum} ({dlcn_category(score.minimum)}), every item documented")
    if score.minimum >= 6:
        return {"dlcn_score": float(score.minimum)}, (
            f"DLCN score at least {score.minimum} ({dlcn_category(score.minimum)}) from the documented items; "
            f"the undocumented ones could only raise it (at most {score.maximum})")
    if score.maximum < 6:
        return {"dlcn_score": float(score.maximum)}, (
            f"DLCN score at most {score.maximum} ({dlcn_category(score.maximum)}) even if every "
            "undocumented item were present")
    return {}, (f"DLCN score between {score.minimum} and {score.maximum} from the documented items: "
                "document the missing items (family history, premature CHD, xanthoma, arcus, untreated LDL-C, "
                "genetic result)")


def _only_negatives(facts: Facts, drugs: DrugVocabulary, drug_class: str) -> bool:
    """The history names some drugs only (never given, or read from a question or a note), none of the
    class: the class is undocumented."""
    history = fact_value(facts, "medication_history") or ()
    return not documents(history, drug_class, drugs)


def _intolerance(courses: list[StatinCourse]) -> tuple[str | None, str]:
    """NLA 2022 statin intolerance and its explanation; ``None`` (asked, never denied) when two or more
    statins were not tolerated but a dose is missing, so whether one was at its lowest dose is open."""
    nla = nla_statin_intolerance(courses)
    undosed_bad = sorted({str(c.drug) for c in courses if c.intolerant and c.daily_dose_mg is None})
    if nla.status == "not_established" and len(nla.statins_not_tolerated) >= 2 and undosed_bad:
        return None, (f"undetermined - {' and '.join(nla.statins_not_tolerated)} not tolerated, but the dose of "
                      f"{' and '.join(undosed_bad)} is not documented (one statin must have been at its lowest daily dose)")
    return nla.status, f"{nla.status.replace('_', ' ')} - {nla.explanation}"


def _unless_stopped(found: tuple[str | None, str], entries: list[Any]) -> tuple[str | None, str]:
    """Intolerance not established, but a statin was stopped for a reason not said: it may have been
    intolerance, so undetermined (asked), never "not established"."""
    status, verdict = found
    stopped = sorted({str(e["drug"]) for e in entries if e.get("response") == STOPPED and not e.get("reason_stopped")})
    if status == "not_established" and stopped:
        return None, f"undetermined - {verdict}; why {' and '.join(stopped)} was stopped is not documented"
    return status, verdict


def _run_statins(facts: Facts, as_of: dt.date, drugs: DrugVocabulary) -> tuple[dict[str, Any], str]:
    if _only_negatives(facts, drugs, "statin"):
        return {}, "the treatment history names some drugs only, no statin: statins not documented"
    entries = [e for e in (fact_value(facts, "medication_history") or ()) if not is_not_given(e)
               and (statin_in(str(e["drug"])) is not None or drugs.matches(str(e["drug"]), "statin"))]
    courses: list[StatinCourse] = []
    high_weeks = 0.0
    undated_high = undosed = False
    parts = []
    for e in entries:
        drug = str(e["drug"])
        generic = statin_in(drug) or drugs.generic(drug) or drug  # a brand (Crestor) is its statin's course
        dose = e.get("dose")
        intensity = e.get("intensity") or (statin_intensity(generic, float(dose)) if dose is not None else None)
        courses.append(StatinCourse(generic, None if dose is None else float(dose), _intolerant(e), _ongoing(e)))
        weeks = course_weeks(e, as_of)
        dose_text = f" {dose:g} mg" if dose is not None else ""
        parts.append(f"{drug}{dose_text} ({intensity or 'intensity unknown'}"
                     f"{'' if weeks is None else f', {weeks:g} weeks'}{_start_range_text(e, as_of)}"
                     f"{', not tolerated' if _intolerant(e) else ''})")
        if intensity == "high" and weeks is None:
            undated_high = True
        elif intensity == "high" and weeks is not None:
            high_weeks = max(high_weeks, weeks)
        elif intensity is None and dose is None and e.get("intensity") is None:
            undosed = True
    out: dict[str, Any] = {"statin_current": any(c.ongoing for c in courses)}
    status, verdict = _unless_stopped(_intolerance(courses), entries)
    if status is not None:
        out["statin_intolerance"] = status
    listed = "; ".join(parts) if parts else "no statin in the treatment history"
    if undated_high or undosed:
        # a high-intensity course of unknown length, or a statin of unknown dose, may be the one
        # that counts: the weeks stay unknown (asked), never 0
        why = ("a high-intensity course without a start date (or one known only to a range of days)" if undated_high
               else "a statin without a dose")
        listed += f"; weeks of high-intensity statin unknown ({why})"
    else:
        out["statin_high_intensity_weeks"] = high_weeks
    return out, f"{listed}. Intolerance (NLA 2022): {verdict}"


def _run_ezetimibe(facts: Facts, as_of: dt.date, drugs: DrugVocabulary) -> tuple[dict[str, Any], str]:
    if _only_negatives(facts, drugs, "ezetimibe"):
        return {}, "the treatment history names some drugs only, not ezetimibe: ezetimibe not documented"
    entries = [e for e in (fact_value(facts, "medication_history") or ()) if not is_not_given(e)
               and ("ezetimibe" in str(e["drug"]).lower() or drugs.matches(str(e["drug"]), "ezetimibe"))]
    weeks = [w for e in entries if e.get("response") != "contraindicated" and (w := course_weeks(e, as_of)) is not None]
    failed = [str(e["drug"]) for e in entries
              if _intolerant(e) or e.get("response") == "contraindicated" or e.get("reason_stopped") == "contraindication"]
    longest = max(weeks, default=0.0)
    detail = (f"ezetimibe for {longest:g} weeks (longest course)" if weeks else "no ezetimibe course in the treatment history")
    if failed:
        detail += f"; not tolerated or contraindicated: {', '.join(failed)}"
    if not failed and any(e.get("response") == STOPPED and not e.get("reason_stopped") for e in entries):
        return {"ezetimibe_weeks": longest}, detail + "; ezetimibe stopped, why not documented"
    return {"ezetimibe_weeks": longest, "ezetimibe_failed": bool(failed)}, detail


_HISTORY = ("medication_history",)

CALCULATORS: tuple[Calculator, ...] = (
    Calculator("ldl_calc", "LDL-C from a lipid panel (NIH equation 2, Sampson 2020)",
               ("total_cholesterol", "hdl_c", "triglycerides"), ("ldl_c",), LDL_CITATION, _run_ldl),
    Calculator("ldl_recency", "Age of the LDL-C value", ("ldl_c",), ("ldl_c_days_old",),
               "mednec-ldl-decisions", _run_recency, reads_dates=True, dates_only=True),
    Calculator("ldl_reduction", "Percent LDL-C reduction on the requested drug",
               ("ldl_c_pretreatment", "ldl_c"), ("ldl_reduction_pct",), LDL_CITATION, _run_reduction),
    Calculator("dlcn", "Dutch Lipid Clinic Network score", (), ("dlcn_score",), DLCN_CITATION, _run_dlcn,
               any_of=("ldl_c_untreated", "fh_genetic_variant", "tendon_xanthoma", *_DLCN_ITEMS),
               needs={"dlcn_score": ("ldl_c_untreated",)},
               optional_inputs=("ldl_c_untreated", "fh_genetic_variant", *_DLCN_ITEMS)),
    Calculator("statin_step", "Statin intensity, duration and intolerance from the treatment history", (),
               ("statin_high_intensity_weeks", "statin_current", "statin_intolerance"), INTOLERANCE_CITATION,
               lambda facts, as_of: _run_statins(facts, as_of, DrugVocabulary()), any_of=_HISTORY,
               needs={k: _HISTORY for k in ("statin_high_intensity_weeks", "statin_current", "statin_intolerance")},
               run_drugs=_run_statins, dated_by="as_of"),
    Calculator("ezetimibe_step", "Ezetimibe course from the treatment history", (),
               ("ezetimibe_weeks", "ezetimibe_failed"), "mednec-ldl-decisions",
               lambda facts, as_of: _run_ezetimibe(facts, as_of, DrugVocabulary()), any_of=_HISTORY,
               needs={k: _HISTORY for k in ("ezetimibe_weeks", "ezetimibe_failed")},
               run_drugs=_run_ezetimibe, dated_by="as_of"),
)
