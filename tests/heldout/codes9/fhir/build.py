"""Write the codes9 held-out FHIR bundles: ``python tests/heldout/codes9/fhir/build.py``.

Written 2026-12-07 (21:00 UTC) by the helper codes9 before any rule was changed for them and before mednec was run
on them: Conditions coded in ICD-10-CM that should set (or question) a GLP-1 / GIP policy's condition facts.
Expected answers (from the policy YAMLs and the GLP-1 decisions, never from mednec's output) in ``expected.yaml``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
if str(HERE.parents[3]) not in sys.path:  # run as a script: the repository root, for the shared toolkit
    sys.path.insert(0, str(HERE.parents[3]))

from tests.code_systems import ICD10  # noqa: E402
from tests.heldout.fhir8.build import lifestyle  # noqa: E402
from tests.heldout.fhir_chart import Chart, bmi, cc, write  # noqa: E402


def f01() -> dict[str, Any]:
    c = Chart("c9f01", "1977-04-04", "female")
    bmi(c, 28.1, "2026-11-15")
    lifestyle(c)
    c.cond(cc((ICD10, "E78.00", "Pure hypercholesterolemia, unspecified")))
    return c.bundle()


def f02() -> dict[str, Any]:
    c = Chart("c9f02", "1980-02-02", "female")
    bmi(c, 33.0, "2026-11-15")
    lifestyle(c)
    c.cond(cc((ICD10, "E31.23", "Multiple endocrine neoplasia [MEN] type IIB")))
    return c.bundle()


def f03() -> dict[str, Any]:
    c = Chart("c9f03", "1975-03-03", "female")
    bmi(c, 33.0, "2026-11-15")
    lifestyle(c)
    c.cond(cc((ICD10, "C73", "Malignant neoplasm of thyroid gland")), clinical="remission")
    return c.bundle()


def f04() -> dict[str, Any]:
    c = Chart("c9f04", "1979-05-05", "female")
    lifestyle(c)
    c.cond(cc((ICD10, "Z68.36", "Body mass index [BMI] 36.0-36.9, adult")), category="encounter-diagnosis",
           onsetDateTime="2026-11-15")
    return c.bundle()


def f05() -> dict[str, Any]:
    c = Chart("c9f05", "1986-06-06", "female")
    bmi(c, 34.0, "2026-11-15")
    lifestyle(c)
    c.cond(cc((ICD10, "O09.513", "Supervision of elderly primigravida, third trimester")),
           category="encounter-diagnosis", onsetDateTime="2026-10-01")
    return c.bundle()


BUILDERS = {"c9-f01-wegovy-e78-00": f01, "c9-f02-wegovy-e31-23": f02, "c9-f03-wegovy-c73-remission": f03,
            "c9-f04-wegovy-z68-36-no-bmi-obs": f04, "c9-f05-wegovy-o09-513": f05}

if __name__ == "__main__":
    write(BUILDERS, HERE)
