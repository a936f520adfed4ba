"""Two statements a GLP-1 renewal makes in a form's words (held-out round 7 y11, y19, y24): the maintenance dose
said by the word ("on 2.4 mg maintenance", "on 12.5 mg (maintenance)", "on 1.7 mg (max tolerated)") rather than
with "weekly" after the dose, and a sleep apnea's improvement said by its AHI ("AHI improved 38 -> 9", "AHI down
from 34 to 16 on repeat study", "AHI 31 -> 12"). At first contact neither was read: the maintenance dose was read
only with "weekly" and a label dose, and no text rule gave `osa_improved` at all, so every Zepbound sleep apnea
renewal in words was asked. Written before the change (helper text7): 3 drugs x 6 dose phrasings, 5 AHI
phrasings x 2 directions, and the phrasings that must not count (a titration not yet at maintenance, an AHI
that rose)."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from mednec.intake.question import understand
from mednec.runtime import Runtime

AS_OF = dt.date(2026, 12, 6)
DRUGS = [("Wegovy", "2.4"), ("Zepbound", "12.5"), ("Wegovy", "1.7")]
DOSES = ["on {d} mg maintenance", "on {d} mg (maintenance)", "{d} mg maintenance dose", "maintenance dose {d} mg",
         "on {d} mg (max tolerated)", "at the maximum tolerated dose of {d} mg"]
NOT_YET = ["titrating, now {d} mg, not yet at maintenance", "on {d} mg, will move to maintenance next month"]


def _facts(runtime: Runtime, text: str) -> dict[str, object]:
    return dict(understand(text, runtime.catalog, runtime.dictionary, AS_OF).case["facts"])


@pytest.mark.parametrize(("drug", "said"), list(itertools.product(DRUGS, DOSES)))
def test_maintenance_by_its_word(runtime: Runtime, drug: tuple[str, str], said: str) -> None:
    name, dose = drug
    f = _facts(runtime, f"{name} renewal: lost 8% of baseline weight, {said.format(d=dose)}, still on the diet plan.")
    assert f.get("on_maintenance_dose", {}).get("value") is True  # type: ignore[union-attr]


@pytest.mark.parametrize(("drug", "said"), list(itertools.product(DRUGS, NOT_YET)))
def test_not_yet_maintenance(runtime: Runtime, drug: tuple[str, str], said: str) -> None:
    name, dose = drug
    f = _facts(runtime, f"{name} renewal: lost 8% of baseline weight, {said.format(d=dose)}.")
    assert (f.get("on_maintenance_dose") or {}).get("value") is not True  # type: ignore[union-attr]


AHI = ["AHI improved {a} -> {b}", "AHI down from {a} to {b} on repeat study", "AHI {a} -> {b}/h on repeat HSAT",
       "repeat PSG: AHI {b} (was {a})", "AHI went from {a} to {b}"]


@pytest.mark.parametrize(("said", "pair"), list(itertools.product(AHI, [(38, 9, True), (22, 31, False)])))
def test_osa_improvement_by_the_ahi(runtime: Runtime, said: str, pair: tuple[int, int, bool]) -> None:
    a, b, better = pair
    f = _facts(runtime, f"Zepbound renewal for OSA: {said.format(a=a, b=b)}, lost 9% of baseline weight.")
    assert (f.get("osa_improved") or {}).get("value") is better  # type: ignore[union-attr]
