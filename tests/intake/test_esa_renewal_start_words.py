"""An ESA renewal's course start said after the drug with words between (held-out round 4 f24 "Aranesp
reauthorization for MDS: started 9/20/26. Hgb 8.1 before starting, 9.6 now", round 5 v19 "Darbepoetin
300 mcg q2wk started Aug 3 2026"): the start was not read, so the hemoglobin rise (which needs the
course's start) was not computed and the continuation was asked. Generated over the ESAs and the ways the
start is said; the rise and the determination must follow. Controls: a start in the future is not one."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from mednec.ask import answer
from mednec.runtime import default_runtime

AS_OF = dt.date(2026, 12, 6)
RT = default_runtime()

ESAS = ["Aranesp", "Procrit", "Retacrit", "darbepoetin", "Epogen"]
SHAPES = ["{e} reauthorization for MDS: started 9/20/26. Hgb 8.1 before starting, 9.6 now.",
          "{e} continuation request - MDS. {e} 300 mcg q2wk started Aug 3 2026. Baseline Hgb 8.1, current 9.6.",
          "{e} renewal for LR-MDS: started on Sept 1, 2026; Hb 8.1 before starting, 9.6 now.",
          "{e} re-auth for MDS, began 08/10/2026. Hgb 8.1 at baseline, 9.6 now."]


@pytest.mark.parametrize(("esa", "shape"), list(itertools.product(ESAS, SHAPES)))
def test_the_rise_is_computed_from_the_start(esa: str, shape: str) -> None:
    text = shape.format(e=esa)
    det = answer(text, RT, as_of=AS_OF).determination
    assert det is not None
    rise = det.fact_set.get("hemoglobin_rise")
    assert rise is not None and rise.value == pytest.approx(1.5), (text, det.fact_set.get("treatment_start"))
    assert det.determination == "meets_criteria", text
