"""Treatment history in questions and notes (mednec.intake.text.treatments): a family of phrasings
generated from status forms x every non-ESA drug name the packs know x doses and durations, read into
medication_history; the requested drug and ESAs never become an entry; what cannot be an entry is
listed as not used."""

from __future__ import annotations

import itertools
import random

import pytest

from mednec.intake.notes import read_note
from mednec.intake.question import catalog_drugs, understand
from mednec.runtime import Runtime
from tests.intake.conftest import AS_OF

# (template, expected response); {d} is a drug name
FORMS: list[tuple[str, str]] = [
    ("failed {d}", "none"), ("no response to {d}", "none"), ("{d} failed", "none"), ("refractory to {d}", "none"),
    ("did not respond to {d}", "none"), ("progressed on {d}", "none"), ("inadequate response to {d}", "none"),
    ("lost response to {d}", "lost_response"), ("relapsed after {d}", "lost_response"),
    ("stopped responding to {d}", "lost_response"), ("intolerant of {d}", "intolerant"),
    ("could not tolerate {d}", "intolerant"), ("{d} stopped due to side effects", "intolerant"),
    ("responded to {d}", "response"), ("currently on {d}", "ongoing"), ("on {d}", "ongoing"), ("taking {d}", "ongoing"),
    ("{d} is contraindicated", "contraindicated"), ("contraindication to {d}", "contraindicated"),
]
REASON = {"none": "inadequate_response", "lost_response": "lost_response", "intolerant": "intolerance",
          "contraindicated": "contraindication"}


def _names(runtime: Runtime) -> list[tuple[str, str]]:
    vocab = catalog_drugs(runtime.catalog)
    return [(n, e.generic) for e in vocab.entries if "esa" not in e.classes for n in (e.generic, *e.names)]


def _history(text: str, runtime: Runtime) -> list[dict[str, object]]:
    u = understand(text, runtime.catalog, runtime.dictionary, AS_OF)
    return next((list(f.value) for f in u.facts if f.fact == "medication_history"), [])  # type: ignore[arg-type]


def test_every_status_form_for_every_drug_name(runtime: Runtime) -> None:
    names = _names(runtime)
    assert len(names) >= 5
    rng = random.Random(7)
    bad = []
    for (form, response), (name, generic) in itertools.product(FORMS, names):
        lead = rng.choice(["Is Rytelo appropriate for MDS", "Reblozyl request", "Does this patient qualify for imetelstat"])
        if generic.lower().startswith(("imetelstat", "luspatercept")) and any(k in lead.lower() for k in ("rytelo", "reblozyl", "imetelstat")):
            continue  # the requested drug itself
        text = f"{lead}? {form.format(d=name).capitalize()}; Hb 7.8 g/dL."
        got = _history(text, runtime)
        want = {"drug": generic, "response": response}
        if not any({k: e.get(k) for k in want} == want for e in got):
            bad.append(f"{text!r}: {got}")
            continue
        entry = next(e for e in got if e["drug"] == generic)
        if REASON.get(response) != entry.get("reason_stopped"):
            bad.append(f"{text!r}: reason {entry.get('reason_stopped')}")
    assert not bad, f"{len(bad)} of {len(FORMS) * len(names)}:\n" + "\n".join(bad[:10])


@pytest.mark.parametrize(("text", "dose", "weeks"), [
    ("imetelstat for MDS; failed Revlimid 10 mg/day for 6 months", 10.0, 26),
    ("Reblozyl: no response to lenalidomide 10 mg daily x 16 weeks", 10.0, 16),
    ("imetelstat; intolerant of lenalidomide 5 mg", 5.0, None),
    ("imetelstat; Revlimid 1 mg/kg failed", None, None),  # a weight-based dose is not a flat dose
])
def test_dose_and_duration(runtime: Runtime, text: str, dose: float | None, weeks: int | None) -> None:
    (entry,) = _history(text, runtime)
    assert entry.get("dose") == dose
    if weeks is None:
        assert "start" not in entry
    else:
        days = (entry["end"] - entry["start"]).days  # type: ignore[operator]
        assert abs(days - weeks * 7) <= 4


@pytest.mark.parametrize("text", [
    "Is Reblozyl medically necessary for MDS with 4 units every 8 weeks?",
    "Reblozyl request: MDS-RS, EPO 200",
    "imetelstat, failed Revlimid",  # the failure is Revlimid's
    "Would Rytelo be covered, prior lenalidomide?",  # a bare mention
    "Epoetin alfa failed after 12 weeks; Reblozyl requested",  # an ESA: esa_history, not medication_history
    "If lenalidomide fails, would Reblozyl be covered?",
    "Her mother failed lenalidomide. Reblozyl for the patient?",
    # "Never received lenalidomide" is an entry since issue 13's gap was closed: response not_given
    # (tests/intake/test_not_given.py)
])
def test_what_never_becomes_an_entry(runtime: Runtime, text: str) -> None:
    got = _history(text, runtime)
    requested = {"luspatercept-aamt", "imetelstat"}
    assert not [e for e in got if e["drug"] in requested or "poetin" in str(e["drug"])], got
    if "lenalidomide" in text.lower() and "failed revlimid" not in text.lower():
        assert not got, got


def test_notes_read_treatment_history(runtime: Runtime) -> None:
    note = ("Hematology follow-up 2026-11-10\n72-year-old man with MDS del(5q).\n"
            "Lenalidomide 10 mg daily from 2026-03-01 to 2026-08-15, stopped for grade 4 neutropenia (intolerance).\n"
            "Plan: request luspatercept.\n")
    u = read_note(note, runtime.catalog, runtime.dictionary, AS_OF)
    (f,) = [f for f in u.facts if f.fact == "medication_history"]
    (entry,) = f.value  # type: ignore[misc]
    assert entry["drug"] == "lenalidomide" and entry["response"] == "intolerant"
    assert str(entry["start"]) == "2026-03-01" and str(entry["end"]) == "2026-08-15"


