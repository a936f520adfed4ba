"""A fact table chunk -> fact columns in canonical units, with the rows only the row-wise
engine may answer.

Every value is parsed exactly as a case file's value is: each *distinct* raw value (a
category spelling, a unit, a number written as text) goes once through the case-file parser
(:func:`mednec.intake.values.parse_fact_value`) and the result is broadcast; typed columns
(numbers with a unit column, booleans, dates, Parquet event lists) take vectorised paths that
reproduce the parser's arithmetic (``x * factor`` then Python's ``round(x, 6)``) and checks
(unit, plausible range, future dates, required event fields, contradictions). A row the
parser would refuse, or that holds anything these paths do not read, is marked ``bad``: the
row-wise engine then gives it its exact answer or error message.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from mednec.errors import MednecError
from mednec.facts.dictionary import FactDef, FactDictionary, FieldDef
from mednec.intake.case_file import whole_years
from mednec.intake.values import parse_date, parse_fact_value, read_off_rows, unit_without_once_daily, value_code_facts
from mednec.population.columnar import digests
from mednec.population.table import AS_OF_COLUMN, PATIENT_COLUMN, FactColumns, TableLayout

__all__ = ["EPOCH", "Bools", "Codes", "Days", "Events", "Field", "Floats", "Frame", "Ints", "Scalar", "Values", "date_of",
           "day_of", "frame_from_table", "new_features", "row_values", "take_rows"]

EPOCH = dt.date(1970, 1, 1)
_FAR = dt.date.max
_DATE_MIN = (dt.date.min - EPOCH).days
_NO_DAY = (dt.date.max - EPOCH).days + 1  # no date seen (later than any date)

Bools = NDArray[np.bool_]
Floats = NDArray[np.float64]
Ints = NDArray[np.int64]
#: dates as days since 1970-01-01
Days = NDArray[np.int32]
#: category codes (positions in the fact's values; -1: none)
Codes = NDArray[np.int16]
#: a scalar fact's values: numbers, booleans, category codes or days
Values = Floats | Bools | Codes | Days
#: one field of every event: days, numbers, category codes or text
Field = Days | Floats | Codes | NDArray[np.object_]


def day_of(d: dt.date) -> int:
    """Days since 1970-01-01."""
    return (d - EPOCH).days


def date_of(days: int) -> dt.date:
    return EPOCH + dt.timedelta(days=int(days))


@dataclass
class Scalar:
    """One scalar fact: values (float64 numbers, bool, int16 category codes or int32 days) and
    where it is present.

    A calculator may know a value only in part (:mod:`mednec.facts.partial`): ``part`` marks those
    rows (``None``: no such row). There a number lies from ``values`` to ``high`` (``high`` equals
    ``values`` elsewhere), a category or boolean is one of the codes set in ``options`` (a bit
    mask; ``values`` holds the first), and ``missing`` is a bit mask over ``missing_facts``: the
    facts that would settle it, in the order the row-wise value names them."""

    kind: str
    values: Values
    has: Bools
    part: Bools | None = None
    high: Values | None = None
    options: Ints | None = None
    missing: Ints | None = None
    missing_facts: tuple[str, ...] = ()

    def overlay(self, other: Scalar, take: Bools) -> Scalar:
        """This column with ``other``'s values (and what it knows in part) in the rows ``take``."""
        out = Scalar(self.kind, np.where(take, other.values, self.values), self.has | take)
        if self.part is None and other.part is None:
            return out
        n = len(take)
        mine, theirs = self.partial(n), other.partial(n)
        if mine[4] and theirs[4] and mine[4] != theirs[4]:
            raise ValueError("two calculators give different missing facts for one fact")
        out.part = np.where(take, theirs[0], mine[0])
        out.high = np.where(take, theirs[1], mine[1])
        out.options = np.where(take, theirs[2], mine[2])
        out.missing = np.where(take, theirs[3], mine[3])
        out.missing_facts = theirs[4] or mine[4]
        return out

    def partial(self, n: int) -> tuple[Bools, Values, Ints, Ints, tuple[str, ...]]:
        """What the column knows in part, with no gaps: (the rows known in part, the numbers' upper
        ends, the categories' possibilities, the missing settling facts, their names)."""
        if self.part is None:
            return (np.zeros(n, dtype=bool), self.values, np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64),
                    ())
        high = self.high if self.high is not None else self.values
        options = self.options if self.options is not None else np.zeros(n, dtype=np.int64)
        missing = self.missing if self.missing is not None else np.zeros(n, dtype=np.int64)
        return self.part, high, options, missing, self.missing_facts


