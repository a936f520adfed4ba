"""The answer page: the article, review status and actions, documents, follow-up questions."""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import json
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from mednec.documents import DOC_HTML_CSP, document_media, stored_document
from mednec.errors import ConflictError, InputError, NotFoundError, TooLongError
from mednec.extras import missing_extra
from mednec.hygiene import load_json
from mednec.store.models import Case, Evaluation
from mednec.web.answer_view import FOLLOWUP_EXAMPLES, Preview, answer_values
from mednec.web.core import AUDIENCES, HEAD_KEY, Ctx, allowed, csrf_check, ctx_of, finish, page, redirect
from mednec.web.routes_auth import form_of
from mednec.web.views import value_text

if TYPE_CHECKING:
    from mednec.facts.dictionary import FactDictionary
    from mednec.intake.case_file import Case as ParsedCase
    from mednec.intake.question import Understanding
    from mednec.policies.loader import Catalog
    from mednec.policies.model import Policy
    from mednec.runtime import Runtime

__all__ = ["register"]

DONE = {
    "claim": "You claimed this request. It is now under review.",
    "approve": "Decision recorded: the recommendation is approved.",
    "overturn": "Decision recorded: the recommendation is overturned.",
    "request_info": "Information requested from the requester.",
    "request_changes": "Changes requested from the requester.",
    "appeal": "Appeal submitted. A physician reviewer will look at the case again.",
    "release": "The claim is released: the request is back in the queue for a physician reviewer.",
    "attach": "Document attached. The answer below was evaluated again with it; the history keeps the earlier one.",
}


def _audience(ctx: Ctx, requested: str | None) -> str:
    if requested in AUDIENCES:
        return requested
    from mednec.web.routes_ask import default_audience

    return default_audience(ctx.principal.role if ctx.principal else None)


def _load(ctx: Ctx, eval_id: str) -> tuple[Evaluation, Case]:
    p = ctx.need_principal()
    ev = ctx.service.cases.get_evaluation(p, eval_id)
    return ev, ctx.service.cases.get_case(p, ev.case_id)


def _show(ctx: Ctx, ev: Evaluation, case: Case, *, audience: str, status: int = 200,
          preview: Preview | None = None, **extra: Any) -> Response:
    history = ctx.service.reviews.history(ctx.need_principal(), ev.id)
    values = answer_values(ctx, ev, case, audience=audience, preview=preview, history=history)
    values.update(extra)
    return page(ctx, "answer.html", status, **values)


def _answer(ctx: Ctx, eval_id: str, audience: str | None, done: str | None, ask_fact: str | None) -> Response:
    ev, case = _load(ctx, eval_id)
    if done in DONE:
        ctx.flash.append(("success", DONE[done]))
    return _show(ctx, ev, case, audience=_audience(ctx, audience), ask_fact=ask_fact or "")


# -- review actions ---------------------------------------------------------------------------

def _review(ctx: Ctx, eval_id: str, form: dict[str, Any]) -> Response:
    csrf_check(ctx, form)
    p = ctx.need_principal()
    action = str(form.get("action") or "")
    version = str(form.get("version") or "")
    audience = _audience(ctx, str(form.get("audience") or ""))

    def text(name: str) -> str | None:
        v = str(form.get(name) or "").strip()
        return v[:4000] or None

    try:
        ctx.service.reviews.act(p, eval_id, action, if_match=int(version) if version.isdigit() else None,
                        reason=text("reason"), decision=text("decision"), signature=text("signature"))
    except InputError as exc:
        ev, case = _load(ctx, eval_id)
        return _show(ctx, ev, case, audience=audience, status=422, review_action=action,
                     review_errors={exc.field or "reason": exc.message}, review_values=form)
    except ConflictError as exc:
        ev, case = _load(ctx, eval_id)
        ctx.flash.append(("error", exc.message))
        return _show(ctx, ev, case, audience=audience, status=409, review_action=action, review_values=form)
    return redirect(ctx, f"/answers/{eval_id}?audience={audience}&done={action}")


# -- follow-up ("what if") ------------------------------------------------------------------

_CONTINUATION = re.compile(r"re-?\s?authori[sz]|continu|renew", re.I)


