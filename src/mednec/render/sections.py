"""The article's later parts: standard of care, the dated schedule, patient guidance, related questions.

Each function takes the article's context (its determination, policy, pack, evidence and
citation index) and returns plain data for :class:`mednec.render.model.Article`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from mednec.engine.determination import MEETS, NOT_MET
from mednec.policies.model import Pack
from mednec.render.context import ArticleContext
from mednec.render.model import Cited, CriteriaGroup, Related, ScheduleRow, TrialRow
from mednec.render.phrases import document_plain, phrase
from mednec.render.values import long_date
from mednec.states import DocumentReview

__all__ = ["patient_guidance", "related_questions", "schedule", "standard_of_care"]


def standard_of_care(b: ArticleContext) -> dict[str, Any]:
    """Mechanism, pivotal trial, guideline and regulatory status, trials, safety, monitoring, dosing."""
    ev, pol, ci = b.ev, b.policy, b.cites
    refs = b.pack.references

    def stmts(items: Any) -> tuple[Cited, ...]:
        return tuple(Cited(s.text, ci.nums(s.cites), s.status) for s in items)

    mechanism = Cited(pol.drug.mechanism, ci.nums(pol.drug.mechanism_cite)) if pol.drug.mechanism else None
    trials = tuple(TrialRow(t.name, t.design, t.result, ci.nums(t.cites)) for t in ev.key_trials)
    pivotal = None
    if trials:
        wanted = set(b.det.pathway.citations) if b.det.pathway else set()
        best = next((t for t in trials if wanted & set(t.cites)), trials[0])
        pivotal = Cited(f"{best.name}: {best.result}", best.cites)
    guideline = []
    for s in ev.guideline:
        ref = refs[s.cites[0].ref]
        issuer = ref.issuer or ref.authors or ref.title
        source = (phrase("guideline_source", issuer=issuer, version=ref.version, year=ref.year) if ref.version
                  else phrase("guideline_source_noversion", issuer=issuer, year=ref.year))
        guideline.append(Cited(s.text, ci.nums(s.cites), s.status, source))
    label = refs[ev.label]
    label_text = (phrase("current_label", title=label.title, revision=label.revision_date) if label.revision_date
                  else phrase("current_label_undated", title=label.title, year=label.year))
    regulatory = tuple(  # a date the source gives only to the month ("February 2026") leads the text
        Cited(str(r["text"]) if isinstance(r.get("date"), dt.date) or not r.get("date") else f"{r['date']}: {r['text']}",
              ci.nums(str(c) for c in r.get("cite", ())),
              date=r["date"].isoformat() if isinstance(r.get("date"), dt.date) else None)
        for r in pol.drug.regulatory
    )
    monitoring = list(stmts(ev.monitoring))
    if pol.continuation is not None and pol.continuation.stop_rule:
        monitoring.append(Cited(phrase("bottom.stop_rule", rule=pol.continuation.stop_rule),
                                ci.nums(pol.continuation.stop_cites)))
    return {
        "mechanism": mechanism,
        "pivotal": pivotal,
        "pitfalls": stmts(ev.pitfalls),
        "guideline": tuple(guideline),
        "current_label": Cited(label_text, ci.nums([ev.label])),
        "regulatory": regulatory,
        "trials": trials,
        "safety": stmts(ev.safety),
        "esa_ineligibility": stmts(b.src.evidence.esa_ineligibility),
        "monitoring": tuple(monitoring),
        "dosing": tuple(Cited(d.text, ci.nums(d.cites)) for d in pol.dosing),
        "authorization": _authorization(b),
        "emerging": stmts(ev.emerging),
    }


def _authorization(b: ArticleContext) -> dict[str, Any]:
    pol, det, ci = b.policy, b.det, b.cites
    cont = pol.continuation
    if det.phase == "continuation" and cont:
        auth = cont.authorization
        period, cites = auth.text, auth.cites
    else:
        auth = pol.initial_period(det.pathway.id if det.pathway else None)
        period, cites = pol.initial_text(), pol.initial_cites()
    out: dict[str, Any] = {"period": period, "start": None, "end": None, "cites": list(ci.nums(cites)),
                           "note": auth.note}
    if not b.general and det.authorization:
        a = det.authorization
        out.update(period=a["period"], start=a["start"], end=a["end"], cites=list(a["citations"]))
    out["continuation"] = None if cont is None else {
        "description": cont.description,
        "period": cont.authorization.text,
        "cites": list(ci.nums(cont.authorization.cites)),
        "stop_rule": cont.stop_rule,
        "stop_cites": list(ci.nums(cont.stop_cites)),
    }
    return out


def schedule(b: ArticleContext) -> tuple[ScheduleRow, ...]:
    """Milestones and the re-authorisation date, dated for this patient when approved."""
    det, pol, ci = b.det, b.policy, b.cites
    cont = pol.continuation
    a = det.authorization if not b.general and det.determination == MEETS else None
    rows: list[ScheduleRow] = []
    if det.phase == "continuation":
        if a:
            rows.append(ScheduleRow(a["start"], None, phrase("schedule.cont_start"), tuple(a["citations"])))
        if cont and cont.stop_rule:
            rows.append(ScheduleRow(None, None, phrase("schedule.stop", rule=cont.stop_rule), ci.nums(cont.stop_cites)))
    else:
        start = dt.date.fromisoformat(a["start"]) if a else None
        if a and not any(m.week == 0 for m in b.ev.schedule):
            rows.append(ScheduleRow(a["start"], 0, phrase("schedule.start"), tuple(a["citations"])))
        for m in b.ev.schedule:
            when = (start + dt.timedelta(weeks=m.week)).isoformat() if start else None
            rows.append(ScheduleRow(when, m.week, phrase("schedule.milestone", week=m.week, text=m.text),
                                    ci.nums(m.cites)))
    if a:
        rows.append(ScheduleRow(a["end"], None, phrase("schedule.ends"), tuple(a["citations"])))
        if cont is not None:
            nxt = dt.date.fromisoformat(a["end"]) + dt.timedelta(days=1)
            rows.append(ScheduleRow(
                a["end"], None,
                phrase("schedule.reauth", description=_needs(cont), period=cont.authorization.text,
                       start=nxt.isoformat(), end=cont.authorization.end_date(nxt).isoformat()),
                ci.nums(cont.authorization.cites)))
    elif cont is not None and det.phase == "initial":
        rows.append(ScheduleRow(None, None, phrase("schedule.reauth_general", initial=pol.initial_text(),
                                                   description=_needs(cont), period=cont.authorization.text),
                                ci.nums(cont.authorization.cites)))
    return tuple(rows)


def _needs(cont: Any) -> str:
    """What the continuation criteria ask for, from their top-level criteria."""
    text = "; ".join(str(n.text) for n in cont.tree.root.children if n.text) or cont.description
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


_Guidance = tuple[list[Cited], list[Cited], list[str]]  # bottom line, next steps, questions to ask


def patient_guidance(b: ArticleContext, groups: tuple[CriteriaGroup, ...]) -> dict[str, Any]:
    """The plain-language bottom line, next steps and questions for the doctor."""
    det = b.det
    bottom: list[Cited]
    nxt: list[Cited]
    asks: list[str]
    if b.general:
        bottom = [Cited(phrase("plain.general", name=b.ev.plain.name), _union(p.citations for p in det.pathways))]
        nxt, asks = [Cited(phrase("plain.general_next"))], []
    elif det.determination == MEETS:
        bottom, nxt, asks = _plain_meets(b, groups)
    elif det.determination == NOT_MET:
        bottom, nxt, asks = _plain_not_met(b, groups)
    else:
        bottom, nxt, asks = _plain_insufficient(b, groups)
    if not b.general and det.determination != NOT_MET:
        bottom[1:1] = _plain_presumed(b, groups)
    if not b.general and det.determination != MEETS:
        for alt in b.det.alternatives:
            if alt.determination == MEETS:
                alt_name = b.src.evidence.policy(alt.policy).plain.name
                bottom.append(Cited(phrase("plain.alternative", name=alt_name), b.sequence_cites(alt.policy)))
                asks.append(phrase("plain.ask_alternative", name=alt_name))
    if not b.general:
        withdrawn = b.review_status == DocumentReview.WITHDRAWN
        bottom.append(Cited(phrase("plain.withdrawn" if withdrawn else "plain.review")))
        nxt += [Cited(phrase("plain_rules.call_plan")), Cited(phrase("plain_rules.call_doctor"))]
    own = b.ev.plain.questions if b.general or det.determination == MEETS else ()
    questions = tuple(dict.fromkeys([*asks, *own, *b.src.evidence.questions]))
    return {"bottom": tuple(bottom), "next": tuple(nxt), "questions": questions}


def _plain_meets(b: ArticleContext, groups: tuple[CriteriaGroup, ...]) -> _Guidance:
    det = b.det
    cont = det.phase == "continuation"
    lead = groups[0].criteria[0].cites if cont else (det.pathway.citations if det.pathway else ())
    a: Mapping[str, Any] = det.authorization or {}
    auth_cites = tuple(a.get("citations", ()))
    bottom = [Cited(phrase("plain.meets_continuation" if cont else "plain.meets", name=b.ev.plain.name), lead),
              Cited(phrase("plain.dates", start=long_date(a.get("start")), end=long_date(a.get("end"))), auth_cites)]
    nxt = [Cited(phrase("plain.next_continuation" if cont else "plain.next_meets")),
           Cited(phrase("plain.next_reauth", date=long_date(a.get("end"))), auth_cites)]
    return bottom, nxt, []


def _plain_not_met(b: ArticleContext, groups: tuple[CriteriaGroup, ...]) -> _Guidance:
    """The reasons that deny on their own (as in the denial notice): a failing common rule, else each
    way to qualify's failing rules; in words that say what the records show."""
    bottom = [Cited(phrase("plain.not_met", name=b.ev.plain.name))]
    reasons: dict[str, tuple[int, ...]] = {}
    common = [c for g in groups if g.id in ("common", "continuation") for c in g.criteria
              if c.depth == 0 and c.status == "not_met"]
    failing = common or [c for g in groups for c in g.criteria if c.depth == 0 and c.status == "not_met"]
    for c in failing:
        words = b.ev.plain.unmet.get(c.id) or phrase("denial.fallback", rule=c.plain)
        reasons[words] = tuple(dict.fromkeys(reasons.get(words, ()) + c.cites))
    bottom += [Cited(phrase("plain.reason", rule=rule), nums) for rule, nums in reasons.items()]
    appeal_cites = b.cites.nums(c for s in b.src.evidence.appeals_plain for c in s.cites)
    nxt = [Cited(phrase("plain.next_not_met")), Cited(phrase("plain.next_appeal"), appeal_cites)]
    return bottom, nxt, [phrase("plain.ask_appeal")]


