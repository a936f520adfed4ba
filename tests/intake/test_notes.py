"""Reading clinical notes with medspaCy: spans into the note, dates, context, and lazy loading."""

from __future__ import annotations

import subprocess
import sys

import pytest

from mednec.intake.notes import note_date, pipeline, read_note
from mednec.labels import Case
from mednec.runtime import Runtime
from tests.intake.conftest import AS_OF

NOTE = """Hematology note
Date of service: 2026-11-15
70-year-old woman with MDS-RS (D46.1), IPSS-R low. No del(5q). Family history: her brother had MDS.
Hemoglobin trend:
2026-08-01  Hb 9.4 g/dL
2026-11-14  Hb 7.9 g/dL
Serum EPO 140 mU/mL (2026-06-01); repeat EPO 180 mU/mL (2026-10-01).
Darbepoetin alfa from 2026-05-01 to 2026-08-15 without a response.
Transfused 2 units PRBC on 2026-10-02, 2026-10-23 and 2026-11-13.
If hemoglobin rises above 11.5, hold luspatercept.
Plan: request luspatercept.
"""


def test_spans_point_into_the_note(runtime: Runtime, note_cases: list[Case]) -> None:
    for c in note_cases:
        u = read_note(c.text, runtime.catalog, runtime.dictionary, AS_OF, name=c.name)
        for f in u.facts:
            assert c.text[f.span.start:f.span.end] == f.span.text, (c.name, f.fact)
            assert f.source == f"note {c.name}"


def test_dates_context_and_conflicts(runtime: Runtime) -> None:
    u = read_note(NOTE, runtime.catalog, runtime.dictionary, AS_OF, name="n.txt")
    facts = {f.fact: f for f in u.facts}
    assert facts["hemoglobin"].value == 7.9 and facts["hemoglobin"].date.isoformat() == "2026-11-14"
    assert facts["serum_epo"].value == 180 and facts["serum_epo"].date.isoformat() == "2026-10-01"
    assert facts["del5q"].value is False and "negated" in facts["del5q"].modifiers
    assert facts["diagnosis"].value == "D46.1"  # the brother's MDS (family) is not used
    assert any(x.fact == "diagnosis" and "family" in x.reason for x in u.unused)
    course = facts["esa_history"].value[0]
    assert (course["start"].isoformat(), course["end"].isoformat(), course["response"]) == (
        "2026-05-01", "2026-08-15", "none")
    assert [e["date"].isoformat() for e in facts["rbc_transfusions"].value] == ["2026-10-02", "2026-10-23", "2026-11-13"]  # noqa: E501
    assert {c.fact for c in u.conflicts} >= {"hemoglobin", "serum_epo"}
    assert u.drug is not None and u.drug.policy_id == "luspatercept-mds"


def test_note_date() -> None:
    assert note_date(NOTE).isoformat() == "2026-11-15"  # type: ignore[union-attr]
    assert note_date("LAB REPORT  Collected: 11/03/2026 08:12\nHb 9.2") .isoformat() == "2026-11-03"  # type: ignore[union-attr]


def test_pipeline_is_rule_based_and_cached(runtime: Runtime) -> None:
    nlp, rules = pipeline(runtime.catalog)
    assert pipeline(runtime.catalog)[0] is nlp
    # ConText is the shared engine (mednec.intake.text.context), not a pipeline component
    assert nlp.pipe_names == ["mednec_lines", "medspacy_target_matcher"]
    assert set(rules) >= {"HEMOGLOBIN", "DEL5Q", "ESA", "TRANSFUSION_RATE"}


