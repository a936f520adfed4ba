"""A case file's dates against its birth date, and an age beside a birth date (held-out cases8 m14, g14, l12: dates
before birth; m15, l15, l20: an age the birth date contradicts).

An LDL-C dated before the patient was born was read as a stale LDL-C and answered a confident 'does not meet'
(cases8 l12); a transfusion dated 1940 for a patient born 1944 counted toward the burden (m14); an age of 70 beside a
birth date that makes the patient 82 was read, the two disagreeing silently (m15). A date before birth is impossible
and an age the birth date contradicts is a contradiction: the README's "Bad input gets one clear message naming the
field" (implausible values, future dates, contradictory facts). Table: every kind of dated value a case file gives
(a value's date, a date fact, each date field of each events fact) one day before birth -> refused naming that fact;
on the birth date itself -> read. Ages: whole years at the evaluation date (the birthday today counts; tomorrow does
not) agree -> read; one year off either way and far off -> refused naming patient.age. Written before the change.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from mednec.errors import InputError
from mednec.intake.case_file import parse_case
from mednec.runtime import default_runtime

AS_OF = dt.date(2026, 12, 6)
BIRTH = dt.date(1950, 6, 15)
DAY_BEFORE = "1950-06-14"

#: (fact, a value dated DAY_BEFORE) -- DATE is replaced by the day
DATED: list[tuple[str, Any]] = [
    ("hemoglobin", {"value": 9.1, "unit": "g/dL", "date": "DATE"}),
    ("ldl_c", {"value": 90, "unit": "mg/dL", "date": "DATE"}),
    ("weight_baseline", {"value": 110, "unit": "kg", "date": "DATE"}),
    ("hba1c", {"value": 8.1, "unit": "%", "date": "DATE"}),
    ("serum_epo", {"value": 150, "unit": "mU/mL", "date": "DATE"}),
    ("treatment_start", "DATE"),
    ("rbc_transfusions", [{"date": "2026-11-01", "units": 2}, {"date": "DATE", "units": 1}]),
    ("esa_history", [{"drug": "epoetin alfa", "start": "DATE", "end": "2026-06-01", "response": "none"}]),
    ("esa_history", [{"drug": "epoetin alfa", "start": "DATE", "end": "DATE", "response": "none"}]),
    ("medication_history", [{"drug": "atorvastatin", "start": "DATE", "response": "ongoing"}]),
    ("treatment_doses", [{"date": "DATE", "dose": 1.0}]),
]


def _with(value: Any, day: str) -> Any:
    if value == "DATE":
        return day
    if isinstance(value, dict):
        return {k: _with(v, day) for k, v in value.items()}
    if isinstance(value, list):
        return [_with(v, day) for v in value]
    return value


def _case(facts: dict[str, Any], **patient: Any) -> dict[str, Any]:
    return {"as_of": AS_OF.isoformat(), "patient": {"birth_date": BIRTH.isoformat(), "sex": "female", **patient},
            "facts": facts}


def _parse(data: dict[str, Any]) -> Any:
    return parse_case(data, default_runtime().dictionary)


@pytest.mark.parametrize(("fact", "value"), DATED, ids=[f"{f}-{i}" for i, (f, _) in enumerate(DATED)])
def test_a_date_before_birth_is_refused_naming_the_fact(fact: str, value: Any) -> None:
    with pytest.raises(InputError) as err:
        _parse(_case({fact: _with(value, DAY_BEFORE)}))
    assert fact in str(err.value.field), (err.value.field, err.value.message)
    assert "birth" in err.value.message


@pytest.mark.parametrize(("fact", "value"), DATED, ids=[f"{f}-{i}" for i, (f, _) in enumerate(DATED)])
def test_a_date_on_the_birth_date_is_read(fact: str, value: Any) -> None:
    case = _parse(_case({fact: _with(value, BIRTH.isoformat())}))
    assert fact in case.facts


def test_without_a_birth_date_an_old_date_is_read() -> None:
    data = _case({"ldl_c": {"value": 90, "unit": "mg/dL", "date": "1940-01-01"}})
    del data["patient"]["birth_date"]
    assert "ldl_c" in _parse(data).facts


#: (birth date, age) at AS_OF 2026-12-06
AGREE = [("1950-06-15", 76), ("1950-12-06", 76), ("1950-12-07", 75), ("1944-05-30", 82), ("2014-12-06", 12),
         ("1950-06-15", 76.5), ("1950-06-15", "76 y")]
DISAGREE = [("1950-06-15", 75), ("1950-06-15", 77), ("1950-12-07", 76), ("1944-05-30", 70), ("1958-02-19", 50),
            ("1957-12-07", 69), ("2014-12-07", 12)]


@pytest.mark.parametrize(("birth", "age"), AGREE)
def test_an_age_the_birth_date_gives_is_read(birth: str, age: Any) -> None:
    data = _case({})
    data["patient"] = {"birth_date": birth, "age": age, "sex": "female"}
    assert "age" in _parse(data).facts


@pytest.mark.parametrize(("birth", "age"), DISAGREE)
def test_an_age_the_birth_date_contradicts_is_refused(birth: str, age: Any) -> None:
    data = _case({})
    data["patient"] = {"birth_date": birth, "age": age, "sex": "female"}
    with pytest.raises(InputError) as err:
        _parse(data)
    assert "patient.age" in str(err.value.field), (err.value.field, err.value.message)
    assert birth in err.value.message
