"""Sign-in, sign-out, the start page, About and Editorial policy."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from mednec.errors import AuthError, NotFoundError
from mednec.hygiene import check_text, excerpt
from mednec.store import audit
from mednec.store.accounts import hash_key
from mednec.store.passwords import LOCK_AFTER, LOCK_FOR, LockedOut
from mednec.store.ratelimit import SharedLimit
from mednec.web.core import Ctx, csrf_check, ctx_of, local_path, page, redirect

if TYPE_CHECKING:
    from mednec.runtime import Runtime

__all__ = ["clock_of", "register"]


def _home(ctx: Ctx) -> Response:
    p = ctx.principal
    if p is None:
        return page(ctx, "home.html", title="Medical-necessity review")
    if p.role == "requester":
        return redirect(ctx, "/ask")
    if p.role in ("physician_reviewer", "auditor", "admin"):
        return redirect(ctx, "/queue")
    return redirect(ctx, "/library")


def _sign_in_form(ctx: Ctx, nxt: str) -> Response:
    return page(ctx, "sign_in.html", next=local_path(nxt))


FAILED_SIGN_INS = (20, 300.0)  # failed attempts allowed per client address, per this many seconds


def _limit(ctx: Ctx) -> tuple[SharedLimit, str]:
    """The count of failed sign-ins (in the database: shared by every worker), and the client's address."""
    state = ctx.request.app.state
    if not hasattr(state, "sign_in_limit"):
        state.sign_in_limit = SharedLimit(ctx.service.db, "sign-in", *FAILED_SIGN_INS, clock=clock_of(ctx))
    client = ctx.request.client.host if ctx.request.client else "?"
    return state.sign_in_limit, client


def clock_of(ctx: Ctx) -> Callable[[], float]:
    """The service's clock in seconds (the wall clock in production; the tests' fixed clock in tests)."""
    now = ctx.service.now
    return lambda: now().timestamp()


def _count_failure(ctx: Ctx, limit: SharedLimit, client: str) -> None:
    """Count a failed sign-in from the client; the one that reaches the limit is audited
    (``auth.throttled``, with the client's keyed hash, never its address)."""
    after = limit.hit(client)
    if after >= limit.limit > after - 1:
        with ctx.service.db.session() as s:
            audit.append(s, actor_id=None, action="auth.throttled", entity_type="client",
                         entity_id=limit.key(client)[:16],
                         detail={"failures": limit.limit, "seconds": int(limit.window)}, at=ctx.service.now())


def _sign_in(ctx: Ctx, form: dict[str, Any]) -> Response:
    csrf_check(ctx, form)
    nxt = local_path(str(form.get("next") or "/"))
    limit, client = _limit(ctx)
    if limit.blocked(client):
        resp = page(ctx, "sign_in.html", 429, next=nxt, field="username",
                    error="Too many failed sign-in attempts from this computer. Wait a few minutes and try again")
        resp.headers["Retry-After"] = str(int(FAILED_SIGN_INS[1]))
        return resp
    resp = _sign_in_password(ctx, form, nxt) if "username" in form else _sign_in_key(ctx, form, nxt)
    if resp.status_code == 401:
        _count_failure(ctx, limit, client)
    return resp


def _sign_in_key(ctx: Ctx, form: dict[str, Any], nxt: str) -> Response:
    key = str(form.get("api_key") or "").strip()
    if not key:
        return page(ctx, "sign_in.html", 401, next=nxt, field="api_key", error="Enter your API key")
    try:
        principal = ctx.service.accounts.authenticate(key)  # failures are audited by the service
    except AuthError:
        return page(ctx, "sign_in.html", 401, next=nxt, field="api_key",
                    error="This API key is not valid or has been revoked")
    ctx.service.audit_log.record(principal, "auth.login", "user", principal.id, via="web")
    ctx.session.sign_in(hash_key(key), principal.session_version)
    ctx.principal = principal
    return redirect(ctx, nxt if nxt != "/sign-in" else "/")


def _sign_in_password(ctx: Ctx, form: dict[str, Any], nxt: str) -> Response:
    username = str(form.get("username") or "").strip()
    password = str(form.get("password") or "")
    if not username or not password:
        return page(ctx, "sign_in.html", 401, next=nxt, field="username", username=username,
                    error="Enter your username and password")
    try:
        principal, token = ctx.service.accounts.sign_in_password(username, password)  # failures are audited
    except LockedOut:
        return page(ctx, "sign_in.html", 401, next=nxt, field="username", username=username,
                    error=f"This account is locked for {int(LOCK_FOR.total_seconds() // 60)} minutes after "
                          f"{LOCK_AFTER} wrong passwords. Try again later or ask your administrator")
    except AuthError:
        return page(ctx, "sign_in.html", 401, next=nxt, field="username", username=username,
                    error="The username or password is not right")
    ctx.service.audit_log.record(principal, "auth.login", "user", principal.id, via="password")
    ctx.session.sign_in(token, principal.session_version)
    ctx.principal = principal
    return redirect(ctx, nxt if nxt != "/sign-in" else "/")


