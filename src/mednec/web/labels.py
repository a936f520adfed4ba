"""The words the web pages show for roles, review states, verdicts and audiences, and for times."""

from __future__ import annotations

import datetime as dt

from mednec.states import Audience, Verdict

__all__ = ["AUDIENCES", "ROLE_LABEL", "VERDICT_CLASS", "VERDICT_LABEL", "span", "when"]

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
