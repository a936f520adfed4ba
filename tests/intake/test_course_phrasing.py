"""A course as medication lists and PA requests write it (family from the held-out LDL set, tests/heldout
h21 h28 h31 h33 h35 hn06 hn08 hn10): a medication-list line "atorvastatin 80 mg daily since 05/2025" (no
"on"), a second drug of a list sharing the first one's cue ("on atorvastatin 80 + ezetimibe 10"), "LDL 130
despite atorvastatin" (still taken, not stopped), "since 2024" (a year alone), and a date that belongs
to something else ("STEMI in Jan 2026, LDL 104 on atorvastatin 40 mg started 10/15/2026" took January
as the statin's start and October as its end: a confident wrong approval)."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest

from mednec.intake.question import understand
from mednec.runtime import Runtime

AS_OF = dt.date(2026, 12, 6)
DRUGS = [("atorvastatin", 80), ("rosuvastatin", 20), ("Lipitor", 40), ("Crestor", 10), ("metformin", 1000)]
GENERIC = {"Lipitor": "atorvastatin", "Crestor": "rosuvastatin"}
FREQ = ["daily", "PO daily", "qd", "QHS", "nightly", "once daily", "BID", "po bid", "tablets daily"]
# a start said as a month or a year is the range of its days (held-out dates9: was its first day, or a year's last)
SINCE: list[tuple[str, Any]] = [("since 05/2025", (dt.date(2025, 5, 1), dt.date(2025, 5, 31))),
                                ("since March 2026", (dt.date(2026, 3, 1), dt.date(2026, 3, 31))),
                                ("since 2024", (dt.date(2024, 1, 1), dt.date(2024, 12, 31))),
                                ("started 10/15/2026", dt.date(2026, 10, 15)), ("", None)]


def _start(e: dict[str, Any]) -> Any:
    """A course's start: its day, or its first and last possible day."""
    return e["start"] if "start" in e else (e["start_earliest"], e["start_latest"]) if "start_earliest" in e else None


def _hist(runtime: Runtime, text: str) -> list[dict[str, Any]]:
    u = understand(text, runtime.catalog, runtime.dictionary, AS_OF)
    return [e for f in u.facts if f.fact == "medication_history" for e in f.value]


@pytest.mark.parametrize(("freq", "since"), list(itertools.product(FREQ, SINCE)))
def test_a_medication_list_line_is_taken_now(runtime: Runtime, freq: str, since: tuple[str, dt.date | None]) -> None:
    words, start = since
    for drug, dose in DRUGS:
        text = f"Repatha for ASCVD. Meds: {drug} {dose} mg {freq} {words}".strip()
        got = _hist(runtime, text)
        assert len(got) == 1, (text, got)
        e = got[0]
        assert (e["drug"], e["response"], e.get("dose"), _start(e)) == (GENERIC.get(drug, drug), "ongoing", dose, start), text


@pytest.mark.parametrize("join", [" + ", " and ", ", ", " / ", " plus "[:0] + " & "])
@pytest.mark.parametrize("cue", ["on", "taking", "LDL 130 mg/dL despite", "LDL-C 3.4 mmol/L despite"])
def test_the_second_drug_shares_the_cue(runtime: Runtime, join: str, cue: str) -> None:
    for first in ("atorvastatin 80", "atorvastatin 80 mg", "rosuvastatin 40 mg for 6 months"):
        text = f"Praluent, prior MI, {cue} {first}{join}ezetimibe 10 mg"
        got = {e["drug"]: e["response"] for e in _hist(runtime, text)}
        assert got.get("ezetimibe") == "ongoing" and set(got.values()) == {"ongoing"}, (text, got)


@pytest.mark.parametrize("lab", ["LDL 130", "LDL-C 2.9 mmol/L", "HbA1c 8.4%", "A1c 9.1"])
def test_despite_after_a_lab_is_still_taken(runtime: Runtime, lab: str) -> None:
    got = _hist(runtime, f"{lab} despite atorvastatin 40 mg for 6 months")
    assert [(e["response"], "end" in e) for e in got] == [("ongoing", False)]


