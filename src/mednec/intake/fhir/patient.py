"""Patient -> ``birth_date`` and ``sex``.

A FHIR ``date`` may be a year or a year-month (R4 datatypes: "2011", "2011-03"), which registries and
de-identified exports send for a birth date. It gives no ``birth_date`` but the ``age`` on the evaluation
date: exact when every day the partial date allows gives the same age ("2011-03": 15 on 2026-12-06); else the
bound that keeps what is known about adulthood, the policies' age criteria being mostly 18 or more: at least
the lower age when both are adult (">= 64" for "1961": 64 or 65), at most the upper one otherwise ("<= 16" for
"2010": 15 or 16, not an adult; "<= 18" for "2008": 17 or 18, asked). So an age criterion it cannot settle is
asked, never presumed from silence (a 15-year-old must not pass as an adult).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Mapping
from typing import Any

from mednec.errors import CaseFormatError
from mednec.facts.days import iso_day
from mednec.intake.fhir.common import Context, Finding, NotMapped, Source, fhir_datetime

__all__ = ["ADULT", "map_patient", "partial_birth_age"]

_SEX = {"male": "male", "female": "female", "other": "other", "unknown": "unknown"}
#: the age of majority the policies' adult criteria use (age >= 18)
ADULT = 18


def map_patient(resource: Mapping[str, Any], src: Source, ctx: Context) -> list[Finding]:
    """``Patient.birthDate`` and ``Patient.gender`` (FHIR administrative gender)."""
    out: list[Finding] = []
    born = resource.get("birthDate")
    if born and len(str(born)) < 10:
        youngest, oldest = partial_birth_age(str(born), ctx.as_of, path=f"{src.path}.birthDate")
        if youngest == oldest:
            age, comparator = youngest, ""
        elif youngest >= ADULT:  # an adult whatever the day: the lower bound decides every adult criterion
            age, comparator = youngest, ">="
        else:  # a minor, or 17 or 18: the upper bound says "not an adult" or leaves it asked
            age, comparator = oldest, "<="
        out.append(Finding("age", float(age), "years", None, src, f"Patient.birthDate {born} (a partial date)",
                           comparator=comparator))
    elif born:
        when = fhir_datetime(born, path=f"{src.path}.birthDate")
        assert when is not None
        out.append(Finding("birth_date", iso_day(when.date()), None, None, src, "Patient.birthDate"))
    gender = resource.get("gender")
    if gender in _SEX:
        out.append(Finding("sex", _SEX[gender], None, None, src, "Patient.gender"))
    if not out:
        raise NotMapped("no birthDate or gender")
    return out


def _years(born: dt.date, on: dt.date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def partial_birth_age(text: str, on: dt.date, *, path: str) -> tuple[int, int]:
    """The least and the greatest age on ``on`` of someone born in the year or year-month ``text``."""
    try:
        parts = [int(p) for p in text.split("-")]
        if len(parts) == 1:
            first, last = dt.date(parts[0], 1, 1), dt.date(parts[0], 12, 31)
        elif len(parts) == 2:
            first = dt.date(parts[0], parts[1], 1)
            last = dt.date(parts[0], parts[1], calendar.monthrange(parts[0], parts[1])[1])
        else:
            raise ValueError(text)
    except ValueError:
        raise CaseFormatError(f"expected a FHIR date (YYYY, YYYY-MM or YYYY-MM-DD), got {text!r}", field=path) from None
    if first > on:
        raise NotMapped(f"{path} is after the evaluation date")  # the birth date itself is not quoted
    return (_years(last, on) if last <= on else 0), _years(first, on)
