"""A note header's sex as a lone letter after "Patient:" ("Patient: F   DOB: 03/14/1945", held-out round 3 rn02):
the patient's sex. A letter that may be a name's initial ("Patient: F. Smith", "Patient: M Jones") is not read."""

from __future__ import annotations

import datetime as dt

import pytest

from mednec.intake.question import understand
from mednec.runtime import Runtime

AS_OF = dt.date(2026, 12, 6)
TAIL = "\nMDS, IPSS-R low, Hb 9.1, EPO 88. Procrit requested."
READ = [("Patient: F   DOB: 03/14/1945   MRN 00418822", "female"), ("Patient: M   DOB: 03/14/1945", "male"),
        ("Patient: F, 81 y", "female"), ("Pt: M | DOB 03/14/1945", "male"), ("PATIENT: F\tDOB: 03/14/1945", "female"),
        ("Patient: M  MRN 1234", "male"), ("Patient: F; DOB 03/14/1945", "female"), ("Patient: F 81y", "female")]
NOT_READ = ["Patient: F. Smith, DOB 03/14/1945", "Patient: M Jones DOB 03/14/1945", "Patient: f   DOB: 03/14/1945"]


@pytest.mark.parametrize(("header", "sex"), READ)
def test_header_letter_is_the_sex(runtime: Runtime, header: str, sex: str) -> None:
    u = understand(header + TAIL, runtime.catalog, runtime.dictionary, AS_OF)
    assert (u.case.get("patient") or {}).get("sex", {}).get("value") == sex


@pytest.mark.parametrize("header", NOT_READ)
def test_an_initial_is_not_the_sex(runtime: Runtime, header: str) -> None:
    u = understand(header + TAIL, runtime.catalog, runtime.dictionary, AS_OF)
    assert "sex" not in (u.case.get("patient") or {})
