"""Parse one fact value as a user wrote it into a canonical :class:`FactValue`.

Accepted forms, for a fact of each type:

* number: ``8.1`` (canonical unit), ``"81 g/L"``, or ``{value: 81, unit: g/L, date: 2026-10-01}``;
* boolean: ``true`` / ``false`` (also yes/no, positive/negative, present/absent);
* category: the value's key, label or a synonym (``D46.1``, ``MDS-RS``, ``low``);
* date: ``2026-05-01``, an ISO date-time (``2026-05-01T09:30:00Z``: its date as written), ISO basic
  ``20260501``, the month in words (``3 Jan 1949``, ``Jan 3, 1949``, ``3 January 1949``), or digits with
  ``/``, ``.`` or ``-`` only when one reading exists (``25/11/2026`` is 25 November; ``03/01/2026``, which
  is 1 March in the US and 3 January elsewhere, is refused, as are a year or a month alone);
* events: a list of mappings with the fact's fields (``[{date: 2026-09-01, units: 2}]``); a number
  field may be a string (``"2"``), a dose with its unit (``dose: "80 mg"`` sets ``dose_unit``).

``null`` and an empty string mean the value is unknown (never false or zero). A number written with a
comma before exactly three digits (``"1,200"``: 1200 in the US, 1.2 where the comma is the decimal
mark) is refused; a comma before one, two or four and more digits is a decimal comma (``"8,1"``).

Every error names the field (``facts.hemoglobin.unit``) and says what is allowed.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from typing import Any

from mednec.calculators.karyotype import KaryotypeError, karyotype_facts, parse_karyotype
from mednec.errors import CaseFormatError, FutureDateError, ImplausibleValueError
from mednec.facts import icd10
from mednec.facts.dictionary import FactDef, FactDictionary
from mednec.facts.factset import FactValue, Provenance
from mednec.facts.partial import Between
from mednec.intake.adverse_effects import ADVERSE_EFFECT, SKIN_REACTION
from mednec.intake.memo import Bounded

__all__ = ["day_range", "parse_date", "parse_day_range", "parse_fact_value", "parse_text_form", "read_off_rows",
           "unit_without_once_daily", "value_code_facts", "value_facts"]

_NUM_UNIT = re.compile(r"^\s*([-+]?\d+(?:[.,]\d+)?)\s*(.*?)\s*$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_TIME = re.compile(r"^(\d{4}-\d{2}-\d{2})[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?$")
_ISO_BASIC = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_PARTIAL = re.compile(r"^(?:\d{4}(?:-\d{1,2})?|\d{1,2}/\d{4}|[A-Za-z]+\.?,? \d{4})$")
#: a date known to a month or a year: ``2026-03``, ``03/2026``, ``March 2026``, ``2026``
_YEAR_MONTH = re.compile(r"^(\d{4})(?:-(\d{1,2}))?$|^(\d{1,2})/(\d{4})$|^([A-Za-z]+)\.?,? (\d{4})$")
_DIGITS = re.compile(r"^(\d{1,4})([/.-])(\d{1,2})\2(\d{1,4})$")
_DAY_MONTH = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?[ -]([A-Za-z]+)\.?,?[ -](\d{4})$")
_MONTH_DAY = re.compile(r"^([A-Za-z]+)\.? (\d{1,2})(?:st|nd|rd|th)?,? (\d{4})$")
_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december")
_THOUSANDS = re.compile(r"^[-+]?\d{1,3},\d{3}$")
_FEET_INCHES = re.compile(r"^\s*(\d+)\s*(?:ft|feet|foot|')\s*(\d+(?:\.\d+)?)\s*(?:in|inch|inches|\"|'')?\s*$", re.I)
#: a bound written before a number ("> 500 mU/mL", ">=2000"): the same as the ``comparator`` key
_WRITTEN_BOUND = re.compile(r"^\s*(<=|>=|<|>|≤|≥)\s*(?=\d)")
_BOUND_SYMBOLS = {"≤": "<=", "≥": ">="}
#: an event's category written in words, when the words have one meaning ("no response" is ``none``)
_EVENT_WORDS = {"no_response": "none", "non_responder": "none", "nonresponder": "none", "not_responding": "none",
                "partial_response": "partial", "responded": "response", "responding": "response",
                "loss_of_response": "lost_response", "lost": "lost_response", "not_tolerated": "intolerant",
                "intolerance": "intolerant"}
#: ... and the words of a course that is still taken ("Active" on a medication list, "currently taking")
_STILL_TAKEN = {"active", "current", "currently_taking", "continuing", "continues", "still_taking", "taking",
                "on_going", "ongoing"}
#: a course's ``end`` written as a word for "still taken" ("2024-05-06 to present"): no end, and ongoing
_END_STILL = re.compile(r"^\s*(?:to\s+)?(?:present|ongoing|on-going|current|date|now|continuing|still\s+taking)\s*$",
                        re.I)
_AE = ADVERSE_EFFECT + "|" + SKIN_REACTION
#: a response or stop reason that names adverse effects only ("side effects", "myalgia and elevated CK",
#: "due to nausea", "injection site reactions"): the course was not tolerated; any other word ("no side effects",
#: "side effects resolved") is not this and stays refused
_ADVERSE_ONLY = re.compile(
    r"^\s*(?:(?:stopped|discontinued|d/?c(?:'?d)?|held)\s+)?(?:(?:due\s+to|because\s+of|for|from|with)\s+)?"
    rf"(?:{_AE})(?:\s*(?:,|/|\+|&|\band\b)\s*(?:{_AE}))*\s*$", re.I)
#: no effect in words ("ineffective", "lack of efficacy", "did not work"): no response / inadequate response
_NO_EFFECT = re.compile(r"^\s*(?:ineffective|not\s+effective|lack\s+of\s+(?:efficacy|effect|response)|no\s+benefit"
                        r"|did\s*n[o']t\s+work|inadequate\s+response|failed|failure)\s*$", re.I)
_TRUE = {"true", "yes", "y", "positive", "pos", "pos.", "present", "mutated", "detected", "1"}
_FALSE = {"false", "no", "n", "negative", "neg", "neg.", "absent", "wild-type", "wildtype", "not detected", "0"}
#: a once-daily frequency after a dose's unit ("80 mg daily", "10 mg at bedtime", "40 mg/day"): the unit alone.
#: Any other frequency ("40 mg twice daily", "BID") is kept with the unit: per dose or per day is not said
_ONCE_DAILY = re.compile(r"\s*(?:/\s*day|(?:once\s+)?(?:daily|a\s+day|per\s+day|every\s+day)|q\.?\s*d\.?|qday"
                         r"|od|nightly|at\s+bedtime|q\.?h\.?s\.?)\s*$", re.I)
_VALUE_KEYS = {"value", "unit", "date", "source", "comparator"}
COMPARATORS = ("<", "<=", ">", ">=")


def bounded(fd: FactDef, value: float, comparator: str, shown: str) -> Between:
    """A number known only as ``<``, ``<=``, ``>`` or ``>=`` a value: the interval of values it can be.

    The other end is the fact's plausible range (or infinity); an open end (``>`` 500) is the next
    float past the value, so a threshold criterion is decided three-valuedly by the engine's
    test at both ends: ``>500`` settles both ``<= 500`` (not met) and ``> 500`` (met), and leaves
    ``> 600`` unknown.
    """
    lo, hi = fd.range if fd.range else (-math.inf, math.inf)
    if comparator.startswith(">"):
        low = value if comparator == ">=" else math.nextafter(value, math.inf)
        return Between(low, max(hi, low), (), f"reported as {comparator}{shown}")
    high = value if comparator == "<=" else math.nextafter(value, -math.inf)
    return Between(min(lo, high), high, (), f"reported as {comparator}{shown}")


#: ISO texts already read as dates (a refusal is never remembered). Bounded: cleared when full.
_DATES: Bounded[str, dt.date] = Bounded(8192)


def parse_date(raw: Any, *, path: str) -> dt.date:
    """A date from a YAML date or an ISO ``YYYY-MM-DD`` string (a text read once per process)."""
    if raw.__class__ is str:
        known = _DATES.get(raw)
        if known is not None:
            return known
        return _DATES.keep(raw, _parse_date(raw, path=path))
    return _parse_date(raw, path=path)


def day_range(year: int, month: int | None = None) -> tuple[dt.date, dt.date]:
    """The first and last day of a month (``month``) or of a year (the last day of February in a
    leap year is the 29th)."""
    if month is None:
        return dt.date(year, 1, 1), dt.date(year, 12, 31)
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    return dt.date(year, month, 1), nxt - dt.timedelta(days=1)


def parse_day_range(raw: Any, *, path: str) -> tuple[dt.date, dt.date]:
    """A date, or a date known only to a range of days: its first and last possible day.

    A day (every spelling :func:`parse_date` reads) is its own range; ``2026-03``, ``03/2026``,
    ``March 2026`` a month; ``2026`` a year; ``2026-03-01/2026-03-10`` (an ISO 8601 interval of two
    days) the days between them. Anything else is refused as :func:`parse_date` refuses it."""
    text = " ".join(raw.split()) if isinstance(raw, str) else None
    if text is None:
        if isinstance(raw, int) and not isinstance(raw, bool) and 1000 <= raw <= 9999:  # YAML 2026
            return day_range(raw)
        day = parse_date(raw, path=path)
        return day, day
    if "/" in text and text.count("/") == 1 and len(text) > 8 and _ISO_DATE.match(text.split("/")[0].strip()):
        a, b = (parse_date(x.strip(), path=path) for x in text.split("/"))
        if b < a:
            raise CaseFormatError(f"{raw!r}: the interval ends before it starts", field=path)
        return a, b
    m = _YEAR_MONTH.match(text)
    if m is None:
        day = parse_date(raw, path=path)
        return day, day
    year = int(m.group(1) or m.group(4) or m.group(6))
    word = m.group(5)
    month = _month(word) if word else int(m.group(2) or m.group(3)) if (m.group(2) or m.group(3)) else None
    if word and month is None or month is not None and not 1 <= month <= 12:
        raise CaseFormatError(f"{raw!r} is not a month; write the date as YYYY-MM-DD or YYYY-MM", field=path)
    return day_range(year, month)


def _parse_date(raw: Any, *, path: str) -> dt.date:
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    if isinstance(raw, str):
        text = " ".join(raw.split())
        iso = _ISO_DATE.match(text) or _ISO_TIME.match(text)
        if iso:
            return _real_date(raw, path, *map(int, iso.group(iso.lastindex or 0).split("-")))
        day = _date_in_words(raw, text, path) or _date_in_digits(raw, text, path)
        if day is not None:
            return day
        if _PARTIAL.match(text):
            raise CaseFormatError(f"{raw!r} is not a day (a year or a month alone); write the date as YYYY-MM-DD",
                                  field=path)
    raise CaseFormatError(f"expected a date as YYYY-MM-DD, got {raw!r}", field=path)


def _real_date(raw: Any, path: str, year: int, month: int, day: int) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise CaseFormatError(f"{raw!r} is not a real date", field=path) from None


def _month(word: str) -> int | None:
    """1-12 for a month's name or its abbreviation of three letters or more ("Jan", "Sept", "June")."""
    w = word.lower()
    if len(w) < 3:
        return None
    return next((i for i, name in enumerate(_MONTHS, 1) if name.startswith(w)), None)


