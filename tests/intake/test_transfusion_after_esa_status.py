"""Family test (held-out round 8 s01, s03, s07): a dated transfusion said after an ESA's status in the same
sentence was dropped as "an ESA dose on a date": "ESA naive, PRBC 2u on 7-Nov-2026", "EPO 1,020 (ESA-ineligible),
..., RBC 1u 10/30/2026, 1u 11/13/2026", "he has never had epo or aranesp ... transfused two units on 10/20/2026".
The ESA words guard a dose said on a date ("Procrit 40,000 units on 10/01/2026"); a transfusion word between the
ESA word and the units, or an ESA named only by its status (naive, ineligible, never had), says the units are
blood. Table-driven: the ESA statement x the transfusion list; controls: an ESA's own dose on a date is still no
transfusion."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from mednec.intake.question import understand
from mednec.runtime import Runtime

AS_OF = dt.date(2026, 12, 6)
ESA = ["ESA naive", "ESA-naive", "EPO 1,020 (ESA-ineligible)", "never had epo or aranesp", "no prior ESA",
       "failed Procrit 40k weekly x 12 wks", "Aranesp stopped 08/2026 (no response)"]
TX = [("PRBC 2u on 11/07/2026", 2), ("RBC 1u 10/30/2026, 1u 11/13/2026, 1u 11/27/2026", 3),
      ("transfused two units on 10/20/2026 and two units on 11/17/2026", 4), ("PRBC 2u on 7-Nov-2026", 2)]


def _units(runtime: Runtime, text: str) -> float:
    u = understand(text, runtime.catalog, runtime.dictionary, AS_OF)
    return sum(e["units"] for f in u.facts if f.fact == "rbc_transfusions" for e in f.value
               if e["date"] >= dt.date(2026, 10, 11))


@pytest.mark.parametrize(("esa", "tx"), list(itertools.product(ESA, TX)))
def test_the_transfusions_after_an_esa_status_are_read(runtime: Runtime, esa: str, tx: tuple[str, int]) -> None:
    text = f"Reblozyl for MDS-RS, IPSS-R low, RS 30%, del(5q) neg, {esa}, {tx[0]}, Hgb 8.1"
    assert _units(runtime, text) == tx[1], text


@pytest.mark.parametrize("text", ["Reblozyl for MDS-RS, Procrit 40,000 units on 10/01/2026, Hgb 8.1",
                                  "Rytelo for MDS, Retacrit 60000 u on 11/02/2026 and 11/09/2026, Hgb 8.0"])
def test_an_esa_dose_on_a_date_is_no_transfusion(runtime: Runtime, text: str) -> None:
    assert _units(runtime, text) == 0, text
