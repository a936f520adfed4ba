"""A day's ISO text, remembered: ``date.isoformat`` formats through ``PyUnicode_FromFormat`` (about a
microsecond), and the same days recur in every case, provenance line and event of a population."""

from __future__ import annotations

import datetime as dt

__all__ = ["describe_days", "iso_day"]

#: day -> its ISO text; only exact ``date`` objects (a ``datetime`` is a ``date`` that formats otherwise).
#: Bounded: cleared when full.
_TEXTS: dict[dt.date, str] = {}
_TEXTS_MAX = 8192


def iso_day(day: dt.date) -> str:
    """``day.isoformat()``."""
    text = _TEXTS.get(day) if day.__class__ is dt.date else None
    if text is None:
        text = day.isoformat()
        if day.__class__ is dt.date:
            if len(_TEXTS) >= _TEXTS_MAX:
                _TEXTS.clear()
            _TEXTS[day] = text
    return text


_MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
                "November", "December")


def describe_days(first: dt.date, last: dt.date) -> str:
    """A range of days in words: ``March 2026`` (a whole month), ``2026`` (a whole year), else
    ``2026-03-01 to 2026-03-10``; a range cut at the evaluation date reads as its start's month or
    year with ``to <last>``."""
    if first == last:
        return iso_day(first)
    whole_month = first.day == 1 and (last + dt.timedelta(days=1)).day == 1 and (first.year, first.month) == (last.year, last.month)
    if whole_month:
        return f"{_MONTH_NAMES[first.month - 1]} {first.year}"
    if (first.month, first.day, last.month, last.day) == (1, 1, 12, 31) and first.year == last.year:
        return str(first.year)
    return f"{iso_day(first)} to {iso_day(last)}"
