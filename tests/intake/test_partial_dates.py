"""Family test (held-out dates9): a lab, or a drug course's start, dated only by a month, a year, a season or
"early/late <month>" -- in a case file (``2026-03``, ``2026``, an ISO interval), in running text ("LDL-C 88 in
August 2026", "since October 2026", "since the summer of 2026") and in FHIR (a partial ``effectiveDateTime``,
a partial ``effectivePeriod.start`` / ``authoredOn``).

Before: a case file refused every such date; running text read a month as its first day (an LDL-C "in August 2026"
was 127 days old, a statin "since October 2026" had 9 weeks) and did not read a year or "late July" (the LDL-C was
then undated, hence current) -- confident wrong answers on both sides of the policies' windows; FHIR asked.

The rule (a careful reviewer's): a date known only to a range of days is every day of it, no later than the
evaluation date; a window or a duration is decided only when EVERY day gives the same answer, and asked otherwise.
The metamorphic check below states exactly that: the answer for a partial date equals the answer for each of its
days when they all agree, and is ``insufficient_information`` when they do not -- over generated evaluation dates,
months, years and the policies' own windows (LDL-C 120 days; 8 weeks of a high-intensity statin, 13 under
Caremark).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mednec.errors import CaseFormatError
from mednec.intake.text.numbers import parse_range_text
from mednec.intake.values import day_range, parse_day_range
from mednec.runtime import Runtime

UNKNOWN = "insufficient_information"


def _ldl_case(as_of: dt.date, ldl_date: Any, start: Any = "2020-01-15") -> dict[str, Any]:
    return {"as_of": as_of, "patient": {"birth_date": dt.date(1960, 5, 5), "sex": "male"},
            "facts": {"prior_mi": True, "concurrent_pcsk9": False,
                      "ldl_c": {"value": 96, "unit": "mg/dL", "date": ldl_date},
                      "medication_history": [{"drug": "atorvastatin", "dose": 80, "dose_unit": "mg", "start": start,
                                              "response": "ongoing"}]}}


def _answer(runtime: Runtime, case: dict[str, Any], drug: str = "Repatha", variant: str | None = None) -> str:
    facts = runtime.parse_case(case, as_of=case["as_of"]).facts
    return str(runtime.evaluate(facts, runtime.catalog.find_drug(drug), variant=variant).determination)


def _every_day(runtime: Runtime, first: dt.date, last: dt.date, build: Any, **kw: Any) -> set[str]:
    out = set()
    day = first
    while day <= last:
        out.add(_answer(runtime, build(day), **kw))
        day += dt.timedelta(days=1)
    return out


def _expected(answers: set[str]) -> str:
    return answers.pop() if len(answers) == 1 else UNKNOWN


# ---- the days a partial date names ---------------------------------------------------------------------------

@pytest.mark.parametrize(("raw", "first", "last"), [
    ("2026-03", dt.date(2026, 3, 1), dt.date(2026, 3, 31)),
    ("2028-02", dt.date(2028, 2, 1), dt.date(2028, 2, 29)),  # leap February
    ("2026-02", dt.date(2026, 2, 1), dt.date(2026, 2, 28)),
    ("2026", dt.date(2026, 1, 1), dt.date(2026, 12, 31)),
    (2025, dt.date(2025, 1, 1), dt.date(2025, 12, 31)),  # YAML reads 2025 as a number
    ("03/2026", dt.date(2026, 3, 1), dt.date(2026, 3, 31)),
    ("March 2026", dt.date(2026, 3, 1), dt.date(2026, 3, 31)),
    ("2026-12", dt.date(2026, 12, 1), dt.date(2026, 12, 31)),
    ("2026-03-01/2026-03-10", dt.date(2026, 3, 1), dt.date(2026, 3, 10)),
    ("2026-03-05", dt.date(2026, 3, 5), dt.date(2026, 3, 5)),
])
def test_the_days_of_a_partial_date(raw: Any, first: dt.date, last: dt.date) -> None:
    assert parse_day_range(raw, path="x") == (first, last)


@pytest.mark.parametrize("raw", ["2026-13", "Foo 2026", "2026-03-10/2026-03-01", "03/01/2026", "26"])
def test_not_a_range_is_refused(raw: str) -> None:
    with pytest.raises(CaseFormatError):
        parse_day_range(raw, path="x")


@given(st.integers(1900, 2100), st.integers(1, 12))
def test_a_month_has_its_days(year: int, month: int) -> None:
    first, last = day_range(year, month)
    assert first == dt.date(year, month, 1) and (last + dt.timedelta(days=1)).day == 1 and last.month == month


AS_OF = dt.date(2026, 12, 6)


@pytest.mark.parametrize(("text", "first", "last"), [
    ("August 2026", dt.date(2026, 8, 1), dt.date(2026, 8, 31)),
    ("early August 2026", dt.date(2026, 8, 1), dt.date(2026, 8, 10)),
    ("mid-Aug 2026", dt.date(2026, 8, 11), dt.date(2026, 8, 20)),
    ("late Feb 2024", dt.date(2024, 2, 21), dt.date(2024, 2, 29)),
    ("Oct", dt.date(2026, 10, 1), dt.date(2026, 10, 31)),  # no year: the most recent October
    ("Dec", dt.date(2026, 12, 1), AS_OF),  # cut at the evaluation date
    ("2025", dt.date(2025, 1, 1), dt.date(2025, 12, 31)),
    ("2026", dt.date(2026, 1, 1), AS_OF),
    ("06/2026", dt.date(2026, 6, 1), dt.date(2026, 6, 30)),
    ("the summer of 2026", dt.date(2026, 6, 1), dt.date(2026, 9, 22)),  # meteorological or astronomical
    ("fall 2026", dt.date(2026, 9, 1), AS_OF),
])
def test_the_days_said_in_words(text: str, first: dt.date, last: dt.date) -> None:
    assert parse_range_text(text, AS_OF) == (first, last)


def test_a_range_after_the_evaluation_date_is_none() -> None:
    assert parse_range_text("2027", AS_OF) is None
    assert parse_range_text("January 2027", AS_OF) is None


# ---- metamorphic: a partial date gives what every one of its days gives, or asks -----------------------------

_SETTINGS = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@_SETTINGS
@given(as_of=st.dates(dt.date(2026, 1, 1), dt.date(2028, 12, 31)), back=st.integers(0, 9))
def test_ldl_month_agrees_with_its_days(runtime: Runtime, as_of: dt.date, back: int) -> None:
    """LDL-C dated ``YYYY-MM``, ``back`` months before the evaluation date's month (straddling 120 days or not)."""
    y, m = divmod(as_of.year * 12 + as_of.month - 1 - back - 2, 12)
    first, last = day_range(y, m + 1)
    last = min(last, as_of)
    got = _answer(runtime, _ldl_case(as_of, f"{y}-{m + 1:02d}"))
    assert got == _expected(_every_day(runtime, first, last, lambda d: _ldl_case(as_of, d)))


