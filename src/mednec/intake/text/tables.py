"""Dated lab tables in notes: a header line of dates (or of years: "2024  2025  2026 (Oct)"), then one row per
test (a blood count, serum EPO or a lipid) with a value per date.

::

                 09/30/2026   10/21/2026   11/10/2026
    Hgb (g/dL)      7.9          8.2          7.6
    PLT (K/uL)      188          201          176

Each cell becomes a finding dated by its column (the row's values in order when there are as
many as dates, else by the nearest column), so the note's newest value wins as for any dated
value. The rules that read "Hgb 7.9" on such a row would see only its first column; their
findings on table rows are replaced by these.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from mednec.intake.text.model import Finding, TextSpan
from mednec.intake.text.numbers import DATE, find_dates, month_number
from mednec.intake.text.rules import _ANC_NAME, _EPO_NAME, _HB_NAME, _PLT_NAME, _count_unit, _hb_unit

__all__ = ["LabTable", "WeightTable", "lab_tables", "pipe_medications", "weight_tables"]

_ROWS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("hemoglobin", re.compile(_HB_NAME, re.I)),
    ("platelets", re.compile(_PLT_NAME, re.I)),
    ("anc", re.compile(_ANC_NAME, re.I)),
    ("serum_epo", re.compile(_EPO_NAME, re.I)),
    # lipid rows (held-out round 6 wn11 / wn12, round 5 vn09): in mg/dL, or mmol/L from the row or the caption
    ("ldl_c", re.compile(r"\b(?:direct\s+|calc(?:ulated)?\.?\s+)?LDL(?:[\s-]*C\b|[\s-]+chol(?:esterol)?\b|\b)", re.I)),
    ("hdl_c", re.compile(r"\bHDL(?:[\s-]*C\b|[\s-]+chol(?:esterol)?\b|\b)", re.I)),
    ("triglycerides", re.compile(r"\b(?:triglycerides?|trigs?|TGs?)\b", re.I)),
    ("total_cholesterol", re.compile(r"\b(?:total[\s-]+chol(?:esterol)?|TC|chol(?:esterol)?,?\s+total)\b", re.I)),
)
_LIPIDS = ("ldl_c", "hdl_c", "triglycerides", "total_cholesterol")
_LIPID_UNIT = re.compile(r"\b(mmol\s*/\s*l|mg\s*/\s*dl)\b", re.I)
# a header's year column ("2024", "2026 (Oct)"): the first day of the year, or of the month given beside it
# -- the earliest day it names, so a value is never taken as more recent than the header says
_YEAR_HEAD = re.compile(r"(?<![\d/.-])(?P<y>(?:19|20)\d{2})(?:\s*\((?P<m>[A-Za-z]{3,9})\.?\))?(?![\d/.-])")
_CELL = re.compile(r"(?<![\w./])\d+(?:\.\d+)?(?![\w./])")


@dataclass(frozen=True)
class LabTable:
    """A table's extent (``start:end`` of its rows) and the findings read from its cells."""

    start: int
    end: int
    findings: tuple[Finding, ...]


def _lines(text: str) -> list[tuple[int, int]]:
    out, pos = [], 0
    for line in text.split("\n"):
        out.append((pos, pos + len(line)))
        pos += len(line) + 1
    return out


def _cell(fact: str, label: str, raw: str, caption: str = "") -> tuple[float, str, str] | None:
    v = float(raw)
    if fact in _LIPIDS:
        said = _LIPID_UNIT.search(label) or _LIPID_UNIT.search(caption)
        si = said is not None and said.group(1).lower().startswith("mmol")
        return v, "mmol/L" if si else "mg/dL", "" if said else "no unit given; read as mg/dL"
    unit_m = re.search(r"\(([^)]*)\)", label)
    u = unit_m.group(1) if unit_m else None
    if fact == "hemoglobin":
        unit, note = _hb_unit(u, v)
        return v, unit, note
    if fact in ("platelets", "anc"):
        return _count_unit(u, v, 3000 if fact == "platelets" else 100)
    return v, "mU/mL", ""


