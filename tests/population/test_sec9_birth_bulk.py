"""The column-wise Bulk reader and the per-bundle FHIR intake agree on birth dates (sec9, 2026-12-07).

The FHIR intake refuses a bundle with any value dated before ``Patient.birthDate`` -- also one a newer value of
the same fact outweighs (``intake.fhir.bundle._check_born_first``). The column-wise reader keeps only each fact's
latest value, so it must send such a patient to the row-wise intake rather than answer it from the value that
looks right. Random exports whose patients are born on random days among their own observations (half of them
with a value before birth, kept or outweighed): the two engines give the same rows and errors, and every patient
answered column-wise has its Bundle's facts (the harness of ``test_bulk_columnar``).
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.population.test_bulk_columnar import LUSPATERCEPT, MDS, _check, _day


def _born_among_observations(seed: int) -> Callable[[Path], None]:
    def decorate(folder: Path) -> None:
        rng = random.Random(seed)
        f = folder / "Patient.ndjson"
        if not f.exists():
            return
        out = []
        for line in f.read_text("utf-8").splitlines():
            res = json.loads(line)
            if rng.random() < 0.6:
                res["birthDate"] = _day(-rng.randrange(1, 400))
            out.append(json.dumps(res, separators=(",", ":")))
        f.write_text("\n".join(out) + "\n", "utf-8")
    return decorate


@pytest.mark.parametrize(("seed", "every"), [(91, False), (92, True), (93, False)])
def test_a_value_before_birth_is_decided_as_the_bundle_intake_decides(tmp_path: Path, seed: int, every: bool) -> None:
    _check(seed, 60, 25, MDS if every else LUSPATERCEPT, tmp_path, _born_among_observations(seed))
