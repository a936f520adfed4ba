"""One patient against every variant of a drug's policy, side by side.

The question providers ask before choosing what to submit: under which payer's rules does
this patient qualify, and what would each still need? :func:`compare` evaluates the facts
against the policy's defaults and each variant (each a named parameter set citing the payer
policy it models) and reports, per variant, the determination, the met pathway, the
parameter values that differ from the defaults, the criteria not met and the documents still
needed; ``differs`` lists the criteria whose status is not the same under every variant.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mednec.engine.determination import Determination
from mednec.engine.evaluate import evaluate
from mednec.facts.factset import FactSet
from mednec.policies.model import Pack, Policy
from mednec.runtime import Runtime

__all__ = ["Comparison", "VariantResult", "compare"]


@dataclass(frozen=True)
class VariantResult:
    """One variant's answer."""

    policy: Policy
    determination: Determination

    @property
    def variant_id(self) -> str:
        return self.policy.variant.id if self.policy.variant else "default"

    @property
    def name(self) -> str:
        return self.policy.variant.name if self.policy.variant else "Policy defaults"

    def changed_parameters(self) -> list[dict[str, Any]]:
        return [{"id": p.id, "text": p.text, "value": p.shown(), "default": p.shown(p.default)}
                for p in self.policy.parameters if p.overridden]

    def not_met(self) -> list[dict[str, str]]:
        det = self.determination
        relevant = {det.pathway.id} if det.pathway else {p.id for p in det.pathways}
        return [{"id": c.id, "text": c.text, "condition": c.condition}
                for c in det.criteria
                if c.status.value == "not_met" and c.depth == 0 and (c.pathway is None or c.pathway in relevant)]

    def needs(self) -> list[dict[str, Any]]:
        return [{"document": m.document, "description": m.description, "facts": list(m.facts),
                 "criteria": list(m.criteria)} for m in self.determination.missing_documentation]

    def to_dict(self) -> dict[str, Any]:
        det = self.determination
        v = self.policy.variant
        return {
            "variant": self.variant_id,
            "name": self.name,
            "payer": v.payer if v else None,
            "source": v.to_dict() if v else None,
            "determination": det.determination,
            "pathway": det.pathway.id if det.pathway else None,
            "authorization": det.authorization,
            "parameters": self.changed_parameters(),
            "not_met": self.not_met(),
            "needs": self.needs(),
            "input_hash": det.input_hash,
        }


@dataclass(frozen=True)
class Comparison:
    """Every variant's answer for one patient, and the criteria on which they differ."""

    policy: Policy
    phase: str
    results: tuple[VariantResult, ...]

    def differs(self) -> list[dict[str, Any]]:
        """Criteria whose status is not the same under every variant, with each status."""
        by_id: dict[str, dict[str, str]] = {}
        text: dict[str, str] = {}
        for r in self.results:
            for c in r.determination.criteria:
                by_id.setdefault(c.id, {})[r.variant_id] = c.status.value
                text.setdefault(c.id, c.text)
        return [{"id": cid, "text": text[cid], "status": st}
                for cid, st in by_id.items() if len(set(st.values())) > 1]

    def to_dict(self) -> dict[str, Any]:
        first = self.results[0].determination
        return {
            "policy": {"id": self.policy.id, "version": self.policy.version, "drug": self.policy.drug.generic,
                       "title": self.policy.title},
            "phase": self.phase,
            "as_of": first.as_of.isoformat(),
            "variants": [r.to_dict() for r in self.results],
            "differs": self.differs(),
        }


def compare(runtime: Runtime, facts: FactSet, policy: Policy, *, phase: str = "initial",
            pack: Pack | None = None) -> Comparison:
    """Evaluate ``facts`` under ``policy``'s defaults and under each of its variants.

    ``pack`` is the pack the alternatives come from (the service passes its published
    versions); by default the catalog's.
    """
    base = runtime.catalog.policy(policy.id) if policy.variant is not None else policy
    pk = pack or runtime.catalog.pack_of(base)
    results = tuple(
        VariantResult(p, evaluate(p, facts, pk, runtime.dictionary, phase=phase)) for p in (base, *base.variants)
    )
    return Comparison(base, phase, results)
