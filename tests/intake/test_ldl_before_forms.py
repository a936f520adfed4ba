"""An LDL-C before the drug (or before any treatment) said beside the current one, in the forms of held-out round 7
z07, z14, z21, xn13, xn15: "LDL 124 before evolocumab, 88 on 11/12/2026" (the current one dated, not "now"),
"LDL-C pre-evolocumab (11/2025): 128 mg/dL. LDL-C 11/20/2026: 54 mg/dL", "untreated LDL 232 (2019), now 138",
"LDL 72 on Praluent + atorvastatin 80, pre-PCSK9i LDL 160" (the earlier value said last: read as the current
LDL-C, 160), "LDL 212 untreated in 2024; ... LDL-C 10/30/2026: 131" (read as the current LDL-C, 212). Taking the
value before treatment for the current one can approve on a number the patient no longer has. Written before the
change (helper text7): 5 forms x 2 value pairs; the current LDL-C and the earlier one's fact."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from mednec.intake.question import understand
from mednec.runtime import Runtime

AS_OF = dt.date(2026, 12, 6)
FORMS = [
    ("Repatha re-auth: LDL {a} before evolocumab, {b} on 11/12/2026; atorvastatin 80 continued.", "ldl_c_pretreatment"),
    ("Repatha renewal. LDL-C pre-evolocumab (11/2025): {a} mg/dL. LDL-C 11/20/2026: {b} mg/dL.", "ldl_c_pretreatment"),
    ("Repatha - 45M, untreated LDL {a} (2019), now {b} on atorvastatin 80 mg for 1 yr.", "ldl_c_untreated"),
    ("Requesting Repatha. ASCVD, LDL {b} on Praluent + atorvastatin 80 x 3 yrs, pre-PCSK9i LDL {a}.", "ldl_c_pretreatment"),
    ("Praluent. 34M, LDL {a} untreated in 2024; on rosuvastatin 40 mg since 03/2026. LDL-C 10/30/2026: {b}.", "ldl_c_untreated"),
]
VALUES = [(212, 131), (160, 72)]


def _val(f: dict[str, object], k: str) -> object:
    v = f.get(k)
    return v.get("value") if isinstance(v, dict) else v


@pytest.mark.parametrize(("form", "vals"), list(itertools.product(FORMS, VALUES)))
def test_the_current_ldl_is_not_the_earlier_one(runtime: Runtime, form: tuple[str, str], vals: tuple[int, int]) -> None:
    text, fact = form
    a, b = vals
    f = understand(text.format(a=a, b=b), runtime.catalog, runtime.dictionary, AS_OF).case["facts"]
    assert _val(f, "ldl_c") == b
    assert _val(f, fact) == a