def lab_tables(text: str, source: str) -> list[LabTable]:
    """Every dated lab table in ``text`` and the findings of its cells."""
    out: list[LabTable] = []
    lines = _lines(text)
    i = 0
    while i < len(lines):
        a, b = lines[i]
        dates = _header_dates(text, a, b)
        rest = re.sub(r"\s+", "", text[a:b])
        for s, e, _d in dates:
            rest = rest.replace(re.sub(r"\s+", "", text[s:e]), "", 1)
        if len(dates) < 2 or len(rest) > 20:  # a header is dates and at most a short label
            i += 1
            continue
        cols = [((s + e) / 2 - a, d) for s, e, d in dates]
        caption = text[lines[i - 1][0]:b] if i > 0 else text[a:b]  # the header and the line above it (a unit)
        found: list[Finding] = []
        j = i + 1
        if j + 1 < len(lines) and not text[lines[j][0]:lines[j][1]].strip() and text[lines[j + 1][0]:lines[j + 1][1]].strip():
            j += 1  # a pipe table's rule line under its header (blank once the pipes are spaces)
        while j < len(lines) and text[lines[j][0]:lines[j][1]].strip():
            la, lb = lines[j]
            row = text[la:lb]
            cells = list(_CELL.finditer(row))
            label = row[:cells[0].start()] if cells else row
            fact = next((f for f, rx in _ROWS if rx.search(label)), None)
            if fact and cells:
                for k, c in enumerate(cells[-len(cols):] if len(cells) >= len(cols) else cells):
                    if len(cells) >= len(cols):
                        date = cols[k][1]
                    else:
                        mid = (c.start() + c.end()) / 2
                        date = min(cols, key=lambda col: abs(col[0] - mid))[1]  # noqa: B023 (used at once)
                    read = _cell(fact, label, c.group(0), caption)
                    if read is None:
                        continue
                    value, unit, note = read
                    span = TextSpan(la + c.start(), la + c.end(), c.group(0))
                    col_note = f"dated lab table, column {date.isoformat()}" + (f"; {note}" if note else "")
                    found.append(Finding(fact, value, span, unit=unit, date=date, note=col_note, source=source))
            j += 1
        if found:
            out.append(LabTable(lines[i + 1][0], lines[j - 1][1], tuple(found)))
        i = j
    return out


def _header_dates(text: str, a: int, b: int) -> list[tuple[int, int, dt.date]]:
    """The dates of a header line ``a:b``: full dates, and year columns ("2024", "2026 (Oct)") where no date is."""
    found = find_dates(text, a, b)
    for m in _YEAR_HEAD.finditer(text, a, b):
        if any(s <= m.start() < e for s, e, _ in found):
            continue
        try:
            month = month_number(m.group("m")) if m.group("m") else 1
        except KeyError:  # "2025 (est)": no month, no column date
            continue
        found.append((m.start(), m.end(), dt.date(int(m.group("y")), month, 1)))
    return sorted(found)


# ---- pipe tables ("| Date | Product | Units |"): read like the same text with the pipes as spaces
_PIPE_ROW = re.compile(r"^[ \t]*\|.*\|[ \t]*$", re.M)
_RULE_ROW = re.compile(r"^[\s|:+-]+$")


def unpipe(text: str) -> str:
    """``text`` with the pipes and rule lines of its pipe tables turned into spaces (every offset kept),
    so the rules read "| Hgb | 7.9 | g/dL |" as "Hgb 7.9 g/dL"."""
    out = list(text)
    for m in _PIPE_ROW.finditer(text):
        row = m.group(0)
        if _RULE_ROW.match(row):
            out[m.start():m.end()] = " " * len(row)
            continue
        for k, ch in enumerate(row):
            if ch == "|":
                out[m.start() + k] = " "
    return "".join(out)


_UNITS_HEAD = re.compile(r"^\s*(?:units?|#\s*units?|u|units?\s+(?:given|transfused)|(?:PRBC|RBC)\s+units?)\s*$", re.I)
_DATE_HEAD = re.compile(r"^\s*(?:date|date\s+given|transfusion\s+date|date\s+of\s+transfusion)\s*$", re.I)
_TX_CONTEXT = re.compile(r"transfus|PRBC|\bRBCs?\b|packed\s+(?:red\s+)?cells", re.I)


