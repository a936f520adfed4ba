"""Policy test cases: YAML files beside each policy, run by pytest and `mednec policies check`.

A case file::

    name: ESA-naive, RS-positive, 4 units in 8 weeks
    phase: initial                # or continuation
    as_of: 2026-11-20
    case: {patient: {...}, facts: {...}}
    expect:
      determination: meets_criteria
      pathway: esa_naive_first_line       # null when none is met
      authorization: 24 weeks             # the period a met determination gives (null: none)
      criteria: {esa_naive: met, no_del5q: met}
      missing_facts: [serum_epo]          # exactly the facts asked for (insufficient only)
      alternatives: {imetelstat-mds: does_not_meet_criteria}
      assumptions: [not_immediate_correction]   # exactly the criteria met by presumption
      inferences: [symptomatic_anemia]          # exactly the criteria met or not on an inferred fact
    variant: payer-x              # optional: evaluate under one of the policy's payer variants

Expectations state the *reasons* (criterion statuses, missing facts), not only the verdict,
so a right answer for the wrong reason fails.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mednec.errors import MednecError
from mednec.intake.case_file import parse_case
from mednec.intake.values import parse_date
from mednec.policies.loader import read_yaml

if TYPE_CHECKING:
    from mednec.engine.determination import Determination
    from mednec.policies.model import Policy
    from mednec.runtime import Runtime

__all__ = ["CaseResult", "case_files", "run_case"]

_EXPECT_KEYS = {"determination", "pathway", "authorization", "criteria", "missing_facts", "alternatives", "error",
                "assumptions", "inferences"}


@dataclass(frozen=True)
class CaseResult:
    """The outcome of one policy test case."""

    path: Path
    name: str
    failures: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.failures


def case_files(policy: Policy) -> list[Path]:
    """The test case files beside a policy, sorted."""
    folder = Path(policy.source).parent / "cases"
    return sorted(folder.glob("*.yaml")) if folder.is_dir() else []


def run_case(runtime: Runtime, policy: Policy, path: Path) -> CaseResult:
    """Evaluate one case file and compare with its expectations."""
    spec: dict[str, Any] = read_yaml(path)
    name = str(spec.get("name", path.stem))
    expect: dict[str, Any] = spec.get("expect") or {}
    unknown = set(expect) - _EXPECT_KEYS
    if unknown or not expect:
        return CaseResult(path, name, (f"bad expect keys {sorted(unknown)} (allowed {sorted(_EXPECT_KEYS)})",))
    as_of: dt.date = parse_date(spec["as_of"], path="as_of") if spec.get("as_of") else dt.date(2026, 11, 25)
    try:
        case = parse_case(spec["case"], runtime.dictionary, as_of=as_of, source=f"test case {path.name}")
        det = runtime.evaluate(case.facts, policy.with_variant(spec.get("variant")),
                               phase=str(spec.get("phase", "initial")))
    except MednecError as exc:
        if expect.get("error") and expect["error"] in str(exc):
            return CaseResult(path, name, ())
        return CaseResult(path, name, (f"raised {type(exc).__name__}: {exc}",))
    return CaseResult(path, name, tuple(compare(det, expect)))


def compare(det: Determination, expect: Mapping[str, Any]) -> list[str]:
    """What in ``det`` differs from a case's expectations (empty: the case passes)."""
    failures: list[str] = []
    if "error" in expect:
        failures.append(f"expected an error containing {expect['error']!r}, got {det.determination}")
    if "determination" in expect and det.determination != expect["determination"]:
        failures.append(f"determination {det.determination}, expected {expect['determination']}")
    if "pathway" in expect:
        got = det.pathway.id if det.pathway else None
        if got != expect["pathway"]:
            failures.append(f"pathway {got}, expected {expect['pathway']}")
    if "authorization" in expect:
        period = det.authorization["period"] if det.authorization else None
        if period != expect["authorization"]:
            failures.append(f"authorization {period}, expected {expect['authorization']}")
    failures += _criteria(det, expect.get("criteria") or {})
    if "missing_facts" in expect:
        got_facts = sorted({f for m in det.missing_documentation for f in m.facts})
        if got_facts != sorted(expect["missing_facts"] or []):
            failures.append(f"missing facts {got_facts}, expected {sorted(expect['missing_facts'] or [])}")
    for key, got_ids in (("assumptions", det.assumptions), ("inferences", det.inferences)):
        if key in expect:
            handled = sorted({a.criterion for a in got_ids})
            if handled != sorted(expect[key] or []):
                failures.append(f"{key} {handled}, expected {sorted(expect[key] or [])}")
    alts = {a.policy: a.determination for a in det.alternatives}
    for pid, want in (expect.get("alternatives") or {}).items():
        if alts.get(pid) != want:
            failures.append(f"alternative {pid}: {alts.get(pid)}, expected {want}")
    return failures


def _criteria(det: Determination, expected: Mapping[str, str]) -> list[str]:
    statuses = {c.id: c.status.value for c in det.criteria}
    out = []
    for cid, want in expected.items():
        if cid not in statuses:
            out.append(f"criterion {cid!r} does not exist")
        elif statuses[cid] != want:
            out.append(f"criterion {cid}: {statuses[cid]}, expected {want}")
    return out