def _date_in_words(raw: Any, text: str, path: str) -> dt.date | None:
    """``3 Jan 1949``, ``03-Jan-1949``, ``3rd January 1949``, ``Jan 3, 1949``, ``January 3 1949``."""
    m = _DAY_MONTH.match(text)
    if m:
        month = _month(m.group(2))
        return None if month is None else _real_date(raw, path, int(m.group(3)), month, int(m.group(1)))
    m = _MONTH_DAY.match(text)
    if m:
        month = _month(m.group(1))
        return None if month is None else _real_date(raw, path, int(m.group(3)), month, int(m.group(2)))
    return None


def _date_in_digits(raw: Any, text: str, path: str) -> dt.date | None:
    """``20261028`` (ISO basic); ``2026/10/28``; ``28/10/2026`` or ``10/28/2026`` when only one order
    makes a date (a part above 12 is the day, or both parts are equal); otherwise refused as ambiguous."""
    m = _ISO_BASIC.match(text)
    if m:
        return _real_date(raw, path, int(m.group(1)), int(m.group(2)), int(m.group(3)))
    m = _DIGITS.match(text)
    if m is None:
        return None
    a, b, c = m.group(1), int(m.group(3)), m.group(4)
    if len(a) == 4:
        return _real_date(raw, path, int(a), b, int(c))
    if len(c) != 4:
        raise CaseFormatError(f"{raw!r}: a two-digit year is ambiguous; write the date as YYYY-MM-DD", field=path)
    first, year = int(a), int(c)
    if first == b or first > 12 >= b:
        return _real_date(raw, path, year, b, first)  # day first (or either way the same)
    if b > 12 >= first:
        return _real_date(raw, path, year, first, b)  # month first
    raise CaseFormatError(f"{raw!r} is ambiguous: month {first}, day {b} (US order) or day {first}, month {b}; "
                          "write the date as YYYY-MM-DD", field=path)


