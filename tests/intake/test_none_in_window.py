""""None in the past 6 months" after a transfusion history (held-out round 3 r25: "history of transfusions in
2023 after hip surgery, none in the past 6 months" was not read, so luspatercept's transfusion need was asked
instead of not met). A window covering the policies' 16 weeks is no transfusion; a shorter one says nothing
of the weeks before it. Table-driven: lead-ins x windows."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from mednec.ask import answer
from mednec.intake.question import understand
from mednec.runtime import Runtime

AS_OF = dt.date(2026, 12, 6)
LEADS = ["history of transfusions in 2023 after hip surgery, ", "transfused twice in 2024; ", "had PRBC in 2022 for a GI bleed, but ",
         "prior RBC transfusions (2023), "]
LONG = ["none in the past 6 months", "none in the last 4 months", "none in the past year", "none over the last 20 weeks",
        "none within the past 5 months"]
SHORT = ["none in the past 4 weeks", "none in the last month", "none in the past 2 months"]
BASE = "Reblozyl for MDS IPSS-R low, ESA-naive, EPO 220, Hb 9.4; "


def _tx(text: str, runtime: Runtime) -> object:
    u = understand(text, runtime.catalog, runtime.dictionary, AS_OF)
    return next((f.value for f in u.facts if f.fact == "rbc_transfusions"), None)


@pytest.mark.parametrize(("lead", "window"), list(itertools.product(LEADS, LONG)))
def test_none_in_a_window_covering_16_weeks(runtime: Runtime, lead: str, window: str) -> None:
    text = BASE + lead + window
    a = answer(text, runtime, as_of=AS_OF)
    assert a.determination is not None and a.determination.determination == "does_not_meet_criteria"
    # no transfusion in the 16 weeks (the record is complete after the window's start, text6: not before it)
    assert a.determination.fact_set["rbc_units_16w"].value == 0


@pytest.mark.parametrize(("lead", "window"), list(itertools.product(LEADS, SHORT)))
def test_a_shorter_window_says_nothing(runtime: Runtime, lead: str, window: str) -> None:
    assert _tx(BASE + lead + window, runtime) is None


@pytest.mark.parametrize("text", ["Transfusion-dependent, 4 units every 8 weeks. No ESA; none in the past 6 months.",
                                  "Needs transfusions, 2 units every 4 weeks; no epoetin, none in the past year."])
def test_none_of_something_else(runtime: Runtime, text: str) -> None:
    """'none' after another subject (an ESA) is not about the transfusions."""
    assert _tx(BASE + text, runtime) != []
