"""The structured article: plain data that every format (Markdown, HTML, PDF, JSON) presents.

All values are strings, numbers, booleans, ISO dates or tuples of these; ``to_data`` turns
any of them into JSON-ready dicts and lists. Citation numbers index ``Article.references``.
"""

from __future__ import annotations

from typing import Any, NamedTuple

__all__ = [
    "AltRow",
    "Article",
    "Cited",
    "CriteriaGroup",
    "CriterionRow",
    "DocumentRow",
    "EvidenceItem",
    "MissingRow",
    "RefRow",
    "Related",
    "ScheduleRow",
    "SequenceDrug",
    "SequenceRow",
    "TrialRow",
    "to_data",
]


class Cited(NamedTuple):
    """A sentence with its citation numbers; ``status`` 'secondary' flags a secondary source."""

    text: str
    cites: tuple[int, ...] = ()
    status: str = "confirmed"
    source: str = ""  # e.g. a guideline's issuer, version and year
    date: str | None = None  # ISO date, for dated statements (regulatory history)


class EvidenceItem(NamedTuple):
    """One fact as evidence: label, value as read, date and where it came from."""

    fact: str
    label: str
    value: str
    date: str | None
    source: str
    detail: str
    missing: bool
    cites: tuple[int, ...]


class CriterionRow(NamedTuple):
    id: str
    text: str
    plain: str
    status: str | None  # met | not_met | unknown; None in a general article
    depth: int
    parent: str | None
    condition: str
    evidence: tuple[EvidenceItem, ...]
    cites: tuple[int, ...]
    documentation: tuple[str, ...]
    if_unmet: str | None
    note: str | None
    unmet_plain: str = ""  # for the patient: what an unmet rule means, in words


class CriteriaGroup(NamedTuple):
    """The common criteria, one pathway, or the continuation criteria."""

    id: str
    title: str
    title_plain: str
    step: int | None  # the step of the pack's treatment sequence the pathway sits at
    status: str | None
    description: str
    cites: tuple[int, ...]
    criteria: tuple[CriterionRow, ...]


class SequenceDrug(NamedTuple):
    policy: str
    drug: str
    brands: tuple[str, ...]
    requested: bool
    determination: str | None


class SequenceRow(NamedTuple):
    step: int
    text: str
    cites: tuple[int, ...]
    drugs: tuple[SequenceDrug, ...]


class AltRow(NamedTuple):
    policy: str
    drug: str
    brands: tuple[str, ...]
    plain_name: str
    determination: str
    pathway: str | None
    line: int | None
    sequence: str


class DocumentRow(NamedTuple):
    id: str
    description: str
    plain: str
    status: str | None  # present (attached) | stated | missing | not_provided; None in a general article
    criteria: tuple[str, ...]
    names: tuple[str, ...] = ()  # the criteria as people read them (ids stay in JSON)


class MissingRow(NamedTuple):
    document: str
    description: str
    plain: str
    facts: tuple[str, ...]
    questions: tuple[str, ...]
    criteria: tuple[str, ...]
    names: tuple[str, ...] = ()  # the criteria as people read them


class TrialRow(NamedTuple):
    name: str
    design: str
    result: str
    cites: tuple[int, ...]


class ScheduleRow(NamedTuple):
    date: str | None
    week: int | None
    text: str
    cites: tuple[int, ...]


class Related(NamedTuple):
    question: str
    command: str


class RefRow(NamedTuple):
    """One numbered reference: its text without identifiers, then its PMID, DOI and address as
    (label, address) links; ``for_patients`` marks a source a patient can read."""

    n: int
    id: str
    kind: str
    text: str
    sections: tuple[str, ...]
    links: tuple[tuple[str, str], ...]
    for_patients: bool


class Article(NamedTuple):
    """Everything one document presents. Audience changes only ``audience`` and ``disclaimer``."""

    document: str
    audience: str
    general: bool
    title: str
    title_plain: str
    review: dict[str, Any]
    last_updated: str
    versions: dict[str, Any]
    drug: dict[str, Any]
    patient: dict[str, Any]
    determination: dict[str, Any]
    bottom_line: tuple[Cited, ...]
    bottom_line_plain: tuple[Cited, ...]
    groups: tuple[CriteriaGroup, ...]
    sequence: tuple[SequenceRow, ...]
    alternatives: tuple[AltRow, ...]
    documents: tuple[DocumentRow, ...]
    missing: tuple[MissingRow, ...]
    changes: tuple[Cited, ...]
    timeframes: tuple[Cited, ...]
    timeframes_plain: tuple[Cited, ...]
    appeals: tuple[Cited, ...]
    appeals_plain: tuple[Cited, ...]
    mechanism: Cited | None
    pivotal: Cited | None
    pitfalls: tuple[Cited, ...]
    guideline: tuple[Cited, ...]
    label_status: str
    current_label: Cited
    regulatory: tuple[Cited, ...]
    trials: tuple[TrialRow, ...]
    safety: tuple[Cited, ...]
    esa_ineligibility: tuple[Cited, ...]
    monitoring: tuple[Cited, ...]
    dosing: tuple[Cited, ...]
    authorization: dict[str, Any] | None
    schedule: tuple[ScheduleRow, ...]
    emerging: tuple[Cited, ...]
    facts: tuple[EvidenceItem, ...]
    notes: tuple[str, ...]
    next_steps_plain: tuple[Cited, ...]
    questions_plain: tuple[str, ...]
    related: tuple[Related, ...]
    references: tuple[RefRow, ...]
    disclaimer: str
    facts_plain: tuple[Cited, ...] = ()  # the facts in words, for the patient
    side_effects_plain: tuple[Cited, ...] = ()
    assumptions: tuple[Cited, ...] = ()  # presumptions the answer rests on: what the request attests
    inferences: tuple[Cited, ...] = ()  # undocumented facts derived from documented ones
    benefit: str | None = None  # the plan's benefit excludes this use (a coverage rule, not a clinical finding)
    benefit_plain: str | None = None
    benefit_cites: tuple[int, ...] = ()  # the exclusion rule's sources (statute, regulation)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = to_data(self)
        return out


def to_data(value: Any) -> Any:
    """NamedTuples -> dicts, tuples -> lists, recursively (JSON-ready). An article's ``benefit`` keys
    appear only under a plan whose benefit excludes the use."""
    if hasattr(value, "_asdict"):
        out = {k: to_data(v) for k, v in value._asdict().items()}
        if isinstance(value, Article) and value.benefit is None:
            out.pop("benefit", None)
            out.pop("benefit_plain", None)
            out.pop("benefit_cites", None)
        return out
    if isinstance(value, dict):
        return {str(k): to_data(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return [to_data(v) for v in value]
    return value