def _check_not_future(d: dt.date, as_of: dt.date, path: str) -> None:
    if d > as_of:
        raise FutureDateError(
            f"date {d.isoformat()} is after the evaluation date {as_of.isoformat()}", field=path
        )


def _number(raw: Any, path: str) -> float:
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise CaseFormatError(f"expected a number, got {raw!r}", field=path)
    try:
        x = float(raw)
    except OverflowError:
        raise CaseFormatError(f"number too large: {str(raw)[:20]}...", field=path) from None
    if math.isnan(x) or math.isinf(x):
        raise CaseFormatError(f"expected a finite number, got {raw!r}", field=path)
    return x


def _check_range(fd: FactDef, x: float, path: str, shown: str) -> None:
    if fd.range is not None and not (fd.range[0] <= x <= fd.range[1]):
        lo, hi = fd.range
        raise ImplausibleValueError(
            f"{shown} is not a plausible {fd.label.lower()} (expected {lo:g} to {hi:g} {fd.unit})",
            field=path,
        )


def _without_name(fd: FactDef, text: str) -> str:
    """The text after a leading name of the fact itself ("LDL 88 mg/dL", "LDL-C: 88" for LDL-C), else
    the text as given: only the fact's own names (id, label, ``names``) are taken off."""
    if not text[:1].isalpha():
        return text
    names = {" ".join(n.lower().replace("-", " ").split()) for n in (fd.id.replace("_", " "), fd.label, *fd.names)}
    for m in re.finditer(r"[-+]?\d", text):
        head = " ".join(text[:m.start()].rstrip(" :=").lower().replace("-", " ").split())
        if head in names:
            return text[m.start():]
    return text


def _feet_inches(fd: FactDef, text: str) -> str:
    """A length in feet and inches ("5 ft 9 in", "5'9\"", "5 feet 9 inches") as inches ("69 in"), for a
    fact measured in inches too (height); any other text as given."""
    m = _FEET_INCHES.match(text)
    if not m or "in" not in fd.units:
        return text
    return f"{float(m.group(1)) * 12 + float(m.group(2)):g} in"


