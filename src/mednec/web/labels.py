"""The words the web pages show for roles, review states, verdicts and audiences, and for times."""

from __future__ import annotations

import datetime as dt

from mednec.states import Audience, Verdict

__all__ = ["AUDIENCES", "ROLE_LABEL", "VERDICT_CLASS", "VERDICT_LABEL", "duration", "patient_descriptor", "span", "when"]

ROLE_LABEL = {
    "requester": "Requester (clinician)",
    "physician_reviewer": "Physician reviewer",
    "policy_author": "Policy author",
    "auditor": "Auditor",
    "admin": "Administrator",
}
VERDICT_LABEL = {
    Verdict.MEETS: "Meets criteria",
    Verdict.NOT_MET: "Does not meet criteria",
    Verdict.INSUFFICIENT: "Insufficient information",
}
VERDICT_CLASS = {
    Verdict.MEETS: "met",
    Verdict.NOT_MET: "not_met",
    Verdict.INSUFFICIENT: "unknown",
}
AUDIENCES = {Audience.CLINICIAN: "Clinician", Audience.PAYER: "Payer reviewer", Audience.PATIENT: "Patient"}


def when(t: dt.datetime | None) -> str:
    """'20 Nov 2026, 09:00 UTC'."""
    if t is None:
        return ""
    if t.tzinfo is None:
        t = t.replace(tzinfo=dt.UTC)
    t = t.astimezone(dt.UTC)
    return f"{t.day} {t:%b %Y, %H:%M} UTC"


def span(delta: dt.timedelta) -> str:
    """'3 days', '5 hours', '12 minutes'."""
    secs = abs(delta.total_seconds())
    if secs >= 2 * 86400:
        n, unit = int(secs // 86400), "day"
    elif secs >= 2 * 3600:
        n, unit = int(secs // 3600), "hour"
    else:
        n, unit = max(1, int(secs // 60)), "minute"
    return f"{n} {unit}{'s' if n != 1 else ''}"


def duration(hours: float | None) -> str:
    """A turnaround in words: '45 minutes', '5 hours', '3.5 days' ('—' when there is none)."""
    if hours is None:
        return "—"
    if hours < 1:
        n = max(1, round(hours * 60))
        return f"{n} minute{'s' if n != 1 else ''}"
    if hours < 48:
        h = round(hours, 1)
        return f"{h:g} hour{'s' if h != 1 else ''}"
    d = round(hours / 24, 1)
    return f"{d:g} days"


_SEX = {"male": ("man", "boy"), "female": ("woman", "girl")}


def patient_descriptor(data: dict[str, object] | None, as_of: dt.date) -> str:
    """'Maria Lopez, 76-year-old woman' / '68-year-old man' / 'patient, age not given': from the
    case's patient part (a name only when the request supplied one)."""
    patient = (data or {}).get("patient")
    p = patient if isinstance(patient, dict) else {}

    def val(key: str) -> object:
        v = p.get(key)
        return v.get("value") if isinstance(v, dict) else v

    age: int | None = None
    raw_age, born = val("age"), val("birth_date")
    if isinstance(raw_age, int | float) and not isinstance(raw_age, bool):
        age = int(raw_age)
    elif born:
        try:
            b = dt.date.fromisoformat(str(born)[:10])
            age = as_of.year - b.year - ((as_of.month, as_of.day) < (b.month, b.day))
        except ValueError:
            age = None
    sex = str(val("sex") or "").lower()
    noun = _SEX[sex][1 if age is not None and age < 18 else 0] if sex in _SEX else "patient"
    who = f"{age}-year-old {noun}" if age is not None else (noun if noun != "patient" else "patient, age not given")
    name = val("name")
    return f"{name}, {who}" if isinstance(name, str) and name.strip() else who
