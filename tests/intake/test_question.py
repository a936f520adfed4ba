"""Reading questions: spans, negation, hypotheticals, bounds, transfusion and ESA synthesis."""

from __future__ import annotations

import datetime as dt

import pytest

from mednec.calculators.esa_response import EsaCourse, assess_esa
from mednec.calculators.transfusion_burden import Transfusion, transfusion_burden
from mednec.intake.question import Understanding, understand
from mednec.intake.text.history import synthesize
from mednec.runtime import Runtime
from tests.intake.conftest import AS_OF


def ask(runtime: Runtime, text: str) -> Understanding:
    return understand(text, runtime.catalog, runtime.dictionary, AS_OF)


def fact(u: Understanding, name: str) -> object:
    return next((f for f in u.facts if f.fact == name), None)


def burden(events: list[dict[str, object]]) -> tuple[float, float]:
    b = transfusion_burden([Transfusion(e["date"], float(e["units"])) for e in events], AS_OF)  # type: ignore[arg-type]
    return b.units_8w, b.units_16w


def test_every_span_is_the_exact_text(runtime: Runtime) -> None:
    q = ("Is Reblozyl medically necessary for a 70-year-old man with MDS-RS, IPSS-R low, SF3B1-mutated, RS 20%, "
         "Hb 8.1, EPO 210, no del(5q), needing 2 units every 2 weeks, ESA-naive?")
    u = ask(runtime, q)
    assert u.drug is not None and u.drug.policy_id == "luspatercept-mds"
    assert q[u.drug.span.start:u.drug.span.end] == "Reblozyl"
    for f in u.facts:
        assert q[f.span.start:f.span.end] == f.span.text
    spans = {f.fact: f.span.text for f in u.facts}
    assert spans["age"] == "70-year-old man"
    assert spans["hemoglobin"] == "Hb 8.1"
    assert spans["del5q"] == "no del(5q)"  # the negation cue is part of the provenance
    assert spans["rbc_transfusions"] == "2 units every 2 weeks"


def test_case_mapping_parses_and_carries_provenance(runtime: Runtime) -> None:
    u = ask(runtime, "luspatercept for 72F, Hgb 8.4 g/dL, EPO 85 mU/mL")
    case = runtime.parse_case(u.case, as_of=AS_OF)
    hb = case.facts["hemoglobin"]
    assert hb.value == 8.4 and hb.unit == "g/dL"
    assert hb.provenance.source.startswith('question [') and '"Hgb 8.4 g/dL"' in hb.provenance.source
    assert case.facts["age"].value == 72 and case.facts["sex"].value == "female"


@pytest.mark.parametrize(("text", "fact_id", "value"), [
    ("no del(5q)", "del5q", False),
    ("without del(5q) or monosomy 7", "chromosome7_abnormality", False),
    ("del(5q) negative", "del5q", False),
    ("FISH negative for 5q deletion", "del5q", False),
    ("SF3B1 wild-type", "sf3b1_mutation", False),
    ("SF3B1: not detected", "sf3b1_mutation", False),
    ("mutated SF3B1", "sf3b1_mutation", True),
    ("asymptomatic anemia", "anemia_symptomatic", False),
    ("not symptomatic", "anemia_symptomatic", False),
    ("not for immediate correction", "immediate_correction_needed", False),
    ("no concurrent ESA", "concurrent_esa", False),
    ("together with darbepoetin", "concurrent_esa", True),
])
def test_negation(runtime: Runtime, text: str, fact_id: str, value: bool) -> None:
    f = fact(ask(runtime, f"Reblozyl for MDS, {text}."), fact_id)
    assert f is not None and f.value is value  # type: ignore[attr-defined]


@pytest.mark.parametrize("text", [
    "If EPO were 300, would Reblozyl be approved for MDS?",
    "What if the hemoglobin were 9.5? Reblozyl for MDS",
    "Suppose the serum EPO was 300 — Rytelo for MDS?",
])
def test_hypotheticals_are_not_used(runtime: Runtime, text: str) -> None:
    u = ask(runtime, text)
    assert fact(u, "serum_epo") is None and fact(u, "hemoglobin") is None
    assert any("hypothetical" in x.reason for x in u.unused)