def _fact_raw(ctx: Ctx, fact: str, value: str, unit: str) -> Any:
    fd = ctx.service.runtime.dictionary.facts.get(fact)
    if fd is None or not fd.may_give:
        raise InputError("choose a fact to change", field="fact")
    if not value.strip():
        raise InputError(f"enter the new value of {fd.label}", field="value")
    if fd.type == "number":
        out: dict[str, Any] = {"value": value.strip()}
        with contextlib.suppress(ValueError):
            out["value"] = float(value)
        out["unit"] = unit or fd.unit
        return out
    if fd.type == "boolean":
        return {"value": value.strip().lower() in ("true", "yes")}
    return {"value": value.strip()}


_WHAT_IF = re.compile(r"^\s*(?:and\s+|but\s+)?(?:what\s+if|what\s+about\s+if|suppose|supposing|imagine|if)\b[\s,]*",
                      re.I)


def _readings(understand: Callable[[str, Catalog, FactDictionary, dt.date], Understanding], q: str, rt: Runtime,
              as_of: dt.date) -> list[Understanding]:
    """The follow-up read as a change to the case: in a follow-up, "what if X were Y" states Y.

    The question reader (rightly, for a first question) does not use hypothetical values; here
    they are the point, so the question is read again without its "what if", and any phrase
    still marked hypothetical is read on its own.
    """
    first = understand(_WHAT_IF.sub("", q), rt.catalog, rt.dictionary, as_of)
    out = [first]
    for x in first.unused:
        if x.reason.startswith("hypothetical") and x.span.text:
            out.append(understand(x.span.text, rt.catalog, rt.dictionary, as_of))
    return out


def _set(data: dict[str, Any], fact: str, raw: Any) -> None:
    from mednec.web.forms import PATIENT_KEYS

    part = "patient" if fact in PATIENT_KEYS else "facts"
    data.setdefault(part, {})
    for other in ("patient", "facts"):
        if other != part and fact in (data.get(other) or {}):
            data[other].pop(fact)
    if fact == "age":
        (data.get("patient") or {}).pop("birth_date", None)
    if fact == "birth_date":
        (data.get("patient") or {}).pop("age", None)
    data[part][fact] = raw


def _given(data: dict[str, Any], fact: str) -> Any:
    return (data.get("patient") or {}).get(fact, (data.get("facts") or {}).get(fact))


def _followup(ctx: Ctx, eval_id: str, params: dict[str, str]) -> Response:
    """A "what if" answer for the same case: the question read as changes, or one fact changed."""
    ev, case = _load(ctx, eval_id)
    rt = ctx.service.runtime
    audience = _audience(ctx, params.get("audience"))
    q = params.get("q", "").strip()[:4000]
    data: dict[str, Any] = copy.deepcopy(case.data)
    try:
        drug, changed, understood = _apply_question(ctx, ev, q, data, params.get("drug", "").strip())
        phase = params.get("phase", "").strip() or ("continuation" if q and _CONTINUATION.search(q) else ev.phase)
        if params.get("fact"):
            _set(data, params["fact"], _fact_raw(ctx, params["fact"], params.get("value", ""), params.get("unit", "")))
            changed.add(params["fact"])
        policy = rt.catalog.find_drug(drug) if drug else rt.catalog.policy(ev.policy_id)
        _check_phase(policy, phase)
        if not changed and policy.id == ev.policy_id and phase == ev.phase:
            example = FOLLOWUP_EXAMPLES.get(ctx.service.runtime.catalog.pack_of(policy).id, FOLLOWUP_EXAMPLES["mds_anemia"])
            ctx.flash.append(("warning", f"I did not find a drug or a fact to change in that question. Try {example}"))
            return _show(ctx, ev, case, audience=audience, followup_q=q)
        parsed = rt.parse_case(data, as_of=ev.as_of, source="follow-up")
        det = rt.evaluate(parsed.facts, policy, phase=phase)
    except InputError as exc:
        return _show(ctx, ev, case, audience=audience, status=422, followup_q=q,
                     followup_error=exc.message, followup_field=exc.field or "q", followup_values=params)
    changes = _changes(ctx, ev, case, parsed, changed, policy, phase)
    preview = Preview(det, changes, policy.drug.generic, phase, data, bool(changed), q, understood)
    return _show(ctx, ev, case, audience=audience, preview=preview, followup_q=q)


