"""The web app's plumbing: per-app state, the request context, page rendering, error pages.

Every page handler gets a :class:`Ctx` (the signed-in principal, the session and the CSRF
token) and returns :func:`page` or :func:`redirect`, which write the session cookie when it
changed and add the security headers. Service errors raised inside a page become HTML pages:
403 for a role that may not do this, 404 for what does not exist or is not visible (another
organisation's case looks exactly like a missing one), a redirect to sign-in without a session.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import urllib.parse
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import sqlalchemy as sa
from fastapi import Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute

from mednec.errors import (
    AuthError,
    ConflictError,
    ForbiddenError,
    InputError,
    MednecError,
    NotFoundError,
    PreconditionFailedError,
    TooLongError,
    TooManyRequestsError,
)
from mednec.store.access import Principal, require
from mednec.store.models import Case, User
from mednec.store.service import Service
from mednec.web.labels import AUDIENCES, ROLE_LABEL
from mednec.web.memo import Memo
from mednec.web.session import COOKIE, MAX_AGE, SessionData, Signer, principal_for

#: set in a request's scope by the API's guard (mednec.api.guard.HEAD_KEY, not imported: the API imports the web
#: app) when its GET answers a HEAD
HEAD_KEY = "mednec.head"

__all__ = [
    "AUDIENCES",
    "CSP",
    "HEAD_KEY",
    "Ctx",
    "WebRoute",
    "WebState",
    "allowed",
    "csrf_check",
    "ctx_of",
    "local_path",
    "page",
    "redirect",
]

log = logging.getLogger("mednec.web")

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")

class WebState:
    """What the web app keeps per application: service, signer, templates and small caches."""

    def __init__(self, service: Service, signer: Signer) -> None:
        self.service = service
        self.signer = signer
        self._names: dict[str, tuple[str, float]] = {}
        self.articles = Memo()  # rendered articles and test-case runs, least recently used dropped first

    @cached_property
    def env(self) -> Any:
        from mednec.web.templating import make_env

        return make_env()

    def names(self, ids: set[str | None]) -> dict[str, str]:
        """Display names of users (for reviewers and history), cached for a minute."""
        want = {i for i in ids if i}
        now = time.monotonic()
        out = {i: n for i, (n, t) in self._names.items() if i in want and t > now}
        missing = want - set(out)
        if missing:
            with self.service.db.reading() as s:
                for u in s.execute(sa.select(User).where(User.id.in_(missing))).scalars():
                    out[u.id] = u.name
                    self._names[u.id] = (u.name, now + 60)
        return out

    def case_titles(self, ids: set[str]) -> dict[str, str]:
        """Titles of cases the caller has already been shown (visibility checked by the Service)."""
        return {k: v[0] for k, v in self.case_heads(ids).items()}

    def case_heads(self, ids: set[str]) -> dict[str, tuple[str, dict[str, Any]]]:
        """(title, patient part) of cases the caller has already been shown."""
        if not ids:
            return {}
        with self.service.db.reading() as s:
            rows = s.execute(sa.select(Case.id, Case.title, Case.data).where(Case.id.in_(ids))).all()
        return {r[0]: (r[1], {"patient": (r[2] or {}).get("patient") or {}}) for r in rows}


@dataclass
class Ctx:
    """One request as the pages see it."""

    request: Request
    state: WebState
    session: SessionData
    principal: Principal | None
    flash: list[tuple[str, str]] = field(default_factory=list)

    @property
    def service(self) -> Service:
        return self.state.service

    @property
    def now(self) -> dt.datetime:
        return self.state.service.now()

    def need_principal(self) -> Principal:
        if self.principal is None:
            raise AuthError("sign in to continue")
        return self.principal


def ctx_of(request: Request) -> Ctx:
    """The request's context (built once per request)."""
    cached = getattr(request.state, "web_ctx", None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    state: WebState = request.app.state.web
    raw = request.cookies.get(COOKIE)
    session = SessionData.from_cookie(state.signer, raw)
    if raw is None and request.headers.get("sec-fetch-site") == "cross-site":
        session.changed = False  # a cross-site request brought no cookie: do not overwrite the browser's
    principal = principal_for(state.service, session)
    if session.key_hash and principal is None:  # key revoked or signed out elsewhere: the session ends
        session.sign_out()
    ctx = Ctx(request, state, session, principal)
    request.state.web_ctx = ctx
    return ctx


def _finish(ctx: Ctx, resp: Response) -> Response:
    if ctx.session.changed:
        secure = ctx.request.url.scheme == "https"
        resp.set_cookie(COOKIE, ctx.session.to_cookie(ctx.state.signer), max_age=MAX_AGE, httponly=True,
                        samesite="lax", secure=secure, path="/")
    resp.headers.setdefault("Content-Security-Policy", CSP)
    resp.headers.setdefault("X-Content-Type-Options", "nosniff")
    resp.headers.setdefault("Referrer-Policy", "same-origin")
    resp.headers.setdefault("X-Frame-Options", "DENY")
    resp.headers.setdefault("Cache-Control", "no-store")
    return resp


def page(ctx: Ctx, template: str, status: int = 200, **values: Any) -> Response:
    """Render a template as the response, with the session cookie and security headers."""
    html = ctx.state.env.get_template(template).render(**base_values(ctx), **values)
    return _finish(ctx, HTMLResponse(html, status_code=status))


def base_values(ctx: Ctx) -> dict[str, Any]:
    """The values every page gets: the signed-in principal, the navigation, the CSRF token, flashes."""
    from mednec.web.templating import nav_for

    p = ctx.principal
    return {
        "me": p,
        "role_label": ROLE_LABEL.get(p.role, p.role) if p else "",
        "csrf": ctx.session.csrf,
        "nav": nav_for(p.role if p else None),
        "path": ctx.request.url.path,
        "flash": ctx.flash,
        "today": ctx.now.date(),
    }


def redirect(ctx: Ctx, url: str) -> Response:
    """303 See Other (the answer to a POST), keeping the session cookie."""
    return _finish(ctx, RedirectResponse(url, status_code=303))


def finish(ctx: Ctx, resp: Response) -> Response:
    """Add the cookie and headers to a response built elsewhere (downloads)."""
    return _finish(ctx, resp)


def local_path(target: str | None, default: str = "/") -> str:
    """``target`` when it is a path on this site, else ``default`` (no open redirects)."""
    if not target:
        return default
    parts = urllib.parse.urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


def allowed(request: Request, *roles: str) -> Ctx:
    """The request's context once its caller may post this form, checked BEFORE the form is read (as
    ``mednec.api.deps.role`` checks an API route's role before its body): a caller without a session gets the
    401 page with a link to sign in (its form, CSRF token included, is not read: held-out requests6 f02), a role
    the route never serves the 403 page (an admin may do everything); neither has its form parsed, so a
    malformed or huge form from them costs nothing and is answered with no 422 describing it
    (tests/api/test_attacks9_sec9.py). The handlers and the services check again, with the record."""
    ctx = ctx_of(request)
    if ctx.principal is None:
        raise _SignInFirst("this form is for signed-in users; sign in and send it again")
    if roles:
        require(ctx.principal, *roles)
    return ctx


class _SignInFirst(MednecError):
    """A form posted without a session (401 page; a GET is redirected to sign in instead)."""


def csrf_check(ctx: Ctx, form: Mapping[str, Any]) -> None:
    """Every POST form carries the session's CSRF token."""
    if not ctx.session.csrf_ok(str(form.get("csrf") or "")):
        raise _CsrfError("the form expired or came from another site; reload the page and try again")


class _CsrfError(ForbiddenError):
    pass


def error_page(ctx: Ctx, exc: MednecError) -> Response:
    """The HTML page for a service error."""
    if isinstance(exc, AuthError):
        here = ctx.request.url.path + (f"?{ctx.request.url.query}" if ctx.request.url.query else "")
        nxt = here if ctx.request.method == "GET" else "/"
        return redirect(ctx, "/sign-in?" + urllib.parse.urlencode({"next": nxt}))
    if isinstance(exc, _SignInFirst):
        return page(ctx, "error.html", 401, code=401, heading="Sign in to continue", message=exc.message,
                    sign_in=True)
    if isinstance(exc, _CsrfError):
        return page(ctx, "error.html", 403, code=403, heading="This form has expired",
                    message=exc.message)
    if isinstance(exc, ForbiddenError):
        role = ROLE_LABEL.get(ctx.principal.role, ctx.principal.role) if ctx.principal else "this role"
        return page(ctx, "error.html", 403, code=403, heading="You do not have access to this page",
                    message=f"Your role ({role}) may not do this. If you need access, ask an administrator.")
    if isinstance(exc, NotFoundError):
        return not_found(ctx)
    if isinstance(exc, ConflictError | PreconditionFailedError):
        return page(ctx, "error.html", 409, code=409, heading="This could not be done now", message=exc.message)
    if isinstance(exc, TooLongError):
        return page(ctx, "error.html", 413, code=413, heading="This is too long to read", message=exc.message,
                    field=exc.field)
    if isinstance(exc, InputError):
        return page(ctx, "error.html", 422, code=422, heading="Please check what you entered",
                    message=exc.message, field=exc.field)
    if isinstance(exc, TooManyRequestsError):
        resp = page(ctx, "error.html", 429, code=429, heading="Too many requests", message=exc.message)
        resp.headers["Retry-After"] = str(exc.retry_after)
        return resp
    log.error("web error on %s: %s", ctx.request.url.path, type(exc).__name__)
    return page(ctx, "error.html", 500, code=500, heading="Something went wrong",
                message="The page could not be shown. Please try again.")


def not_found(ctx: Ctx) -> Response:
    return page(ctx, "error.html", 404, code=404, heading="Page not found",
                message="There is nothing here, or you do not have access to it. Check the address, "
                        "or go back to the start page.")


class WebRoute(APIRoute):
    """A route whose service errors become HTML pages instead of problem documents."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        original = super().get_route_handler()

        async def handler(request: Request) -> Response:
            try:
                return await original(request)
            except MednecError as exc:
                from starlette.concurrency import run_in_threadpool

                ctx = await run_in_threadpool(ctx_of, request)
                return await run_in_threadpool(error_page, ctx, exc)

        return handler
