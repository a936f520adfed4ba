"""Family test (held-out round 4, fn01, fn02; the round-3 leftover rn04): an ESA in a medication list or table.
"| Aranesp (darbepoetin alfa) | 300 mcg SC q2 weeks | 03/2026 | active |" was not read, so a running ESA was
taken as ended and imetelstat's "not with an ESA" was presumed (a confident "meets"); "Procrit  40,000 units
SC weekly  02/10/2025  06/30/2026  Discontinued - lost response" was not read (the ESA history asked). A row
that starts with the ESA gives its course: running from the start date when its status is active / current /
ongoing, ended on the stop date with the outcome its stop reason gives when discontinued / stopped; a stop
without a reason (or without dates) is a course without its response, not used."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from mednec.intake.notes import read_note
from mednec.runtime import Runtime

AS_OF = dt.date(2026, 12, 6)
HEAD = "Heme clinic 12/01/2026\n78 y/o M with MDS, IPSS-R low.\n\nCurrent medications:\n"
ESAS = [("Aranesp", "darbepoetin alfa"), ("Aranesp (darbepoetin alfa)", "darbepoetin alfa"), ("Procrit", "epoetin alfa"),
        ("Retacrit", "epoetin alfa"), ("epoetin alfa", "epoetin alfa")]
RUNNING = ["| {esa} | 300 mcg SC q2 weeks | 03/01/2026 | active |", "{esa}   40,000 units SC weekly   2026-03-01   current",
           "- {esa} 40,000 units weekly  03/01/2026  ongoing", "{esa}\t40,000 units weekly\t03/01/2026\tActive"]
STOPPED = [("{esa}  40,000 units SC weekly  02/10/2025  06/30/2026  Discontinued - lost response", "lost_response"),
           ("| {esa} | 500 mcg q3w | 02/10/2025 | 06/30/2026 | stopped: no response |", "none"),
           ("{esa}  40,000 units weekly  2025-02-10  2026-06-30  discontinued (hypertension)", "intolerant"),
           ("{esa}   weekly   02/10/2025   06/30/2026   D/C'd - ineffective", "none")]


def _courses(text: str, runtime: Runtime) -> list[dict[str, object]]:
    u = read_note(text, runtime.catalog, runtime.dictionary, AS_OF, name="esa-row.txt")
    return [c for f in u.findings if f.fact == "esa_history" and isinstance(f.value, list) for c in f.value]


@pytest.mark.parametrize(("row", "esa", "drug"), [(r, a, d) for r, (a, d) in itertools.product(RUNNING, ESAS)])
def test_a_current_esa_row_is_a_running_course(runtime: Runtime, row: str, esa: str, drug: str) -> None:
    courses = _courses(HEAD + "apixaban 5 mg PO BID  2021  active\n" + row.format(esa=esa) + "\n", runtime)
    assert {"drug": drug, "start": dt.date(2026, 3, 1), "response": "ongoing", "dated": True} in courses
    assert not [c for c in courses if c.get("end") is not None]


@pytest.mark.parametrize(("row", "esa", "drug", "response"),
                         [(r, a, d, o) for (r, o), (a, d) in itertools.product(STOPPED, ESAS)])
def test_a_stopped_esa_row_is_an_ended_course_with_its_outcome(runtime: Runtime, row: str, esa: str, drug: str,
                                                              response: str) -> None:
    courses = _courses(HEAD + row.format(esa=esa) + "\nlevothyroxine 75 mcg daily  2010  active\n", runtime)
    assert {"drug": drug, "start": dt.date(2025, 2, 10), "end": dt.date(2026, 6, 30), "response": response,
            "dated": True} in courses


@pytest.mark.parametrize("row", ["Procrit  40,000 units weekly  02/10/2025  06/30/2026  Discontinued",
                                 "Aranesp 300 mcg q2w  stopped", "apixaban 5 mg BID  2021  active",
                                 "Transfusions: PRBC 2 units 10/14/2026, Aranesp held"])
def test_rows_without_an_outcome_or_an_esa_give_no_course(runtime: Runtime, row: str) -> None:
    assert _courses(HEAD + row + "\n", runtime) == []
