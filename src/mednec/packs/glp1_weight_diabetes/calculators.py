"""The GLP-1 pack's calculators: BMI (current and before any GLP-1), the BMI-for-age percentile of
a 10- to 20-year-old (CDC 2000 growth charts), percent weight change from the pre-GLP-1 baseline,
and the oral diabetes drug step from the treatment history.

The functions are in :mod:`mednec.calculators`; this module registers them with the facts of
this pack (``facts.yaml``) they read and produce.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from mednec.calculators.bmi import BMI_CITATION, bmi, bmi_class
from mednec.calculators.bmi_for_age import BMI_FOR_AGE_CITATION, LAST_MONTH, bmi_for_age, completed_months
from mednec.calculators.courses import STOPPED, documents, is_not_given
from mednec.calculators.registry import Calculator, Facts, fact_value
from mednec.calculators.weight_change import percent_loss
from mednec.facts.drugs import DrugVocabulary

__all__ = ["CALCULATORS", "NEVER_DAYS", "ORAL_CLASS"]

ORAL_CLASS = "oral_antidiabetic"
#: A treatment-history response that counts as failure, intolerance or contraindication.
#: "Days since last taken" for a drug the complete treatment history never lists (the fact's range maximum).
NEVER_DAYS = 36500.0
_FAILED = frozenset({"none", "partial", "lost_response", "intolerant", "contraindicated"})


def _run_bmi(facts: Facts, as_of: dt.date) -> tuple[dict[str, Any], str]:
    w, h = fact_value(facts, "weight"), fact_value(facts, "height")
    value = bmi(w, h)
    return {"bmi": round(value, 2)}, (
        f"weight {w:.1f} kg / (height {h / 100:.2f} m)² = {value:.1f} kg/m² ({bmi_class(value).replace('_', ' ')})"
    )


def _run_bmi_baseline(facts: Facts, as_of: dt.date) -> tuple[dict[str, Any], str]:
    w, h = fact_value(facts, "weight_baseline"), fact_value(facts, "height")
    value = bmi(w, h)
    return {"bmi_baseline": round(value, 2)}, (
        f"pre-GLP-1 weight {w:.1f} kg / (height {h / 100:.2f} m)² = {value:.1f} kg/m²"
    )


def _run_bmi_for_age(facts: Facts, as_of: dt.date) -> tuple[dict[str, Any], str]:
    """The BMI-for-age percentile at the age on the evaluation date (the date the question speaks
    of), from the date of birth; nothing for an adult past the charts (20 years), a reason for
    anything else it cannot place. The BMI's own date is not read (a calculator reading dates sends
    the whole pack row-wise in population runs), so a BMI measured months before is placed at
    today's age, and the note says which age was used."""
    value, born, sex = fact_value(facts, "bmi"), fact_value(facts, "birth_date"), fact_value(facts, "sex")
    on = as_of
    months = completed_months(born, on)
    if months > LAST_MONTH:
        return {}, ""
    try:
        r = bmi_for_age(float(value), str(sex), months)
    except ValueError as exc:
        return {}, f"not computed: {exc}"
    # floored to 2 decimals, so rounding never lifts a BMI over a percentile threshold
    pct = math.floor(r.percentile * 100) / 100
    above = " (an LMS value: above the 95th percentile CDC's extended charts give the exact figure)" if pct >= 95 else ""
    return {"bmi_percentile": pct}, (
        f"BMI {value:.1f} kg/m² at {months // 12} years {months % 12} months ({sex}, on {on.isoformat()}): "
        f"{pct:.1f}th percentile on the CDC 2000 BMI-for-age chart{above}; the 95th percentile is "
        f"{r.p95:.1f} kg/m², so the BMI is {r.percent_of_p95:.0f}% of it"
    )


def _run_weight_change(facts: Facts, as_of: dt.date) -> tuple[dict[str, Any], str]:
    base, now = fact_value(facts, "weight_baseline"), fact_value(facts, "weight")
    loss = percent_loss(base, now)
    verb = "lost" if loss >= 0 else "gained"
    return {"weight_loss_pct": round(loss, 2)}, (
        f"{base:.1f} kg before any GLP-1 -> {now:.1f} kg now: {verb} {abs(loss):.1f}% of the baseline weight"
    )


