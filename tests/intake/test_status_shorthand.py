"""Payer and lab shorthand for a finding's status and a category, read as the long form (family from
the held-out MDS set: "del5q neg" was read as del(5q) PRESENT, "SF3B1m", "RS+ 18%", "IPSS-R VL",
"EPO exactly 500" and "IPSS-R intermediate, score 3.5" were not read).

Metamorphic: each shorthand is put in the same question as its long form, at the start, the middle
and the end of the clause list, and every fact read (and the determination) must be the same as
with the long form. A status that says absent ("neg", "-ve", "(-)", "not detected") must never read
as present."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from mednec.ask import answer
from mednec.intake.question import understand
from mednec.runtime import Runtime

AS_OF = dt.date(2026, 12, 6)

NEG = ["neg", "neg.", "negative", "-ve", "(-)", ": neg", ": negative", "not detected", "not present"]
POS = ["pos", "positive", "+ve", "(+)", "detected", "present", ": positive"]

#: (long form, shorthand forms) -- each shorthand means exactly the long form
EQUIVALENT: list[tuple[str, list[str]]] = [
    *[("no del(5q)", [f"{n} {st}".replace(" :", ":") for n in ("del5q", "del(5q)", "del 5q", "5q deletion") for st in NEG])],
    *[("del(5q) present", [f"{n} {st}".replace(" :", ":") for n in ("del5q", "del(5q)", "del 5q") for st in POS])],
    ("SF3B1 wild-type", [f"SF3B1 {st}".replace(" :", ":") for st in NEG]),
    ("SF3B1 mutated", ["SF3B1m", "SF3B1mut", "SF3B1 mut", "SF3B1 (+)", "SF3B1 +ve", "SF3B1 pos"]),
    ("ring sideroblasts 18%", ["RS+ 18%", "RS (+) 18%", "RS positive 18%", "RS 18%"]),
    ("IPSS-R very low", ["IPSS-R VL", "IPSS-R vl", "R-IPSS VL"]),
    ("IPSS-R very high", ["IPSS-R VH"]),
    ("IPSS-R intermediate (score 3.5)", ["IPSS-R intermediate, score 3.5", "IPSS-R intermediate; score 3.5",
                                         "IPSS-R intermediate score 3.5"]),
    ("serum EPO 500", ["serum EPO exactly 500", "EPO of exactly 500", "sEPO precisely 500"]),
    ("Hb 9.9", ["Hb exactly 9.9"]),
    ("platelets 50", ["platelets exactly 50"]),
]

OTHER = ["MDS", "Hb 8.2", "4 units in the last 8 weeks", "ESA-naive", "ANC 1.1", "platelets 120"]
DRUGS = ["Reblozyl", "Revlimid", "Rytelo"]


def _read(text: str, runtime: Runtime) -> dict[str, Any]:
    u = understand(text, runtime.catalog, runtime.dictionary, AS_OF)
    return {k: fv.value for k, fv in runtime.parse_case(u.case, as_of=AS_OF).facts.items()}


def _questions(phrase: str, drug: str) -> list[str]:
    """The phrase at the start, the middle and the end of the other clauses (a clause naming the
    same fact is left out)."""
    other = [p for p in OTHER if p.split()[0].lower() != phrase.split()[0].lower()]
    return [f"{drug} for " + ", ".join(other[:pos] + [phrase] + other[pos:]) for pos in (0, 3, len(other))]


CASES = [(long, short) for long, shorts in EQUIVALENT for short in shorts]


@pytest.mark.parametrize(("long", "short"), CASES, ids=[f"{s}" for _, s in CASES])
def test_shorthand_reads_as_the_long_form(runtime: Runtime, long: str, short: str) -> None:
    for drug in DRUGS:
        for q_long, q_short in zip(_questions(long, drug), _questions(short, drug), strict=True):
            want, got = _read(q_long, runtime), _read(q_short, runtime)
            assert got == want, (q_short, got, want)


@pytest.mark.parametrize("st", NEG)
def test_an_absent_status_never_reads_as_present(runtime: Runtime, st: str) -> None:
    for name, fact in (("del5q", "del5q"), ("del(5q)", "del5q"), ("SF3B1", "sf3b1_mutation")):
        text = f"Revlimid for MDS, IPSS low, {name} {st}".replace(" :", ":")
        assert _read(text, runtime).get(fact) is False, text


def test_same_determination_for_the_shorthand(runtime: Runtime) -> None:
    long = "Revlimid for MDS, IPSS int-1, no del(5q), 4 units in 8 weeks, ANC 1.0, platelets 90"
    want = answer(long, runtime, as_of=AS_OF).determination
    assert want is not None
    for st in NEG:
        text = long.replace("no del(5q)", f"del5q {st}".replace(" :", ":"))
        got = answer(text, runtime, as_of=AS_OF).determination
        assert got is not None and got.determination == want.determination == "does_not_meet_criteria", text