@dataclass
class Events:
    """An events fact as an event table: the events of row ``i`` are ``offsets[i]:offsets[i+1]``
    (sorted as the case-file parser sorts them); ``fields`` are arrays over all events
    (dates as days, numbers as float64, categories as int16 codes into the field's values, text
    as objects) with ``valid`` for optional fields; ``has`` says where the list is given (an
    empty list is given: ``esa_history: []`` is ESA-naive)."""

    offsets: Ints
    row: Ints
    fields: dict[str, Field]
    valid: dict[str, Bools]
    has: Bools


@dataclass
class Frame:
    """A chunk's facts as columns."""

    n: int
    patient_ids: list[str]
    as_of: Days
    #: rows the row-wise engine answers (the parser refuses them, or they hold what the columns do not read)
    bad: Bools
    facts: dict[str, Scalar | Events] = field(default_factory=dict)
    #: per row, the declared contradiction (its index in the dictionary's) the case-file parser
    #: refuses the row for, when nothing else refuses it first; -1 elsewhere
    contradiction: NDArray[np.int32] | None = None
    #: per row, the earliest observation date of its values (``<fact>_date`` columns), for the birth-date check
    observed_min: Ints | None = None

    def has(self, fact: str) -> Bools:
        col = self.facts.get(fact)
        return col.has if col is not None else np.zeros(self.n, dtype=bool)

    def mark(self, rows: Bools) -> None:
        """Leave these rows to the row-wise engine."""
        self.bad |= rows

    def observed(self, rows: Bools, days: Days | Ints) -> None:
        """Values of these rows were observed on ``days``: keep each row's earliest."""
        if self.observed_min is None:
            self.observed_min = np.full(self.n, _NO_DAY, dtype=np.int64)
        self.observed_min = np.where(rows, np.minimum(self.observed_min, days), self.observed_min)


def take_rows(frame: Frame, rows: Ints, facts: frozenset[str]) -> Frame | None:
    """The rows ``rows`` of ``frame`` with the scalar facts ``facts`` (None when one of them is an
    events fact, which these rows are not taken for)."""
    cols: dict[str, Scalar | Events] = {}
    for f in facts:
        col = frame.facts.get(f)
        if col is None:
            continue
        if isinstance(col, Events):
            return None
        if col.part is None:
            cols[f] = Scalar(col.kind, col.values[rows], col.has[rows])
            continue
        part, high, options, missing, names = col.partial(frame.n)
        cols[f] = Scalar(col.kind, col.values[rows], col.has[rows], part[rows], high[rows], options[rows], missing[rows],
                         names)
    return Frame(len(rows), list(map(frame.patient_ids.__getitem__, rows.tolist())), frame.as_of[rows], frame.bad[rows],
                 cols)


def row_values(frame: Frame, i: int, dictionary: FactDictionary,
               only: frozenset[str] | None = None) -> dict[str, object]:
    """Row ``i``'s scalar facts as the row-wise engine's values (a value known in part as a
    :class:`~mednec.facts.partial.OneOf` or :class:`~mednec.facts.partial.Between`), of the facts in
    ``only`` when given; events facts are left out."""
    from mednec.facts.partial import Between, OneOf

    out: dict[str, object] = {}
    for fact, col in frame.facts.items():
        if (only is not None and fact not in only) or not col.has[i]:
            continue
        if isinstance(col, Events):  # see mednec.population.columnar.calculators._fact_value
            continue
        fd = dictionary.facts[fact]
        keys: list[object] = list(fd.values) if fd.type == "category" else [False, True]
        if col.part is not None and col.part[i]:
            assert col.missing is not None and col.high is not None and col.options is not None
            missing = tuple(f for j, f in enumerate(col.missing_facts) if (int(col.missing[i]) >> j) & 1)
            out[fact] = Between(float(col.values[i]), float(col.high[i]), missing) if fd.type == "number" else \
                OneOf(tuple(k for c, k in enumerate(keys) if (int(col.options[i]) >> c) & 1), missing)
        elif fd.type in ("category", "boolean"):
            out[fact] = keys[int(col.values[i])]
        elif fd.type == "date":
            out[fact] = date_of(col.values[i])
        else:
            out[fact] = float(col.values[i])
    return out


def _valid(arr: pa.Array) -> Bools:
    return np.asarray(arr.is_valid().to_numpy(zero_copy_only=False), dtype=bool)


def _days(arr: pa.Array) -> Days:
    if pa.types.is_timestamp(arr.type):
        arr = arr.cast(pa.date32())
    return np.asarray(pc.fill_null(arr.cast(pa.int32()), 0).to_numpy(zero_copy_only=False), dtype=np.int32)


def _codes_of(fd: FactDef) -> dict[str, int]:
    return {k: i for i, k in enumerate(fd.values)}


