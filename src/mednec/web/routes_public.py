"""Public answers (no sign-in): every policy's general article at a stable, readable address
(``/drugs/luspatercept/mds``), and an anonymous question answered for the reader's audience.

Nothing is stored: no case, no evaluation, no review; each page says it is general information,
not a coverage decision. Both are rate-limited per client address, the counts kept in the database
so every worker shares them (:mod:`mednec.store.ratelimit`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from mednec.errors import InputError, MednecError, NotFoundError
from mednec.extras import missing_extra
from mednec.states import ReviewState
from mednec.store.ratelimit import SharedLimit
from mednec.web import article
from mednec.web.core import Ctx, csrf_check, ctx_of, page
from mednec.web.labels import AUDIENCES
from mednec.web.routes_auth import clock_of, form_of

if TYPE_CHECKING:
    from mednec.policies.model import Policy

__all__ = ["policy_path", "register"]

#: requests per client per minute: public pages, and anonymous questions (each runs the engine)
LIMITS = {"pages": 120, "asks": 10}
MAX_QUESTION = 2000


def policy_path(policy_id: str) -> str:
    """``luspatercept-mds`` -> ``/drugs/luspatercept/mds`` (the policy id's last part is its use)."""
    drug, _, use = policy_id.rpartition("-")
    return f"/drugs/{drug}/{use}" if drug else f"/drugs/{use}"


def _limited(ctx: Ctx, kind: str) -> Response | None:
    """A 429 page when the client went over its limit of ``kind`` (counted in the database)."""
    limits: dict[str, SharedLimit] = ctx.state.__dict__.setdefault("public_limits", {})
    limit = limits.get(kind) or limits.setdefault(kind, SharedLimit(ctx.service.db, kind, LIMITS[kind], 60.0,
                                                                      clock=clock_of(ctx)))
    client = ctx.request.client.host if ctx.request.client else "unknown"
    wait = limit.allow(client)
    if not wait:
        return None
    resp = page(ctx, "error.html", 429, code=429, heading="Too many requests",
                message=f"Please wait {int(wait) + 1} seconds and try again.")
    resp.headers["Retry-After"] = str(int(wait) + 1)
    return resp


def _audience(value: str | None) -> str:
    return value if value in AUDIENCES else "patient"


def _drugs(ctx: Ctx) -> Response:
    if (limited := _limited(ctx, "pages")) is not None:
        return limited
    rt = ctx.service.runtime
    rows = sorted(((p, policy_path(p.id), rt.catalog.pack_of(p)) for p in rt.catalog.policies()),
                  key=lambda r: (r[2].title, r[0].drug.generic))
    return page(ctx, "public_drugs.html", title="Drugs and their criteria", rows=rows)


def _policy_page(ctx: Ctx, drug: str, use: str, audience: str | None) -> Response:
    if (limited := _limited(ctx, "pages")) is not None:
        return limited
    rt = ctx.service.runtime
    policy = next((p for p in rt.catalog.policies() if policy_path(p.id) == f"/drugs/{drug}/{use}"), None)
    if policy is None:
        raise NotFoundError(f"no policy at /drugs/{drug}/{use}")
    aud = _audience(audience)
    body = _general_body(ctx, policy, aud)
    return page(ctx, "public_policy.html", title=body.title, p=policy, body=body, audience=aud,
                audiences=AUDIENCES)


def _general_body(ctx: Ctx, policy: Policy, audience: str) -> article.Body:
    """The policy's general article for the page (cached per policy version, audience and day)."""
    from mednec.render.article import ArticleSources, general_article

    today = ctx.now.date()

    def make() -> article.Body:
        rt = ctx.service.runtime
        src = ArticleSources.of(policy, rt.catalog.pack_of(policy), rt.dictionary)
        art = general_article(src, as_of=today, audience=audience)
        return article.general_body(art, audience)

    return ctx.state.articles.get(("general", policy.id, policy.version, audience, today.isoformat()), make)


def _ask_form(ctx: Ctx, status: int = 200, **values: Any) -> Response:
    return page(ctx, "public_ask.html", status, title="Ask about a drug", audiences=AUDIENCES,
                **{"question": "", "audience": "patient", "error": "", **values})


def _ask(ctx: Ctx, form: dict[str, Any]) -> Response:
    """An anonymous question: understood, evaluated and shown; nothing is stored."""
    if (limited := _limited(ctx, "asks")) is not None:
        return limited
    csrf_check(ctx, form)
    question = str(form.get("question") or "").strip()[:MAX_QUESTION]
    aud = _audience(str(form.get("audience") or ""))
    if not question:
        return _ask_form(ctx, 422, audience=aud, error="Enter your question")
    rt = ctx.service.runtime
    from mednec.ask import answer

    try:
        ans = answer(question, rt, as_of=ctx.now.date())
    except ModuleNotFoundError as exc:  # an optional extra that is not installed
        missing = missing_extra(exc)
        if missing is None:
            raise
        return _ask_form(ctx, 200, question=question, audience=aud,
                         error=f"Reading questions is not available on this server ({missing.message}).")
    except (InputError, MednecError) as exc:
        return _ask_form(ctx, 422, question=question, audience=aud, error=exc.message)
    det = ans.determination
    if det is None or ans.policy is None:
        return _ask_form(ctx, 200, question=question, audience=aud, error=ans.message or
                         "mednec has no policy for that question yet. The drugs it covers are listed below.")
    body = article.article_body(ctx.state.articles, rt, det, audience=aud, state=ReviewState.SUBMITTED, case_title="",
                                key=None)  # not cached: nothing of an anonymous question is kept
    return page(ctx, "public_answer.html", title=body.title, body=body, question=question, audience=aud,
                audiences=AUDIENCES, det=det.to_dict(), policy_href=policy_path(ans.policy.id),
                asked_on=ctx.now.date())


def register(router: APIRouter) -> None:
    @router.get("/drugs")
    def drugs(request: Request) -> Response:
        return _drugs(ctx_of(request))

    @router.get("/drugs/{drug}/{use}")
    def policy_page(request: Request, drug: str, use: str, audience: str | None = None) -> Response:
        return _policy_page(ctx_of(request), drug, use, audience)

    @router.get("/public/ask")
    def public_ask_form(request: Request, audience: str | None = None) -> Response:
        ctx = ctx_of(request)
        if (limited := _limited(ctx, "pages")) is not None:
            return limited
        return _ask_form(ctx, audience=_audience(audience))

    @router.post("/public/ask")
    async def public_ask(request: Request) -> Response:
        form = await form_of(request)
        ctx = await run_in_threadpool(ctx_of, request)
        return await run_in_threadpool(_ask, ctx, form)
