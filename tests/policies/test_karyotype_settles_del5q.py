"""A normal karyotype settles del(5q) as absent, in every form a case can say it (family: "karyotype
said, del(5q) not"; held-out MDS case file mc01 asked for del(5q) with ``karyotype: normal``).

The category ``normal``, its synonyms and an ISCN normal karyotype all give the same del(5q) status
on the three MDS policies that test it; an abnormal karyotype without del(5q) stated leaves it
unknown (asked), and a stated del(5q) is never overridden by the inference.
"""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

from mednec.runtime import default_runtime

RT = default_runtime()
PACK = Path(__file__).resolve().parents[2] / "src" / "mednec" / "packs" / "mds_anemia"
BASE = yaml.safe_load((PACK / "luspatercept/cases/29-meets-del5q-after-lenalidomide-failure.yaml").read_text())

# (policy, the criterion testing del(5q), its status when del(5q) is absent)
POLICIES = [("luspatercept-mds", "no_del5q", "met"), ("imetelstat-mds", "no_del5q", "met"),
            ("lenalidomide-mds", "del5q_present", "not_met")]
NORMAL = ["normal", "Normal", "normal female karyotype", "46,XX[20]", "46,XY[20]"]
NOT_SETTLED = ["abnormal", "46,XY,+8[20]"]


def _case(karyotype: str) -> dict[str, Any]:
    case = copy.deepcopy(BASE["case"])
    for fid in ("del5q", "karyotype", "cytogenetic_risk", "additional_cytogenetic_abnormalities",
                "chromosome7_abnormality", "medication_history"):
        case["facts"].pop(fid, None)
    case["facts"]["karyotype"] = karyotype
    return case


def _status(policy_id: str, criterion: str, case: dict[str, Any]) -> str:
    parsed = RT.parse_case(case, as_of=dt.date.fromisoformat(str(BASE["as_of"])))
    det = RT.evaluate(parsed.facts, RT.catalog.policy(policy_id))

    def walk(results: Any) -> Any:
        for c in results:
            if c.id == criterion:
                return c
            found = walk(getattr(c, "children", ()) or ())
            if found is not None:
                return found
        return None

    found = walk(det.criteria)
    assert found is not None, criterion
    return str(found.status.value)


@pytest.mark.parametrize(("policy_id", "criterion", "absent"), POLICIES, ids=[p[0] for p in POLICIES])
@pytest.mark.parametrize("karyotype", NORMAL)
def test_a_normal_karyotype_settles_del5q(policy_id: str, criterion: str, absent: str, karyotype: str) -> None:
    assert _status(policy_id, criterion, _case(karyotype)) == absent


@pytest.mark.parametrize(("policy_id", "criterion", "absent"), POLICIES, ids=[p[0] for p in POLICIES])
@pytest.mark.parametrize("karyotype", NOT_SETTLED)
def test_an_abnormal_karyotype_without_del5q_stated_is_asked(policy_id: str, criterion: str, absent: str,
                                                             karyotype: str) -> None:
    # +8 alone: no del(5q) in the ISCN string, so del(5q) is settled by the notation itself
    want = absent if "," in karyotype else "unknown"
    assert _status(policy_id, criterion, _case(karyotype)) == want


def test_a_stated_del5q_is_not_overridden() -> None:
    case = _case("46,XX,del(5)(q13q33)[20]")
    assert _status("lenalidomide-mds", "del5q_present", case) == "met"
