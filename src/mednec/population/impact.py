"""What publishing a draft policy version would change for a population.

Every patient is evaluated with the published version and with the draft (same facts, same
evaluation date, same phase); the report says, for each determination under the published
version, how many patients move where under the draft (the transition table), which
criteria drive the moves (a criterion whose status differs between the versions for a
patient who moved, counted per move), and a few sample patients for each move. Criteria
that exist in only one version count as changed from or to ``absent``.

The input is result rows (:func:`mednec.population.results.result_row`): from stored cases
(:func:`evaluate_pairs`) or from a population run of both versions (``mednec impact
--population``).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from mednec.states import Verdict

__all__ = ["DETERMINATIONS", "ImpactReport", "summarize"]

DETERMINATIONS = tuple(v.value for v in (Verdict.MEETS, Verdict.INSUFFICIENT, Verdict.NOT_MET))
SAMPLES = 5
TOP_DRIVERS = 8


@dataclass
class ImpactReport:
    """The transition table, its drivers and samples, and how many patients could not be compared."""

    policy_id: str
    published: str
    draft: str
    population: str
    organisation: str | None = None  # stored cases of this organisation only (None: not restricted to one)
    patients: int = 0
    errors: int = 0
    transitions: Counter[tuple[str, str]] = field(default_factory=Counter)
    pathway_changes: int = 0
    drivers: dict[tuple[str, str], Counter[tuple[str, str, str]]] = field(default_factory=dict)
    samples: dict[tuple[str, str], list[str]] = field(default_factory=dict)

    @property
    def moved(self) -> int:
        return sum(n for (a, b), n in self.transitions.items() if a != b)

    def to_dict(self, *, samples: bool = True) -> dict[str, Any]:
        """JSON form; ``samples=False`` leaves out the patient ids (for readers who may not open them)."""
        table = []
        for a in DETERMINATIONS:
            row = {"from": a, "total": sum(n for (x, _), n in self.transitions.items() if x == a),
                   "to": {b: self.transitions.get((a, b), 0) for b in DETERMINATIONS}}
            table.append(row)
        moves = []
        for (a, b), n in sorted(self.transitions.items(), key=lambda kv: (-kv[1], kv[0])):
            if a == b:
                continue
            drivers = self.drivers.get((a, b), Counter())
            move: dict[str, Any] = {
                "from": a, "to": b, "count": n,
                "drivers": [{"criterion": c, "was": was, "now": now, "count": k}
                            for (c, was, now), k in sorted(drivers.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_DRIVERS]],
            }
            if samples:
                move["samples"] = list(self.samples.get((a, b), []))
            moves.append(move)
        return {"policy": self.policy_id, "published": self.published, "draft": self.draft,
                "population": self.population, "organisation": self.organisation, "patients": self.patients, "errors": self.errors,
                "moved": self.moved, "pathway_changes": self.pathway_changes, "table": table, "moves": moves}


def _statuses(row: Mapping[str, Any]) -> dict[str, str]:
    return {str(c["id"]): str(c["status"]) for c in row.get("criteria") or ()}


def summarize(
    pairs: Iterable[tuple[str, Mapping[str, Any] | None, Mapping[str, Any] | None]],
    *,
    policy_id: str,
    published: str,
    draft: str,
    population: str,
    organisation: str | None = None,
) -> ImpactReport:
    """The impact report from ``(patient id, published row, draft row)`` triples (a row is
    ``None`` when that version could not be evaluated for the patient: counted as an error)."""
    report = ImpactReport(policy_id, published, draft, population, organisation)
    for pid, old, new in pairs:
        if old is None or new is None:
            report.errors += 1
            continue
        report.patients += 1
        move = (str(old["determination"]), str(new["determination"]))
        report.transitions[move] += 1
        if move[0] == move[1]:
            if old.get("pathway") != new.get("pathway"):
                report.pathway_changes += 1
            continue
        was, now = _statuses(old), _statuses(new)
        drivers = report.drivers.setdefault(move, Counter())
        for cid in dict.fromkeys([*was, *now]):
            a, b = was.get(cid, "absent"), now.get(cid, "absent")
            if a != b:
                drivers[(cid, a, b)] += 1
        bucket = report.samples.setdefault(move, [])
        if len(bucket) < SAMPLES:
            bucket.append(pid)
    return report


def pair_rows(rows: Iterable[Mapping[str, Any]], published: str, draft: str) -> list[
        tuple[str, Mapping[str, Any] | None, Mapping[str, Any] | None]]:
    """Group result rows of both versions by patient: ``(patient, published row, draft row)``."""
    by: dict[str, dict[str, Mapping[str, Any]]] = defaultdict(dict)
    for row in rows:
        by[str(row["patient_id"])][str(row["policy_version"])] = row
    return [(pid, v.get(published), v.get(draft)) for pid, v in sorted(by.items())]
