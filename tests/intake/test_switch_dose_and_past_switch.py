"""The drug asked about when a switch names a dose, and when a switch is a past course (held-out round 5:
v45 "Switching from Trulicity 1.5 mg to Ozempic" was answered for Trulicity -- the decimal point of the
dose ended the switch phrase -- and v63 "Leqvio for MI pt ... Had Repatha for 6 weeks, then switched to
Nexlizet for 4 months - neither worked" was answered for Nexlizet, a course that ended, not the request).
Table-driven: pairs of pack drugs x doses with and without a decimal x switch wordings (the target is
asked); a request followed by a past switch to another drug that ran for a stated time (the request is
asked); controls: a switch with no duration after its target still goes to the target."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from mednec.intake.question import understand
from mednec.runtime import default_runtime

AS_OF = dt.date(2026, 12, 6)
RT = default_runtime()

PAIRS = [("Trulicity", "Ozempic", "semaglutide-ozempic"), ("Ozempic", "Mounjaro", "tirzepatide-mounjaro"),
         ("Wegovy", "Zepbound", "tirzepatide-zepbound"), ("Saxenda", "Wegovy", "semaglutide-wegovy"),
         ("Victoza", "Ozempic", "semaglutide-ozempic"), ("Praluent", "Repatha", "evolocumab-repatha")]
DOSES = ["1.5 mg", "0.5 mg", "2.4 mg weekly", "1.8mg", "150 mg q2w", "1 mg"]
SWITCH = ["Switching from {a} {d} to {b} - on metformin, A1c 8.8.", "Switch from {a} {d} to {b}.",
          "Changing him from {a} {d} to {b} for cost.", "{a} {d} -> {b} switch request."]

REQUESTS = [("Leqvio for MI pt, LDL 110 on atorvastatin 80 x 3y.", "inclisiran-leqvio"),
            ("Repatha for HeFH, LDL 150 on rosuvastatin 40 for a year.", "evolocumab-repatha"),
            ("Mounjaro for T2DM, A1c 9.1, on metformin.", "tirzepatide-mounjaro")]
PAST = ["Had {x} for 6 weeks, then switched to {y} for 4 months - neither worked.",
        "Tried {x} first, later switched to {y} x 12 weeks with no response.",
        "Was changed from {x} to {y} for 3 months in 2025, stopped for nausea."]
HISTORY = {"inclisiran-leqvio": ("Repatha", "Nexlizet"), "evolocumab-repatha": ("Nexletol", "Nexlizet"),
           "tirzepatide-mounjaro": ("Victoza", "Ozempic")}


def _asked(text: str) -> str | None:
    u = understand(text, RT.catalog, RT.dictionary, AS_OF)
    return u.drug.policy_id if u.drug is not None else None


@pytest.mark.parametrize(("pair", "dose", "shape"), list(itertools.product(PAIRS, DOSES, SWITCH)))
def test_a_switch_with_a_dose_goes_to_the_target(pair: tuple[str, str, str], dose: str, shape: str) -> None:
    text = shape.format(a=pair[0], d=dose, b=pair[1])
    assert _asked(text) == pair[2], text


@pytest.mark.parametrize(("request_", "past"), list(itertools.product(REQUESTS, PAST)))
def test_a_past_switch_is_history_not_the_request(request_: tuple[str, str], past: str) -> None:
    x, y = HISTORY[request_[1]]
    text = f"{request_[0]} {past.format(x=x, y=y)}"
    assert _asked(text) == request_[1], text
