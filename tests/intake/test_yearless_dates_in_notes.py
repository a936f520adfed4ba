"""Family test (held-out round 8 sn01, sn02): a transfusion dated by day and month without a year, in a NOTE, was
resolved against the date of another statement -- a diagnosis date earlier on its line ("... diagnosed in June
2026 ... two units on the 16th of October") or a dated lab line above it ("EPO 215 (pre-ESA, 01/2026)") -- so the
"most recent such day" fell in 2025, every unit left the 8-week window and both notes got a confident wrong
'does not meet'. A day and month without a year is the most recent such day on or before the note's own date
(the evaluation date when the note has none); only a date that heads the transfusion's own line (a dated entry,
"06/20/2025: transfused 2u on 5/30") anchors it otherwise. Table-driven: the note's header x the other date's
place x the day's spelling."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from mednec.intake.notes import read_note
from mednec.runtime import Runtime

AS_OF = dt.date(2026, 12, 6)
HEADERS = ["Haematology clinic letter, dictated 2 December 2026.\n", "Heme/Onc progress note 12/01/2026\n",
           "Clinic note\nDate of service: 12/02/2026\n", ""]
OTHER = [  # another dated statement before the transfusions: on their line, or on a line above
    "MDS-RS diagnosed on marrow in June 2026, RS 38%, transfusion dependent: {tx}.",
    "MDS dx 03/2026. Transfusion dependent since then, {tx}.",
    "EPO 215 (pre-ESA, 01/2026)\nPRBC: {tx}",
    "ESA: Procrit Feb-Jul 2026, lost response.\nTransfusions: {tx}",
]
DAYS = [  # (the three days as written, in the transfusion list)
    ("two units on the 16th of October", "two units on the 6th of November", "two units on the 27th of November"),
    ("2 units Oct 16", "2 units Nov 6", "2 units Nov 27"),
    ("2u 10/16", "2u 11/06", "2u 11/27"),
]
WANT = {dt.date(2026, 10, 16), dt.date(2026, 11, 6), dt.date(2026, 11, 27)}


def _dates(runtime: Runtime, text: str) -> set[dt.date]:
    u = read_note(text, runtime.catalog, runtime.dictionary, AS_OF, name="t.txt")
    return {e["date"] for f in u.findings if f.fact == "rbc_transfusions" for e in f.value}


@pytest.mark.parametrize(("header", "other"), list(itertools.product(HEADERS, OTHER)))
def test_a_yearless_day_is_the_latest_on_or_before_the_note_date(runtime: Runtime, header: str, other: str) -> None:
    wrong = []
    for days in DAYS:
        text = header + other.format(tx=", ".join(days[:2]) + " and " + days[2]) + "\nHgb 7.7 g/dL.\n"
        got = _dates(runtime, text)
        if got != WANT:
            wrong.append((text, sorted(got)))
    assert not wrong, wrong


def test_a_dated_entry_still_anchors_its_own_line(runtime: Runtime) -> None:
    text = "Heme note 12/01/2026\nTransfusion log:\n06/20/2025 visit: transfused 2u on 5/30\n"
    got = _dates(runtime, text)
    assert dt.date(2025, 5, 30) in got and dt.date(2026, 5, 30) not in got, got
