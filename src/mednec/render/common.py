"""Small wording helpers shared by the renderers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from mednec.engine.determination import INSUFFICIENT, MEETS, Determination, MissingFact
from mednec.facts.factset import FactValue
from mednec.render.values import observed_text, source_words
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
            f"{e.get('drug')}: documented as never given" if e.get("response") == "not_given" else _event_text(e)
            for e in v
        )
    if hasattr(v, "isoformat"):
        return str(v.isoformat())
    return str(v).replace("_", " ")


def _event_text(e: Mapping[str, object]) -> str:
    """One event in words: 'drug atorvastatin, dose 80 mg, start 2026-06-01, response ongoing'."""
    parts = []
    for k, x in e.items():
        if k == "dose_unit" and "dose" in e:
            continue
        text = x.isoformat() if isinstance(x, dt.date) else str(x).replace("_", " ")
        if k == "dose" and e.get("dose_unit"):
            text = f"{text} {e['dose_unit']}"
        parts.append(f"{k.replace('_', ' ')} {text}")
    return ", ".join(parts)


def evidence_text(e: FactValue | MissingFact, labels: Mapping[str, str] | None = None) -> str:
    """One piece of evidence: 'Hemoglobin: 8.1 g/dL (2026-11-10, case file)' or 'missing'.

    ``labels`` names each fact as the fact dictionary does ('IPSS-R risk category', never the id
    'ipss_r_category'); without it the id is shown in words.
    """
    if isinstance(e, MissingFact):
        return f"{e.label}: not documented"
    when = f"{observed_text(e)}, " if e.observed else ""
    name = (labels or {}).get(e.fact) or e.fact.replace("_", " ")
    src = source_words(e.provenance.source, name)
    detail = f": {e.provenance.detail}" if e.provenance.detail and e.derived else ""
    return f"{name}: {value_text(e)} ({when}{src}{detail})"


def headline(det: Determination) -> str:
    """One sentence: verdict, drug, pathway."""
    drug = det.policy["drug"]
    word = VERDICT_WORD[det.determination]
    if det.determination == MEETS and det.pathway:
        return f"{word}: {drug} — {det.pathway.name}"
    if det.phase == "continuation":
        return f"{word} for continuation: {drug}"
    return f"{word}: {drug}"