def _sign_out(ctx: Ctx, form: dict[str, Any]) -> Response:
    csrf_check(ctx, form)
    if ctx.principal is not None:
        ctx.service.accounts.end_sessions(ctx.principal)  # every copy of this user's session cookies ends (audited)
    ctx.session.sign_out()
    ctx.principal = None
    return redirect(ctx, "/sign-in")


async def form_of(request: Request) -> dict[str, Any]:
    """The submitted form as a dict (repeated names keep the last value; files stay UploadFile)."""
    form = await request.form(max_files=4, max_fields=2000, max_part_size=5 * 1024 * 1024)
    out = dict(form.items())
    for name, value in out.items():
        check_text(name, "form")
        if isinstance(value, str):
            check_text(value, excerpt(name, 40))
    return out


def decision_entries(rt: Runtime, ref_id: str) -> list[dict[str, Any]]:
    """Every criterion that cites mednec's decision record ``ref_id``, by policy: what was decided."""
    out: list[dict[str, Any]] = []
    for policy in sorted(rt.catalog.policies(), key=lambda x: x.drug.generic):
        trees = [("Every request", policy.common), *((pw.name, pw.tree) for pw in policy.pathways)]
        if policy.continuation is not None:
            trees.append(("Re-authorisation", policy.continuation.tree))
        rows = [{"where": where, "text": n.text, "note": n.note or n.if_unmet or ""}
                for where, tree in trees for n in tree.criteria if any(c.ref == ref_id for c in n.cites)]
        if rows:
            out.append({"policy": policy, "rows": rows})
    return out


def _decision(ctx: Ctx, ref_id: str, drug: str = "") -> Response:
    """A public page for one of mednec's editorial decision records (cited as a reference)."""
    rt = ctx.service.runtime
    packs = [rt.catalog.pack_of(p) for p in rt.catalog.policies()]
    ref = next((pk.references[ref_id] for pk in packs if ref_id in pk.references), None)
    if ref is None or ref.kind != "decision":
        raise NotFoundError(f"no editorial decision {ref_id}")
    entries = decision_entries(rt, ref_id)
    wanted = drug.strip().lower()
    for e in entries:  # each drug folds; the one asked for (or the only one) opens
        generic = e["policy"].drug.generic.lower()  # "luspatercept-aamt" is also asked for as "luspatercept"
        names = {generic, generic.split("-")[0], *(b.lower() for b in e["policy"].drug.brands)}
        e["open"] = len(entries) == 1 or bool(wanted and wanted in names)
    return page(ctx, "editorial_decision.html", title=f"mednec editorial decision: {ref.title}", ref=ref,
                entries=entries)


def register(router: APIRouter) -> None:
    @router.get("/")
    def home(request: Request) -> Response:
        return _home(ctx_of(request))

    @router.get("/sign-in")
    def sign_in_form(request: Request, next: str = "/") -> Response:  # noqa: A002 - the query name
        return _sign_in_form(ctx_of(request), next)

    @router.post("/sign-in")
    async def sign_in(request: Request) -> Response:
        form = await form_of(request)
        ctx = await run_in_threadpool(ctx_of, request)
        return await run_in_threadpool(_sign_in, ctx, form)

    @router.post("/sign-out")
    async def sign_out(request: Request) -> Response:
        form = await form_of(request)
        ctx = await run_in_threadpool(ctx_of, request)
        return await run_in_threadpool(_sign_out, ctx, form)

    @router.get("/about")
    def about(request: Request) -> Response:
        return page(ctx_of(request), "about.html", title="About mednec")

    @router.get("/editorial-policy/decisions/{ref_id}")
    def editorial_decision(request: Request, ref_id: str, drug: str = "") -> Response:
        return _decision(ctx_of(request), ref_id, drug[:100])

    @router.get("/editorial-policy")
    def editorial(request: Request) -> Response:
        ctx = ctx_of(request)
        rt = ctx.service.runtime
        policies = [(p, rt.catalog.pack_of(p)) for p in rt.catalog.policies()]
        return page(ctx, "editorial.html", title="Editorial policy", policies=policies,
                    dictionary_version=rt.dictionary.version)
