"""A day's ISO text, remembered: ``date.isoformat`` formats through ``PyUnicode_FromFormat`` (about a
microsecond), and the same days recur in every case, provenance line and event of a population."""

from __future__ import annotations

import datetime as dt

__all__ = ["iso_day"]

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
