"""Determination -> :class:`Article`: the answer as a structured document.

The article restates the question, gives a cited bottom line, then (1) medical necessity for
this patient -- every criterion with its status and evidence, the pathway, the treatment
sequence, the documents present and missing, the clinical rationale and common pitfalls --
and (2) the standard of care -- guideline and regulatory status, key trials, safety, ESA
ineligibility, monitoring with a dated re-authorisation schedule, emerging evidence -- with a
numbered reference list, related questions and a disclaimer for the audience.

It only presents: statuses, evidence and citation numbers come from the determination; the
sentences come from ``templates/phrases.yaml`` and the pack's ``evidence.yaml``. Example::

    det = rt.evaluate(case.facts, "luspatercept")
    art = build_article(det, ArticleSources.for_policy(rt, det))
    art.bottom_line[0].text   # 'luspatercept-aamt meets the medical-necessity criteria ...'
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from mednec.engine.determination import INSUFFICIENT, MEETS, NOT_MET, CriterionResult, Determination, presumption_line
from mednec.facts.factset import FactSet
from mednec.policies.model import Policy
from mednec.render.common import VERDICT_WORD
from mednec.render.context import ArticleContext, ArticleSources
from mednec.render.model import (
    AltRow,
    Article,
    Cited,
    CriteriaGroup,
    CriterionRow,
    DocumentRow,
    MissingRow,
    SequenceDrug,
    SequenceRow,
)
from mednec.render.phrases import document_plain, phrase
from mednec.render.plain import facts_in_words
from mednec.render.sections import patient_guidance, related_questions, schedule, standard_of_care
from mednec.render.sequence import pathway_steps, step_verdict
from mednec.render.values import is_attached, short_finding
from mednec.states import Audience, DocumentReview

__all__ = ["AUDIENCES", "REVIEW_STATUSES", "ArticleSources", "build_article", "general_article"]

AUDIENCES = tuple(a.value for a in Audience)
REVIEW_STATUSES = tuple(s.value for s in DocumentReview)
_STATUS = {"met": "met", "not_met": "not_met", "unknown": "unknown"}
_VERDICT_STATUS = {MEETS: "met", NOT_MET: "not_met", INSUFFICIENT: "unknown"}


def general_article(src: ArticleSources, *, as_of: dt.date, phase: str = "initial", audience: str = "clinician",
                    review_status: str = "submitted") -> Article:
    """The article without a patient: the criteria described in general."""
    from mednec.engine.evaluate import evaluate

    det = evaluate(src.policy, FactSet({}, as_of), src.pack, src.dictionary, phase=phase)
    return build_article(det, src, audience=audience, review_status=review_status, general=True)


def build_article(det: Determination, src: ArticleSources, *, audience: str = "clinician",
                  review_status: str = "submitted", general: bool = False) -> Article:
    """Build the article for ``det``; ``audience`` selects only the disclaimer (and templates)."""
    if audience not in AUDIENCES:
        raise ValueError(f"audience must be one of {AUDIENCES}")
    if review_status not in REVIEW_STATUSES:
        raise ValueError(f"review_status must be one of {REVIEW_STATUSES}")
    return _Builder(det, src, general).build(audience, DocumentReview(review_status))


class _Builder(ArticleContext):
    """Builds one article from its context."""

    # -- the parts -------------------------------------------------------------------------
    def build(self, audience: str, review_status: DocumentReview) -> Article:
        det, general = self.det, self.general
        self.review_status = review_status
        groups = self.groups()
        bottom = self.bottom_line(groups)
        soc = standard_of_care(self)
        sched = schedule(self)
        guidance = patient_guidance(self, groups)
        related = related_questions(self, groups)
        facts = () if general else tuple(self.item(f) for f in det.facts)
        pathway = det.pathway
        return Article(
            document="article",
            audience=audience,
            general=general,
            title=self.question(),
            title_plain=self.question_plain(),
            review={"status": review_status.value,
                    "label": phrase("review.general" if general else f"review.{review_status}"),
                    "requires_physician_review": general or det.requires_physician_review},
            last_updated=det.as_of.isoformat(),
            versions={
                "policy": {k: det.policy[k] for k in ("id", "version", "effective_date", "title")},
                "pack": {"id": self.pack.id, "version": self.pack.version, "title": self.pack.title},
                "fact_dictionary": self.dictionary.version,
                "evidence": self.src.evidence.version,
                "input_hash": None if general else det.input_hash,
            },
            drug={"generic": self.drug, "brands": list(self.policy.drug.brands), "plain_name": self.ev.plain.name,
                  "drug_class": self.policy.drug.drug_class, "what_plain": self.ev.plain.what,
                  "hcpcs": [dict(h) for h in self.policy.drug.hcpcs]},
            patient=self.patient(),
            determination={
                "code": None if general else det.determination,
                "label": "" if general else VERDICT_WORD[det.determination],
                "plain": phrase(f"verdict_plain.{det.determination}") if not general else "",
                "phase": det.phase,
                "pathway": None if pathway is None else {"id": pathway.id, "name": pathway.name, "line": pathway.line,
                                                         "step": self.steps.get(pathway.id)},
            },
            bottom_line=bottom,
            bottom_line_plain=guidance["bottom"],
            groups=groups,
            sequence=self.sequence(),
            alternatives=self.alternatives(),
            documents=self.documents(groups),
            missing=self.missing(groups),
            changes=self.changes(),
            assumptions=() if general else tuple(dict.fromkeys(  # one statement resting several criteria: once
                Cited(a.attest, a.citations) for a in det.assumptions)),
            inferences=() if general else tuple(
                Cited(f"{x.fact_label}: {x.value}, inferred from {x.because}.") for x in det.inferences),
            benefit=None if general or det.benefit is None else det.benefit.statement(),
            benefit_plain=None if general or det.benefit is None else (
                f"Your plan's benefit does not cover {self.drug} for this use ({det.benefit.benefit}): "
                f"{det.benefit.text}. This is a rule of the plan, not a judgement about your health; "
                "what the records show about medical need is explained below."),
            benefit_cites=() if general or det.benefit is None else self.cites.nums(
                [s["id"] for s in det.benefit.sources if s["id"] in self.pack.references]),
            timeframes=self.adverse(self.src.evidence.timeframes, (NOT_MET, INSUFFICIENT)) + self.program_rows(),
            timeframes_plain=self.adverse(self.src.evidence.timeframes_plain, (NOT_MET, INSUFFICIENT)),
            appeals=self.adverse(self.src.evidence.appeals, (NOT_MET,)),
            appeals_plain=self.adverse(self.src.evidence.appeals_plain, (NOT_MET,)),
            mechanism=soc["mechanism"],
            pivotal=soc["pivotal"],
            pitfalls=soc["pitfalls"],
            guideline=soc["guideline"],
            label_status=self.policy.label_status,
            current_label=soc["current_label"],
            regulatory=soc["regulatory"],
            trials=soc["trials"],
            safety=soc["safety"],
            esa_ineligibility=soc["esa_ineligibility"],
            monitoring=soc["monitoring"],
            dosing=soc["dosing"],
            authorization=soc["authorization"],
            schedule=sched,
            emerging=soc["emerging"],
            facts=facts,
            notes=() if general else tuple(det.notes),
            next_steps_plain=guidance["next"],
            questions_plain=guidance["questions"],
            related=related,
            references=self.cites.rows(),
            disclaimer=phrase(f"disclaimer.{audience}"),
            facts_plain=() if general else facts_in_words(self.det, self.dictionary, self.cites),
            side_effects_plain=tuple(Cited(s.text, self.cites.nums(s.cites)) for s in self.ev.plain.side_effects),
        )

    def patient(self) -> dict[str, Any]:
        fs = self.det.fact_set
        age, sex, dx = fs.value("age"), fs.value("sex"), fs.get("diagnosis")
        diagnosis = ""
        if dx is not None:
            fd = self.dictionary.facts["diagnosis"]
            label = fd.values[dx.value].label if dx.value in fd.values else str(dx.value)
            diagnosis = f"{label.lower()} ({dx.value})"
        if self.general:
            summary = phrase("patient_unknown")
        elif age is not None and sex in ("male", "female") and diagnosis:
            summary = phrase("patient", age=f"{age:g}", sex=sex, diagnosis=diagnosis)
        elif diagnosis:
            summary = phrase("patient_noage", diagnosis=diagnosis)
        else:
            summary = phrase("patient_unknown")
        return {"summary": summary, "age": age, "sex": sex, "diagnosis": diagnosis,
                "case": self.src.case_name, "case_title": self.src.case_title}

    def question(self) -> str:
        if self.general:
            # the policy's own use ("... for type 2 diabetes"), never one pack's condition for every policy
            _, sep, use = self.policy.title.partition(" for ")
            return phrase("question_general", drug=self.drug, brands=self.brands,
                          condition=use if sep else phrase("condition"))
        key = "question_continuation" if self.det.phase == "continuation" else "question"
        return phrase(key, drug=self.drug, brands=self.brands, patient=self.patient()["summary"])

    def question_plain(self) -> str:
        if self.general:
            return phrase("question_plain_general", name=self.ev.plain.name)
        key = "question_plain_continuation" if self.det.phase == "continuation" else "question_plain"
        return phrase(key, name=self.ev.plain.name)

    def criterion_row(self, c: CriterionResult) -> CriterionRow:
        evidence = () if self.general else tuple(self.item(e) for e in c.evidence)
        return CriterionRow(
            c.id, c.text, self.ev.plain.criteria.get(c.id, c.text),
            None if self.general else _STATUS[c.status.value], c.depth, c.parent, c.condition, evidence,
            c.citations, c.documentation, c.if_unmet, c.note, self.ev.plain.unmet.get(c.id, ""),
        )

    def groups(self) -> tuple[CriteriaGroup, ...]:
        det = self.det
        rows: dict[str | None, list[CriterionRow]] = {}
        for c in det.criteria:
            rows.setdefault(c.pathway, []).append(self.criterion_row(c))
        if det.phase == "continuation":
            cont = self.policy.continuation
            assert cont is not None
            status = None if self.general else _VERDICT_STATUS[det.determination]
            return (CriteriaGroup("continuation", "Continuation criteria", "Rules to keep getting it", None, status,
                                  cont.description,
                                  (), tuple(rows.get("continuation", ()))),)
        out = [CriteriaGroup("common", "Criteria every pathway needs", "Rules for everyone", None, None, "", (),
                             tuple(rows.get(None, ())))]
        for p in det.pathways:
            out.append(CriteriaGroup(p.id, p.name, self.ev.plain.pathways[p.id], self.steps.get(p.id),
                                     None if self.general else _STATUS[p.status.value],
                                     p.description, p.citations, tuple(rows.get(p.id, ()))))
        return tuple(out)

    def bottom_line(self, groups: tuple[CriteriaGroup, ...]) -> tuple[Cited, ...]:
        det, pol = self.det, self.policy
        base = {"drug": self.drug, "policy": pol.id, "version": pol.version}
        if self.general:
            return self._general_bottom()
        out: list[Cited] = []
        cont = det.phase == "continuation"
        if det.determination == MEETS:
            out += self._met_lines(groups, base)
        elif det.determination == NOT_MET:
            out.append(Cited(phrase("bottom.not_met_continuation" if cont else "bottom.not_met", **base)))
            if det.bottom_line.startswith("Would not meet"):  # documents would not change it
                out.append(Cited(det.bottom_line))
            for c in _reasons(groups):
                findings = "; ".join(short_finding(e) for e in c.evidence) or c.condition
                out.append(Cited(phrase("bottom.unmet", criterion=c.text, findings=findings), c.cites))
            out += self._alternative_lines()
        else:
            open_paths = [f"the pathway “{g.title}”" for g in groups[1:] if g.status == "unknown"]
            if det.bottom_line:  # first: which pathway the missing documents would likely settle
                out.append(Cited(det.bottom_line))
            if cont:
                out.append(Cited(phrase("bottom.insufficient_continuation", drug=self.drug)))
            else:
                out.append(Cited(phrase("bottom.insufficient", drug=self.drug, open=" and ".join(open_paths))))
            docs = "; ".join(m.description for m in det.missing_documentation)
            crit_ids = {cid for m in det.missing_documentation for cid in m.criteria}
            nums = _union(c.cites for g in groups for c in g.criteria if c.id in crit_ids and c.status == "unknown")
            out.append(Cited(phrase("bottom.send", documents=docs), nums))
            out += self._alternative_lines()
        out.append(Cited(phrase(self._review_line())))
        return tuple(out)

    def _met_lines(self, groups: tuple[CriteriaGroup, ...], base: Mapping[str, Any]) -> list[Cited]:
        """A met answer's bottom line: the pathway (or the continuation) met, what was presumed and what the
        request must attest (the answer's own ``bottom_line`` sentence), the decisive findings, the period."""
        det = self.det
        out: list[Cited] = []
        if det.phase == "continuation":
            out.append(Cited(phrase("bottom.meets_continuation", **base), groups[0].criteria[0].cites))
            top = _decisive(groups[0].criteria)
        else:
            p = det.pathway
            assert p is not None
            out.append(Cited(phrase("bottom.meets", pathway=p.name, step=self.steps.get(p.id), description=p.description,
                                    **base), p.citations))
            top = _decisive(next(g.criteria for g in groups if g.id == p.id))
        if det.assumptions:
            out.append(Cited(presumption_line(det.assumptions), _union(a.citations for a in det.assumptions)))
        decisive = _unique(short_finding(e) for c in top for e in c.evidence if not e.missing)
        out.append(Cited(phrase("bottom.decisive", findings="; ".join(decisive)), _union(c.cites for c in top)))
        a: Mapping[str, Any] = det.authorization or {}
        out.append(Cited(phrase("bottom.authorization", period=a.get("period"), start=a.get("start"),
                                end=a.get("end")), tuple(a.get("citations", ()))))
        return out

    def _review_line(self) -> str:
        """The phrase that closes the bottom line: the decision made, a withdrawal, or the review to come."""
        if self.review_status.is_decided:  # a physician reviewer decided
            return f"bottom.decided_{self.review_status}"
        return "bottom.withdrawn" if self.review_status == DocumentReview.WITHDRAWN else "bottom.review"

    def _general_bottom(self) -> tuple[Cited, ...]:
        pol = self.policy
        base = {"drug": self.drug, "policy": pol.id, "version": pol.version,
                "effective": pol.effective_date.isoformat()}
        if self.det.phase == "continuation":
            assert pol.continuation is not None
            out = [Cited(phrase("bottom.general_continuation", description=pol.continuation.description, **base),
                         self.cites.nums(pol.continuation.authorization.cites))]
        else:
            names = "; ".join(f"{p.name} (step {self.steps.get(p.id)})" for p in self.det.pathways)
            out = [Cited(phrase("bottom.general", pathways=names, **base),
                         _union(p.citations for p in self.det.pathways))]
        if pol.continuation is not None:
            out.append(Cited(phrase("bottom.general_authorization", initial=pol.initial_text(),
                                    continuation=pol.continuation.authorization.text),
                             self.cites.nums(pol.initial_cites() + pol.continuation.authorization.cites)))
        return tuple(out)

    def _alternative_lines(self) -> list[Cited]:
        out = []
        for a in self.det.alternatives:
            if a.determination == MEETS:
                out.append(Cited(phrase("bottom.alternative", drug=a.drug, step=a.sequence),
                                 self.sequence_cites(a.policy)))
        return out

    def sequence(self) -> tuple[SequenceRow, ...]:
        """The pack's treatment sequence with each drug's result at each step: the result of its
        pathways at that step (:mod:`mednec.render.sequence`), the same model as the bottom line."""
        by_id = {p.id: p for p in self.pack.policies}
        rows = []
        for i, step in enumerate(self.pack.sequence, start=1):
            drugs = []
            for pid in step.policies:
                p = by_id[pid]
                requested = pid == self.policy.id
                verdict = None if self.general else step_verdict(pathway_steps(self.pack, p), self._statuses(p), i)
                drugs.append(SequenceDrug(pid, p.drug.generic, tuple(p.drug.brands), requested, verdict))
            rows.append(SequenceRow(i, step.text, self.cites.nums(step.cites), tuple(drugs)))
        return tuple(rows)

    def _statuses(self, p: Policy) -> dict[str, str]:
        """pathway id -> met / not_met / unknown for the requested drug or an alternative."""
        if p.id == self.policy.id:
            if self.det.phase == "continuation":
                return {}
            return {r.id: r.status.value for r in self.det.pathways}
        alt = self.alt_map.get(p.id)
        if alt is None:
            return {}
        if alt.determination == MEETS:
            return {alt.pathway: "met"} if alt.pathway else {}
        word = "not_met" if alt.determination == NOT_MET else "unknown"
        return {q.id: word for q in p.pathways}

    def alternatives(self) -> tuple[AltRow, ...]:
        plain = self.src.evidence.policies
        return tuple(
            AltRow(a.policy, a.drug, a.brands, plain[a.policy].plain.name if a.policy in plain else a.drug,
                   a.determination, a.pathway, a.line, a.sequence)
            for a in self.det.alternatives
        )

    def documents(self, groups: tuple[CriteriaGroup, ...]) -> tuple[DocumentRow, ...]:
        det = self.det
        if not self.general and det.determination == MEETS and det.pathway is not None:
            relevant = [g for g in groups if g.id in ("common", det.pathway.id)]
        else:
            relevant = list(groups)
        needed: dict[str, list[str]] = {}
        names = self._criterion_names(groups)
        for g in relevant:
            for c in g.criteria:
                for d in c.documentation:
                    ids = needed.setdefault(d, [])
                    if c.id not in ids:
                        ids.append(c.id)
        missing = {m.document for m in det.missing_documentation}
        facts_by_doc: dict[str, set[str]] = {}
        for fid, fd in self.dictionary.facts.items():
            facts_by_doc.setdefault(fd.document, set()).add(fid)
        rows = []
        for d, crits in needed.items():
            status: str | None
            if self.general:
                status = None
            elif d in missing:
                status = "missing"
            elif any(f in det.fact_set and is_attached(det.fact_set[f].provenance.source)
                     for f in facts_by_doc.get(d, ())):
                status = "present"  # read from an uploaded document or a FHIR resource
            elif any(f in det.fact_set for f in facts_by_doc.get(d, ())):
                status = "stated"  # the facts were stated (question, form, case file); nothing attached
            else:
                status = "not_provided"
            rows.append(DocumentRow(d, self.dictionary.document_text(d, self.pack.id), _doc_plain(d), status,
                                    tuple(crits), tuple(names.get(c, c) for c in crits)))
        return tuple(rows)

    @staticmethod
    def _criterion_names(groups: tuple[CriteriaGroup, ...]) -> dict[str, str]:
        """Criterion id -> its text, first one wins (a shared criterion reads the same everywhere)."""
        out: dict[str, str] = {}
        for g in groups:
            for c in g.criteria:
                out.setdefault(c.id, c.text)
        return out

    def missing(self, groups: tuple[CriteriaGroup, ...]) -> tuple[MissingRow, ...]:
        if self.general or self.det.determination != INSUFFICIENT:
            return ()
        names = self._criterion_names(groups)
        return tuple(MissingRow(m.document, m.description, _doc_plain(m.document), m.facts, m.questions, m.criteria,
                                tuple(names.get(c, c) for c in m.criteria))
                     for m in self.det.missing_documentation)

    def adverse(self, statements: Any, verdicts: tuple[str, ...]) -> tuple[Cited, ...]:
        """Decision timeframes and appeal rights, for the verdicts they apply to (a use the plan's
        benefit excludes is denied whatever the clinical verdict: its rights are a denial's)."""
        if self.general or self.appealed not in verdicts:
            return ()
        return tuple(Cited(s.text, self.cites.nums(s.cites), s.status) for s in statements)

    @property
    def appealed(self) -> str:
        """The verdict whose rights the documents state: not met when the plan's benefit
        excludes the use (a coverage denial), else the clinical determination."""
        b = self.det.benefit
        return NOT_MET if b is not None and b.status == "excluded" else self.det.determination

    def program_rows(self) -> tuple[Cited, ...]:
        """The timeframe table, one line per program (for a decision that can be appealed)."""
        if self.general or self.appealed not in (NOT_MET, INSUFFICIENT):
            return ()
        out = []
        for p in self.src.evidence.programs.values():
            def part(value: str) -> str:
                return value or phrase("timeframe.by_plan")
            text = phrase("timeframe.row", program=p.label, standard=part(p.standard), expedited=part(p.expedited),
                          deadline=part(p.appeal_deadline), appeal=part(p.appeal_expedited))
            out.append(Cited(text, self.cites.nums(p.cites)))
        return tuple(out)

    def changes(self) -> tuple[Cited, ...]:
        if self.general:
            return ()
        index = {(c.id, c.pathway): c for c in self.det.criteria}
        out = []
        for ch in self.det.changes:
            c = index.get((ch.criterion, ch.pathway))
            text = f"{c.text}: {ch.text}" if c else ch.text
            out.append(Cited(text, c.citations if c else ()))
        return tuple(out)


def _doc_plain(doc: str) -> str:
    return document_plain(doc)


def _unique(items: Any) -> list[str]:
    return list(dict.fromkeys(items))


def _union(groups: Any) -> tuple[int, ...]:
    out: list[int] = []
    for g in groups:
        for n in g:
            if n not in out:
                out.append(n)
    return tuple(out)


def _decisive(rows: tuple[CriterionRow, ...]) -> list[CriterionRow]:
    """The met criteria that no met sub-criterion explains further: where the answer came from."""
    met = [c for c in rows if c.status == "met"]
    explained = {c.parent for c in met if c.parent}
    return [c for c in met if c.id not in explained]


def _reasons(groups: tuple[CriteriaGroup, ...]) -> list[CriterionRow]:
    """Top-level criteria that are not met, common criteria first, each once."""
    seen: set[tuple[str, str]] = set()
    out = []
    for g in groups:
        for c in g.criteria:
            if c.depth == 0 and c.status == "not_met" and (g.id, c.id) not in seen:
                seen.add((g.id, c.id))
                out.append(c)
    return out
