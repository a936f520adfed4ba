"""Benefit exclusions: uses of a drug a plan's benefit does not cover, whatever their medical necessity.

A pack declares them in ``benefits.yaml``::

    exclusions:
      - id: medicare_part_d_weight_loss
        benefit: Medicare Part D prescription drug benefit
        programs: [medicare_part_d]       # plans of these programs apply it (a payer profile's ``program``)
        text: Drugs when used for weight loss are not Part D drugs
        applies_to:                       # policy id -> the pathways (indications) excluded; [] = every use
          semaglutide-wegovy: [weight_adult, weight_adolescent]
        cite: [ssa-1860d-2-e-2-a, ssa-1927-d-2-a]

A payer profile may also apply an exclusion by id (``exclusions: [state_medicaid_weight_loss]``), for
plans whose benefit design excludes a use no program-wide rule does (several Medicaid programmes).
The answer keeps its clinical determination; the exclusion is reported beside it as
``benefit: excluded`` with its rule and source (:mod:`mednec.engine.benefit`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mednec.errors import ConfigError
from mednec.policies.references import Citation, Reference, parse_citation

__all__ = ["BenefitExclusion", "parse_benefits"]

_KEYS = ("id", "benefit", "programs", "text", "applies_to", "cite", "note")


@dataclass(frozen=True, slots=True)
class BenefitExclusion:
    """One exclusion (see the module docstring); ``applies_to`` maps policy ids to excluded pathways
    (an empty tuple: every use of the policy's drug)."""

    id: str
    benefit: str
    programs: tuple[str, ...]
    text: str
    applies_to: Mapping[str, tuple[str, ...]]
    cites: tuple[Citation, ...]
    note: str = ""


def parse_benefits(raw: Any, *, where: str, pathways: Mapping[str, set[str]],
                   references: Mapping[str, Reference]) -> tuple[tuple[BenefitExclusion, ...], list[ConfigError]]:
    """Read ``benefits.yaml`` (``pathways``: each policy id of the pack -> its pathway ids)."""
    problems: list[ConfigError] = []
    if raw is None:
        return (), problems
    if not isinstance(raw, Mapping) or set(map(str, raw)) - {"exclusions"}:
        return (), [ConfigError("expected a mapping with exclusions: [...]", field=where)]
    out = []
    seen: set[str] = set()
    for i, e in enumerate(raw.get("exclusions") or []):
        at = f"{where}:exclusions[{i}]"
        if not isinstance(e, Mapping):
            problems.append(ConfigError("expected a mapping", field=at))
            continue
        extra = sorted(set(map(str, e)) - set(_KEYS))
        missing = [k for k in ("id", "benefit", "text", "applies_to", "cite") if not e.get(k)]
        if extra or missing:
            problems.append(ConfigError(
                f"{'unknown key(s) ' + ', '.join(extra) + '; ' if extra else ''}"
                f"{'missing ' + ', '.join(missing) + '; ' if missing else ''}allowed: {', '.join(_KEYS)}", field=at))
            continue
        eid = str(e["id"])
        if eid in seen:
            problems.append(ConfigError(f"exclusion id {eid!r} is used twice", field=at))
        seen.add(eid)
        applies: dict[str, tuple[str, ...]] = {}
        if not isinstance(e["applies_to"], Mapping):
            problems.append(ConfigError("applies_to maps policy ids to lists of pathway ids", field=f"{at}.applies_to"))
            continue
        for pid, pws in e["applies_to"].items():
            if str(pid) not in pathways:
                problems.append(ConfigError(f"policy {pid!r} is not in this pack", field=f"{at}.applies_to"))
                continue
            listed = tuple(str(p) for p in (pws or ()))
            bad = [p for p in listed if p not in pathways[str(pid)]]
            if bad:
                problems.append(ConfigError(f"{pid} has no pathway {', '.join(bad)}", field=f"{at}.applies_to.{pid}"))
            applies[str(pid)] = listed
        cites = tuple(parse_citation(str(c)) for c in (e["cite"] if isinstance(e["cite"], list) else [e["cite"]]))
        unknown = [c.ref for c in cites if c.ref not in references]
        if unknown:
            problems.append(ConfigError(f"citation(s) {', '.join(unknown)} not in references.yaml", field=f"{at}.cite"))
        programs = e.get("programs") or []
        if not isinstance(programs, list):
            problems.append(ConfigError("programs is a list", field=f"{at}.programs"))
            programs = []
        out.append(BenefitExclusion(eid, str(e["benefit"]), tuple(map(str, programs)), str(e["text"]), applies, cites,
                                    str(e.get("note", ""))))
    return tuple(out), problems