#: An abnormal flag a lab export prints after a value ("7.9 g/dL (L)", "95 mg/dL (calc)", "142 H", "8.1 *"): the
#: value is the number before it. A bare "L" is not one (litres or low: two meanings).
_FLAG = re.compile(r"(?:\s+(?:\((?i:l|h|ll|hh|a|aa|calc|calculated|abnormal|critical)\)|H|HH|LL|\*+))+\s*$")


def _parse_number(fd: FactDef, raw: Any, unit: str | None, path: str) -> float:
    if isinstance(raw, str):
        m = _NUM_UNIT.match(_feet_inches(fd, _without_name(fd, _FLAG.sub("", raw))))
        if not m:
            raise CaseFormatError(f"expected a number with an optional unit, got {raw!r}", field=path)
        if _THOUSANDS.match(m.group(1)):
            raise CaseFormatError(f"{raw!r}: the comma may separate thousands or decimals; write the number "
                                  "without it (1200 or 1.2)", field=path)
        raw, unit_text = float(m.group(1).replace(",", ".")), m.group(2)
        if unit_text:
            if unit is not None:
                raise CaseFormatError("unit given twice", field=path)
            unit = unit_text
    x = _number(raw, path)
    canonical = fd.convert(x, unit, path=f"{path}.unit" if unit else path)
    shown = f"{x:g} {unit}" if unit else f"{x:g} {fd.unit}"
    _check_range(fd, canonical, path, shown)
    return round(canonical, 6)


def _parse_bool(raw: Any, path: str) -> bool:
    if isinstance(raw, bool):
        return raw
    if raw.__class__ is int and raw in (0, 1):  # JSON 0/1, as the text "0"/"1" already is
        return raw == 1
    if isinstance(raw, str):
        t = raw.strip().lower()
        if t in _TRUE:
            return True
        if t in _FALSE:
            return False
    raise CaseFormatError(f"expected true or false, got {raw!r}", field=path)


def _parse_category(fd: FactDef, raw: Any, path: str) -> str:
    key = fd.category_key(str(raw)) if isinstance(raw, str | int | float) else None
    if key is None:
        allowed = ", ".join(fd.values)
        raise CaseFormatError(f"{raw!r} is not a value of {fd.id}; use one of: {allowed}", field=path)
    return key


def _parse_event(fd: FactDef, raw: Any, as_of: dt.date, path: str) -> dict[str, Any]:
    if not isinstance(raw, Mapping):
        raise CaseFormatError(f"expected a mapping with {', '.join(fd.fields)}, got {raw!r}", field=path)
    unknown = set(raw) - set(fd.fields)
    if unknown:
        raise CaseFormatError(
            f"unknown field(s) {', '.join(sorted(map(str, unknown)))}; allowed: {', '.join(fd.fields)}",
            field=path,
        )
    out: dict[str, Any] = {}
    raw = _still_taken(fd, raw, path)
    for name, spec in fd.fields.items():
        fpath = f"{path}.{name}"
        value = raw.get(name)
        if value is None or (value.__class__ is str and not value.strip()):
            if not spec.optional:
                raise CaseFormatError(f"{name} is required", field=fpath)
            continue
        if spec.type == "date" and f"{name}_earliest" in fd.fields and f"{name}_latest" in fd.fields:
            first, last = parse_day_range(value, path=fpath)  # a month or a year: its first and last day
            _check_not_future(first, as_of, fpath)
            if first == last:
                out[name] = first
            else:
                out[f"{name}_earliest"], out[f"{name}_latest"] = first, min(last, as_of)
        elif spec.type == "date":
            d = parse_date(value, path=fpath)
            _check_not_future(d, as_of, fpath)
            out[name] = d
        elif spec.type == "number":
            x = _event_number(fd, raw, name, value, fpath, out)
            if spec.range and not (spec.range[0] <= x <= spec.range[1]):
                raise ImplausibleValueError(
                    f"{x:g} is not plausible (expected {spec.range[0]:g} to {spec.range[1]:g})", field=fpath
                )
            out[name] = x
        elif spec.type == "category":
            v = _event_category(str(value), spec.values)
            if v not in spec.values:
                raise CaseFormatError(f"{value!r} is not allowed; use one of: {', '.join(spec.values)}", field=fpath)
            out[name] = v
        elif name.endswith("unit") and name != "unit":  # dose_unit: "mg daily" is mg
            out[name] = unit_without_once_daily(str(value))
        else:
            out[name] = str(value)
    start, end = out.get("start"), out.get("end")
    if isinstance(start, dt.date) and isinstance(end, dt.date) and end < start:
        raise CaseFormatError(f"end {end.isoformat()} is before start {start.isoformat()}", field=path)
    return out


def _still_taken(fd: FactDef, raw: Mapping[str, Any], path: str) -> Mapping[str, Any]:
    """A course whose ``end`` says it is still taken ("present", "to date", "ongoing"): no end, response
    ongoing. Beside a response that says the course stopped, the two say different things: refused."""
    end = raw.get("end")
    if not (isinstance(end, str) and _END_STILL.match(end)) or "response" not in fd.fields:
        return raw
    said = raw.get("response")
    if said is not None and str(said).strip() and _event_category(str(said), fd.fields["response"].values) != "ongoing":
        raise CaseFormatError(f"end {end!r} says the course is still taken, but response is {said!r}", field=path)
    return {**{k: v for k, v in raw.items() if k != "end"}, "response": "ongoing"}


