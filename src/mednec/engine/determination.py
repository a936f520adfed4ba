"""The determination: what the engine decided and everything it decided it from.

Renderers and the API only present a :class:`Determination`; they never re-derive it.
``to_dict`` is the JSON form (stable key order, no timestamps other than ``as_of``), so the
same policy version and the same facts give the same bytes. ``Determination.from_dict`` reads
that form back (a stored evaluation's determination, for documents and pages): the two are
inverse, ``from_dict(d).to_dict() == d``, so what a page or a letter shows is the determination
that was stored, never a re-evaluation.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, NamedTuple, NotRequired, TypedDict, cast

from mednec.facts.factset import FactSet, FactTypes, FactValue
from mednec.jsontypes import JSONObject
from mednec.policies.references import Reference
from mednec.states import Verdict
from mednec.tri import Tri

if TYPE_CHECKING:
    from mednec.facts.dictionary import FactDictionary

__all__ = [
    "MEETS",
    "AuthorizationInfo",
    "PolicyInfo",
    "NOT_MET",
    "INSUFFICIENT",
    "Alternative",
    "Assumption",
    "presumption_line",
    "Change",
    "CitedRef",
    "CriterionResult",
    "Determination",
    "Explanation",
    "MissingDocument",
    "MissingFact",
    "PathwayResult",
    "Inferred",
    "fact_types",
]

#: The verdicts by their old names (:class:`mednec.states.Verdict` is the type).
MEETS, NOT_MET, INSUFFICIENT = Verdict.MEETS, Verdict.NOT_MET, Verdict.INSUFFICIENT


class PolicyInfo(TypedDict):
    """Which policy (and pack, fact dictionary and payer variant) a determination applied."""

    id: str
    version: str
    effective_date: str
    title: str
    drug: str
    pack: str
    pack_version: str
    fact_dictionary_version: str
    variant: NotRequired[JSONObject]  # a payer variant: Variant.to_dict()
    parameters: NotRequired[dict[str, JSONObject]]  # the parameters it changes: value, unit, default


class AuthorizationInfo(TypedDict):
    """The authorisation period a met determination gives."""

    period: str
    start: str
    end: str
    citations: list[int]
    note: str


class MissingFact(NamedTuple):
    """A fact a criterion needed and the case did not give."""

    fact: str
    label: str
    document: str
    question: str

    def to_dict(self) -> JSONObject:
        return {"fact": self.fact, "label": self.label, "missing": True,
                "document": self.document, "question": self.question}


class CriterionResult(NamedTuple):
    """One criterion's status and the evidence it was judged on."""

    id: str
    text: str
    status: Tri
    pathway: str | None
    parent: str | None
    depth: int
    condition: str
    evidence: tuple[FactValue | MissingFact, ...]
    citations: tuple[int, ...]
    documentation: tuple[str, ...]
    if_unmet: str | None
    note: str | None

    def to_dict(self) -> JSONObject:
        return {
            "id": self.id,
            "text": self.text,
            "status": self.status.value,
            "pathway": self.pathway,
            "parent": self.parent,
            "depth": self.depth,
            "condition": self.condition,
            "evidence": [e.to_dict() for e in self.evidence],
            "citations": list(self.citations),
            "documentation": list(self.documentation),
            "if_unmet": self.if_unmet,
            "note": self.note,
        }


class Assumption(NamedTuple):
    """A criterion met by presumption: its fact is undocumented, no warning sign is, and the
    request must attest ``attest`` (``why``: why the policy presumes it)."""

    criterion: str
    criterion_text: str
    pathway: str | None
    fact: str
    fact_label: str
    attest: str
    why: str
    citations: tuple[int, ...]

    def to_dict(self) -> JSONObject:
        return {"criterion": self.criterion, "criterion_text": self.criterion_text, "pathway": self.pathway,
                "fact": self.fact, "fact_label": self.fact_label, "attest": self.attest, "why": self.why,
                "citations": list(self.citations)}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Assumption:
        return cls(str(d["criterion"]), str(d.get("criterion_text", "")), d.get("pathway"), str(d["fact"]),
                   str(d.get("fact_label", "")), str(d["attest"]), str(d.get("why", "")),
                   tuple(d.get("citations", ())))