@_SETTINGS
@given(as_of=st.dates(dt.date(2026, 1, 1), dt.date(2027, 12, 31)), back=st.integers(0, 4),
       variant=st.sampled_from([None, "caremark"]))
def test_statin_start_month_agrees_with_its_days(runtime: Runtime, as_of: dt.date, back: int,
                                                  variant: str | None) -> None:
    """An ongoing atorvastatin 80 started ``YYYY-MM`` (8 weeks by default, 13 under Caremark, which also asks for
    ezetimibe: given since 2020)."""
    y, m = divmod(as_of.year * 12 + as_of.month - 1 - back, 12)
    first, last = day_range(y, m + 1)
    last = min(last, as_of)

    def build(start: Any) -> dict[str, Any]:
        case = _ldl_case(as_of, as_of - dt.timedelta(days=3), start)
        case["facts"]["medication_history"].append({"drug": "ezetimibe", "dose": 10, "dose_unit": "mg",
                                                    "start": "2020-01-01", "response": "ongoing"})
        return case

    got = _answer(runtime, build(f"{y}-{m + 1:02d}"), variant=variant)
    assert got == _expected(_every_day(runtime, first, last, build, variant=variant))


@pytest.mark.parametrize(("year", "as_of", "want"), [
    (2025, dt.date(2026, 12, 6), "does_not_meet_criteria"), (2026, dt.date(2026, 12, 6), UNKNOWN)])
def test_ldl_year(runtime: Runtime, year: int, as_of: dt.date, want: str) -> None:
    assert _answer(runtime, _ldl_case(as_of, str(year))) == want


@pytest.mark.parametrize(("start", "want"), [("2024", "meets_criteria"), ("2026", UNKNOWN), ("2026-09", "meets_criteria"),
                                             ("2026-10", UNKNOWN)])
def test_statin_start_year_or_month(runtime: Runtime, start: str, want: str) -> None:
    assert _answer(runtime, _ldl_case(AS_OF, dt.date(2026, 11, 20), start)) == want


def test_the_question_names_the_month(runtime: Runtime) -> None:
    """Asked, the answer says which day is needed and what the range gives (the presumption shown)."""
    facts = runtime.parse_case(_ldl_case(AS_OF, "2026-08"), as_of=AS_OF).facts
    det = runtime.evaluate(facts, runtime.catalog.find_drug("Repatha"))
    assert det.determination == UNKNOWN
    text = repr(det.to_dict())
    assert "On which day in August 2026 was the LDL-C drawn?" in text
    assert "97 to 127 days" in text


def test_the_question_names_the_start_month(runtime: Runtime) -> None:
    facts = runtime.parse_case(_ldl_case(AS_OF, dt.date(2026, 11, 20), "2026-10"), as_of=AS_OF).facts
    det = runtime.evaluate(facts, runtime.catalog.find_drug("Repatha"))
    assert det.determination == UNKNOWN
    text = repr(det.to_dict())
    assert "On which day in October 2026 was atorvastatin started?" in text
    assert "started October 2026: 5.14 to 9.43 weeks" in text


