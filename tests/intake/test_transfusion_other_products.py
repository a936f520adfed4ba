"""Units of platelets, plasma (FFP), cryoprecipitate or other blood products are not red-cell units: the MDS
policies count RBC transfusions (IWG 2018 transfusion burden; imetelstat's and luspatercept's units per 8 weeks).
Found by the lead's probes on 2026-12-07: "platelet transfusions: 2 units on 11/10/2026 and 2 units on
11/24/2026" gave 4 RBC units. A count whose product, said in it or nearest before it in the sentence, is another
product is listed as not used; red cells named in the count win ("2 units PRBC and platelets")."""

from __future__ import annotations

import datetime as dt

import pytest

from mednec.ask import answer
from mednec.runtime import Runtime

AS_OF = dt.date(2026, 12, 6)
BASE = ("Reblozyl for a 70 year old man with MDS with ring sideroblasts 30%, SF3B1 mutated, IPSS-R low, serum EPO "
        "300, never had an ESA, Hb 7.9 g/dL on 12/01/2026. {said}.")

OTHER = [
    "Platelet transfusions: 2 units on 11/10/2026 and 2 units on 11/24/2026",
    "Received 2 units of platelets on 11/10/2026 and 2 units on 11/24/2026",
    "FFP 2 units on 11/10/2026 and 2 units on 11/24/2026",
    "Plts 2u 11/10/2026, 2u 11/24/2026",
    "Cryoprecipitate 2 units on 11/10/2026 and 2 units on 11/24/2026",
]
RED = [
    ("PRBC 2 units on 11/10/2026 and 2 units on 11/24/2026", 4),
    ("Transfused 2 units on 11/10/2026 and 2 units on 11/24/2026", 4),
    ("2 units PRBC on 11/10/2026 and 2 units PRBC on 11/24/2026; platelets 1 unit on 11/12/2026", 4),
    ("Platelets 1 unit on 11/12/2026; PRBC 2 units on 11/10/2026 and 2 units on 11/24/2026", 4),
    # a platelet count or a plasma EPO level is a lab value, not a product
    ("Platelets 150, transfused 2 units on 11/10/2026 and 2 units on 11/24/2026", 4),
    ("Plt count 45k, transfused 2 units on 11/10/2026 and 2 units on 11/24/2026", 4),
    ("Plasma EPO as above, transfused 2 units on 11/10/2026 and 2 units on 11/24/2026", 4),
]


@pytest.mark.parametrize("said", OTHER)
def test_other_products_are_not_red_cells(runtime: Runtime, said: str) -> None:
    d = answer(BASE.format(said=said), runtime, as_of=AS_OF).determination
    assert d is not None
    got = d.fact_set["rbc_units_8w"].value if "rbc_units_8w" in d.fact_set else None
    assert not got, f"{said!r} gave rbc_units_8w {got}"
    assert d.determination != "meets_criteria"


@pytest.mark.parametrize(("said", "units"), RED)
def test_red_cells_are_counted(runtime: Runtime, said: str, units: float) -> None:
    d = answer(BASE.format(said=said), runtime, as_of=AS_OF).determination
    assert d is not None
    assert d.fact_set["rbc_units_8w"].value == units


@pytest.mark.parametrize("said", ["Platelets exactly 50, 4 units in the last 8 weeks",
                                  "Platelets 45, transfused 2 units on 11/10/2026 and 2 units on 11/24/2026"])
def test_a_platelet_count_names_no_product(runtime: Runtime, said: str) -> None:
    d = answer(BASE.format(said=said), runtime, as_of=AS_OF).determination
    assert d is not None
    assert d.fact_set["rbc_units_8w"].value == 4
