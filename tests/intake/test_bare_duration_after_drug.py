"""A duration said right after a drug, with no "for", is how long it was taken, never its dose.

Found asking for Repatha with "on rosuvastatin 40 + ezetimibe 6 mo": the ezetimibe was read as a 6 mg
dose and its six months were lost, so the ezetimibe step was asked. The family: a drug the packs know
(a statin, ezetimibe, metformin), with or without its dose, followed by a number and any duration unit
("6 months", "6 mo", "6 mos", "6 mths", "12 wks", "1 yr"), alone after "on"/"taking", or second in a
list after a drug the packs know or one they do not ("on lisinopril 10 mg + ezetimibe 6 mo").

Metamorphic: the bare form reads exactly as the same words with "for" ("ezetimibe for 6 months"), which
was read before; the number is never the dose; a course of a week or more has its start.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest

from mednec.intake.question import understand
from mednec.runtime import default_runtime

RT = default_runtime()
AS_OF = dt.date(2026, 12, 7)

DRUGS = [("ezetimibe", "Repatha"), ("atorvastatin", "Praluent"), ("rosuvastatin", "Leqvio"), ("metformin", "Ozempic")]
UNITS = {"months": 30, "mo": 30, "mos": 30, "mths": 30, "weeks": 7, "wks": 7, "wk": 7, "years": 365, "yrs": 365,
         "yr": 365}
AMOUNTS = (3, 8, 12)
DOSES = ("", " 10 mg")
FORMS = (
    "{ask} for a 60-year-old man with prior MI, LDL 120 mg/dL, on {drug}",
    "{ask} for a 60-year-old man with prior MI, LDL 120 mg/dL, taking {drug} now",
    "{ask}: 60M, prior MI, LDL 120 mg/dL, on lisinopril 10 mg + {drug}",
    "{ask}: 60M, prior MI, LDL 120 mg/dL, on aspirin 81 mg and {drug}",
)

CASES = [(d, a, n, u, dose, form) for (d, a), n, u, dose, form in itertools.product(DRUGS, AMOUNTS, UNITS, DOSES, FORMS)
         if not (d == "metformin" and dose)]


def _entry(text: str, drug: str) -> dict[str, Any] | None:
    und = understand(text, RT.catalog, RT.dictionary, AS_OF)
    hist = und.case.get("facts", {}).get("medication_history") or []
    return next((h for h in hist if h.get("drug") == drug), None)


@pytest.mark.parametrize(("drug", "ask", "n", "unit", "dose", "form"), CASES,
                         ids=[f"{c[0]}{c[4].strip().replace(' ', '')}-{c[2]}{c[3]}-f{FORMS.index(c[5])}" for c in CASES])
def test_a_bare_duration_reads_as_with_for(drug: str, ask: str, n: int, unit: str, dose: str, form: str) -> None:
    if "now" in form:  # "taking ezetimibe 6 months now" reads oddly; the duration goes before "now"
        bare = form.replace("{drug} now", "{drug}").format(ask=ask, drug=f"{drug}{dose} {n} {unit}") + " now"
        with_for = form.replace("{drug} now", "{drug}").format(ask=ask, drug=f"{drug}{dose} for {n} {unit}") + " now"
    else:
        bare = form.format(ask=ask, drug=f"{drug}{dose} {n} {unit}")
        with_for = form.format(ask=ask, drug=f"{drug}{dose} for {n} {unit}")
    got = _entry(bare, drug)
    assert got is not None, bare
    assert got.get("dose") != n, (bare, got)  # never "6 mo" as a 6 mg dose
    assert got == _entry(with_for, drug), (bare, got)
    assert got.get("start") == AS_OF - dt.timedelta(days=n * UNITS[unit]), (bare, got)
    if dose:
        assert (got.get("dose"), got.get("dose_unit")) == (10.0, "mg"), (bare, got)