def _plain_insufficient(b: ArticleContext, groups: tuple[CriteriaGroup, ...]) -> _Guidance:
    det = b.det
    bottom = [Cited(phrase("plain.insufficient"))]
    for g in groups:
        if g.status in ("unknown", None):
            bottom += [Cited(phrase("plain.open", rule=c.plain), c.cites) for c in g.criteria
                       if c.depth == 0 and c.status == "unknown"]
    docs = ", ".join(document_plain(m.document) for m in det.missing_documentation)
    nxt = [Cited(phrase("plain.next_insufficient", documents=docs))]
    asks = [phrase("plain.ask_missing", document=document_plain(m.document))
            for m in det.missing_documentation]
    return bottom, nxt, asks


def _plain_presumed(b: ArticleContext, groups: tuple[CriteriaGroup, ...]) -> list[Cited]:
    """The rules the answer presumes, in the patient's words and with the words the patient's rule list uses
    for them: the patient's side of the answer's "Presumed, not documented; the request must attest" sentence."""
    open_ways = {g.id for g in groups if g.status == "unknown"}  # an undecided answer: the pathways still open
    ids = {a.criterion for a in b.det.assumptions
           if b.det.determination == MEETS or a.pathway in (None, "continuation") or a.pathway in open_ways}
    rows = {c.id: c for g in groups for c in g.criteria if c.id in ids}
    return [Cited(f"{c.plain} {phrase('plain_rules.presumed')}", c.cites) for c in rows.values()]