def _event_category(text: str, allowed: tuple[str, ...] | list[str]) -> str:
    """An event's category as written: its key ("none"), or words with one meaning -- "no response",
    "Active" (ongoing), adverse effects only ("side effects", "myalgia": not tolerated), "ineffective" (no
    response) -- as whichever of the field's values says it. Anything else is returned as written."""
    v = text.strip().lower().replace(" ", "_")
    if v in allowed:
        return v
    v = _EVENT_WORDS.get(v.replace("-", "_"), v)
    if v in allowed:
        return v
    if v in _STILL_TAKEN and "ongoing" in allowed:
        return "ongoing"
    if _ADVERSE_ONLY.match(text):
        return next((w for w in ("intolerant", "intolerance") if w in allowed), v)
    if _NO_EFFECT.match(text):
        return next((w for w in ("none", "inadequate_response") if w in allowed), v)
    return v


def unit_without_once_daily(unit: str) -> str:
    """A dose's unit with a once-daily frequency after it ("mg daily", "mg QD", "mg/day") is the unit."""
    bare = _ONCE_DAILY.sub("", unit).strip()
    return bare if bare and bare != unit.strip() else unit


def _event_number(fd: FactDef, raw: Mapping[str, Any], name: str, value: Any, path: str,
                  out: dict[str, Any]) -> float:
    """An event's number field: a number, or a string of one ("2"), with a unit where the event has a
    field for it (``dose: "80 mg"`` sets ``dose_unit``, unless that says otherwise) or the unit is the
    field's own name (``units: "2 units"``)."""
    if not isinstance(value, str):
        return _number(value, path)
    m = _NUM_UNIT.match(value)
    if not m or _THOUSANDS.match(m.group(1)):
        raise CaseFormatError(f"expected a number, got {value!r}", field=path)
    x, unit = float(m.group(1).replace(",", ".")), unit_without_once_daily(m.group(2)) if m.group(2) else m.group(2)
    if not unit or unit.lower() in (name, name.rstrip("s"), name[:1]):  # units: "2", "2 units", "2 U"
        return _number(x, path)
    sibling = next((f for f in (f"{name}_unit", "unit") if f in fd.fields and fd.fields[f].type == "text"), None)
    if sibling is None:
        raise CaseFormatError(f"expected a number, got {value!r}", field=path)
    stated = raw.get(sibling)
    if stated is not None and unit_without_once_daily(str(stated)).strip().lower() != unit.lower():
        raise CaseFormatError(f"{value!r} says {unit!r}, but {sibling} is {stated!r}", field=path)
    out[sibling] = unit
    return _number(x, path)


def parse_fact_value(
    fd: FactDef,
    raw: Any,
    *,
    as_of: dt.date,
    path: str,
    source: str,
) -> FactValue | None:
    """Parse ``raw`` for fact ``fd``; ``None`` (YAML null) or an empty string means the fact is unknown."""
    if raw is None or (raw.__class__ is str and not raw.strip()):
        return None
    observed: dt.date | None = None
    last: dt.date | None = None  # the last possible day of a date known only to a range
    unit: str | None = None
    provenance = Provenance(source)
    value_raw = raw
    if (raw.__class__ is dict or isinstance(raw, Mapping)) and fd.type != "events":
        extra = set(raw) - _VALUE_KEYS
        if extra:
            raise CaseFormatError(
                f"unknown key(s) {', '.join(sorted(map(str, extra)))}; a value mapping takes value, unit, date, "
                "source, comparator",
                field=path,
            )
        if "value" not in raw:
            raise CaseFormatError("a value mapping needs 'value'", field=path)
        value_raw = raw["value"]
        if value_raw is None or (value_raw.__class__ is str and not value_raw.strip()):
            return None
        unit = raw.get("unit")
        if unit is not None and not isinstance(unit, str):
            raise CaseFormatError(f"a unit is text such as 'g/dL', got {unit!r}", field=f"{path}.unit")
        if raw.get("date") is not None:
            observed, last = parse_day_range(raw["date"], path=f"{path}.date")
            _check_not_future(observed, as_of, f"{path}.date")
            last = min(last, as_of) if last != observed else None  # no later than today
        if raw.get("source"):
            provenance = Provenance(str(raw["source"]))
    if unit is not None and fd.type != "number":
        raise CaseFormatError(f"{fd.label} takes no unit", field=f"{path}.unit")
    comparator = raw.get("comparator") if raw.__class__ is dict or isinstance(raw, Mapping) else None
    if comparator is not None and (fd.type != "number" or comparator not in COMPARATORS):
        raise CaseFormatError(f"a comparator is one of {', '.join(COMPARATORS)} on a number"
                              + ("" if fd.type == "number" else f"; {fd.label} is not a number"),
                              field=f"{path}.comparator")
    value, out_unit, latest = _parse_typed(fd, value_raw, unit, comparator, as_of, path)
    if fd.type == "events":
        observed = latest
    if observed is None and fd.type != "events":
        observed = as_of
    if last is not None and last != observed:
        return FactValue(fd.id, value, out_unit, observed, provenance, observed_last=last)
    return FactValue(fd.id, value, out_unit, observed, provenance)


