"""A renewal whose words date transfusions only on treatment and say nothing of the time before the first dose
(helper renew8's open safety finding, 2026-12-07: "started luspatercept 06/01/2026. Hb 8.6 before starting, 10.2
now. Transfusions: 2u 11/10/2026" was a confident 'meets'). The transfusions the text dates are those it speaks of;
they are no record of none in the 16 weeks before the start, so the pre-treatment count (and the fall, and the
'not transfusion-dependent before treatment' branch) is unknown and asked -- never 0 units. Controls: the same text
with the time before said (a count, a rate, or dated transfusions before the start) keeps its computed answer.
Table-driven: drugs x on-treatment logs x hemoglobin pairs; written before the change (failures in the commit)."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from mednec.ask import answer
from mednec.runtime import Runtime

AS_OF = dt.date(2026, 12, 6)
DRUGS = [("Reblozyl", "luspatercept"), ("Rytelo", "imetelstat")]
ON_TREATMENT = ["Transfusions: 2u 11/10/2026.", "Transfused 2 units on 10/02/2026.",
                "PRBC 1 unit 09/15/2026 and 1 unit 11/20/2026.", "She got 2 units of PRBC on 11/10/2026."]
HB = ["Hb 8.6 before starting, 10.2 now.", "Hemoglobin 8.4 g/dL pre-treatment, 10.1 g/dL now."]
BEFORE_SAID = ["Before starting she needed 4 units every 8 weeks.", "Transfusions before starting: 2u 04/10/2026, 2u 05/08/2026.",
               "Pre-treatment she required 6 units in 16 weeks."]


@pytest.mark.parametrize(("drug", "log", "hb"), list(itertools.product(DRUGS, ON_TREATMENT, HB)))
def test_a_log_of_the_time_on_treatment_only_leaves_the_time_before_unknown(runtime: Runtime, drug: tuple[str, str],
                                                                            log: str, hb: str) -> None:
    b, g = drug
    q = f"{b} renewal for lower-risk MDS: started {g} 06/01/2026. {hb} {log}"
    a = answer(q, runtime, as_of=AS_OF)
    assert a.determination is not None, a.message
    fs = a.determination.fact_set
    assert "rbc_units_16w_pretreatment" not in fs, (q, fs["rbc_units_16w_pretreatment"].value)
    assert a.determination.determination.value == "insufficient_information", (q, a.determination.determination.value)


@pytest.mark.parametrize(("drug", "before", "log"), list(itertools.product(DRUGS, BEFORE_SAID, ON_TREATMENT[:2])))
def test_the_time_before_said_keeps_its_count(runtime: Runtime, drug: tuple[str, str], before: str, log: str) -> None:
    b, g = drug
    q = f"{b} renewal for lower-risk MDS: started {g} 06/01/2026. {before} {log}"
    a = answer(q, runtime, as_of=AS_OF)
    assert a.determination is not None, a.message
    fs = a.determination.fact_set
    assert "rbc_units_16w_pretreatment" in fs, q
    assert float(fs["rbc_units_16w_pretreatment"].value) >= 4, (q, fs["rbc_units_16w_pretreatment"].value)


@pytest.mark.parametrize(("text", "start"), [
    ("Renewal of Procrit; Procrit since 09/08/2026.", dt.date(2026, 9, 8)),
    ("Aranesp re-auth: darbepoetin 300 mcg q2wk since 8/2026 (14 wks).", dt.date(2026, 8, 1)),
    ("Retacrit reauth - epoetin alfa 40,000 units weekly since 9/8/2026.", dt.date(2026, 9, 8)),
    ("Reblozyl 1.33 mg/kg q3w SC since 06/01/2026.", dt.date(2026, 6, 1)),
    ("Reblozyl (luspatercept) since 06/01/2026.", dt.date(2026, 6, 1)),
])
def test_a_drug_named_right_before_since_states_its_start(text: str, start: dt.date) -> None:
    """The start a renewal's pre-treatment count is placed before: "<drug> [dose, how often] since <date>" states it
    as "on <drug> since <date>" does (round 6 w06 was right only because the log of the time before counted 0)."""
    from mednec.intake.text.course_start import stated_starts

    assert [s.date for s in stated_starts(text, AS_OF)] == [start]


@pytest.mark.parametrize("text", ["No transfusions since 08/01/2026.", "Transfused 2 units since 08/01/2026.",
                                  "Hb stable since 08/01/2026.", "ESA since 08/01/2026."])
def test_since_after_no_drug_states_no_start(text: str) -> None:
    from mednec.intake.text.course_start import stated_starts

    assert stated_starts(text, AS_OF) == []
