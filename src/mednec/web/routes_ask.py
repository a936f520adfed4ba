"""Ask: a question, a structured case form, or an uploaded note or FHIR bundle.

Every route shows "what I understood" as the case form, filled in and editable, before
anything is evaluated; submitting it creates the case and its evaluation through the Service
(which checks the role) and opens the answer.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from mednec.engine.determination import MissingFact
from mednec.errors import ForbiddenError, InputError, MednecError, TooLongError
from mednec.extras import missing_extra
from mednec.facts.dictionary import FactDictionary
from mednec.hygiene import check_text, excerpt, load_json
from mednec.states import Verdict
from mednec.tri import Tri
from mednec.web import forms
from mednec.web.core import AUDIENCES, Ctx, allowed, csrf_check, ctx_of, page, redirect
from mednec.web.routes_auth import form_of

__all__ = ["register"]

EXAMPLES = (
    "Is Reblozyl medically necessary for a 70-year-old man with MDS-RS, SF3B1-mutated, Hb 8.1 g/dL, "
    "EPO 210, needing 2 units every 2 weeks, ESA-naive?",
    "Can we start darbepoetin for a 74-year-old woman with low-risk MDS, Hb 9.2, serum EPO 95, no del(5q), "
    "symptomatic anemia?",
    "Is lenalidomide covered for MDS with isolated del(5q), transfusion-dependent, 4 units in 8 weeks?",
    "Is Wegovy medically necessary for a 45-year-old woman with BMI 32 and hypertension after six months of a "
    "diet programme?",
    "Repatha for a 62-year-old man after an MI, LDL 88 mg/dL on atorvastatin 80 mg for 6 months?",
)
MAX_TEXT = 20_000
#: the longest note (typed, pasted, uploaded or attached) read in one request, in characters without the
#: surrounding whitespace: reading takes time in proportion to the length (about a second per 10,000
#: characters on one core), so a longer note is refused at once with 413 naming the limit -- never cut short
#: silently, never read for half a minute of a worker (README, Limits; tests/api/test_attacks9_sec9.py)
MAX_NOTE_CHARS = 20_000


def check_note_length(text: str, name: str = "the note") -> None:
    """Raise :class:`TooLongError` (413) for a note longer than :data:`MAX_NOTE_CHARS`."""
    n = len(text.strip())
    if n > MAX_NOTE_CHARS:
        raise TooLongError(f"{name} is {n:,} characters; mednec reads a note of at most {MAX_NOTE_CHARS:,} "
                           "characters in one request. Keep the part that documents this request (the latest "
                           "visit, labs and treatment history) and send it again", field="note")
MAX_UPLOAD = 2 * 1024 * 1024


#: who creates requests (an admin may do everything): the forms that do are refused to other roles before read
ASKERS = ("requester",)


def _may_ask(ctx: Ctx) -> None:
    p = ctx.need_principal()
    if p.role not in (*ASKERS, "admin"):
        raise ForbiddenError(f"role {p.role} may not create requests")


def default_audience(role: str | None) -> str:
    return "payer" if role in ("physician_reviewer", "auditor") else "clinician"


def _policies(ctx: Ctx) -> list[Any]:
    return sorted(ctx.service.runtime.catalog.policies(), key=lambda p: p.drug.generic)


def _ask_page(ctx: Ctx, mode: str, status: int = 200, **values: Any) -> Response:
    if mode not in ("question", "case", "upload"):
        mode = "question"
    d = ctx.service.runtime.dictionary
    values.setdefault("form", forms.FormState())
    values.setdefault("audience", default_audience(ctx.principal.role if ctx.principal else None))
    groups = list(forms.form_groups(d))
    if values.get("understood_mode") and values.get("phase", "initial") != "continuation":
        # what I understood shows the fields of the phase requested: an initial request has no treatment so far
        state = values["form"]
        groups = [g for g in groups if g.id != "continuation"
                  or any(state.values.get(k) for k in state.values if k.split(".")[1:2] and any(
                      k.split(".")[1] == f.id for f in g.fields))]
    return page(ctx, "ask.html", status, title="Ask", mode=mode, examples=EXAMPLES, groups=groups,
                policies=_policies(ctx), event_rows=forms.EVENT_ROWS, none_label=forms.NONE_LABEL, **values)


def likely_answer(ctx: Ctx, case: dict[str, Any], drug: str | None, phase: str = "initial") -> dict[str, Any] | None:
    """What the answer is likely to be for what was understood, before anything is stored: the
    determination, what is still missing for a decision, and the criteria it would settle. None
    without a drug or when the understood facts cannot be read (the form then says why)."""
    if not drug:
        return None
    rt = ctx.service.runtime
    try:
        policy = rt.catalog.find_drug(drug)
        parsed = rt.parse_case(case, as_of=ctx.now.date())
        det = rt.evaluate(parsed.facts, policy, phase=phase if policy.continuation is not None else "initial")
    except MednecError:
        return None
    decided = det.determination != Verdict.INSUFFICIENT  # other pathways' unknowns do not matter then
    unknown = [] if decided else [c for c in det.criteria if c.depth == 0 and c.status is Tri.UNKNOWN]
    missing_facts = list(dict.fromkeys(e.label for c in unknown for e in c.evidence if isinstance(e, MissingFact)))
    return {"determination": det.determination, "drug": policy.drug.generic,
            "missing": [m.description for m in det.missing_documentation],
            "missing_facts": missing_facts[:8], "pathway": det.pathway.name if det.pathway is not None else ""}


# -- question ------------------------------------------------------------------------------

def _understood_facts(u: Any, d: FactDictionary) -> list[dict[str, Any]]:
    from mednec.web.views import value_text

    out = []
    for f in u.facts:
        fd = d.facts.get(f.fact)
        out.append({"fact": f.fact, "label": fd.label if fd else f.fact,
                    "value": value_text(f.value, f.unit, fd), "words": f.span.text, "kind": f.kind,
                    "note": getattr(f, "note", "")})
    return out


def _question(ctx: Ctx, form: dict[str, Any]) -> Response:
    csrf_check(ctx, form)
    _may_ask(ctx)
    question = str(form.get("question") or "").strip()[:MAX_TEXT]
    note = str(form.get("note") or "").strip() or None
    audience = str(form.get("audience") or "clinician")
    if not question:
        return _ask_page(ctx, "question", 422, question_error="Enter your question", audience=audience)
    try:
        check_note_length(note or "")
    except TooLongError as exc:
        return _ask_page(ctx, "question", 413, question=question, audience=audience, question_error=exc.message)
    return _understand(ctx, question, note, audience)


def _understand(ctx: Ctx, question: str, note: str | None, audience: str, note_name: str = "note") -> Response:
    rt = ctx.service.runtime
    as_of = ctx.now.date()
    from mednec.ask import answer

    try:
        ans = answer(question, rt, as_of=as_of, note=note, note_name=note_name)
        u, kind, message, closest, overview = ans.understood, ans.kind, ans.message, ans.closest, ans.overview
        policy_id = ans.policy.id if ans.policy else None
    except ModuleNotFoundError as exc:  # an optional extra (the note reader's) that is not installed
        missing = missing_extra(exc)
        if missing is None:
            raise
        return _ask_page(ctx, "question", 200, question=question, audience=audience,
                         notice=f"Reading this is not available on this server ({missing.message}); "
                                "fill in the case form.")
    except InputError as exc:
        return _ask_page(ctx, "question", 422, question=question, audience=audience, question_error=exc.message)
    if kind in ("no_policy", "not_necessity"):
        return _ask_page(ctx, "question", 200, question=question, audience=audience, outside=message,
                         closest=closest)
    state = forms.case_to_values({**u.case, "title": question[:300]}, rt.dictionary)
    return _understood_page(ctx, state, origin="note" if note else "question", drug=policy_id, audience=audience,
                            likely=likely_answer(ctx, dict(u.case), policy_id),
                            question=question, understood=_understood_facts(u, rt.dictionary),
                            unused=[{"words": x.span.text, "reason": x.reason} for x in u.unused],
                            conflicts=[c.to_dict() for c in u.conflicts],
                            not_understood=[s.text for s in u.not_understood], overview=overview)


def _understood_page(ctx: Ctx, state: forms.FormState, *, origin: str, drug: str | None, audience: str,
                     status: int = 200, **values: Any) -> Response:
    return _ask_page(ctx, "case", status, form=state, origin=origin, drug=drug, audience=audience,
                     understood_mode=True, **values)


# -- upload -----------------------------------------------------------------------------------

async def read_upload(form: dict[str, Any]) -> tuple[str, str]:
    up = form.get("upload")
    if isinstance(up, UploadFile) and up.filename:
        raw = await up.read(MAX_UPLOAD + 1)
        if len(raw) > MAX_UPLOAD:
            raise InputError("the file is larger than 2 MB", field="upload")
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise InputError("the file is not UTF-8 text (a note as .txt or a FHIR bundle as .json)",
                             field="upload") from None
        check_text(text, "upload")
        check_text(up.filename, "upload (file name)")
        return text, up.filename
    return str(form.get("pasted") or ""), "pasted text"


def _upload(ctx: Ctx, form: dict[str, Any], text: str, name: str) -> Response:
    csrf_check(ctx, form)
    _may_ask(ctx)
    audience = str(form.get("audience") or "clinician")
    text = text.strip()
    if not text:
        return _ask_page(ctx, "upload", 422, upload_error="Choose a file, or paste a note or a FHIR bundle")
    if text.startswith("{"):
        resp = _fhir(ctx, text, name, audience, str(form.get("drug") or "").strip() or None)
        return resp if resp.status_code != 422 else _ask_page(
            ctx, "upload", 422, upload_error=getattr(resp, "upload_error", ""), audience=audience,
            upload_drug=str(form.get("drug") or ""), upload_question=str(form.get("question") or "")[:300])
    try:
        check_note_length(text, "the pasted note" if name == "pasted text" else name)
    except TooLongError as exc:
        return _ask_page(ctx, "upload", 413, upload_error=exc.message, audience=audience,
                         upload_question=str(form.get("question") or "")[:300])
    return _understand(ctx, str(form.get("question") or "").strip()
                       or "Is the requested drug medically necessary for this patient?", text,
                       audience, note_name=name if name == "pasted text" else f"document {name}")


def plain_error(message: str, limit: int = 200) -> str:
    """A validator's message in a sentence: its first line, without a trailing period, cut short."""
    first = " ".join(message.strip().splitlines()[0].split()) if message.strip() else "unreadable"
    first = first.rstrip(".")
    return first if len(first) <= limit else first[:limit - 1] + "…"