#: Values already parsed: (fact id, evaluation date, value's type, value, unit, comparator) -> (the
#: FactDef, the result). A value's parse depends on nothing else (the path only words a refusal), and
#: most values recur across patients (9.5 g/dL, "very_low", false); a refusal is never remembered, so
#: its message always names its own field. Bounded: cleared when full.
_PARSED: Bounded[tuple[Any, ...], tuple[FactDef, tuple[Any, str | None, dt.date | None]]] = Bounded(8192)
#: Events already parsed: (fact id, evaluation date, each field's name, type and value) -> (the FactDef,
#: the parsed event); a copy of the event is given out, so no caller shares one.
_EVENTS: Bounded[tuple[Any, ...], tuple[FactDef, dict[str, Any]]] = Bounded(8192)
_KEYED = (str, int, float, bool)
_EVENT_KEYED = frozenset({str, int, float, bool, dt.date})


def _parse_typed(fd: FactDef, value_raw: Any, unit: str | None, comparator: Any, as_of: dt.date,
                 path: str) -> tuple[Any, str | None, dt.date | None]:
    """The value by the fact's type, its unit, and (for events) the latest event's date (remembered
    for a scalar value: :data:`_PARSED`)."""
    cls = value_raw.__class__
    if cls not in _KEYED or fd.type == "events" or (cls is float and value_raw == 0.0):  # -0.0 == 0.0
        return _parse_value(fd, value_raw, unit, comparator, as_of, path)
    key = (fd.id, as_of, cls, value_raw, unit, comparator)
    hit = _PARSED.get(key)
    if hit is not None and hit[0] is fd:
        return hit[1]
    out = _parse_value(fd, value_raw, unit, comparator, as_of, path)
    _PARSED.keep(key, (fd, out))
    return out


def _event(fd: FactDef, raw: Any, as_of: dt.date, path: str) -> dict[str, Any]:
    """:func:`_parse_event`, remembered for an event whose fields are plain values (:data:`_EVENTS`)."""
    if raw.__class__ is not dict:
        return _parse_event(fd, raw, as_of, path)
    parts: list[Any] = [fd.id, as_of]
    for k, v in raw.items():
        cls = v.__class__
        if cls not in _EVENT_KEYED or (cls is float and v == 0.0):  # -0.0 == 0.0
            return _parse_event(fd, raw, as_of, path)
        parts.append((k, cls, v))
    key = tuple(parts)
    hit = _EVENTS.get(key)
    if hit is not None and hit[0] is fd:
        return dict(hit[1])
    out = _parse_event(fd, raw, as_of, path)
    _EVENTS.keep(key, (fd, dict(out)))
    return out


def _parse_value(fd: FactDef, value_raw: Any, unit: str | None, comparator: Any, as_of: dt.date,
                 path: str) -> tuple[Any, str | None, dt.date | None]:
    value: Any
    latest: dt.date | None = None
    if fd.type == "number":
        bound = _WRITTEN_BOUND.match(value_raw) if isinstance(value_raw, str) else None
        if bound is not None:
            if comparator is not None:
                raise CaseFormatError(f"{value_raw!r} has a bound and the comparator is given too; give one",
                                      field=path)
            comparator, value_raw = _BOUND_SYMBOLS.get(bound.group(1), bound.group(1)), value_raw[bound.end():]
        value = _parse_number(fd, value_raw, unit, path)
        out_unit = fd.unit
        if comparator is not None:
            value = bounded(fd, value, str(comparator), f"{value:g} {fd.unit or ''}".strip())
    elif fd.type == "boolean":
        value, out_unit = _parse_bool(value_raw, path), None
    elif fd.type == "category":
        value, out_unit = _parse_category(fd, value_raw, path), None
    elif fd.type == "date":
        value, out_unit = parse_date(value_raw, path=path), None
        _check_not_future(value, as_of, path)
    else:
        if not isinstance(value_raw, list):
            raise CaseFormatError(
                f"expected a list of {{{', '.join(fd.fields)}}} (use [] for none)", field=path
            )
        events = [_event(fd, e, as_of, f"{path}[{i}]") for i, e in enumerate(value_raw)]
        key = "date" if "date" in fd.fields else "start"
        events.sort(key=lambda e: (e.get(key) or dt.date.min, str(e.get("drug", ""))))
        value, out_unit = tuple(events), None
        dates = [e[key] for e in events if isinstance(e.get(key), dt.date)]
        latest = max(dates) if dates else None
    return value, out_unit, latest


