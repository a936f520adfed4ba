"""Blue Cross Blue Shield of North Dakota named the short ways members and offices write it (held-out round 5
v62 "Blue Cross ND member - Leqvio ..."): "Blue Cross ND", "Blue Cross Blue Shield ND", "BCBSND", "Blue Cross
of ND" picked no variant, so the plan's PCSK9-antibody-and-Nexlizet-first steps were not applied. Table-driven
over the spellings; controls: North Dakota without Blue Cross, and another state's Blue Cross, pick nothing."""

from __future__ import annotations

import pytest

from mednec.policies import payer_match
from mednec.runtime import default_runtime

RT = default_runtime()
LEQVIO = RT.catalog.find_drug("Leqvio")


@pytest.mark.parametrize("name", ["Blue Cross ND", "Blue Cross Blue Shield ND", "BCBSND", "Blue Cross of ND",
                                  "blue cross & blue shield of N.D.", "BCBS ND", "BCBS of North Dakota",
                                  "Blue Cross Blue Shield of North Dakota", "BCBS-ND"])
def test_the_short_names_pick_the_variant(name: str) -> None:
    assert payer_match.match(LEQVIO, [f"{name} member - Leqvio for CAD, LDL 92"]).variant == "bcbs-nd", name


@pytest.mark.parametrize("text", ["Leqvio for a North Dakota resident, LDL 92", "Blue Cross of Idaho member - Leqvio",
                                  "Blue Cross NC member, Leqvio for CAD"])
def test_other_plans_pick_nothing(text: str) -> None:
    assert payer_match.match(LEQVIO, [text]).variant is None, text