def test_a_value_with_no_window_is_read(runtime: Runtime) -> None:
    """A BMI dated by a month: nothing measures its age, so the month changes nothing."""
    case = {"as_of": AS_OF, "patient": {"birth_date": dt.date(1983, 8, 8), "sex": "male"},
            "facts": {"bmi": {"value": 33, "unit": "kg/m2", "date": "2026-10"}, "lifestyle_program_months": 6,
                      "prior_mi": False, "prior_ischemic_stroke": False, "symptomatic_pad": False,
                      "mtc_men2_history": False, "concurrent_glp1": False}}
    assert _answer(runtime, case, "Wegovy") == "meets_criteria"


def test_value_before_birth_by_its_last_day(runtime: Runtime) -> None:
    """A value dated to the month of birth is not "before birth" (its last day is not)."""
    case = _ldl_case(AS_OF, "2026-05")
    case["patient"]["birth_date"] = dt.date(2026, 5, 20)
    del case["facts"]["medication_history"]
    runtime.parse_case(case, as_of=AS_OF)  # no refusal


# ---- the same ranges said in words and in FHIR -----------------------------------------------------------------

_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")


@pytest.mark.parametrize("back", range(1, 10))
@pytest.mark.parametrize("form", ["in {m} {y}", "drawn in {m} {y}", "in early {m} {y}", "in late {m} {y}"])
def test_text_month_agrees_with_case_file(runtime: Runtime, back: int, form: str) -> None:
    from mednec.ask import answer

    y, m = divmod(AS_OF.year * 12 + AS_OF.month - 1 - back, 12)
    said = form.format(m=_MONTHS[m], y=y)
    a = answer(f"Repatha for a 62-year-old man with a prior MI, on atorvastatin 80 mg for 6 months, LDL-C 96 mg/dL "
               f"{said}", runtime, as_of=AS_OF)
    days = parse_range_text(said.removeprefix("drawn ").removeprefix("in "), AS_OF)
    assert days is not None
    want = _expected(_every_day(runtime, days[0], days[1], lambda d: _ldl_case(AS_OF, d)))
    assert a.determination is not None and a.determination.determination == want, (said, days)


@pytest.mark.parametrize(("said", "want"), [("since October 2026", UNKNOWN), ("since September 2026", "meets_criteria"),
                                            ("since 2024", "meets_criteria"), ("since 06/2026", "meets_criteria"),
                                            ("since the summer of 2026", "meets_criteria"),
                                            ("since the fall of 2026", UNKNOWN)])
def test_text_statin_start(runtime: Runtime, said: str, want: str) -> None:
    from mednec.ask import answer

    a = answer(f"Repatha for a 62-year-old man with a prior MI, LDL-C 88 mg/dL on 11/20/2026, on atorvastatin 80 mg "
               f"{said}", runtime, as_of=AS_OF)
    assert a.determination is not None and a.determination.determination == want


def _bundle(ldl_when: str, statin_start: str | None = None) -> dict[str, Any]:
    from tests.heldout.fhir5.build import atorva80
    from tests.heldout.fhir8.build import ATORVA80, ldl_base
    from tests.heldout.fhir_chart import ldl

    c = ldl_base("pd1", "1961-06-16", "male")
    ldl(c, 104, ldl_when)
    if statin_start is None:
        atorva80(c, "2025-05-05")
    else:
        c.statement(ATORVA80, status="active", start=statin_start, dose=(80, "mg"))
    return c.bundle()


@pytest.mark.parametrize(("when", "want"), [("2026-09", "meets_criteria"), ("2026-08", UNKNOWN),
                                            ("2026-03", "does_not_meet_criteria"), ("2026", UNKNOWN),
                                            ("2025", "does_not_meet_criteria")])
def test_fhir_partial_effective(runtime: Runtime, when: str, want: str) -> None:
    from mednec.intake.fhir.bundle import bundle_to_case

    intake = bundle_to_case(_bundle(when), runtime.dictionary, AS_OF, drug="Repatha",
                            drugs=runtime.catalog.calculators.drugs)
    case = {**intake.case, "as_of": AS_OF}
    assert _answer(runtime, case) == want


@pytest.mark.parametrize(("start", "want"), [("2024", "meets_criteria"), ("2026-09", "meets_criteria"),
                                             ("2026-10", UNKNOWN), ("2026-11", UNKNOWN)])
def test_fhir_partial_statin_start(runtime: Runtime, start: str, want: str) -> None:
    from mednec.intake.fhir.bundle import bundle_to_case

    intake = bundle_to_case(_bundle("2026-11-18", start), runtime.dictionary, AS_OF, drug="Repatha",
                            drugs=runtime.catalog.calculators.drugs)
    case = {**intake.case, "as_of": AS_OF}
    assert _answer(runtime, case) == want