class _Parsed:
    """The case-file parser applied once per distinct raw value of a column."""

    def __init__(self, fd: FactDef) -> None:
        self.fd = fd
        self.cache: dict[Any, Any] = {}

    def __call__(self, raw: Any, unit: Any = None) -> Any:
        key = (type(raw), raw, type(unit), unit)
        try:
            return self.cache[key]
        except KeyError:
            pass
        except TypeError:  # an unhashable value (a list where a number belongs): the row-wise engine
            return _BAD
        value: Any
        try:
            given = raw if unit is None else {"value": raw, "unit": unit}
            fv = parse_fact_value(self.fd, given, as_of=_FAR, path=self.fd.id, source="table")
            value = _NONE if fv is None else fv.value  # null or an empty string: not documented
            if self.fd.type == "number" and not isinstance(value, int | float | _Bad):
                value = _BAD  # a bound written in the cell ("> 500"): an interval, read by the row-wise engine
        except (MednecError, TypeError, ValueError, OverflowError):
            value = _BAD
        self.cache[key] = value
        return value


class _Bad:
    pass


_BAD = _Bad()
_NONE = _Bad()  # a value the parser reads as not documented (an empty string): no value, not a refusal


def _python_round6(values: Floats) -> Floats:
    """Python's ``round(x, 6)`` (correctly rounded) on a float64 array.

    A float that is the nearest double to a decimal with at most six places rounds to itself;
    that is checked exactly (``rint(x * 1e6) / 1e6 == x``), and only the others go through
    Python's ``round``, once per distinct value."""
    with np.errstate(invalid="ignore", over="ignore"):
        candidate = np.rint(values * 1e6) / 1e6
    same = candidate == values
    if same.all():
        return values
    out = values.copy()
    other = ~same
    uniq, inverse = np.unique(values[other], return_inverse=True)
    out[other] = np.array([round(float(v), 6) for v in uniq], dtype=np.float64)[inverse]
    return out


def _empty_values(fd: FactDef, n: int) -> Values:
    """A scalar fact's value column before any row is read: 0 (number, date as days, boolean
    false), -1 for a category (no code)."""
    if fd.type == "number":
        return np.zeros(n, dtype=np.float64)
    if fd.type == "boolean":
        return np.zeros(n, dtype=bool)
    if fd.type == "category":
        return np.full(n, -1, dtype=np.int16)
    return np.zeros(n, dtype=np.int32)


def _scalar_from_python(fd: FactDef, raws: list[Any], units: list[Any] | None, frame: Frame) -> Scalar:
    """Any column, value by value through the parser (distinct values once)."""
    parse = _Parsed(fd)
    n = frame.n
    has = np.zeros(n, dtype=bool)
    bad = np.zeros(n, dtype=bool)
    codes = _codes_of(fd) if fd.type == "category" else {}
    values = _empty_values(fd, n)
    for i, raw in enumerate(raws):
        if raw is None or (isinstance(raw, float) and math.isnan(raw)):
            continue
        if isinstance(raw, dt.datetime):
            raw = raw.date().isoformat()
        elif isinstance(raw, dt.date):
            raw = raw.isoformat()
        v = parse(raw, units[i] if units is not None else None)
        if v is _NONE:
            continue
        if v is _BAD:
            bad[i] = True
            continue
        has[i] = True
        if fd.type == "category":
            values[i] = codes[v]
        elif fd.type == "date":
            values[i] = day_of(v)
        else:
            values[i] = v
    frame.mark(bad)
    return Scalar(fd.type, values, has)


def _number(fd: FactDef, col: pa.Array, unit: pa.Array | None, frame: Frame) -> Scalar:
    """A numeric column (and its unit column): ``x * factor + offset``, range, Python rounding."""
    n = frame.n
    has = _valid(col)
    x = np.asarray(pc.fill_null(col.cast(pa.float64()), 0.0).to_numpy(zero_copy_only=False), dtype=np.float64)
    has &= ~np.isnan(x)  # NaN in a table is an empty cell: not documented
    bad = has & ~np.isfinite(x)
    factor = np.ones(n, dtype=np.float64)
    offset = np.zeros(n, dtype=np.float64)
    if unit is not None:
        if not (pa.types.is_string(unit.type) or pa.types.is_large_string(unit.type)):
            bad |= has & _valid(unit)
        else:
            enc = unit.dictionary_encode()
            idx = np.asarray(pc.fill_null(enc.indices, -1).to_numpy(zero_copy_only=False), dtype=np.int64)
            table, offs = [], []
            for u in enc.dictionary.to_pylist():
                try:
                    fac, off = fd.scale(u, path=fd.id) if fd.unit is not None else (1.0, 0.0)
                    table.append(fac)
                    offs.append(off)  # an affine unit's offset (0 for most)
                except MednecError:
                    table.append(math.nan)
                    offs.append(0.0)
            facs = np.array([*table, 1.0], dtype=np.float64)  # index -1 (no unit): canonical
            factor = facs[idx]
            offset = np.array([*offs, 0.0], dtype=np.float64)[idx]
            bad |= has & np.isnan(factor)
            factor = np.where(np.isnan(factor), 1.0, factor)
    canonical = np.where(offset != 0.0, x * factor + offset, x * factor)  # as FactDef.convert computes it
    if fd.range is not None:
        lo, hi = fd.range
        with np.errstate(invalid="ignore"):
            bad |= has & ~((canonical >= lo) & (canonical <= hi))
    ok = has & ~bad
    canonical = np.where(ok, canonical, 0.0)
    frame.mark(bad)
    return Scalar("number", _python_round6(canonical), has & ~bad)