def _upload_failed(message: str) -> Response:
    """A 422 whose page _upload renders again with the user's choices (drug, question, audience)."""
    resp = Response(status_code=422)
    resp.upload_error = message  # type: ignore[attr-defined]
    return resp


def _fhir(ctx: Ctx, text: str, name: str, audience: str, drug: str | None) -> Response:
    """A FHIR bundle -> the understood page; ``drug`` (the requested drug) lets its doses in the
    bundle give the treatment course a re-authorisation needs."""
    rt = ctx.service.runtime
    try:
        bundle = load_json(text, "upload")
    except InputError as exc:
        return _upload_failed(f"{excerpt(name)} is not valid JSON: {plain_error(exc.message)}")
    from mednec.intake.fhir.bundle import bundle_to_case

    try:
        intake = bundle_to_case(bundle, rt.dictionary, drug=drug, drugs=rt.catalog.calculators.drugs)
    except ModuleNotFoundError as exc:  # the fhir extra is not installed
        missing = missing_extra(exc)
        if missing is None:
            raise
        return _upload_failed(f"FHIR intake is not available on this server ({missing.message})")
    except MednecError as exc:
        where = f" Look at {exc.field}." if exc.field else ""
        return _upload_failed(f"{excerpt(name)} could not be read as a FHIR R4 bundle: "
                              f"{plain_error(exc.message)}.{where}")
    d = rt.dictionary
    understood = [{"fact": s.fact, "label": d.facts[s.fact].label if s.fact in d.facts else s.fact,
                   "value": "", "words": ", ".join(s.resources), "kind": "FHIR", "note": s.detail}
                  for s in intake.provenance]
    unused = [{"words": u.resource, "reason": u.reason} for u in intake.unmapped]
    state = forms.case_to_values({**intake.case, "title": intake.case.get("title") or f"FHIR bundle {name}"}, d)
    return _understood_page(ctx, state, origin="fhir", drug=drug, audience=audience, understood=understood,
                            likely=likely_answer(ctx, dict(intake.case), drug),
                            unused=unused, upload_name=name)