def test_a_plain_if_states_the_case(runtime: Runtime) -> None:
    u = ask(runtime, "Is Reblozyl approved if the patient has RS 20%?")
    assert fact(u, "ring_sideroblasts_pct") is not None


@pytest.mark.parametrize(("text", "fact_id"), [
    ("hemoglobin below 10 g/dL", "hemoglobin"),
    ("Hb < 10", "hemoglobin"),
    ("EPO >500", "serum_epo"),
    ("serum EPO greater than 500 mU/mL", "serum_epo"),
    ("blasts <5%", "marrow_blasts_pct"),
    ("ring sideroblasts ≥15%", "ring_sideroblasts_pct"),
])
def test_bounds_are_not_values(runtime: Runtime, text: str, fact_id: str) -> None:
    u = ask(runtime, f"Reblozyl for MDS with {text}")
    assert fact(u, fact_id) is None
    assert any(x.fact == fact_id and "bound" in x.reason for x in u.unused)


def test_lower_risk_is_noted_not_encoded(runtime: Runtime) -> None:
    u = ask(runtime, "Reblozyl for lower-risk MDS")
    assert fact(u, "ipss_r_category") is None and fact(u, "ipss_category") is None
    assert any(x.fact == "ipss_r_category" and "group" in x.reason for x in u.unused)


@pytest.mark.parametrize(("text", "fact_id", "value"), [
    ("IPSS-R very low", "ipss_r_category", "very_low"),
    ("low-risk MDS", "ipss_r_category", "low"),
    ("int-1 MDS", "ipss_category", "intermediate_1"),
    ("IPSS intermediate-1", "ipss_category", "intermediate_1"),
    ("IPSS low", "ipss_category", "low"),
    ("R-IPSS intermediate", "ipss_r_category", "intermediate"),
    ("IPSS-R high risk", "ipss_r_category", "high"),
])
def test_risk_wordings(runtime: Runtime, text: str, fact_id: str, value: str) -> None:
    f = fact(ask(runtime, f"Reblozyl for {text}"), fact_id)
    assert f is not None and f.value == value  # type: ignore[attr-defined]


@pytest.mark.parametrize(("phrase", "units_8w", "units_16w"), [
    ("4 units every 8 weeks", 4, 8),
    ("2 units twice a month", 8, 16),
    ("2 units every 2 weeks", 8, 16),
    ("3 units every 4 weeks", 6, 12),
    ("needs transfusions every 3 weeks", 3, 6),  # 1 unit each: the minimum
    ("transfusion-dependent", 2, 4),  # the policies' minimum definition
    ("received 6 units in the last 8 weeks", 6, 6),  # a window count is not extrapolated
    ("two units of packed red cells every three weeks", 6, 12),
    ("4 U/8 wk", 4, 8),
    ("not transfusion dependent", 0, 0),
])
def test_transfusion_phrases(runtime: Runtime, phrase: str, units_8w: float, units_16w: float) -> None:
    f = fact(ask(runtime, f"Reblozyl for MDS, {phrase}."), "rbc_transfusions")
    assert f is not None
    events = f.value  # type: ignore[attr-defined]
    assert all(e["date"] <= AS_OF for e in events)
    assert burden(events) == (units_8w, units_16w)
    if events:
        assert events[-1]["date"] == AS_OF and "synthesized" in f.note  # type: ignore[attr-defined]


def test_synthesis_never_counts_more_than_the_rate_in_any_8_weeks() -> None:
    events = synthesize(4, 56, AS_OF)
    b = transfusion_burden([Transfusion(e["date"], e["units"]) for e in events], AS_OF)
    assert (b.units_8w, b.units_16w, b.max_units_any_8w) == (4, 8, 4)
    assert all(1 <= e["units"] <= 2 for e in events)


def test_an_esa_dose_is_not_a_transfusion_rate(runtime: Runtime) -> None:
    u = ask(runtime, "Epoetin alfa 40,000 units weekly for MDS?")
    assert fact(u, "rbc_transfusions") is None


