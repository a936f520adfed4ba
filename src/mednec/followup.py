"""Cases from `mednec ask`, kept in the local store, and follow-up questions on them.

Every `mednec ask` creates a case in the same database the service uses (SQLite in the user
data directory unless ``MEDNEC_DATABASE_URL`` says otherwise), as the local user ``cli`` of
organisation ``local``. `mednec ask --case ID "..."` then answers in that case's context:

* **what if** -- "what if the serum EPO were 300?": the stated facts are merged into the case
  (a new case version; the earlier answers stay in the history) and the case is re-evaluated;
* **missing documentation** -- "what documentation is missing?";
* **another drug** -- "what about imetelstat instead?";
* **re-authorisation** -- "when is re-authorisation due?": the authorisation period and dates;
* **for the patient** -- "explain this for the patient": the patient-language article.

The intent is read with fixed rules, in that order of precedence after the drug check; the
determination itself always comes from the engine.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from mednec.engine.determination import Determination
from mednec.runtime import Runtime
from mednec.store.access import Principal
from mednec.store.db import Database
from mednec.store.models import Case, CaseMessage, Evaluation, User
from mednec.store.service import Service

__all__ = ["FollowUp", "follow_up", "history", "list_cases", "local_session", "record_ask"]

LOCAL_ORG = "local"
LOCAL_USER = "cli"
_MISSING = re.compile(r"\b(missing|documentation|documents?|paperwork|what (?:else )?(?:do you|does it) need)\b", re.I)
_REAUTH = re.compile(r"\b(re-?authori[sz]ation|re-?auth|renewal|renew|continuation|expire|when is .* due)\b", re.I)
_PATIENT = re.compile(r"\b(for the patient|patient(?:-| )friendly|plain (?:language|words|english)|explain)\b", re.I)
_WHAT_IF = re.compile(r"\b(what if|suppose|supposing|assuming|hypothetically)\b", re.I)


@dataclass(frozen=True)
class FollowUp:
    """The answer to one follow-up question."""

    kind: str  # what_if | missing | other_drug | reauthorization | patient | unclear
    text: str
    determination: Determination | None = None
    case_version: int | None = None


def local_session(runtime: Runtime, url: str | None = None) -> tuple[Service, Principal]:
    """The local store and its ``cli`` user (created on first use)."""
    db = Database(url)
    db.upgrade()
    service = Service(db, runtime)
    with db.reading() as s:
        user = s.execute(sa.select(User).where(User.org_id == LOCAL_ORG, User.name == LOCAL_USER)).scalar_one_or_none()
    if user is None:
        user = service.accounts.add_user(LOCAL_ORG, LOCAL_USER, "requester")
    return service, Principal(user.id, user.org_id, user.role, user.name)


def _message(service: Service, p: Principal, case_id: str, question: str, kind: str, answer: dict[str, Any]) -> None:
    with service.db.session() as s:
        s.add(CaseMessage(case_id=case_id, actor_id=p.id, question=question, kind=kind, answer=answer,
                          at=service.now()))


def _summary(det: Determination | None, text: str = "") -> dict[str, Any]:
    if det is None:
        return {"text": text}
    return {"text": text, "drug": det.policy["drug"], "policy": det.policy["id"], "version": det.policy["version"],
            "determination": det.determination, "pathway": det.pathway.id if det.pathway else None,
            "input_hash": det.input_hash}


def record_ask(service: Service, p: Principal, question: str, case_data: dict[str, Any],
               det: Determination | None, kind: str) -> str:
    """Store the case an ask created, its evaluation (when there is a drug) and the question."""
    case = service.cases.create_case(p, case_data, source="question", title=question[:300])
    if det is not None:
        service.cases.evaluate(p, case.id, drug=det.policy["drug"], phase=det.phase, as_of=det.as_of)
    _message(service, p, case.id, question, kind, _summary(det))
    return case.id


def _latest_eval(service: Service, p: Principal, case_id: str) -> Evaluation | None:
    rows, _ = service.cases.list_evaluations(p, case_id=case_id, limit=200)
    return max(rows, key=lambda e: (e.submitted_at, e.id), default=None)


def _evaluate(service: Service, p: Principal, case: Case, drug: str, as_of: dt.date | None) -> Determination:
    facts = service.runtime.parse_case(case.data, as_of=as_of or service.cases.default_as_of(case.data)).facts
    det = service.runtime.evaluate(facts, drug)
    service.cases.evaluate(p, case.id, drug=drug, as_of=det.as_of)
    return det


def follow_up(service: Service, p: Principal, case_id: str, question: str, *, as_of: dt.date | None = None) -> FollowUp:
    """Answer ``question`` in the context of a stored case."""
    from mednec.intake.question import understand

    case = service.cases.get_case(p, case_id)
    last = _latest_eval(service, p, case_id)
    drug = last.drug if last is not None else None
    today = as_of or service.now().date()
    u = understand(_WHAT_IF.sub("", question).replace(" were ", " is ").replace(" was ", " is "),
                   service.runtime.catalog, service.runtime.dictionary, today)
    asked_drug = service.runtime.catalog.policy(u.drug.policy_id).drug.generic if u.drug and u.drug.policy_id else None
    result: FollowUp
    stated = {k: v for k, v in (u.case.get("facts") or {}).items()}
    if asked_drug and asked_drug != drug and not stated:
        det = _evaluate(service, p, case, asked_drug, as_of)
        result = FollowUp("other_drug", f"{asked_drug}: {det.determination.replace('_', ' ')}", det)
    elif stated and (_WHAT_IF.search(question) or not (_MISSING.search(question) or _REAUTH.search(question))):
        updated = service.cases.update_case(p, case_id, stated, if_match=case.version)
        det = _evaluate(service, p, updated, asked_drug or drug or "", as_of)
        changed = ", ".join(f"{k.replace('_', ' ')} {_plain(v)}" for k, v in stated.items())
        result = FollowUp("what_if", f"With {changed}: {det.determination.replace('_', ' ')}", det, updated.version)
    elif drug is None:
        result = FollowUp("unclear", "This case has no evaluation yet; ask about a drug, e.g. 'what about luspatercept?'")
    else:
        det = _evaluate(service, p, case, drug, as_of)
        if _MISSING.search(question):
            docs = [m.description for m in det.missing_documentation]
            text = ("Missing documentation:\n" + "\n".join(f"- {d}" for d in docs)) if docs else \
                "Nothing is missing: every criterion could be decided from the documents given."
            result = FollowUp("missing", text, det)
        elif _REAUTH.search(question):
            a = det.authorization
            text = (f"Authorisation {a['period']}, {a['start']} to {a['end']}; request re-authorisation before "
                    f"{a['end']} with the continuation documents." if a else
                    "No authorisation period: the request does not meet criteria yet.")
            result = FollowUp("reauthorization", text, det)
        elif _PATIENT.search(question):
            result = FollowUp("patient", _patient_text(service, det), det)
        else:
            result = FollowUp("unclear", "I could not tell what to change or look up. Try: 'what if the serum EPO "
                                         "were 300?', 'what documentation is missing?', 'what about imetelstat "
                                         "instead?', 'when is re-authorisation due?', 'explain this for the patient'.")
    _message(service, p, case_id, question, result.kind, _summary(result.determination, result.text))
    return result


def _plain(v: Any) -> str:
    if isinstance(v, dict) and "value" in v:
        num = v["value"]
        num = f"{num:g}" if isinstance(num, float) else str(num)
        return f"{num} {v.get('unit') or ''}".strip()
    return str(v)


def _patient_text(service: Service, det: Determination) -> str:
    from mednec.render.article import ArticleSources, build_article
    from mednec.render.formats import render_markdown

    policy = service.runtime.catalog.policy(det.policy["id"])
    src = ArticleSources.of(policy, service.runtime.catalog.pack_of(policy), service.runtime.dictionary)
    return render_markdown(build_article(det, src, audience="patient"))


def list_cases(service: Service, p: Principal) -> list[Case]:
    rows, _ = service.cases.list_cases(p, limit=200)
    return rows


def history(service: Service, p: Principal, case_id: str) -> tuple[Case, list[CaseMessage]]:
    case = service.cases.get_case(p, case_id)
    with service.db.reading() as s:
        msgs = list(s.execute(sa.select(CaseMessage).where(CaseMessage.case_id == case_id)
                              .order_by(CaseMessage.id)).scalars())
    return case, msgs
