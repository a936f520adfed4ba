"""Calculators as derivations: which facts each one reads and which it produces.

:func:`derive` applies every calculator whose outputs the case does not give and whose
inputs it does, and returns the new fact values with provenance ("calculated: ipss_r")
and a note for each derivation. Given values always win over derived ones.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from mednec.calculators.age import age_on
from mednec.calculators.esa_response import (
    ESA_CITATION,
    MIN_ADEQUATE_TRIAL_WEEKS,
    EsaCourse,
    assess_esa,
)
from mednec.calculators.ipss_r import IPSS_R_CITATION, ipss_r, ipss_r_category
from mednec.calculators.transfusion_burden import (
    TRANSFUSION_CITATION,
    Transfusion,
    transfusion_burden,
)
from mednec.calculators.treatment_course import Dose, treatment_course
from mednec.facts.factset import FactSet, FactValue, Provenance

__all__ = ["CALCULATORS", "Calculator", "derive"]


@dataclass(frozen=True, slots=True)
class Calculator:
    """A registered calculator: inputs it needs, outputs it produces, and its citation."""

    name: str
    title: str
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    citation: str
    run: Callable[[Mapping[str, FactValue], dt.date], tuple[dict[str, Any], str]]
    optional_inputs: tuple[str, ...] = ()
    needs: Mapping[str, tuple[str, ...]] | None = None  # per output, when not all inputs

    def inputs_for(self, output: str) -> tuple[str, ...]:
        """The facts needed to compute ``output``."""
        if self.needs and output in self.needs:
            return self.needs[output]
        return self.inputs

    @property
    def input_set(self) -> frozenset[str]:
        return _SETS[(self.name, "in")]

    @property
    def output_set(self) -> frozenset[str]:
        return _SETS[(self.name, "out")]

    @property
    def reads(self) -> tuple[str, ...]:
        return self.inputs + self.optional_inputs


Facts = Mapping[str, FactValue]


def _v(facts: Facts, key: str) -> Any:
    fv = facts.get(key)
    return None if fv is None else fv.value


def _transfusions(facts: Facts) -> list[Transfusion]:
    return [Transfusion(e["date"], float(e["units"])) for e in facts["rbc_transfusions"].value]


def _run_ipss_r(facts: Facts, as_of: dt.date) -> tuple[dict[str, Any], str]:
    r = ipss_r(
        _v(facts, "cytogenetic_risk"),
        _v(facts, "marrow_blasts_pct"),
        _v(facts, "hemoglobin"),
        _v(facts, "platelets"),
        _v(facts, "anc"),
    )
    detail = (
        f"cytogenetics {r.cytogenetics_points:g} + blasts {r.blasts_points:g} + "
        f"hemoglobin {r.hemoglobin_points:g} + platelets {r.platelets_points:g} + "
        f"ANC {r.anc_points:g} = {r.score:g} ({r.category.replace('_', ' ')})"
    )
    return {"ipss_r_score": r.score, "ipss_r_category": r.category}, detail


def _ipss_r_check(facts: Facts, given: str) -> str:
    """A note comparing a documented IPSS-R category with what its components compute."""
    values, detail = _run_ipss_r(facts, dt.date.min)
    if values["ipss_r_category"] == given:
        return f"IPSS-R category {given.replace('_', ' ')} agrees with its components: {detail}"
    return (
        f"IPSS-R category documented as {given.replace('_', ' ')}, but its components compute "
        f"{detail}; the documented category is used -- check which is current"
    )


def _run_ipss_r_from_score(facts: Facts, as_of: dt.date) -> tuple[dict[str, Any], str]:
    score = _v(facts, "ipss_r_score")
    category = ipss_r_category(score)
    return {"ipss_r_category": category}, f"score {score:g} = {category.replace('_', ' ')} (Greenberg 2012 bands)"


def _run_transfusion_burden(facts: Facts, as_of: dt.date) -> tuple[dict[str, Any], str]:
    b = transfusion_burden(_transfusions(facts), as_of)
    detail = (
        f"{b.units_8w:g} units in the 8 weeks and {b.units_16w:g} units in {b.episodes_16w} "
        f"episodes in the 16 weeks to {as_of.isoformat()}: {b.category.upper()}"
    )
    return {
        "rbc_units_8w": b.units_8w,
        "rbc_units_16w": b.units_16w,
        "rbc_episodes_16w": float(b.episodes_16w),
        "rbc_max_units_any_8w": b.max_units_any_8w,
        "transfusion_burden": b.category,
    }, detail


def _run_esa(facts: Facts, as_of: dt.date) -> tuple[dict[str, Any], str]:
    courses = [
        EsaCourse(str(e["drug"]), e["start"], e.get("end"), str(e["response"]))
        for e in _v(facts, "esa_history")
    ]
    a = assess_esa(courses, as_of)
    return {"esa_status": a.status}, (
        f"{a.explanation} (adequate trial: at least {MIN_ADEQUATE_TRIAL_WEEKS} weeks)"
    )


def _run_age(facts: Facts, as_of: dt.date) -> tuple[dict[str, Any], str]:
    bd: dt.date = _v(facts, "birth_date")
    return {"age": float(age_on(bd, as_of))}, f"born {bd.isoformat()}"


def _run_treatment(facts: Facts, as_of: dt.date) -> tuple[dict[str, Any], str]:
    doses_raw = _v(facts, "treatment_doses")
    doses = [Dose(e["date"], float(e["dose"])) for e in doses_raw] if doses_raw is not None else None
    tx = _transfusions(facts) if "rbc_transfusions" in facts else None
    c = treatment_course(_v(facts, "treatment_start"), as_of, doses, tx)
    out: dict[str, Any] = {"treatment_weeks": c.weeks}
    parts = [f"{c.weeks:g} weeks since first dose"]
    if doses is not None:
        out["treatment_dose_count"] = float(c.dose_count)
        parts.append(f"{c.dose_count} doses")
        if c.max_dose is not None:
            out["treatment_max_dose"] = c.max_dose
            out["treatment_doses_at_max"] = float(c.doses_at_max)
            parts.append(f"last {c.doses_at_max} at the highest level {c.max_dose:g}")
    if c.units_16w_pretreatment is not None:
        out["rbc_units_16w_pretreatment"] = c.units_16w_pretreatment
        parts.append(f"{c.units_16w_pretreatment:g} units in the 16 weeks before")
    if c.units_16w_on_treatment is not None:
        out["rbc_units_16w_on_treatment"] = c.units_16w_on_treatment
        parts.append(f"{c.units_16w_on_treatment:g} units per 16 weeks on treatment")
    if c.reduced is not None:
        out["transfusion_burden_reduced"] = c.reduced
    hb, base = _v(facts, "hemoglobin"), _v(facts, "hemoglobin_baseline")
    if hb is not None and base is not None:
        out["hemoglobin_rise"] = round(hb - base, 2)
        parts.append(f"hemoglobin {base:g} -> {hb:g} g/dL")
    return out, "; ".join(parts)


CALCULATORS: tuple[Calculator, ...] = (
    Calculator("age", "Age from date of birth", ("birth_date",), ("age",), "", _run_age),
    Calculator(
        "ipss_r",
        "IPSS-R score and risk category",
        ("cytogenetic_risk", "marrow_blasts_pct", "hemoglobin", "platelets", "anc"),
        ("ipss_r_score", "ipss_r_category"),
        IPSS_R_CITATION,
        _run_ipss_r,
    ),
    Calculator(
        "ipss_r_from_score",
        "IPSS-R category from a documented score",
        ("ipss_r_score",),
        ("ipss_r_category",),
        IPSS_R_CITATION,
        _run_ipss_r_from_score,
    ),
    Calculator(
        "transfusion_burden",
        "RBC transfusion burden (IWG 2018)",
        ("rbc_transfusions",),
        ("rbc_units_8w", "rbc_units_16w", "rbc_episodes_16w", "rbc_max_units_any_8w", "transfusion_burden"),
        TRANSFUSION_CITATION,
        _run_transfusion_burden,
    ),
    Calculator(
        "esa_response",
        "ESA trial assessment",
        ("esa_history",),
        ("esa_status",),
        ESA_CITATION,
        _run_esa,
    ),
    Calculator(
        "treatment_course",
        "Response on the requested treatment",
        ("treatment_start",),
        (
            "treatment_weeks",
            "treatment_dose_count",
            "treatment_max_dose",
            "treatment_doses_at_max",
            "rbc_units_16w_pretreatment",
            "rbc_units_16w_on_treatment",
            "transfusion_burden_reduced",
            "hemoglobin_rise",
        ),
        TRANSFUSION_CITATION,
        _run_treatment,
        optional_inputs=("treatment_doses", "rbc_transfusions", "hemoglobin", "hemoglobin_baseline"),
        needs={
            "treatment_dose_count": ("treatment_start", "treatment_doses"),
            "treatment_max_dose": ("treatment_start", "treatment_doses"),
            "treatment_doses_at_max": ("treatment_start", "treatment_doses"),
            "rbc_units_16w_pretreatment": ("treatment_start", "rbc_transfusions"),
            "rbc_units_16w_on_treatment": ("treatment_start", "rbc_transfusions"),
            "transfusion_burden_reduced": ("treatment_start", "rbc_transfusions"),
            "hemoglobin_rise": ("treatment_start", "hemoglobin", "hemoglobin_baseline"),
        },
    ),
)

BY_NAME: Mapping[str, Calculator] = {c.name: c for c in CALCULATORS}
_SETS: Mapping[tuple[str, str], frozenset[str]] = {
    **{(c.name, "in"): frozenset(c.inputs) for c in CALCULATORS},
    **{(c.name, "out"): frozenset(c.outputs) for c in CALCULATORS},
}


def derive(facts: FactSet, units: Mapping[str, str | None]) -> FactSet:
    """Return ``facts`` with every derivable output added, each with provenance and a note.

    ``units`` gives the canonical unit of each fact id (from the fact dictionary).
    """
    current: dict[str, FactValue] = dict(facts.items())
    notes: list[str] = []
    as_of = facts.as_of
    changed = False
    keys = current.keys()
    given_ipss = facts.get("ipss_r_category")
    for calc in CALCULATORS:
        if not keys >= calc.input_set or keys >= calc.output_set:
            if calc.name == "ipss_r" and given_ipss is not None and keys >= calc.input_set:
                notes.append(_ipss_r_check(current, given_ipss.value))
            continue
        values, detail = calc.run(current, as_of)
        dates = [current[i].observed for i in calc.reads if i in current]
        observed = max([d for d in dates if d is not None], default=None)
        provenance = Provenance(f"calculated: {calc.name}", detail)
        for k, v in values.items():
            if k not in current:
                current[k] = FactValue(k, v, units.get(k), observed, provenance, True)
                changed = True
        if calc.name == "ipss_r":
            if given_ipss is None:
                notes.append(f"IPSS-R category not given; derived from its components: {detail}")
            else:
                notes.append(_ipss_r_check(current, given_ipss.value))
    if not changed:
        return facts
    return FactSet(current, as_of, facts.notes + tuple(notes), given_digest=facts.given_digest())