def _apply_question(ctx: Ctx, ev: Evaluation, q: str, data: dict[str, Any],
                    drug: str) -> tuple[str, set[str], list[str]]:
    """Read the follow-up question into ``data``: (the drug it names, the facts it changed, what was
    understood, as sentences). The documented diagnosis is never replaced by "MDS" in a follow-up."""
    changed: set[str] = set()
    understood: list[str] = []
    if not q:
        return drug, changed, understood
    from mednec.intake.question import understand

    rt = ctx.service.runtime
    for u in _readings(understand, q, rt, ev.as_of):
        if u.drug is not None and u.drug.policy_id and not drug:
            drug = rt.catalog.policy(u.drug.policy_id).drug.generic
        for part in ("patient", "facts"):
            for fact, raw in (u.case.get(part) or {}).items():
                if fact == "diagnosis" and _given(data, "diagnosis") is not None:
                    continue
                _set(data, fact, raw)
                changed.add(fact)
        for f in u.facts:
            fd = rt.dictionary.facts.get(f.fact)
            understood.append(f"{fd.label if fd else f.fact}: {value_text(f.value, f.unit, fd)} "
                              f"(from “{f.span.text}”)")
    return drug, changed, understood


def _check_phase(policy: Policy, phase: str) -> None:
    if phase not in ("initial", "continuation"):
        raise InputError("phase must be initial or continuation", field="phase")
    if phase == "continuation" and policy.continuation is None:
        raise InputError(f"{policy.drug.generic} has no re-authorisation criteria", field="phase")


def _changes(ctx: Ctx, ev: Evaluation, case: Case, parsed: ParsedCase, changed: set[str], policy: Policy,
             phase: str) -> list[str]:
    """What the what-if changed, as "Label: before → after" lines."""
    d = ctx.service.runtime.dictionary
    old = ctx.service.runtime.parse_case(case.data, as_of=ev.as_of).facts
    out: list[str] = []
    for fact in sorted(changed):
        fd = d.facts[fact]
        before = value_text(old[fact].value, old[fact].unit, fd) if fact in old else "not documented"
        after = value_text(parsed.facts[fact].value, parsed.facts[fact].unit, fd) if fact in parsed.facts else "—"
        if before != after:
            out.append(f"{fd.label}: {before} → {after}")
    if policy.id != ev.policy_id:
        out.append(f"Drug: {ev.drug} → {policy.drug.generic}")
    if phase != ev.phase:
        out.append(f"Request: {ev.phase} → {phase}")
    return out


def _submit_followup(ctx: Ctx, eval_id: str, form: dict[str, Any]) -> Response:
    csrf_check(ctx, form)
    p = ctx.need_principal()
    ev, case = _load(ctx, eval_id)
    drug = str(form.get("drug") or ev.drug)
    phase = str(form.get("phase") or ev.phase)
    audience = _audience(ctx, str(form.get("audience") or ""))
    case_id = case.id
    if form.get("facts_changed") == "1":
        data = load_json(str(form.get("data") or "{}"), "data")
        title = str(form.get("title") or f"What if — {case.title}")[:300]
        case_id = ctx.service.cases.create_case(p, data, source=case.source, title=title).id
    new = ctx.service.cases.evaluate(p, case_id, drug=drug, phase=phase, urgency=ev.urgency)
    return redirect(ctx, f"/answers/{new.id}?audience={audience}")


# -- attach a document -------------------------------------------------------------------------

def _attach(ctx: Ctx, eval_id: str, form: dict[str, Any], text: str, name: str) -> Response:
    """Read an uploaded note, report or FHIR resource and re-evaluate the request with it."""
    from mednec.store.attach import attach_document

    csrf_check(ctx, form)
    p = ctx.need_principal()
    ev, case = _load(ctx, eval_id)
    audience = _audience(ctx, str(form.get("audience") or ""))
    try:
        if form.get("upload_error"):
            raise InputError(str(form["upload_error"]), field="upload")
        data = _read_document(ctx, ev, text.strip(), name)
        attach_document(ctx.service, p, eval_id, data, name=name)
    except (InputError, ConflictError) as exc:
        status = 413 if isinstance(exc, TooLongError) else 422 if isinstance(exc, InputError) else 409
        return _show(ctx, ev, case, audience=audience, status=status, attach_error=_plain(exc.message))
    return redirect(ctx, f"/answers/{eval_id}?audience={audience}&done=attach")