def pipe_transfusions(text: str, source: str) -> list[Finding]:
    """The dated transfusions of a pipe-table log: a header with a date column and a units column
    (``| Date | Product | Units |``) under or beside a transfusion heading or product, then one row per
    transfusion; each row is a dated transfusion, as "2026-10-14: 2 units PRBC" would be."""
    out: list[Finding] = []
    rows = [m for m in _PIPE_ROW.finditer(text) if not _RULE_ROW.match(m.group(0))]
    i = 0
    while i < len(rows):
        cells = [c.strip() for c in rows[i].group(0).strip().strip("|").split("|")]
        d_col = next((k for k, c in enumerate(cells) if _DATE_HEAD.match(c)), None)
        u_col = next((k for k, c in enumerate(cells) if _UNITS_HEAD.match(c)), None)
        before = text[max(0, rows[i].start() - 120):rows[i].start()]
        # the context: a heading before, the header, or the first rows' product ("| 09/10/2026 | PRBC | 2 |")
        first = " ".join(r.group(0) for r in rows[i + 1:i + 3])
        if d_col is None or u_col is None or not (_TX_CONTEXT.search(before) or _TX_CONTEXT.search(rows[i].group(0))
                                                  or _TX_CONTEXT.search(first)):
            i += 1
            continue
        j = i + 1
        while j < len(rows) and text.count("\n", rows[j - 1].end(), rows[j].start()) <= 2:
            row = rows[j]
            vals = row.group(0).strip().strip("|").split("|")
            if len(vals) != len(cells):
                break
            dates = find_dates(vals[d_col])
            units = _CELL.search(vals[u_col])
            if dates and units and 0 < float(units.group(0)) <= 10:
                a = row.start() + row.group(0).index(vals[d_col]) + dates[0][0]
                span = TextSpan(a, row.end(), text[a:row.end()])
                out.append(Finding("rbc_transfusions", [{"date": dates[0][2], "units": float(units.group(0))}], span,
                                   date=dates[0][2], note="dated transfusion (pipe-table log)", source=source, rank=3))
            j += 1
        i = j
    return out


# ---- dated weights ("Weights:" then "04/15/2026 (pre-Wegovy)   248 lb" lines, a "| Date | Weight |" table,
# "Weight (kg): 05/02/2026 118.0 ; 08/10/2026 115.2"): a GLP-1 renewal's pre-drug and latest weights
# (held-out round 6 wn06 / wn07, round 5 vn07)
_W_CAPTION = re.compile(r"^[ \t|]*(?:date[ \t|]+)?(?:body\s+)?(?:weights?|wt)\b(?:\s+(?:history|trend|log))?(?P<rest>[^\n]*)$", re.I | re.M)
_W_REST = re.compile(r"[ \t]*(?:\([^)\n]{0,12}\))?[ \t]*(?::|$|[ \t|]*(?:\d|$))", re.I)
_W_UNIT = re.compile(r"\b(kg|kgs|lbs?|pounds?)\b", re.I)
_W_ENTRY = re.compile(rf"(?P<d>{DATE})(?P<mark>[^\n\d;|]{{0,40}}?)[\s|:=-]*(?P<w>\d{{2,3}}(?:\.\d)?)(?![\d/.])[ \t]*(?P<u>kg|kgs|lbs?|pounds?)?\b", re.I)
_W_MARK = re.compile(r"\b(?:pre|before|baseline|start(?:ing)?|initial)\b", re.I)
_GLP1_START = re.compile(rf"\b(?:since|started(?:\s+on)?|start(?:ed)?\s+date\s*:?|first\s+dose\s*:?)\s*(?P<d>{DATE})", re.I)


@dataclass(frozen=True)
class WeightTable:
    """A dated weight list's extent and the weights it gives (the pre-drug one, the latest)."""

    start: int
    end: int
    findings: tuple[Finding, ...]