def _dictionary_parse(fd: FactDef, col: pa.Array, frame: Frame) -> Scalar:
    """A text column of a category or boolean fact: each distinct spelling parsed once."""
    parse = _Parsed(fd)
    enc = col.dictionary_encode()
    idx = np.asarray(pc.fill_null(enc.indices, -1).to_numpy(zero_copy_only=False), dtype=np.int64)
    codes = _codes_of(fd)
    parsed = [parse(v) for v in enc.dictionary.to_pylist()]
    bad_of = np.array([p is _BAD for p in parsed] + [False], dtype=bool)
    none_of = np.array([p is _NONE for p in parsed] + [False], dtype=bool)
    if fd.type == "category":
        vals = np.array([-1 if isinstance(p, _Bad) else codes[p] for p in parsed] + [-1], dtype=np.int16)
    else:
        vals = np.array([False if isinstance(p, _Bad) else bool(p) for p in parsed] + [False], dtype=bool)
    has = (idx >= 0) & ~bad_of[idx] & ~none_of[idx]
    frame.mark(bad_of[idx])
    return Scalar(fd.type, vals[idx], has)


def _observed(col: pa.Array, frame: Frame, present: Bools) -> None:
    """A ``<fact>_date`` column: a date after the evaluation date (or not a date) is the row-wise
    engine's to refuse."""
    if pa.types.is_date32(col.type) or pa.types.is_timestamp(col.type):
        given = _valid(col) & present
        frame.mark(given & (_days(col) > frame.as_of))
        frame.observed(given, _days(col))
        return
    values = col.to_pylist()
    days = np.full(frame.n, _NO_DAY, dtype=np.int64)
    for i in np.flatnonzero(_valid(col) & present):
        raw = values[i]
        try:
            d = parse_date(raw.isoformat() if isinstance(raw, dt.date) else raw, path="date")
        except MednecError:
            frame.bad[i] = True
            continue
        days[i] = day_of(d)
        if day_of(d) > frame.as_of[i]:
            frame.bad[i] = True
    frame.observed(days != _NO_DAY, days)


def _scalar(fd: FactDef, fc: FactColumns, table: pa.Table, frame: Frame, fast: bool) -> Scalar:
    col = table.column(fc.value).combine_chunks()
    unit = table.column(fc.unit).combine_chunks() if fc.unit else None
    t = col.type
    if not fast:  # the parser changed since the typed paths were written: every distinct value through it
        out = _scalar_from_python(fd, col.to_pylist(), unit.to_pylist() if unit is not None else None, frame)
    elif fd.type == "number" and (pa.types.is_floating(t) or pa.types.is_integer(t)):
        out = _number(fd, col, unit, frame)
    elif unit is not None and bool(pc.any(unit.is_valid()).as_py()):
        out = _scalar_from_python(fd, col.to_pylist(), unit.to_pylist(), frame)
    elif fd.type in ("category", "boolean") and (pa.types.is_string(t) or pa.types.is_large_string(t)):
        out = _dictionary_parse(fd, col, frame)
    elif fd.type == "boolean" and pa.types.is_boolean(t):
        has = _valid(col)
        out = Scalar("boolean", np.asarray(pc.fill_null(col, False).to_numpy(zero_copy_only=False), dtype=bool), has)
    elif fd.type == "date" and (pa.types.is_date32(t) or pa.types.is_timestamp(t)):
        out = Scalar("date", _days(col), _valid(col))
    else:
        out = _scalar_from_python(fd, col.to_pylist(), None, frame)
    if fd.type == "date":
        late = out.has & (out.values > frame.as_of)
        frame.mark(late)
    if fc.date:
        _observed(table.column(fc.date).combine_chunks(), frame, out.has | _valid(col))
    return out


# ---- events -----------------------------------------------------------------------------

