"""Small wording helpers shared by the renderers."""

from __future__ import annotations

from mednec.engine.determination import INSUFFICIENT, MEETS, Determination, MissingFact
from mednec.facts.factset import FactValue
from mednec.tri import Tri

__all__ = ["STATUS_WORD", "VERDICT_WORD", "cite_marks", "evidence_text", "headline", "value_text"]

VERDICT_WORD = {
    MEETS: "Meets criteria",
    "does_not_meet_criteria": "Does not meet criteria",
    INSUFFICIENT: "Insufficient information",
}
STATUS_WORD = {Tri.MET: "met", Tri.NOT_MET: "not met", Tri.UNKNOWN: "unknown"}


def cite_marks(nums: tuple[int, ...] | list[int]) -> str:
    """``[1, 3]`` style citation marks ('' when there are none)."""
    return f"[{', '.join(str(n) for n in nums)}]" if nums else ""


def value_text(fv: FactValue) -> str:
    """A fact value as a person reads it."""
    v = fv.value
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        num = f"{v:g}"
        return f"{num} {fv.unit}" if fv.unit and fv.unit not in ("count",) else num
    if isinstance(v, tuple):
        if not v:
            return "none recorded"
        return "; ".join(
            f"{e.get('drug')}: documented as never given" if e.get("response") == "not_given"
            else ", ".join(f"{k} {x.isoformat() if hasattr(x, 'isoformat') else x}" for k, x in e.items())
            for e in v
        )
    if hasattr(v, "isoformat"):
        return str(v.isoformat())
    return str(v).replace("_", " ")


def evidence_text(e: FactValue | MissingFact) -> str:
    """One piece of evidence: 'Hemoglobin 8.1 g/dL (2026-11-10, case file)' or 'missing'."""
    if isinstance(e, MissingFact):
        return f"{e.label}: not documented"
    when = f"{e.observed.isoformat()}, " if e.observed else ""
    src = e.provenance.source
    detail = f": {e.provenance.detail}" if e.provenance.detail and e.derived else ""
    return f"{e.fact.replace('_', ' ')} = {value_text(e)} ({when}{src}{detail})"


def headline(det: Determination) -> str:
    """One sentence: verdict, drug, pathway."""
    drug = det.policy["drug"]
    word = VERDICT_WORD[det.determination]
    if det.determination == MEETS and det.pathway:
        return f"{word}: {drug} — {det.pathway.name}"
    if det.phase == "continuation":
        return f"{word} for continuation: {drug}"
    return f"{word}: {drug}"
