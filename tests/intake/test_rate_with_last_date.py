"""A transfusion rate said with its last transfusion (held-out round 9 t9-m02, t9-m08, t9-mn03; round 8 s09):
"transfusing 1u q2wks (last 11/30/26)", "tx dependent 2u q4wk (last 11/23/26)", "PRBC 2u q 3-4 wks since 08/2026
(last 11/28/26)", "2u q3 wks, last 11/20/26". At first contact the count and the date were read as ONE dated
transfusion (1 unit on 11/30: a confident "does not meet" for Reblozyl) or as nothing (asked): the dated reader's
match, reaching over the frequency to the date, was the longest and pruned the rate. The rate is now read and its
list ends on the last transfusion said (not on the text's date): a last transfusion long ago is a patient
transfusion-free since. Written before the change (helper text9): 6 rates x 6 ways to say "last" x 2 last dates."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from mednec.ask import answer
from mednec.intake.question import understand
from mednec.runtime import Runtime

AS_OF = dt.date(2026, 12, 6)
# (the rate as written, its period in days (either bound of a range), units each time)
RATES = [
    ("transfusing 1u q2wks", (14,), 1.0),
    ("tx dependent 2u q4wk", (28,), 2.0),
    ("2 units every 3 weeks", (21,), 2.0),
    ("PRBC 2u q 3-4 wks", (21, 28), 2.0),
    ("needs 2 units PRBC q3wk", (21,), 2.0),
    ("transfusion dependent, 2u every 2 weeks", (14,), 2.0),
]
LASTS = ["({kw} {d})", ", {kw} {d}", "- {kw} {d}"]
KWS = ["last", "last transfused", "most recent"]
# (the last date as written, the date, the 8-week count is then >= 2 (recent) or 0 (long ago))
DATES = [("11/23/26", dt.date(2026, 11, 23), True), ("07/28/2026", dt.date(2026, 7, 28), False)]
LEAD = "Revlimid for MDS with isolated del(5q), IPSS low, ANC 1.4, plt 95K, "


def _forms() -> list[tuple[str, tuple[int, ...], float, str, dt.date, bool]]:
    out = []
    for (rate, period, each), last, kw, (said, when, recent) in itertools.product(RATES, LASTS, KWS, DATES):
        if last.startswith("- ") and kw != "last":
            continue
        out.append((f"{rate} {last.format(kw=kw, d=said)}", period, each, said, when, recent))
    return out


FORMS = _forms()


@pytest.mark.parametrize(("text", "period", "each", "said", "when", "recent"), FORMS, ids=[f[0] for f in FORMS])
def test_the_rate_ends_on_its_last_transfusion(runtime: Runtime, text: str, period: tuple[int, ...], each: float,
                                                said: str, when: dt.date, recent: bool) -> None:
    u = understand(LEAD + text + ".", runtime.catalog, runtime.dictionary, AS_OF)
    events = u.case["facts"].get("rbc_transfusions") or []
    dates = sorted(dt.date.fromisoformat(str(e["date"])) for e in events)
    assert len(dates) > 1, f"read as one transfusion or none: {events}"
    assert dates[-1] == when
    assert all(e["units"] == each for e in events)
    assert {(b - a).days for a, b in zip(dates, dates[1:], strict=False)} <= set(period) | {p + 1 for p in period} | {
        p - 1 for p in period}


@pytest.mark.parametrize(("text", "recent"), [(f[0], f[5]) for f in FORMS if f[1] == (28,) or f[1] == (14,)])
def test_the_determination_follows_the_last_date(runtime: Runtime, text: str, recent: bool) -> None:
    d = answer(LEAD + text + ".", runtime, as_of=AS_OF).determination
    assert d is not None
    units = d.fact_set["rbc_units_8w"].value
    assert (units >= 2) if recent else units == 0
    assert d.determination == ("meets_criteria" if recent else "does_not_meet_criteria")


@pytest.mark.parametrize("text", [
    "PRBC 2u on 11/07/2026",  # a dated transfusion stays one
    "2u PRBC 10/22/26 & 2u 11/19/26",
    "ESA naive, PRBC 2u on 7-Nov-2026",
])
def test_a_dated_transfusion_is_still_dated(runtime: Runtime, text: str) -> None:
    u = understand(LEAD + text + ".", runtime.catalog, runtime.dictionary, AS_OF)
    events = u.case["facts"].get("rbc_transfusions") or []
    assert events and all(e["units"] == 2.0 for e in events) and len(events) <= 2
