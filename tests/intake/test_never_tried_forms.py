"""A step never tried, said as payer staff write it (held-out round 9 t9-l11, t9-l14): "No ezetimibe trial" (the drug
between "no" and "trial") and "No prior PCSK9i" (the PCSK9 antibodies named as a class, or as "PCSK9 inhibitor").
Neither was read, so the plan's required step (CVS Caremark's ezetimibe, BCBS North Dakota's PCSK9 antibody before
inclisiran) was asked where the words deny it. Written before the change (helper text9): 6 "no ... trial" forms x 2
drugs for Caremark Repatha, 9 class names x 3 never cues for BCBS ND Leqvio; controls keep a trial that was had and
a class named without "never"."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from mednec.ask import answer
from mednec.intake.question import understand
from mednec.runtime import Runtime

AS_OF = dt.date(2026, 12, 6)
CAREMARK = "CVS Caremark - Repatha. ASCVD (MI 2021). atorva 80 since 2021. no FH. LDL 101. {s}."
NO_TRIAL = ["No ezetimibe trial", "no prior ezetimibe trial", "No Zetia trial", "no documented ezetimibe trial",
            "No ezetimibe exposure", "no ezetimibe hx"]
BCBS = "BCBSND member, Leqvio. ASCVD, atorva 80 x 5 yrs, LDL 97. {s}."
CLASS = ["PCSK9i", "PCSK9-i", "PCSK9 inhibitor", "PCSK9 inhibitors", "PCSK9 mAb", "PCSK9 antibody",
         "PCSK9 monoclonal antibody", "PCSK9 antibodies", "PCSK9 inhibitor therapy"]
NEVER = ["No prior {c}", "never on a {c}", "has never received a {c}"]


def _history(runtime: Runtime, text: str) -> list[dict]:
    return understand(text, runtime.catalog, runtime.dictionary, AS_OF).case["facts"].get("medication_history") or []


@pytest.mark.parametrize("said", NO_TRIAL)
def test_no_ezetimibe_trial(runtime: Runtime, said: str) -> None:
    text = CAREMARK.format(s=said)
    assert any(c["drug"] == "ezetimibe" and c["response"] == "not_given" for c in _history(runtime, text))
    a = answer(text, runtime, as_of=AS_OF)
    assert a.determination is not None and a.determination.determination == "does_not_meet_criteria"


@pytest.mark.parametrize(("cls", "never"), list(itertools.product(CLASS, NEVER)))
def test_no_pcsk9_antibody(runtime: Runtime, cls: str, never: str) -> None:
    a = answer(BCBS.format(s=never.format(c=cls)), runtime, as_of=AS_OF)
    assert a.determination is not None and a.determination.determination == "does_not_meet_criteria"


@pytest.mark.parametrize("said", ["ezetimibe trial x 3 months, LDL not at goal", "ezetimibe history of use: 10 mg daily since 2022",
                                  "no side effects on the ezetimibe trial"])
def test_a_trial_had_is_not_never(runtime: Runtime, said: str) -> None:
    assert not any(c["drug"] == "ezetimibe" and c["response"] == "not_given" for c in _history(runtime, CAREMARK.format(s=said)))


@pytest.mark.parametrize("said", ["Repatha is a PCSK9 inhibitor", "PCSK9i therapy requested", "on a PCSK9 inhibitor since 2024"])
def test_a_class_named_without_never_names_no_drug(runtime: Runtime, said: str) -> None:
    assert not any(c["response"] == "not_given" for c in _history(runtime, BCBS.format(s=said)))
