"""GLP-1 and LDL-lowering renewals said in words earlier sets did not use (held-out renew9, helper renew9). At first
contact none of these was read and every such renewal was asked: a weight loss said as a percent "since starting", "at
the 6-month check" or as a "% change from baseline: -8.2%"; a loss "over 6 months (started at 250 lbs)"; "240 lb
when she started, 229 lb now"; "Baseline 260 lb before semaglutide; 247 lb at today's visit"; "weight 230 lb at
start, 236 lb now"; a drug-less maintenance dose of the one weight drug the request names ("at 10 mg weekly now" in a
Zepbound renewal, "On 2.4 mg," in a Wegovy one); Wegovy's 1.7 mg when 2.4 mg is not tolerated; "still in the
lifestyle program"; the LDL-C before and after "bempedoic acid", "at the 12-week check", "after the second dose",
"LDL 120 -> 70 since inclisiran", "LDL lowered from 145 to 98", "LDL down 35% since starting inclisiran", "% change
from pre-alirocumab baseline -52%". Controls that must stay unread or false: a change "since last auth" (not from
the pre-treatment value), Saxenda's 2.4 mg daily (a titration step that the drug-less Wegovy 2.4 mg had made a
maintenance dose: with the other criteria met it would have been a confident yes), a dose "currently" below the
drug's maintenance."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from mednec.intake.question import understand
from mednec.runtime import Runtime

AS_OF = dt.date(2026, 12, 6)


def _facts(runtime: Runtime, text: str) -> dict[str, Any]:
    facts = runtime.parse_case(understand(text, runtime.catalog, runtime.dictionary, AS_OF).case, as_of=AS_OF).facts
    return {k: fv.value for k, fv in facts.items()}


LOSS_PCT = [
    ("Wegovy re-auth: down {p}% since starting, on the 2.4 mg maintenance dose.", 7.0),
    ("Zepbound re-auth: {p}% weight loss at the 6-month check, on 5 mg weekly maintenance.", 5.5),
    ("Wegovy renewal. Weight % change from baseline: -{p}%. Maintenance dose 2.4 mg.", 8.2),
    ("Saxenda renewal: weight change since starting -{p}%; 3 mg daily.", 6.1),
    ("Zepbound renewal: {p}% loss of body weight since starting; 10 mg weekly.", 9.0),
    ("Wegovy renewal: weight down {p}% since she started; on 2.4 mg weekly.", 5.0),
]


@pytest.mark.parametrize(("shape", "p"), LOSS_PCT)
def test_a_weight_loss_percent_since_starting(runtime: Runtime, shape: str, p: float) -> None:
    f = _facts(runtime, shape.format(p=p))
    assert f.get("weight_loss_pct") == pytest.approx(p), shape


WEIGHTS = [
    ("Wegovy continuation - lost 18 lbs over 6 months (started at 250 lbs). On 2.4 mg weekly.", 7.2),
    ("Wegovy re-auth: 240 lb when she started, 229 lb now, 2.4 mg weekly.", 4.58),
    ("Wegovy renewal. Baseline 260 lb before semaglutide; 247 lb at today's visit. On 2.4 mg weekly.", 5.0),
    ("Wegovy renewal: weight 230 lb at start, 236 lb now. On 2.4 mg weekly.", -2.61),
    ("Zepbound renewal: lost 12 kg over 8 months (started at 120 kg); 10 mg weekly.", 10.0),
    ("Zepbound re-auth: 118 kg when he started, 109 kg today; 15 mg weekly.", 7.63),
    ("Wegovy renewal. Baseline 104 kg before Wegovy; 98 kg at the 6-month check.", 5.77),
]


@pytest.mark.parametrize(("text", "pct"), WEIGHTS)
def test_the_weights_before_and_now(runtime: Runtime, text: str, pct: float) -> None:
    f = _facts(runtime, text)
    base, now = f.get("weight_baseline"), f.get("weight")
    assert base is not None and now is not None, text
    assert 100 * (base - now) / base == pytest.approx(pct, abs=0.01), text


SINCE_LAST = ["Wegovy re-auth: lost 9 lb since last auth, on 2.4 mg weekly.",
              "Zepbound renewal: down 4% since the last authorization; 10 mg weekly.",
              "Wegovy renewal: weight 230 -> 221 lb since last approval, 2.4 mg weekly."]


@pytest.mark.parametrize("text", SINCE_LAST)
def test_a_change_since_the_last_authorisation_is_not_the_loss(runtime: Runtime, text: str) -> None:
    assert "weight_loss_pct" not in _facts(runtime, text), text


MAINTENANCE = [
    ("Zepbound renewal: titrated 2.5 -> 5 -> 7.5 -> 10 mg; at 10 mg weekly now. Lost 8% of baseline weight.", True),
    ("Zepbound renewal: on 5 mg weekly, lost 8% of baseline weight.", True),
    ("Wegovy renewal: lost 8% of baseline weight. On 2.4 mg, continues diet.", True),
    ("Wegovy re-auth: lost 8% of baseline weight; tolerating 1.7 mg, could not tolerate 2.4 mg.", True),
    ("Wegovy renewal: lost 8% of baseline weight, currently on 1 mg weekly (titration slowed by nausea).", False),
    ("Saxenda re-auth: on 2.4 mg daily (could not tolerate 3 mg), lost 8% of baseline weight.", False),
    ("Saxenda renewal: currently on 1.8 mg daily, lost 8% of baseline weight.", False),
    ("Zepbound renewal: currently on 2.5 mg weekly, lost 8% of baseline weight.", False),
    ("Saxenda renewal: 3 mg daily since week 5, lost 8% of baseline weight.", True),
]


@pytest.mark.parametrize(("text", "on"), MAINTENANCE)
def test_the_maintenance_dose_of_the_named_drug(runtime: Runtime, text: str, on: bool) -> None:
    assert _facts(runtime, text).get("on_maintenance_dose") is on, text


@pytest.mark.parametrize("said", ["still in the lifestyle program", "still in the diet program",
                                  "continues in the lifestyle programme"])
def test_still_in_the_programme(runtime: Runtime, said: str) -> None:
    f = _facts(runtime, f"Wegovy renewal: lost 8% of baseline weight, on 2.4 mg weekly; {said}.")
    assert f.get("lifestyle_continued") is True, said


LDL_PAIRS = [
    ("Nexletol renewal: LDL-C 134 before bempedoic acid, 96 now (12 weeks).", 134, 96),
    ("Repatha renewal: LDL-C 150 mg/dL before evolocumab, 105 mg/dL at the 12-week check.", 150, 105),
    ("Leqvio renewal: LDL 3.9 mmol/L before inclisiran, 1.8 mmol/L after the second dose.", 150.8, 69.6),
    ("Leqvio renewal - LDL 120 -> 70 since inclisiran; on rosuvastatin.", 120, 70),
    ("Nexletol continuation: LDL 158 -> 104 on bempedoic acid, with rosuvastatin 5 mg continued.", 158, 104),
    ("Nexlizet re-auth, LDL lowered from 145 to 98 mg/dL; continues simvastatin 20 mg.", 145, 98),
    ("Praluent renewal: LDL 170 before alirocumab, 80 at the 6-month check.", 170, 80),
    ("Repatha renewal: LDL-C 140 → 60 on evolocumab; atorvastatin 80.", 140, 60),
]


@pytest.mark.parametrize(("text", "before", "now"), LDL_PAIRS)
def test_the_ldl_before_and_now(runtime: Runtime, text: str, before: float, now: float) -> None:
    f = _facts(runtime, text)
    assert f.get("ldl_c_pretreatment") == pytest.approx(before, abs=0.1), text
    assert f.get("ldl_c") == pytest.approx(now, abs=0.1), text


LDL_PCT = [("Leqvio re-auth: LDL down {p}% since starting inclisiran; continues pravastatin 40.", 35.0),
           ("Praluent renewal: LDL-C % change from pre-alirocumab baseline -{p}%.", 52.0),
           ("Repatha renewal: LDL reduced by {p}% on evolocumab; on atorvastatin 80.", 61.0),
           ("Nexletol renewal: {p}% LDL-C reduction since starting bempedoic acid.", 28.0)]


@pytest.mark.parametrize(("shape", "p"), LDL_PCT)
def test_the_ldl_reduction_said_as_a_percent(runtime: Runtime, shape: str, p: float) -> None:
    assert _facts(runtime, shape.format(p=p)).get("ldl_reduction_pct") == pytest.approx(p), shape


@pytest.mark.parametrize("text", ["Repatha renewal: LDL dropped another 20% since last auth; on atorvastatin.",
                                  "Praluent renewal: LDL down 15% since the last authorization."])
def test_an_ldl_change_since_the_last_authorisation_is_not_the_reduction(runtime: Runtime, text: str) -> None:
    assert "ldl_reduction_pct" not in _facts(runtime, text), text


@pytest.mark.parametrize(("said", "now"), [("Adherent to rosuvastatin 40.", True), ("adherent to atorvastatin 80 mg daily", True),
                                          ("compliant with pravastatin 40", True), ("not adherent to rosuvastatin 40", None)])
def test_adherent_to_a_statin_is_taking_it(runtime: Runtime, said: str, now: bool | None) -> None:
    f = _facts(runtime, f"Praluent renewal: LDL 160 before Praluent, 70 now. {said}")
    history = f.get("medication_history") or ()
    assert any(e.get("response") == "ongoing" for e in history) is bool(now), said


@pytest.mark.parametrize(("said", "now"), [("Atorvastatin 40 continued.", True), ("with low-dose rosuvastatin 5 mg continued", True),
                                          ("pravastatin 40 mg daily - ongoing", True), ("rosuvastatin 20 discontinued in May", False)])
def test_a_statin_continued_after_its_dose(runtime: Runtime, said: str, now: bool) -> None:
    f = _facts(runtime, f"Praluent renewal: LDL 160 before Praluent, 70 now. {said}")
    history = f.get("medication_history") or ()
    assert any(e.get("response") == "ongoing" for e in history) is now, said


@pytest.mark.parametrize("said", ["Lifestyle program ongoing", "diet and exercise plan continues", "WW program: ongoing"])
def test_the_programme_goes_on(runtime: Runtime, said: str) -> None:
    f = _facts(runtime, f"Wegovy renewal: lost 8% of baseline weight, on 2.4 mg weekly. {said}.")
    assert f.get("lifestyle_continued") is True, said


@pytest.mark.parametrize(("text", "before", "now"), [("Aranesp renewal: Hb 8.7 pre-darbepoetin, 10.5 on last check.", 8.7, 10.5),
                                                     ("Procrit renewal: Hgb 8.2 before epoetin, 9.9 at the last check.", 8.2, 9.9),
                                                     ("Repatha renewal: LDL 150 before Repatha, 70 on the latest panel.", 150, 70)])
def test_the_value_on_the_last_check(runtime: Runtime, text: str, before: float, now: float) -> None:
    f = _facts(runtime, text)
    base = f.get("hemoglobin_baseline", f.get("ldl_c_pretreatment"))
    cur = f.get("hemoglobin", f.get("ldl_c"))
    assert (base, cur) == (pytest.approx(before), pytest.approx(now)), text
