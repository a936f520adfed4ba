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