def _events_python(fd: FactDef, values: list[Any], frame: Frame) -> Events:
    """Events given as JSON text (CSV) or in any other shape: each row through the parser."""
    from mednec.population.table import _events

    rows: list[tuple[dict[str, Any], ...] | None] = []
    for i, raw in enumerate(values):
        if raw is None:
            rows.append(None)
            continue
        try:
            fv = parse_fact_value(fd, _events(raw, fd.id), as_of=date_of(frame.as_of[i]), path=fd.id, source="table")
        except (MednecError, TypeError, ValueError, AttributeError):
            frame.bad[i] = True
            rows.append(None)
            continue
        rows.append(fv.value if fv is not None else None)
    return _events_from_dicts(fd, rows, frame.n)


def _events_from_dicts(fd: FactDef, rows: list[tuple[dict[str, Any], ...] | None], n: int) -> Events:
    counts = np.array([len(r) if r is not None else 0 for r in rows], dtype=np.int64)
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    flat = [e for r in rows if r is not None for e in r]
    fields: dict[str, Field] = {}
    valid: dict[str, Bools] = {}
    for name, spec in fd.fields.items():
        present = np.array([name in e for e in flat], dtype=bool)
        valid[name] = present
        if spec.type == "date":
            fields[name] = np.array([day_of(e[name]) if name in e else 0 for e in flat], dtype=np.int32)
        elif spec.type == "number":
            fields[name] = np.array([float(e[name]) if name in e else 0.0 for e in flat], dtype=np.float64)
        elif spec.type == "category":
            codes = {v: i for i, v in enumerate(spec.values)}
            fields[name] = np.array([codes[e[name]] if name in e else -1 for e in flat], dtype=np.int16)
        else:
            fields[name] = np.array([e.get(name) for e in flat], dtype=object)
    has = np.array([r is not None for r in rows], dtype=bool)
    return Events(offsets, np.repeat(np.arange(n), counts), fields, valid, has)


def _events_arrow(fd: FactDef, col: pa.Array, frame: Frame) -> Events:
    """A Parquet list of structs, checked and sorted as the parser checks and sorts events."""
    n = frame.n
    has = _valid(col)
    offsets = np.asarray(col.offsets.to_numpy(zero_copy_only=False), dtype=np.int64)
    base = offsets[0]
    offsets = offsets - base
    counts = np.diff(offsets)
    structs = col.values.slice(base, offsets[-1])
    m = len(structs)
    row = np.repeat(np.arange(n), counts)
    bad_event = ~_valid(structs) if m else np.zeros(0, dtype=bool)
    names = {f.name for f in structs.type}
    for extra in names - set(fd.fields):  # a field the fact does not have: refused when given
        bad_event |= _valid(structs.field(extra))
    fields: dict[str, Field] = {}
    valid: dict[str, Bools] = {}
    for name, spec in fd.fields.items():
        arr = pa.nulls(m) if name not in names else structs.field(name)
        given = _valid(arr) if m else np.zeros(0, dtype=bool)
        if not spec.optional:
            bad_event |= ~given
        valid[name] = given
        fields[name], refused = _event_field(name, spec, arr, frame, row, given)
        bad_event |= refused
    if "start" in fields and "end" in fields:
        bad_event |= valid["start"] & valid["end"] & (fields["end"] < fields["start"])
    if m:
        bad_rows = np.bincount(row[bad_event], minlength=n) > 0
        frame.mark(bad_rows & has)
    order = _event_order(fd, fields, valid, row, m)
    fields = {k: v[order] for k, v in fields.items()}
    valid = {k: v[order] for k, v in valid.items()}
    return Events(offsets, row, fields, valid, has)


def _event_field(name: str, spec: FieldDef, arr: pa.Array, frame: Frame, row: Ints,
                 given: Bools) -> tuple[Field, Bools]:
    """One field of every event as a column (as the parser reads it), and the events it refuses."""
    m = len(arr)
    bad = np.zeros(m, dtype=bool)
    t = arr.type
    if spec.type == "date":
        if pa.types.is_date32(t) or pa.types.is_timestamp(t):
            vals: Days = _days(arr)
        else:
            vals = np.zeros(m, dtype=np.int32)
            for j, raw in enumerate(arr.to_pylist()):
                if raw is None:
                    continue
                try:
                    vals[j] = day_of(parse_date(raw, path=name))
                except (MednecError, TypeError):
                    bad[j] = True
        return vals, bad | (given & (vals > frame.as_of[row]))
    if spec.type == "number":
        if pa.types.is_floating(t) or pa.types.is_integer(t):
            x = np.asarray(pc.fill_null(arr.cast(pa.float64()), 0.0).to_numpy(zero_copy_only=False), dtype=np.float64)
        else:
            x = np.zeros(m, dtype=np.float64)
            bad |= given
        bad |= given & ~np.isfinite(x)
        if spec.range is not None:
            with np.errstate(invalid="ignore"):
                bad |= given & ~((x >= spec.range[0]) & (x <= spec.range[1]))
        return x, bad
    if spec.type == "category":
        codes = {v: i for i, v in enumerate(spec.values)}
        enc = arr.cast(pa.string()).dictionary_encode() if m else pa.array([], pa.string()).dictionary_encode()
        idx = np.asarray(pc.fill_null(enc.indices, -1).to_numpy(zero_copy_only=False), dtype=np.int64)
        table = [codes.get(str(v).strip().lower().replace(" ", "_"), -1) for v in enc.dictionary.to_pylist()]
        cats = np.array([*table, -1], dtype=np.int16)[idx]
        return cats, bad | (given & (cats < 0))
    if pa.types.is_null(t):
        return np.full(m, None, dtype=object), bad
    if pa.types.is_string(t) or pa.types.is_large_string(t):  # each distinct text once
        enc = pc.dictionary_encode(arr)
        distinct = enc.dictionary.to_pylist()
        if name.endswith("unit") and name != "unit":  # a dose's unit: "mg daily" is mg, as the parser reads it
            distinct = [unit_without_once_daily(v) for v in distinct]
        texts = np.array([*distinct, None], dtype=object)
        return texts[np.asarray(pc.fill_null(enc.indices, len(enc.dictionary)).to_numpy(zero_copy_only=False),
                                dtype=np.int64)], bad
    return np.array([None if v is None else str(v) for v in arr.to_pylist()], dtype=object), bad


