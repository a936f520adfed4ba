"""A drug's stop said after its course -- its dose, length, frequency or start -- in the same clause (held-out round
7 x10, z08, xn08: "Revlimid 10 mg x 6 months, stopped 05/2026 - no response", "Took atorvastatin 40 for 2 years but
stopped in 2025 because he 'didn't like taking pills'", "Metformin 500 mg BID started 2 months ago, stopped after 3
weeks due to severe diarrhea"). At first contact each was read as taken now: a confident 'does not meet' for
Rytelo (del(5q) without the lenalidomide failure) and a confident 'meets' for Repatha (a statin taken now).
Written before the change (helper text7): 5 drugs of the three packs x 6 shapes; the entry for the drug must not
be 'ongoing' and must carry the reason the words give (no response, intolerance, or a bare stop); a stop of
another drug named after it, or a stop that did not happen, leaves it taken."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from mednec.intake.question import understand
from mednec.runtime import Runtime

AS_OF = dt.date(2026, 12, 6)
DRUGS = [("lenalidomide", "Revlimid", "10 mg"), ("atorvastatin", "atorvastatin", "40 mg"),
         ("rosuvastatin", "Crestor", "20 mg"), ("metformin", "metformin", "500 mg"), ("ezetimibe", "ezetimibe", "10 mg")]
SHAPES = [
    ("{d} {dose} x 6 months, stopped 05/2026 - no response.", "none"),
    ("Took {d} {dose} for 2 years but stopped in 2025 because he didn't like taking pills.", "stopped"),
    ("{d} {dose} BID started 2 months ago, stopped after 3 weeks due to severe diarrhea.", "intolerant"),
    ("{d} {dose} daily since 2021, discontinued 03/2026 (myalgias).", "intolerant"),
    ("On {d} {dose} from 2022, d/c'd 08/2026 b/c cost.", "stopped"),
    ("{d} {dose} qd x 1 yr, then stopped d/t lack of efficacy.", "none"),
    # added with the fix (not held out): round 6 wn09 went from an ask to a bare stop on the first version
    ("I was on {d} {dose} but I stopped it in June because it gave me terrible stomach problems.", "intolerant"),
]


def _entry(runtime: Runtime, text: str, generic: str) -> dict[str, object] | None:
    u = understand(text, runtime.catalog, runtime.dictionary, AS_OF)
    hist = u.case["facts"].get("medication_history") or []
    return next((e for e in hist if e.get("drug") == generic), None)


@pytest.mark.parametrize(("drug", "shape"), list(itertools.product(DRUGS, SHAPES)))
def test_stop_after_the_course_ends_it(runtime: Runtime, drug: tuple[str, str, str], shape: tuple[str, str]) -> None:
    generic, said, dose = drug
    text, want = shape
    e = _entry(runtime, text.format(d=said, dose=dose), generic)
    assert e is not None, "the course is read"
    assert e["response"] == want


@pytest.mark.parametrize("drug", DRUGS)
@pytest.mark.parametrize("text", ["{d} {dose} daily since 2021, never stopped.",
                                  "{d} {dose} x 2 years, stopped aspirin in 2025.",
                                  "{d} {dose} daily since 2021 - continues; stopped smoking in 2020."])
def test_other_stops_leave_it_taken(runtime: Runtime, drug: tuple[str, str, str], text: str) -> None:
    generic, said, dose = drug
    e = _entry(runtime, text.format(d=said, dose=dose), generic)
    assert e is None or e["response"] == "ongoing"
