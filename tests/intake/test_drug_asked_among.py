"""Which of two pack drugs a question asks about (held-out round 3 family "switch target": "Switching from
Procrit to Aranesp for every-2-week dosing" was refused as a dosing question, and "Came off Zepbound in
August because of cost; now asking for Wegovy" was answered for Zepbound; "Re-auth Rytelo: ... 8 doses so
far" was refused as a dosing question; "Is Repatha better than Praluent?" was answered as a request).
Table-driven: switch wordings x drug pairs, asking wordings, a course that ended beside a requested drug."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from mednec.ask import answer
from mednec.intake.question import understand
from mednec.runtime import Runtime

AS_OF = dt.date(2026, 12, 6)
PAIRS = [("Procrit", "Aranesp", "darbepoetin-alfa-mds"), ("Aranesp", "Procrit", "epoetin-alfa-mds"),
         ("Repatha", "Praluent", "alirocumab-praluent"), ("Praluent", "Leqvio", "inclisiran-leqvio"),
         ("Zepbound", "Wegovy", "semaglutide-wegovy"), ("Ozempic", "Mounjaro", "tirzepatide-mounjaro")]
SWITCH = ["Switching from {a} to {b} for every-2-week dosing.", "Switch from {a} to {b}:", "{a} -> {b} switch request.",
          "Changing her from {a} to {b}.", "We want to move him from {a} to {b}.", "Transitioning from {a} to {b}, dosing convenience."]
ASKING = ["Came off {a} in August because of cost; now asking for {b}.", "Stopped {a} in 2025. Requesting {b}.",
          "Was on {a} until March, it stopped working; would like {b}.", "{a} failed after 12 weeks; want to start {b}."]


def _asked(text: str, runtime: Runtime) -> str | None:
    u = understand(text, runtime.catalog, runtime.dictionary, AS_OF)
    return u.drug.policy_id if u.drug is not None else None


@pytest.mark.parametrize(("pair", "shape"), list(itertools.product(PAIRS, SWITCH)))
def test_switch_goes_to_the_target(runtime: Runtime, pair: tuple[str, str, str], shape: str) -> None:
    text = shape.format(a=pair[0], b=pair[1])
    assert _asked(text, runtime) == pair[2]
    assert answer(text, runtime, as_of=AS_OF).kind == "determination"


@pytest.mark.parametrize(("pair", "shape"), list(itertools.product(PAIRS, ASKING)))
def test_the_drug_asked_for_beside_one_left(runtime: Runtime, pair: tuple[str, str, str], shape: str) -> None:
    assert _asked(shape.format(a=pair[0], b=pair[1]), runtime) == pair[2]


@pytest.mark.parametrize("text", ["Re-auth Rytelo: started imetelstat in April 2026, 8 doses so far.",
                                  "Renewal of Reblozyl, now at 1.33 mg/kg dose level.",
                                  "Procrit re-authorization: 40,000 units weekly dosing since 09/2026."])
def test_a_renewal_with_dose_words_is_a_request(runtime: Runtime, text: str) -> None:
    assert answer(text, runtime, as_of=AS_OF).kind == "determination"


@pytest.mark.parametrize("text", ["Is Repatha better than Praluent?", "Is Wegovy more effective than Zepbound for weight loss?",
                                  "Is Aranesp safer than Procrit?", "What is the starting dose of Reblozyl for MDS?"])
def test_comparisons_and_dosing_are_not_necessity(runtime: Runtime, text: str) -> None:
    assert answer(text, runtime, as_of=AS_OF).kind == "not_necessity"
