"""Case-file values as outside testers write them (held-out set tests/heldout/cases3), one family per
test, each over many variants: dates in every accepted spelling in every date field; every numeric fact
as a string, with and without each of its units and its own name; numbers inside events; empty values;
booleans and sex as exports spell them. And the refusals: a date with two readings, a year or a month
alone, a comma that may be a thousands separator -- each naming its field.

Metamorphic: a spelling accepted before these families were added gives the same facts as its plain
form (a number, ``{value, unit}``, an ISO date), so accepting new spellings changed no old value (the
one exception, "d,ddd" read as a decimal comma, is now refused: see the README's case-file section).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from mednec.errors import InputError
from mednec.intake.case_file import parse_case
from mednec.runtime import default_runtime

RT = default_runtime()
D = RT.dictionary
AS_OF = dt.date(2026, 12, 1)
DAY = dt.date(2025, 6, 15)

#: every accepted spelling of 15 June 2025
SPELLINGS = ["2025-06-15", "2025-06-15T08:30:00Z", "2025-06-15T08:30", "2025-06-15 08:30:00+02:00",
             "2025-06-15T23:59:59.123-05:00", "20250615", "2025/06/15", "2025-6-15", "15/06/2025", "06/15/2025",
             "15.06.2025", "15-06-2025", "6/15/2025", "15 Jun 2025", "15 June 2025", "15-Jun-2025",
             "15th June 2025", "15 jun. 2025", "Jun 15, 2025", "June 15 2025", "June 15th, 2025", "Jun. 15, 2025",
             " 15  June 2025 ", "JUNE 15, 2025"]
#: inputs that must be refused, naming the field: two readings, a year or a month alone, no real day
REFUSED_DATES = ["03/01/2025", "06/05/2025", "1.2.2025", "2025", "2025-06", "June 2025", "Jun, 2025", "06/2025",
                 "15/06/25", "31/02/2025", "2025-02-30", "Foo 15, 2025", "15 Ju 2025", "yesterday", "2025-13-01"]


def _where(field: str, text: Any) -> tuple[dict[str, Any], str]:
    """A case that puts ``text`` in one date field, and that field's path."""
    tx = {"date": "2026-10-01", "units": 2}
    cases: dict[str, tuple[dict[str, Any], str]] = {
        "birth_date": ({"patient": {"birth_date": text}}, "patient.birth_date"),
        "as_of": ({"as_of": text, "facts": {"hemoglobin": 8.1}}, "as_of"),
        "observed": ({"facts": {"hemoglobin": {"value": 8.1, "unit": "g/dL", "date": text}}}, "facts.hemoglobin.date"),
        "transfusion": ({"facts": {"rbc_transfusions": [tx, {"date": text, "units": 1}]}}, "facts.rbc_transfusions[1].date"),
        "esa_start": ({"facts": {"esa_history": [{"drug": "epoetin alfa", "start": text, "response": "none"}]}},
                      "facts.esa_history[0].start"),
        "course_end": ({"facts": {"medication_history": [{"drug": "atorvastatin", "start": "2020-01-01", "end": text,
                                                          "response": "intolerant"}]}}, "facts.medication_history[0].end"),
        "treatment_start": ({"facts": {"treatment_start": text}}, "facts.treatment_start"),
        "dose_date": ({"facts": {"treatment_doses": [{"date": text, "dose": 1.0}]}}, "facts.treatment_doses[0].date"),
    }
    return cases[field]


def _date_read(field: str, facts: Any) -> dt.date:
    if field == "birth_date":
        return facts.value("birth_date")
    if field == "as_of":
        return facts.as_of
    if field == "observed":
        return facts["hemoglobin"].observed
    if field == "transfusion":
        return next(e["date"] for e in facts.value("rbc_transfusions") if e["units"] == 1)
    if field == "esa_start":
        return facts.value("esa_history")[0]["start"]
    if field == "course_end":
        return facts.value("medication_history")[0]["end"]
    if field == "dose_date":
        return facts.value("treatment_doses")[0]["date"]
    return facts.value(field)


FIELDS = ["birth_date", "as_of", "observed", "transfusion", "esa_start", "course_end", "treatment_start", "dose_date"]


@pytest.mark.parametrize("field", FIELDS)
@pytest.mark.parametrize("text", SPELLINGS)
def test_every_date_spelling_in_every_date_field(field: str, text: str) -> None:
    data, _ = _where(field, text)
    as_of = None if field == "as_of" else AS_OF
    facts = parse_case(data, D, as_of=as_of).facts
    assert _date_read(field, facts) == DAY


#: a year or a month alone: a value's date is the range of its days (held-out dates9); every other date field refuses it
PARTIAL = {"2025", "2025-06", "June 2025", "Jun, 2025", "06/2025"}