def _status(u: Understanding) -> str | None:
    f = fact(u, "esa_history")
    if f is None:
        return None
    courses = [EsaCourse(c["drug"], c["start"], c.get("end"), c["response"]) for c in f.value]  # type: ignore[attr-defined]
    return assess_esa(courses, AS_OF).status


@pytest.mark.parametrize(("phrase", "status"), [
    ("ESA-naive", "naive"),
    ("never received an ESA", "naive"),
    ("denies prior ESA", "naive"),
    ("no prior ESA therapy", "naive"),
    ("failed 12 weeks of darbepoetin", "failed"),
    ("did not respond to epoetin alfa", "failed"),
    ("no response to ESA after 10 weeks", "failed"),
    ("ESA-refractory", "failed"),
    ("lost response to epoetin", "lost_response"),
    ("responded to darbepoetin but lost response", "lost_response"),
    ("intolerant of epoetin", "intolerant"),
    ("currently on Procrit", "ongoing"),
    ("failed 4 weeks of epoetin", "too_short"),
])
def test_esa_history(runtime: Runtime, phrase: str, status: str) -> None:
    assert _status(ask(runtime, f"Reblozyl for MDS, {phrase}.")) == status


def test_failed_course_ends_before_the_evaluation_date(runtime: Runtime) -> None:
    f = fact(ask(runtime, "Reblozyl for MDS, failed 12 weeks of darbepoetin"), "esa_history")
    course = f.value[0]  # type: ignore[attr-defined]
    assert course["drug"] == "darbepoetin alfa" and course["response"] == "none"
    assert course["end"] < AS_OF and (course["end"] - course["start"]) == dt.timedelta(weeks=12)


def test_esa_history_is_not_the_requested_drug(runtime: Runtime) -> None:
    u = ask(runtime, "Can I get Aranesp approved after failing Procrit?")
    assert u.drug is not None and u.drug.policy_id == "darbepoetin-alfa-mds"
    assert _status(u) == "failed"


@pytest.mark.parametrize(("text", "policy"), [
    ("reblozil", "luspatercept-mds"), ("luspatercet", "luspatercept-mds"), ("ACE-536", "luspatercept-mds"),
    ("luspatercept-aamt", "luspatercept-mds"), ("Rytello", "imetelstat-mds"), ("imetelstat", "imetelstat-mds"),
    ("Epogen", "epoetin-alfa-mds"), ("Procrit", "epoetin-alfa-mds"), ("Retacrit", "epoetin-alfa-mds"),
    ("darbepoietin", "darbepoetin-alfa-mds"), ("Aranesp", "darbepoetin-alfa-mds"), ("Revlimid", "lenalidomide-mds"),
    ("lenalidamide", "lenalidomide-mds"),
])
def test_drug_names(runtime: Runtime, text: str, policy: str) -> None:
    u = ask(runtime, f"Is {text} medically necessary for MDS?")
    assert u.drug is not None and u.drug.policy_id == policy


def test_units_and_conversions(runtime: Runtime) -> None:
    u = ask(runtime, "Rytelo: Hemoglobin 81 g/L, platelets 95,000/uL, ANC 900/uL, EPO 1,200 mIU/mL")
    case = runtime.parse_case(u.case, as_of=AS_OF).facts
    assert (case.value("hemoglobin"), case.value("platelets"), case.value("anc"), case.value("serum_epo")) == (
        8.1, 95, 0.9, 1200)


def test_numbers_nothing_accounted_for_are_listed(runtime: Runtime) -> None:
    u = ask(runtime, "Would Rytelo be approved for a 58 kg patient with MDS?")
    assert len(u.not_understood) == 1 and u.not_understood[0].text.endswith("58 kg")


def test_contradictory_statements_are_dropped_with_their_inferences(runtime: Runtime) -> None:
    u = ask(runtime, "Reblozyl for MDS with normal karyotype and del(5q), Hb 8")
    assert {f.fact for f in u.facts} == {"diagnosis", "hemoglobin"}
    assert {x.fact for x in u.unused if "contradict" in x.reason} >= {"del5q", "karyotype", "cytogenetic_risk"}
    runtime.parse_case(u.case, as_of=AS_OF)  # the case that is left parses
