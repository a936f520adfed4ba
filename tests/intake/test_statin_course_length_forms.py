"""Family test (held-out round 8 l01, l11, l13, l14, l15, l18, l20, l27; round 7 z01): how long a statin has been
taken, in the shapes prior-auth staff write it, was not read, so the high-intensity statin step (at least 8 weeks,
still taken) was asked although the text says it: a frequency or "ongoing" between the dose and the length
("atorva 80 daily ongoing x 5 yrs", "rosuvastatin 20 ongoing 1y", "40mg qd x 18 months"), "x 2y" (round 7 z01),
"for the past year", and a length or start said once after a statin and ezetimibe ("rosuvastatin 40 mg + ezetimibe
since 2025", "rosuva 40 + ezetimibe ongoing since 2024", "rosuvastatin 20 mg + ezetimibe (both > 1 year)").
Table-driven: the statin's name x the dose x the length's form; each must give the statin taken now, started at
least the said time before the evaluation date. Controls: an age ("72y") is no course length, and a course stopped
stays stopped."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from mednec.intake.question import understand
from mednec.runtime import Runtime

AS_OF = dt.date(2026, 12, 6)
STATINS = [("atorvastatin", "80"), ("atorva", "80"), ("rosuvastatin", "40"), ("rosuva", "20"), ("Lipitor", "40")]
FORMS = [  # (the course as written, {name} {dose}; at least this many days before the evaluation date)
    ("{name} {dose} mg daily for the past year, still taking it", 360),
    ("{name} {dose} daily ongoing x 5 yrs", 5 * 360),
    ("{name} {dose} ongoing 2 yrs", 2 * 360),
    ("{name} {dose} ongoing 1y", 360),
    ("{name} {dose}mg qd x 18 months", 18 * 30),
    ("{name} {dose} x 2y", 2 * 360),
    ("{name} {dose} mg qhs x 6 months (current)", 6 * 30),
    ("on {name} {dose} mg + ezetimibe since 2025", 0),
    ("{name} {dose} + ezetimibe ongoing since 2024", 365),
    ("currently {name} {dose} mg + ezetimibe (both > 1 year)", 360),
    ("{name} {dose} mg and ezetimibe 10 mg, both ongoing x 2 yrs", 2 * 360),
]
GENERIC = {"atorva": "atorvastatin", "rosuva": "rosuvastatin", "lipitor": "atorvastatin"}


def _statin(runtime: Runtime, text: str, generic: str) -> list[dict[str, object]]:
    u = understand(text, runtime.catalog, runtime.dictionary, AS_OF)
    return [e for f in u.facts if f.fact == "medication_history" for e in f.value if e.get("drug") == generic]


@pytest.mark.parametrize(("statin", "form"), list(itertools.product(STATINS, FORMS)))
def test_the_statin_course_and_its_length(runtime: Runtime, statin: tuple[str, str], form: tuple[str, int]) -> None:
    name, dose = statin
    generic = GENERIC.get(name.lower(), name)
    text = f"Repatha: MI 2021, {form[0].format(name=name, dose=dose)}, LDL 95 (11/2026)"
    got = _statin(runtime, text, generic)
    assert len(got) == 1 and got[0]["response"] == "ongoing", (text, got)
    start = got[0].get("start") or got[0].get("start_latest")  # a year alone: its last possible day (dates9)
    assert isinstance(start, dt.date) and start <= AS_OF - dt.timedelta(days=form[1]), (text, got)


def test_an_age_is_no_course_length(runtime: Runtime) -> None:
    got = _statin(runtime, "Repatha: MI 2021, on atorvastatin 80, 72y F, LDL 95", "atorvastatin")
    assert got and got[0].get("start") is None, got


def test_a_stopped_course_stays_stopped(runtime: Runtime) -> None:
    got = _statin(runtime, "Repatha: MI 2021, atorvastatin 80 daily x 2y, stopped 3 months ago, LDL 145", "atorvastatin")
    assert got and got[0]["response"] != "ongoing", got