def parse_text_form(
    fd: FactDef,
    raw: Any,
    dictionary: FactDictionary,
    *,
    as_of: dt.date,
    path: str,
    source: str,
) -> tuple[tuple[FactValue, ...], tuple[str, ...]] | None:
    """A value written in the fact's text notation -> the facts it settles, and notes.

    For ``karyotype`` (``text_form: iscn``) an ISCN string such as ``46,XY,del(5)(q13q33)[20]``
    gives ``karyotype`` and the facts :func:`mednec.calculators.karyotype.karyotype_facts` reads
    off it, each with provenance naming the karyotype. Returns ``None`` when ``raw`` is not in
    the notation (e.g. ``normal``), so the caller parses it as a plain value.
    """
    if fd.text_form == "icd10":
        return _icd10_form(fd, raw, dictionary, as_of=as_of, path=path, source=source)
    if fd.text_form != "iscn":
        return None
    observed: dt.date | None = None
    text = raw
    if isinstance(raw, Mapping):
        text = raw.get("value")
        if raw.get("date") is not None:
            observed = parse_date(raw["date"], path=f"{path}.date")
            _check_not_future(observed, as_of, f"{path}.date")
        if raw.get("source"):
            source = str(raw["source"])
    if not isinstance(text, str) or not text.strip() or fd.category_key(text) is not None:
        return None
    try:
        k = parse_karyotype(text)
    except KaryotypeError as exc:
        raise CaseFormatError(f"{exc}", field=path) from None
    detail = k.describe()
    out = []
    for fid, value in karyotype_facts(k).items():
        unit = dictionary.facts[fid].unit
        out.append(FactValue(fid, value, unit, observed or as_of, Provenance(source, detail)))
    notes = [f"Karyotype {k.text}: {n}" for n in k.notes]
    if k.cytogenetic_group is None:
        notes.append(f"Karyotype {k.text}: {k.group_problem}; the IPSS-R cytogenetic group must be given")
    return tuple(out), tuple(notes)


def icd10_reading(fd: FactDef, text: str, dictionary: FactDictionary) -> tuple[str | None, str | None, tuple[str, ...]]:
    """(diagnosis value, the ICD-10-CM code, the boolean facts the code gives) for a ``diagnosis`` written as
    ``text`` (:mod:`mednec.facts.icd10`): a value by key, label or synonym, else the code ``text`` writes ("I2510"
    is the value I25.10, "D46.A Refractory cytopenia ..." D46.A); the facts of the code or of a code above it
    (I21.4 -> prior_mi). ``(None, None, ())`` when ``text`` is neither a value nor a code."""
    key = fd.category_key(text)
    code = icd10.canonical(key if key is not None else text)
    if key is None and code is not None:
        key = fd.category_key(code)
    facts = tuple(fid for fid, _ in icd10.code_facts(code, dictionary)) if code is not None else ()
    return key, code, facts


def read_off_rows(fd: FactDef, text: str | None) -> bool:
    """Whether ``text`` is written in the fact's text notation (an ISCN karyotype, a diagnosis code written
    otherwise than as a value: "e7849", "I63.9 Cerebral infarction, unspecified"), which :func:`parse_text_form`
    reads: the columnar and bulk engines leave such rows to the case-file parser. A value as written is theirs,
    with the condition facts its code gives (:func:`value_code_facts`, their twin of :func:`value_facts`)."""
    return text is not None and fd.category_key(text) is None


def value_code_facts(fd: FactDef, key: str, dictionary: FactDictionary) -> tuple[str, ...]:
    """The boolean facts whose codes list the code of the value ``key`` of a ``text_form: icd10`` fact, or a code
    above it (I63.9: prior_ischemic_stroke; E78.5: dyslipidemia); none for a value no fact lists (E66.3)."""
    code = icd10.canonical(key) if fd.text_form == "icd10" else None
    return tuple(fid for fid, _ in icd10.code_facts(code, dictionary)) if code is not None else ()


def value_facts(fd: FactDef, fv: FactValue, dictionary: FactDictionary) -> tuple[FactValue, ...]:
    """The condition facts a diagnosis value gives as well (``text_form: icd10``): the boolean facts whose codes list
    the value's code or a code above it (I63.9: prior_ischemic_stroke; I25.2: prior_mi; E78.5: dyslipidemia), each
    dated as the diagnosis, with the code as provenance; none for another fact or a value no fact lists (E66.3)."""
    if fd.text_form != "icd10" or not isinstance(fv.value, str):
        return ()
    detail = f"from the diagnosis code {fv.value}: {fv.value}"
    return tuple(FactValue(fid, True, None, fv.observed, Provenance(fv.provenance.source, detail))
                 for fid in value_code_facts(fd, fv.value, dictionary))