@pytest.mark.parametrize("text", [
    "Repatha after STEMI in Jan 2026, LDL 104 on atorvastatin 40 mg started 10/15/2026",
    "Repatha; STEMI 01/05/2026, LDL 104 on atorvastatin 40 mg started 10/15/2026",
    "Praluent: LDL 104 (checked 01/02/2026), atorvastatin 40 mg started 10/15/2026",
])
def test_a_date_of_something_else_is_not_the_course(runtime: Runtime, text: str) -> None:
    got = _hist(runtime, text)
    assert [(e.get("start"), e.get("end")) for e in got] == [(dt.date(2026, 10, 15), None)], got


def test_a_lab_date_after_the_drug_is_not_its_start(runtime: Runtime) -> None:
    got = _hist(runtime, "Praluent, on atorvastatin 80 + ezetimibe 10, LDL 92 (checked 11/02/2026)")
    assert all("start" not in e for e in got), got


def test_dates_before_the_drug_still_date_it(runtime: Runtime) -> None:
    got = _hist(runtime, "From 2025-01-10 to 2025-06-01 she received lenalidomide 10 mg daily, no response")
    assert [(e["start"], e["end"]) for e in got] == [(dt.date(2025, 1, 10), dt.date(2025, 6, 1))]


@pytest.mark.parametrize("text", ["Plan: start atorvastatin 40 mg daily", "will start rosuvastatin 20 mg daily",
                                  "Recommend atorvastatin 80 mg daily"])
def test_a_plan_is_not_taken_now(runtime: Runtime, text: str) -> None:
    assert _hist(runtime, text) == []


@pytest.mark.parametrize("form", ["XR", "ER", "XL", "SR", "extended-release"])
def test_a_formulation_between_the_name_and_the_dose(runtime: Runtime, form: str) -> None:
    """held-out h41: "metformin XR 2000 mg daily" was not read, so the oral-drug step was asked"""
    got = _hist(runtime, f"Ozempic for T2D, metformin {form} 2000 mg daily")
    assert [(e["drug"], e["response"], e.get("dose")) for e in got] == [("metformin", "ongoing", 2000.0)]


def test_a_note_anchors_a_course_on_its_own_date_not_the_lines(runtime: Runtime) -> None:
    """held-out hn08: "Rosuvastatin 20 mg daily since 11/2025 and ezetimibe 10 mg daily since 07/2026" dropped
    ezetimibe as "dated after the text" (the line's first date was taken as the note's)."""
    from mednec.intake.notes import read_note

    note = "Preventive cardiology\nT2DM.\nRosuvastatin 20 mg daily since 11/2025 and ezetimibe 10 mg daily since 07/2026.\n"
    u = read_note(note, runtime.catalog, runtime.dictionary, AS_OF, name="n")
    got = {e["drug"]: _start(e) for f in u.facts if f.fact == "medication_history" for e in f.value}
    assert got == {"rosuvastatin": (dt.date(2025, 11, 1), dt.date(2025, 11, 30)),
                   "ezetimibe": (dt.date(2026, 7, 1), dt.date(2026, 7, 31))}


@pytest.mark.parametrize("token", ["45F", "45M", "45yo", "45 y/o", "45-year-old"])
def test_an_age_after_a_header_is_not_a_weight(runtime: Runtime, token: str) -> None:
    u = understand(f"Visit for weight\n{token} with prediabetes, BMI 33", runtime.catalog, runtime.dictionary, AS_OF)
    assert "weight" not in {f.fact for f in u.facts}


def test_a_course_started_after_the_notes_first_date(runtime: Runtime) -> None:
    """held-out hn06: the note's date is taken from its first date (here the MI's, 04/2025); a statin started
    after it (05/2025) is still read -- only a start after the evaluation date is refused."""
    from mednec.intake.notes import read_note

    note = ("CARDIOLOGY CLINIC NOTE\n61 yo M s/p anterior STEMI 04/2025 with DES to LAD.\n"
            "Lipid-lowering: atorvastatin 80 mg daily since 05/2025, adherent.\n")
    u = read_note(note, runtime.catalog, runtime.dictionary, AS_OF, name="n")
    got = [(e["drug"], e["response"], _start(e)) for f in u.facts if f.fact == "medication_history" for e in f.value]
    assert got == [("atorvastatin", "ongoing", (dt.date(2025, 5, 1), dt.date(2025, 5, 31)))]
    late = read_note("Plan note.\natorvastatin 80 mg daily since 03/2027.\n", runtime.catalog, runtime.dictionary, AS_OF, name="n")
    assert not [f for f in late.facts if f.fact == "medication_history"]