@pytest.mark.parametrize("field", FIELDS)
@pytest.mark.parametrize("text", REFUSED_DATES)
def test_a_date_with_two_readings_or_no_day_is_refused_naming_the_field(field: str, text: str) -> None:
    data, path = _where(field, text)
    if field == "observed" and text in PARTIAL:
        fv = parse_case(data, D, as_of=AS_OF).facts["hemoglobin"]
        assert fv.observed is not None and fv.observed_last is not None and fv.observed < fv.observed_last
        return
    with pytest.raises(InputError) as e:
        parse_case(data, D, as_of=None if field == "as_of" else AS_OF)
    assert e.value.field == path


def test_a_day_first_or_month_first_date_is_read_only_when_one_reading_exists() -> None:
    for text, want in [("05/05/2025", dt.date(2025, 5, 5)), ("13/01/2025", dt.date(2025, 1, 13)),
                       ("01/13/2025", dt.date(2025, 1, 13)), ("12.12.2024", dt.date(2024, 12, 12))]:
        assert parse_case({"facts": {"treatment_start": text}}, D, as_of=AS_OF).facts.value("treatment_start") == want
    with pytest.raises(InputError, match="ambiguous"):
        parse_case({"facts": {"treatment_start": "03/01/2026"}}, D, as_of=AS_OF)


NUMBERS = [fd for fd in D.facts.values() if fd.type == "number" and fd.may_give and fd.id != "age"]


def _mid(fd: Any) -> float:
    lo, hi = fd.range or (0.0, 100.0)
    return round(lo + (hi - lo) / 7, 1) if hi - lo > 2 else lo


def _one(fid: str, raw: Any) -> Any:
    group = "patient" if fid in ("age", "birth_date", "sex") else "facts"
    return parse_case({group: {fid: raw}}, D, as_of=AS_OF).facts


@pytest.mark.parametrize("fd", NUMBERS, ids=lambda fd: fd.id)
def test_every_numeric_fact_as_a_string_with_and_without_each_unit(fd: Any) -> None:
    x = _mid(fd)
    plain = _one(fd.id, x).value(fd.id)
    assert _one(fd.id, str(x)).value(fd.id) == plain
    assert _one(fd.id, {"value": str(x)}).value(fd.id) == plain
    for unit in fd.units or ([fd.unit] if fd.unit else []):
        try:
            want = _one(fd.id, {"value": x, "unit": unit}).value(fd.id)
        except InputError:  # implausible in this unit: the string is refused the same way
            with pytest.raises(InputError):
                _one(fd.id, f"{x:g} {unit}")
            continue
        assert _one(fd.id, f"{x:g} {unit}").value(fd.id) == want
        if not unit[:1].isdigit():  # "428.610^9/L" has no boundary between the number and the unit
            assert _one(fd.id, f"{x:g}{unit}").value(fd.id) == want
        assert _one(fd.id, {"value": f"{x:g}", "unit": unit}).value(fd.id) == want


@pytest.mark.parametrize("fd", [fd for fd in NUMBERS if fd.names], ids=lambda fd: fd.id)
def test_a_number_after_the_facts_own_name(fd: Any) -> None:
    x = _mid(fd)
    want = _one(fd.id, x).value(fd.id)
    for name in (fd.label, *fd.names):
        assert _one(fd.id, f"{name} {x:g}").value(fd.id) == want, name
        assert _one(fd.id, f"{name}: {x:g} {fd.unit or ''}".strip()).value(fd.id) == want, name


def test_another_facts_name_before_a_number_is_refused() -> None:
    with pytest.raises(InputError) as e:
        _one("ldl_c", "HDL 88 mg/dL")
    assert e.value.field == "facts.ldl_c"


@pytest.mark.parametrize("fd", NUMBERS, ids=lambda fd: fd.id)
def test_a_comma_before_three_digits_is_refused_never_a_decimal(fd: Any) -> None:
    for text in ("1,200", f"1,200 {fd.unit or ''}".strip(), "-1,500"):
        with pytest.raises(InputError) as e:
            _one(fd.id, text)
        assert e.value.field == f"facts.{fd.id}"


def test_a_decimal_comma_is_still_read() -> None:
    assert _one("hemoglobin", "8,1 g/dL").value("hemoglobin") == 8.1
    assert _one("hemoglobin", "8,15").value("hemoglobin") == 8.15


@pytest.mark.parametrize("units", [2, 2.0, "2", " 2 ", "2 units", "2 unit", "2units"])
def test_transfusion_units_as_strings(units: Any) -> None:
    f = _one("rbc_transfusions", [{"date": "2026-10-01", "units": units}])
    assert f.value("rbc_transfusions")[0]["units"] == 2.0


@pytest.mark.parametrize("units", ["two", "2 mL", "1,000", "", True])
def test_transfusion_units_that_are_not_a_count_are_refused(units: Any) -> None:
    with pytest.raises(InputError) as e:
        _one("rbc_transfusions", [{"date": "2026-10-01", "units": units}])
    assert e.value.field == "facts.rbc_transfusions[0].units"