# -- evaluate -------------------------------------------------------------------------------

def _evaluate(ctx: Ctx, form: dict[str, Any]) -> Response:
    csrf_check(ctx, form)
    p = ctx.need_principal()
    _may_ask(ctx)
    rt = ctx.service.runtime
    data, state = forms.parse_form(form, rt.dictionary)
    origin = str(form.get("origin") or "case")
    if origin not in ("case", "question", "note", "fhir"):
        origin = "case"
    drug = str(form.get("drug") or "")
    phase = str(form.get("phase") or "initial")
    urgency = str(form.get("urgency") or "standard")
    audience = str(form.get("audience") or "clinician")
    if audience not in AUDIENCES:
        audience = "clinician"
    if not drug:
        state.errors.setdefault("drug", "Choose the drug you are asking about")
    else:
        try:
            policy = rt.catalog.find_drug(drug)
            if phase == "continuation" and policy.continuation is None:
                state.errors["phase"] = f"{policy.drug.generic} has no re-authorisation criteria"
        except InputError as exc:
            state.errors["drug"] = exc.message
    valid = forms.validate(rt, data, state, ctx.now.date())
    if not valid or state.errors:
        return _ask_page(ctx, "case", 422, form=state, origin=origin, drug=drug, phase=phase, urgency=urgency,
                         audience=audience, understood_mode=origin != "case")
    title = data.pop("title", "") or ""
    try:
        case = ctx.service.cases.create_case(p, data, source=origin, title=title)
        ev = ctx.service.cases.evaluate(p, case.id, drug=drug, phase=phase, urgency=urgency)
    except InputError as exc:  # the service re-checks everything
        state.add_error(exc, rt.dictionary)
        if not state.errors:
            state.general.append(exc.message)
        return _ask_page(ctx, "case", 422, form=state, origin=origin, drug=drug, phase=phase, urgency=urgency,
                         audience=audience, understood_mode=origin != "case")
    return redirect(ctx, f"/answers/{ev.id}?audience={audience}")


def register(router: APIRouter) -> None:
    @router.get("/ask")
    def ask(request: Request, mode: str = "question", q: str = "") -> Response:
        ctx = ctx_of(request)
        _may_ask(ctx)
        return _ask_page(ctx, mode, question=q[:MAX_TEXT])

    @router.post("/ask")
    async def ask_question(request: Request) -> Response:
        ctx = await run_in_threadpool(allowed, request, *ASKERS)
        form = await form_of(request)
        return await run_in_threadpool(_question, ctx, form)

    @router.post("/ask/upload")
    async def ask_upload(request: Request) -> Response:
        ctx = await run_in_threadpool(allowed, request, *ASKERS)
        form = await form_of(request)
        try:
            text, name = await read_upload(form)
        except InputError as exc:
            message = exc.message
            return await run_in_threadpool(lambda: _ask_page(ctx, "upload", 422, upload_error=message))
        return await run_in_threadpool(_upload, ctx, form, text, name)

    @router.post("/ask/evaluate")
    async def ask_evaluate(request: Request) -> Response:
        ctx = await run_in_threadpool(allowed, request, *ASKERS)
        form = await form_of(request)
        return await run_in_threadpool(_evaluate, ctx, form)
