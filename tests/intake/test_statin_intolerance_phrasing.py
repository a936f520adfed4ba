"""Family test (held-out round 3, r57 and rn12): statin intolerance said as events on two or more statins
is read as one ``intolerant`` medication_history entry per statin (drug, dose when said), the entries the
LDL pack's ``statin_step`` calculator applies the NLA 2022 definition to (two statins, one at its lowest
daily starting dose). Where the text gives no dose, the policy asks (``insufficient_information``),
never denies. Statin-induced rhabdomyolysis stays a statin contraindication."""

from __future__ import annotations

import pytest

from mednec.intake.question import understand
from mednec.runtime import Runtime
from tests.intake.conftest import AS_OF

#: (text, {statin: dose or None}) -- every named statin must be an intolerant entry with that dose
PHRASINGS: list[tuple[str, dict[str, float | None]]] = [
    ("Repatha: myalgias on atorvastatin 10 mg and again on rosuvastatin 5 mg (CK normal)",
     {"atorvastatin": 10.0, "rosuvastatin": 5.0}),
    ("Repatha; myalgia on atorvastatin 10 mg and also on rosuvastatin 5 mg",
     {"atorvastatin": 10.0, "rosuvastatin": 5.0}),
    ("Repatha; muscle aches with simvastatin 20 mg and then with pravastatin 40 mg",
     {"simvastatin": 20.0, "pravastatin": 40.0}),
    ("Repatha; Statins: atorvastatin 40 mg - myalgia; rosuvastatin 5 mg - CK elevation",
     {"atorvastatin": 40.0, "rosuvastatin": 5.0}),
    ("Repatha; statin intolerant: atorvastatin 10 mg (myalgia), rosuvastatin 5 mg (myalgia)",
     {"atorvastatin": 10.0, "rosuvastatin": 5.0}),
    ("Repatha; tried simvastatin and pravastatin, both caused muscle aches",
     {"simvastatin": None, "pravastatin": None}),
    ("Repatha; tried simvastatin 20 mg and pravastatin 40 mg, both caused muscle aches",
     {"simvastatin": 20.0, "pravastatin": 40.0}),
    ("Repatha; atorvastatin and rosuvastatin both gave her myalgias",
     {"atorvastatin": None, "rosuvastatin": None}),
    ("Repatha; was on atorvastatin 10 mg, rosuvastatin 5 mg and pravastatin 40 mg; all caused myalgias",
     {"atorvastatin": 10.0, "rosuvastatin": 5.0, "pravastatin": 40.0}),
    ("Repatha; rosuvastatin 5 mg and atorvastatin 10 mg: each caused myalgia",
     {"rosuvastatin": 5.0, "atorvastatin": 10.0}),
    ("Repatha; intolerant to atorva and rosuva (myopathy)", {"atorvastatin": None, "rosuvastatin": None}),
    ("Repatha; intolerant of atorvastatin 10 mg and rosuvastatin 5 mg", {"atorvastatin": 10.0, "rosuvastatin": 5.0}),
    ("Repatha; muscle pain on both atorvastatin 10 mg and simvastatin 10 mg",
     {"atorvastatin": 10.0, "simvastatin": 10.0}),
    ("Repatha; failed atorvastatin 10 mg (myalgias) and rosuvastatin 5 mg (myalgias)",
     {"atorvastatin": 10.0, "rosuvastatin": 5.0}),
    ("Repatha; could not tolerate simvastatin or pravastatin due to myalgias", {"simvastatin": None, "pravastatin": None}),
    # held-out rn12's form, a year between the dose and the effect (added with the fix, after first contact)
    ("Nexletol; Statins: atorvastatin 40 mg 2022 - myalgias, stopped after 2 months; rosuvastatin 5 mg 2023 - myalgias",
     {"atorvastatin": 40.0, "rosuvastatin": 5.0}),
]

#: a tolerated statin or an event on one statin only is not the other's intolerance
NOT_INTOLERANT: list[tuple[str, str]] = [
    ("Repatha; myalgias on atorvastatin 80 mg, now on rosuvastatin 5 mg without problems", "rosuvastatin"),
    ("Repatha; tried simvastatin and pravastatin, both tolerated", "simvastatin"),
    ("Repatha; tried simvastatin and pravastatin, neither caused muscle aches", "pravastatin"),
]


def _history(text: str, runtime: Runtime) -> list[dict[str, object]]:
    u = understand(text, runtime.catalog, runtime.dictionary, AS_OF)
    return next((list(f.value) for f in u.facts if f.fact == "medication_history"), [])  # type: ignore[arg-type]


def test_every_phrasing_gives_an_intolerant_entry_per_statin(runtime: Runtime) -> None:
    bad = []
    for text, want in PHRASINGS:
        got = {str(e["drug"]): e for e in _history(text, runtime)}
        for drug, dose in want.items():
            e = got.get(drug)
            if e is None or e.get("response") != "intolerant" or e.get("dose") != dose:
                bad.append((text, drug, e))
    assert not bad, f"{len(bad)} of {sum(len(w) for _, w in PHRASINGS)} statins misread: {bad}"


@pytest.mark.parametrize(("text", "drug"), NOT_INTOLERANT)
def test_a_tolerated_statin_is_not_intolerant(runtime: Runtime, text: str, drug: str) -> None:
    assert all(e.get("response") != "intolerant" for e in _history(text, runtime) if e["drug"] == drug)


@pytest.mark.parametrize(("text", "determination"), [
    # held-out r57: two statins, both at their lowest daily starting dose
    ("Repatha: hx MI, LDL 145, myalgias on atorvastatin 10 mg and again on rosuvastatin 5 mg (CK normal)",
     "meets_criteria"),
    ("Repatha: hx MI, LDL 145, Statins: atorvastatin 10 mg - myalgia; rosuvastatin 5 mg - CK elevation",
     "meets_criteria"),
    # the doses not said: whether one was the lowest dose is asked, never denied
    ("Repatha: hx MI, LDL 145, tried simvastatin and pravastatin, both caused muscle aches",
     "insufficient_information"),
    ("Repatha: hx MI, LDL 145, intolerant to atorva and rosuva (myopathy)", "insufficient_information"),
    # statin-induced rhabdomyolysis: statins contraindicated
    ("Repatha: hx MI, LDL 145, statin-induced rhabdomyolysis", "meets_criteria"),
])
def test_the_policy_decides_from_the_entries(runtime: Runtime, text: str, determination: str) -> None:
    from mednec.ask import answer

    a = answer(text, runtime, as_of=AS_OF)
    assert a.policy is not None and a.determination is not None
    assert (a.policy.id, a.determination.determination) == ("evolocumab-repatha", determination)