def _union(groups: Any) -> tuple[int, ...]:
    return tuple(dict.fromkeys(n for g in groups for n in g))


def _arg(name: str) -> str:
    return f'"{name}"' if " " in name else name


def _drug_arg(pack: Pack, generic: str, brands: tuple[str, ...] | list[str]) -> str:
    """The ``--drug`` name that selects this drug's policy: the generic, unless another policy of the
    pack shares it (Wegovy and Ozempic are both semaglutide, and a shared name answers for the policy
    loaded first), then the first brand no other policy answers to."""
    def fold(n: str) -> str:
        return "".join(ch for ch in n.lower() if ch.isalnum())
    taken: dict[str, int] = {}
    for p in pack.policies:
        for n in {fold(x) for x in p.names()}:
            taken[n] = taken.get(n, 0) + 1
    for name in (generic, *brands):
        if taken.get(fold(name), 0) <= 1:
            return _arg(name)
    return _arg(generic)


def related_questions(b: ArticleContext, groups: tuple[CriteriaGroup, ...]) -> tuple[Related, ...]:
    """Other questions this engine answers about the same patient or policy."""
    pol, det, case = b.policy, b.det, b.src.case_name
    drug = _drug_arg(b.pack, pol.drug.generic, pol.drug.brands)
    out: list[Related] = []
    others = [p for p in b.pack.policies if p.id != pol.id]
    if b.general:
        out.append(Related(phrase("related.specific", drug=pol.drug.generic),
                           phrase("related.cmd_report", case=case, drug=drug)))
        for p in others:
            out.append(Related(phrase("related.other_drug", drug=p.drug.generic, brands=", ".join(p.drug.brands)),
                               phrase("related.cmd_general", drug=_drug_arg(b.pack, p.drug.generic, p.drug.brands))))
        if pol.continuation is not None:
            out.append(Related(phrase("related.continuation", drug=pol.drug.generic, period=pol.initial_text()),
                               phrase("related.cmd_general_continuation", drug=drug)))
        return tuple(out)
    if det.determination != MEETS:
        out.append(Related(phrase("related.what_change", drug=pol.drug.generic),
                           phrase("related.cmd_evaluate", case=case, drug=drug)))
    for a in det.alternatives:
        out.append(Related(phrase("related.other_drug", drug=a.drug, brands=", ".join(a.brands)),
                           phrase("related.cmd_report", case=case, drug=_drug_arg(b.pack, a.drug, a.brands))))
    if det.phase == "initial" and pol.continuation is not None:
        period = det.authorization["period"] if det.authorization else pol.initial_text()
        out.append(Related(phrase("related.continuation", drug=pol.drug.generic, period=period),
                           phrase("related.cmd_continuation", case=case, drug=drug)))
    seen: dict[str, str] = {}
    for g in groups:
        for c in g.criteria:
            for e in c.evidence:
                if e.missing and e.fact not in seen:
                    seen[e.fact] = e.label
    for fact, label in list(seen.items())[:4]:
        out.append(Related(phrase("related.what_if", label=label),
                           phrase("related.cmd_what_if", fact=fact, case=case, drug=drug)))
    return tuple(out)