def _icd10_form(fd: FactDef, raw: Any, dictionary: FactDictionary, *, as_of: dt.date, path: str,
                source: str) -> tuple[tuple[FactValue, ...], tuple[str, ...]] | None:
    """A diagnosis written as an ICD-10-CM code (``text_form: icd10``): the diagnosis value it is (the policies read
    a listed code beside its condition fact), else the condition facts the code gives (I21.4: prior_mi), each with
    the code as provenance; ``None`` for a value as written (read as before) or a code no value is and no fact
    lists (refused as before, naming the field). A listed value gives its condition facts beside it in the case-file
    parser (:func:`value_facts`)."""
    observed: dt.date | None = None
    text = raw
    if isinstance(raw, Mapping):
        text = raw.get("value")
        if raw.get("date") is not None:
            observed = parse_date(raw["date"], path=f"{path}.date")
            _check_not_future(observed, as_of, f"{path}.date")
        if raw.get("source"):
            source = str(raw["source"])
    if not isinstance(text, str) or not text.strip():
        return None
    if fd.category_key(text) is not None:
        return None  # a value as written: read as before (the policies read a listed code beside its condition)
    key, code, facts = icd10_reading(fd, text, dictionary)
    ranges = icd10.code_ranges(code, dictionary) if code is not None else ()
    if key is None and not facts and not ranges:
        return None  # no code mednec reads: refused as before, naming the field
    when = observed or as_of
    if _qualified(text):  # "E11.9 (provisional)", "I21.4 ruled out", "I63.9 - mother": not the patient's diagnosis
        return _relative_code(text, code, facts, dictionary, when, source)
    if ranges:  # "Z68.35": the BMI 35.0-35.9 (a criterion is decided on it only when the whole range is one side)
        return tuple(_ranged(fid, code, low, high, text, dictionary, when, source) for fid, code, low, high in ranges), (
            f"Diagnosis {text.strip()}: the code {code} names {', '.join(fid for fid, *_ in ranges)} as a range",)
    if key is not None:  # a value written otherwise ("I2510", "D46.A Refractory ..."): that value, as written so,
        given = FactValue(fd.id, key, None, when, Provenance(source))  # with the condition facts its code gives
        return (given, *value_facts(fd, given, dictionary)), ()
    out = [FactValue(fid, True, None, when, Provenance(source, f"from the diagnosis code {code}: {text.strip()}"))
           for fid in facts]
    return tuple(out), (f"Diagnosis {text.strip()}: the code {code} is no diagnosis value; read as {', '.join(facts)}",)



def _ranged(fid: str, code: str, low: float, high: float, text: str, dictionary: FactDictionary, when: dt.date,
            source: str) -> FactValue:
    """A number fact a code names as a range (Z68.35: BMI 35.0-35.9), with the code as provenance."""
    fd = dictionary.facts[fid]
    shown = f"{low:g}-{high:g} {fd.unit or ''}".strip()
    value = Between(low, high, (), f"the diagnosis code {code} names {shown}")
    return FactValue(fid, value, fd.unit, when, Provenance(source, f"from the diagnosis code {code}: {text.strip()}"))


def _relative_code(text: str, code: str | None, facts: tuple[str, ...], dictionary: FactDictionary, when: dt.date,
                   source: str) -> tuple[tuple[FactValue, ...], tuple[str, ...]]:
    """A code said with doubt, negated or of another person: not the patient's diagnosis. A code said only of a
    relative ("E31.22 - mother") still gives the facts a relative's condition establishes (``fhir_family``: a
    family history of MEN 2 is the contraindication itself); nothing else."""
    parts = text.strip().split(None, 1)
    words = parts[1] if len(parts) > 1 else ""
    kept = [fid for fid in facts if dictionary.facts[fid].fhir_family] if _RELATIVE.search(words) and \
        not _qualifies(_RELATIVE.sub(" ", words)) else []
    if not kept:
        return (), (f"Diagnosis {text.strip()!r}: the code is said with doubt, negated or of another person; not used",)
    detail = f"from the diagnosis code {code} of a relative: {text.strip()}"
    return (tuple(FactValue(fid, True, None, when, Provenance(source, detail)) for fid in kept),
            (f"Diagnosis {text.strip()}: the code is a relative's; read as the family history {', '.join(kept)}",))


#: words that give a code to a relative ("I63.9 - mother", "E31.22 (father)")
_RELATIVE = re.compile(r"\b(?:family|mother|father|sister|brother|son|daughter|parent|sibling|relative)\b", re.I)

#: words after a code that doubt it, negate it or give it to someone else ("E11.9 (provisional)", "I21.4 ruled out",
#: "I63.9 - mother"); a tabular title says none of them ("not elsewhere classified" is dropped first)
_QUALIFIER = re.compile(r"\?|\b(?:provisional|suspected|suspect|possible|possibly|probable|probably|query|presumed|"
                        r"presumptive|differential|rule[ds]?\s*out|r/o|unconfirmed|not\s+confirmed|pending|excluded|"
                        r"negative|denies|denied|no|not|never|family|mother|father|sister|brother|son|daughter|parent|"
                        r"sibling|relative|hypothetical|if|error)\b", re.I)


def code_qualified(after: str) -> bool:
    """Whether the words after a code in running text, up to the end of its bracket or clause (at most 40
    characters), doubt it, negate it or hand it to someone else ("(E78.5 coded in error?)", "I21.4 ruled out")."""
    return _qualifies(re.split(r"[),;.\n]", after, maxsplit=1)[0][:40])


def _qualified(text: str) -> bool:
    """A description after a code that doubts, negates or hands it to someone else."""
    parts = text.strip().split(None, 1)
    return _qualifies(parts[1]) if len(parts) > 1 else False


def _qualifies(words: str) -> bool:
    """Whether words said about a code doubt, negate or hand it on (a tabular title's "not elsewhere classified"
    dropped first)."""
    return bool(_QUALIFIER.search(re.sub(r"not elsewhere classified", " ", words, flags=re.I)))
