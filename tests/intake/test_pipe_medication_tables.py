"""A medication table pasted into a note, one drug per row with its start and stop (held-out round 6 wn08, round 5
vn06): "| metformin 500 mg BID | 2015 | 04/2026 | stopped - eGFR below 30 |" was read as metformin taken now
(its stop date read as its start), so a step that needs an oral drug within 90 days passed on a drug stopped
months before. Table-driven: header layouts (Start/Stop columns, one Dates column, a Status column) x the row's
status (stopped with a date, with a reason; active, present, blank stop) x the drugs of the three packs (not the
ESAs, read by the ESA reader). A stopped row is never taken now; an active row is. Held out: written before the
change, first contact in the commit.
"""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from mednec.intake.notes import read_note
from mednec.runtime import Runtime

AS_OF = dt.date(2026, 12, 6)
DRUGS = [("metformin 1000 mg BID", "metformin"), ("atorvastatin 40 mg daily", "atorvastatin"),
         ("Lipitor 80 mg", "atorvastatin"), ("ezetimibe 10 mg", "ezetimibe"), ("Ozempic 1 mg weekly", "semaglutide"),
         ("rosuvastatin 20 mg", "rosuvastatin"), ("Revlimid 10 mg", "lenalidomide")]
LAYOUTS = {  # header, row template ({drug}, {start}, {stop}, {why})
    "start_stop_reason": ("| Medication | Start | Stop | Reason |", "| {drug} | {start} | {stop} | {why} |"),
    "dates_status": ("| Medication | Dates | Status / comment |", "| {drug} | {start} - {stop} | {why} |"),
    "drug_dose_start_end": ("| Drug | Start date | End date | Comment |", "| {drug} | {start} | {stop} | {why} |"),
}
STOPPED = [("2019", "04/2026", "stopped - GI intolerance"), ("01/2024", "03/2026", "discontinued"),
           ("2022", "06/15/2026", "d/c - cost")]
ACTIVE = [("2023", "present", "active"), ("03/2024", "", "current"), ("2021", "ongoing", "")]
ITEMS = list(itertools.product(DRUGS, LAYOUTS, STOPPED + ACTIVE))


def _history(runtime: Runtime, note: str) -> list[dict[str, object]]:
    u = read_note(note, runtime.catalog, runtime.dictionary, AS_OF, name="n.txt")
    got = u.case.get("facts", {}).get("medication_history") or []
    return list(got.get("value") or []) if isinstance(got, dict) else list(got)


@pytest.mark.parametrize(("drug", "layout", "row"), ITEMS)
def test_a_stopped_row_is_not_taken_now(runtime: Runtime, drug: tuple[str, str], layout: str,
                                        row: tuple[str, str, str]) -> None:
    head, tmpl = LAYOUTS[layout]
    start, stop, why = row
    note = (f"Clinic note 11/20/2026\n61F.\nMedication history:\n{head}\n|---|---|---|\n"
            + tmpl.format(drug=drug[0], start=start, stop=stop, why=why) + "\n| folic acid 1 mg | 2025 | | |\n\nPlan: follow up.\n")
    entries = [e for e in _history(runtime, note) if drug[1] in str(e.get("drug", "")).lower()]
    active = (start, stop, why) in ACTIVE
    assert entries, note
    ongoing = any(e.get("response") == "ongoing" for e in entries)
    assert ongoing is active, (row, entries)