# no longer taken, why not said (held-out round 2, family "discontinued"): response ``stopped``, never ongoing
STOP_FORMS = ["no longer on {d}", "no longer taking {d}", "stopped {d}", "discontinued {d} in 2025", "came off {d}",
              "off {d} since 2022", "was on {d} until 2024", "{d} was discontinued", "{d} stopped in March 2026",
              "used to take {d}", "has stopped taking {d}"]


def test_every_stop_form_for_every_drug_name(runtime: Runtime) -> None:
    rng = random.Random(11)
    bad = []
    names = [(n, g) for n, g in _names(runtime) if not any(ch.isdigit() for ch in n)]  # "ACE-536": not read by name
    for form, (name, generic) in itertools.product(STOP_FORMS, names):
        lead = rng.choice(["Repatha request", "Is Zepbound appropriate", "Does this patient qualify for imetelstat"])
        if any(k in lead.lower() for k in (name.lower(), generic.lower())) or generic.lower().startswith(
                ("evolocumab", "tirzepatide", "imetelstat")):
            continue  # the requested drug itself
        text = f"{lead}? {form.format(d=name).capitalize()}; LDL 120 mg/dL."
        got = [e for e in _history(text, runtime) if e["drug"] == generic]
        if [e.get("response") for e in got] != ["stopped"] or got[0].get("reason_stopped"):
            bad.append(f"{text!r}: {got}")
    assert not bad, f"{len(bad)}:\n" + "\n".join(bad)


@pytest.mark.parametrize(("text", "end"), [
    ("Trulicity for DM2, off metformin since 2022", "2022-12-31"),  # a year alone: its last day
    ("Praluent; was on ezetimibe until 2024", "2024-12-31"),
    ("Repatha; stopped rosuvastatin 40 mg in March 2026", "2026-03-01"),
    ("Repatha; no longer on atorvastatin", None),
])
def test_a_stop_date_is_the_course_end(runtime: Runtime, text: str, end: str | None) -> None:
    (entry,) = _history(text, runtime)
    assert entry["response"] == "stopped"
    assert (entry["end"].isoformat() if "end" in entry else None) == end  # type: ignore[attr-defined]


@pytest.mark.parametrize(("text", "response"), [
    ("Reblozyl; lenalidomide discontinued in 2025 for grade 4 neutropenia", "intolerant"),
    ("Reblozyl; lenalidomide stopped after 4 months due to lack of efficacy", "none"),
    ("Praluent; stopped atorvastatin due to myalgias", "intolerant"),
])
def test_a_stop_with_its_reason_is_that_outcome(runtime: Runtime, text: str, response: str) -> None:
    (entry,) = _history(text, runtime)
    assert entry["response"] == response


@pytest.mark.parametrize(("text", "policy", "determination"), [
    # a stopped statin is not the high-intensity statin still taken; why it stopped is asked, never denied
    ("Repatha for 61M with prior MI, LDL 118 mg/dL, no longer on atorvastatin", "evolocumab-repatha",
     "insufficient_information"),
    ("Praluent for CAD s/p PCI, LDL 104; was on atorvastatin 80 mg from 2021 until 2025", "alirocumab-praluent",
     "insufficient_information"),
    # a stopped GLP-1 is not a concurrent one
    ("Mounjaro for T2DM, discontinued Ozempic in 2025, currently on metformin 1000 mg BID", "tirzepatide-mounjaro",
     "meets_criteria"),
    # metformin stopped long ago, why not said: the oral step is asked
    ("Ozempic for type 2 diabetes; metformin was stopped in 2023", "semaglutide-ozempic", "insufficient_information"),
    # lenalidomide stopped, how it ended not said: the del(5q) exception is asked, not refused
    ("Reblozyl for MDS with del(5q), IPSS-R low, 4 units RBC in 8 weeks, Hb 7.9, no longer taking lenalidomide",
     "luspatercept-mds", "insufficient_information"),
])
def test_stopped_drugs_decide_nothing_they_do_not_say(runtime: Runtime, text: str, policy: str,
                                                       determination: str) -> None:
    from mednec.ask import answer

    a = answer(text, runtime, as_of=AS_OF)
    assert a.policy is not None and a.determination is not None
    assert (a.policy.id, a.determination.determination) == (policy, determination)


@pytest.mark.parametrize(("text", "weeks"), [
    # a lower bound is the course's floor (enough for a minimum); an upper bound leaves the length unknown
    ("Repatha; atorvastatin 80 mg for more than 6 months", 26),
    ("Repatha; on rosuvastatin 40 mg for over a year", 52),
    ("Repatha; atorvastatin 80 mg daily for at least 12 weeks", 12),
    ("Repatha; has been on rosuvastatin 20 mg for more than 3 months", 13),
    ("Repatha; atorvastatin 80 mg daily for the past 6 months", 26),
    ("Repatha; atorvastatin 80 mg daily, taking for 1 year", 52),
    ("Repatha; atorvastatin 80 mg for less than a month", None),
    ("Repatha; on atorvastatin 80 mg for under 2 months", None),
])
def test_duration_bounds(runtime: Runtime, text: str, weeks: int | None) -> None:
    (entry,) = _history(text, runtime)
    assert entry["response"] == "ongoing"
    if weeks is None:
        assert "start" not in entry
    else:
        assert abs((AS_OF - entry["start"]).days - weeks * 7) <= 7  # type: ignore[operator]