def _event_order(fd: FactDef, fields: dict[str, Field], valid: dict[str, Bools], row: Ints, m: int) -> Ints:
    """The parser's order of each patient's events: (date or date.min, drug as text), ties as given."""
    if not m:
        return np.zeros(0, dtype=np.int64)
    key = "date" if "date" in fd.fields else "start"
    first_key = np.where(valid[key], fields[key], _DATE_MIN)
    keys: list[Any] = [first_key, row]
    if "drug" in fields:
        drug_text = np.array(["" if v is None else str(v) for v in fields["drug"]], dtype=str)
        keys.insert(0, np.unique(drug_text, return_inverse=True)[1])
    if _ascending(keys):  # as given (events are often listed in order): the stable sort keeps them
        return np.arange(m, dtype=np.int64)
    order: Ints = np.lexsort(keys)  # a stable sort: ties as given
    return order


def _ascending(keys: list[Any]) -> bool:
    """Whether the rows are already in the order of the keys (the last one first), ties allowed."""
    after = np.zeros(len(keys[0]) - 1, dtype=bool)  # a pair decided: the first row comes before
    for key in reversed(keys):
        before, later = key[:-1], key[1:]
        if (~after & (before > later)).any():
            return False
        after |= before < later
    return True


def _events(fd: FactDef, fc: FactColumns, table: pa.Table, frame: Frame, fast: bool) -> Events:
    col = table.column(fc.value).combine_chunks()
    t = col.type
    if fast and (pa.types.is_list(t) or pa.types.is_large_list(t)) and pa.types.is_struct(t.value_type):
        col = col.cast(pa.list_(t.value_type)) if pa.types.is_large_list(t) else col
        if _plain_structs(fd, col):
            return _events_arrow(fd, col, frame)
    return _events_python(fd, col.to_pylist(), frame)


def _plain_structs(fd: FactDef, col: pa.Array) -> bool:
    """Whether the column-wise reading of the events applies: no number field written as text (the
    parser reads "2" and "80 mg", which also sets the dose's unit field) and no empty text (the parser
    takes it as not given). Otherwise every row goes through the parser."""
    structs = col.values
    for f in structs.type:
        if not (pa.types.is_string(f.type) or pa.types.is_large_string(f.type)):
            continue
        spec = fd.fields.get(f.name)
        if spec is not None and spec.type == "number":
            return False
        arr = structs.field(f.name)
        if len(arr) and bool(pc.any(pc.equal(pc.utf8_trim_whitespace(arr), "")).as_py() or False):
            return False
    return True


# ---- the frame ----------------------------------------------------------------------------

def _as_of(table: pa.Table, layout: TableLayout, default: dt.date, fixed: bool) -> tuple[Days, Bools]:
    n = table.num_rows
    days = np.full(n, day_of(default), dtype=np.int32)
    bad = np.zeros(n, dtype=bool)
    if fixed or not layout.has_as_of:
        return days, bad
    col = table.column(AS_OF_COLUMN).combine_chunks()
    if pa.types.is_date32(col.type) or pa.types.is_timestamp(col.type):
        given = _valid(col)
        days[given] = _days(col)[given]
        return days, bad
    for i, raw in enumerate(col.to_pylist()):
        if raw is None or raw == "":
            continue
        try:
            days[i] = day_of(parse_date(raw, path="as_of"))
        except (MednecError, TypeError):
            bad[i] = True
    return days, bad