def presumption_line(assumptions: Iterable[Assumption]) -> str:
    """The sentence every summary of an answer resting on presumptions carries (the JSON ``bottom_line``, the
    article's bottom line, the information request's opening): what was presumed -- each criterion met with its
    fact undocumented -- and what the request must attest. Empty when nothing was presumed."""
    items = tuple(assumptions)
    if not items:
        return ""
    presumed = "; ".join(dict.fromkeys(a.criterion_text.rstrip(". ") for a in items))
    attest = " ".join(dict.fromkeys(a.attest.strip() for a in items))
    return f"Presumed, not documented: {presumed}; the request must attest: {attest}"


class Inferred(NamedTuple):
    """An undocumented fact a criterion's declared rule derived from other facts."""

    criterion: str
    pathway: str | None
    fact: str
    fact_label: str
    value: str  # as shown ("yes", "between 0 and 1")
    because: str  # "inferred from ..." without those words

    def to_dict(self) -> JSONObject:
        return {"criterion": self.criterion, "pathway": self.pathway, "fact": self.fact,
                "fact_label": self.fact_label, "value": self.value, "because": self.because}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Inferred:
        return cls(str(d["criterion"]), d.get("pathway"), str(d["fact"]), str(d.get("fact_label", "")),
                   str(d.get("value", "")), str(d.get("because", "")))


class PathwayResult(NamedTuple):
    """A pathway's overall status (its own criteria and the common ones)."""

    id: str
    name: str
    line: int
    status: Tri
    description: str
    citations: tuple[int, ...]

    def to_dict(self) -> JSONObject:
        return {"id": self.id, "name": self.name, "line": self.line, "status": self.status.value,
                "description": self.description, "citations": list(self.citations)}


class MissingDocument(NamedTuple):
    """A document to request, the facts it should establish and the criteria that need it."""

    document: str
    description: str
    facts: tuple[str, ...]
    questions: tuple[str, ...]
    criteria: tuple[str, ...]

    def to_dict(self) -> JSONObject:
        return {"document": self.document, "description": self.description, "facts": list(self.facts),
                "questions": list(self.questions), "criteria": list(self.criteria)}


class Change(NamedTuple):
    """What would change the answer for one unmet or unknown criterion."""

    criterion: str
    pathway: str | None
    status: Tri
    text: str

    def to_dict(self) -> JSONObject:
        return {"criterion": self.criterion, "pathway": self.pathway,
                "status": self.status.value, "text": self.text}


class Alternative(NamedTuple):
    """Another drug in the pack, evaluated for the same patient."""

    policy: str
    drug: str
    brands: tuple[str, ...]
    determination: Verdict
    pathway: str | None
    line: int | None
    sequence: str

    def to_dict(self) -> JSONObject:
        return {"policy": self.policy, "drug": self.drug, "brands": list(self.brands),
                "determination": self.determination.value, "pathway": self.pathway,
                "line": self.line, "sequence": self.sequence}


class CitedRef(NamedTuple):
    """A numbered citation: the reference and the sections cited."""

    n: int
    ref: Reference
    sections: tuple[str, ...]

    def to_dict(self) -> JSONObject:
        out: JSONObject = {"n": self.n, **self.ref.to_dict(), "text": self.ref.formatted()}
        if self.sections:
            out["sections"] = list(self.sections)
        return out


class Explanation(NamedTuple):
    """Every criterion with its evidence, what is missing, what would change, and citations."""

    criteria: tuple[CriterionResult, ...]
    missing_documentation: tuple[MissingDocument, ...]
    changes: tuple[Change, ...]
    citations: tuple[CitedRef, ...]
    assumptions: tuple[Assumption, ...] = ()
    inferences: tuple[Inferred, ...] = ()
    bottom_line: str = ""  # the answer in a sentence: what is met, likely once documented, or not met


def _evidence(data: Mapping[str, Any], types: Mapping[str, FactTypes]) -> FactValue | MissingFact:
    if data.get("missing"):
        return MissingFact(str(data["fact"]), str(data.get("label", "")), str(data.get("document", "")),
                           str(data.get("question", "")))
    return FactValue.from_dict(data, types.get(str(data["fact"])))


def _pathway(data: Mapping[str, Any]) -> PathwayResult:
    return PathwayResult(str(data["id"]), str(data["name"]), int(data["line"]), Tri(data["status"]),
                         str(data.get("description", "")), tuple(data.get("citations", ())))


def _criterion(data: Mapping[str, Any], types: Mapping[str, FactTypes]) -> CriterionResult:
    return CriterionResult(
        str(data["id"]), str(data["text"]), Tri(data["status"]), data.get("pathway"), data.get("parent"),
        int(data.get("depth", 0)), str(data.get("condition", "")),
        tuple(_evidence(e, types) for e in data.get("evidence", ())), tuple(data.get("citations", ())),
        tuple(data.get("documentation", ())), data.get("if_unmet"), data.get("note"),
    )


