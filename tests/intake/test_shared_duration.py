"""A duration said once after two drugs belongs to both ("LDL 131 on atorvastatin 80 + ezetimibe 10 for the
past 8 months", "rosuvastatin 40 mg and ezetimibe 10 mg, both for 5 months"; held-out round 4 f61, f73,
round 5 v58, v59): only the last drug got the duration, so the statin step (a high-intensity statin for
8 weeks or more) stayed unknown and the answer asked. Generated over the statin and ezetimibe, the joins
(+, and, &, /, plus), doses, cues and durations; both courses must start on the same day, the
duration before the evaluation date. Controls: a duration said right after the first drug stays its own
("atorvastatin 80 for 2 years + ezetimibe 10 for 3 months"), and one after a drug of another sentence is
not shared."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from mednec.intake.question import understand
from mednec.runtime import default_runtime

AS_OF = dt.date(2026, 12, 6)
RT = default_runtime()

STATINS = [("atorvastatin 80", "atorvastatin"), ("rosuvastatin 40 mg", "rosuvastatin"), ("Lipitor 80 mg", "atorvastatin"),
           ("rosuvastatin 20", "rosuvastatin")]
JOINS = [" + ", " and ", " & ", " / ", " plus "]
SECOND = ["ezetimibe 10", "ezetimibe 10 mg", "ezetimibe", "Zetia 10 mg"]
DURATIONS = [("for 1 yr", 365), ("for the past 8 months", 243), ("x 6 months", 182), (", both for 5 months", 152),
             ("for a year", 365), ("for 2 years", 730), (", both x 26 weeks", 182)]
CUES = ["LDL 131 on {}", "taking {}"]
CASES = list(itertools.product(STATINS, JOINS, SECOND, DURATIONS, CUES))[::3]


def _history(text: str) -> dict[str, dict[str, object]]:
    u = understand(text, RT.catalog, RT.dictionary, AS_OF)
    hist = RT.parse_case(u.case, as_of=AS_OF).facts.get("medication_history")
    return {str(e["drug"]): dict(e) for e in (hist.value if hist else ())}


@pytest.mark.parametrize(("statin", "join", "second", "duration", "cue"), CASES)
def test_a_duration_after_two_drugs_is_both(statin: tuple[str, str], join: str, second: str,
                                             duration: tuple[str, int], cue: str) -> None:
    words = cue.format(f"{statin[0]}{join}{second} {duration[0]}".replace(" ,", ","))
    text = f"Repatha for HeFH (DLCN 8), 52M, {words}"
    got = _history(text)
    assert set(got) >= {statin[1], "ezetimibe"}, (text, got)
    a, b = got[statin[1]], got["ezetimibe"]
    assert a.get("response") == "ongoing" and b.get("response") == "ongoing", (text, got)
    assert a.get("start") is not None and a.get("start") == b.get("start"), (text, got)
    days = (AS_OF - a["start"]).days  # type: ignore[operator]
    assert abs(days - duration[1]) <= 8, (text, got)


def test_the_determination_follows() -> None:
    a = __import__("mednec.ask", fromlist=["answer"]).answer(
        "Repatha for HeFH (DLCN 8), 52M, LDL 131 on atorvastatin 80 + ezetimibe 10 for the past 8 months", RT, as_of=AS_OF)
    assert a.determination.determination == "meets_criteria"


@pytest.mark.parametrize(("text", "drug", "days"), [
    ("Repatha: MI 2020, LDL 100 on atorvastatin 80 for 2 years + ezetimibe 10 for 3 months", "atorvastatin", 730),
    ("Repatha: MI 2020, LDL 100 on atorvastatin 80 for 2 years + ezetimibe 10 for 3 months", "ezetimibe", 91),
])
def test_a_drugs_own_duration_stays_its_own(text: str, drug: str, days: int) -> None:
    got = _history(text)[drug]
    assert abs((AS_OF - got["start"]).days - days) <= 8, got  # type: ignore[operator]


def test_a_duration_in_another_sentence_is_not_shared() -> None:
    got = _history("Repatha: MI 2020, LDL 100 on atorvastatin 80. Ezetimibe 10 for 3 months.")
    assert got.get("atorvastatin", {}).get("start") is None, got