def test_importing_intake_does_not_load_spacy() -> None:
    code = ("import sys, mednec.intake.notes, mednec.intake.question, mednec.cli, mednec.ask; "
            "print(any(m.split('.')[0] in ('spacy', 'medspacy', 'thinc') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.strip() == "False"


SECTIONS = """Clinic visit 2026-11-13
Diagnosis: Myelodysplastic syndrome (D46.9). IPSS-R: Low.

FAMILY HISTORY:
No family history of MDS or leukemia. Mother had MDS at 80; sister with anemia, Hb 9.0.

LABS:
             09/30/2026   10/21/2026   11/10/2026
Hgb (g/dL)      7.9          8.2          7.6
PLT (K/uL)      188          201          176

Plan: start darbepoetin alfa.
"""


def test_a_family_history_section_never_touches_the_patients_own_findings(runtime: Runtime) -> None:
    u = read_note(SECTIONS, runtime.catalog, runtime.dictionary, AS_OF, name="sections")
    facts = {f.fact: f for f in u.facts}
    assert facts["diagnosis"].value == "D46.9" and "negated" not in facts["diagnosis"].modifiers
    # the sister's Hb 9.0 in the family section is not the patient's; the table's newest column is
    assert facts["hemoglobin"].value == 7.6 and facts["hemoglobin"].date is not None
    assert facts["hemoglobin"].date.isoformat() == "2026-11-10"
    assert facts["platelets"].value == 176


def test_a_dated_lab_table_is_read_per_column(runtime: Runtime) -> None:
    from mednec.intake.text.tables import lab_tables

    (table,) = lab_tables(SECTIONS, "note t")
    got = sorted((f.fact, f.date.isoformat(), f.value) for f in table.findings if f.date)
    assert ("hemoglobin", "2026-09-30", 7.9) in got and ("hemoglobin", "2026-11-10", 7.6) in got
    assert ("platelets", "2026-10-21", 201.0) in got
    assert all(SECTIONS[f.span.start:f.span.end] == f.span.text for f in table.findings)


# the negated statements notes carry, and the facts each may touch (a normal karyotype implies others)
_NEGATED_LINES: list[tuple[str, set[str]]] = [
    ("No del(5q).", {"del5q"}), ("She has never received an ESA.", {"esa_history"}),
    ("SF3B1 negative.", {"sf3b1_mutation"}), ("No monosomy 7.", {"chromosome7_abnormality"}),
    ("Not transfusion dependent.", {"rbc_transfusions"}), ("Denies symptoms of anemia.", {"anemia_symptomatic"}),
    ("No concurrent ESA.", {"concurrent_esa"}), ("Denies prior ESA use.", {"esa_history"}),
    ("No ring sideroblasts seen.", {"ring_sideroblasts_pct"}), ("Has never been transfused.", {"rbc_transfusions"}),
    ("No family history of MDS.", set()), ("Family history: mother with MDS, no del(5q).", set()),
]
_IGNORED = {"karyotype", "cytogenetic_risk"}


def _note_facts(text: str, runtime: Runtime) -> dict[str, object]:
    u = read_note(text, runtime.catalog, runtime.dictionary, AS_OF, name="n")
    return {f.fact: repr(f.value) for f in u.facts}


def test_a_negated_line_about_one_fact_never_changes_another(runtime: Runtime, note_cases: list[Case]) -> None:
    """Insert a negated statement into a note -- on a line of its own, or joined to an existing sentence
    with 'and' -- and every other fact read stays what it was (the questions' safety property, for notes)."""
    import random

    rng = random.Random(11)
    bad, tried = [], 0
    for c in note_cases:
        base = _note_facts(c.text, runtime)
        lines = c.text.split("\n")
        for _ in range(4):
            stmt, touched = rng.choice(_NEGATED_LINES)
            if touched & set(base):
                continue
            # only between sentences: a line wrapped mid-sentence ("4 units over the" / "past 8 weeks.") is one statement
            ends = [i for i in range(1, len(lines) + 1) if not lines[i - 1].strip() or lines[i - 1].rstrip()[-1] in ".:"]
            pos = rng.choice(ends)
            new = list(lines)
            target = new[pos - 1].rstrip()
            if target.endswith(".") and rng.random() < 0.5:  # "...transfused 2 units q3w. -> ... and no del(5q)."
                new[pos - 1] = f"{target[:-1]} and {stmt[0].lower()}{stmt[1:]}"
            else:
                new.insert(pos, stmt)
            text = "\n".join(new)
            got = _note_facts(text, runtime)
            tried += 1
            changed = {k for k in set(base) - touched - _IGNORED if got.get(k) != base.get(k)}
            if changed:
                bad.append(f"{c.name} + {stmt!r} at line {pos}: {[(k, base.get(k), got.get(k)) for k in sorted(changed)]}")
    assert tried >= 40
    assert not bad, f"{len(bad)} of {tried}:\n" + "\n".join(bad[:8])


def test_a_relatives_findings_stay_the_relatives(runtime: Runtime) -> None:
    """A sentence that opens with a relative is about the relative past its commas; a relative named right
    after a finding makes it theirs; a family mention inside a list of the patient's findings ends at its comma."""
    from mednec.intake.question import understand

    base = "Visit 2026-11-19. 72-year-old woman with MDS-RS, Hb 7.9 g/dL.\n"
    for line in ("Family history: mother with MDS, no del(5q).", "No del(5q) in her mother.",
                 "Mother had MDS with del(5q), treated with lenalidomide."):
        u = read_note(base + line, runtime.catalog, runtime.dictionary, AS_OF, name="n")
        assert "del5q" not in {f.fact for f in u.facts}, line
        assert any(f.fact == "hemoglobin" for f in u.facts)
    q = understand("Reblozyl for 72M, family history of MDS in brother, Hb 7.9, 2 units q3w, EPO 150",
                   runtime.catalog, runtime.dictionary, AS_OF)
    assert {"hemoglobin", "rbc_transfusions", "serum_epo"} <= {f.fact for f in q.facts}
    u = read_note(base + "Her mother had MDS, but she has del(5q) on FISH.", runtime.catalog, runtime.dictionary, AS_OF)
    assert any(f.fact == "del5q" and f.value is True for f in u.facts)


@pytest.mark.parametrize(("text", "want"), [
    ("Patient: John Carter    DOB: 04/22/1958\nCardiology clinic note\nLDL-C 112 mg/dL", None),  # a birth date
    ("DOB 1/9/1970\nEndocrinology consult\nA1c 8.8%", None),
    ("Weight management visit. Born 12/01/1985.\nBMI 36", None),
    ("Referred 03/2019 for exertional chest pain; CABG x3 05/2019.\nCardiology follow-up.", None),  # an old event
    ("02/2020 STEMI, DES to RCA.\nLDL today 98 mg/dL.", None),
    ("History: metformin started 2023, discontinued 03/2025 due to GI upset", None),
    ("HEMATOLOGY CLINIC NOTE\nDate of service: 11/12/2026\nDOB: 02/14/1956", "2026-11-12"),  # header on its own line
    ("Progress note 11/19/2026\npt is 69yo", "2026-11-19"),
    ("SLEEP MEDICINE CONSULT 11/18/2026\n58-year-old male", "2026-11-18"),
    ("LETTER OF MEDICAL NECESSITY\n\nNovember 18, 2026\n", "2026-11-18"),
    ("DISCHARGE SUMMARY\nAdmit: 11/02/2026  Discharge: 11/05/2026", "2026-11-02"),
    ("Visit 2026-11-19. 80-year-old man", "2026-11-19"),
])
def test_note_date_is_not_guessed(text: str, want: str | None) -> None:
    """Without a "Date:" header a date is the note's only when it heads the note (alone on its line, or after
    a short heading naming the note); a date of birth, a referral or an old event is not (held-out hn16-hn23)."""
    got = note_date(text)
    assert (got.isoformat() if got else None) == want
