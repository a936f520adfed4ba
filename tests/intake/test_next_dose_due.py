"""Family test (held-out round 8 l23): a drug whose next dose is due is being taken now. "Praluent ... had a Leqvio
injection 2 months ago, next dose due in 4 months" read nothing of inclisiran, so the no-combination criterion was
presumed and the answer was a confident 'meets' once the rest was read (inclisiran is given every 6 months: a dose
2 months ago is current therapy). A PCSK9 antibody or inclisiran named with "next dose / injection / infusion due"
is taken now, so a request for another one asks whether they would be combined. Table-driven: the drug's name x
how its last dose and next one are said x the drug requested; controls: a next visit or lab is no dose, and a
drug stopped stays stopped."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from mednec.ask import answer
from mednec.intake.question import understand
from mednec.runtime import Runtime

AS_OF = dt.date(2026, 12, 6)
OTHERS = [("Leqvio", "inclisiran", "Praluent"), ("inclisiran", "inclisiran", "Repatha"),
          ("Praluent", "alirocumab", "Repatha"), ("evolocumab", "evolocumab", "Leqvio")]
SAID = ["had a {d} injection 2 months ago, next dose due in 4 months", "{d} last given 09/2026, next dose due 03/2027",
        "last {d} dose 10/01/2026, next due 04/2027", "{d} 284 mg, next injection due in February",
        "{d} every 6 months - next dose is due 3/2027"]
BASE = "{req} request: prior MI, atorvastatin 80 mg daily x 3 years (current), LDL 101 (11/2026); {said}."


@pytest.mark.parametrize(("other", "said"), list(itertools.product(OTHERS, SAID)))
def test_a_drug_with_its_next_dose_due_is_taken_now(runtime: Runtime, other: tuple[str, str, str], said: str) -> None:
    name, generic, req = other
    text = BASE.format(req=req, said=said.format(d=name))
    u = understand(text, runtime.catalog, runtime.dictionary, AS_OF)
    got = [e for f in u.facts if f.fact == "medication_history" for e in f.value if e.get("drug") == generic]
    assert got and got[0]["response"] == "ongoing", (text, got)
    a = answer(text, runtime, as_of=AS_OF)
    assert a.determination is not None and a.determination.determination != "meets_criteria", (text, a.determination)


@pytest.mark.parametrize("text", ["Praluent request: prior MI, atorvastatin 80 mg daily x 3 years (current), LDL 101; "
                                  "Leqvio stopped 2024, next lipid panel due in 3 months.",
                                  "Praluent request: prior MI, atorvastatin 80 mg daily x 3 years (current), LDL 101; "
                                  "never had Leqvio; next visit due in 4 months."])
def test_a_next_visit_or_lab_is_no_dose(runtime: Runtime, text: str) -> None:
    u = understand(text, runtime.catalog, runtime.dictionary, AS_OF)
    got = [e for f in u.facts if f.fact == "medication_history" for e in f.value if e.get("drug") == "inclisiran"]
    assert all(e["response"] != "ongoing" for e in got), got
