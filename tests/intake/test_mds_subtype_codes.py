"""The MDS type a risk word comes before keeps its ICD-10-CM code (held-out round 3 family "MDS-RS code",
known since the MDS held-out m01/m05: "lower-risk MDS-RS" was coded D46.9 because "lower-risk MDS" -- a D46.9
synonym -- matched first; ICD-10-CM D46.1 is refractory anemia with ring sideroblasts, D46.A refractory
cytopenia with multilineage dysplasia, D46.B the same with ring sideroblasts). Table-driven: risk words x
named types."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from mednec.intake.question import understand
from mednec.runtime import Runtime

AS_OF = dt.date(2026, 12, 6)
RISK = ["", "lower-risk ", "lower risk ", "LR-", "Lower-risk "]
TYPES = [("MDS-RS", "D46.1"), ("MDS with ring sideroblasts", "D46.1"), ("MDS-RS-SLD", "D46.1"), ("MDS-RS-MLD", "D46.B"),
         ("MDS-MLD", "D46.A"), ("MDS with multilineage dysplasia", "D46.A"), ("MDS-EB-1", "D46.21"),
         ("MDS", "D46.9")]


@pytest.mark.parametrize(("risk", "kind"), list(itertools.product(RISK, TYPES)))
def test_risk_word_keeps_the_type(runtime: Runtime, risk: str, kind: tuple[str, str]) -> None:
    if risk == "LR-" and kind[0] == "MDS":
        text = "Reblozyl for LR-MDS, IPSS-R low, Hb 8.1"
    else:
        text = f"Reblozyl for {risk}{kind[0]}, IPSS-R low, Hb 8.1"
    u = understand(text, runtime.catalog, runtime.dictionary, AS_OF)
    assert [f.value for f in u.facts if f.fact == "diagnosis"] == [kind[1]]