def _run_oral(facts: Facts, as_of: dt.date, drugs: DrugVocabulary) -> tuple[dict[str, Any], str]:
    """Days since a non-GLP-1 oral diabetes drug was last taken, and whether one failed."""
    history = fact_value(facts, "medication_history") or ()
    if not documents(history, ORAL_CLASS, drugs):
        return {}, ("the treatment history names some drugs only (never given, or read from a question or a note), "
                    "no oral diabetes drug: oral diabetes drugs not documented")
    entries = [e for e in history if drugs.matches(str(e["drug"]), ORAL_CLASS) and not is_not_given(e)]
    if not entries:
        return {"oral_antidiabetic_failed": False, "oral_antidiabetic_days_since": NEVER_DAYS}, (
            "the treatment history lists no oral diabetes drug (metformin, a sulfonylurea, a DPP-4 or SGLT2 "
            f"inhibitor, a thiazolidinedione): never taken, counted as {NEVER_DAYS:g} days"
        )
    failed = [str(e["drug"]) for e in entries if e.get("response") in _FAILED
              or e.get("reason_stopped") in ("inadequate_response", "intolerance", "contraindication")]
    out: dict[str, Any] = {"oral_antidiabetic_failed": bool(failed)}
    parts = []
    stopped = [str(e["drug"]) for e in entries if e.get("response") == STOPPED and not e.get("reason_stopped")]
    if stopped and not failed:  # stopped, why not said: it may have failed or not been tolerated
        del out["oral_antidiabetic_failed"]
        parts.append(f"{', '.join(stopped)} stopped, why not documented")
    taken = [e for e in entries if e.get("response") != "contraindicated"]
    ongoing = [e for e in taken if e.get("end") is None and e.get("response") != STOPPED
               and (e.get("start") is not None or e.get("response") == "ongoing")]
    if ongoing:
        out["oral_antidiabetic_days_since"] = 0.0
        parts.append(f"{ongoing[0]['drug']} taken now")
    else:
        ends = [e["end"] for e in taken if e.get("end") is not None]
        if ends:
            last = max(ends)
            days = max((as_of - last).days, 0)
            out["oral_antidiabetic_days_since"] = float(days)
            parts.append(f"last oral diabetes drug stopped {last.isoformat()} ({days} days before {as_of.isoformat()})")
    if failed:
        parts.append(f"failed, not tolerated or contraindicated: {', '.join(failed)}")
    return out, "; ".join(parts) or "oral diabetes drugs listed without dates"


CALCULATORS: tuple[Calculator, ...] = (
    Calculator("bmi", "Body mass index from weight and height", ("weight", "height"), ("bmi",),
               BMI_CITATION, _run_bmi),
    Calculator("bmi_baseline", "BMI before any GLP-1 from the baseline weight and height",
               ("weight_baseline", "height"), ("bmi_baseline",), BMI_CITATION, _run_bmi_baseline,
               dated_by="weight_baseline"),
    Calculator("bmi_for_age", "BMI-for-age percentile (CDC 2000 growth charts) from BMI, date of birth and sex",
               ("bmi", "birth_date", "sex"), ("bmi_percentile",), BMI_FOR_AGE_CITATION, _run_bmi_for_age),
    Calculator("weight_change", "Percent weight change from the pre-GLP-1 baseline",
               ("weight_baseline", "weight"), ("weight_loss_pct",), "mednec-glp1-decisions", _run_weight_change),
    Calculator(
        "oral_antidiabetic",
        "Oral diabetes drug step from the treatment history",
        (),
        ("oral_antidiabetic_days_since", "oral_antidiabetic_failed"),
        "bcbsnc-glp1-partd-2025",
        lambda facts, as_of: _run_oral(facts, as_of, DrugVocabulary()),
        any_of=("medication_history",),
        needs={"oral_antidiabetic_days_since": ("medication_history",),
               "oral_antidiabetic_failed": ("medication_history",)},
        run_drugs=_run_oral,
        dated_by="as_of",
    ),
)
