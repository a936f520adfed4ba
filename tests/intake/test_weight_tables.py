"""A GLP-1 renewal note's dated weights (held-out round 6 wn06 / wn07 and round 5 vn07): a table or list of
weights by date, the one before the drug marked ("(pre-Wegovy)", "baseline") or dated at its start, was not
read, so the weight loss from baseline was asked. Table-driven: layout (lines, pipe table, one line with ";")
x unit (in the cells, or in the caption) x how the pre-drug weight is known (marked, or the row dated at the
drug's start). The loss is (baseline - latest) / baseline. Without a mark or a start date the baseline stays
unknown (asked): never the first row of any table. Held out: written before the change, first contact in the commit.
"""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from mednec.intake.notes import read_note
from mednec.runtime import Runtime

AS_OF = dt.date(2026, 12, 6)
SERIES = [  # (three (date, value) rows, unit, loss %)
    ((("04/15/2026", "248"), ("07/20/2026", "236"), ("11/30/2026", "229")), "lb", 7.66),
    ((("05/02/2026", "118.0"), ("08/10/2026", "115.2"), ("12/01/2026", "113.5")), "kg", 3.81),
    ((("2026-03-02", "104.0"), ("2026-07-01", "100.1"), ("2026-11-28", "95.0")), "kg", 8.65),
]
DRUGS = [("Wegovy", "Is continued Wegovy medically necessary?"), ("Zepbound", "Zepbound renewal - medically necessary?")]
KNOWN = ["mark", "start"]
LAYOUTS = ["lines_unit_in_cell", "lines_unit_in_caption", "pipe", "one_line"]


def _note(drug: str, rows: tuple[tuple[str, str], ...], unit: str, known: str, layout: str) -> str:
    start = rows[0][0]
    head = f"Weight management follow-up 12/02/2026\n{drug} since {start}, now on the maintenance dose.\n" if known == "start" \
        else f"Weight management follow-up 12/02/2026\n{drug} renewal.\n"
    mark = [f" (pre-{drug})" if known == "mark" else "", "", ""]
    if layout == "lines_unit_in_cell":
        body = "Weights:\n" + "".join(f"  {d}{m}   {v} {unit}\n" for (d, v), m in zip(rows, mark, strict=True))
    elif layout == "lines_unit_in_caption":
        body = f"Weight ({unit}):\n" + "".join(f"  {d}{m}   {v}\n" for (d, v), m in zip(rows, mark, strict=True))
    elif layout == "pipe":
        body = "| Date | Weight |\n|---|---|\n" + "".join(f"| {d}{m} | {v} {unit} |\n" for (d, v), m in zip(rows, mark, strict=True))
    else:
        body = f"Weight ({unit}): " + " ; ".join(f"{d}{m} {v}" for (d, v), m in zip(rows, mark, strict=True)) + "\n"
    return head + body + "Continues reduced-calorie diet and exercise.\n"


ITEMS = list(itertools.product(SERIES, DRUGS, KNOWN, LAYOUTS))


@pytest.mark.parametrize(("series", "drug", "known", "layout"), ITEMS)
def test_the_loss_from_the_pre_drug_weight(runtime: Runtime, series: tuple[tuple[tuple[str, str], ...], str, float],
                                           drug: tuple[str, str], known: str, layout: str) -> None:
    rows, unit, loss = series
    u = read_note(_note(drug[0], rows, unit, known, layout), runtime.catalog, runtime.dictionary, AS_OF, name="n.txt")
    from mednec.engine.evaluate import prepare

    facts = prepare(runtime.parse_case(u.case, as_of=AS_OF).facts, runtime.dictionary, runtime.catalog.calculators)
    assert "weight_loss_pct" in facts, sorted(facts)
    assert abs(float(facts["weight_loss_pct"].value) - loss) < 0.06, facts["weight_loss_pct"].value


@pytest.mark.parametrize("layout", LAYOUTS)
def test_no_baseline_without_a_mark_or_a_start(runtime: Runtime, layout: str) -> None:
    rows, unit, _ = SERIES[0]
    note = _note("Wegovy", rows, unit, "neither", layout)
    u = read_note(note, runtime.catalog, runtime.dictionary, AS_OF, name="n.txt")
    assert "weight_baseline" not in u.case.get("facts", {}), u.case
