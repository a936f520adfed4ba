"""What an article is built from: its sources, and the context every part of it reads.

:class:`ArticleContext` holds the determination, policy, pack, evidence and citation index;
the article builder (:mod:`mednec.render.article`) and its later parts
(:mod:`mednec.render.sections`) both take it, so neither imports the other.
"""

from __future__ import annotations

from typing import NamedTuple

from mednec.engine.determination import Determination, MissingFact
from mednec.facts.dictionary import FactDictionary
from mednec.facts.factset import FactValue
from mednec.policies.model import Pack, Policy
from mednec.render.cites import CiteIndex
from mednec.render.evidence import PackEvidence, PolicyEvidence, load_evidence
from mednec.render.model import EvidenceItem
from mednec.states import DocumentReview

__all__ = ["ArticleContext", "ArticleSources"]


class ArticleSources(NamedTuple):
    """What an article is built from besides the determination."""

    policy: Policy
    pack: Pack
    dictionary: FactDictionary
    evidence: PackEvidence
    case_name: str = "CASE"
    case_title: str = ""

    @classmethod
    def of(cls, policy: Policy, pack: Pack, dictionary: FactDictionary, *, case_name: str = "CASE",
           case_title: str = "") -> ArticleSources:
        return cls(policy, pack, dictionary, load_evidence(pack), case_name, case_title)


class ArticleContext:
    """One article's determination and sources, with the evidence and citation index they give."""

    def __init__(self, det: Determination, src: ArticleSources, general: bool) -> None:
        self.det, self.src, self.general = det, src, general
        #: the physician review's status the article is shown with (approved / denied once decided)
        self.review_status = DocumentReview.SUBMITTED
        self.policy, self.pack, self.dictionary = src.policy, src.pack, src.dictionary
        self.ev: PolicyEvidence = src.evidence.policy(src.policy.id)
        self.cites = CiteIndex(det, src.pack)
        self.drug = src.policy.drug.generic
        self.brands = ", ".join(src.policy.drug.brands)
        self.alt_map = {a.policy: a for a in det.alternatives}
        #: the policy's dose unit ('mg/kg'): a dose level is printed with it ('1.75 mg/kg')
        self.dose_unit = next((d.unit for d in src.policy.dosing if d.unit), None)
        #: pathway id -> its step in the pack's treatment sequence (mednec.render.sequence)
        from mednec.render.sequence import pathway_steps

        self.steps = pathway_steps(src.pack, src.policy)

    def item(self, e: FactValue | MissingFact) -> EvidenceItem:
        """One evidence item; a dose level carries the policy's dose unit."""
        from mednec.render.values import evidence_item

        out = evidence_item(e, self.dictionary, self.cites)
        if self.dose_unit and out.value.endswith(" dose level"):
            out = out._replace(value=out.value.removesuffix(" dose level") + f" {self.dose_unit}")
        return out

    def sequence_cites(self, policy_id: str) -> tuple[int, ...]:
        step = next((s for s in self.pack.sequence if policy_id in s.policies), None)
        return self.cites.nums(step.cites) if step else ()
