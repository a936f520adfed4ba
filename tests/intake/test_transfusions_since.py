"""A negation bounded by "since <date>" says nothing of the transfusions before it (family from the
held-out MDS set: a note's dated log followed by "No transfusions since 11/04/2026" was read as never
transfused -- 0 units, a confident "does not meet" for luspatercept with 4 units in the last 8 weeks
documented). Metamorphic: the dated log in each layout, with and without each closing sentence, gives the
same units; "No transfusions." alone still means none."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from mednec.intake.notes import read_note
from mednec.runtime import Runtime

AS_OF = dt.date(2026, 12, 6)
LOGS = ["10/14/2026 PRBC 2 units\n11/04/2026 PRBC 2 units", "10/14/2026: 2 units PRBC\n11/04/2026: 2 units PRBC",
        "2026-10-14  2 units RBC\n2026-11-04  2 units RBC"]
CLOSING = ["", "No transfusions since 11/04/2026.", "No transfusion since November.",
           "Not transfused since 11/04/2026.", "No PRBC transfusions since 11/04/2026."]


def _units_8w(note: str, runtime: Runtime) -> float:
    u = read_note(note, runtime.catalog, runtime.dictionary, AS_OF, name="n.txt")
    events = runtime.parse_case(u.case, as_of=AS_OF).facts["rbc_transfusions"].value
    return sum(e["units"] for e in events if AS_OF - dt.timedelta(weeks=8) < e["date"] <= AS_OF)


@pytest.mark.parametrize(("log", "closing"), list(itertools.product(LOGS, CLOSING)))
def test_a_bounded_negation_keeps_the_dated_log(runtime: Runtime, log: str, closing: str) -> None:
    note = f"Heme note 12/02/2026\nMDS, IPSS-R low.\nTransfusions:\n{log}\n{closing}\nHgb 8.0 g/dL today.\n"
    assert _units_8w(note, runtime) == 4, (log, closing)


def test_no_transfusions_alone_is_none(runtime: Runtime) -> None:
    assert _units_8w("Heme note 12/02/2026\nMDS, IPSS-R low. No transfusions.\nHgb 9.8 g/dL.\n", runtime) == 0