@pytest.mark.parametrize("fid", ["medication_history", "esa_history"])
@pytest.mark.parametrize(("dose", "unit", "want"), [(80, "mg", (80.0, "mg")), ("80", "mg", (80.0, "mg")),
                                                     ("80 mg", None, (80.0, "mg")), ("80 mg", "mg", (80.0, "mg")),
                                                     ("40000 units", None, (40000.0, "units")), ("80", None, (80.0, None))])
def test_a_dose_with_its_unit_in_the_string(fid: str, dose: Any, unit: str | None, want: tuple[float, str | None]) -> None:
    entry = {"drug": "atorvastatin", "start": "2026-01-01", "response": "ongoing", "dose": dose}
    if unit is not None:
        entry["dose_unit"] = unit
    e = _one(fid, [entry]).value(fid)[0]
    assert (e["dose"], e.get("dose_unit")) == want


def test_a_dose_whose_string_and_unit_field_disagree_is_refused() -> None:
    with pytest.raises(InputError) as e:
        _one("medication_history", [{"drug": "atorvastatin", "response": "ongoing", "dose": "80 mg", "dose_unit": "mcg"}])
    assert e.value.field == "facts.medication_history[0].dose"


GIVABLE = [fd for fd in D.facts.values() if fd.may_give and fd.type != "events"]


@pytest.mark.parametrize("fd", GIVABLE, ids=lambda fd: fd.id)
@pytest.mark.parametrize("blank", [None, "", "  ", {"value": ""}, {"value": None}])
def test_an_empty_value_is_unknown_never_false(fd: Any, blank: Any) -> None:
    assert fd.id not in _one(fd.id, blank)


def test_an_empty_optional_event_field_is_not_given_and_a_required_one_is_asked_for() -> None:
    e = _one("medication_history", [{"drug": "atorvastatin", "start": "", "end": " ", "response": "ongoing",
                                     "reason_stopped": "", "dose": ""}]).value("medication_history")[0]
    assert e == {"drug": "atorvastatin", "response": "ongoing"}
    with pytest.raises(InputError) as err:
        _one("rbc_transfusions", [{"date": "", "units": 2}])
    assert err.value.field == "facts.rbc_transfusions[0].date"


BOOLEANS = [fd for fd in D.facts.values() if fd.type == "boolean" and fd.may_give]


@pytest.mark.parametrize("fd", BOOLEANS, ids=lambda fd: fd.id)
def test_booleans_as_exports_spell_them(fd: Any) -> None:
    for raw in (True, "true", "TRUE", "yes", "Yes", "Y", "y", "1", 1, "positive", " yes "):
        assert _one(fd.id, raw).value(fd.id) is True, raw
    for raw in (False, "false", "no", "No", "N", "n", "0", 0, "negative", "absent"):
        assert _one(fd.id, raw).value(fd.id) is False, raw
    for raw in (2, -1, 0.5, "maybe", "unknown?"):
        with pytest.raises(InputError):
            _one(fd.id, raw)


@pytest.mark.parametrize(("raw", "want"), [("F", "female"), ("f", "female"), ("Female", "female"), ("woman", "female"),
                                           ("M", "male"), ("m", "male"), ("MALE", "male"), ("man", "male")])
def test_sex_as_a_letter(raw: str, want: str) -> None:
    assert _one("sex", raw).value("sex") == want


#: spellings accepted before these families (first column) and their plain forms: still identical
OLD_FORMS: list[tuple[str, Any, Any]] = [
    ("hemoglobin", "8.1 g/dL", {"value": 8.1, "unit": "g/dL"}), ("hemoglobin", "81 g/L", 8.1),
    ("hemoglobin", "5.0 mmol/L", {"value": 5.0, "unit": "mmol/L"}), ("hemoglobin", "8,1", 8.1),
    ("serum_epo", "650", 650), ("serum_epo", "650 IU/L", 650), ("platelets", "120 K/uL", 120),
    ("ldl_c", "2.3 mmol/L", {"value": 2.3, "unit": "mmol/L"}), ("ldl_c", "190 mg/dL", 190),
    ("hba1c", "66 mmol/mol", {"value": 66, "unit": "mmol/mol"}), ("weight", "194 lb", {"value": 194, "unit": "lb"}),
    ("height", "65 in", {"value": 65, "unit": "in"}), ("del5q", "no", False), ("sf3b1_mutation", "mutated", True),
    ("ipss_category", "int-1", "intermediate_1"), ("treatment_start", "2026-03-01", dt.date(2026, 3, 1)),
    ("birth_date", "1949-01-03", dt.date(1949, 1, 3)), ("sex", "Female", "female"),
]


@pytest.mark.parametrize(("fid", "old", "plain"), OLD_FORMS)
def test_old_spellings_give_the_same_facts(fid: str, old: Any, plain: Any) -> None:
    a, b = _one(fid, old), _one(fid, plain)
    assert (a.value(fid), a[fid].unit, a[fid].observed) == (b.value(fid), b[fid].unit, b[fid].observed)