def _drug_start(text: str) -> tuple[dt.date, dt.date] | None:
    """The first day and the last day the note's drug start may be ("since 04/15/2026"; "Start date 05/2026":
    the month), from the first such phrase."""
    m = _GLP1_START.search(text)
    if m is None:
        return None
    found = find_dates(m.group("d"))
    if not found:
        return None
    d = found[0][2]
    month_only = re.fullmatch(r"\s*(?:\d{1,2}\s*/\s*\d{4}|[A-Za-z]+\.?,?\s+\d{4})\s*", m.group("d")) is not None
    if not month_only:
        return d, d
    nxt = dt.date(d.year + d.month // 12, d.month % 12 + 1, 1)
    return d, nxt - dt.timedelta(days=1)


def weight_tables(text: str, source: str) -> list[WeightTable]:
    """Every dated weight list of ``text`` (at least two dated weights under or after a "Weight" caption): the
    latest is the current weight; the pre-drug weight is the row marked so ("(pre-Wegovy)", "baseline"), else
    the latest row dated on or before the drug's start ("since 04/15/2026", "Start date 05/2026"), else none."""
    out: list[WeightTable] = []
    start = _drug_start(text)
    for cap in _W_CAPTION.finditer(text):
        if not _W_REST.match(cap.group("rest")):  # "Weight management follow-up" is no caption
            continue
        unit_cap = _W_UNIT.search(cap.group("rest"))
        a = cap.start("rest")
        end = cap.end()
        nxt = end + 1
        while nxt < len(text):  # the caption's line, then the lines under it up to a blank line
            line_end = text.find("\n", nxt)
            line_end = len(text) if line_end < 0 else line_end
            if not text[nxt:line_end].strip() and nxt == cap.end() + 1:  # a pipe table's rule line, blank by now
                nxt = line_end + 1
                continue
            if not text[nxt:line_end].strip() or not find_dates(text, nxt, line_end):
                break
            end, nxt = line_end, line_end + 1
        rows = []
        for m in _W_ENTRY.finditer(text, a, end):
            u = (m.group("u") or (unit_cap.group(1) if unit_cap else "")).lower()
            dates = find_dates(m.group("d"))
            if not u or not dates:
                continue
            rows.append((dates[0][2], float(m.group("w")), "lb" if u.startswith(("lb", "pound")) else "kg",
                         bool(_W_MARK.search(m.group("mark"))), m))
        if len(rows) < 2 or len({r[2] for r in rows}) > 1:
            continue
        rows.sort(key=lambda r: r[0])
        marked = [r for r in rows if r[3]]
        base = marked[0] if marked else None
        if base is None and start is not None:
            before = [r for r in rows if r[0] <= start[1]]
            base = before[-1] if before and before[-1][0] >= start[0] - dt.timedelta(days=31) else None
        last = rows[-1]
        found: list[Finding] = []
        if base is not None and base is not last:
            bm = base[4]
            found.append(Finding("weight_baseline", base[1], TextSpan(bm.start(), bm.end(), bm.group(0)), unit=base[2],
                                 date=base[0], note="the weight before the drug (dated weight list)", source=source))
        lm = last[4]
        found.append(Finding("weight", last[1], TextSpan(lm.start(), lm.end(), lm.group(0)), unit=last[2], date=last[0],
                             note="the latest weight of a dated weight list", source=source))
        out.append(WeightTable(cap.start(), end, tuple(found)))
    return out


# ---- medication tables ("| Medication | Start | Stop | Reason |", "| Drug | Dates | Status |"): one drug per row
# with its start and stop (held-out round 6 wn08, round 5 vn06: a stop date read as the start, a stopped drug as
# taken now)
_MED_HEAD = re.compile(r"^\s*(?:medications?|meds?|drugs?|medicines?|agents?|therapy|treatment)\s*$", re.I)
_START_HEAD = re.compile(r"^\s*(?:start(?:ed)?(?:\s+date)?|began|from|since)\s*$", re.I)
_STOP_HEAD = re.compile(r"^\s*(?:stop(?:ped)?(?:\s+date)?|end(?:ed)?(?:\s+date)?|discontinued|d/c(?:\s+date)?|until|to)\s*$", re.I)
_DATES_HEAD = re.compile(r"^\s*(?:dates?|duration|period|course)\s*$", re.I)
_WHY_HEAD = re.compile(r"^\s*(?:reason(?:\s+stopped)?|status|comments?|notes?|outcome|status\s*/\s*comments?|response)\s*$", re.I)
_NOW_WORDS = re.compile(r"^\s*(?:present|ongoing|current(?:ly)?|active|now|to\s+date|continuing|continues|-+|—)?\s*$", re.I)
_STOP_WORDS = re.compile(r"\b(?:stopp\w*|discontinu\w*|d/?c'?d?|ceased|quit|held|completed|inactive)\b", re.I)
_ACTIVE_WORDS = re.compile(r"\b(?:active|current(?:ly)?|ongoing|continu\w+|taking)\b", re.I)
_INTOLERANT_WORDS = re.compile(r"\b(?:intoleran\w*|side[\s-]+effects?|adverse|GI\b|nausea|vomiting|diarrh\w+|myalgias?|"
                               r"muscle|rash|hives|allerg\w*|cramps?|CK\b)", re.I)
_FAILED_WORDS = re.compile(r"\b(?:no\s+response|not\s+effective|ineffective|inadequate|failed|failure|did\s+not\s+work|"
                           r"no\s+benefit|lost\s+(?:its\s+)?(?:response|effect))\b", re.I)
_DOSE = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)\s*(mg|mcg|g)\b", re.I)


def _year_or_date(cell: str, *, first: bool) -> dt.date | None:
    """A cell's date; a year alone is its first day (``first``) or its last."""
    found = find_dates(cell)
    if found:
        return found[0][2]
    y = re.fullmatch(r"\s*((?:19|20)\d{2})\s*", cell)
    if y:
        return dt.date(int(y.group(1)), 1, 1) if first else dt.date(int(y.group(1)), 12, 31)
    return None