def _cited(data: Mapping[str, Any]) -> CitedRef:
    ref = Reference(**{k: data[k] for k in Reference._fields if k in data})
    return CitedRef(int(data["n"]), ref, tuple(data.get("sections", ())))


def fact_types(dictionary: FactDictionary) -> dict[str, FactTypes]:
    """Each fact's type (and its event fields' types), to read fact values back from JSON."""
    return {k: (fd.type, {n: f.type for n, f in fd.fields.items()}) for k, fd in dictionary.facts.items()}


@dataclass(frozen=True)
class Benefit:
    """A use of the drug the plan's benefit does not cover: ``status`` ``excluded`` (every way the
    request can qualify is an excluded use) or ``excluded_for_some_uses`` (``pathways`` lists the
    excluded ones, others remain). The rule and its sources are named; this is a coverage finding,
    never a clinical one."""

    status: str
    rule: str
    benefit: str
    program: str | None
    text: str
    pathways: tuple[str, ...]
    sources: tuple[dict[str, str], ...]  # {"id", "text"} per citation
    pathway_names: tuple[str, ...] = ()  # the excluded pathways by name, as documents print them

    WORDING = "not covered by this plan's benefit"

    def statement(self) -> str:
        """One sentence for every surface: what is excluded, by which rule, and that the clinical
        determination is separate."""
        scope = "" if self.status == "excluded" else f" for {'; '.join(self.pathway_names or self.pathways)}"
        src = "; ".join(s["text"] for s in self.sources)
        return (f"Benefit: {self.WORDING}{scope}. {self.text} ({self.benefit}; {src}). This is a coverage "
                f"exclusion, not a clinical finding: the medical-necessity determination stands as stated.")

    def to_dict(self) -> JSONObject:
        return {"status": self.status, "wording": self.WORDING, "rule": self.rule, "benefit": self.benefit,
                "program": self.program, "text": self.text, "pathways": list(self.pathways),
                "pathway_names": list(self.pathway_names), "sources": [dict(s) for s in self.sources],
                "statement": self.statement()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Benefit:
        return cls(str(data["status"]), str(data["rule"]), str(data["benefit"]), data.get("program"),
                   str(data["text"]), tuple(data.get("pathways", ())),
                   tuple({"id": str(s["id"]), "text": str(s["text"])} for s in data.get("sources", ())),
                   tuple(map(str, data.get("pathway_names", ()))))


@dataclass(frozen=True, eq=False)
class Determination:
    """The full result of evaluating one policy for one patient.

    The verdict, pathway statuses, alternatives, authorisation and input hash are decided
    when the determination is made; the per-criterion explanation (evidence, missing
    documentation, changes, numbered citations) is assembled from the recorded node
    statuses on first access and then kept.
    """

    determination: Verdict
    phase: str
    pathway: PathwayResult | None
    pathways: tuple[PathwayResult, ...]
    alternatives: tuple[Alternative, ...]
    policy: PolicyInfo
    authorization: AuthorizationInfo | None
    as_of: dt.date
    input_hash: str
    notes: tuple[str, ...]
    fact_set: FactSet = field(repr=False)
    explain: Callable[[], Explanation] = field(repr=False)
    #: a use the plan's benefit excludes (the clinical determination stands beside it)
    benefit: Benefit | None = None

    @cached_property
    def explanation(self) -> Explanation:
        return self.explain()

    @property
    def criteria(self) -> tuple[CriterionResult, ...]:
        return self.explanation.criteria

    @property
    def missing_documentation(self) -> tuple[MissingDocument, ...]:
        return self.explanation.missing_documentation

    @property
    def changes(self) -> tuple[Change, ...]:
        return self.explanation.changes

    @property
    def citations(self) -> tuple[CitedRef, ...]:
        return self.explanation.citations

    @property
    def bottom_line(self) -> str:
        """The answer in a sentence: "Likely to meet once these are documented: ..." for an
        undecided answer that documentation could settle, the pathway met, or what is not met."""
        return self.explanation.bottom_line

    @property
    def assumptions(self) -> tuple[Assumption, ...]:
        """The presumptions the answer rests on (statements the request must attest)."""
        return self.explanation.assumptions

    @property
    def inferences(self) -> tuple[Inferred, ...]:
        """Undocumented facts derived by a declared rule from other facts."""
        return self.explanation.inferences

    @property
    def facts(self) -> tuple[FactValue, ...]:
        """Every fact used, given and derived, sorted by id."""
        return tuple(self.fact_set[k] for k in sorted(self.fact_set))

    @property
    def requires_physician_review(self) -> bool:
        """An adverse or incomplete determination is a recommendation until a physician signs."""
        return self.determination != MEETS

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], dictionary: FactDictionary | None = None) -> Determination:
        """The determination whose :meth:`to_dict` is ``data`` (a stored evaluation's result).

        ``dictionary`` gives the facts' types, so dates and numbers come back as the engine made
        them; without it, dates stay ISO strings. The review block is derived, not read.
        """
        types = fact_types(dictionary) if dictionary is not None else {}
        as_of = dt.date.fromisoformat(str(data["as_of"]))
        facts = {f["fact"]: FactValue.from_dict(f, types.get(f["fact"])) for f in data.get("facts", ())}
        explanation = Explanation(
            criteria=tuple(_criterion(c, types) for c in data.get("criteria", ())),
            missing_documentation=tuple(
                MissingDocument(str(m["document"]), str(m.get("description", "")), tuple(m.get("facts", ())),
                                tuple(m.get("questions", ())), tuple(m.get("criteria", ())))
                for m in data.get("missing_documentation", ())),
            changes=tuple(Change(str(c["criterion"]), c.get("pathway"), Tri(c["status"]), str(c.get("text", "")))
                          for c in data.get("what_would_change", ())),
            citations=tuple(_cited(c) for c in data.get("citations", ())),
            assumptions=tuple(Assumption.from_dict(a) for a in data.get("assumptions", ())),
            inferences=tuple(Inferred.from_dict(x) for x in data.get("inferences", ())),
            bottom_line=str(data.get("bottom_line", "")),
        )
        return cls(
            determination=Verdict(data["determination"]),
            phase=str(data["phase"]),
            pathway=_pathway(data["pathway"]) if data.get("pathway") else None,
            pathways=tuple(_pathway(p) for p in data.get("pathways", ())),
            alternatives=tuple(
                Alternative(str(a["policy"]), str(a["drug"]), tuple(a.get("brands", ())), Verdict(a["determination"]),
                            a.get("pathway"), a.get("line"), str(a.get("sequence", "")))
                for a in data.get("alternatives", ())),
            policy=cast(PolicyInfo, dict(data.get("policy") or {})),  # JSON enters here
            authorization=cast(AuthorizationInfo, dict(data["authorization"])) if data.get("authorization") else None,
            as_of=as_of,
            input_hash=str(data.get("input_hash", "")),
            notes=tuple(data.get("notes", ())),
            fact_set=FactSet(facts, as_of),
            explain=lambda: explanation,
            benefit=Benefit.from_dict(data["benefit"]) if data.get("benefit") else None,
        )

    def criterion(self, criterion_id: str) -> CriterionResult:
        """The result of one criterion by id."""
        return next(c for c in self.criteria if c.id == criterion_id)

    def to_dict(self) -> JSONObject:
        out = self._to_dict()
        if self.benefit is not None:  # only under a plan whose benefit excludes this use
            out["benefit"] = self.benefit.to_dict()
        return out

    def _to_dict(self) -> JSONObject:
        return {
            "determination": self.determination.value,
            "phase": self.phase,
            "bottom_line": self.bottom_line,
            "pathway": self.pathway.to_dict() if self.pathway else None,
            "pathways": [p.to_dict() for p in self.pathways],
            "criteria": [c.to_dict() for c in self.criteria],
            "assumptions": [a.to_dict() for a in self.assumptions],
            "inferences": [x.to_dict() for x in self.inferences],
            "missing_documentation": [m.to_dict() for m in self.missing_documentation],
            "what_would_change": [c.to_dict() for c in self.changes],
            "alternatives": [a.to_dict() for a in self.alternatives],
            "citations": [c.to_dict() for c in self.citations],
            # a PolicyInfo and an AuthorizationInfo hold JSON values only (their TypedDicts say which)
            "policy": cast(JSONObject, self.policy),
            "authorization": cast(JSONObject | None, self.authorization),
            "review": {
                "status": "recommendation",
                "requires_physician_review": self.requires_physician_review,
                "note": (
                    "An adverse or incomplete determination is a recommendation until a "
                    "physician reviewer approves it."
                    if self.requires_physician_review
                    else "Meets the policy criteria; final once the review workflow approves it."
                ),
            },
            "as_of": self.as_of.isoformat(),
            "input_hash": self.input_hash,
            "notes": list(self.notes),
            "facts": [f.to_dict() for f in self.facts],
        }
