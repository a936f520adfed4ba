"""Held-out cases of the transfusion-window family (tests/intake/test_transfusion_windows.py), written before
the rule change for its 98 known gaps, with phrasings, units of time and contexts that family does not use.

The rule (the family's docstring, and the policies' look-backs: luspatercept >= 2 units in the last 8 weeks,
imetelstat >= 4 units in 8 weeks within the last 16, IWG 2018 HI-E's 16-week baseline):

* a transfusion-free window ("no transfusions in the past N days/weeks/months", "transfusion-free since
  <date>") says nothing happened IN that window, nothing about the time before it;
* with no dated log, a look-back (8 or 16 weeks) is 0 only when the window covers it, else unknown;
* with a dated log, the log's own dates give the counts (the window adds nothing before it);
* a relative's transfusions, or platelet transfusions, say nothing of the patient's RBC transfusions;
* "N units in the last P weeks" fixes the count over those P weeks only: a shorter look-back inside it is
  unknown unless N is 0, and a longer one is unknown.

Unlike the family test, the counts are the ones the decision reads: the pack's calculators derive
``rbc_units_8w`` / ``rbc_units_16w`` from what the reader gives; a count known only as an interval, or not
derived, is unknown (None). Expected values come from the rule above, never from mednec's output.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from mednec.intake.notes import read_note
from mednec.intake.question import understand
from mednec.runtime import Runtime

AS_OF = dt.date(2026, 12, 6)
_ = None  # unknown (asked)

# (sentence, units in the last 8 weeks, units in the last 16 weeks); AS_OF - 56 days = 2026-10-11,
# AS_OF - 112 days = 2026-08-16
CASES: list[tuple[str, float | None, float | None]] = [
    # windows in days / weeks / months, no log
    ("No blood transfusions for the past 10 weeks.", 0, _),
    ("He has been transfusion-free for 20 weeks.", 0, 0),
    ("No red cell transfusions in the last 70 days.", 0, _),
    ("No transfusions during the previous 4 months.", 0, 0),
    ("Has not needed any blood in the last 3 weeks.", _, _),
    ("No RBC transfusions in the past 9 weeks.", 0, _),
    ("Not transfused for 100 days.", 0, _),
    ("Not transfused for 4 months.", 0, 0),
    ("No PRBCs in the last 6 weeks.", _, _),
    ("Transfusion independent for 12 weeks.", 0, _),
    ("Denies any transfusions in the past 12 weeks.", 0, _),
    ("No transfusions in over 4 months.", 0, 0),
    ("Hasn't been transfused in 8 weeks.", 0, _),
    ("No transfusion needed in the last 150 days.", 0, 0),
    # since <date> / since <month>
    ("Has not required PRBC since 07/15/2026.", 0, 0),
    ("No transfusions since 10/20/2026.", _, _),
    ("No transfusions since 09/20/2026.", 0, _),
    ("Transfusion-free since 11/01/2026.", _, _),
    ("Has not needed blood since August 2026.", 0, _),  # at latest since 08/31: 97 days
    # with a dated log before the window (the log gives the counts)
    ("Transfusions: 09/01/2026 PRBC 2 units; 09/20/2026 PRBC 2 units. None in the last 8 weeks.", 0, 4),
    ("2 units PRBC on 10/01/2026. No transfusions in the past 60 days.", 0, 2),
    ("Got 1 unit PRBC on 09/15/2026 and 2 units PRBC on 10/05/2026; transfusion-free for the past 60 days.", 0, 3),
    ("PRBC 2 units on 11/01/2026. No transfusions in the past 4 weeks.", 2, 2),
    # a relative's transfusions, platelets, another negation
    ("Her mother needed monthly transfusions. No transfusions in the past 2 weeks.", _, _),
    ("Her brother has not been transfused in 6 months.", _, _),
    ("No platelet transfusions in the last 6 months.", _, _),
    ("Platelet transfusion on 11/20/2026. No RBC transfusions in the last 20 weeks.", 0, 0),
    ("No transfusion reactions. Last PRBC 2 units on 11/10/2026.", 2, 2),
    # a count in a window fixes that window only
    ("Only one unit of PRBC in the last 8 weeks.", 1, _),
    ("Needed just 1 unit in the past 16 weeks.", _, 1),
    ("Only 2 units in the last 16 weeks, none in the last 8 weeks.", 0, 2),
    ("Zero transfusions in the last 16 weeks.", 0, 0),
]


def _count(facts: Any, fid: str) -> float | None:
    v = facts[fid].value if fid in facts else None
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def _derived(case: dict[str, Any], runtime: Runtime) -> tuple[float | None, float | None]:
    pack = next(p for p in runtime.catalog.packs if p.id == "mds_anemia")
    facts = pack.calculators.derive(runtime.parse_case(case, as_of=AS_OF).facts,
                                    {k: fd.unit for k, fd in runtime.dictionary.facts.items()})
    return _count(facts, "rbc_units_8w"), _count(facts, "rbc_units_16w")


def _note(sentence: str, runtime: Runtime) -> tuple[float | None, float | None]:
    note = f"Heme note 12/06/2026\nMDS, IPSS-R low, ESA-refractory.\n{sentence}\nHgb 8.0 g/dL today.\n"
    return _derived(read_note(note, runtime.catalog, runtime.dictionary, AS_OF, name="n.txt").case, runtime)


def _question(sentence: str, runtime: Runtime) -> tuple[float | None, float | None]:
    text = f"Reblozyl for MDS IPSS-R low, ESA-refractory, Hb 8.1. {sentence}"
    return _derived(understand(text, runtime.catalog, runtime.dictionary, AS_OF).case, runtime)


READERS = {"note": _note, "question": _question}

# still failing, both readers (first contact: 14 sentences, 28 cases); a fix turns an entry into a failure
# until it is removed. "Only one unit of PRBC in the last 8 weeks." is right since a count in a window under 16
# weeks is complete only after the window's start (rbc_transfusions_since), and "Only 2 units in the last 16 weeks,
# none in the last 8 weeks." since the count's units are placed before the transfusion-free part, 2026-12-07.
OPEN: dict[str, str] = {}  # "Needed just 1 unit in the past 16 weeks." right since rbc_transfusions_within (2026-12-07)


def _params() -> list[Any]:
    return [pytest.param(s, a, b, r, marks=[pytest.mark.xfail(strict=True, reason=f"open: {OPEN[s]}")] if s in OPEN else [])
            for s, a, b in CASES for r in READERS]


@pytest.mark.parametrize(("sentence", "units_8w", "units_16w", "reader"), _params())
def test_held_out_window(runtime: Runtime, sentence: str, units_8w: float | None, units_16w: float | None,
                         reader: str) -> None:
    assert READERS[reader](sentence, runtime) == (units_8w, units_16w), sentence
