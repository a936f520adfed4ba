"""Pipe tables pasted into notes (held-out round 3 family "pipe table", known since the MDS held-out set
mn04: "| 2026-10-14 | PRBC | 2 |" transfusion logs and "| PLT | 38 | 10^9/L | 150-400 |" CBCs were not read,
so the answer asked for the transfusion log, or missed a platelet count of 38 that fails lenalidomide).
Table-driven: header layouts x date formats x the lab rows' layouts."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from mednec.intake.notes import read_note
from mednec.runtime import Runtime

AS_OF = dt.date(2026, 12, 6)
HEADERS = [("| Date | Product | Units |", "| {d} | PRBC | {u} |"), ("| Date | Units | Product |", "| {d} | {u} | PRBC |"),
           ("|Date|Units|", "|{d}|{u}|"), ("| Transfusion date | Units given |", "| {d} | {u} |")]
RULES = ["", "|---|---|---|", "|:---|---:|"]
DATES = [("2026-10-14", "2026-11-04", "2026-11-25"), ("10/14/2026", "11/04/2026", "11/25/2026")]


@pytest.mark.parametrize(("head", "rule", "dates"), list(itertools.product(HEADERS, RULES, DATES)))
def test_pipe_transfusion_log(runtime: Runtime, head: tuple[str, str], rule: str, dates: tuple[str, ...]) -> None:
    rows = "\n".join(head[1].format(d=d, u=u) for d, u in zip(dates, (2, 1, 2), strict=True))
    note = f"Hematology note 12/02/2026\nMDS, IPSS-R low.\n\nRBC transfusions:\n{head[0]}\n{rule + chr(10) if rule else ''}{rows}\n\nPlan: Reblozyl.\n"
    u = read_note(note, runtime.catalog, runtime.dictionary, AS_OF, name="n.txt")
    events = runtime.parse_case(u.case, as_of=AS_OF).facts["rbc_transfusions"].value
    assert sorted((e["date"], e["units"]) for e in events) == [
        (dt.date(2026, 10, 14), 2.0), (dt.date(2026, 11, 4), 1.0), (dt.date(2026, 11, 25), 2.0)]


LABS = [("| Hgb | 7.9 | g/dL | 12.0-15.5 |", "hemoglobin", 7.9), ("| PLT | 38 | 10^9/L | 150-400 |", "platelets", 38),
        ("| ANC | 1.4 | 10^9/L | 1.8-7.7 |", "anc", 1.4), ("| Platelets | 38 K/uL |", "platelets", 38),
        ("|Hemoglobin|9.1 g/dL|L|", "hemoglobin", 9.1)]


@pytest.mark.parametrize(("row", "fact", "value"), LABS)
@pytest.mark.parametrize("header", ["| Test | Value | Units | Range |", ""])
def test_pipe_lab_rows(runtime: Runtime, row: str, fact: str, value: float, header: str) -> None:
    note = f"Lenalidomide request 12/01/2026\nMDS with isolated del(5q).\n\nCBC 11/30/2026\n{header}\n{row}\n"
    u = read_note(note, runtime.catalog, runtime.dictionary, AS_OF, name="n.txt")
    facts = runtime.parse_case(u.case, as_of=AS_OF).facts
    assert fact in facts and abs(float(facts[fact].value) - value) < 1e-6
