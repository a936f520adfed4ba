"""The dates9 FHIR bundles (helper dates9, 2026-12-07 ~21:00 UTC): an LDL-C Observation whose effectiveDateTime is a
month, a statin MedicationStatement whose effectivePeriod.start is a year, RBC transfusion Procedures whose
performedDateTime is a month. Built in memory by ``tests/heldout/run.py --set dates9`` (``generated: true``); the
eighth set's building blocks (tests/heldout/fhir8/build.py) are reused. Expected answers in ``expected.yaml``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
if str(HERE.parents[3]) not in sys.path:
    sys.path.insert(0, str(HERE.parents[3]))

from tests.heldout.fhir5.build import atorva80, hgb, med_list  # noqa: E402
from tests.heldout.fhir8.build import ATORVA80, ldl_base, mds_common, rs_dx  # noqa: E402
from tests.heldout.fhir_chart import Chart, ldl  # noqa: E402


def _ldl_dated(pid: str, when: str) -> dict[str, Any]:
    c = ldl_base(pid, "1961-06-16", "male")
    ldl(c, 104, when)
    atorva80(c, "2025-05-05")
    return c.bundle()


def f04() -> dict[str, Any]:
    c = ldl_base("d9f04", "1959-03-13", "female")
    ldl(c, 99, "2026-11-18")
    c.statement(ATORVA80, status="active", start="2024", dose=(80, "mg"))
    return c.bundle()


def _mds(pid: str, partial: str) -> dict[str, Any]:
    c = Chart(pid, "1944-04-14", "female")
    rs_dx(c)
    hgb(c, 8.1)
    mds_common(c, dates=("2026-11-20",))
    t = c.transfusion("2026-01-01")
    t["performedDateTime"] = partial
    med_list(c, [])
    return c.bundle()


BUILDERS = {
    "d9-f01-repatha-ldl-sep": lambda: _ldl_dated("d9f01", "2026-09"),
    "d9-f02-repatha-ldl-aug": lambda: _ldl_dated("d9f02", "2026-08"),
    "d9-f03-repatha-ldl-mar": lambda: _ldl_dated("d9f03", "2026-03"),
    "d9-f04-repatha-statin-since-2024": f04,
    "d9-f05-reblozyl-transfusion-oct": lambda: _mds("d9f05", "2026-10"),
    "d9-f06-reblozyl-transfusion-sep": lambda: _mds("d9f06", "2026-09"),
}