def _read_document(ctx: Ctx, ev: Evaluation, text: str, name: str) -> dict[str, Any]:
    """The case facts in an uploaded document: a FHIR resource or bundle (JSON), else a note."""
    rt = ctx.service.runtime
    if not text:
        raise InputError("choose a file, or paste the note or report", field="upload")
    if text.startswith("{"):
        try:
            doc = json.loads(text)
        except ValueError:
            raise InputError(f"{name} is not a FHIR resource: it is not valid JSON", field="upload") from None
        if isinstance(doc, dict) and doc.get("resourceType") not in (None, "Bundle"):
            doc = {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": doc}]}
        from mednec.intake.fhir.bundle import bundle_to_case

        return dict(bundle_to_case(doc, rt.dictionary, drug=ev.drug, drugs=rt.catalog.calculators.drugs).case)
    from mednec.intake.notes import read_note
    from mednec.web.routes_ask import check_note_length

    check_note_length(text, "the pasted note" if name == "pasted text" else name)
    return dict(read_note(text, rt.catalog, rt.dictionary, ev.as_of, name=f"document {name}").case)


def _plain(message: str) -> str:
    """A validator's message as a sentence (first letter up, one line, not too long)."""
    one = " ".join(message.split())
    if "." not in one.split(" ", 1)[0]:  # not a file name ("x.json is not ...")
        one = one[:1].upper() + one[1:]
    return one if len(one) <= 300 else one[:297] + "…"


# -- documents --------------------------------------------------------------------------------

def _document(ctx: Ctx, eval_id: str, doc: str, fmt: str, audience: str | None) -> Response:
    p = ctx.need_principal()
    ev, case = _load(ctx, eval_id)
    aud = _audience(ctx, audience)
    if fmt not in ("html", "pdf", "md"):
        raise NotFoundError(f"no format {fmt}")
    head = bool(ctx.request.scope.get(HEAD_KEY))  # a HEAD is a check, not a view: not rendered, not audited
    if doc == "request-letter":
        if not head:
            ctx.service.audit_log.record(p, "document.produce", "evaluation", ev.id, document=doc, format="html")
        values = answer_values(ctx, ev, case, audience=aud)
        resp = page(ctx, "request_letter.html", **values)
        return resp
    disposition = "inline" if fmt == "html" else "attachment"
    headers = {"Content-Disposition": f'{disposition}; filename="mednec-{ev.id}-{doc}.{fmt}"'}
    if fmt == "html":
        headers["Content-Security-Policy"] = DOC_HTML_CSP
    if head:
        resp = Response(media_type=document_media(ev, doc, fmt, p.role), headers=headers)
        del resp.headers["content-length"]  # not rendered, so not known (RFC 9110 §8.6)
        return finish(ctx, resp)
    if fmt == "pdf":
        ctx.service.work_limits.take("pdf", p.id)  # the same limit as the API's
    try:
        content, media = stored_document(ctx.service.runtime, ev, case, doc, fmt, audience=aud, role=p.role,
                                         versions=ctx.service.policies)
    except ModuleNotFoundError as exc:  # the pdf extra is not installed
        missing = missing_extra(exc)
        if missing is None:
            raise
        raise ConflictError(f"this document is not available on this server ({missing.message})") from None
    ctx.service.audit_log.record(p, "document.produce", "evaluation", ev.id, document=doc, format=fmt, audience=aud)
    resp = Response(content, media_type=media, headers=headers)
    if fmt == "html":
        resp.body = _with_header(content, ev, doc, aud)
        resp.headers["Content-Length"] = str(len(resp.body))
    return finish(ctx, resp)


def _with_header(content: bytes, ev: Evaluation, doc: str, audience: str) -> bytes:
    """A document opened in the browser gets a header naming it and a way back to its answer
    (screen only: printing and saving the document leave the header out)."""
    import html as html_lib

    from mednec.documents import DOCUMENTS

    label = DOCUMENTS.get(doc, (doc, None))[0]
    back = f"/answers/{html_lib.escape(ev.id)}?audience={html_lib.escape(audience)}"
    header = (
        '<header class="mednec-doc-nav" style="font: 15px/1.4 system-ui, sans-serif; background: #0b4f7c; '
        'color: #fff; padding: .6rem 1rem; margin: 0 0 1rem;"><a href="' + back + '" style="color: #fff; '
        'font-weight: 700;">← Back to the answer</a> · mednec · ' + html_lib.escape(label) + " · "
        + html_lib.escape(ev.drug) + "</header><style>@media print { .mednec-doc-nav { display: none; } }</style>"
    )
    text = content.decode("utf-8")
    i = text.find(">", text.find("<body")) + 1 if "<body" in text else 0
    return (text[:i] + header + text[i:]).encode("utf-8")


def _json(ctx: Ctx, eval_id: str) -> Response:
    from mednec.store.views import evaluation_view

    p = ctx.need_principal()
    ev = ctx.service.cases.get_evaluation(p, eval_id)
    body = json.dumps({**evaluation_view(ev, ctx.service, full=False), "result": ev.result}, indent=2,
                      ensure_ascii=False, default=str)
    return finish(ctx, Response(body, media_type="application/json",
                                headers={"Content-Disposition": f'attachment; filename="mednec-{ev.id}.json"'}))


def register(router: APIRouter) -> None:
    @router.get("/answers/{eval_id}")
    def answer(request: Request, eval_id: str, audience: str | None = None, done: str | None = None,
               ask_fact: str | None = None) -> Response:
        return _answer(ctx_of(request), eval_id, audience, done, ask_fact)

    @router.get("/answers/{eval_id}/summary")
    def answer_summary(request: Request, eval_id: str, audience: str | None = None) -> Response:
        ctx = ctx_of(request)
        ev, case = _load(ctx, eval_id)
        values = answer_values(ctx, ev, case, audience=_audience(ctx, audience),
                               history=ctx.service.reviews.history(ctx.need_principal(), ev.id))
        return page(ctx, "summary.html", **values)

    @router.get("/answers/{eval_id}/json")
    def answer_json(request: Request, eval_id: str) -> Response:
        return _json(ctx_of(request), eval_id)

    @router.get("/answers/{eval_id}/documents/{doc}")
    def answer_document(request: Request, eval_id: str, doc: str, format: str = "html",  # noqa: A002
                        audience: str | None = None) -> Response:
        return _document(ctx_of(request), eval_id, doc, format, audience)

    @router.get("/answers/{eval_id}/follow-up")
    def followup(request: Request, eval_id: str) -> Response:
        params = {k: v[:4000] for k, v in request.query_params.items()}
        return _followup(ctx_of(request), eval_id, params)

    @router.post("/answers/{eval_id}/follow-up")
    async def followup_submit(request: Request, eval_id: str) -> Response:
        ctx = await run_in_threadpool(allowed, request, "requester")  # a what-if makes a case and evaluates it
        form = await form_of(request)
        return await run_in_threadpool(_submit_followup, ctx, eval_id, form)

    @router.post("/answers/{eval_id}/attach")
    async def attach(request: Request, eval_id: str) -> Response:
        from mednec.web.routes_ask import read_upload

        ctx = await run_in_threadpool(allowed, request, "requester")  # attaching re-evaluates the request
        form = await form_of(request)
        try:
            text, name = await read_upload(form)
        except InputError as exc:
            text, name = "", "the file"
            form["upload_error"] = exc.message
        return await run_in_threadpool(_attach, ctx, eval_id, form, text, name)

    @router.post("/answers/{eval_id}/review")
    async def review(request: Request, eval_id: str) -> Response:
        # physician reviewers act; requesters appeal, answer a request for information, withdraw
        ctx = await run_in_threadpool(allowed, request, "requester", "physician_reviewer")
        form = await form_of(request)
        return await run_in_threadpool(_review, ctx, eval_id, form)
