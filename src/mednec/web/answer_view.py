"""The answer page's values: the article, the review widget, documents, related questions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mednec.documents import visible_documents
from mednec.engine.determination import INSUFFICIENT, Determination
from mednec.states import Decision, ReviewState
from mednec.store.attach import ATTACHABLE
from mednec.store.models import Case, Evaluation, ReviewAction
from mednec.store.status import status_of
from mednec.store.workflow import OPEN_STATES, TRANSITIONS
from mednec.web import article
from mednec.web.core import AUDIENCES, Ctx

if TYPE_CHECKING:
    from mednec.runtime import Runtime

__all__ = ["FOLLOWUP_EXAMPLES", "Preview", "answer_values", "followup_facts", "related_links", "reviewer_details", "steps"]

# The follow-up box's example, in the words of the answer's own pack (an MDS example under a
# Wegovy answer asked about a drug and a lab the patient has nothing to do with).
FOLLOWUP_EXAMPLES = {
    "mds_anemia": "“What if the serum EPO were 600 mU/mL?” or “What about imetelstat?”",
    "glp1_weight_diabetes": "“What if the BMI were 28?” or “What about Zepbound?”",
    "ldl_lowering": "“What if the LDL-C were 60 mg/dL?” or “What about Leqvio?”",
}

S = ReviewState
#: the states a reviewer has decided in
FINAL = tuple(s for s in ReviewState if s.is_final)
#: roles shown the reviewer-details disclosure (ids and provenance); requesters and patients never are
INTERNALS_ROLES = ("physician_reviewer", "auditor", "admin")


@dataclass
class Preview:
    """A "what if" answer computed for the page only: not stored, not reviewed."""

    det: Determination
    changes: list[str]
    drug: str
    phase: str
    data: dict[str, Any]
    facts_changed: bool
    question: str = ""
    understood: list[str] = field(default_factory=list)


def steps(state: str, decision: str | None = None, appealed: bool = False) -> list[dict[str, str]]:
    """The review widget: Submitted / Under review / the decision, each done, current, stopped or
    to do, with the status's tone. The third step names the decision made (Approved, Denied, ...
    from :func:`mednec.store.status.status_of`), and only "Decision" while none is made."""
    st = status_of(state, decision, appealed)
    if st.final:
        return [{"label": "Submitted", "mark": "done", "tone": ""},
                {"label": "Under review (appeal)" if appealed else "Under review", "mark": "done", "tone": ""},
                {"label": st.label, "mark": "done", "tone": st.tone}]
    if state == S.SUBMITTED:
        marks = ["current", "todo", "todo"]
    elif state in OPEN_STATES:  # under review, or an appeal waiting for a reviewer
        marks = ["done", "current", "todo"]
    else:  # changes or information requested: back with the requester
        marks = ["done", "stopped", "todo"]
    second = st.label if state != S.SUBMITTED else "Under review"
    return [{"label": "Submitted", "mark": marks[0], "tone": ""}, {"label": second, "mark": marks[1], "tone": ""},
            {"label": "Decision", "mark": marks[2], "tone": ""}]


def followup_facts(ctx: Ctx) -> list[Any]:
    """Facts a follow-up may change in one step (not lists, not calculated)."""
    d = ctx.service.runtime.dictionary
    return [f for f in d.facts.values() if f.may_give and f.type in ("number", "boolean", "category")]


def related_links(ev_id: str, result: dict[str, Any], ctx: Ctx, audience: str) -> list[tuple[str, str]]:
    """Questions the engine answers about the same patient, as links that run them (each keeps
    the reader's audience, before any ``#`` fragment)."""
    rt = ctx.service.runtime
    base = f"/answers/{ev_id}"
    aud = f"audience={_q(audience)}"
    out: list[tuple[str, str]] = []
    for a in result.get("alternatives", []):
        brands = f" ({', '.join(a.get('brands') or [])})" if a.get("brands") else ""
        out.append((f"Is {a['drug']}{brands} medically necessary for this patient?",
                    f"{base}/follow-up?drug={_q(a['drug'])}&{aud}"))
    pid = result.get("policy", {}).get("id")
    policy = next((p for p in rt.catalog.policies() if p.id == pid), None)
    if policy is not None and result.get("phase") == "initial" and policy.continuation is not None:
        period = (result.get("authorization") or {}).get("period") or policy.initial_text()
        out.append((f"What will re-authorisation of {policy.drug.generic} require after "
                     f"{period}?", f"{base}/follow-up?phase=continuation&{aud}"))
    for fact, label in _missing_facts(result, rt)[:4]:
        out.append((what_if_question(label), f"{base}?ask_fact={_q(fact)}&{aud}#follow-up"))
    if audience != "patient":
        out.append(("How would I explain this answer to the patient?", f"{base}?audience=patient"))
    return out


def _missing_facts(result: dict[str, Any], rt: Runtime) -> list[tuple[str, str]]:
    """(fact, label) of the undocumented facts a follow-up can set in one step, in criteria order."""
    seen: dict[str, str] = {}
    for c in result.get("criteria", []):
        for e in c.get("evidence", []):
            fd = rt.dictionary.facts.get(e.get("fact"))
            if e.get("missing") and fd is not None and e["fact"] not in seen \
                    and fd.type in ("number", "boolean", "category"):
                seen[e["fact"]] = e.get("label") or fd.label
    return list(seen.items())


def what_if_question(label: str) -> str:
    """A what-if question about an undocumented fact that reads well whatever the label's grammar
    ("Serum erythropoietin", "Needs immediate correction of anemia", "IPSS-R risk category")."""
    name = label if label[1:2].isupper() or label[:1].isdigit() else label[:1].lower() + label[1:]
    return f"What would change if the records documented “{name}”?"


def _q(text: str) -> str:
    import urllib.parse

    return urllib.parse.quote(text)


def answer_values(ctx: Ctx, ev: Evaluation, case: Case, *, audience: str, preview: Preview | None = None,
                  history: list[ReviewAction] | None = None) -> dict[str, Any]:
    """Everything the answer template shows, for a stored evaluation or a preview of one."""
    rt = ctx.service.runtime
    result, body = _result_and_body(ctx, ev, case, audience, preview)
    determination = result["determination"]
    missing = result.get("missing_documentation", [])
    return {
        "ev": ev,
        "case": case,
        "preview": preview,
        "result": result,
        "determination": determination,
        "body": body,
        "audience": audience,
        "audiences": AUDIENCES,
        "title": body.title,
        "asked": case.title if case.source in ("question", "note") and preview is None else "",
        **_review_values(ctx, ev, preview, history or []),
        "policy_info": result.get("policy", {}),
        "missing": missing,
        "criterion_names": _criterion_names(result),
        "summary": criteria_summary(result),
        "assumptions": result.get("assumptions", []),
        "request_letter": bool(missing) and determination != INSUFFICIENT and preview is None
        and ev.state not in FINAL,
        "related": related_links(ev.id, result, ctx, audience),
        "followup_facts": followup_facts(ctx),
        "followup_example": FOLLOWUP_EXAMPLES.get(str(result.get("policy", {}).get("pack", "")),
                                                  FOLLOWUP_EXAMPLES["mds_anemia"]),
        "policies": sorted(rt.catalog.policies(), key=lambda x: x.drug.generic),
        "variants": _variant_count(rt, ev.policy_id),
        **_permissions(ctx, ev, preview),
        "reviewer_details": reviewer_details(result, ev, preview) if _sees_internals(ctx) else None,
        "insufficient": determination == INSUFFICIENT,
        "final": ev.state in FINAL,
        **_FORM_DEFAULTS,
    }


#: the page's form state when nothing was submitted (the handlers override what they show)
_FORM_DEFAULTS: dict[str, Any] = {
    "attach_error": "", "followup_values": {}, "followup_q": "", "followup_error": "", "followup_field": "",
    "review_errors": {}, "review_action": "", "review_values": {}, "ask_fact": "",
}


def _result_and_body(ctx: Ctx, ev: Evaluation, case: Case, audience: str,
                     preview: Preview | None) -> tuple[dict[str, Any], Any]:
    """The determination as JSON and its article: the stored one (read back, never evaluated
    again), or the preview's."""
    rt, state = ctx.service.runtime, ctx.state
    case_title = "" if case.source in ("question", "note") else case.title  # the page shows "You asked"
    if preview is None:
        result = ev.result
        det = Determination.from_dict(result, rt.dictionary)
        return result, article.article_body(state.articles, rt, det, audience=audience, state=ev.state,
                                            case_title=case_title, key=(ev.id, ev.version, case.version),
                                            versions=ctx.service.policies, decision=ev.decision)
    return preview.det.to_dict(), article.article_body(state.articles, rt, preview.det, audience=audience,
                                                       state=S.SUBMITTED, case_title=case_title, key=None,
                                                       versions=ctx.service.policies)


def _review_values(ctx: Ctx, ev: Evaluation, preview: Preview | None,
                   history: list[ReviewAction]) -> dict[str, Any]:
    """Review status, people, history and due times."""
    names = ctx.state.names({ev.reviewer_id, ev.created_by, *(a.actor_id for a in history)})
    times = [t for t in (ev.submitted_at, ev.decided_at, *(a.at for a in history)) if t is not None]
    due, now = _utc(ev.due_at), ctx.now
    shown = (ev.state, ev.decision, ev.appealed) if preview is None else (S.SUBMITTED, None, False)
    return {
        "steps": steps(*shown),
        "review_status": status_of(*shown),
        "reviewer": names.get(ev.reviewer_id or "", ""),
        "requested_by": names.get(ev.created_by, ""),
        "history": [{"a": a, "who": names.get(a.actor_id, a.actor_id)} for a in history],
        "last_updated": max(times, key=_utc) if times else None,
        "overdue": ctx.service.cases.is_overdue(ev),
        "due": due,
        "due_in": due - now if due > now else None,
        "late_by": now - due if due <= now else None,
    }


def _permissions(ctx: Ctx, ev: Evaluation, preview: Preview | None) -> dict[str, Any]:
    """What the signed-in role may do on this page, and the documents it may open."""
    p = ctx.principal
    role = p.role if p else ""
    stored = preview is None
    return {
        "docs": visible_documents(ev, role) if stored else [],
        "can_review": role in ("physician_reviewer", "admin") and stored,
        "can_claim": ev.state in TRANSITIONS["claim"].sources,
        "mine": ev.reviewer_id is not None and p is not None and ev.reviewer_id == p.id,
        "can_release": stored and p is not None and ctx.service.reviews.may_release(p, ev),
        "can_appeal": role in ("requester", "admin") and ev.state in FINAL
        and ev.decision == Decision.DENIED and stored,
        "can_request": role in ("requester", "admin"),
        "can_attach": role in ("requester", "admin") and stored and ev.state in ATTACHABLE,
    }


def _sees_internals(ctx: Ctx) -> bool:
    return ctx.principal is not None and ctx.principal.role in INTERNALS_ROLES


def reviewer_details(result: dict[str, Any], ev: Evaluation, preview: Preview | None) -> dict[str, Any]:
    """What a physician reviewer or auditor checks an answer against, as the engine wrote it (ids,
    versions, the input hash, every criterion's id and status, every fact's raw provenance): shown
    folded, and only to :data:`INTERNALS_ROLES`; everyone else reads the same answer in words."""
    policy = result.get("policy") or {}
    about = [("Evaluation", "" if preview is not None else ev.id),
             ("Policy", f"{policy.get('id', '')} version {policy.get('version', '')}"),
             ("Policy pack", f"{policy.get('pack', '')} {policy.get('pack_version', '')}".strip()),
             ("Fact dictionary", str(policy.get("fact_dictionary_version") or "")),
             ("Pathway", str((result.get("pathway") or {}).get("id") or "none met")),
             ("Phase", str(result.get("phase") or "")),
             ("Evaluated as of", str(result.get("as_of") or "")),
             ("Input hash", str(result.get("input_hash") or ""))]
    criteria = [{"id": str(c.get("id")), "status": str(c.get("status")), "depth": int(c.get("depth") or 0),
                 "pathway": str(c.get("pathway") or ""),
                 "facts": list(dict.fromkeys(str(e.get("fact")) for e in c.get("evidence", [])))}
                for c in result.get("criteria", [])]
    facts = [{"fact": str(f.get("fact")), "value": _raw(f.get("value")), "unit": str(f.get("unit") or ""),
              "observed": str(f.get("observed") or ""),
              "source": str((f.get("provenance") or {}).get("source") or ""),
              "detail": str((f.get("provenance") or {}).get("detail") or ""),
              "derived": bool(f.get("derived"))}
             for f in result.get("facts", [])]
    return {"about": [(k, v) for k, v in about if v], "criteria": criteria, "facts": facts}


def _raw(value: Any) -> str:
    """A fact's value as the engine holds it (lists and ranges in JSON)."""
    import json

    return value if isinstance(value, str) else json.dumps(value, default=str, ensure_ascii=False)


def criteria_summary(result: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The top-level criteria that decide the answer, by status: the common ones and the met
    pathway's (or every pathway's when none is met), each with its pathway and what is missing."""
    met_pathway = (result.get("pathway") or {}).get("id")
    names = {p.get("id"): p.get("name", "") for p in result.get("pathways", []) if isinstance(p, dict)}
    out: dict[str, list[dict[str, Any]]] = {"not_met": [], "unknown": [], "met": []}
    for c in result.get("criteria", []):
        if c.get("depth", 0) != 0 or (met_pathway and c.get("pathway") not in (None, met_pathway)):
            continue
        missing = list(dict.fromkeys(str(e.get("label") or e.get("fact")) for e in c.get("evidence", [])
                                     if e.get("missing")))
        out.setdefault(str(c.get("status")), []).append(
            {"text": c.get("text", ""), "pathway": names.get(c.get("pathway"), "") if c.get("pathway") else "",
             "missing": missing if c.get("status") == "unknown" else []})
    return out


def _criterion_names(result: dict[str, Any]) -> dict[str, str]:
    """Criterion id -> its text (the page names criteria; ids stay in the JSON)."""
    out: dict[str, str] = {}
    for c in result.get("criteria", []):
        out.setdefault(str(c.get("id")), str(c.get("text") or ""))
    return out


def _variant_count(rt: Runtime, policy_id: str) -> int:
    """How many payer variants the policy has (the page links to the comparison when any)."""
    try:
        return len(rt.catalog.policy(policy_id).variants)
    except Exception:  # noqa: BLE001 - a policy no longer shipped has none to compare
        return 0


def _utc(t: dt.datetime | None) -> dt.datetime:
    if t is None:
        return dt.datetime.min.replace(tzinfo=dt.UTC)
    return t if t.tzinfo else t.replace(tzinfo=dt.UTC)
