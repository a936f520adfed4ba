"""Tables pasted into notes (held-out round 6 family "note_tables", and round 5's vn07 / vn09): a lab table with
a column per date in pipe form (its rule line under the header ended the table, so the rows were read by the
rules that see the first column: Hgb 8.1 of September instead of 7.3 of November, LDL-C 142 of January instead
of 104 of November); a lipid table in mmol/L whose header is years ("2024  2025  2026 (Oct)": no LDL-C read,
and round 5 vn09 read a year as a triglyceride of 2025); lipid rows at all (LDL-C, HDL-C, triglycerides, total
cholesterol were not table rows). Table-driven: layout (pipe with and without a rule line, spaces) x header
(full dates, years, a month and year) x row (fact, unit in the row or in the caption). The newest column is
the value, in canonical units; a header year is never a value. Held out: written before the change, first
contact in the commit.
"""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from mednec.intake.notes import read_note
from mednec.runtime import Runtime

AS_OF = dt.date(2026, 12, 6)
HEADERS = [  # (three column headers, the date the newest one names)
    (("01/12/2026", "06/30/2026", "11/02/2026"), dt.date(2026, 11, 2)),
    (("2026-01-12", "2026-06-30", "2026-11-02"), dt.date(2026, 11, 2)),
    (("2024", "2025", "2026 (Oct)"), dt.date(2026, 10, 1)),
    (("Jan 2026", "Jun 2026", "Nov 2026"), dt.date(2026, 11, 1)),
]
ROWS = [  # (caption, row label, three values, fact, the newest value in canonical units)
    ("Lipids (mg/dL)", "LDL-C", ("142", "110", "104"), "ldl_c", 104.0),
    ("Lipid panel", "LDL-C (mg/dL)", ("142", "110", "104"), "ldl_c", 104.0),
    ("Lipids (mmol/L)", "LDL-C", ("4.0", "2.7", "2.5"), "ldl_c", 2.5 * 38.67),
    ("Lipids", "LDL cholesterol (mmol/L)", ("4.0", "2.7", "2.5"), "ldl_c", 2.5 * 38.67),
    ("Lipids (mmol/L)", "Triglycerides", ("1.8", "1.7", "1.6"), "triglycerides", 1.6 * 88.57),
    ("Lipids (mg/dL)", "TG", ("210", "180", "176"), "triglycerides", 176.0),
    ("Lipids (mg/dL)", "HDL-C", ("41", "44", "45"), "hdl_c", 45.0),
    ("CBC", "Hgb (g/dL)", ("8.1", "7.6", "7.3"), "hemoglobin", 7.3),
    ("CBC", "Platelets (K/uL)", ("140", "133", "128"), "platelets", 128.0),
]
LAYOUTS = ["pipe_rule", "pipe", "spaces"]


def _table(layout: str, caption: str, heads: tuple[str, ...], label: str, values: tuple[str, ...]) -> str:
    if layout == "spaces":
        return (f"{caption}\n{'':22s}" + "".join(f"{h:14s}" for h in heads) + f"\n{label:22s}"
                + "".join(f"{v:14s}" for v in values) + "\n")
    head = f"| {caption} | " + " | ".join(heads) + " |\n"
    rule = "|---|" + "---|" * len(heads) + "\n" if layout == "pipe_rule" else ""
    return head + rule + f"| {label} | " + " | ".join(values) + " |\n"


ITEMS = list(itertools.product(LAYOUTS, HEADERS, ROWS))


@pytest.mark.parametrize(("layout", "header", "row"), ITEMS)
def test_the_newest_column_is_the_value(runtime: Runtime, layout: str, header: tuple[tuple[str, ...], dt.date],
                                        row: tuple[str, str, tuple[str, ...], str, float]) -> None:
    heads, newest = header
    caption, label, values, fact, want = row
    note = f"Clinic note 11/20/2026\n66M, MDS and prior MI.\n\n{_table(layout, caption, heads, label, values)}\nPlan: follow up.\n"
    u = read_note(note, runtime.catalog, runtime.dictionary, AS_OF, name="n.txt")
    facts = runtime.parse_case(u.case, as_of=AS_OF).facts
    assert fact in facts, (fact, sorted(facts))
    assert abs(float(facts[fact].value) - want) <= max(0.06, 0.005 * want), (facts[fact].value, want)
    for other in ("triglycerides", "hdl_c", "ldl_c", "total_cholesterol"):  # a header year is never a value
        if other in facts and other != fact:
            assert float(facts[other].value) < 1900, (other, facts[other].value)
