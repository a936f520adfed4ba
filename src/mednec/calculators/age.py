"""Age in whole years on a date (the usual birthday rule)."""

from __future__ import annotations

import datetime as dt

__all__ = ["age_on"]


def age_on(birth_date: dt.date, on: dt.date) -> int:
    """Completed years of age on ``on``.

    >>> age_on(dt.date(1952, 3, 1), dt.date(2026, 2, 28))
    73
    """
    years = on.year - birth_date.year
    if (on.month, on.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years