def _age_dates(table: pa.Table, layout: TableLayout, frame: Frame) -> Ints:
    """Per row, the date a given age was observed on (``age_date``), else the evaluation date; rows whose
    ``age_date`` is not a typed date are left to the row-wise engine."""
    on = frame.as_of.astype(np.int64)
    fc = next((fc for fc in layout.facts if fc.fact == "age" and fc.date), None)
    if fc is None or fc.date is None:
        return on
    col = table.column(fc.date).combine_chunks()
    given = _valid(col)
    if pa.types.is_date32(col.type) or pa.types.is_timestamp(col.type):
        return np.where(given, _days(col), on)
    frame.mark(given)
    return on


def _birth(frame: Frame, dictionary: FactDictionary, age_on: Ints) -> None:
    """The rows :func:`mednec.intake.case_file.check_birth` refuses, left to the row-wise engine (which refuses
    them): a birth date with any date before it (a value's observation, a date fact, an event's date), and a
    given age the birth date contradicts in whole years on the age's date."""
    birth = frame.facts.get("birth_date")
    if not isinstance(birth, Scalar) or not birth.has.any():
        return
    earliest = frame.observed_min.copy() if frame.observed_min is not None else np.full(frame.n, _NO_DAY, dtype=np.int64)
    for fid, col in frame.facts.items():
        fd = dictionary.facts.get(fid)
        if fid == "birth_date" or fd is None:
            continue
        if isinstance(col, Events):
            for name, spec in fd.fields.items():
                if spec.type == "date" and len(col.row):
                    given = col.valid[name]
                    np.minimum.at(earliest, col.row[given], col.fields[name][given].astype(np.int64))
        elif fd.type == "date":
            earliest = np.where(col.has, np.minimum(earliest, col.values), earliest)
    frame.mark(birth.has & (earliest < birth.values))
    age = frame.facts.get("age")
    if not isinstance(age, Scalar):
        return
    both = birth.has & age.has
    if age.part is not None:  # an age known only as a bound: the row-wise engine
        frame.mark(both & age.part)
        both &= ~age.part
    for i in np.flatnonzero(both & ~frame.bad):
        years = whole_years(date_of(int(birth.values[i])), date_of(int(age_on[i])))
        if not years <= float(age.values[i]) < years + 1:
            frame.bad[i] = True


def _contradictions(frame: Frame, dictionary: FactDictionary) -> bool:
    """Mark rows holding two declared-contradictory facts; False when a rule reads a fact kind
    these columns cannot test (the caller then leaves the chunk to the row-wise engine)."""
    clean = ~frame.bad  # rows the parser accepts up to its last check (check_contradictions)
    frame.contradiction = np.full(frame.n, -1, dtype=np.int32)
    for k, c in enumerate(dictionary.contradictions):
        hit = np.ones(frame.n, dtype=bool)
        for fact, want in (*c.when.items(), *c.conflicts.items()):
            test = _matcher(dictionary.facts[fact], want)
            if test is None:
                return False
            col = frame.facts.get(fact)
            if not isinstance(col, Scalar):
                hit &= False
                continue
            hit &= col.has & test(col.values)
        frame.contradiction[hit & clean & (frame.contradiction < 0)] = k
        frame.mark(hit)
    return True


def _matcher(fd: FactDef, want: object) -> Callable[[Values], Bools] | None:
    wants = want if isinstance(want, list) else [want]
    if fd.type == "category":
        codes = [_codes_of(fd)[w] for w in wants if isinstance(w, str) and w in fd.values]
        return lambda v: np.isin(v, np.array(codes, dtype=np.int16))
    if fd.type == "boolean":
        flags = [w for w in wants if isinstance(w, bool)]
        return lambda v: np.isin(v, np.array(flags, dtype=bool)) if flags else np.zeros(len(v), dtype=bool)
    if fd.type == "number":
        nums = [float(w) for w in wants if isinstance(w, int | float) and not isinstance(w, bool)]
        return lambda v: np.isin(v, np.array(nums, dtype=np.float64))
    return None


#: The fields of a fact declaration these columns know; a fact using another one (a text notation
#: such as an ISCN karyotype, which settles other facts when parsed) is left to the row-wise engine
#: for the rows that give it.
KNOWN_FACT_FIELDS = {"id", "label", "type", "document", "unit", "units", "range", "values", "fields", "codes",
                     "derived_by", "may_give", "question", "pack", "text_form",
                     "names",  # names: the words text and FHIR intake read the fact by; parsing ignores them
                     "max_items", "fhir_texts",  # a limit checked before parsing (case_file.check_limits), not by the parser
                     "fhir_history", "fhir_family",  # FHIR intake only: which Conditions and relatives' conditions count
                     "not_after",  # text intake only: words that make a name another condition
                     "code_ranges",  # read only from a diagnosis code, whose rows the case-file parser reads
                     "offsets"}  # an affine unit's offset: _number adds it (FactDef.scale), as FactDef.convert does