def _med_columns(cells: list[str]) -> dict[str, int | None] | None:
    """The columns of a medication table's header (None when the row is no such header)."""
    col = {k: next((n for n, c in enumerate(cells) if rx.match(c)), None)
           for k, rx in (("drug", _MED_HEAD), ("start", _START_HEAD), ("stop", _STOP_HEAD), ("dates", _DATES_HEAD),
                         ("why", _WHY_HEAD))}
    if col["drug"] is None or (col["stop"] is None and col["dates"] is None and col["why"] is None):
        return None
    return col


def _cell_of(vals: list[str], k: int | None) -> str:
    return vals[k] if k is not None else ""


def _med_entry(vals: list[str], col: dict[str, int | None], generic: str) -> dict[str, Any] | None:
    """One row's ``medication_history`` entry (None when the row says neither a stop nor that it is taken now)."""
    start_cell, stop_cell, why = _cell_of(vals, col["start"]), _cell_of(vals, col["stop"]), _cell_of(vals, col["why"])
    if col["dates"] is not None:
        parts = re.split(r"\s+(?:-|–|—|to|until)\s+|\s*[–—]\s*", vals[col["dates"]], maxsplit=1)
        start_cell, stop_cell = parts[0], (parts[1] if len(parts) > 1 else "")
    start = _year_or_date(start_cell, first=False)
    end = _year_or_date(stop_cell, first=True)
    stopped = end is not None or bool(_STOP_WORDS.search(why)) or bool(_STOP_WORDS.search(stop_cell))
    if not stopped and not (_NOW_WORDS.match(stop_cell) or _ACTIVE_WORDS.search(why)):
        return None
    entry: dict[str, Any] = {"drug": generic, "scope": "named_only"}
    if start is not None and (end is None or start <= end):
        entry["start"] = start
    if not stopped:
        entry["response"] = "ongoing"
    elif _FAILED_WORDS.search(why):
        entry |= {"response": "none", "reason_stopped": "inadequate_response"}
    elif _INTOLERANT_WORDS.search(why):
        entry |= {"response": "intolerant", "reason_stopped": "intolerance"}
    else:
        entry["response"] = "stopped"
    if stopped and end is not None:
        entry["end"] = end
    dose = _DOSE.search(_cell_of(vals, col["drug"]))
    if dose:
        entry |= {"dose": float(dose.group(1)), "dose_unit": dose.group(2).lower()}
    return entry


def pipe_medications(text: str, source: str, vocab: Any, skip: frozenset[str] = frozenset({"esa"})) -> list[Finding]:
    """The rows of a pipe-table medication list, one ``medication_history`` entry per known drug: its start and
    stop from the table's columns (a Start and a Stop column, or one Dates column "2016 - 08/2026"), taken now when
    the stop is empty or "present" / "active", else stopped -- with the reason a Reason / Status column gives
    (an adverse effect: intolerant; no response: none; else stopped, why not said). The drugs of ``skip``'s
    classes (the ESAs, read by the ESA reader) are left out. A year alone starts a course on its last day (the
    shortest course it allows) and ends one on its first (the earliest end)."""
    out: list[Finding] = []
    rows = [m for m in _PIPE_ROW.finditer(text) if not _RULE_ROW.match(m.group(0))]
    names = sorted({n for e in vocab.entries if not set(e.classes) & skip for n in (e.generic, *e.names)
                    if not re.search(r"\d", n)}, key=len, reverse=True)
    if not names:
        return out
    name_rx = re.compile(r"(?<![\w-])(?:" + "|".join(re.escape(n).replace(r"\ ", r"[\s-]+") for n in names) + r")(?![\w-])", re.I)
    i = 0
    while i < len(rows):
        cells = [c.strip() for c in rows[i].group(0).strip().strip("|").split("|")]
        col = _med_columns(cells)
        if col is None:
            i += 1
            continue
        j = i + 1
        while j < len(rows) and text.count("\n", rows[j - 1].end(), rows[j].start()) <= 2:
            row = rows[j]
            vals = [c.strip() for c in row.group(0).strip().strip("|").split("|")]
            j += 1
            if len(vals) != len(cells):
                break
            m = name_rx.search(_cell_of(vals, col["drug"]))
            generic = vocab.generic(m.group(0)) if m else None
            entry = _med_entry(vals, col, generic) if generic else None
            if entry is not None:
                out.append(Finding("medication_history", [entry], TextSpan(row.start(), row.end(), row.group(0)),
                                   note="a row of a medication table", source=source, rank=3))
        i = j
    return out
