"""A count of a renewal's doses said without their level (held-out renew8 rw16, rw19; renew9 r9-36, r9-38, helper
renew9): "5 doses so far", "5 infusions given so far", "6 doses given (q4w)", "about 3 months in (3 doses)", "cycle 4
given 11/30/2026". Before, none was read, so imetelstat's assessment window (under 24 weeks and fewer than 6 doses) was
asked whenever the weeks alone did not close it. The count is `treatment_dose_count` (given), never doses at an
invented level. Controls: doses at a level stay the level reader's, a plan ("after 6 doses") is no count."""

from __future__ import annotations

import datetime as dt

import pytest

from mednec.ask import answer
from mednec.runtime import default_runtime

AS_OF = dt.date(2026, 12, 6)
RT = default_runtime()

# (text, count read, determination)
ROWS = [
    ("Rytelo re-auth: first infusion 07/13/2026; 5 infusions given so far. Before starting, 4 units every 8 weeks; still about the same.", 5, "meets_criteria"),
    ("Rytelo renewal: C1D1 06/22/2026, 5 doses so far. Transfusion need unchanged from before starting, about 4 units every 8 weeks.", 5, "meets_criteria"),
    ("Rytelo renewal. Started imetelstat 07/13/2026, 6 doses given (q4w). Transfusions unchanged from pre-treatment: 2 units every 4 weeks.", 6, "does_not_meet_criteria"),
    ("Rytelo continuation - C1D1 09/08/2026, cycle 4 given 11/30/2026. Needs 3 units per month, same as before.", 4, "meets_criteria"),
    ("Rytelo renewal: imetelstat started 07/20/2026 (four doses). Transfusions unchanged from pre-treatment: 2 units every 4 weeks.", 4, "meets_criteria"),
    ("Rytelo renewal: started imetelstat 07/06/2026; six infusions completed. Still 2 units every 4 weeks, same as before.", 6, "does_not_meet_criteria"),
]


@pytest.mark.parametrize(("text", "count", "determination"), ROWS)
def test_a_dose_count_without_its_level(text: str, count: int, determination: str) -> None:
    det = answer(text, RT, as_of=AS_OF).determination
    assert det is not None
    got = det.fact_set.get("treatment_dose_count")
    assert got is not None and got.value == count, text
    assert det.determination == determination, text


@pytest.mark.parametrize("text", ["Rytelo renewal: C1D1 07/13/2026; reassess after 6 doses. Still 2 units every 4 weeks, as before.",
                                  "Reblozyl renewal: started 06/01/2026; 3 doses at 1.75 mg/kg (10/6, 10/27, 11/17/2026).",
                                  "Rytelo renewal: C1D1 07/13/2026. CBC weekly for the first two cycles given the risk of cytopenias.",
                                  "Rytelo renewal: C1D1 07/13/2026; 2 cycles given the neutropenia were delayed."])
def test_no_count_from_a_plan_or_a_level(text: str) -> None:
    det = answer(text, RT, as_of=AS_OF).determination
    assert det is not None
    got = det.fact_set.get("treatment_dose_count")
    assert got is None or got.provenance.source.startswith("calculated"), text  # only the level reader's doses, counted