def _absent(fd: FactDef, n: int) -> Scalar | Events:
    """The column of a fact no row gives (the value column is empty in every row, so the parser
    reads nothing, whatever its unit and date columns hold): the values the typed paths give an
    empty cell, present nowhere."""
    if fd.type == "events":  # as _events_from_dicts gives a list of rows none of which is given
        empty = {"date": np.int32, "number": np.float64, "category": np.int16}
        return Events(np.zeros(n + 1, dtype=np.int64), np.zeros(0, dtype=np.int64),
                      {name: np.zeros(0, dtype=empty.get(spec.type, object)) for name, spec in fd.fields.items()},
                      {name: np.zeros(0, dtype=bool) for name in fd.fields}, np.zeros(n, dtype=bool))
    return Scalar(fd.type, _empty_values(fd, n), np.zeros(n, dtype=bool))


def new_features(fd: FactDef) -> list[str]:
    return [f.name for f in dataclasses.fields(fd) if f.name not in KNOWN_FACT_FIELDS and getattr(fd, f.name)]


def _text_form_rows(fd: FactDef, col: pa.Array) -> Bools:
    """Rows whose value is written in the fact's text notation (an ISCN karyotype, a code written
    otherwise than as a value) rather than as one of its values: :func:`mednec.intake.values.read_off_rows`;
    the case-file parser reads those."""
    if not (pa.types.is_string(col.type) or pa.types.is_large_string(col.type)):
        return np.zeros(len(col), dtype=bool)
    enc = col.dictionary_encode()
    idx = np.asarray(pc.fill_null(enc.indices, -1).to_numpy(zero_copy_only=False), dtype=np.int64)
    notation = np.array([read_off_rows(fd, v) for v in enc.dictionary.to_pylist()] + [False], dtype=bool)
    return notation[idx]


def _value_facts(frame: Frame, dictionary: FactDictionary) -> None:
    """The condition facts a diagnosis value gives as well (I63.9: prior_ischemic_stroke), column-wise: set true
    where the row does not give the fact itself (a stated value is used, as the case-file parser uses it;
    :func:`mednec.intake.values.value_facts`)."""
    for fid, fd in dictionary.facts.items():
        col = frame.facts.get(fid)
        if fd.text_form != "icd10" or not isinstance(col, Scalar) or not col.has.any():
            continue
        for key, code in _codes_of(fd).items():
            rows = col.has & (col.values == code)
            for given in value_code_facts(fd, key, dictionary) if rows.any() else ():
                target = frame.facts.get(given)
                if isinstance(target, Scalar):
                    yes = Scalar("boolean", np.ones(frame.n, dtype=bool), np.ones(frame.n, dtype=bool))
                    frame.facts[given] = target.overlay(yes, rows & ~target.has)


def frame_from_table(table: pa.Table, layout: TableLayout, dictionary: FactDictionary, as_of: dt.date,
                     fixed: bool) -> tuple[Frame, str | None]:
    """The chunk's fact columns, or why the chunk is the row-wise engine's (then the frame is partial)."""
    ids = [str(x) for x in table.column(PATIENT_COLUMN).to_pylist()]
    days, bad = _as_of(table, layout, as_of, fixed)
    frame = Frame(table.num_rows, ids, days, bad)
    if not digests.matches("case"):
        return frame, "the case-file checks (parse_case) changed since the columnar engine was written"
    fast = digests.matches("values")
    for fc in layout.facts:
        fd = dictionary.facts[fc.fact]
        if new_features(fd):  # rows that give this fact: the row-wise engine
            frame.mark(_valid(table.column(fc.value).combine_chunks()))
            continue
        column = table.column(fc.value)
        if column.null_count == len(column):  # no row gives it: nothing to parse, nothing refused
            frame.facts[fc.fact] = _absent(fd, frame.n)
            continue
        if fd.text_form is not None:  # a value in the notation settles other facts: the row-wise engine
            frame.mark(_text_form_rows(fd, column.combine_chunks()))
        frame.facts[fc.fact] = _events(fd, fc, table, frame, fast) if fc.events else _scalar(fd, fc, table, frame, fast)
    given = {fc.fact for fc in layout.facts}
    for fid, fd in dictionary.facts.items():  # a fact the table has no column for: as a column no row gives
        if fid not in given and not new_features(fd):
            frame.facts[fid] = _absent(fd, frame.n)
    _value_facts(frame, dictionary)
    _birth(frame, dictionary, _age_dates(table, layout, frame))
    if not _contradictions(frame, dictionary):
        return frame, "a declared contradiction reads a fact the columns cannot test"
    return frame, None
